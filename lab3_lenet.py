"""Lab 3: LeNet two ways -- the 60-minute-blitz walkthrough and the d2l LeNet on Fashion-MNIST.

Part 1, ``--model blitz``: the blitz LeNet (32x32 input, ReLU, max-pool) step by step -- model,
parameters, a forward pass, what a 28x28 input does, MSE loss and its grad_fn chain, gradients,
a manual SGD update and a 10-step optim.SGD loop -- then the lab's optional full training on
MNIST padded to 32x32 (SGD lr 0.01, momentum 0.9, batch 64, 5 epochs: ~99% test accuracy).

Part 2, ``--model d2l`` (default): the d2l.ai LeNet (sigmoid, avg-pool) on Fashion-MNIST with
Xavier-uniform init, SGD lr 0.9, cross-entropy, 10 epochs. The write-up used batch size 4
(loss 0.338, train acc 0.875, test acc 0.867); the book used 256 (0.469 / 0.823 / 0.779).

    python lab3_lenet.py --epochs 10 --device cuda          # the write-up, batch 4
    python lab3_lenet.py --batch-size 256                   # the book's setting
    python lab3_lenet.py --model blitz                      # walkthrough + MNIST training

Time on a 2-core CPU (measured by run_all.sh): batch 4 about 4-5 minutes, batch 256 about 1
minute, blitz about 40 s. Examples/sec counts the training passes only (every batch's fetch, forward, backward
and update; evaluation excluded), like the book's Timer.
"""
from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from torch import nn

import common

# Per-model defaults: one place for each part's settings.
SETTINGS = {
    "d2l": {"epochs": 10, "batch_size": 4, "lr": 0.9, "momentum": 0.0, "dataset": "fashion-mnist",
            "mean": None, "std": None, "pad": 0},          # d2l uses ToTensor only
    "blitz": {"epochs": 5, "batch_size": 64, "lr": 0.01, "momentum": 0.9, "dataset": "mnist",
              "mean": 0.1307, "std": 0.3081, "pad": 2},   # 28x28 padded to LeNet's 32x32
}
TEST_BATCH_SIZE = 1000


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


def layer_shapes(model: nn.Sequential, x: torch.Tensor) -> list[tuple[str, list[int]]]:
    shapes = []
    for layer in model:
        x = layer(x)
        shapes.append((type(layer).__name__, list(x.shape)))
    return shapes


# --------------------------------------------------------------------------- blitz walkthrough

def say(text: str) -> None:
    print(f"\n# {text}")


def grad_fn_chain(fn, depth: int = 4) -> list[str]:
    """Follow the graph from the loss towards the input along the activations' path
    (skipping the leaf-parameter branches), as the blitz does by hand."""
    names = []
    while fn is not None and len(names) < depth:
        names.append(type(fn).__name__)
        parents = [f for f, _ in fn.next_functions
                   if f is not None and type(f).__name__ not in ("AccumulateGrad", "TBackward0")]
        fn = parents[0] if parents else None
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

    target = torch.randn(1, 10, device=device)
    criterion = nn.MSELoss()
    loss = criterion(net(x), target)
    chain = grad_fn_chain(loss.grad_fn)
    say(f"MSE loss against a random target: {loss.item():.4f}; backward will follow "
        f"{' <- '.join(chain)} ...")

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
    return {"num_param_tensors": len(params), "conv1_weight_shape": list(params[0].shape),
            "output_shape": list(out.shape), "wrong_size_error": wrong_size_error,
            "grad_fn_chain": chain, "bias_grad_none_before": bias_grad_before is None,
            "bias_grad_after": bias_grad_after.tolist(), "sgd_losses": losses}


# --------------------------------------------------------------------------- training

def train_one_epoch(model, loader, optimizer, timer: common.Throughput) -> tuple[float, float]:
    """One pass over ``loader``; returns mean train loss and train accuracy (on the fly, in
    train mode, like d2l). Sums stay on the device: no host sync inside the loop."""
    model.train()
    device = next(model.parameters()).device
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), dtype=torch.long, device=device)
    seen = 0
    timer.start()
    for x, y in common.progress(loader, desc="train"):
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_sum += loss.detach() * len(y)
        correct += (logits.argmax(1) == y).sum()
        seen += len(y)
    timer.stop(seen)
    return loss_sum.item() / seen, correct.item() / seen


@torch.inference_mode()
def evaluate(model, loader) -> tuple[float, float]:
    model.eval()
    loss_sum, correct, seen = 0.0, 0, 0
    for x, y in loader:
        logits = model(x)
        loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(1) == y).sum().item()
        seen += len(y)
    return loss_sum / seen, correct / seen


def fit(model, train_loader, test_loader, optimizer, epochs: int, device) -> dict:
    timer = common.Throughput(device)
    history = {"epoch": [], "train_loss": [], "train_acc": [], "test_loss": [], "test_acc": [],
               "examples_per_sec": []}
    print(f"{'epoch':>5} {'train loss':>10} {'train acc':>9} {'test loss':>9} {'test acc':>8} "
          f"{'examples/s':>10}")
    for epoch in range(1, epochs + 1):
        before = (timer.examples, timer.seconds)
        train_loss, train_acc = train_one_epoch(model, train_loader, optimizer, timer)
        rate = (timer.examples - before[0]) / (timer.seconds - before[1])
        test_loss, test_acc = evaluate(model, test_loader)
        for key, value in zip(history, (epoch, train_loss, train_acc, test_loss, test_acc, rate)):
            history[key].append(value)
        print(f"{epoch:>5} {train_loss:>10.4f} {train_acc:>9.4f} {test_loss:>9.4f} "
              f"{test_acc:>8.4f} {rate:>10.1f}")
    history["overall_examples_per_sec"] = timer.rate
    return history


def plot_history(history: dict, path, title: str) -> None:
    ep = history["epoch"]
    common.plot_panels(path, [{
        "title": title, "xlabel": "epoch",
        "series": {"train loss": (ep, history["train_loss"]),
                   "train acc": (ep, history["train_acc"], "--"),
                   "test acc": (ep, history["test_acc"], "-.")}}])


# --------------------------------------------------------------------------- command line

def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Defaults per model: d2l = 10 epochs, batch 4, lr 0.9 (the write-up); "
               "blitz = 5 epochs, batch 64, lr 0.01 with momentum 0.9.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--model", choices=tuple(SETTINGS), default="d2l",
                        help="blitz: walkthrough + MNIST 32x32 training; d2l: Fashion-MNIST")
    common.add_common_args(parser, loader=True)
    parser.add_argument("--epochs", type=common.positive_int, default=None,
                        help="training epochs (default: per model, see below)")
    parser.add_argument("--batch-size", type=common.positive_int, default=None,
                        help="training batch size (default: per model)")
    parser.add_argument("--lr", type=common.positive_float, default=None,
                        help="SGD learning rate (default: per model)")
    parser.add_argument("--no-train", action="store_true",
                        help="blitz: only the walkthrough, skip the MNIST training")
    parser.add_argument("--name", default=None,
                        help="results name (default: lab3_<model>_bs<batch size>)")
    args = parser.parse_args(argv)
    for key in ("epochs", "batch_size", "lr"):
        if getattr(args, key) is None:
            setattr(args, key, SETTINGS[args.model][key])
    if args.smoke:
        args.epochs = 1
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    device = common.select_device(args.device)
    common.seed_everything(args.seed, args.deterministic)
    settings = SETTINGS[args.model]
    name = args.name or f"lab3_{args.model}_bs{args.batch_size}"
    start = time.perf_counter()
    print(f"lab3 {args.model}: device {device} ({common.device_name(device)}), "
          f"loader {args.loader}, seed {args.seed}")

    results: dict = {}
    if args.model == "blitz":
        results["walkthrough"] = blitz_walkthrough(device)
        if args.no_train:
            return results
        model = LeNet5().to(device)
    else:
        model = d2l_lenet()
        say("Output shape of each layer for a 1x1x28x28 input:")
        shapes = layer_shapes(model, torch.zeros(1, 1, 28, 28))
        for layer, shape in shapes:
            print(f"  {layer:<10} {shape}")
        results["layer_shapes"] = shapes
        xavier_init(model)
        model.to(device)

    data_dir = common.resolve_data_dir(args.data_dir)
    train_loader, test_loader = common.image_loaders(
        settings["dataset"], data_dir, kind=args.loader, batch_size=args.batch_size,
        test_batch_size=TEST_BATCH_SIZE, device=device, seed=args.seed, mean=settings["mean"],
        std=settings["std"], pad=settings["pad"], workers=args.workers, smoke=args.smoke)
    # foreach: one kernel per step for all parameters instead of one per tensor (cheap steps
    # matter at batch 4: 150,000 of them).
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=settings["momentum"],
                                foreach=True)
    say(f"Training on {settings['dataset']}: {args.epochs} epochs, batch {args.batch_size}, "
        f"lr {args.lr}, {len(train_loader)} steps/epoch")
    history = fit(model, train_loader, test_loader, optimizer, args.epochs, device)

    metrics = {"train_loss": history["train_loss"][-1], "train_acc": history["train_acc"][-1],
               "test_acc": history["test_acc"][-1], "test_loss": history["test_loss"][-1],
               "examples_per_sec": history["overall_examples_per_sec"]}
    results.update(metrics=metrics, history=history)
    wall = time.perf_counter() - start
    path = common.save_results(args.out_dir, name, config=common.config_of(args),
                               metrics=metrics, history=history,
                               device=device, wall_time=wall)
    title = (f"{'d2l LeNet, Fashion-MNIST' if args.model == 'd2l' else 'blitz LeNet, MNIST 32x32'}"
             f", batch {args.batch_size}")
    plot_history(history, args.out_dir / f"{name}.png", title)
    print(f"\ntest acc {metrics['test_acc']:.4f}, {metrics['examples_per_sec']:.1f} examples/sec "
          f"on {device}; wrote {path} and {name}.png ({wall:.0f} s)")
    return results


if __name__ == "__main__":
    common.cli(main)
