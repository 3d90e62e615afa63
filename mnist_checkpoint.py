"""The MNIST tutorial (small CNN, NLL loss) with crash-safe checkpoints and exact resume.

Tutorial settings by default: 3 epochs, batch 64 (test 1000), SGD lr 0.01 momentum 0.5, seed 1,
train loss logged every 10 batches, Normalize(0.1307, 0.3081), cuDNN off. Expect about 10% test
accuracy before training and about 97% after epoch 3; resuming to epoch 8 reaches about 98.5%.

    python mnist_checkpoint.py                                  # epochs 1-3, ~25 s on a CPU
    python mnist_checkpoint.py --resume results/mnist_checkpoint.pt --epochs 8   # epochs 4-8

A checkpoint (``<out-dir>/<name>.pt``) holds model and optimizer state, the epoch, the loss
history and counters, every RNG state (python, numpy, torch, the batch-order generator) and the
config. It is written at the end of every epoch to a temporary file, flushed to disk and renamed
into place, so a crash at any moment leaves the previous checkpoint intact. Resume builds a fresh
network and optimizer from the file; on the CPU, 3 epochs + resume to 8 gives bit-identical
weights and history to 8 epochs in one go.
"""
from __future__ import annotations

import argparse
import os
import pickle
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import common

FORMAT = "labs-mnist-checkpoint-v1"
MEAN, STD = 0.1307, 0.3081
# Settings that must match for a resumed run to continue the same experiment.
RESUME_MUST_MATCH = ("batch_size", "test_batch_size", "lr", "momentum", "log_interval", "loader")


class MnistNet(nn.Module):
    """The tutorial's network: two 5x5 convs (10, 20 channels) with max-pool + ReLU, Dropout2d
    on conv2, fc 320 -> 50 -> 10 with dropout, log-softmax output (for the NLL loss)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.flatten(1)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        return F.log_softmax(self.fc2(x), dim=1)


# --------------------------------------------------------------------------- train / evaluate

def train_one_epoch(model, loader, optimizer, epoch: int, args, history: dict,
                    timer: common.Throughput) -> None:
    """One epoch; every ``log_interval`` batches log the batch loss against examples seen."""
    model.train()
    n = loader.num_examples
    timer.start()
    seen = 0
    for batch_idx, (x, y) in enumerate(common.progress(loader, desc=f"epoch {epoch}")):
        optimizer.zero_grad(set_to_none=True)
        loss = F.nll_loss(model(x), y)
        loss.backward()
        optimizer.step()
        seen += len(y)
        if batch_idx % args.log_interval == 0:
            # The tutorial's counter: batch_idx * 64 + (epoch - 1) * len(dataset).
            history["train_counter"].append(batch_idx * args.batch_size + (epoch - 1) * n)
            history["train_loss"].append(loss.item())
    timer.stop(seen)


@torch.inference_mode()
def evaluate(model, loader) -> tuple[float, float]:
    model.eval()
    loss_sum, correct, seen = 0.0, 0, 0
    for x, y in loader:
        out = model(x)
        loss_sum += F.nll_loss(out, y, reduction="sum").item()
        correct += (out.argmax(1) == y).sum().item()
        seen += len(y)
    return loss_sum / seen, correct / seen


# --------------------------------------------------------------------------- checkpoints

def rng_states(batch_order: torch.Generator) -> dict:
    py_version, py_state, py_gauss = random.getstate()
    np_state = np.random.get_state(legacy=False)
    states = {"python": list(py_state) + [py_version], "python_gauss": py_gauss,
              "numpy_key": torch.from_numpy(np_state["state"]["key"].astype(np.int64)),
              "numpy_pos": np_state["state"]["pos"],
              "numpy_gauss": [np_state["has_gauss"], np_state["gauss"]],
              "torch": torch.get_rng_state(), "batch_order": batch_order.get_state()}
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def restore_rng_states(states: dict, batch_order: torch.Generator) -> None:
    *mt, version = states["python"]
    random.setstate((version, tuple(mt), states["python_gauss"]))
    has_gauss, gauss = states["numpy_gauss"]
    np.random.set_state({"bit_generator": "MT19937", "has_gauss": has_gauss, "gauss": gauss,
                         "state": {"key": states["numpy_key"].numpy().astype(np.uint32),
                                   "pos": states["numpy_pos"]}})
    torch.set_rng_state(states["torch"])
    batch_order.set_state(states["batch_order"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


def save_checkpoint(path: Path, state: dict) -> None:
    """Write to ``<path>.tmp``, flush and fsync, then rename over ``path`` (atomic on POSIX and
    Windows): a crash or Ctrl-C at any moment leaves either the old or the new file, whole."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():  # the write did not complete: drop the partial file
            tmp.unlink()


def load_checkpoint(path: Path, model: nn.Module) -> dict:
    """Load and validate a checkpoint (``weights_only=True``: no arbitrary code can run).

    Every expected problem becomes one LabError line naming it."""
    path = Path(path)
    if not path.is_file():
        raise common.LabError(f"checkpoint {path} does not exist")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        raise common.LabError(f"{path} holds objects other than tensors and plain containers, "
                              f"which weights_only loading refuses ({first[:160]})") from None
    except Exception as err:  # noqa: BLE001 -- zip, legacy-pickle and I/O errors all mean this
        raise common.LabError(f"{path} is not a readable checkpoint: the file is truncated or "
                              f"not a torch.save file ({type(err).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise common.LabError(f"{path} is not a mnist_checkpoint.py checkpoint "
                              f"(no '{FORMAT}' marker)")
    missing = [k for k in ("model", "optimizer", "epoch", "history", "rng", "config")
               if k not in state]
    if missing:
        raise common.LabError(f"{path} is incomplete: missing {', '.join(missing)}")
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    found = {k: tuple(v.shape) for k, v in state["model"].items()}
    problems = []
    if sorted(set(expected) - set(found)):
        problems.append(f"missing keys {sorted(set(expected) - set(found))}")
    if sorted(set(found) - set(expected)):
        problems.append(f"unexpected keys {sorted(set(found) - set(expected))}")
    problems += [f"{k} has shape {list(found[k])}, expected {list(expected[k])}"
                 for k in expected if k in found and found[k] != expected[k]]
    if problems:
        raise common.LabError(f"{path} belongs to another model: {'; '.join(problems[:4])}")
    return state



# --------------------------------------------------------------------------- figures

def plot_history(history: dict, path: Path) -> None:
    common.plot_panels(path, [{
        "title": "MNIST tutorial: loss", "xlabel": "number of training examples seen",
        "ylabel": "negative log likelihood loss",
        "series": {"train loss": (history["train_counter"], history["train_loss"]),
                   "test loss": (history["test_counter"], history["test_loss"], "o")}}])


def plot_examples(loader, path: Path, n: int = 6) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x, y = next(iter(loader))
    fig, axes = plt.subplots(2, 3, figsize=(6, 4.4))
    for ax, img, label in zip(axes.flat, x[:n].cpu(), y[:n].tolist()):
        ax.imshow((img[0] * STD + MEAN).numpy(), cmap="gray", interpolation="none")
        ax.set_title(f"Ground truth: {label}")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# --------------------------------------------------------------------------- command line

def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    common.add_common_args(parser, epochs=3, batch_size=64, lr=0.01, seed=1, loader=True)
    parser.add_argument("--test-batch-size", type=common.positive_int, default=1000)
    parser.add_argument("--momentum", type=float, default=0.5, help="SGD momentum")
    parser.add_argument("--log-interval", type=common.positive_int, default=10,
                        help="log the train loss every N batches")
    parser.add_argument("--resume", type=Path, default=None,
                        help="continue from this checkpoint up to --epochs (total, not extra)")
    parser.add_argument("--name", default="mnist_checkpoint",
                        help="base name of the checkpoint, results JSON and figures")
    args = parser.parse_args(argv)
    if args.smoke and args.resume is None:
        args.epochs = 1
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    device = common.select_device(args.device)
    common.seed_everything(args.seed, args.deterministic)
    torch.backends.cudnn.enabled = False  # as the tutorial: reproducible conv results on GPU
    start = time.perf_counter()
    ckpt_path = Path(args.out_dir) / f"{args.name}.pt"

    model = MnistNet().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    data_dir = common.resolve_data_dir(args.data_dir)
    train_loader, test_loader = common.image_loaders(
        "mnist", data_dir, kind=args.loader, batch_size=args.batch_size,
        test_batch_size=args.test_batch_size, device=device, seed=args.seed, mean=MEAN, std=STD,
        workers=args.workers, smoke=args.smoke)
    n_train = train_loader.num_examples

    if args.resume is not None:
        state = load_checkpoint(args.resume, model)
        saved = state["config"]
        clash = [f"--{k.replace('_', '-')} {saved.get(k)} (now {getattr(args, k)})"
                 for k in RESUME_MUST_MATCH if saved.get(k) != getattr(args, k)]
        if clash:
            raise common.LabError(f"{args.resume} was trained with {', '.join(clash)}; pass the "
                                  f"same settings to resume it")
        # A fresh network and optimizer, loaded from the file: the tutorial's defect was to keep
        # training the old objects while believing it used the reloaded ones.
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        history, first_epoch = state["history"], state["epoch"] + 1
        restore_rng_states(state["rng"], train_loader.generator)
        if first_epoch > args.epochs:
            raise common.LabError(f"{args.resume} already holds {state['epoch']} epochs; ask for "
                                  f"more with --epochs N (total)")
        print(f"resumed {args.resume} after epoch {state['epoch']}")
    else:
        history = {"train_counter": [], "train_loss": [], "test_counter": [], "test_loss": [],
                   "test_acc": [], "epoch_seconds": []}
        first_epoch = 1
        test_loss, test_acc = evaluate(model, test_loader)
        history["test_counter"].append(0)
        history["test_loss"].append(test_loss)
        history["test_acc"].append(test_acc)
        print(f"before training: test loss {test_loss:.4f}, accuracy {test_acc:.2%}")

    Path(args.out_dir).mkdir(parents=True, exist_ok=True)
    plot_examples(test_loader, Path(args.out_dir) / f"{args.name}_examples.png")
    timer = common.Throughput(device)
    last_good = (f"{args.resume} (after epoch {first_epoch - 1})" if args.resume
                 else "none yet")
    epoch = first_epoch
    try:
        for epoch in range(first_epoch, args.epochs + 1):
            t0 = time.perf_counter()
            train_one_epoch(model, train_loader, optimizer, epoch, args, history, timer)
            test_loss, test_acc = evaluate(model, test_loader)
            history["test_counter"].append(epoch * n_train)
            history["test_loss"].append(test_loss)
            history["test_acc"].append(test_acc)
            history["epoch_seconds"].append(time.perf_counter() - t0)
            save_checkpoint(ckpt_path, {
                "format": FORMAT, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "epoch": epoch, "history": history, "rng": rng_states(train_loader.generator),
                "config": common.config_of(args)})
            last_good = f"{ckpt_path} (after epoch {epoch})"
            print(f"epoch {epoch}: test loss {test_loss:.4f}, accuracy {test_acc:.2%}  "
                  f"({history['epoch_seconds'][-1]:.1f} s, checkpoint {ckpt_path})")
    except KeyboardInterrupt:
        print(f"\ninterrupted in epoch {epoch}: nothing half-written; last good checkpoint: "
              f"{last_good}", file=sys.stderr)
        raise

    wall = time.perf_counter() - start
    accs = history["test_acc"]
    metrics = {"test_acc_before": accs[0], "test_acc": accs[-1],
               "test_loss": history["test_loss"][-1], "epochs_done": len(accs) - 1,
               "train_examples_per_sec": timer.rate}
    metrics.update({f"test_acc_epoch{e}": a for e, a in enumerate(accs) if e})
    common.save_results(args.out_dir, args.name, config=common.config_of(args), metrics=metrics,
                        history=history, device=device, wall_time=wall)
    plot_history(history, Path(args.out_dir) / f"{args.name}_loss_{len(accs) - 1}ep.png")
    print(f"done: {len(accs) - 1} epochs, test accuracy {accs[-1]:.2%}; wrote {ckpt_path}, "
          f"{args.name}.json and figures to {args.out_dir} ({wall:.0f} s)")
    return {"metrics": metrics, "history": history, "model": model, "checkpoint": ckpt_path}


if __name__ == "__main__":
    common.cli(main)
