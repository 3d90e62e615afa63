"""What every lab shares, in the order a lab's ``main`` uses it: the command line; setup (device
and seed); data and the two input pipelines; training helpers (timing, and the watch a lab
hands its lesson's loop as ``on_step``); results and figures. The lessons themselves (step,
epoch loop, evaluation) live in the labs, in plain PyTorch, and never call this file.

Read it beside a lab. What a student need not read is beside it: machinery.py (errors and exit
codes, notebook plumbing, durable writes, diagnostics), speed.py (CPU kernel plans, compiled
and graphed steps) and datafiles.py (checksums and downloads), each called by its name. No
models live here: each lab file holds its own. Copy a lab with these four files, and it runs
on its own.
The note on adding a data augmentation to both pipelines is in docs/development.md.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

import datafiles
import machinery
import speed

ROOT = Path(__file__).resolve().parent
RUNS_DIR = ROOT / "runs"            # default output folder (git-ignored)
DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


# --------------------------------------------------------------------------- command line

def _checked(name: str, convert, ok, expected: str):
    """An argparse type called ``name``: ``convert`` the text, then refuse values for which
    ``ok`` is false, in one line."""
    def parse(text: str):
        value = convert(text)
        if not ok(value):
            raise argparse.ArgumentTypeError(f"must be {expected}, got {text}")
        return value
    parse.__name__ = name  # argparse names it in "invalid positive_int value: 'x'"
    return parse


positive_int = _checked("positive_int", int, lambda v: v > 0, "a positive integer")
nonnegative_int = _checked("nonnegative_int", int, lambda v: v >= 0, "0 or more")
positive_float = _checked("positive_float", float, lambda v: math.isfinite(v) and v > 0,
                          "a finite positive number")
nonnegative_float = _checked("nonnegative_float", float,
                             lambda v: math.isfinite(v) and v >= 0, "a finite number >= 0")
unit_interval = _checked("unit_interval", float, lambda v: 0 <= v < 1,  # dropout, momentum
                         "in [0, 1)")
# numpy's legacy seeding accepts exactly this range
seed_int = _checked("seed_int", int, lambda v: 0 <= v < 2 ** 32, "an integer in [0, 2**32)")


def add_common_args(parser: argparse.ArgumentParser, *, epochs: int | None = None,
                    batch_size: int | str | None = None, lr: float | str | None = None,
                    seed: int = 0, training: bool = True, image_data: bool = False) -> None:
    """The flags every lab shares, spelled the same everywhere, with the lab's own defaults.

    ``training``: the training flags (epochs, batch size, lr, data, --smoke, --deterministic,
    --compile); ``image_data``: the input-pipeline flags (--loader, --workers). A default given
    as text describes defaults that differ by part of the lab (the value is then None)."""
    def default(value, help_text):
        if isinstance(value, str):
            return {"default": None, "help": f"{help_text} (default: {value})"}
        return {"default": value, "help": help_text}

    if training:
        parser.add_argument("--epochs", type=positive_int,
                            **default(epochs, "number of training epochs"))
        parser.add_argument("--batch-size", type=positive_int,
                            **default(batch_size, "training mini-batch size (examples)"))
        parser.add_argument("--lr", type=positive_float, **default(lr, "learning rate"))
    parser.add_argument("--seed", type=seed_int, default=seed,
                        help="seed for python, numpy and torch (and the batch order)")
    parser.add_argument("--device", default="auto",
                        help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:N or mps")
    parser.add_argument("--out-dir", type=Path, default=None,
                        help="where results JSON and figures go (default: runs/, or "
                             "runs/smoke/ with --smoke; results/ holds the committed reference "
                             "run and is written only by run_all --update-reference)")
    if not training:
        return
    parser.add_argument("--data-dir", type=Path, default=None,
                        help=f"dataset folder (default: ${datafiles.DATA_ENV}, else data/ next "
                             f"to the scripts)")
    parser.add_argument("--smoke", action="store_true",
                        help="cap every loop to a few batches and one epoch (seconds; for tests)")
    parser.add_argument("--deterministic", action="store_true",
                        help="deterministic kernels only (slower on a GPU); stops at start-up "
                             "if an op this lab needs has none on the device")
    parser.add_argument("--compile", action="store_true",
                        help="compile the whole training step (torch.compile): seconds of "
                             "compiling first, then faster steps; where it cannot (no C++ "
                             "compiler, an optimizer other than SGD...) one line says why and "
                             "the lab trains as without it (docs/devices.md)")
    if image_data:
        parser.add_argument("--loader", choices=("tensor", "dataloader"), default="tensor",
                            help="input pipeline: 'tensor' keeps the whole split as one "
                                 "normalised tensor on the device; 'dataloader' is the course's "
                                 "torchvision transforms + DataLoader path (same batches)")
        parser.add_argument("--workers", type=nonnegative_int, default=0,
                            help="DataLoader worker processes (with --loader dataloader only)")


def parse_args(parser: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    """Parse, then apply the rules that tie flags together (one line on a mistake). Inside a
    notebook, sys.argv is the kernel's own: without ``argv`` the lab takes its defaults."""
    if argv is None and machinery.kernel_argv():
        argv = []
    args = parser.parse_args(argv)
    if getattr(args, "workers", 0) and args.loader != "dataloader":
        parser.error("--workers applies to --loader dataloader only (the tensor pipeline has "
                     "no worker processes)")
    if args.out_dir is None:
        args.out_dir = RUNS_DIR / "smoke" if getattr(args, "smoke", False) else RUNS_DIR
    return args


# Settings that never change a result's numbers, so they never appear in its file name.
NAME_NEUTRAL = {"device", "out_dir", "data_dir", "smoke", "deterministic", "compile", "loader",
                "workers", "part", "export_split", "resume", "cuda_graph"}


def run_name(base: str, args: argparse.Namespace, parser: argparse.ArgumentParser,
             neutral: tuple[str, ...] = ()) -> str:
    """``base`` plus one tag per setting that differs from its default (``lab3_d2l_bs4_seed1``),
    so runs with other settings never overwrite each other's files."""
    tags = []
    for key, value in vars(args).items():
        if key in NAME_NEUTRAL or key in neutral or value == parser.get_default(key):
            continue
        if isinstance(value, bool):
            text = ""
        elif isinstance(value, Path):
            text = value.stem
        elif isinstance(value, (list, tuple)):
            text = "-".join(str(v) for v in value) or "none"
        else:
            text = str(value)
        tags.append(key.replace("_", "") + text)
    return "_".join([base, *tags])


def config_of(args: argparse.Namespace) -> dict:
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}


# --------------------------------------------------------------------------- setup: device, seed

def setup(args: argparse.Namespace) -> torch.device:
    """What every lab does first: pick the device, seed everything (with --deterministic where
    the lab has it), and make sure the output folder can be written, before any work."""
    machinery.check_versions()
    if args.device == "auto":
        device, why = auto_device(getattr(args, "batch_size", None),
                                  getattr(args, "cuda_graph", False))
        print(f"--device auto: {device} ({why})")
    else:
        device = select_device(args.device)
    seed_everything(args.seed, getattr(args, "deterministic", False))
    machinery.prepare_out_dir(args.out_dir)
    return device


def available_devices() -> list[str]:
    found = ["cpu"]
    if torch.cuda.is_available():
        found.append("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        found.append("mps")
    return found


# Under --device auto, training steps of at most this many examples stay on the CPU: they are
# bound by the fixed cost of launching each kernel on the accelerator, not by arithmetic. CUDA:
# measured on an H100 against one core of its Xeon (docs/devices.md), eager CUDA is 0.84x the
# CPU at batch 4 and 1.42x at 8. MPS: about 25 us of overhead per operation (published, not
# measured here) makes it slower than a CPU up to batch 8. A step captured in a CUDA graph
# (--cuda-graph) is one launch, 9-14x the CPU at every batch size measured.
AUTO_CPU_BATCH = {"cuda": 4, "mps": 8}


def auto_device(batch_size: int | None = None,
                graphed: bool = False) -> tuple[torch.device, str]:
    """``--device auto``: CUDA, then MPS, then the CPU, except that small steps (AUTO_CPU_BATCH)
    stay on the CPU unless they are captured in a CUDA graph (``graphed``). Returns the device
    and why it was chosen."""
    found = available_devices()
    accelerator = next((kind for kind in ("cuda", "mps") if kind in found), None)
    if accelerator is None:
        hint = ""
        if not torch.backends.cuda.is_built() and shutil.which("nvidia-smi"):
            hint = ("; this machine has an NVIDIA GPU, but this PyTorch is a CPU-only build "
                    "(docs/install.md, GPU)")
        return torch.device("cpu"), f"no CUDA or MPS device{hint}"
    if graphed and accelerator == "cuda":
        return torch.device("cuda"), "--cuda-graph: one launch per step, faster than the CPU"
    if batch_size is not None and batch_size <= AUTO_CPU_BATCH[accelerator]:
        return torch.device("cpu"), (
            f"{accelerator} is here, but steps of {batch_size} examples are bound by the cost "
            f"of launching each kernel, where the CPU is faster (docs/devices.md); "
            f"--device {accelerator} uses it anyway")
    return torch.device(accelerator), "the first of cuda, mps found here"


def select_device(name: str = "auto", batch_size: int | None = None) -> torch.device:
    """``auto`` as ``auto_device``; an explicit device that is missing is an error that says
    why it is missing."""
    if name == "auto":
        return auto_device(batch_size)[0]
    kind, _, index = name.partition(":")
    if kind not in DEVICE_CHOICES[1:] or (index and not index.isdigit()):
        raise machinery.LabError(f"unknown device '{name}': use one of auto, cpu, cuda, cuda:N, "
                                 f"mps")
    found = available_devices()
    if kind not in found:
        why = {"cuda": machinery.cuda_problem, "mps": machinery.mps_problem}[kind]()
        raise machinery.LabError(f"device '{name}' is not available on this machine "
                                 f"(available: {', '.join(found)}): {why}")
    if kind == "cuda" and index and int(index) >= torch.cuda.device_count():
        raise machinery.LabError(f"device '{name}' does not exist: this machine has "
                                 f"{torch.cuda.device_count()} CUDA device(s), cuda:0 to "
                                 f"cuda:{torch.cuda.device_count() - 1}")
    return torch.device(name)


def seed_everything(seed: int, deterministic: bool = False) -> None:
    """Seed python, numpy and torch (all devices); optionally demand deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if deterministic:
        # cuBLAS needs this workspace setting to be deterministic; it must precede the first call.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    if deterministic != torch.are_deterministic_algorithms_enabled():
        # Only on a change: the call imports torch._inductor, ~3 s.
        torch.use_deterministic_algorithms(deterministic)
    torch.backends.cudnn.benchmark = False


# Dtype rules across devices. Apple's MPS has no float64, so a float64 tensor may only ever
# exist on the CPU: going to the host, move first and convert there; coming from the host,
# convert there first and move after. These two helpers are the only crossings the labs use.

def to_host_float64(t: torch.Tensor) -> np.ndarray:
    """A device tensor as a float64 numpy array (``.cpu()`` before ``.double()``)."""
    return t.detach().cpu().double().numpy()


def to_device_float32(array: np.ndarray, device: torch.device) -> torch.Tensor:
    """A (float64) numpy array as float32 on ``device``, converted on the host."""
    return torch.from_numpy(np.asarray(array, dtype=np.float32)).to(device)


def model_on(device: torch.device, model: torch.nn.Module, batch_size: int):
    """``model`` on ``device``, for a CNN on the CPU in the memory layout its convolutions run
    fastest in at this batch size (speed.conv_plan)."""
    return speed.conv_plan(device, batch_size).prepare(model.to(device))


# --------------------------------------------------------------------------- data, pipelines

@dataclass(frozen=True)
class ImageData:
    """What describes an image dataset as a lab feeds it: which one, how it is normalised,
    how much zero border it gets. Both pipelines and the benchmark take this one value."""
    name: str                   # "mnist" or "fashion-mnist"
    mean: float | None = None   # Normalize((mean,), (std,)) after ToTensor; None: ToTensor only
    std: float | None = None
    pad: int = 0                # Pad(pad): zero border, e.g. 2 makes 28x28 digits 32x32


IMAGE_DATASETS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}  # folder under the data dir


def load_image_arrays(name: str, data_dir: Path, train: bool) -> tuple[torch.Tensor,
                                                                       torch.Tensor]:
    """A split as uint8 images (N, 28, 28) and int64 labels: the same tensors torchvision's
    MNIST dataset holds in .data and .targets. Each file is found (downloaded when missing) and
    checked first (datafiles.official_split). Both input pipelines read this."""
    images, labels = datafiles.official_split(IMAGE_DATASETS[name], data_dir, train)
    return images, labels.long()


class IdxImages(torch.utils.data.Dataset):
    """The 'dataloader' pipeline's dataset: each example as torchvision's MNIST serves it, a
    PIL image (8-bit grey) through ``transform``, and its label as an int."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, transform):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        from PIL import Image  # noqa: PLC0415

        return self.transform(Image.fromarray(self.images[i].numpy())), int(self.labels[i])


def normalise_images(images: torch.Tensor, data: ImageData) -> torch.Tensor:
    """uint8 (N, H, W) -> float32 (N, 1, H+2p, W+2p), the exact arithmetic of torchvision's
    Pad -> ToTensor -> Normalize, so both pipelines give bit-identical inputs."""
    x = images
    if data.pad:
        p = data.pad
        x = torch.nn.functional.pad(x, (p, p, p, p))  # zero (black) border, like Pad
    x = x.unsqueeze(1).to(torch.float32).div(255)
    if data.mean is not None:
        x = x.sub(data.mean).div(data.std)
    return x


def standard_transform(data: ImageData):
    """The course's torchvision transform pipeline for the same inputs."""
    from torchvision import transforms  # noqa: PLC0415

    steps = [transforms.Pad(data.pad)] if data.pad else []
    steps.append(transforms.ToTensor())
    if data.mean is not None:
        steps.append(transforms.Normalize((data.mean,), (data.std,)))
    return transforms.Compose(steps)


def _batch_sizes(n: int, batch_size: int, max_batches: int | None) -> list[int]:
    sizes = [min(batch_size, n - start) for start in range(0, n, batch_size)]
    return sizes if max_batches is None else sizes[:max_batches]


class TensorBatches:
    """The 'tensor' pipeline: the split lives on the device as one tensor, batched by a seeded
    ``randperm`` (the same permutation the 'dataloader' path's EpochPermutation draws from the
    same generator), so there is no per-sample PIL work and no per-batch copy from the host."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, *, shuffle: bool,
                 generator: torch.Generator | None, device: torch.device,
                 max_batches: int | None = None):
        self.x, self.y, self.device = x.to(device), y.to(device), device
        self.batch_size, self.shuffle, self.generator = batch_size, shuffle, generator
        self.sizes = _batch_sizes(len(y), batch_size, max_batches)

    def __len__(self) -> int:
        return len(self.sizes)

    @property
    def num_examples(self) -> int:
        return len(self.y)

    def __iter__(self):
        x, y = self.x, self.y
        if self.shuffle:
            perm = torch.randperm(len(y), generator=self.generator).to(x.device)
            # One gather per epoch; the batches below are then free views.
            x, y = x[perm], y[perm]
        for i in range(len(self)):
            s = slice(i * self.batch_size, (i + 1) * self.batch_size)
            yield x[s], y[s]


class EpochPermutation(torch.utils.data.Sampler):
    """Shuffling sampler that draws exactly one ``randperm`` per epoch from ``generator``.

    RandomSampler also draws a second, empty-tail permutation at the end of each epoch, which
    would make the generator (and so epoch 2's order) differ from the tensor pipeline's."""

    def __init__(self, n: int, generator: torch.Generator):
        self.n, self.generator = n, generator

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        return iter(torch.randperm(self.n, generator=self.generator).tolist())


class DeviceLoader:
    """The 'dataloader' pipeline: a standard DataLoader whose batches are moved to the device."""

    def __init__(self, dataset, batch_size: int, *, shuffle: bool,
                 generator: torch.Generator | None, device: torch.device, workers: int = 0,
                 max_batches: int | None = None):
        from torch.utils.data import DataLoader, SequentialSampler  # noqa: PLC0415

        sampler = (EpochPermutation(len(dataset), generator) if shuffle
                   else SequentialSampler(dataset))
        # DataLoader draws a worker base seed from its own generator every epoch; a private one
        # keeps that draw off both the batch-order generator and the global RNG (dropout).
        self.loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler,
                                 num_workers=workers, pin_memory=device.type == "cuda",
                                 generator=torch.Generator().manual_seed(0))
        self.device, self.generator, self.batch_size = device, generator, batch_size
        self.sizes = _batch_sizes(len(dataset), batch_size, max_batches)

    def __len__(self) -> int:
        return len(self.sizes)

    @property
    def num_examples(self) -> int:
        return len(self.loader.dataset)

    def __iter__(self):
        nb = self.device.type == "cuda"
        for i, (x, y) in enumerate(self.loader):
            if i == len(self):
                break
            yield x.to(self.device, non_blocking=nb), y.to(self.device, non_blocking=nb)


def image_loaders(data: ImageData, data_dir: Path, *, kind: str, batch_size: int,
                  test_batch_size: int, device: torch.device, seed: int, workers: int = 0,
                  max_batches: int | None = None):
    """Train and test loaders for MNIST / Fashion-MNIST, one interface for both pipelines.

    The training batch order comes from ``torch.Generator().manual_seed(seed)``: for the same
    seed, ``kind='tensor'`` and ``kind='dataloader'`` yield the same batches, bit for bit.
    ``max_batches`` caps every epoch (``--smoke``); only the examples those batches use are read.
    """
    if kind not in ("tensor", "dataloader"):
        raise machinery.LabError(f"unknown loader '{kind}': use tensor or dataloader")
    generator = torch.Generator().manual_seed(seed)
    made = []
    for train, bs in ((True, batch_size), (False, test_batch_size)):
        shared = dict(shuffle=train, generator=generator if train else None, device=device,
                      max_batches=max_batches)
        images, labels = load_image_arrays(data.name, data_dir, train)
        n = len(labels) if max_batches is None else max_batches * bs
        if kind == "tensor":
            made.append(TensorBatches(normalise_images(images[:n], data), labels[:n], bs,
                                      **shared))
        else:
            made.append(DeviceLoader(IdxImages(images[:n], labels[:n], standard_transform(data)),
                                     bs, workers=workers, **shared))
    return made[0], made[1]


# --------------------------------------------------------------------------- training helpers

def sync(device: torch.device) -> None:
    """Wait for queued device work, so that wall-clock timings are honest."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


class Throughput:
    """Examples per second over timed spans (training passes only; evaluation is not timed)."""

    def __init__(self, device: torch.device):
        self.device, self.examples, self.seconds, self._t0 = device, 0, 0.0, None

    def start(self) -> None:
        sync(self.device)
        self._t0, self._setup0 = time.perf_counter(), speed.setup_seconds()

    def stop(self, examples: int) -> float:
        """End the span; returns its examples/sec (and adds it to the running total). Time a
        --cuda-graph step spent capturing inside the span is not training: left out."""
        sync(self.device)
        span = time.perf_counter() - self._t0 - (speed.setup_seconds() - self._setup0)
        self.seconds += span
        self.examples += examples
        return examples / span if span else float("nan")

    @property
    def rate(self) -> float:
        return self.examples / self.seconds if self.seconds else float("nan")


class Watch:
    """The optional add-on a lab hands its lesson's epoch loop as ``on_step``: the loop calls it
    after every step with its per-step lists (the losses first, then whatever else it keeps),
    which stay on the device. Every ``machinery.LossGuard.every`` steps it looks at the new
    losses, on the device (only the answer crosses to the host); in a notebook it redraws the
    live curves (``live`` draws ``live_history(*lists)``). A loss that is no longer a number
    ends the loop there: the lists are cut to the steps before it, and ``machinery.Halt``
    carries the Stop (epoch, step, loss, lr) out of the loop. ``end()`` checks the last steps
    once the loop has returned, ``check_test`` the test loss. Leave it out and the loop trains
    the same, unwatched."""

    def __init__(self, epoch: int, lr: float | None, *, what: str = "training",
                 label: str | None = None, live: machinery.LivePlot | None = None,
                 live_history=None):
        self.epoch, self.lr, self.what, self.label = epoch, lr, what, label
        self.live, self.live_history = live, live_history
        self.lists, self.guard = (), machinery.LossGuard()

    def __call__(self, losses: list, *more: list) -> None:
        self.lists = (losses, *more)
        self._check(final=False)
        if self.live is not None and self.live.due():
            self.live.update(lambda: self.live_history(*self.lists))

    def end(self) -> None:
        """After the loop: look at the steps since the last look (machinery.Halt, the lists
        cut, if one of them is not a number)."""
        self._check(final=True)

    def check_test(self, value: float) -> None:
        """A test loss that is not a number stops the run too (machinery.Halt)."""
        if not math.isfinite(value):
            raise machinery.Halt(machinery.Stop(self.epoch, None, value, self.lr, self.what,
                                                self.label))

    def _check(self, final: bool) -> None:
        losses = self.lists[0] if self.lists else []
        bad = self.guard.check(losses, final)
        if bad is None:
            return
        stop = machinery.Stop(self.epoch, bad + 1, losses[bad].item(), self.lr, self.what,
                              self.label)
        for kept in self.lists:
            del kept[bad:]
        raise machinery.Halt(stop)


# --------------------------------------------------------------------------- results, figures

def save_results(args: argparse.Namespace, name: str, *, metrics: dict, history: dict,
                 device: torch.device | None, wall_time: float, figures=(),
                 config: dict | None = None) -> Path:
    """Write ``<out-dir>/<name>.json``: metrics, per-epoch history, the config (the command
    line's, unless given), the environment and the figures drawn from them."""
    config = config_of(args) if config is None else config
    record = {"name": name, "metrics": metrics, "history": history, "config": config,
              "figures": list(dict.fromkeys(getattr(f, "name", f) for f in figures)),
              "environment": {**machinery.environment(device), "seed": config.get("seed"),
                              "wall_time_s": round(wall_time, 3)}}
    path = Path(args.out_dir) / f"{name}.json"
    with machinery.atomic_write(path) as f:
        f.write(json.dumps(machinery.jsonable(record), indent=2) + "\n")
    return path


def finish(args: argparse.Namespace, name: str, *, metrics: dict, history: dict, figures=(),
           device: torch.device | None, start: float, stopped: machinery.Stop | None = None,
           config: dict | None = None) -> dict:
    """The end of every lab: save the run (``save_results``) and return what it computed, and
    ``path``, the results file. A run that ``stopped`` early is saved the same way, with where
    and why; ending it is main's to say (``stopped.error(saved=result["path"])``)."""
    if stopped:
        metrics = {**metrics, **stopped.record()}
    wall = time.perf_counter() - start
    path = save_results(args, name, metrics=metrics, history=history, device=device,
                        wall_time=wall, figures=figures, config=config)
    if not stopped:
        print(f"wrote {path} ({wall:.0f} s)")
    return {"metrics": machinery.jsonable(metrics), "history": history,
            "figures": {f.name: f for f in figures if isinstance(f, Drawn)}, "path": path}


class Drawn(NamedTuple):
    """A figure a lab drew: its PNG's file name (what results files list), the matplotlib
    Figure (to restyle or save again) and the PNG itself, which a notebook shows."""
    name: str
    figure: Any
    png: bytes

    def _repr_png_(self) -> bytes:
        return self.png


def blank_figure(**kwargs):
    """A matplotlib Figure that belongs to no window and no pyplot state: drawing and saving it
    never touch the backend a notebook or a desktop session has chosen."""
    from matplotlib.figure import Figure  # noqa: PLC0415 -- matplotlib only where drawn

    return Figure(**kwargs)


def save_figure(fig, path: Path, dpi: int = 110,
                live: machinery.LivePlot | None = None) -> Drawn:
    """Save ``fig`` as a PNG (atomically); in a notebook also show it, in place of ``live``'s
    last frame when there is one."""
    import io  # noqa: PLC0415

    path = Path(path)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    # bytes, not a view of the buffer: a view held by a failed write's traceback keeps the
    # buffer from being freed, and Python 3.13 then prints a BufferError at exit.
    png = buffer.getvalue()
    with machinery.atomic_write(path, "wb") as f:
        f.write(png)
    machinery.show_png(png, live.handle if live else None)
    return Drawn(path.name, fig, png)


def panels_figure(panels: list[dict], title: str | None = None):
    """Side-by-side line charts in one Figure. Each panel: {"title", "xlabel", "ylabel",
    "yscale" (optional), "series": {label: (x, y) or (x, y, fmt)}}."""
    fig = blank_figure(figsize=(5 * len(panels), 3.8))
    axes = fig.subplots(1, len(panels), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        for label, (x, y, *fmt) in panel["series"].items():
            ax.plot(x, y, *(fmt or ["-"]), label=label)
        ax.set(title=panel.get("title", ""), xlabel=panel.get("xlabel", ""),
               ylabel=panel.get("ylabel", ""), yscale=panel.get("yscale", "linear"))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_panels(path: Path, panels: list[dict], title: str | None = None,
                live: machinery.LivePlot | None = None) -> Drawn:
    """panels_figure, saved as a PNG (and shown in a notebook)."""
    return save_figure(panels_figure(panels, title), path, live=live)
