"""Shared helpers for the lab scripts: device, seeding, data, loaders, results, plots, timing.

Deliberately small and light to import (torchvision and matplotlib are imported only when a
function needs them). No models live here: each lab file holds its own, so a lab script plus
this file read on their own.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent
DEFAULT_OUT_DIR = ROOT / "results"
DATA_ENV = "LABS_DATA_DIR"
DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


class LabError(Exception):
    """An expected user mistake (bad flag, missing file, bad input): reported in one line."""


def cli(main) -> None:
    """Run ``main()`` as a command: expected errors become one line on stderr and exit code 2."""
    prog = Path(sys.argv[0]).name
    try:
        main()
    except LabError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(f"\n{prog}: interrupted", file=sys.stderr)
        sys.exit(130)


# --------------------------------------------------------------------------- arguments

def add_common_args(parser: argparse.ArgumentParser, *, epochs: int | None = None,
                    batch_size: int | None = None, lr: float | None = None, seed: int = 0,
                    loader: bool = False) -> argparse.ArgumentParser:
    """Add the flags every lab shares, with the lab's own defaults. ``None`` leaves one out."""
    if epochs is not None:
        parser.add_argument("--epochs", type=positive_int, default=epochs,
                            help="number of training epochs")
    if batch_size is not None:
        parser.add_argument("--batch-size", type=positive_int, default=batch_size,
                            help="training mini-batch size (examples)")
    if lr is not None:
        parser.add_argument("--lr", type=positive_float, default=lr, help="learning rate")
    parser.add_argument("--seed", type=int, default=seed,
                        help="seed for python, numpy and torch (and the batch order)")
    parser.add_argument("--device", default="auto",
                        help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:N or mps")
    parser.add_argument("--deterministic", action="store_true",
                        help="use deterministic algorithms only (slower on GPU; "
                             "errors if an op has no deterministic version)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help=f"dataset folder (default: ${DATA_ENV}, else data/ next to the "
                             f"scripts)")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR,
                        help="where results JSON and figures are written")
    parser.add_argument("--smoke", action="store_true",
                        help="cap every loop to a few batches and one epoch (seconds; for tests)")
    if loader:
        parser.add_argument("--loader", choices=("tensor", "dataloader"), default="tensor",
                            help="input pipeline: 'tensor' keeps the whole split as one "
                                 "normalised tensor on the device; 'dataloader' is the course's "
                                 "torchvision transforms + DataLoader path (same batches)")
        parser.add_argument("--workers", type=int, default=0,
                            help="DataLoader worker processes (only with --loader dataloader)")
    return parser


def positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


# --------------------------------------------------------------------------- device, seeding

def available_devices() -> list[str]:
    found = ["cpu"]
    if torch.cuda.is_available():
        found.append("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        found.append("mps")
    return found


def select_device(name: str = "auto") -> torch.device:
    """``auto`` picks cuda, then mps, then cpu; an explicit device that is missing is an error."""
    found = available_devices()
    if name == "auto":
        for kind in ("cuda", "mps", "cpu"):
            if kind in found:
                return torch.device(kind)
    kind, _, index = name.partition(":")
    if kind not in DEVICE_CHOICES[1:] or (index and not index.isdigit()):
        raise LabError(f"unknown device '{name}': use one of auto, cpu, cuda, cuda:N, mps")
    if kind not in found:
        raise LabError(f"device '{name}' is not available on this machine "
                       f"(available: {', '.join(found)}); use --device auto or one of those")
    if kind == "cuda" and index and int(index) >= torch.cuda.device_count():
        raise LabError(f"device '{name}' does not exist: this machine has "
                       f"{torch.cuda.device_count()} CUDA device(s)")
    return torch.device(name)


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple MPS"
    try:  # Linux: the CPU's model name; platform.processor() is often empty there
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "cpu"


def seed_everything(seed: int, deterministic: bool = False) -> None:
    """Seed python, numpy and torch (all devices); optionally demand deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if deterministic:
        # cuBLAS needs this workspace setting to be deterministic; it must precede the first call.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = False


def sync(device: torch.device) -> None:
    """Wait for queued device work, so that wall-clock timings are honest."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


class Throughput:
    """Examples per second over timed spans (training steps only; evaluation is not timed)."""

    def __init__(self, device: torch.device):
        self.device, self.examples, self.seconds, self._t0 = device, 0, 0.0, None

    def start(self) -> None:
        sync(self.device)
        self._t0 = time.perf_counter()

    def stop(self, examples: int) -> float:
        sync(self.device)
        span = time.perf_counter() - self._t0
        self.seconds += span
        self.examples += examples
        return span

    @property
    def rate(self) -> float:
        return self.examples / self.seconds if self.seconds else float("nan")


# --------------------------------------------------------------------------- data

def resolve_data_dir(arg: Path | str | None = None) -> Path:
    """``--data-dir``, else ``$LABS_DATA_DIR``, else ``data/`` next to the scripts."""
    if arg is not None:
        return Path(arg).expanduser().resolve()
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser().resolve()
    return ROOT / "data"


# name -> (torchvision class name, folder torchvision uses under the data dir)
IMAGE_DATASETS = {"mnist": ("MNIST", "MNIST"), "fashion-mnist": ("FashionMNIST", "FashionMNIST")}


def load_image_dataset(name: str, data_dir: Path, train: bool, transform=None):
    """MNIST or Fashion-MNIST through torchvision (``download=True``: users get the files).

    When the files are missing and cannot be downloaded, raise one clear LabError instead of
    torchvision's traceback.
    """
    from torchvision import datasets  # heavy import, only where needed

    cls_name, folder = IMAGE_DATASETS[name]
    raw = Path(data_dir) / folder / "raw"
    try:
        return getattr(datasets, cls_name)(str(data_dir), train=train, download=True,
                                           transform=transform)
    except (RuntimeError, OSError, ValueError) as err:
        raise LabError(
            f"{cls_name} files not found in {raw} and the download failed "
            f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else 'no detail'}). "
            f"Put the four IDX files (train-images-idx3-ubyte, ...) there, or point --data-dir "
            f"or ${DATA_ENV} at a folder holding {folder}/raw/") from None


def normalise_images(images: torch.Tensor, mean: float | None, std: float | None,
                     pad: int = 0) -> torch.Tensor:
    """uint8 (N, H, W) -> float32 (N, 1, H+2p, W+2p), the exact arithmetic of torchvision's
    Pad -> ToTensor -> Normalize, so both pipelines give bit-identical inputs."""
    x = images
    if pad:
        x = torch.nn.functional.pad(x, (pad, pad, pad, pad))  # zero (black) border, like Pad
    x = x.unsqueeze(1).to(torch.float32).div(255)
    if mean is not None:
        x = x.sub(mean).div(std)
    return x


def standard_transform(mean: float | None, std: float | None, pad: int = 0):
    """The course's torchvision transform pipeline for the same inputs."""
    from torchvision import transforms

    steps = [transforms.Pad(pad)] if pad else []
    steps.append(transforms.ToTensor())
    if mean is not None:
        steps.append(transforms.Normalize((mean,), (std,)))
    return transforms.Compose(steps)


class TensorBatches:
    """The 'tensor' pipeline: the split lives on the device as one tensor, batched by a seeded
    ``randperm`` (the same permutation the 'dataloader' path's EpochPermutation draws from the
    same generator), so there is no per-sample PIL work and no per-batch copy from the host."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, *, shuffle: bool,
                 generator: torch.Generator | None, device: torch.device):
        self.x, self.y = x.to(device), y.to(device)
        self.batch_size, self.shuffle, self.generator = batch_size, shuffle, generator
        self.max_batches: int | None = None

    def __len__(self) -> int:
        n = -(-len(self.y) // self.batch_size)
        return n if self.max_batches is None else min(n, self.max_batches)

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
                 generator: torch.Generator | None, device: torch.device, workers: int = 0):
        from torch.utils.data import DataLoader, SequentialSampler

        sampler = (EpochPermutation(len(dataset), generator) if shuffle
                   else SequentialSampler(dataset))
        # DataLoader draws a worker base seed from its own generator every epoch; a private one
        # keeps that draw off both the batch-order generator and the global RNG (dropout).
        self.loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler,
                                 num_workers=workers, pin_memory=device.type == "cuda",
                                 generator=torch.Generator().manual_seed(0))
        self.device, self.generator, self.batch_size = device, generator, batch_size
        self.max_batches: int | None = None

    def __len__(self) -> int:
        n = len(self.loader)
        return n if self.max_batches is None else min(n, self.max_batches)

    @property
    def num_examples(self) -> int:
        return len(self.loader.dataset)

    def __iter__(self):
        nb = self.device.type == "cuda"
        for i, (x, y) in enumerate(self.loader):
            if i == len(self):
                break
            yield x.to(self.device, non_blocking=nb), y.to(self.device, non_blocking=nb)


def image_loaders(dataset: str, data_dir: Path, *, kind: str, batch_size: int,
                  test_batch_size: int, device: torch.device, seed: int,
                  mean: float | None, std: float | None, pad: int = 0, workers: int = 0,
                  smoke: bool = False):
    """Train and test loaders for MNIST / Fashion-MNIST with one interface for both pipelines.

    The training batch order comes from ``torch.Generator().manual_seed(seed)``: for the same
    seed, ``kind='tensor'`` and ``kind='dataloader'`` yield the same batches, bit for bit.
    """
    generator = torch.Generator().manual_seed(seed)
    splits = ((True, batch_size), (False, test_batch_size))
    # --smoke reads only the examples its 3 capped batches can use.
    limit = {train: 3 * bs if smoke else None for train, bs in splits}
    if kind == "tensor":
        made = []
        for train, bs in splits:
            ds = load_image_dataset(dataset, data_dir, train)
            n = limit[train] or len(ds.targets)
            x = normalise_images(ds.data[:n], mean, std, pad)
            made.append(TensorBatches(x, ds.targets[:n], bs, shuffle=train,
                                      generator=generator if train else None, device=device))
    elif kind == "dataloader":
        from torch.utils.data import Subset

        tf = standard_transform(mean, std, pad)
        made = []
        for train, bs in splits:
            ds = load_image_dataset(dataset, data_dir, train, tf)
            if limit[train]:
                ds = Subset(ds, range(min(limit[train], len(ds))))
            made.append(DeviceLoader(ds, bs, shuffle=train,
                                     generator=generator if train else None, device=device,
                                     workers=workers))
    else:
        raise LabError(f"unknown loader '{kind}': use tensor or dataloader")
    if smoke:
        for loader in made:
            loader.max_batches = 3
    return made[0], made[1]


# --------------------------------------------------------------------------- results, plots

def environment(device: torch.device | None = None) -> dict:
    env = {"python": platform.python_version(), "platform": platform.platform(),
           "torch": torch.__version__, "numpy": np.__version__,
           "cpu_threads": torch.get_num_threads()}
    try:  # read from package metadata: importing torchvision costs ~2 s in labs that need none
        from importlib.metadata import version
        env["torchvision"] = version("torchvision")
    except Exception:  # noqa: BLE001 -- not installed, or installed without metadata
        env["torchvision"] = None
    if device is not None:
        env["device"], env["device_name"] = str(device), device_name(device)
    return env


def _jsonable(value):
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.generic, torch.Tensor)):
        return value.item()
    return value


def save_results(out_dir: Path, name: str, *, config: dict, metrics: dict, history: dict,
                 device: torch.device | None, wall_time: float) -> Path:
    """Write ``<out_dir>/<name>.json``: metrics, per-epoch history, config and environment."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    record = {"name": name, "metrics": metrics, "history": history, "config": config,
              "environment": {**environment(device), "seed": config.get("seed"),
                              "wall_time_s": round(wall_time, 3)}}
    path = out_dir / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(_jsonable(record), indent=2) + "\n")
    tmp.replace(path)
    return path


def load_results(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def plot_panels(path: Path, panels: list[dict], title: str | None = None) -> Path:
    """Draw side-by-side line charts to a PNG (Agg backend: no window, works headless).

    Each panel: {"title", "xlabel", "ylabel", "yscale" (optional),
    "series": {label: (x, y) or (x, y, fmt)}}.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.8), squeeze=False)
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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def progress(iterable, **kwargs):
    """A tqdm bar that stays quiet when stderr is not a terminal (logs, CI, tests)."""
    from tqdm import tqdm
    return tqdm(iterable, leave=False, dynamic_ncols=True,
                disable=not sys.stderr.isatty(), **kwargs)


def config_of(args: argparse.Namespace) -> dict:
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
