"""Lab 2: logistic and softmax regression, each from scratch and with torch.nn (write-up 004).

From scratch means tensor operations only: BCE loss, cross-entropy (with the max-subtraction
trick), one-hot, flatten, a linear layer and SGD. Each piece is first checked against its torch
counterpart on the write-up's own examples (BCE(0.6900, 1) = 0.37110066, the optimizer stepping
x = 1 to 0.8, Linear against nn.Linear, one-hot, cross-entropy 1.74171, Flatten).

Logistic part: 1,000,000 synthetic points (numpy seed 0, x = 2 rand, y = 4 - 3x + 0.2 randn,
both min-max scaled to [0, 1]), Linear(1, 1) + sigmoid, BCE against the continuous targets,
SGD lr 0.05, batch 1024, 10 epochs. Three runs:
  nn       torch.nn in float64, as the write-up (weight -3.68, bias 1.86, prediction 0.139 at x = 2)
  scratch  our pieces, corrected: the same fit as torch.nn
  defect   the write-up's from-scratch run (float32, randn init): its targets (B,) broadcast
           against predictions (B, 1) into (B, B), so it fitted the mean (weight ~0, prediction
           0.50); our losses refuse such shapes, so this run reproduces the defect on purpose

Softmax part: Fashion-MNIST, Flatten + Linear(784, 10), batch 4096, 10 epochs, three runs:
  nn       torch.nn, Normalize(0.5, 0.5), lr 0.05           (write-up: test acc 0.7997)
  writeup  from scratch as the write-up did it: Normalize(0.5, 1.0), lr 0.5, weights and one
           bias shared by all classes from randn         (write-up: test acc 0.6876)
  scratch  from scratch, corrected: small init, a bias per class, the nn run's settings

    python lab2_logistic.py                       # both parts, about 30 s on a 2-core CPU
    python lab2_logistic.py --part logistic
"""
from __future__ import annotations

import dataclasses
import functools
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import common
import datafiles
import machinery
import speed


@dataclasses.dataclass(frozen=True)
class SoftmaxRun:
    name: str
    label: str                  # legend of the figure
    data: common.ImageData      # normalisation of the inputs
    lr: float
    init: str                   # "torch" (nn.Linear's), "small" or "writeup" (see Linear)
    from_scratch: bool


# The lab's settings, the write-up's: the argparse defaults of --epochs and --samples, and each
# run's batch size and learning rate (which --batch-size and --lr override), come from here.
EPOCHS = 10
SAMPLES, SMOKE_SAMPLES = 1_000_000, 20_000   # logistic: synthetic points (--smoke: fewer)
LOGISTIC_BATCH, SOFTMAX_BATCH, TEST_BATCH = 1024, 4096, 10_000
LOGISTIC_LR = 0.05
LOGISTIC_RUNS = ("nn", "scratch", "defect")  # see logistic_run
FASHION = "fashion-mnist"
SOFTMAX_RUNS = (
    SoftmaxRun("nn", "torch.nn", common.ImageData(FASHION, 0.5, 0.5), 0.05, "torch", False),
    SoftmaxRun("writeup", "scratch, write-up init", common.ImageData(FASHION, 0.5, 1.0), 0.5,
               "writeup", True),
    SoftmaxRun("scratch", "scratch, fixed", common.ImageData(FASHION, 0.5, 0.5), 0.05, "small",
               True),
)


# %% [markdown]
# ## The pieces, from scratch
#
# Tensor operations only: the BCE loss (guarded at p = 0 and 1 as `nn.BCELoss` is), the
# cross-entropy with the max-subtraction trick, one-hot, flatten, a linear layer with a bias
# per output, and SGD. `writeup_defect_loss` is the write-up's broadcast mistake, kept on
# purpose to reproduce its numbers.

# %%
def check_same_shape(pred: torch.Tensor, target: torch.Tensor, what: str) -> None:
    if pred.shape != target.shape:
        raise ValueError(f"{what}: predictions have shape {tuple(pred.shape)} but targets have "
                         f"shape {tuple(target.shape)}; they must match (broadcasting them "
                         f"would compare every prediction with every target)")


class _BCE(torch.autograd.Function):
    """Element-wise binary cross-entropy with nn.BCELoss's guards, written out: the value clamps
    each log at -100 (so that p = 0 or 1 gives a finite loss), and the gradient
    (p - t) / (p (1 - p)) divides by at least 1e-12. Autograd through ``log`` would divide 0 by
    0 at p = 0 or 1 and return NaN."""

    @staticmethod
    def forward(ctx, p, t):
        ctx.save_for_backward(p, t)
        return -(t * torch.log(p).clamp(min=-100.0)
                 + (1 - t) * torch.log(1 - p).clamp(min=-100.0))

    @staticmethod
    def backward(ctx, grad):
        p, t = ctx.saved_tensors
        return grad * (p - t) / (p * (1 - p)).clamp(min=1e-12), None


def bce_loss(pred: torch.Tensor, target: torch.Tensor, strict: bool = True) -> torch.Tensor:
    """Mean binary cross-entropy of probabilities ``pred`` against targets in [0, 1].

    ``strict=False`` lets mismatched shapes broadcast: the write-up's defect, kept to show it."""
    if strict:
        check_same_shape(pred, target, "bce_loss")
    pred, target = torch.broadcast_tensors(pred, target)
    return _BCE.apply(pred, target).mean()


def writeup_defect_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Exactly ``bce_loss(pred (B, 1), target (B,), strict=False)``, in O(B) instead of O(B^2).

    The broadcast loss is the mean over all pairs (i, j) of
    -(t_j log p_i + (1 - t_j) log(1 - p_i)), which factorises into
    -(mean_i log p_i * mean_j t_j + mean_i log(1 - p_i) * (1 - mean_j t_j)): every prediction
    is fitted to the mean of the batch's targets, which is why the write-up's slope vanished."""
    t = target.mean()
    return _BCE.apply(pred, t.expand_as(pred)).mean()


def cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of raw scores (B, C) against one-hot (or soft) targets (B, C).

    Subtracting each row's max before exp() changes nothing mathematically
    (log-sum-exp is shift-invariant) but keeps exp() from overflowing for large logits."""
    check_same_shape(logits, target, "cross_entropy")
    shifted = logits - logits.max(dim=1, keepdim=True).values
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
    return -(target * log_probs).sum(dim=1).mean()


def one_hot(labels: torch.Tensor, num_classes: int, dtype=torch.float32) -> torch.Tensor:
    return (labels.unsqueeze(1) == torch.arange(num_classes, device=labels.device)).to(dtype)


def flatten(x: torch.Tensor) -> torch.Tensor:
    """(B, ...) -> (B, features), like nn.Flatten()."""
    return x.reshape(x.shape[0], -1)


class Linear:
    """y = x @ W + b with W (in, out). ``init``: 'small' (N(0, 0.01^2) weights, a zero bias per
    output), or 'writeup' (N(0, 1) weights and one N(0, 1) bias shared by all outputs, as the
    write-up's My_Linear)."""

    def __init__(self, n_in: int, n_out: int, init: str = "small", dtype=torch.float32,
                 device=None):
        if init == "small":
            self.weight = torch.randn(n_in, n_out, dtype=dtype, device=device) * 0.01
            self.bias = torch.zeros(n_out, dtype=dtype, device=device)
        elif init == "writeup":
            self.weight = torch.randn(n_in, n_out, dtype=dtype, device=device)
            self.bias = torch.randn(1, dtype=dtype, device=device)
        else:
            raise ValueError(f"unknown init '{init}'")
        self.weight.requires_grad_(True)
        self.bias.requires_grad_(True)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight + self.bias

    def parameters(self) -> list[torch.Tensor]:
        return [self.weight, self.bias]

    def train(self, mode: bool = True):
        """Like nn.Module's, so that the same training loop runs both models: a linear layer
        computes the same in training and in evaluation, so there is nothing to switch."""
        return self

    def eval(self):
        return self.train(False)


class SGD:
    """Plain stochastic gradient descent: p <- p - lr * grad."""

    def __init__(self, params, lr: float):
        self.params, self.lr = list(params), lr

    @torch.no_grad()
    def step(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p -= self.lr * p.grad

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients (like torch.optim: ``None`` by default, or zeros in place)."""
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()


# %% [markdown]
# ## The models
#
# Logistic regression is p = sigmoid(w x + b), fitted with the BCE loss; softmax regression
# scores each class with a linear layer on the flattened image, fitted with the cross-entropy.
# Each comes twice: from `torch.nn`, and from the pieces above. `writeup_loss` is the loss the
# write-up's from-scratch logistic run really computed.

# %%
def nn_logistic() -> nn.Sequential:
    """torch.nn's logistic regression, p = sigmoid(w x + b), in float64 as the write-up."""
    return nn.Sequential(nn.Linear(1, 1), nn.Sigmoid()).double()


class ScratchLogistic(Linear):
    """Logistic regression from scratch: p = sigmoid(x W + b), with our Linear(1, 1)."""

    def __init__(self, init: str = "small", dtype=torch.float64):
        super().__init__(1, 1, init=init, dtype=dtype)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(super().__call__(x))


def writeup_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The write-up's from-scratch loss as it ran: its targets were (B,), against (B, 1)
    predictions (writeup_defect_loss)."""
    return writeup_defect_loss(pred, target.reshape(-1))


def nn_softmax() -> nn.Sequential:
    """torch.nn's softmax regression: the scores of a linear layer on the flattened image (the
    softmax itself is inside the cross-entropy)."""
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))


class ScratchSoftmax(Linear):
    """Softmax regression from scratch: scores flatten(x) W + b, with our Linear(784, 10)."""

    def __init__(self, init: str = "small", device=None):
        super().__init__(784, 10, init=init, device=device)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return super().__call__(flatten(x))


def softmax_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Our cross_entropy against the labels, one-hot encoded."""
    return cross_entropy(logits, one_hot(labels, logits.shape[1]))


# %% [markdown]
# ## Training and evaluation
#
# The lesson, in plain PyTorch, the same for all six runs. `train_step` is the write-up's step:
# forward, loss, zero_grad, backward, update; the loss is an argument, since the runs differ in
# it (`functools.partial(train_step, loss_fn=bce_loss)` fixes one). `train_epoch` runs the step
# on every batch of any iterable of `(x, y)` (a torch `DataLoader` too) and returns the epoch as
# the write-up reads it: each step's loss (it prints their sum), and the model's outputs with
# their targets. Everything stays on the device until the epoch ends. `evaluate` gives the
# mean loss and accuracy on test data. They use nothing but torch, and they run the models
# written from scratch as well as torch.nn's: copy them into a notebook beside your own
# `DataLoader` (docs/coursework.md).

# %%
def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    """One SGD step on the batch ``(x, y)``; returns the loss and the model's output."""
    out = model(x)
    loss = loss_fn(out, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss, out


def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    """One pass over ``loader`` in train mode; returns each step's loss (a 1-D tensor) and
    the model's outputs and the targets, in the order trained. ``step`` is train_step (with
    the run's loss) or a faster form of it (compiled); ``on_step(losses, outputs, targets)``,
    when given, sees the per-step lists after each step (a divergence check). Leave both out
    and it trains the same, with cross-entropy."""
    model.train()
    losses, outputs, targets = [], [], []
    for x, y in loader:
        loss, out = step(model, x, y, optimizer)
        losses.append(loss.detach())
        outputs.append(out.detach())
        targets.append(y)
        if on_step is not None:
            on_step(losses, outputs, targets)
    return torch.stack(losses), torch.cat(outputs), torch.cat(targets)


@torch.no_grad()
def evaluate(model, loader, loss_fn=F.cross_entropy):
    """Mean loss and accuracy of ``model`` over ``loader``, in eval mode. ``loss_fn`` gives a
    batch's mean loss (as our cross-entropy does), weighted here by the batch's size."""
    model.eval()
    loss_sum, correct, seen = 0.0, 0, 0
    for x, y in loader:
        logits = model(x)
        loss_sum += loss_fn(logits, y).item() * len(y)
        correct += (logits.argmax(1) == y).sum().item()
        seen += len(y)
    return loss_sum / seen, correct / seen


# %% [markdown]
# ## The write-up's checks
#
# Each piece against its torch counterpart, on the write-up's own examples (its unseeded
# `nn.Linear` weights and cross-entropy inputs are loaded from its printout).

# %%
# The write-up's nn.Linear(1, 3) and its cross-entropy input were drawn unseeded; we load the
# values it printed (4 decimals), so that its printed outputs can be compared.
WRITEUP_LINEAR_WEIGHT = [[0.4240], [-0.2577], [0.4972]]
WRITEUP_LINEAR_BIAS = [0.6298, 0.6243, 0.8217]
WRITEUP_CE_INPUT = [[0.7600, 0.4269, 0.7948, -0.6086, 1.2527],
                    [-0.4749, 0.5720, -0.0164, -0.2126, -0.0410],
                    [1.3269, 1.8524, -0.9815, 0.0156, 1.6971]]
WRITEUP_CE_LABELS = [1, 3, 0]


def show(title: str, value) -> None:
    print(f"  {title}:\n    {str(value).replace(chr(10), chr(10) + '    ')}")


def logistic_checks() -> dict:
    """BCE, the optimizer and the linear layer against torch, on the write-up's examples."""
    print("\n== From-scratch pieces against torch (write-up 004, part two)")
    prediction, target = torch.sigmoid(torch.tensor([0.8])), torch.tensor([1.0])
    ours, theirs = bce_loss(prediction, target).item(), nn.BCELoss()(prediction, target).item()
    for title, value in (("BCE input sigmoid(0.8)", prediction), ("target", target),
                         ("our bce_loss", ours), ("nn.BCELoss", theirs)):
        show(title, value)

    x = torch.tensor(1.0, requires_grad=True)
    opt = SGD([x], lr=0.1)
    start = x.item()
    (x ** 2).backward()
    grad = x.grad.item()
    opt.step()
    after_step = x.item()
    opt.zero_grad(set_to_none=False)  # the write-up zeroes in place and prints 0.0
    after_zero = x.grad.item()
    for title, value in (("optimizer: x before", start), ("lr", opt.lr),
                         ("grad of x^2 after backward", grad), ("x after step", after_step),
                         ("grad after zero_grad", after_zero)):
        show(title, value)

    layer = nn.Linear(1, 3)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(WRITEUP_LINEAR_WEIGHT))
        layer.bias.copy_(torch.tensor(WRITEUP_LINEAR_BIAS))
    mine = Linear(1, 3)
    mine.weight, mine.bias = layer.weight.detach().t().clone(), layer.bias.detach().clone()
    inp = torch.tensor([[1.0], [2.0]])
    out_mine, out_nn = mine(inp), layer(inp).detach()
    for title, value in (("Linear input", inp), ("weight (the write-up's, loaded)", layer.weight.data),
                         ("bias (the write-up's, loaded)", layer.bias.data),
                         ("our Linear", out_mine), ("nn.Linear", out_nn)):
        show(title, value)
    return {"bce_input": prediction, "bce_target": target, "bce_ours": ours, "bce_torch": theirs,
            "sgd_x_before": start, "sgd_lr": opt.lr, "sgd_grad": grad, "sgd_x_after": after_step,
            "sgd_grad_after_zero": after_zero, "linear_input": inp,
            "linear_weight": layer.weight.data, "linear_bias": layer.bias.data,
            "linear_ours": out_mine, "linear_torch": out_nn,
            "linear_max_abs_diff": (out_mine - out_nn).abs().max().item()}


def softmax_checks() -> dict:
    """One-hot, cross-entropy and flatten against torch, on the write-up's examples."""
    print("\n== From-scratch pieces against torch (write-up 004, part three)")
    labels = torch.tensor([2, 1, 0])
    ours_1h, torch_1h = one_hot(labels, 5, torch.long), F.one_hot(labels, 5)
    for title, value in (("one-hot input", labels), ("our one_hot", ours_1h),
                         ("F.one_hot", torch_1h)):
        show(title, value)

    logits = torch.tensor(WRITEUP_CE_INPUT)
    target = F.one_hot(torch.tensor(WRITEUP_CE_LABELS), 5).float()
    ce_ours = cross_entropy(logits, target).item()
    ce_torch = nn.CrossEntropyLoss()(logits, target).item()
    for title, value in (("cross-entropy input (the write-up's, loaded)", logits),
                         ("one-hot target", target), ("our cross_entropy", ce_ours),
                         ("nn.CrossEntropyLoss", ce_torch)):
        show(title, value)

    x = torch.tensor([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]])
    for title, value in (("Flatten input", x), ("our flatten", flatten(x)),
                         ("nn.Flatten", nn.Flatten()(x))):
        show(title, value)
    return {"one_hot_input": labels, "one_hot_ours": ours_1h, "one_hot_torch": torch_1h,
            "ce_input": logits, "ce_target": target, "ce_ours": ce_ours, "ce_torch": ce_torch,
            "ce_abs_diff": abs(ce_ours - ce_torch), "flatten_input": x,
            "flatten_ours": flatten(x), "flatten_torch": nn.Flatten()(x)}


# %% [markdown]
# ## Around the lesson
#
# The write-up's data, the model, optimizer and loss of each of the six runs, and `fit`, this
# script's driver: per epoch, `train_epoch` with a `common.Watch` (a loss that stops being a
# number ends the run, naming it), then the epoch's numbers: for logistic regression those the
# write-up printed (`logistic_row`), for softmax regression the train loss and `evaluate` on
# the test set; one line each.

# %%
def min_max(a: np.ndarray) -> np.ndarray:
    return (a - a.min()) / (a.max() - a.min())


def make_logistic_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, float]:
    """The write-up's data: x ~ 2 U[0, 1), y = 4 - 3x + N(0, 0.2^2), each min-max scaled; and
    the test input x = 2 scaled with the same minimum and maximum (it lands just above 1.0)."""
    rng = np.random.RandomState(seed)  # legacy seeding = np.random.seed(0), as the write-up
    x = 2 * rng.rand(n, 1)
    y = 4 - 3 * x + 0.2 * rng.randn(n, 1)
    return min_max(x), min_max(y), float((2 - x.min()) / (x.max() - x.min()))


def logistic_run(kind: str, lr: float):
    """The model, optimizer and loss of one logistic run: 'nn', 'scratch' or 'defect'."""
    if kind == "nn":
        model = nn_logistic()
        return model, torch.optim.SGD(model.parameters(), lr=lr), nn.BCELoss()
    if kind == "scratch":
        model = ScratchLogistic(init="small", dtype=torch.float64)
        return model, SGD(model.parameters(), lr=lr), bce_loss
    model = ScratchLogistic(init="writeup", dtype=torch.float32)  # the write-up's ran float32
    return model, SGD(model.parameters(), lr=lr), writeup_loss


def softmax_run(run: SoftmaxRun, device):
    """The model, optimizer and loss of one softmax run."""
    if not run.from_scratch:
        model = nn_softmax().to(device)
        return model, torch.optim.SGD(model.parameters(), lr=run.lr), F.cross_entropy
    model = ScratchSoftmax(init=run.init, device=device)
    return model, SGD(model.parameters(), lr=run.lr), softmax_loss


def logistic_row(losses, preds, targets, batch_size: int) -> dict:
    """One epoch as the write-up printed it (the sum of the batch losses and its 'Acc',
    1 - |sum of predictions - sum of targets| / sum of targets), with the mean loss and a real
    accuracy (prediction and target on the same side of 0.5). Float64, on the host: this part
    runs on the CPU whatever --device says."""
    losses, preds = losses.double(), preds.double()
    sizes = torch.tensor([len(p) for p in preds.split(batch_size)], dtype=torch.float64)
    pred_sum, target_sum = preds.sum().item(), targets.double().sum().item()
    return {"loss_mean": (losses * sizes).sum().item() / len(preds),
            "loss_sum": losses.sum().item(),
            "writeup_acc": 1 - abs(pred_sum - target_sum) / target_sum,
            "accuracy": ((preds > 0.5) == (targets > 0.5)).double().mean().item()}


def fit(model, loader, optimizer, step, epochs: int, history: dict, watch, test=None) -> None:
    """Train for ``epochs``, adding each epoch's numbers to ``history`` as it ends.
    ``watch(epoch)`` makes the epoch's common.Watch; a loss that stops being a number raises
    machinery.Halt. Without ``test`` (logistic): the write-up's numbers from the epoch's record;
    with ``test = (test_loader, loss_fn)`` (softmax): the train loss, and the test set's."""
    for epoch in range(1, epochs + 1):
        on_step = watch(epoch)
        losses, outputs, targets = train_epoch(model, loader, optimizer, step, on_step)
        on_step.end()
        if test is None:
            row = logistic_row(losses, outputs, targets, loader.batch_size)
            line = (f"loss sum {row['loss_sum']:8.2f}  mean {row['loss_mean']:.5f}  write-up "
                    f"'Acc' {row['writeup_acc']:.4f}  accuracy {row['accuracy']:.4f}")
        else:
            test_loss, test_acc = evaluate(model, *test)
            on_step.check_test(test_loss)
            losses = losses.cpu()
            row = {"train_loss": losses.mean().item(), "train_loss_sum": losses.sum().item(),
                   "test_loss": test_loss, "test_acc": test_acc}
            line = (f"train loss {row['train_loss']:.4f} (sum {row['train_loss_sum']:6.2f})  "
                    f"test loss {test_loss:.4f}  test acc {test_acc:.4f}")
        for key, value in {"epoch": epoch, **row}.items():
            history[key].append(value)
        print(f"  {on_step.label:<8} epoch {epoch:>2}: {line}", flush=True)


# %% [markdown]
# ## The two parts
#
# Each part checks its pieces against torch on the write-up's examples, then trains its three
# runs in turn. Logistic regression runs on the CPU whatever `--device` says: the write-up
# fitted it in float64, which Apple's MPS lacks, and a 2-parameter step is all launch overhead
# on a GPU. Each epoch there is one gather and the batches are views, so a run of a million
# points takes seconds.

# %%
def part_settings(args, part: str, epochs: int) -> dict:
    """The settings of one part ('logistic' or 'softmax'): the write-up's, where no flag
    overrides them."""
    if part == "logistic":
        return {"epochs": epochs, "batch_size": args.batch_size or LOGISTIC_BATCH,
                "lr": args.lr or LOGISTIC_LR, "seed": args.seed, "compile_model": args.compile,
                "samples": SMOKE_SAMPLES if args.smoke else args.samples}
    return {"epochs": epochs, "batch_size": args.batch_size or SOFTMAX_BATCH, "lr": args.lr,
            "seed": args.seed, "loader": args.loader, "workers": args.workers,
            "max_batches": 3 if args.smoke else None, "compile_model": args.compile}


def logistic_runs(args, settings: dict, metrics: dict, history: dict) -> None:
    """The write-up's checks, then the three logistic runs on the write-up's data, each run's
    numbers added to ``metrics`` and ``history`` as it ends."""
    cpu, samples, epochs = torch.device("cpu"), settings["samples"], settings["epochs"]
    metrics.update(logistic_checks())
    x_np, y_np, x_test = make_logistic_data(samples, seed=0)
    print(f"\n== Logistic regression: {samples:,} samples, first sample x0 = {x_np[0, 0]!r}, "
          f"y0 = {y_np[0, 0]!r}; x = 2 scales to {x_test!r}")
    metrics.update(samples=samples, x0=float(x_np[0, 0]), y0=float(y_np[0, 0]), x_test=x_test)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    for kind in LOGISTIC_RUNS:
        history[kind] = {"epoch": [], "loss_mean": [], "loss_sum": [], "writeup_acc": [],
                         "accuracy": []}
        run_start = time.perf_counter()
        torch.manual_seed(args.seed)
        model, optimizer, loss_fn = logistic_run(kind, settings["lr"])
        weight, bias = model.parameters()
        loader = common.TensorBatches(  # a fresh order each epoch, from the seed
            x.to(weight.dtype), y.to(weight.dtype), settings["batch_size"], shuffle=True,
            generator=torch.Generator().manual_seed(args.seed), device=cpu)
        step = functools.partial(train_step, loss_fn=loss_fn)
        if args.compile:  # the whole step compiled, or this step after one line saying why
            step = speed.compiled_step(step, model, optimizer, speed.first_batch(loader), cpu)
            metrics[f"{kind}_compile_seconds"] = getattr(step, "compile_seconds", None)
        watch = functools.partial(common.Watch, lr=settings["lr"],
                                  what=f"logistic regression ({kind})", label=kind)
        fit(model, loader, optimizer, step, epochs, history[kind], watch)
        with torch.no_grad():
            prediction = model(torch.tensor([[x_test]], dtype=weight.dtype)).item()
        done = {"weight": weight.item(), "bias": bias.item(), "prediction_x2": prediction,
                "final_loss_sum": history[kind]["loss_sum"][-1],
                "final_accuracy": history[kind]["accuracy"][-1],
                "seconds": time.perf_counter() - run_start}
        metrics.update({f"{kind}_{key}": value for key, value in done.items()})
        print(f"  {kind:<8} weight {done['weight']:.4f}  bias {done['bias']:.4f}  "
              f"prediction(x=2) {done['prediction_x2']:.4f}  ({done['seconds']:.1f} s)")
    print("  defect: the (B, 1) predictions against (B,) targets broadcast to (B, B), so "
          "every prediction is pushed towards the mean of all targets: the slope vanishes.")


def softmax_runs(args, device, settings: dict, metrics: dict, history: dict) -> None:
    """The write-up's checks, then the three softmax runs on Fashion-MNIST, each run's
    numbers added to ``metrics`` and ``history`` as it ends."""
    epochs = settings["epochs"]
    metrics.update(softmax_checks())
    print(f"\n== Softmax regression on Fashion-MNIST: batch {settings['batch_size']}, "
          f"{epochs} epochs")
    data_dir = datafiles.resolve_data_dir(args.data_dir)
    runs = [dataclasses.replace(r, lr=args.lr) if args.lr else r for r in SOFTMAX_RUNS]
    for run in runs:
        history[run.name] = {"epoch": [], "train_loss": [], "train_loss_sum": [],
                             "test_loss": [], "test_acc": []}
        torch.manual_seed(args.seed)
        train_loader, test_loader = common.image_loaders(
            run.data, data_dir, kind=args.loader, batch_size=settings["batch_size"],
            test_batch_size=TEST_BATCH, device=device, seed=args.seed,
            workers=args.workers, max_batches=settings["max_batches"])
        model, optimizer, loss_fn = softmax_run(run, device)
        if isinstance(model, nn.Module):
            machinery.check_deterministic(model, test_loader, loss_fn)
        step = functools.partial(train_step, loss_fn=loss_fn)
        if args.compile:  # the whole step compiled, or this step after one line saying why
            step = speed.compiled_step(step, model, optimizer, speed.first_batch(train_loader),
                                       device)
            metrics[f"{run.name}_compile_seconds"] = getattr(step, "compile_seconds", None)
        watch = functools.partial(common.Watch, lr=run.lr,
                                  what=f"softmax regression ({run.name})", label=run.name)
        fit(model, train_loader, optimizer, step, epochs, history[run.name], watch,
            test=(test_loader, loss_fn))
        metrics.update({f"{run.name}_test_acc": history[run.name]["test_acc"][-1],
                        f"{run.name}_test_loss": history[run.name]["test_loss"][-1],
                        f"{run.name}_epoch1_test_acc": history[run.name]["test_acc"][0],
                        f"{run.name}_settings": {"normalize": [run.data.mean, run.data.std],
                                                 "lr": run.lr, "init": run.init,
                                                 "from_scratch": run.from_scratch}})


def part_figure(part: str, path, history: dict) -> common.Drawn:
    """A part's figure: the logistic runs' loss per epoch, or the softmax runs' train loss,
    test loss and test accuracy."""
    if part == "logistic":
        return common.plot_panels(path, [{
            "title": "loss per epoch (sum of batch means)", "xlabel": "epoch",
            "series": {k: (h["epoch"], h["loss_sum"]) for k, h in history.items()}}])
    labels = {run.name: run.label for run in SOFTMAX_RUNS}
    panels = [{"title": title, "xlabel": "epoch", "series": {
        labels[n]: (h["epoch"], h[key]) for n, h in history.items()}}
        for key, title in (("train_loss", "train loss"), ("test_loss", "test loss"),
                           ("test_acc", "test accuracy"))]
    return common.plot_panels(path, panels, title="Softmax regression on Fashion-MNIST")


def epochs_done(history: dict) -> int:
    """The whole epochs of the run in progress: the last one in ``history``."""
    return len(list(history.values())[-1]["epoch"]) if history else 0


# %% [markdown]
# ## The command line
#
# `--part` picks logistic, softmax or both; each part writes its own results file and figure.

# %%
def parse_args(argv=None):
    parser = machinery.LabParser(__doc__, prog="lab2_logistic.py")
    parser.add_argument("--part", choices=("logistic", "softmax", "all"), default="all",
                        help="which part to run")
    runs = ", ".join(f"{r.name} {r.lr}" for r in SOFTMAX_RUNS)
    common.add_common_args(
        parser, epochs=EPOCHS, image_data=True,
        batch_size=f"{LOGISTIC_BATCH} logistic, {SOFTMAX_BATCH} softmax",
        lr=f"each run's write-up setting: logistic {LOGISTIC_LR}; softmax {runs}")
    parser.add_argument("--samples", type=common.positive_int, default=SAMPLES,
                        help="logistic: number of synthetic samples")
    return common.parse_args(parser, argv), parser


def main(argv=None) -> dict:
    args, parser = parse_args(argv)
    device = common.setup(args)
    epochs = 1 if args.smoke else args.epochs
    print(f"lab2: device {device}, seed {args.seed}")
    done = {}
    for part in ("logistic", "softmax") if args.part == "all" else (args.part,):
        start, settings = time.perf_counter(), part_settings(args, part, epochs)
        metrics, history, stopped = {}, {}, None
        try:
            if part == "logistic":
                logistic_runs(args, settings, metrics, history)
            else:
                softmax_runs(args, device, settings, metrics, history)
        except (machinery.Halt, KeyboardInterrupt) as err:  # diverged, Ctrl-C or SIGTERM
            stopped = machinery.Stop.of(err, epochs_done(history) + 1)
        name = common.run_name(f"lab2_{part}", args, parser)
        figure = part_figure(part, args.out_dir / f"{name}.png", history)
        done[part] = common.finish(
            args, name, metrics=metrics, history=history, figures=[figure], start=start,
            device=torch.device("cpu") if part == "logistic" else device, stopped=stopped,
            config={**common.config_of(args), **settings})
        if stopped:  # the runs so far are saved: one line naming the file, exit 3, 130 or 143
            raise stopped.error(saved=done[part]["path"])
    return {"metrics": {part: result["metrics"] for part, result in done.items()},
            "history": {part: result["history"] for part, result in done.items()},
            "figures": {k: v for result in done.values() for k, v in result["figures"].items()}}


# %% [markdown]
# ## Run it
#
# In a terminal: `python lab2_logistic.py --part softmax` (`--help` lists every flag). In a
# notebook this cell runs the lab with the flags in `NOTEBOOK_ARGS`: edit them here (`[]`
# means the lab's defaults). `result` then holds the metrics, the per-epoch history and the
# figures drawn.

# %%
NOTEBOOK_ARGS: list[str] = []  # e.g. ["--part", "softmax"]; a command line ignores this

if __name__ == "__main__":
    result = machinery.cli(main, NOTEBOOK_ARGS)
