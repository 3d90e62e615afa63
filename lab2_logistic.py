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
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import common
import datafiles
import machinery
import speed

LOGISTIC_BATCH, SOFTMAX_BATCH, TEST_BATCH = 1024, 4096, 10_000
LOGISTIC_LR = 0.05
LOG_CLAMP = -100.0  # nn.BCELoss clamps log() at -100 so that p = 0 or 1 gives a finite loss
GRAD_EPS = 1e-12    # ... and divides its gradient by max(p (1 - p), 1e-12)


@dataclasses.dataclass(frozen=True)
class SoftmaxRun:
    name: str
    label: str                  # legend of the figure
    data: common.ImageData      # normalisation of the inputs
    lr: float
    init: str                   # "torch" (nn.Linear's), "small" or "writeup" (see Linear)
    from_scratch: bool


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
    each log at -100, and the gradient (p - t) / (p (1 - p)) divides by at least 1e-12. Autograd
    through ``log`` would divide 0 by 0 at p = 0 or 1 and return NaN."""

    @staticmethod
    def forward(ctx, p, t):
        ctx.save_for_backward(p, t)
        return -(t * torch.log(p).clamp(min=LOG_CLAMP)
                 + (1 - t) * torch.log(1 - p).clamp(min=LOG_CLAMP))

    @staticmethod
    def backward(ctx, grad):
        p, t = ctx.saved_tensors
        return grad * (p - t) / (p * (1 - p)).clamp(min=GRAD_EPS), None


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
# ## Logistic regression on a million points
#
# Three runs on the write-up's data and settings: `torch.nn` in float64, our pieces corrected,
# and the write-up's defect. Each epoch is one gather and batches are views, so a run takes
# seconds on a CPU.

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


def logistic_model(kind: str, lr: float):
    """(forward, optimizer, loss_fn, weight, bias, dtype) for one logistic run."""
    if kind == "nn":
        model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid()).double()
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        return model, optimizer, nn.BCELoss(), model[0].weight, model[0].bias, torch.float64
    dtype = torch.float64 if kind == "scratch" else torch.float32  # the write-up's ran float32
    linear = Linear(1, 1, init="small" if kind == "scratch" else "writeup", dtype=dtype)

    def forward(xb):
        return torch.sigmoid(linear(xb))

    def defect_loss(pred, target):  # the write-up's (B, 1) predictions vs (B,) targets
        return writeup_defect_loss(pred, target.reshape(-1))
    loss_fn = bce_loss if kind == "scratch" else defect_loss
    return forward, SGD(linear.parameters(), lr=lr), loss_fn, linear.weight, linear.bias, dtype


def train_step(forward, loss_fn, x, y, optimizer):
    pred = forward(x)
    loss = loss_fn(pred, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss, pred


def run_logistic(kind: str, x: torch.Tensor, y: torch.Tensor, x_test: float, history: dict,
                 metrics: dict, *, epochs: int, batch_size: int, lr: float, seed: int,
                 compile_model: bool):
    """Train one logistic regression (``kind``: 'nn', 'scratch' or 'defect'). Per epoch it adds
    to ``history`` what the write-up printed (the sum of the batch losses and its 'Acc') and a
    real accuracy; at the end, its weight, bias and prediction go into ``metrics``. Returns
    None, or the Stop of a run whose loss diverged."""
    torch.manual_seed(seed)
    order = torch.Generator().manual_seed(seed)
    forward, optimizer, loss_fn, weight, bias, dtype = logistic_model(kind, lr)
    forward = speed.maybe_compile(forward, compile_model, batch_size, torch.device("cpu"))
    x, y = x.to(dtype), y.to(dtype)
    n, start = len(x), time.perf_counter()
    for epoch in range(1, epochs + 1):
        perm = torch.randperm(n, generator=order)
        xs, ys = x[perm], y[perm]  # one gather per epoch; the batches are then views
        run = common.Epoch(epoch, lr, what=f"logistic regression ({kind})", label=kind)
        for xb, yb in run.batches(zip(xs.split(batch_size), ys.split(batch_size))):
            loss, pred = train_step(forward, loss_fn, xb, yb, optimizer)
            run.record(loss, pred.detach())
        if run.stopped:
            return run.stopped
        # float64 on the host: this part runs on the CPU whatever --device says
        losses, preds = torch.stack(run.losses).double(), torch.cat(run.predictions).double()
        sizes = torch.tensor([len(p) for p in preds.split(batch_size)], dtype=torch.float64)
        pred_sum, target_sum = preds.sum().item(), ys.double().sum().item()
        row = {"epoch": epoch, "loss_mean": (losses * sizes).sum().item() / n,
               "loss_sum": losses.sum().item(),
               "writeup_acc": 1 - abs(pred_sum - target_sum) / target_sum,
               "accuracy": ((preds > 0.5) == (ys > 0.5)).double().mean().item()}
        for key, value in row.items():
            history[key].append(value)
        print(f"  {kind:<7} epoch {epoch:>2}: loss sum {row['loss_sum']:8.2f}  mean "
              f"{row['loss_mean']:.5f}  write-up 'Acc' {row['writeup_acc']:.4f}  accuracy "
              f"{row['accuracy']:.4f}")
    with torch.no_grad():
        prediction = forward(torch.tensor([[x_test]], dtype=dtype)).item()
    done = {"weight": weight.item(), "bias": bias.item(), "prediction_x2": prediction,
            "final_loss_sum": history["loss_sum"][-1], "final_accuracy": history["accuracy"][-1],
            "seconds": time.perf_counter() - start}
    metrics.update({f"{kind}_{key}": value for key, value in done.items()})
    print(f"  {kind:<7} weight {done['weight']:.4f}  bias {done['bias']:.4f}  "
          f"prediction(x=2) {done['prediction_x2']:.4f}  ({done['seconds']:.1f} s)")
    return None


def logistic_part(args, parser, epochs: int) -> dict:
    """The write-up's checks, then the three logistic runs on the write-up's data; one results
    file and one figure. On the CPU whatever --device says: the write-up fitted it in float64,
    which Apple's MPS lacks, and a 2-parameter step is all launch overhead on a GPU."""
    start, cpu = time.perf_counter(), torch.device("cpu")
    samples = 20_000 if args.smoke else args.samples
    settings = {"epochs": epochs, "batch_size": args.batch_size or LOGISTIC_BATCH,
                "lr": args.lr or LOGISTIC_LR, "seed": args.seed, "compile_model": args.compile}
    metrics = logistic_checks()
    x_np, y_np, x_test = make_logistic_data(samples, seed=0)
    print(f"\n== Logistic regression: {samples:,} samples, first sample x0 = {x_np[0, 0]!r}, "
          f"y0 = {y_np[0, 0]!r}; x = 2 scales to {x_test!r}")
    metrics.update(samples=samples, x0=float(x_np[0, 0]), y0=float(y_np[0, 0]), x_test=x_test)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    history, stopped = {}, None
    for kind in ("nn", "scratch", "defect"):
        history[kind] = {"epoch": [], "loss_mean": [], "loss_sum": [], "writeup_acc": [],
                         "accuracy": []}
        stopped = common.until_stopped(run_logistic, kind, x, y, x_test, history[kind],
                                       metrics, **settings)
        if stopped:
            break
    else:
        print("  defect: the (B, 1) predictions against (B,) targets broadcast to (B, B), so "
              "every prediction is pushed towards the mean of all targets: the slope vanishes.")
    name = common.run_name("lab2_logistic", args, parser)
    figure = common.plot_panels(args.out_dir / f"{name}.png", [{
        "title": "loss per epoch (sum of batch means)", "xlabel": "epoch",
        "series": {k: (h["epoch"], h["loss_sum"]) for k, h in history.items()}}])
    return common.finish(args, name, metrics=metrics, history=history, figures=[figure],
                         device=cpu, start=start, stopped=stopped,
                         config={**common.config_of(args), **settings, "samples": samples})


# %% [markdown]
# ## Softmax regression on Fashion-MNIST
#
# The write-up's `torch.nn` run, its from-scratch run with its own initialisation, and our
# corrected from-scratch run; the figure compares their curves.

# %%
def softmax_model(run: SoftmaxRun, device):
    """(forward, optimizer, loss_fn, module-or-None) for one softmax run."""
    if not run.from_scratch:
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10)).to(device)
        return model, torch.optim.SGD(model.parameters(), lr=run.lr), F.cross_entropy, model
    linear = Linear(784, 10, init=run.init, device=device)

    def forward(xb):
        return linear(flatten(xb))

    def loss_fn(logits, y):
        return cross_entropy(logits, one_hot(y, 10))
    return forward, SGD(linear.parameters(), lr=run.lr), loss_fn, None


def run_softmax(run: SoftmaxRun, device, data_dir, history: dict, metrics: dict, *,
                epochs: int, batch_size: int, lr: float | None, seed: int, loader: str,
                workers: int, max_batches: int | None, compile_model: bool):
    """Train one softmax regression; per epoch it adds the train loss (mean and the write-up's
    sum) and the test loss and accuracy to ``history``, and at the end its results to
    ``metrics``. Returns None, or the Stop of a run whose loss diverged."""
    if lr is not None:
        run = dataclasses.replace(run, lr=lr)
    torch.manual_seed(seed)
    train_loader, test_loader = common.image_loaders(
        run.data, data_dir, kind=loader, batch_size=batch_size, test_batch_size=TEST_BATCH,
        device=device, seed=seed, workers=workers, max_batches=max_batches)
    forward, optimizer, loss_fn, module = softmax_model(run, device)
    if module is not None:
        machinery.check_deterministic(module, test_loader, loss_fn)
    train_forward = speed.maybe_compile(forward, compile_model, batch_size, device)
    for epoch in range(1, epochs + 1):
        step = common.Epoch(epoch, run.lr, what=f"softmax regression ({run.name})",
                            label=run.name)
        for xb, yb in step.batches(train_loader):
            loss, _ = train_step(train_forward, loss_fn, xb, yb, optimizer)
            step.record(loss)
        if step.stopped:
            return step.stopped
        test_loss, test_acc = common.evaluate(forward, test_loader,
                                              lambda logits, y: loss_fn(logits, y).item() * len(y))
        if step.check_test(test_loss):
            return step.stopped
        losses = torch.stack(step.losses).cpu()
        row = (epoch, losses.mean().item(), losses.sum().item(), test_loss, test_acc)
        for key, value in zip(history, row):
            history[key].append(value)
        print(f"  {run.name:<8} epoch {epoch:>2}: train loss {row[1]:.4f} (sum {row[2]:6.2f})  "
              f"test loss {row[3]:.4f}  test acc {row[4]:.4f}")
    metrics.update({f"{run.name}_test_acc": history["test_acc"][-1],
                    f"{run.name}_test_loss": history["test_loss"][-1],
                    f"{run.name}_epoch1_test_acc": history["test_acc"][0],
                    f"{run.name}_settings": {"normalize": [run.data.mean, run.data.std],
                                             "lr": run.lr, "init": run.init,
                                             "from_scratch": run.from_scratch}})
    return None


def softmax_part(args, parser, device, epochs: int) -> dict:
    """The write-up's checks, then the three softmax runs; one results file, one figure."""
    start = time.perf_counter()
    settings = {"epochs": epochs, "batch_size": args.batch_size or SOFTMAX_BATCH,
                "lr": args.lr, "seed": args.seed, "loader": args.loader,
                "workers": args.workers, "max_batches": 3 if args.smoke else None,
                "compile_model": args.compile}
    metrics = softmax_checks()
    print(f"\n== Softmax regression on Fashion-MNIST: batch {settings['batch_size']}, "
          f"{epochs} epochs")
    data_dir = datafiles.resolve_data_dir(args.data_dir)
    history, stopped = {}, None
    for run in SOFTMAX_RUNS:
        history[run.name] = {"epoch": [], "train_loss": [], "train_loss_sum": [],
                             "test_loss": [], "test_acc": []}
        stopped = common.until_stopped(run_softmax, run, device, data_dir, history[run.name],
                                       metrics, **settings)
        if stopped:
            break
    labels = {run.name: run.label for run in SOFTMAX_RUNS}
    panels = [{"title": title, "xlabel": "epoch", "series": {
        labels[n]: (h["epoch"], h[key]) for n, h in history.items()}}
        for key, title in (("train_loss", "train loss"), ("test_loss", "test loss"),
                           ("test_acc", "test accuracy"))]
    name = common.run_name("lab2_softmax", args, parser)
    figure = common.plot_panels(args.out_dir / f"{name}.png", panels,
                                title="Softmax regression on Fashion-MNIST")
    return common.finish(args, name, metrics=metrics, history=history, figures=[figure],
                         device=device, start=start, stopped=stopped,
                         config={**common.config_of(args), **settings})


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
        parser, epochs=10, image_data=True,
        batch_size=f"{LOGISTIC_BATCH} logistic, {SOFTMAX_BATCH} softmax",
        lr=f"each run's write-up setting: logistic {LOGISTIC_LR}; softmax {runs}")
    parser.add_argument("--samples", type=common.positive_int, default=1_000_000,
                        help="logistic: number of synthetic samples")
    return common.parse_args(parser, argv), parser


def main(argv=None) -> dict:
    args, parser = parse_args(argv)
    device = common.setup(args)
    epochs = 1 if args.smoke else args.epochs
    print(f"lab2: device {device}, seed {args.seed}")
    parts = {}
    if args.part in ("logistic", "all"):
        parts["logistic"] = logistic_part(args, parser, epochs)
    if args.part in ("softmax", "all"):
        parts["softmax"] = softmax_part(args, parser, device, epochs)
    return {"metrics": {part: done["metrics"] for part, done in parts.items()},
            "history": {part: done["history"] for part, done in parts.items()},
            "figures": {k: v for done in parts.values() for k, v in done["figures"].items()}}


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
