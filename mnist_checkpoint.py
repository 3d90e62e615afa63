"""The MNIST tutorial (small CNN, NLL loss) with crash-safe checkpoints and exact resume.

Reproduces write-up 001, notes on a widely copied MNIST tutorial. Its settings are the defaults:
3 epochs, batch 64 (test 1000), SGD lr 0.01 momentum 0.5, seed 1, train loss logged every 10
batches, Normalize(0.1307, 0.3081), cuDNN off. Expect about 10% test accuracy before training
and about 97% after epoch 3; resuming to epoch 8 reaches about 98%. Figures: six test digits
from a shuffled test batch with their labels, the same digits with the trained network's
predictions, and the train loss (line) and test loss (dots) against examples seen.

    python mnist_checkpoint.py                                       # epochs 1-3, ~30 s on a CPU
    python mnist_checkpoint.py --resume runs/mnist_checkpoint.pt --epochs 8   # epochs 4-8

A checkpoint (``<out-dir>/<name>.pt``) holds model and optimizer state, the epoch, the loss
history and counters, every RNG state (python, numpy, torch, CUDA and MPS where present, the
batch-order generator) and the config. It is written at the end of every epoch to a temporary
file, flushed to disk and renamed into place, so a crash at any moment leaves the previous
checkpoint intact. Resume builds a fresh network and optimizer from the file; on the CPU, 3
epochs + resume to 8 gives bit-identical weights and history to 8 epochs in one go.
"""
from __future__ import annotations

import io
import pickle
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import common
import datafiles
import machinery
import speed

# %% [markdown]
# ## The tutorial's network
#
# Two 5x5 convolutions with max-pooling and ReLU, dropout, two fully connected layers and a
# log-softmax output for the NLL loss, at the tutorial's settings (the defaults below).

# %%
FORMAT = "labs-mnist-checkpoint-v1"
DATA = common.ImageData("mnist", 0.1307, 0.3081)
# Settings that must match for a resumed run to continue the same experiment.
RESUME_MUST_MATCH = ("batch_size", "test_batch_size", "lr", "momentum", "log_interval", "loader",
                     "seed", "smoke", "deterministic")


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


# %% [markdown]
# ## Training and evaluation
#
# Every `--log-interval` batches the batch loss is logged against the number of examples seen,
# as the tutorial does (and, in a notebook, the loss curve is redrawn); the test loss and
# accuracy after every epoch.

# %%
def train_step(model, x, y, optimizer):
    optimizer.zero_grad(set_to_none=True)
    loss = F.nll_loss(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def train_one_epoch(model, forward, loader, optimizer, args, history: dict,
                    run: common.Epoch) -> None:
    """One epoch; every ``log_interval`` batches log the batch loss against examples seen."""
    model.train()
    for batch_idx, (x, y) in enumerate(run.batches(loader)):
        loss = train_step(forward, x, y, optimizer)
        run.record(loss)
        if batch_idx % args.log_interval == 0 and run.finite():
            # The tutorial's counter: batch_idx * 64 + (epoch - 1) * len(dataset).
            history["train_counter"].append(batch_idx * args.batch_size +
                                            (run.number - 1) * loader.num_examples)
            history["train_loss"].append(loss.item())


def summed_nll(log_probs, y):
    return F.nll_loss(log_probs, y, reduction="sum")


# %% [markdown]
# ## Checkpoints that survive a crash
#
# Everything a run needs to continue exactly: model, optimizer, epoch, history, every random
# generator and the settings. Written whole or not at all, loaded with `weights_only=True`,
# and checked before use; resuming builds a fresh network and optimizer from the file.

# %%
def rng_states(batch_order: torch.Generator) -> dict:
    py_version, py_state, py_gauss = random.getstate()
    np_state = np.random.get_state(legacy=False)
    states = {"python": list(py_state) + [py_version], "python_gauss": py_gauss,
              "numpy_key": torch.from_numpy(np_state["state"]["key"].astype(np.int64)),
              "numpy_pos": np_state["state"]["pos"],
              "numpy_gauss": [np_state["has_gauss"], np_state["gauss"]],
              "torch": torch.get_rng_state(), "batch_order": batch_order.get_state()}
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()  # one per GPU
    if "mps" in common.available_devices():
        states["mps"] = torch.mps.get_rng_state()
    return states


def device_rng_plan(states: dict, cuda_devices: int, has_mps: bool) -> tuple[dict, list[str]]:
    """Which saved accelerator RNG states this machine can take back, and notes on the rest.

    A checkpoint written on one kind of machine resumes on another (CUDA -> CPU, CPU -> MPS):
    the weights, optimizer state, history and CPU-side generators carry over exactly; only the
    dropout draws made on a device that is not here cannot continue, so that run is no longer
    bit-identical to an uninterrupted one."""
    restore, notes = {}, []
    saved_cuda = states.get("cuda", [])
    if saved_cuda:
        restore["cuda"] = saved_cuda[:cuda_devices]
        if len(saved_cuda) > cuda_devices:
            notes.append(f"the checkpoint holds RNG states of {len(saved_cuda)} CUDA device(s), "
                         f"this machine has {cuda_devices}")
    if "mps" in states:
        if has_mps:
            restore["mps"] = states["mps"]
        else:
            notes.append("the checkpoint holds an MPS RNG state and this machine has no MPS")
    return restore, notes


def restore_rng_states(states: dict, batch_order: torch.Generator) -> list[str]:
    """Put every generator back where the checkpoint left it; returns notes on what could not
    be restored on this machine."""
    *mt, version = states["python"]
    random.setstate((version, tuple(mt), states["python_gauss"]))
    has_gauss, gauss = states["numpy_gauss"]
    np.random.set_state({"bit_generator": "MT19937", "has_gauss": has_gauss, "gauss": gauss,
                         "state": {"key": states["numpy_key"].numpy().astype(np.uint32),
                                   "pos": states["numpy_pos"]}})
    torch.set_rng_state(states["torch"])
    batch_order.set_state(states["batch_order"])
    cuda = torch.cuda.device_count() if torch.cuda.is_available() else 0
    restore, notes = device_rng_plan(states, cuda, "mps" in common.available_devices())
    for index, state in enumerate(restore.get("cuda", [])):
        torch.cuda.set_rng_state(state, index)
    if "mps" in restore:
        torch.mps.set_rng_state(restore["mps"])
    return notes


def save_checkpoint(path: Path, state: dict, if_it_fails: str = "") -> None:
    """Written whole or not at all (machinery.atomic_write): a crash or Ctrl-C at any moment
    leaves the old file or the new one; the folder is flushed too, so the rename survives a
    power cut. A write that fails ends the run with one line, ``if_it_fails`` appended."""
    buffer = io.BytesIO()  # serialised first: a full disk then fails in one plain write
    torch.save(state, buffer)
    try:
        with machinery.atomic_write(path, "wb", durable=True) as f:
            f.write(buffer.getbuffer())
    except machinery.WriteFailed as err:
        raise (machinery.with_note(err, if_it_fails) if if_it_fails else err) from None


def load_checkpoint(path: Path, model: nn.Module) -> dict:
    """Load and validate a checkpoint (``weights_only=True``: no arbitrary code can run), onto
    the CPU first whichever device wrote it.

    Every expected problem becomes one LabError line naming it."""
    path = Path(path)
    if not path.is_file():
        raise machinery.LabError(f"checkpoint {path} does not exist")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        raise machinery.LabError(f"{path} holds objects other than tensors and plain containers, "
                                 f"which weights_only loading refuses ({first[:160]})") from None
    except Exception as err:  # noqa: BLE001 -- zip, legacy-pickle and I/O errors all mean this
        raise machinery.LabError(f"{path} is not a readable checkpoint: the file is truncated or "
                                 f"not a torch.save file ({type(err).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise machinery.LabError(f"{path} is not a mnist_checkpoint.py checkpoint "
                                 f"(no '{FORMAT}' marker)")
    missing = [k for k in ("model", "optimizer", "epoch", "history", "rng", "config")
               if k not in state]
    if missing:
        raise machinery.LabError(f"{path} is incomplete: missing {', '.join(missing)}")
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
        raise machinery.LabError(f"{path} belongs to another model: {'; '.join(problems[:4])}")
    return state


def resume(args, model, optimizer, batch_order: torch.Generator,
           device) -> tuple[dict, int, list[str]]:
    """Continue from ``--resume``: a fresh network and optimizer loaded from the file (the
    tutorial's defect was to keep training the old objects while believing it used the
    reloaded ones). Returns the history so far, the first epoch still to run and the figures
    the earlier run drew."""
    state = load_checkpoint(args.resume, model)
    saved = state["config"]
    clash = [f"--{k.replace('_', '-')} {saved.get(k)} (now {getattr(args, k)})"
             for k in RESUME_MUST_MATCH if saved.get(k) != getattr(args, k)]
    if clash:
        raise machinery.LabError(f"{args.resume} was trained with {', '.join(clash)}; pass the "
                                 f"same settings to resume it")
    if state["epoch"] >= args.epochs:
        raise machinery.LabError(f"{args.resume} already holds {state['epoch']} epochs; ask for "
                                 f"more with --epochs N (total)")
    model.load_state_dict(state["model"])      # copies onto the model's device
    optimizer.load_state_dict(state["optimizer"])  # moves momentum buffers there too
    notes = restore_rng_states(state["rng"], batch_order)
    written_on = state.get("device_type", "cpu")
    if written_on != device.type:
        notes.append(f"it was written on {written_on} and resumes on {device.type}")
    for note in notes:
        print(f"note: {note}: training continues from the saved state, but not bit-identically "
              f"to an uninterrupted run")
    print(f"resumed {args.resume} after epoch {state['epoch']}")
    return state["history"], state["epoch"] + 1, list(state.get("figures", []))


def start_fresh(model, test_loader) -> dict:
    history = {"train_counter": [], "train_loss": [], "test_counter": [], "test_loss": [],
               "test_acc": [], "epoch_seconds": []}
    test_loss, test_acc = common.evaluate(model, test_loader, summed_nll)
    history["test_counter"].append(0)
    history["test_loss"].append(test_loss)
    history["test_acc"].append(test_acc)
    print(f"before training: test loss {test_loss:.4f}, accuracy {test_acc:.2%}")
    return history


# %% [markdown]
# ## Figures
#
# Six test digits with their labels, then with the trained network's predictions, and the
# train loss (line) and test loss (dots) against examples seen.

# %%
def loss_figure(history: dict):
    return common.panels_figure([{
        "title": "MNIST tutorial: loss", "xlabel": "number of training examples seen",
        "ylabel": "negative log likelihood loss",
        "series": {"train loss": (history["train_counter"], history["train_loss"]),
                   "test loss": (history["test_counter"], history["test_loss"], "o")}}])


def example_digits(data_dir: Path, seed: int, n: int = 6) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` test digits drawn as the tutorial draws them, from a shuffled test batch (here with
    its own seeded generator, so the training's random streams are untouched)."""
    images, labels = common.load_image_arrays(DATA.name, data_dir, train=False)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    return images[order[:n]], labels[order[:n]]


def plot_digits(path: Path, images: torch.Tensor, titles: list[str]) -> common.Drawn:
    fig = common.blank_figure(figsize=(6, 4.4))
    axes = fig.subplots(2, 3)
    for ax, img, title in zip(axes.flat, images, titles):
        ax.imshow(img.numpy(), cmap="gray", interpolation="none")
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return common.save_figure(fig, path, dpi=100)


@torch.inference_mode()
def predict_digits(model, images: torch.Tensor, device) -> list[int]:
    model.eval()
    return model(common.normalise_images(images, DATA).to(device)).argmax(1).tolist()


# %% [markdown]
# ## The command line
#
# `--resume FILE --epochs 8` continues a checkpoint up to epoch 8 (a total, not extra epochs).

# %%
def parse_args(argv=None):
    parser = machinery.LabParser(__doc__, prog="mnist_checkpoint.py")
    common.add_common_args(parser, epochs=3, batch_size=64, lr=0.01, seed=1, image_data=True)
    parser.add_argument("--test-batch-size", type=common.positive_int, default=1000,
                        help="evaluation batch size")
    parser.add_argument("--momentum", type=common.unit_interval, default=0.5,
                        help="SGD momentum")
    parser.add_argument("--log-interval", type=common.positive_int, default=10,
                        help="log the train loss every N batches")
    parser.add_argument("--resume", type=Path, default=None,
                        help="continue from this checkpoint up to --epochs (total, not extra)")
    return common.parse_args(parser, argv), parser


def train_epochs(model, forward, train_loader, test_loader, optimizer, args, history: dict,
                 first_epoch: int, ckpt_path: Path, timer: common.Throughput,
                 live: machinery.LivePlot | None):
    """Epochs ``first_epoch`` .. ``args.epochs``, a checkpoint after each; returns None, or the
    Stop of a run whose loss diverged."""
    device = timer.device
    for epoch in range(first_epoch, args.epochs + 1):
        t0 = time.perf_counter()
        run = common.Epoch(epoch, args.lr, model=model, timer=timer, desc=f"epoch {epoch}",
                           live=live, live_history=lambda run: history)
        train_one_epoch(model, forward, train_loader, optimizer, args, history, run)
        if run.stopped:
            return run.stopped
        test_loss, test_acc = common.evaluate(model, test_loader, summed_nll)
        if run.check_test(test_loss):
            return run.stopped
        history["test_counter"].append(epoch * train_loader.num_examples)
        history["test_loss"].append(test_loss)
        history["test_acc"].append(test_acc)
        history["epoch_seconds"].append(time.perf_counter() - t0)
        if live:
            live.update(history)
        save_checkpoint(ckpt_path, {
            "format": FORMAT, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "epoch": epoch, "history": history, "rng": rng_states(train_loader.generator),
            "config": common.config_of(args), "device_type": device.type},
            if_it_fails="last good checkpoint: "
                        + last_good(args, ckpt_path, epoch - 1, first_epoch))
        print(f"epoch {epoch}: test loss {test_loss:.4f}, accuracy {test_acc:.2%}  "
              f"({history['epoch_seconds'][-1]:.1f} s, checkpoint {ckpt_path})", flush=True)
    return None


def checkpoint_notes(stopped: machinery.Stop, last: str) -> machinery.Stop:
    """What a stopped run's one line says of its checkpoints: that nothing was half-written
    (after Ctrl-C or SIGTERM), and where the last whole one is."""
    if stopped.interrupt is not None:
        stopped = stopped.note(f"in epoch {stopped.epoch}, nothing half-written")
    return stopped.note(f"last good checkpoint: {last}")


def remember_figures(ckpt_path: Path, figures: list, done: int) -> None:
    """The last checkpoint, written again with the figures drawn so far: a resumed run's
    results file then lists the earlier run's figures too."""
    checkpoint = torch.load(ckpt_path, map_location="cpu", weights_only=True)
    drawn = list(dict.fromkeys(getattr(f, "name", f) for f in figures))
    save_checkpoint(ckpt_path, {**checkpoint, "figures": drawn},
                    if_it_fails=f"the checkpoint after epoch {done} is intact")


def last_good(args, ckpt_path: Path, done: int, first_epoch: int) -> str:
    """The last whole checkpoint once ``done`` epochs are: what a stopped run points to."""
    if done >= first_epoch:
        return f"{ckpt_path} (after epoch {done})"
    return f"{args.resume} (after epoch {done})" if args.resume else "none yet"


def main(argv=None) -> dict:
    args, parser = parse_args(argv)
    device = common.setup(args)
    name = common.run_name("mnist_checkpoint", args, parser, neutral=("epochs",))
    ckpt_path = args.out_dir / f"{name}.pt"
    if args.smoke and args.resume is None:
        args.epochs = 1
    start = time.perf_counter()
    data_dir = datafiles.resolve_data_dir(args.data_dir)
    train_loader, test_loader = common.image_loaders(
        DATA, data_dir, kind=args.loader, batch_size=args.batch_size,
        test_batch_size=args.test_batch_size, device=device, seed=args.seed,
        workers=args.workers, max_batches=3 if args.smoke else None)
    model = common.model_on(device, MnistNet(), args.batch_size)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    machinery.check_deterministic(model, test_loader, F.nll_loss)

    with torch.backends.cudnn.flags(enabled=False):  # as the tutorial: reproducible GPU convs
        history, first_epoch, earlier = resume(args, model, optimizer, train_loader.generator,
                                               device) if args.resume else \
            (start_fresh(model, test_loader), 1, [])
        digits, labels = example_digits(data_dir, args.seed)
        figures = [*earlier, plot_digits(args.out_dir / f"{name}_examples.png", digits,
                                         [f"Ground truth: {v}" for v in labels.tolist()])]
        forward = speed.maybe_compile(model, args.compile, args.batch_size, device)
        live, timer = machinery.LivePlot(loss_figure), common.Throughput(device)
        stopped = common.until_stopped(train_epochs, model, forward, train_loader, test_loader,
                                       optimizer, args, history, first_epoch, ckpt_path, timer,
                                       live)
        done = len(history["test_acc"]) - 1
        if not stopped:
            figures.append(plot_digits(args.out_dir / f"{name}_predictions_{done}ep.png", digits,
                                       [f"Prediction: {p}" for p in
                                        predict_digits(model, digits, device)]))
    figures.append(common.save_figure(loss_figure(history), args.out_dir /
                                      f"{name}_loss_{done}ep.png", live=live))
    metrics = {"test_acc_before": history["test_acc"][0], "epochs_done": done}
    if stopped:
        stopped = checkpoint_notes(stopped, last_good(args, ckpt_path, done, first_epoch))
    else:
        metrics.update(test_acc=history["test_acc"][-1], test_loss=history["test_loss"][-1],
                       train_examples_per_sec=timer.rate, example_labels=labels.tolist())
        remember_figures(ckpt_path, figures, done)
    return common.finish(args, name, metrics=metrics, history=history, figures=figures,
                         device=device, start=start, stopped=stopped)


# %% [markdown]
# ## Run it
#
# In a terminal: `python mnist_checkpoint.py`, then `python mnist_checkpoint.py --resume
# runs/mnist_checkpoint.pt --epochs 8` (`--help` lists every flag). In a notebook this cell
# runs the lab with the flags in `NOTEBOOK_ARGS`: edit them here (`[]` means the tutorial's
# settings). `result` then holds the metrics, the history and the figures drawn.

# %%
NOTEBOOK_ARGS: list[str] = []  # e.g. ["--epochs", "5"]; a command line ignores this

if __name__ == "__main__":
    result = machinery.cli(main, NOTEBOOK_ARGS)
