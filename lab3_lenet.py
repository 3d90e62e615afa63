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


def layer_shapes(model: nn.Sequential, x: torch.Tensor) -> tuple[list, torch.Tensor]:
    """Each layer's name and output shape for input ``x``, and the final output."""
    shapes = []
    for layer in model:
        x = layer(x)
        shapes.append([type(layer).__name__, list(x.shape)])
    return shapes, x


# %% [markdown]
# ## Part 1: the blitz walkthrough
#
# The model, its parameters, one forward and backward pass, what a 28x28 input does to it, the
# loss and its `grad_fn` chain, and SGD by hand and with `optim.SGD`, each printed with why.

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


def d2l_layer_shapes() -> dict:
    say("Output shape of each layer for a random 1x1x28x28 input (X = torch.rand):")
    shapes, out = layer_shapes(d2l_lenet(), torch.rand(1, 1, 28, 28))
    for layer, shape in shapes:
        print(f"  {layer:<10} output shape: {shape}")
    print(out.detach())
    return {"layer_shapes": shapes, "layer_output": out.detach()}


# %% [markdown]
# ## Training and evaluation
#
# `train_step` is the step of the write-up's loop: forward, loss, zero_grad, backward, update.
# One epoch runs it on every batch and keeps each step's loss and prediction on the device
# (`common.Epoch`, which also times the epoch and watches for a loss that is no longer a
# number); they are read once, at the end, into the d2l Animator's running means. `fit` prints
# one line per epoch.

# %%
def train_step(model, x, y, optimizer):
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss, logits


def train_one_epoch(model, forward, loader, optimizer, run: common.Epoch,
                    step=train_step) -> dict:
    """One pass over ``loader`` in train mode (``forward`` is the model or its compiled form,
    ``step`` train_step or its CUDA graph); returns epoch_summary's values."""
    model.train()
    for x, y in run.batches(loader):
        loss, logits = step(forward, x, y, optimizer)
        run.record(loss, logits.argmax(1), y)
    return epoch_summary(run.losses, run.predictions, run.labels, loader.sizes)


def epoch_summary(losses, predictions, labels, sizes: list[int]) -> dict:
    """Mean train loss and accuracy over the steps given (counted on the fly, in train mode, as
    d2l does), and their running values at CURVE_POINTS places in an epoch of ``len(sizes)``
    steps, where the d2l Animator draws them. Everything is read from the device here, once."""
    if not losses:
        return {"curve_x": [], "curve_loss": [], "curve_acc": []}
    steps, sizes = len(sizes), torch.tensor(sizes[:len(losses)], dtype=torch.float64)
    seen = sizes.cumsum(0)
    loss_sums = (torch.stack(losses).cpu().double() * sizes).cumsum(0)  # float64 on the host
    hits = (torch.cat(predictions) == torch.cat(labels)).cpu().cumsum(0)[seen.long() - 1]
    every = max(1, steps // CURVE_POINTS)
    marks = [i for i in range(len(losses)) if (i + 1) % every == 0 or i == steps - 1]
    return {"train_loss": (loss_sums[-1] / seen[-1]).item(),
            "train_acc": (hits[-1] / seen[-1]).item(),
            "curve_x": [(i + 1) / steps for i in marks],
            "curve_loss": [(loss_sums[i] / seen[i]).item() for i in marks],
            "curve_acc": [(hits[i] / seen[i]).item() for i in marks]}


def with_curve(history: dict, epoch: int, summary: dict) -> dict:
    """``history`` with epoch ``epoch``'s curve points (from epoch_summary) appended."""
    return {**history,
            "curve_epoch": history["curve_epoch"] + [epoch - 1 + x for x in summary["curve_x"]],
            "curve_train_loss": history["curve_train_loss"] + summary["curve_loss"],
            "curve_train_acc": history["curve_train_acc"] + summary["curve_acc"]}


def fit(model, forward, train_loader, test_loader, optimizer, epochs: int, history: dict,
        timer: common.Throughput, live: machinery.LivePlot | None = None, step=train_step):
    """Train for ``epochs``, adding each epoch to ``history``; returns None, or the Stop of a
    run whose loss diverged (its history then ends with the steps before that). ``live``
    redraws the curves in a notebook, mid-epoch too."""
    print(f"{'epoch':>5} {'train loss':>10} {'train acc':>9} {'test loss':>9} {'test acc':>8} "
          f"{'examples/s':>10}")
    for epoch in range(1, epochs + 1):
        run = common.Epoch(epoch, optimizer.param_groups[0]["lr"], model=model, timer=timer,
                           desc="train", live=live, live_history=lambda run: with_curve(
                               history, epoch, epoch_summary(run.losses, run.predictions,
                                                             run.labels, train_loader.sizes)))
        train = train_one_epoch(model, forward, train_loader, optimizer, run, step)
        history.update(with_curve(history, epoch, train))
        if run.stopped:
            return run.stopped
        test_loss, test_acc = common.evaluate(model, test_loader, summed_cross_entropy)
        row = {"epoch": epoch, "train_loss": train["train_loss"], "train_acc": train["train_acc"],
               "test_loss": test_loss, "test_acc": test_acc, "examples_per_sec": run.rate}
        for key, value in row.items():
            history[key].append(value)
        if live:
            live.update(history)
        print(f"{epoch:>5} {row['train_loss']:>10.4f} {row['train_acc']:>9.4f} {test_loss:>9.4f} "
              f"{test_acc:>8.4f} {run.rate:>10.1f}", flush=True)
    return None


def summed_cross_entropy(logits, y):
    return F.cross_entropy(logits, y, reduction="sum")


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
    forward = speed.maybe_compile(model, args.compile, args.batch_size, device)
    step = speed.maybe_graphed(train_step, args.cuda_graph, args.batch_size, device)
    epochs = 1 if args.smoke else args.epochs
    say(f"Training on {settings['data'].name}: {epochs} epochs, batch {args.batch_size}, "
        f"lr {args.lr}, {len(train_loader)} steps/epoch")
    title = f"{TITLES[args.model]}, batch {args.batch_size}"
    live = machinery.LivePlot(lambda h: history_figure(h, title))
    history, timer = empty_history(), common.Throughput(device)
    stopped = common.until_stopped(fit, model, forward, train_loader, test_loader, optimizer,
                                   epochs, history, timer, live, step)
    if not stopped:
        metrics.update({key: history[key][-1] for key in ("train_loss", "train_acc",
                                                          "test_loss", "test_acc")},
                       examples_per_sec=timer.rate)
        print(f"\ntest acc {metrics['test_acc']:.4f}, {timer.rate:.1f} examples/sec on {device}")
    figure = common.save_figure(history_figure(history, title), args.out_dir / f"{name}.png",
                                live=live)
    return common.finish(args, name, metrics=metrics, history=history, figures=[figure],
                         device=device, start=start, stopped=stopped)


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
