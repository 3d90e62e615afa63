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
import os
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
# ## The tutorial's settings and network
#
# Two 5x5 convolutions with max-pooling and ReLU, dropout, two fully connected layers and a
# log-softmax output for the NLL loss, trained at the tutorial's settings.

# %%
# The tutorial's settings: the argparse defaults come from here, so --help shows these values.
SETTINGS = {"epochs": 3, "batch_size": 64, "test_batch_size": 1000, "lr": 0.01,
            "momentum": 0.5, "seed": 1, "log_interval": 10}
DATA = common.ImageData("mnist", 0.1307, 0.3081)  # the tutorial's Normalize(mean, std)
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
# The lesson, in plain PyTorch, as the tutorial's `train()` and `test()`. `train_step` is one
# SGD step on the NLL loss of the network's log-probabilities; `train_epoch` runs it on every
# batch of any iterable of `(x, y)` (a torch `DataLoader` too), keeping each step's loss on the
# device so the loop never waits for a GPU, and returns the epoch's mean train loss; `evaluate`
# gives the test loss and accuracy in eval mode (no dropout). They use nothing but torch: copy
# them into a notebook beside your own `DataLoader` (docs/coursework.md).

# %%
def train_step(model, x, y, optimizer):
    """One SGD step on the batch ``(x, y)``; returns the loss."""
    optimizer.zero_grad(set_to_none=True)
    loss = F.nll_loss(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    """One pass over ``loader`` in train mode; returns the mean training loss. ``step`` is
    train_step or a faster form of it (compiled); ``on_step(losses, sizes)``, when given, sees
    the per-step lists after each step (a loss log, live curves, a divergence check). Leave
    both out and it trains the same."""
    model.train()
    losses, sizes = [], []
    for x, y in loader:
        loss = step(model, x, y, optimizer)
        losses.append(loss.detach())
        sizes.append(len(y))
        if on_step is not None:
            on_step(losses, sizes)
    n = torch.tensor(sizes, dtype=torch.float64)
    return ((torch.stack(losses).cpu().double() * n).sum() / n.sum()).item()  # on the host


@torch.no_grad()
def evaluate(model, loader):
    """Mean NLL loss and accuracy of ``model`` over ``loader``, in eval mode."""
    model.eval()
    loss_sum, correct, seen = 0.0, 0, 0
    for x, y in loader:
        log_probs = model(x)
        loss_sum += F.nll_loss(log_probs, y, reduction="sum").item()
        correct += (log_probs.argmax(1) == y).sum().item()
        seen += len(y)
    return loss_sum / seen, correct / seen


# %% [markdown]
# ## A checkpoint: what it holds, and how it is written safely
#
# Everything a run needs to continue exactly where it stopped: the weights, the optimizer's
# state (SGD's momentum buffers), the epoch, the history so far, the settings, and every random
# generator (python, numpy, torch on the CPU and on each GPU, and the one your batch order is
# drawn from, if it has its own), so that the dropout masks and the batch order continue as if
# the run had never stopped.
#
# Written whole or not at all: into a temporary file in the same folder, flushed to the disk
# (`os.fsync`), then renamed over the previous checkpoint (`os.replace`, which a crash cannot
# leave half done). A crash, Ctrl-C or a full disk at any moment leaves the previous checkpoint
# as it was, and so does a state that could not be loaded back (a numpy number in the history
# saves, but `weights_only=True` refuses it): it is read back before the write. Plain torch and
# os: copy these beside your own training loop.

# %%
def rng_states(batch_order=None) -> dict:
    """The state of every random generator. ``batch_order``: the generator your batches are
    shuffled with, when it is not torch's global one (``DataLoader(..., generator=g)``)."""
    py_version, py_state, py_gauss = random.getstate()
    np_state = np.random.get_state(legacy=False)
    states = {"python": list(py_state) + [py_version], "python_gauss": py_gauss,
              "numpy_key": torch.from_numpy(np_state["state"]["key"].astype(np.int64)),
              "numpy_pos": np_state["state"]["pos"],
              "numpy_gauss": [np_state["has_gauss"], np_state["gauss"]],
              "torch": torch.get_rng_state()}
    if batch_order is not None:
        states["batch_order"] = batch_order.get_state()
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()  # one per GPU
    if torch.backends.mps.is_available():
        states["mps"] = torch.mps.get_rng_state()
    return states


def checkpoint_state(model, optimizer, epoch, history, config, batch_order=None) -> dict:
    """What a checkpoint holds: tensors and plain containers only, so it loads with
    ``weights_only=True``."""
    return {"format": "labs-mnist-checkpoint-v1",  # tells this lab's files from others
            "model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch,
            "history": history, "rng": rng_states(batch_order), "config": config,
            "device_type": next(model.parameters()).device.type}


def save_checkpoint(path, state) -> None:
    """Write ``state`` to ``path`` whole or not at all."""
    buffer = io.BytesIO()
    torch.save(state, buffer)  # serialised first: the file then gets one plain write
    try:  # read back as load_checkpoint will: what could not be loaded is not written
        torch.load(io.BytesIO(buffer.getvalue()), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        found = str(err).split("WeightsUnpickler error: ")[-1].split(". ")[0]
        raise ValueError(f"{path}: not saved, it would not load with weights_only=True "
                         f"({found}); keep only tensors, numbers, strings, lists and dicts in "
                         f"it (float(x) for a numpy number)") from None
    # In the same folder, so on the same disk: the rename below is then atomic.
    tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(buffer.getvalue())
            f.flush()             # Python's buffer -> the operating system
            os.fsync(f.fileno())  # the operating system's cache -> the disk
        os.replace(tmp, path)     # the old file or the new one, never half of one
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)        # no half-written temporary left behind
        raise


# %% [markdown]
# ## Loading a checkpoint and continuing from it
#
# `torch.load(..., weights_only=True)` reads tensors and plain containers only, so a file from
# elsewhere cannot run code while it loads; `map_location="cpu"` reads a GPU's checkpoint on
# any machine. Continuing means a *fresh* network and optimizer that take the saved state (the
# tutorial's defect was to keep training the old objects while believing it used the reloaded
# ones), and every generator put back where it was.

# %%
def load_checkpoint(path) -> dict:
    """The checkpoint at ``path``, on the CPU whichever device wrote it."""
    return torch.load(path, map_location="cpu", weights_only=True)


def restore_checkpoint(state, model, optimizer, batch_order=None) -> list[str]:
    """Put ``state`` into a freshly built ``model`` and ``optimizer`` and every random generator
    back where it was; returns notes on generator states this machine cannot take back."""
    model.load_state_dict(state["model"])          # copies onto the model's device
    optimizer.load_state_dict(state["optimizer"])  # moves the momentum buffers there too
    return restore_rng_states(state["rng"], batch_order)


def restore_rng_states(states, batch_order=None) -> list[str]:
    """rng_states, the other way round."""
    *mt, version = states["python"]
    random.setstate((version, tuple(mt), states["python_gauss"]))
    has_gauss, gauss = states["numpy_gauss"]
    np.random.set_state({"bit_generator": "MT19937", "has_gauss": has_gauss, "gauss": gauss,
                         "state": {"key": states["numpy_key"].numpy().astype(np.uint32),
                                   "pos": states["numpy_pos"]}})
    torch.set_rng_state(states["torch"])
    if batch_order is not None:
        batch_order.set_state(states["batch_order"])
    cuda = torch.cuda.device_count() if torch.cuda.is_available() else 0
    restore, notes = device_rng_plan(states, cuda, torch.backends.mps.is_available())
    for index, state in enumerate(restore.get("cuda", [])):
        torch.cuda.set_rng_state(state, index)
    if "mps" in restore:
        torch.mps.set_rng_state(restore["mps"])
    return notes


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


# %% [markdown]
# ## Around the lesson
#
# `fit` is this script's driver: per epoch, `train_epoch` under the CPU kernel plan (speed.py),
# timed, with a progress bar and a `common.Watch` (a loss that stops being a number ends the
# run; the loss curve redrawn live in a notebook), then `evaluate`, the tutorial's log and a
# checkpoint. Around the checkpoint lesson: every expected problem with a file given to
# `--resume` becomes one line naming it, the folder is flushed after the rename too (so the
# rename survives a power cut), and a run that stops says where its last good checkpoint is.

# %%
FORMAT = "labs-mnist-checkpoint-v1"  # the marker checkpoint_state writes


def checked_checkpoint(path: Path, model: nn.Module) -> dict:
    """load_checkpoint, with every expected problem (no such file, not a torch.save file, objects
    that weights_only loading refuses, another program's file, an incomplete one, another
    model's weights) as one LabError line naming the file."""
    path = Path(path)
    if not path.is_file():
        raise machinery.LabError(f"checkpoint {path} does not exist")
    try:
        state = load_checkpoint(path)
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


def resume(args, model, optimizer, batch_order: torch.Generator, device) -> tuple[dict, list]:
    """Continue from ``--resume``: the checked checkpoint, its settings compared with this
    command line's, restored into the fresh ``model`` and ``optimizer``. Returns the history
    so far and the figures the earlier run drew."""
    state = checked_checkpoint(args.resume, model)
    saved = state["config"]
    clash = [f"--{k.replace('_', '-')} {saved.get(k)} (now {getattr(args, k)})"
             for k in RESUME_MUST_MATCH if saved.get(k) != getattr(args, k)]
    if clash:
        raise machinery.LabError(f"{args.resume} was trained with {', '.join(clash)}; pass the "
                                 f"same settings to resume it")
    if state["epoch"] >= args.epochs:
        raise machinery.LabError(f"{args.resume} already holds {state['epoch']} epochs; ask for "
                                 f"more with --epochs N (total)")
    notes = restore_checkpoint(state, model, optimizer, batch_order)
    written_on = state.get("device_type", "cpu")
    if written_on != device.type:
        notes.append(f"it was written on {written_on} and resumes on {device.type}")
    for note in notes:
        print(f"note: {note}: training continues from the saved state, but not bit-identically "
              f"to an uninterrupted run")
    print(f"resumed {args.resume} after epoch {state['epoch']}")
    return state["history"], list(state.get("figures", []))


def write_checkpoint(path: Path, state: dict, if_it_fails: str = "") -> None:
    """save_checkpoint, then the folder flushed too (machinery.fsync_dir), so that the rename
    survives a power cut. A write that fails ends the run with one line naming the file and
    the cause, ``if_it_fails`` appended."""
    try:
        save_checkpoint(path, state)
        machinery.fsync_dir(Path(path).parent)
    except OSError as err:
        failed = machinery.write_failed(Path(path), err)
        raise (machinery.with_note(failed, if_it_fails) if if_it_fails else failed) from None


def start_fresh(model, test_loader) -> dict:
    """An empty history, and the test loss and accuracy before training (about 10%)."""
    history = {"train_counter": [], "train_loss": [], "test_counter": [], "test_loss": [],
               "test_acc": [], "epoch_seconds": []}
    with speed.cnn_kernels(model, test_loader.device, test_loader.batch_size):
        test_loss, test_acc = evaluate(model, test_loader)
    history["test_counter"].append(0)
    history["test_loss"].append(test_loss)
    history["test_acc"].append(test_acc)
    print(f"before training: test loss {test_loss:.4f}, accuracy {test_acc:.2%}")
    return history


def epochs_done(history: dict) -> int:
    return len(history["test_acc"]) - 1  # the test before training, then one per epoch


def with_train_log(history: dict, losses: list, epoch: int, args, examples: int) -> dict:
    """``history`` with epoch ``epoch``'s train log added, as the tutorial logs it: every
    ``--log-interval``-th step's loss, against the examples seen before that step."""
    steps = range(0, len(losses), args.log_interval)
    logged = torch.stack(losses[::args.log_interval]).tolist() if losses else []
    return {**history,
            "train_counter": history["train_counter"] + [i * args.batch_size + (epoch - 1) *
                                                         examples for i in steps],
            "train_loss": history["train_loss"] + logged}


def fit(model, train_loader, test_loader, optimizer, args, history: dict, ckpt_path: Path,
        step=train_step, live: machinery.LivePlot | None = None) -> float:
    """The epochs after those in ``history`` up to ``args.epochs``, each added to ``history``
    and saved in a checkpoint as it ends; returns the training examples/sec. A loss that stops
    being a number raises machinery.Halt; ``live`` redraws the loss curve in a notebook."""
    device, examples = train_loader.device, train_loader.num_examples
    first, timer = epochs_done(history) + 1, common.Throughput(device)
    for epoch in range(first, args.epochs + 1):
        t0 = time.perf_counter()
        watch = common.Watch(epoch, args.lr, live=live, live_history=lambda losses, _, epoch=epoch: (
            with_train_log(history, losses, epoch, args, examples)))
        with speed.cnn_kernels(model, device, args.batch_size):
            timer.start()
            try:
                train_loss = train_epoch(model, machinery.progress(train_loader,
                                                                   desc=f"epoch {epoch}"),
                                         optimizer, step, watch)
                watch.end()
            finally:  # the steps trained are logged, even when a stop cut the epoch short
                losses = watch.lists[0] if watch.lists else []
                history.update(with_train_log(history, losses, epoch, args, examples))
            timer.stop(examples)
        with speed.cnn_kernels(model, device, args.test_batch_size):
            test_loss, test_acc = evaluate(model, test_loader)
        watch.check_test(test_loss)
        row = {"test_counter": epoch * examples, "test_loss": test_loss, "test_acc": test_acc,
               "epoch_seconds": time.perf_counter() - t0}
        # The epoch joins the history once the checkpoint holding it is written: a stop during
        # the write leaves the history at the last good checkpoint.
        state = checkpoint_state(model, optimizer, epoch,
                                 {**history, **{k: history[k] + [v] for k, v in row.items()}},
                                 common.config_of(args), train_loader.generator)
        write_checkpoint(ckpt_path, state, if_it_fails="last good checkpoint: " +
                         last_good(args, ckpt_path, epoch - 1, first))
        for key, value in row.items():
            history[key].append(value)
        if live:
            live.update(history)
        print(f"epoch {epoch}: train loss {train_loss:.4f}, test loss {test_loss:.4f}, accuracy "
              f"{test_acc:.2%}  ({row['epoch_seconds']:.1f} s, checkpoint {ckpt_path})",
              flush=True)
    return timer.rate


def last_good(args, ckpt_path: Path, done: int, first_epoch: int) -> str:
    """The last whole checkpoint once ``done`` epochs are: what a stopped run points to."""
    if done >= first_epoch:
        return f"{ckpt_path} (after epoch {done})"
    return f"{args.resume} (after epoch {done})" if args.resume else "none yet"


def checkpoint_notes(stopped: machinery.Stop, last: str) -> machinery.Stop:
    """What a stopped run's one line says of its checkpoints: that nothing was half-written
    (after Ctrl-C or SIGTERM), and where the last whole one is."""
    if stopped.interrupt is not None:
        stopped = stopped.note(f"in epoch {stopped.epoch}, nothing half-written")
    return stopped.note(f"last good checkpoint: {last}")


def remember_figures(ckpt_path: Path, figures: list, done: int) -> None:
    """The last checkpoint, written again with the figures drawn so far: a resumed run's
    results file then lists the earlier run's figures too."""
    drawn = list(dict.fromkeys(getattr(f, "name", f) for f in figures))
    write_checkpoint(ckpt_path, {**load_checkpoint(ckpt_path), "figures": drawn},
                     if_it_fails=f"the checkpoint after epoch {done} is intact")


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
    common.add_common_args(parser, epochs=SETTINGS["epochs"], batch_size=SETTINGS["batch_size"],
                           lr=SETTINGS["lr"], seed=SETTINGS["seed"], image_data=True)
    parser.add_argument("--test-batch-size", type=common.positive_int,
                        default=SETTINGS["test_batch_size"], help="evaluation batch size")
    parser.add_argument("--momentum", type=common.unit_interval, default=SETTINGS["momentum"],
                        help="SGD momentum")
    parser.add_argument("--log-interval", type=common.positive_int,
                        default=SETTINGS["log_interval"],
                        help="log the train loss every N batches")
    parser.add_argument("--resume", type=Path, default=None,
                        help="continue from this checkpoint up to --epochs (total, not extra)")
    return common.parse_args(parser, argv), parser


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
    step, compiled = train_step, {}
    if args.compile:  # the whole step compiled, or this step after one line saying why
        step = speed.compiled_step(step, model, optimizer, speed.first_batch(train_loader),
                                   device)
        compiled["compile_seconds"] = getattr(step, "compile_seconds", None)  # None: eager

    with torch.backends.cudnn.flags(enabled=False):  # as the tutorial: reproducible GPU convs
        if args.resume:  # the fresh model and optimizer take the saved state
            history, figures = resume(args, model, optimizer, train_loader.generator, device)
        else:
            history, figures = start_fresh(model, test_loader), []
        first_epoch = epochs_done(history) + 1
        digits, labels = example_digits(data_dir, args.seed)
        figures.append(plot_digits(args.out_dir / f"{name}_examples.png", digits,
                                   [f"Ground truth: {v}" for v in labels.tolist()]))
        live, stopped = machinery.LivePlot(loss_figure), None
        try:
            rate = fit(model, train_loader, test_loader, optimizer, args, history, ckpt_path,
                       step, live)
        except (machinery.Halt, KeyboardInterrupt) as err:  # diverged, Ctrl-C or SIGTERM
            stopped = machinery.Stop.of(err, epochs_done(history) + 1)
        done = epochs_done(history)
        if not stopped:
            figures.append(plot_digits(args.out_dir / f"{name}_predictions_{done}ep.png", digits,
                                       [f"Prediction: {p}" for p in
                                        predict_digits(model, digits, device)]))
    figures.append(common.save_figure(loss_figure(history), args.out_dir /
                                      f"{name}_loss_{done}ep.png", live=live))
    metrics = {"test_acc_before": history["test_acc"][0], "epochs_done": done, **compiled}
    if stopped:
        stopped = checkpoint_notes(stopped, last_good(args, ckpt_path, done, first_epoch))
    else:
        metrics.update(test_acc=history["test_acc"][-1], test_loss=history["test_loss"][-1],
                       train_examples_per_sec=rate, example_labels=labels.tolist())
        remember_figures(ckpt_path, figures, done)
    result = common.finish(args, name, metrics=metrics, history=history, figures=figures,
                           device=device, start=start, stopped=stopped)
    if stopped:  # the epochs so far are saved: one line naming the file, exit 3, 130 or 143
        raise stopped.error(saved=result["path"])
    return result


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
