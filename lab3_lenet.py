"""Lab 3: LeNet two ways -- the 60-minute-blitz walkthrough and the d2l LeNet on Fashion-MNIST.

Part 1, ``--model blitz`` (write-ups 000 and 003): the blitz LeNet (32x32 input, ReLU, max-pool)
step by step -- the model, its 10 parameter tensors, a forward pass, a backward pass from a
random gradient, what a 28x28 input does, the MSE loss and its grad_fn chain, gradients before
and after backward, a manual SGD update and a 10-step optim.SGD loop -- then the optional full
training on MNIST padded to 32x32 (SGD lr 0.01, momentum 0.9, batch 64, 5 epochs: ~99% test
accuracy).

Part 2, ``--model d2l`` (default, write-up 002): the d2l.ai LeNet (sigmoid, avg-pool) on
Fashion-MNIST with Xavier-uniform init, SGD lr 0.9, cross-entropy, 10 epochs. The write-up used
batch size 4 (loss 0.338, train acc 0.875, test acc 0.867); the book used 256 (0.469 / 0.823 /
0.779).

    python lab3_lenet.py --epochs 10 --device cuda          # the write-up, batch 4
    python lab3_lenet.py --batch-size 256                   # the book's setting
    python lab3_lenet.py --model blitz                      # walkthrough + MNIST training

Time on a 2-core CPU (the reference run of run_all): batch 4 about 5 minutes, batch 256 about
1 minute, blitz about 45 s. Examples/sec counts the training passes only (every batch's fetch, forward,
backward and update; evaluation excluded), like the book's Timer.
"""
from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from torch import nn

import common
import datafiles
import machinery
import speed

# %% [markdown]
# ## The two LeNets
#
# The blitz LeNet (ReLU, max-pool, 32x32 input) and the d2l LeNet (sigmoid, average pooling,
# 28x28 input), with each part's settings from its write-up.

# %%
# Each part's settings: the argparse defaults of --epochs, --batch-size and --lr come from here.
SETTINGS = {
    "d2l": {"epochs": 10, "batch_size": 4, "lr": 0.9, "momentum": 0.0,
            "data": common.ImageData("fashion-mnist")},                   # d2l: ToTensor only
    "blitz": {"epochs": 5, "batch_size": 64, "lr": 0.01, "momentum": 0.9,
              "data": common.ImageData("mnist", 0.1307, 0.3081, pad=2)},  # 28x28 -> 32x32
}
PROG = "lab3_lenet.py"
TITLES = {"d2l": "d2l LeNet, Fashion-MNIST", "blitz": "blitz LeNet, MNIST 32x32"}
TEST_BATCH_SIZE = 1000
CURVE_POINTS = 5  # points per epoch on the train curves, like the d2l Animator


class LeNet5(nn.Module):
    """The 60-minute blitz LeNet: 1x32x32 -> conv5 (6) -> pool -> conv5 (16) -> pool -> 3 FC."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def d2l_lenet() -> nn.Sequential:
    """The d2l.ai LeNet: sigmoid activations and average pooling, 1x28x28 input."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))


def xavier_init(model: nn.Module) -> None:
    """Xavier-uniform weights for conv and linear layers (biases keep PyTorch's default)."""
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(module.weight)


# %% [markdown]
# ## Training and evaluation
#
# The lesson, in plain PyTorch. `train_step` is the write-up's step: forward, loss, zero_grad,
# backward, update. `train_epoch` runs it on every batch of any iterable of `(x, y)` (a torch
# `DataLoader` too) and returns the mean loss and accuracy, counted on the fly in train mode as
# d2l counts them; each step's loss stays on the device until the end of the epoch, so the loop
# never waits for a GPU. `evaluate` does the same on test data in eval mode. They use nothing
# but torch: copy them into a notebook beside your own `DataLoader` (docs/coursework.md).

# %%
def train_step(model, x, y, optimizer):
    """One SGD step on the batch ``(x, y)``; returns the loss and the logits."""
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss, logits


def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    """One pass over ``loader`` in train mode; returns the mean training loss and accuracy.
    ``step`` is train_step or a faster form of it (compiled, a CUDA graph); ``on_step(losses,
    hits, sizes)``, when given, sees the per-step lists after each step (a progress report,
    live curves, a divergence check). Leave both out and it trains the same."""
    model.train()
    losses, hits, sizes = [], [], []
    for x, y in loader:
        loss, logits = step(model, x, y, optimizer)
        losses.append(loss.detach())
        hits.append((logits.argmax(1) == y).sum())
        sizes.append(len(y))
        if on_step is not None:
            on_step(losses, hits, sizes)
    n = torch.tensor(sizes, dtype=torch.float64)
    loss_sum = (torch.stack(losses).cpu().double() * n).sum()  # float64, on the host
    return (loss_sum / n.sum()).item(), torch.stack(hits).sum().item() / n.sum().item()


@torch.no_grad()
def evaluate(model, loader):
    """Mean cross-entropy loss and accuracy of ``model`` over ``loader``, in eval mode."""
    model.eval()
    loss_sum, correct, seen = 0.0, 0, 0
    for x, y in loader:
        logits = model(x)
        loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(1) == y).sum().item()
        seen += len(y)
    return loss_sum / seen, correct / seen


# %% [markdown]
# ## The blitz walkthrough, and the d2l LeNet's shapes
#
# Part 1: the model, its parameters, one forward and backward pass, what a 28x28 input does to
# it, the loss and its `grad_fn` chain, and SGD by hand and with `optim.SGD`, each printed with
# why. Part 2 first prints each layer's output shape for one input.

# %%
def say(text: str) -> None:
    print(f"\n# {text}")


def grad_fn_chain(fn, depth: int = 3) -> list[str]:
    """Follow the graph back from the loss the way write-up 003 does by hand,
    ``loss.grad_fn.next_functions[0][0]`` and so on: the first input at each step."""
    names = []
    while fn is not None and len(names) < depth:
        names.append(type(fn).__name__)
        fn = fn.next_functions[0][0] if fn.next_functions else None
    return names


def blitz_walkthrough(device: torch.device) -> dict:
    net = LeNet5().to(device)
    say("The model (conv1/conv2 are 5x5 convolutions; fc1-fc3 fully connected):")
    print(net)

    params = list(net.parameters())
    say(f"{len(params)} parameter tensors (a weight and a bias per layer, 5 layers); "
        f"conv1.weight has size {list(params[0].shape)} = (out channels, in channels, 5, 5)")

    x = torch.randn(1, 1, 32, 32, device=device)
    out = net(x)
    say(f"Output for a random 1x1x32x32 input: shape {list(out.shape)}, one score per class")
    print(out.detach())

    net.zero_grad()
    out.backward(torch.randn(1, 10, device=device))  # a random gradient for the 10 outputs
    random_backward_filled = all(p.grad is not None for p in net.parameters())
    say("out.backward(torch.randn(1, 10)): out is not a single number, so backward needs a "
        "gradient for each of its 10 entries; every parameter now has a .grad: "
        f"{random_backward_filled}")

    try:
        net(torch.randn(1, 1, 28, 28, device=device))
        wrong_size_error = None
    except RuntimeError as err:
        wrong_size_error = str(err).splitlines()[0]
    say("A 28x28 input instead:")
    print(f"RuntimeError: {wrong_size_error}")
    print("   -> 28 -conv5-> 24 -pool-> 12 -conv5-> 8 -pool-> 4, so flatten gives 16*4*4 = 256 "
          "features, but fc1 was built for 16*5*5 = 400 (the size a 32x32 input leaves). "
          "Pad MNIST's 28x28 digits to 32x32 (as below), or change fc1.")

    target = torch.randn(10, device=device).view(1, -1)  # a dummy target, shaped like out
    criterion = nn.MSELoss()
    loss = criterion(net(x), target)
    chain = grad_fn_chain(loss.grad_fn)
    relu = type(loss.grad_fn.next_functions[0][0].next_functions[1][0]).__name__
    say(f"MSE loss against a random target: {loss.item():.4f}")
    print("loss.grad_fn, .next_functions[0][0], and its [0][0]: " + " <- ".join(chain))
    print(f"   -> fc3 computes addmm(bias, input, weight^T), so its first input is fc3's bias "
          f"(a leaf: {chain[-1]}); the ReLU that the blitz's comment names is input [1]: {relu}")

    net.zero_grad()
    bias_grad_before = net.conv1.bias.grad
    loss.backward()
    bias_grad_after = net.conv1.bias.grad.clone()
    say(f"conv1.bias.grad before backward: {bias_grad_before}")
    print(f"after zero_grad + backward: {bias_grad_after}")

    lr = 0.01
    with torch.no_grad():
        for p in net.parameters():
            p -= lr * p.grad  # plain SGD: w <- w - lr * dL/dw
    manual_loss = criterion(net(x), target).item()
    say(f"Manual SGD update (w -= {lr} * grad): loss {loss.item():.4f} -> {manual_loss:.4f}")

    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    losses = []
    for _ in range(10):
        optimizer.zero_grad()  # gradients accumulate otherwise
        step_loss = criterion(net(x), target)
        step_loss.backward()
        optimizer.step()
        losses.append(step_loss.item())
    say("10 optim.SGD steps on the same input and target (the loss falls):")
    print("  " + "  ".join(f"{v:.4f}" for v in losses))
    return {"model_layers": [line.strip() for line in repr(net).splitlines()[1:-1]],
            "num_param_tensors": len(params),
            "conv1_weight_shape": list(params[0].shape), "output": out.detach().cpu(),
            "output_shape": list(out.shape), "random_backward_fills_grads": random_backward_filled,
            "wrong_size_error": wrong_size_error, "mse_loss": loss.item(),
            "grad_fn_chain": chain, "grad_fn_relu": relu, "bias_grad_none_before": bias_grad_before is None,
            "bias_grad_after": bias_grad_after.cpu(), "manual_update_loss": manual_loss,
            "sgd_losses": losses,
            "sgd_losses_fall": all(b < a for a, b in zip(losses, losses[1:]))}


def layer_shapes(model: nn.Sequential, x: torch.Tensor) -> tuple[list, torch.Tensor]:
    """Each layer's name and output shape for input ``x``, and the final output."""
    shapes = []
    for layer in model:
        x = layer(x)
        shapes.append([type(layer).__name__, list(x.shape)])
    return shapes, x


def d2l_layer_shapes() -> dict:
    say("Output shape of each layer for a random 1x1x28x28 input (X = torch.rand):")
    shapes, out = layer_shapes(d2l_lenet(), torch.rand(1, 1, 28, 28))
    for layer, shape in shapes:
        print(f"  {layer:<10} output shape: {shape}")
    print(out.detach())
    return {"layer_shapes": shapes, "layer_output": out.detach()}


# %% [markdown]
# ## Around the lesson
#
# `fit` is this script's driver: per epoch, `train_epoch` under the CPU kernel plan
# (speed.py), timed, with a progress bar and a `common.Watch` (a loss that stops being a number
# ends the run; live curves in a notebook), then `evaluate` and one table line. The d2l
# Animator's curve points come from the watched per-step lists.

# %%
def epoch_curve(losses, hits, sizes, steps: int) -> dict:
    """Running mean train loss and accuracy at CURVE_POINTS places in an epoch of ``steps``
    steps (where the d2l Animator draws them), from the per-step lists of the steps done."""
    if not losses:
        return {"x": [], "loss": [], "acc": []}
    n = torch.tensor(sizes, dtype=torch.float64)
    seen = n.cumsum(0)
    loss_sums = (torch.stack(losses).cpu().double() * n).cumsum(0)  # float64, on the host
    hit_sums = torch.stack(hits).cpu().cumsum(0)
    every = max(1, steps // CURVE_POINTS)
    marks = [i for i in range(len(losses)) if (i + 1) % every == 0 or i == steps - 1]
    return {"x": [(i + 1) / steps for i in marks],
            "loss": [(loss_sums[i] / seen[i]).item() for i in marks],
            "acc": [(hit_sums[i] / seen[i]).item() for i in marks]}


def with_curve(history: dict, epoch: int, curve: dict) -> dict:
    """``history`` with epoch ``epoch``'s curve points (epoch_curve) appended."""
    return {**history,
            "curve_epoch": history["curve_epoch"] + [epoch - 1 + x for x in curve["x"]],
            "curve_train_loss": history["curve_train_loss"] + curve["loss"],
            "curve_train_acc": history["curve_train_acc"] + curve["acc"]}


def fit(model, train_loader, test_loader, optimizer, epochs: int, history: dict, device,
        step=train_step, live: machinery.LivePlot | None = None) -> float:
    """Train for ``epochs``, adding each epoch to ``history`` as it ends (the curve of an epoch
    that a stop cut short too); returns the training examples/sec. A loss that stops being a
    number raises machinery.Halt; ``live`` redraws the curves in a notebook, mid-epoch too."""
    print(f"{'epoch':>5} {'train loss':>10} {'train acc':>9} {'test loss':>9} {'test acc':>8} "
          f"{'examples/s':>10}")
    timer, steps = common.Throughput(device), len(train_loader)
    for epoch in range(1, epochs + 1):
        watch = common.Watch(epoch, optimizer.param_groups[0]["lr"], live=live,
                             live_history=lambda *lists: with_curve(
                                 history, epoch, epoch_curve(*lists, steps)))
        with speed.cnn_kernels(model, device, train_loader.batch_size):
            timer.start()
            try:
                train_loss, train_acc = train_epoch(
                    model, machinery.progress(train_loader, desc="train"), optimizer, step, watch)
                watch.end()
            finally:  # the steps trained are drawn, even when a stop cut the epoch short
                if watch.lists:
                    history.update(with_curve(history, epoch, epoch_curve(*watch.lists, steps)))
            rate = timer.stop(train_loader.num_examples)
        with speed.cnn_kernels(model, device, test_loader.batch_size):
            test_loss, test_acc = evaluate(model, test_loader)
        row = {"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc,
               "test_loss": test_loss, "test_acc": test_acc, "examples_per_sec": rate}
        for key, value in row.items():
            history[key].append(value)
        if live:
            live.update(history)
        print(f"{epoch:>5} {train_loss:>10.4f} {train_acc:>9.4f} {test_loss:>9.4f} "
              f"{test_acc:>8.4f} {rate:>10.1f}", flush=True)
    return timer.rate


def empty_history() -> dict:
    return {"epoch": [], "train_loss": [], "train_acc": [], "test_loss": [], "test_acc": [],
            "examples_per_sec": [], "curve_epoch": [], "curve_train_loss": [],
            "curve_train_acc": []}


def history_figure(history: dict, title: str):
    """The d2l Animator's figure: train loss and accuracy several times per epoch, test
    accuracy after each epoch."""
    return common.panels_figure([{
        "title": title, "xlabel": "epoch",
        "series": {"train loss": (history["curve_epoch"], history["curve_train_loss"]),
                   "train acc": (history["curve_epoch"], history["curve_train_acc"], "--"),
                   "test acc": (history["epoch"], history["test_acc"], "-.")}}])


# %% [markdown]
# ## The command line
#
# `--model` picks the part; its settings become the defaults of `--epochs`, `--batch-size` and
# `--lr`, so `--help` shows the values the code uses.

# %%
def parse_args(argv=None):
    """Two passes: --model first, then its settings become the defaults of --epochs,
    --batch-size and --lr, so --help and the code read the same values."""
    def build(model: str) -> machinery.LabParser:
        parser = machinery.LabParser(__doc__, prog=PROG,
                                     epilog=f"Defaults shown are for --model {model}; "
                                     "--model blitz --help shows blitz's.")
        parser.add_argument("--model", choices=tuple(SETTINGS), default="d2l",
                            help="d2l: Fashion-MNIST (write-up 002); blitz: walkthrough + "
                                 "MNIST 32x32 training (write-ups 000, 003)")
        part = SETTINGS[model]
        common.add_common_args(parser, epochs=part["epochs"], batch_size=part["batch_size"],
                               lr=part["lr"], image_data=True)
        parser.add_argument("--no-train", action="store_true",
                            help="blitz: only the walkthrough, skip the MNIST training")
        parser.add_argument("--cuda-graph", action="store_true",
                            help="with --device cuda: capture the whole training step (forward, "
                                 "backward, update) in a CUDA graph and replay it, one launch "
                                 "per step instead of one per operation (docs/devices.md)")
        return parser

    probe = machinery.LabParser(__doc__, prog=PROG, add_help=False)
    probe.add_argument("--model", choices=tuple(SETTINGS), default="d2l")
    parser = build(probe.parse_known_args(argv)[0].model)
    return common.parse_args(parser, argv), parser


def main(argv=None) -> dict:
    args, parser = parse_args(argv)
    device = common.setup(args)
    settings = SETTINGS[args.model]
    name = common.run_name(f"lab3_{args.model}_bs{args.batch_size}", args, parser,
                           neutral=("model", "batch_size"))
    start = time.perf_counter()
    print(f"lab3 {args.model}: device {device} ({machinery.device_name(device)}), "
          f"loader {args.loader}, seed {args.seed}")
    if args.model == "blitz":
        metrics, model = blitz_walkthrough(device), LeNet5()
    else:
        metrics, model = d2l_layer_shapes(), d2l_lenet()
        xavier_init(model)
    if args.no_train:
        return common.finish(args, name, metrics=metrics, history={}, device=device, start=start)
    train_loader, test_loader = common.image_loaders(
        settings["data"], datafiles.resolve_data_dir(args.data_dir), kind=args.loader,
        batch_size=args.batch_size, test_batch_size=TEST_BATCH_SIZE, device=device,
        seed=args.seed, workers=args.workers, max_batches=3 if args.smoke else None)
    model = common.model_on(device, model, args.batch_size)
    machinery.check_deterministic(model, test_loader, F.cross_entropy)
    # foreach: one kernel per step for all parameters instead of one per tensor.
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=settings["momentum"],
                                foreach=True)
    step = train_step
    if args.compile:  # the whole step compiled, or this step after one line saying why
        step = speed.compiled_step(step, model, optimizer, speed.first_batch(train_loader),
                                   device)
        metrics["compile_seconds"] = getattr(step, "compile_seconds", None)  # None: eager
    if args.cuda_graph:
        step = speed.GraphedStep(step, args.batch_size, device)
    epochs = 1 if args.smoke else args.epochs
    say(f"Training on {settings['data'].name}: {epochs} epochs, batch {args.batch_size}, "
        f"lr {args.lr}, {len(train_loader)} steps/epoch")
    title = f"{TITLES[args.model]}, batch {args.batch_size}"
    live = machinery.LivePlot(lambda h: history_figure(h, title))
    history, stopped = empty_history(), None
    try:
        rate = fit(model, train_loader, test_loader, optimizer, epochs, history, device, step,
                   live)
        metrics.update({key: history[key][-1] for key in ("train_loss", "train_acc",
                                                          "test_loss", "test_acc")},
                       examples_per_sec=rate)
        print(f"\ntest acc {metrics['test_acc']:.4f}, {rate:.1f} examples/sec on {device}")
    except (machinery.Halt, KeyboardInterrupt) as err:  # diverged, Ctrl-C or SIGTERM
        stopped = machinery.Stop.of(err, len(history["epoch"]) + 1)
    figure = common.save_figure(history_figure(history, title), args.out_dir / f"{name}.png",
                                live=live)
    result = common.finish(args, name, metrics=metrics, history=history, figures=[figure],
                           device=device, start=start, stopped=stopped)
    if stopped:  # the epochs so far are saved: one line naming the file, exit 3, 130 or 143
        raise stopped.error(saved=result["path"])
    return result


# %% [markdown]
# ## Run it
#
# In a terminal: `python lab3_lenet.py --epochs 10 --device cuda` (`--help` lists every flag).
# In a notebook this cell runs the lab with the flags in `NOTEBOOK_ARGS`: edit them here (`[]`
# means the lab's defaults: the d2l LeNet at the write-up's batch 4, about 5 minutes on a
# 2-core CPU). `result` then holds the metrics, the per-epoch history and the figures drawn.

# %%
NOTEBOOK_ARGS: list[str] = []  # e.g. ["--batch-size", "256"]; a command line ignores this

if __name__ == "__main__":
    result = machinery.cli(main, NOTEBOOK_ARGS)
