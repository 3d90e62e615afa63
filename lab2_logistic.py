"""Lab 2: logistic and softmax regression, each from scratch and with torch.nn.

Logistic part: 1,000,000 synthetic points (numpy seed 0, x = 2 rand, y = 4 - 3x + 0.2 randn,
both min-max scaled to [0, 1]), Linear(1, 1) + sigmoid, BCE against the continuous targets,
SGD lr 0.05, batch 1024, 10 epochs, float64. The write-up's torch.nn run ended at weight -3.68,
bias 1.86, prediction 0.139 for x = 2 (scaled 1.0). Its from-scratch run ended near weight 0,
prediction 0.50: a shape defect (targets (B,) against predictions (B, 1) broadcast to (B, B)) made
it fit the mean. ``--writeup-defect`` reproduces that; the default from-scratch run is corrected.

Softmax part: Fashion-MNIST, Flatten + Linear(784, 10), batch 4096, 10 epochs, three runs:
  nn        torch.nn, Normalize(0.5, 0.5), lr 0.05           (write-up: test acc 0.7997)
  writeup   from scratch as the write-up did it: Normalize(0.5, 1.0), lr 0.5, weights from randn
            and one bias shared by all classes                 (write-up: test acc 0.6876)
  scratch   from scratch, corrected: small init, a bias per class, the nn run's settings

    python lab2_logistic.py                       # both parts, about 20 s on a 2-core CPU
    python lab2_logistic.py --part logistic --writeup-defect
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import common

LOGISTIC = {"samples": 1_000_000, "batch_size": 1024, "lr": 0.05, "epochs": 10}
SOFTMAX = {"batch_size": 4096, "epochs": 10, "test_batch_size": 10_000}
# name -> (normalise mean, std, lr, init, implementation)
SOFTMAX_RUNS = {
    "nn": (0.5, 0.5, 0.05, "torch", "nn"),
    "writeup": (0.5, 1.0, 0.5, "writeup", "scratch"),
    "scratch": (0.5, 0.5, 0.05, "small", "scratch"),
}
LOG_CLAMP = -100.0  # nn.BCELoss clamps log() at -100 so that p = 0 or 1 gives a finite loss


# --------------------------------------------------------------------------- from scratch

def check_same_shape(pred: torch.Tensor, target: torch.Tensor, what: str) -> None:
    if pred.shape != target.shape:
        raise ValueError(f"{what}: predictions have shape {tuple(pred.shape)} but targets have "
                         f"shape {tuple(target.shape)}; they must match (broadcasting them "
                         f"would compare every prediction with every target)")


def bce_loss(pred: torch.Tensor, target: torch.Tensor, strict: bool = True) -> torch.Tensor:
    """Mean binary cross-entropy of probabilities ``pred`` against targets in [0, 1].

    ``strict=False`` lets mismatched shapes broadcast: the write-up's defect, kept for
    ``--writeup-defect`` only."""
    if strict:
        check_same_shape(pred, target, "bce_loss")
    log_p = torch.log(pred).clamp(min=LOG_CLAMP)
    log_1mp = torch.log(1 - pred).clamp(min=LOG_CLAMP)
    return -(target * log_p + (1 - target) * log_1mp).mean()


def writeup_defect_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Exactly ``bce_loss(pred (B, 1), target (B,), strict=False)``, in O(B) instead of O(B^2).

    The broadcast loss is the mean over all pairs (i, j) of
    -(t_j log p_i + (1 - t_j) log(1 - p_i)), which factorises into
    -(mean_i log p_i * mean_j t_j + mean_i log(1 - p_i) * (1 - mean_j t_j)): every prediction
    is fitted to the mean of the batch's targets, which is why the write-up's slope vanished."""
    log_p = torch.log(pred).clamp(min=LOG_CLAMP).mean()
    log_1mp = torch.log(1 - pred).clamp(min=LOG_CLAMP).mean()
    t = target.mean()
    return -(log_p * t + log_1mp * (1 - t))


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
    """y = x @ W + b with W (in, out). ``init``: 'small' (N(0, 0.01^2), one bias per output),
    or 'writeup' (N(0, 1) weights and a single bias shared by all outputs, as the write-up)."""

    def __init__(self, n_in: int, n_out: int, init: str = "small", dtype=torch.float32,
                 device=None):
        if init == "small":
            self.weight = torch.randn(n_in, n_out, dtype=dtype, device=device) * 0.01
            self.bias = torch.zeros(n_out, dtype=dtype, device=device)
        elif init == "writeup":
            self.weight = torch.randn(n_in, n_out, dtype=dtype, device=device)
            self.bias = torch.zeros(1, dtype=dtype, device=device)
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

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None


# --------------------------------------------------------------------------- logistic part

def make_logistic_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The write-up's data: x ~ 2 U[0, 1), y = 4 - 3x + N(0, 0.2^2), each min-max scaled."""
    rng = np.random.RandomState(seed)  # legacy seeding = np.random.seed(0), as the write-up
    x = 2 * rng.rand(n, 1)
    y = 4 - 3 * x + 0.2 * rng.randn(n, 1)
    scale = lambda a: (a - a.min()) / (a.max() - a.min())  # noqa: E731
    return scale(x), scale(y)


def run_logistic(kind: str, x: torch.Tensor, y: torch.Tensor, args) -> dict:
    """Train one logistic regression. ``kind``: 'nn', 'scratch', or 'defect' (from scratch with
    the write-up's (B,) targets broadcast against (B, 1) predictions)."""
    torch.manual_seed(args.seed)
    order = torch.Generator().manual_seed(args.seed)
    if kind == "nn":
        model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid()).double()
        forward, optimizer, loss_fn = model, torch.optim.SGD(model.parameters(), lr=args.lr), \
            nn.BCELoss()
        weight, bias = model[0].weight, model[0].bias
    else:
        linear = Linear(1, 1, init="small", dtype=torch.float64)
        forward = lambda xb: torch.sigmoid(linear(xb))  # noqa: E731
        optimizer, loss_fn = SGD(linear.parameters(), lr=args.lr), bce_loss
        weight, bias = linear.weight, linear.bias

    n, bs = len(x), args.batch_size
    history = {"epoch": [], "loss_mean": [], "loss_sum": [], "writeup_acc": [], "accuracy": []}
    for epoch in range(1, args.epochs + 1):
        perm = torch.randperm(n, generator=order)
        xs, ys = x[perm], y[perm]  # one gather per epoch; batches are then views
        losses, preds = [], []
        for i in range(0, n, bs):
            xb, yb = xs[i:i + bs], ys[i:i + bs]
            pred = forward(xb)
            if kind == "defect":  # the write-up's (B, 1) predictions vs (B,) targets
                loss = writeup_defect_loss(pred, yb.reshape(-1))
            else:
                loss = loss_fn(pred, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())
            preds.append(pred.detach())
        losses, preds = torch.stack(losses), torch.cat(preds)
        sizes = torch.tensor([len(p) for p in preds.split(bs)], dtype=losses.dtype)
        loss_sum, weighted = losses.sum().item(), (losses * sizes).sum().item()
        pred_sum, target_sum = preds.sum().item(), ys.sum().item()
        hits = ((preds > 0.5) == (ys > 0.5)).sum().item()
        for key, value in zip(history, (epoch, weighted / n, loss_sum,
                                        1 - abs(pred_sum - target_sum) / target_sum, hits / n)):
            history[key].append(value)
        print(f"  {kind:<7} epoch {epoch:>2}: loss sum {loss_sum:8.2f}  mean {weighted / n:.5f}"
              f"  write-up 'Acc' {history['writeup_acc'][-1]:.4f}  accuracy {hits / n:.4f}")
    with torch.no_grad():
        prediction = forward(torch.ones(1, 1, dtype=torch.float64)).item()  # x = 2 -> 1.0
    return {"weight": weight.item(), "bias": bias.item(), "prediction_x2": prediction,
            "final_loss_sum": history["loss_sum"][-1], "final_accuracy": history["accuracy"][-1],
            "history": history}


def logistic_part(args, out_dir, smoke: bool) -> dict:
    n = 20_000 if smoke else args.samples
    x_np, y_np = make_logistic_data(n, seed=0)
    print(f"\n== Logistic regression: {n:,} samples, first sample x0 = {x_np[0, 0]!r}, "
          f"y0 = {y_np[0, 0]!r}")
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    runs = {}
    kinds = ["nn", "scratch"] + (["defect"] if args.writeup_defect else [])
    for kind in kinds:
        start = time.perf_counter()
        runs[kind] = run_logistic(kind, x, y, args)
        runs[kind]["seconds"] = time.perf_counter() - start
        r = runs[kind]
        print(f"  {kind:<7} weight {r['weight']:.4f}  bias {r['bias']:.4f}  "
              f"prediction(x=2) {r['prediction_x2']:.4f}  ({r['seconds']:.1f} s)")
    if "defect" in runs:
        print("  defect: the (B, 1) predictions against (B,) targets broadcast to (B, B), so "
              "every prediction is pushed towards the mean of all targets: the slope vanishes.")
    return {"x0": float(x_np[0, 0]), "y0": float(y_np[0, 0]), "samples": n, "runs": runs}


# --------------------------------------------------------------------------- softmax part

def run_softmax(name: str, args, device, data_dir) -> dict:
    mean, std, lr, init, impl = SOFTMAX_RUNS[name]
    lr = args.lr or lr
    torch.manual_seed(args.seed)
    train_loader, test_loader = common.image_loaders(
        "fashion-mnist", data_dir, kind=args.loader, batch_size=args.batch_size,
        test_batch_size=SOFTMAX["test_batch_size"], device=device, seed=args.seed, mean=mean,
        std=std, workers=args.workers, smoke=args.smoke)
    if impl == "nn":
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10)).to(device)
        forward, optimizer = model, torch.optim.SGD(model.parameters(), lr=lr)
        loss_fn = lambda logits, y: F.cross_entropy(logits, y)  # noqa: E731
    else:
        linear = Linear(784, 10, init=init, device=device)
        forward = lambda xb: linear(flatten(xb))  # noqa: E731
        optimizer = SGD(linear.parameters(), lr=lr)
        loss_fn = lambda logits, y: cross_entropy(logits, one_hot(y, 10))  # noqa: E731

    history = {"epoch": [], "train_loss": [], "train_loss_sum": [], "test_loss": [],
               "test_acc": []}
    for epoch in range(1, args.epochs + 1):
        batch_losses = []
        for xb, yb in train_loader:
            loss = loss_fn(forward(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.detach())
        losses = torch.stack(batch_losses).cpu()
        with torch.no_grad():
            test_loss, hits, seen = 0.0, 0, 0
            for xb, yb in test_loader:
                logits = forward(xb)
                test_loss += loss_fn(logits, yb).item() * len(yb)
                hits += (logits.argmax(1) == yb).sum().item()
                seen += len(yb)
        row = (epoch, losses.mean().item(), losses.sum().item(), test_loss / seen, hits / seen)
        for key, value in zip(history, row):
            history[key].append(value)
        print(f"  {name:<8} epoch {epoch:>2}: train loss {row[1]:.4f} (sum {row[2]:6.2f})  "
              f"test loss {row[3]:.4f}  test acc {row[4]:.4f}")
    return {"test_acc": history["test_acc"][-1], "test_loss": history["test_loss"][-1],
            "settings": {"normalize": [mean, std], "lr": lr, "init": init, "impl": impl},
            "history": history}


def softmax_part(args, device, out_dir) -> dict:
    data_dir = common.resolve_data_dir(args.data_dir)
    print(f"\n== Softmax regression on Fashion-MNIST: batch {args.batch_size}, "
          f"{args.epochs} epochs")
    runs = {name: run_softmax(name, args, device, data_dir) for name in SOFTMAX_RUNS}
    labels = {"nn": "torch.nn", "writeup": "scratch, write-up init", "scratch": "scratch, fixed"}
    panels = [{"title": title, "xlabel": "epoch", "series": {
        labels[n]: (r["history"]["epoch"], r["history"][key]) for n, r in runs.items()}}
        for key, title in (("train_loss", "train loss"), ("test_loss", "test loss"),
                           ("test_acc", "test accuracy"))]
    common.plot_panels(out_dir / "lab2_softmax.png", panels,
                       title="Softmax regression on Fashion-MNIST")
    return {"runs": runs}


# --------------------------------------------------------------------------- command line

def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--part", choices=("logistic", "softmax", "all"), default="all")
    common.add_common_args(parser, loader=True)
    parser.add_argument("--epochs", type=common.positive_int, default=10, help="epochs per run")
    parser.add_argument("--batch-size", type=common.positive_int, default=None,
                        help="batch size (default: 1024 logistic, 4096 softmax)")
    parser.add_argument("--lr", type=common.positive_float, default=None,
                        help="learning rate for every run (default: each run's write-up "
                             "setting: logistic 0.05; softmax nn 0.05, writeup 0.5, scratch 0.05)")
    parser.add_argument("--samples", type=common.positive_int, default=LOGISTIC["samples"],
                        help="logistic: number of synthetic samples")
    parser.add_argument("--writeup-defect", action="store_true",
                        help="logistic: also run the write-up's from-scratch defect "
                             "((B,) targets broadcast against (B, 1) predictions)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.epochs = 1
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    device = common.select_device(args.device)
    common.seed_everything(args.seed, args.deterministic)
    print(f"lab2: device {device}, seed {args.seed}")
    results = {}
    if args.part in ("logistic", "all"):
        start = time.perf_counter()
        # The logistic part runs on the CPU in float64, like the write-up: 1-parameter steps
        # are dominated by launch overhead, which a GPU does not help.
        largs = argparse.Namespace(**{**vars(args), "lr": args.lr or LOGISTIC["lr"],
                                      "batch_size": args.batch_size or LOGISTIC["batch_size"]})
        part = logistic_part(largs, args.out_dir, args.smoke)
        metrics = {f"{kind}_{key}": run[key] for kind, run in part["runs"].items()
                   for key in ("weight", "bias", "prediction_x2", "final_loss_sum",
                               "final_accuracy", "seconds")}
        metrics.update(x0=part["x0"], y0=part["y0"])
        history = {kind: run["history"] for kind, run in part["runs"].items()}
        common.save_results(args.out_dir, "lab2_logistic", config=common.config_of(largs),
                            metrics=metrics, history=history, device=torch.device("cpu"),
                            wall_time=time.perf_counter() - start)
        common.plot_panels(args.out_dir / "lab2_logistic.png", [{
            "title": "loss per epoch (sum of batch means)", "xlabel": "epoch",
            "series": {k: (h["epoch"], h["loss_sum"]) for k, h in history.items()}}])
        results["logistic"] = metrics
    if args.part in ("softmax", "all"):
        start = time.perf_counter()
        sargs = argparse.Namespace(**{**vars(args),
                                      "batch_size": args.batch_size or SOFTMAX["batch_size"]})
        part = softmax_part(sargs, device, args.out_dir)
        metrics = {f"{name}_{key}": run[key] for name, run in part["runs"].items()
                   for key in ("test_acc", "test_loss")}
        metrics.update({f"{name}_epoch1_test_acc": run["history"]["test_acc"][0]
                        for name, run in part["runs"].items()})
        common.save_results(args.out_dir, "lab2_softmax", config=common.config_of(sargs),
                            metrics=metrics,
                            history={n: r["history"] for n, r in part["runs"].items()},
                            device=device, wall_time=time.perf_counter() - start)
        results["softmax"] = metrics
    return results


if __name__ == "__main__":
    common.cli(main)
