"""Shared helpers for the lab scripts, in this order: errors and the command line (also inside a
Jupyter notebook), device and seeding, CPU kernels, torch.compile, data (official files and
their checksums, downloads, checks), the two input pipelines, durable files, results and
figures (inline in a notebook, live curves), divergence, timing and progress.

Light to import: torchvision, matplotlib, IPython and torch.compile are imported only by the
functions that need them. No models live here: each lab file holds its own, so a lab script
plus this file read on their own.

Adding a data augmentation
--------------------------
Both input pipelines yield the same batches, bit for bit, for the same seed (a test checks
it). A *deterministic* transform keeps that property if you add it to both sides:
the torchvision step in ``standard_transform`` and the same arithmetic on the uint8 tensor in
``normalise_images`` (``Pad`` is the example already there). A *random* augmentation (random
crop, flip) cannot stay bit-identical: the DataLoader path draws per sample, inside its
workers, from torch's global generator, while the tensor path would draw once per batch. Add
it to the pipeline you train with (for the tensor path as a batched op that draws from the
loader's ``generator``, so runs stay reproducible) and expect the two pipelines to differ.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import errno
import gzip
import hashlib
import io
import json
import math
import os
import platform
import random
import shutil
import signal
import struct
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent
RUNS_DIR = ROOT / "runs"            # default output folder (git-ignored)
DATA_ENV = "LABS_DATA_DIR"
DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
ON_WINDOWS = os.name == "nt"


# --------------------------------------------------------------------------- errors, running

PROG = Path(sys.argv[0]).name  # the lab's file name in messages; LabParser sets it


class LabError(Exception):
    """An expected problem (bad flag, bad or missing file, ...): reported in one line, with the
    exit code ``code``: 2 for bad input, 3 for a run that diverged, 4 for a file that could not
    be written (README "Exit codes"). In a notebook the cell stops with that same line."""
    code = 2

    def _render_traceback_(self) -> list[str]:  # what IPython shows instead of a traceback
        return [f"{PROG}: error: {self}"]


class HelpShown(LabError):
    """--help in a notebook: the help is printed, and the cell stops there, quietly."""

    def _render_traceback_(self) -> list[str]:
        return []


class Diverged(LabError):
    """The training loss became NaN or infinite. ``where`` goes into the run's results file;
    ``history`` holds the run up to that point, for its figures."""
    code = 3

    def __init__(self, epoch: int, step: int | None, value: float, lr: float | None,
                 what: str = "training"):
        self.where = {"epoch": epoch, "step": step, "loss": str(value)}
        self.history = None
        at = f"epoch {epoch}, step {step}" if step else f"epoch {epoch} (test loss)"
        hint = f"a smaller --lr (now {lr:g}; try {lr / 10:g})" if lr else "a smaller --lr"
        super().__init__(f"{what} diverged: the loss became {value} at {at}; try {hint}")


class WriteFailed(LabError):
    code = 4


class Terminated(KeyboardInterrupt):
    """SIGTERM (a laptop going to sleep, a job scheduler) handled as Ctrl-C is: every write in
    progress is abandoned whole, and the run ends with one line."""


def _terminate(signum, frame):
    raise Terminated


def in_notebook() -> bool:
    """Inside a Jupyter kernel (JupyterLab, VS Code, PyCharm, ...): figures also show inline,
    curves are drawn live, and a bad flag stops the cell with one line, never the kernel."""
    if "ipykernel" not in sys.modules:
        return False
    from IPython import get_ipython  # noqa: PLC0415 -- already imported by the kernel

    return getattr(get_ipython(), "kernel", None) is not None


def kernel_argv() -> bool:
    """Is sys.argv the kernel's own (``ipykernel_launcher -f kernel-XXXX.json``) rather than a
    lab's command line? ``%run lab.py --flags`` sets a real one; a pasted cell does not."""
    return in_notebook() and "ipykernel" in Path(sys.argv[0]).as_posix()


def cli(main, notebook_args: list[str] | None = None):
    """Run ``main()`` as a command: expected errors become one line on stderr and their exit
    code; Ctrl-C and SIGTERM end with one line too (exit 130 and 143). In a notebook the flags
    are ``notebook_args`` (the lab's run cell; a ``%run``'s own flags win), errors stop the cell
    with the same one line, and main's result is returned."""
    if in_notebook():
        try:
            return main(list(notebook_args or []) if kernel_argv() else None)
        except KeyboardInterrupt as err:  # the notebook's stop button: one line, as in a shell
            detail = getattr(err, "detail", "")
            line = f"{PROG}: interrupted{': ' + detail if detail else ''}"
            err._render_traceback_ = lambda: [line]
            raise
    prog = Path(sys.argv[0]).name
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _terminate)
    try:
        return main()
    except LabError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        sys.exit(err.code)
    except KeyboardInterrupt as err:
        what = "terminated (SIGTERM)" if isinstance(err, Terminated) else "interrupted (Ctrl-C)"
        detail = getattr(err, "detail", "")
        print(f"{prog}: {what}{': ' + detail if detail else ''}", file=sys.stderr)
        sys.exit(143 if isinstance(err, Terminated) else 130)
    except BrokenPipeError:  # output piped into `head` or a closed pager: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except RuntimeError as err:  # the one op error a user can cause with a flag
        if "deterministic implementation" not in str(err):
            raise
        print(f"{prog}: error: --deterministic: {str(err).splitlines()[0]}", file=sys.stderr)
        sys.exit(2)


# --------------------------------------------------------------------------- command line

class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Show each default once; say nothing for options without one (instead of 'None')."""

    def _get_help_string(self, action):
        if action.default is None or isinstance(action.default, bool):
            return action.help
        return super()._get_help_string(action)


class LabParser(argparse.ArgumentParser):
    """argparse as every lab uses it: the description is the module docstring's first paragraph,
    defaults appear in --help, and a bad flag is one line on stderr with exit code 2 (in a
    notebook: the same line, and the cell stops). ``prog`` is the lab's file name, which
    sys.argv does not give inside a notebook."""

    def __init__(self, doc: str | None, prog: str, **kwargs):
        global PROG
        PROG = prog
        super().__init__(description=(doc or "").split("\n\n")[0], prog=prog,
                         formatter_class=_HelpFormatter, **kwargs)

    def error(self, message):
        if in_notebook():
            raise LabError(f"{message} (see --help)")
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")

    def exit(self, status=0, message=None):
        if in_notebook() and status == 0:  # after --help: stop the cell, keep the kernel
            raise HelpShown()
        super().exit(status, message)


def positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def nonnegative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite positive number, got {text}")
    return value


def nonnegative_float(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def unit_interval(text: str) -> float:
    """A fraction in [0, 1): dropout, momentum."""
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def seed_int(text: str) -> int:
    value = int(text)
    if not 0 <= value < 2 ** 32:  # numpy's legacy seeding accepts exactly this range
        raise argparse.ArgumentTypeError(f"must be an integer in [0, 2**32), got {text}")
    return value


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
                        help=f"dataset folder (default: ${DATA_ENV}, else data/ next to the "
                             f"scripts)")
    parser.add_argument("--smoke", action="store_true",
                        help="cap every loop to a few batches and one epoch (seconds; for tests)")
    parser.add_argument("--deterministic", action="store_true",
                        help="deterministic kernels only (slower on a GPU); stops at start-up "
                             "if an op this lab needs has none on the device")
    parser.add_argument("--compile", action="store_true",
                        help="run the model through torch.compile: seconds of compiling first, "
                             "then faster steps (needs a C++ compiler on the CPU; when it pays "
                             "off: README 'Speed')")
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
    if argv is None and kernel_argv():
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
                "workers", "part", "export_split", "resume"}


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


def setup(args: argparse.Namespace) -> torch.device:
    """What every lab does first: pick the device, seed everything (with --deterministic where
    the lab has it), and make sure the output folder can be written, before any work."""
    check_versions()
    if args.device == "auto":
        device, why = auto_device(getattr(args, "batch_size", None))
        print(f"--device auto: {device} ({why})")
    else:
        device = select_device(args.device)
    seed_everything(args.seed, getattr(args, "deterministic", False))
    prepare_out_dir(args.out_dir)
    return device


def check_versions() -> None:
    """torch before 2.3 was built against numpy 1 and cannot hand tensors to numpy 2 ("Numpy is
    not available" mid-run): say so at start-up. requirements.txt keeps numpy 1 where pip can
    only find such a torch (Intel Macs)."""
    torch_minor = tuple(int(part) for part in torch.__version__.split("+")[0].split(".")[:2])
    if torch_minor < (2, 3) and int(np.__version__.split(".")[0]) >= 2:
        raise LabError(f"torch {torch.__version__} was built against numpy 1 and cannot use "
                       f"numpy {np.__version__}: pip install \"numpy<2\" (README 'Installing')")


def config_of(args: argparse.Namespace) -> dict:
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}


# --------------------------------------------------------------------------- device, seeding

def available_devices() -> list[str]:
    found = ["cpu"]
    if torch.cuda.is_available():
        found.append("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        found.append("mps")
    return found


# Where a CUDA build of PyTorch comes from when plain pip gives a CPU-only one (Windows), or an
# older CUDA than the driver supports: PyTorch's own index for CUDA 13.0, the CUDA that Linux's
# PyPI wheels of torch 2.14 carry. pytorch.org/get-started lists the other choices.
CUDA_WHEELS = "https://download.pytorch.org/whl/cu130"
# Under --device auto, training steps of at most this many examples stay on the CPU: they are
# bound by the fixed cost of launching each kernel on a GPU, not by arithmetic (README "Devices").
AUTO_CPU_BATCH = 8


def cuda_problem() -> str:
    """Why CUDA cannot run here, told apart the way a student can act on it: a CPU-only build of
    PyTorch, or a CUDA build that finds no usable NVIDIA GPU or driver."""
    if not torch.backends.cuda.is_built():
        if sys.platform == "darwin":
            return ("PyTorch has no CUDA builds for macOS; on Apple silicon use --device mps, "
                    "else --device cpu")
        gpu = (" although this machine has an NVIDIA GPU (nvidia-smi is here)"
               if shutil.which("nvidia-smi") else "")
        plain = "plain `pip install torch` on Windows installs it" if ON_WINDOWS else \
            "installed from a CPU-only index"
        return (f"this PyTorch ({torch.__version__}) is a CPU-only build ({plain}){gpu}; "
                f"install a CUDA build: pip install --force-reinstall torch torchvision "
                f"--index-url {CUDA_WHEELS} (README 'GPU')")
    try:
        torch.cuda.init()  # raises the driver's own reason when there is no usable GPU
        reason = "no CUDA device is visible"
    except Exception as err:  # noqa: BLE001 -- whatever the driver said, we pass it on
        reason = str(err).strip().splitlines()[0].rstrip(".") if str(err).strip() else \
            type(err).__name__
    hidden = os.environ.get("CUDA_VISIBLE_DEVICES")
    hint = (f"; CUDA_VISIBLE_DEVICES={hidden!r} hides the GPUs" if hidden is not None else
            f"; `nvidia-smi` must list the GPU and a driver for CUDA {torch.version.cuda} or "
            f"newer")
    return (f"this PyTorch is built for CUDA {torch.version.cuda} but cannot use a GPU: "
            f"{reason}{hint}")


def mps_problem() -> str:
    if sys.platform != "darwin":
        return "MPS is the GPU of Apple Macs and exists on macOS only"
    if not torch.backends.mps.is_built():
        return f"this PyTorch ({torch.__version__}) was built without MPS"
    return "MPS needs macOS 12.3 or newer on a Mac with Apple silicon or an AMD GPU"


def auto_device(batch_size: int | None = None) -> tuple[torch.device, str]:
    """``--device auto``: CUDA, then MPS, then the CPU, except that steps of at most
    AUTO_CPU_BATCH examples stay on the CPU. Returns the device and why it was chosen."""
    found = available_devices()
    accelerator = next((kind for kind in ("cuda", "mps") if kind in found), None)
    if accelerator is None:
        hint = ""
        if not torch.backends.cuda.is_built() and shutil.which("nvidia-smi"):
            hint = ("; this machine has an NVIDIA GPU, but this PyTorch is a CPU-only build "
                    "(README 'GPU')")
        return torch.device("cpu"), f"no CUDA or MPS device{hint}"
    if batch_size is not None and batch_size <= AUTO_CPU_BATCH:
        return torch.device("cpu"), (
            f"{accelerator} is here, but steps of {batch_size} examples are bound by the cost "
            f"of launching each kernel, where the CPU is faster (README 'Devices'); "
            f"--device {accelerator} uses it anyway")
    return torch.device(accelerator), "the first of cuda, mps found here"


def select_device(name: str = "auto", batch_size: int | None = None) -> torch.device:
    """``auto`` as ``auto_device``; an explicit device that is missing is an error that says
    why it is missing."""
    if name == "auto":
        return auto_device(batch_size)[0]
    kind, _, index = name.partition(":")
    if kind not in DEVICE_CHOICES[1:] or (index and not index.isdigit()):
        raise LabError(f"unknown device '{name}': use one of auto, cpu, cuda, cuda:N, mps")
    found = available_devices()
    if kind not in found:
        why = {"cuda": cuda_problem, "mps": mps_problem}[kind]()
        raise LabError(f"device '{name}' is not available on this machine "
                       f"(available: {', '.join(found)}): {why}")
    if kind == "cuda" and index and int(index) >= torch.cuda.device_count():
        raise LabError(f"device '{name}' does not exist: this machine has "
                       f"{torch.cuda.device_count()} CUDA device(s), cuda:0 to "
                       f"cuda:{torch.cuda.device_count() - 1}")
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


# Dtype rules across devices. Apple's MPS has no float64, so a float64 tensor may only ever
# exist on the CPU: going to the host, move first and convert there; coming from the host,
# convert there first and move after. These two helpers are the only crossings the labs use.

def to_host_float64(t: torch.Tensor) -> np.ndarray:
    """A device tensor as a float64 numpy array (``.cpu()`` before ``.double()``)."""
    return t.detach().cpu().double().numpy()


def to_device_float32(array: np.ndarray, device: torch.device) -> torch.Tensor:
    """A (float64) numpy array as float32 on ``device``, converted on the host."""
    return torch.from_numpy(np.asarray(array, dtype=np.float32)).to(device)


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


def check_deterministic(model, batches, loss_fn) -> None:
    """With --deterministic, run one forward and backward pass on a throwaway copy of the model
    before training: an op with no deterministic kernel on this device (max-pool's backward on
    CUDA, for one) then stops the run at start-up with one line, not mid-run with a traceback.
    `batches` is any iterable of (x, y), a test loader say; its first batch is fetched only when
    the check runs. The random streams are restored afterwards, so the real run draws exactly
    what it would."""
    if not torch.are_deterministic_algorithms_enabled():
        return
    x, y = next(iter(batches))
    probe = copy.deepcopy(model)
    devices = [x.device] if x.device.type in ("cuda", "mps") else []
    with torch.random.fork_rng(devices=devices, device_type=x.device.type):
        try:
            loss_fn(probe(x), y).backward()
        except RuntimeError as err:
            if "deterministic" not in str(err):
                raise
            raise LabError(f"--deterministic on {x.device.type}: {str(err).splitlines()[0]} "
                           f"Run without --deterministic, or with --device cpu.") from None


def sync(device: torch.device) -> None:
    """Wait for queued device work, so that wall-clock timings are honest."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


# --------------------------------------------------------------------------- CPU kernels

# Convolution kernels on the CPU, chosen by batch size. Measured with tools/benchmark.py on a
# 2-core AMD EPYC (numbers in README, "Speed"); the direction matches the AVX-512 Intel numbers
# of issue 13:
# - up to SMALL_BATCH images per step, PyTorch's native convolution: oneDNN's fixed cost per
#   call dominates at 4 images, and one thread: a 4-image step has little to split, and a single
#   thread keeps the result independent of the machine's number of cores;
# - above it, oneDNN with the model in channels-last layout, faster per step than oneDNN in
#   the default layout for all three CNNs at batch 64 and 256.
SMALL_BATCH = 8


@dataclass(frozen=True)
class ConvPlan:
    onednn: bool            # oneDNN (mkldnn) convolution kernels, else PyTorch's native ones
    channels_last: bool     # the model's 4-D weights in channels-last layout
    threads: int | None     # intra-op threads while training (None: leave as is)

    @contextlib.contextmanager
    def kernels(self):
        """Train (or evaluate) under this plan's kernel choice; restores the previous one."""
        onednn, threads = torch.backends.mkldnn.enabled, torch.get_num_threads()
        torch.backends.mkldnn.enabled = self.onednn
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            yield
        finally:
            torch.backends.mkldnn.enabled = onednn
            torch.set_num_threads(threads)

    def prepare(self, model: torch.nn.Module) -> torch.nn.Module:
        return model.to(memory_format=torch.channels_last) if self.channels_last else model


def conv_plan(device: torch.device, batch_size: int) -> ConvPlan:
    """The kernel choice for a CNN step of ``batch_size`` images (see the comment above). On a
    GPU or MPS nothing changes: cuDNN and Metal pick their own kernels."""
    if device.type != "cpu":
        return ConvPlan(onednn=torch.backends.mkldnn.enabled, channels_last=False, threads=None)
    if batch_size <= SMALL_BATCH:
        return ConvPlan(onednn=False, channels_last=False, threads=1)
    return ConvPlan(onednn=True, channels_last=True, threads=None)


# --------------------------------------------------------------------------- torch.compile

def compile_problem(device: torch.device) -> str | None:
    """Why torch.compile cannot work here, or None: checked before any training starts."""
    import torch._dynamo  # noqa: PLC0415 -- costs ~1 s, only with --compile

    if not torch._dynamo.is_dynamo_supported():
        return f"this Python ({platform.python_version()}) and torch build do not support it"
    if device.type == "cpu":
        names = [os.environ.get("CXX"), "g++", "clang++", "c++", "cl"]
        if not any(shutil.which(n) for n in names if n):
            return ("no C++ compiler found (it needs g++ or clang++; on Windows the Visual "
                    "Studio Build Tools; on macOS the Xcode command line tools)")
    if device.type == "cuda":
        try:
            import triton  # noqa: F401, PLC0415
        except ImportError:
            return "Triton is not installed (it comes with the Linux CUDA wheels of torch)"
    return None


class CompiledModel:
    """--compile: ``torch.compile(model)`` for full batches. The one partial batch at the end
    of an epoch runs eagerly: a second graph for its shape would cost more compile time than it
    saves. Compilation happens at the first call; a failure there becomes one clear line."""

    def __init__(self, model: torch.nn.Module, batch_size: int, device: torch.device):
        problem = compile_problem(device)
        if problem:
            raise LabError(f"--compile: {problem}; run without --compile")
        self.eager, self.batch_size = model, batch_size
        self.compiled = torch.compile(model)
        self.ready = False

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if len(x) != self.batch_size:
            return self.eager(x)
        if self.ready:
            return self.compiled(x)
        start = time.perf_counter()
        try:
            out = self.compiled(x)
        except Exception as err:  # noqa: BLE001 -- any compiler failure means the same
            first = str(err).strip().splitlines()[0] if str(err).strip() else ""
            raise LabError(f"--compile: torch.compile failed ({type(err).__name__}: "
                           f"{first[:200]}); run without --compile") from None
        self.ready = True
        print(f"compiled the model for batch {self.batch_size} "
              f"({time.perf_counter() - start:.1f} s)", flush=True)
        return out


def maybe_compile(model, enabled: bool, batch_size: int, device: torch.device):
    """The callable to train with: the model itself, or its compiled form with --compile."""
    return CompiledModel(model, batch_size, device) if enabled else model


# --------------------------------------------------------------------------- data

def resolve_data_dir(arg: Path | str | None = None) -> Path:
    """``--data-dir``, else ``$LABS_DATA_DIR``, else ``data/`` next to the scripts."""
    if arg is not None:
        path, source = Path(arg).expanduser().resolve(), "--data-dir"
    elif os.environ.get(DATA_ENV):
        path, source = Path(os.environ[DATA_ENV]).expanduser().resolve(), f"${DATA_ENV}"
    else:
        return ROOT / "data"
    if path.exists() and not path.is_dir():
        raise LabError(f"{source} {path} is a file; it must be a folder (holding MNIST/, "
                       f"FashionMNIST/ or wine/)")
    return path


@dataclass(frozen=True)
class ImageData:
    """What describes an image dataset as a lab feeds it: which one, how it is normalised,
    how much zero border it gets. Both pipelines and the benchmark take this one value."""
    name: str                   # "mnist" or "fashion-mnist"
    mean: float | None = None   # Normalize((mean,), (std,)) after ToTensor; None: ToTensor only
    std: float | None = None
    pad: int = 0                # Pad(pad): zero border, e.g. 2 makes 28x28 digits 32x32


IMAGE_DATASETS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}  # folder under the data dir
IDX_FILES = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
IMAGE_SIZE, CLASSES = (28, 28), 10  # what every image lab's model expects

# The official files, by their place under the data dir: the sha256 of the uncompressed
# contents and their size (of the copies this repository is tested with; each decompresses
# byte for byte from the .gz its site serves), and the md5 of that .gz as published (the one
# torchvision checks). README "Data" lists them for students who fetch files by hand.
OFFICIAL = {
    "MNIST/raw/train-images-idx3-ubyte": (
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 47040016,
        "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    "MNIST/raw/train-labels-idx1-ubyte": (
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 60008,
        "d53e105ee54ea40749a09fcbcd1e9432"),
    "MNIST/raw/t10k-images-idx3-ubyte": (
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 7840016,
        "9fb629c4189551a2d022fa330f9573f3"),
    "MNIST/raw/t10k-labels-idx1-ubyte": (
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 10008,
        "ec29112dd5afa0611ce80d1b7f02629c"),
    "FashionMNIST/raw/train-images-idx3-ubyte": (
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", 47040016,
        "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    "FashionMNIST/raw/train-labels-idx1-ubyte": (
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", 60008,
        "25c81989df183df01b3e8a0aad5dffbe"),
    "FashionMNIST/raw/t10k-images-idx3-ubyte": (
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", 7840016,
        "bef4ecab320f06d8554ea6380940ec79"),
    "FashionMNIST/raw/t10k-labels-idx1-ubyte": (
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", 10008,
        "bb300cfdad3c16e7a12a480ee83cd310"),
    "wine/winequality-red.csv": (
        "4a402cf041b025d4566d954c3b9ba8635a3a8a01e039005d97d6a710278cf05e", 84199, None),
}
DOWNLOADS = {  # folder -> mirrors, tried in order (the IDX files are served gzipped)
    "MNIST": ("https://ossci-datasets.s3.amazonaws.com/mnist/",
              "http://yann.lecun.com/exdb/mnist/"),
    "FashionMNIST": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    "wine": ("https://archive.ics.uci.edu/ml/machine-learning-databases/wine-quality/",),
}
FETCH_BY_HAND = "README 'Data' lists each file, where it comes from and its checksum"


def cache_dir() -> Path:
    """Where verdicts on data files are remembered: $LABS_CACHE_DIR, else the user's cache."""
    if os.environ.get("LABS_CACHE_DIR"):
        return Path(os.environ["LABS_CACHE_DIR"])
    base = os.environ.get("LOCALAPPDATA") if ON_WINDOWS else os.environ.get("XDG_CACHE_HOME")
    return Path(base or Path.home() / ".cache") / "pytorch-course-labs"


def _verdicts() -> dict:
    try:
        return json.loads((cache_dir() / "checked-files.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _file_key(path: Path) -> str:
    """A file's key in the verdict cache: a changed, replaced or touched file is hashed again."""
    stat = Path(path).stat()
    return f"{Path(path).resolve()}|{stat.st_size}|{stat.st_mtime_ns}"


def _remember(key: str, verdict: dict) -> None:
    """Best effort: a cache that cannot be written only means hashing again next time."""
    try:
        cache_dir().mkdir(parents=True, exist_ok=True)
        known = {**_verdicts(), key: verdict}
        with atomic_write(cache_dir() / "checked-files.json") as f:
            f.write(json.dumps(known, indent=1) + "\n")
    except (OSError, LabError):
        pass


def read_data_file(path: Path) -> bytes:
    """A data file's contents, decompressed when it is a ``.gz`` (as the sites serve them)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        raise LabError(f"{path}: cannot read it ({err.strerror})") from None
    if Path(path).suffix != ".gz":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise LabError(f"{path} is not a whole gzip file ({str(err).rstrip('.')}; a download "
                       f"cut short?): delete it and run again to download it, or fetch it "
                       f"again ({FETCH_BY_HAND})") from None


def check_official(path: Path, rel: str, content: bytes) -> None:
    """Is ``path`` (the file for ``rel``, e.g. 'MNIST/raw/t10k-labels-idx1-ubyte') the official
    one? Its contents are hashed the first time only: the verdict is remembered by path, size
    and modification time. A file of the official size with other contents is damaged, and an
    official file in another file's place is misplaced: both stop the run. Any other file is
    the student's own data: a note says so."""
    key = _file_key(path)
    seen = _verdicts().get(key)
    if seen is None:
        seen = {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
        _remember(key, seen)
    sha, size, _ = OFFICIAL[rel]
    if seen["sha256"] == sha:
        return
    other = next((r for r, (s, *_) in OFFICIAL.items() if s == seen["sha256"]), None)
    if other:
        raise LabError(f"{path} is the official {other}, not {rel}: put each file in its own "
                       f"place ({FETCH_BY_HAND})")
    if seen["size"] == size:
        raise LabError(f"{path} has the size of the official {rel} but other contents (sha256 "
                       f"{seen['sha256'][:12]}..., official {sha[:12]}...): it is damaged; "
                       f"delete it and run again to download it, or fetch it again "
                       f"({FETCH_BY_HAND})")
    print(f"note: {path} is not the official file; using it as your own data (numbers will "
          f"differ from the write-ups)", flush=True)


def served_name(rel: str) -> str:
    """The name the sites serve the official file ``rel`` under: the IDX files gzipped
    (``name.gz``, kept so when downloaded), the wine CSV as it is."""
    return Path(rel).name + (".gz" if OFFICIAL[rel][2] else "")


def download_urls(rel: str) -> list[str]:
    """Where the official file ``rel`` can be downloaded, mirrors in order."""
    return [mirror + served_name(rel) for mirror in DOWNLOADS[rel.split("/")[0]]]


def fetch_official(data_dir: Path, rel: str) -> Path:
    """Download an official file into its place. It is checked before it is kept and written
    atomically, so a download cut short or altered on the way is never used."""
    sha, _, gz_md5 = OFFICIAL[rel]
    dest = Path(data_dir) / Path(rel).parent / served_name(rel)
    import urllib.request  # noqa: PLC0415 -- only when downloading

    tried = []
    for url in download_urls(rel):
        print(f"downloading {url} -> {dest}", flush=True)
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                data = response.read()
            content = gzip.decompress(data) if gz_md5 else data
        except (OSError, EOFError, zlib.error, ValueError) as err:
            tried.append(f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
            continue
        if hashlib.sha256(content).hexdigest() != sha:
            tried.append(f"{url} sent other contents than the official file")
            continue
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise LabError(f"cannot create {dest.parent} ({err.strerror}): point --data-dir or "
                           f"${DATA_ENV} at a folder you can write") from None
        with atomic_write(dest, "wb") as f:
            f.write(data)
        _remember(_file_key(dest), {"sha256": sha, "size": len(content)})
        return dest
    raise LabError(f"{dest.with_name(Path(rel).name)} is missing and the download failed "
                   f"({tried[-1]}): put the file there yourself ({FETCH_BY_HAND}), or point "
                   f"--data-dir or ${DATA_ENV} at a folder that has {rel}")


def data_file(data_dir: Path, rel: str) -> tuple[Path, bytes]:
    """The file for ``rel`` under the data dir, uncompressed or ``.gz`` (downloaded when neither
    is there), and its contents."""
    path = Path(data_dir) / rel
    if not path.is_file():
        gz = path.with_name(path.name + ".gz")
        path = gz if gz.is_file() else fetch_official(data_dir, rel)
    return path, read_data_file(path)


def read_idx(path: Path, data: bytes | None = None) -> torch.Tensor:
    """An IDX file of unsigned bytes (the MNIST format): 0, 0, type 0x08, the number of
    dimensions, each size as a big-endian 32-bit integer, then the bytes. ``data``: the
    file's contents when already read (decompressed)."""
    data = Path(path).read_bytes() if data is None else data
    if len(data) < 4 or data[:2] != b"\x00\x00":
        raise LabError(f"{path} is not an IDX file (it does not start with the IDX header)")
    if data[2] != 0x08:
        raise LabError(f"{path} is an IDX file of type 0x{data[2]:02x}; the labs read unsigned "
                       f"bytes (0x08), as MNIST's files are")
    ndim = data[3]
    if len(data) < 4 + 4 * ndim:
        raise LabError(f"{path} is truncated inside its header: delete it and fetch it again")
    dims = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    body = data[4 + 4 * ndim:]
    if len(body) != math.prod(dims):
        raise LabError(f"{path} is truncated or padded: {len(body)} bytes of data where its "
                       f"header says {'x'.join(map(str, dims))} = {math.prod(dims)}; delete it "
                       f"and fetch it again ({FETCH_BY_HAND})")
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(dims)


def check_image_split(image_path: Path, images: torch.Tensor, label_path: Path,
                      labels: torch.Tensor) -> None:
    """What the labs need of a split, whoever made the files: 28x28 images, one label per image,
    every label one of the 10 classes. One line naming the file and the problem otherwise."""
    if images.dim() != 3 or tuple(images.shape[1:]) != IMAGE_SIZE:
        found = "x".join(map(str, images.shape[1:])) if images.dim() == 3 else \
            f"an array of shape {tuple(images.shape)}"
        raise LabError(f"{image_path}: the images are {found}; the labs' models expect "
                       f"{IMAGE_SIZE[0]}x{IMAGE_SIZE[1]} images (N x 28 x 28, as MNIST's)")
    if labels.dim() != 1:
        raise LabError(f"{label_path}: labels must be one number per image, found an array of "
                       f"shape {tuple(labels.shape)}")
    if len(images) != len(labels):
        raise LabError(f"{image_path} holds {len(images)} images but {label_path} holds "
                       f"{len(labels)} labels: they must pair up one to one")
    if len(labels) == 0:
        raise LabError(f"{label_path} holds no examples")
    bad = (labels >= CLASSES).nonzero()
    if len(bad):
        i = int(bad[0])
        raise LabError(f"{label_path}: label {int(labels[i])} (example {i}) is not one of the "
                       f"{CLASSES} classes 0-{CLASSES - 1}")


def load_image_arrays(name: str, data_dir: Path, train: bool) -> tuple[torch.Tensor,
                                                                       torch.Tensor]:
    """A split as uint8 images (N, 28, 28) and int64 labels, checked; the same tensors
    torchvision's MNIST dataset holds in .data and .targets. Both input pipelines read this."""
    rels = [f"{IMAGE_DATASETS[name]}/raw/{file}" for file in IDX_FILES[train]]
    files = [data_file(data_dir, rel) for rel in rels]
    (image_path, images), (label_path, labels) = ((path, read_idx(path, content))
                                                  for path, content in files)
    check_image_split(image_path, images, label_path, labels)
    for rel, (path, content) in zip(rels, files):
        check_official(path, rel, content)
    return images, labels.long()


# --------------------------------------------------------------------------- input pipelines

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
        self.x, self.y = x.to(device), y.to(device)
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
    generator = torch.Generator().manual_seed(seed)
    made = []
    for train, bs in ((True, batch_size), (False, test_batch_size)):
        limit = None if max_batches is None else max_batches * bs
        shared = dict(shuffle=train, generator=generator if train else None, device=device,
                      max_batches=max_batches)
        if kind not in ("tensor", "dataloader"):
            raise LabError(f"unknown loader '{kind}': use tensor or dataloader")
        images, labels = load_image_arrays(data.name, data_dir, train)
        n = limit or len(labels)
        if kind == "tensor":
            made.append(TensorBatches(normalise_images(images[:n], data), labels[:n], bs,
                                      **shared))
        else:
            made.append(DeviceLoader(IdxImages(images[:n], labels[:n], standard_transform(data)),
                                     bs, workers=workers, **shared))
    return made[0], made[1]


# --------------------------------------------------------------------------- durable files

def prepare_out_dir(path: Path) -> Path:
    """Create the output folder now, so that a folder that cannot exist (a file in the way, no
    permission) stops the run at start-up, before any training."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except (FileExistsError, NotADirectoryError):
        raise LabError(f"--out-dir {path}: a file is in the way (it must be a folder)") from None
    except PermissionError:
        raise LabError(f"--out-dir {path}: no permission to write there") from None
    except OSError as err:
        raise LabError(f"--out-dir {path}: cannot write there ({err.strerror})") from None
    return path


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries, so a rename inside it survives a power cut (as databases do).
    Windows cannot open a folder for this; NTFS journals the rename itself."""
    if ON_WINDOWS:
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace(tmp: str, path: Path) -> None:
    """os.replace, patient on Windows: there a rename over a file that another program holds
    open (an indexer, a virus scanner, an editor) is refused for as long as it is open."""
    for wait in (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, None):
        try:
            os.replace(tmp, path)
            return
        except PermissionError:
            if not ON_WINDOWS or wait is None:
                raise
            time.sleep(wait)


FULL = "free some space, or pass --out-dir on another disk, and run again"
NOT_HERE = "pass an --out-dir you can write to"
WHY_NOT_WRITTEN = {  # errno -> (what happened, what to do)
    errno.ENOSPC: ("the disk is full", FULL),
    getattr(errno, "EDQUOT", -1): ("the disk quota is used up", FULL),
    errno.EROFS: ("the disk is read-only", NOT_HERE),
    errno.EACCES: ("no permission to write there", NOT_HERE),
    errno.EPERM: ("no permission to write there", NOT_HERE),
    errno.ENOENT: ("its folder was removed during the run", "run again (the folder is made at "
                   "start-up)"),
}


def write_failed(path: Path, err: OSError) -> WriteFailed:
    """One line for a write that failed: the file, the cause, and what to do."""
    why, todo = WHY_NOT_WRITTEN.get(err.errno, (err.strerror or type(err).__name__,
                                                "check the disk, or pass another --out-dir"))
    return WriteFailed(f"cannot write {path}: {why} ({err.strerror or err}); nothing "
                       f"half-written was left; {todo}")


@contextlib.contextmanager
def atomic_write(path: Path, mode: str = "w", *, durable: bool = False):
    """Write ``path`` all at once: the block writes to a unique temporary file in the same
    folder, which is flushed to disk and renamed over ``path`` only when the block succeeds.

    Readers see the old file or the new one, never half of one; a crash, Ctrl-C or a full disk
    leaves the old file and no temporary (a failed write raises WriteFailed, one line); two
    runs writing the same name each rename a whole file (the last one wins). ``durable`` also
    flushes the folder, so the rename itself survives a power cut. The folder must exist: one
    removed during a run is reported, not silently made again. Text is UTF-8 with '\\n' line
    ends on every OS."""
    path = Path(path)
    # The temporary's name is chosen before it exists, so that whatever stops the write
    # (Ctrl-C included, even while the file is being created) can remove it.
    tmp = path.parent / f".{path.name}.{os.urandom(6).hex()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o600)
        text = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, mode, **text) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # made owner-only, like mkstemp's
        _replace(tmp, path)
        if durable:
            fsync_dir(path.parent)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise write_failed(path, err) from None
        raise


# --------------------------------------------------------------------------- results, figures

def environment(device: torch.device | None = None) -> dict:
    env = {"python": platform.python_version(), "platform": platform.platform(),
           "torch": torch.__version__, "numpy": np.__version__,
           "cpu_threads": torch.get_num_threads()}
    try:  # read from package metadata: importing torchvision costs ~2 s in labs that need none
        from importlib.metadata import version  # noqa: PLC0415
        env["torchvision"] = version("torchvision")
    except Exception:  # noqa: BLE001 -- not installed, or installed without metadata
        env["torchvision"] = None
    if device is not None:
        env["device"], env["device_name"] = str(device), device_name(device)
    return env


def jsonable(value):
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, torch.Tensor):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN or infinity; a diverged run records where, instead
    return value


def save_results(out_dir: Path, name: str, *, config: dict, metrics: dict, history: dict,
                 device: torch.device | None, wall_time: float,
                 figures: list[Drawn | str] = ()) -> Path:
    """Write ``<out_dir>/<name>.json``: metrics, per-epoch history, config, environment and the
    figures drawn from them."""
    record = {"name": name, "metrics": metrics, "history": history, "config": config,
              "figures": [getattr(f, "name", f) for f in figures],
              "environment": {**environment(device), "seed": config.get("seed"),
                              "wall_time_s": round(wall_time, 3)}}
    path = Path(out_dir) / f"{name}.json"
    with atomic_write(path) as f:
        f.write(json.dumps(jsonable(record), indent=2) + "\n")
    return path


class Drawn(NamedTuple):
    """A figure a lab drew: its PNG's file name (what results files list), the matplotlib
    Figure (to restyle or save again) and the PNG itself, which a notebook shows."""
    name: str
    figure: Any
    png: bytes

    def _repr_png_(self) -> bytes:
        return self.png


def new_figure(**kwargs):
    """A matplotlib Figure that belongs to no window and no pyplot state: drawing and saving it
    never touch the backend a notebook or a desktop session has chosen."""
    from matplotlib.figure import Figure  # noqa: PLC0415 -- matplotlib only where drawn

    return Figure(**kwargs)


def show_png(png: bytes, handle=None):
    """In a notebook: show ``png`` inline, in place of ``handle``'s image when given; returns
    the display handle (None outside a notebook)."""
    if not in_notebook():
        return None
    from IPython.display import Image, display  # noqa: PLC0415

    image = Image(data=png, format="png")
    if handle is None:
        return display(image, display_id=True)
    handle.update(image)
    return handle


def save_figure(fig, path: Path, dpi: int = 110, live: LivePlot | None = None) -> Drawn:
    """Save ``fig`` as a PNG (atomically); in a notebook also show it, in place of ``live``'s
    last frame when there is one."""
    path = Path(path)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    with atomic_write(path, "wb") as f:
        f.write(buffer.getbuffer())
    show_png(buffer.getvalue(), live.handle if live else None)
    return Drawn(path.name, fig, buffer.getvalue())


def panels_figure(panels: list[dict], title: str | None = None):
    """Side-by-side line charts in one Figure. Each panel: {"title", "xlabel", "ylabel",
    "yscale" (optional), "series": {label: (x, y) or (x, y, fmt)}}."""
    fig = new_figure(figsize=(5 * len(panels), 3.8))
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
                live: LivePlot | None = None) -> Drawn:
    """panels_figure, saved as a PNG (and shown in a notebook)."""
    return save_figure(panels_figure(panels, title), path, live=live)


class LivePlot:
    """Training curves redrawn in place in a notebook while a lab trains, as d2l's Animator
    draws them: ``update(history)`` with the lab's own ``figure(history)``. Outside a notebook
    it does nothing. A frame is drawn only when it costs at most 1% of the time since the last
    one (or since training started), so redrawing stays near 1% of an epoch; the lab's final
    figure replaces the last frame (``save_figure(..., live=...)``)."""

    BUDGET = 0.01  # the share of the time that redrawing may take

    def __init__(self, figure):
        self.figure, self.active = figure, in_notebook()
        self.handle, self.cost, self.last, self.spent, self.frames = None, 0.0, 0.0, 0.0, 0
        if self.active:
            # Before training: matplotlib's import and fonts (~1 s), then a typical frame's cost.
            for _ in range(2):
                start = time.perf_counter()
                panels_figure([{"title": "t", "xlabel": "x", "series": {"y": ([0, 1], [0, 1])}}]
                              ).savefig(io.BytesIO(), format="png", dpi=80)
                self.cost = time.perf_counter() - start
            self.last = time.perf_counter()

    def due(self) -> bool:
        """Would a frame be drawn now? (Lets a lab skip gathering what it would draw.)"""
        return self.active and (time.perf_counter() - self.last) * self.BUDGET >= self.cost

    def update(self, history: dict) -> None:
        if not self.due():
            return
        start = time.perf_counter()
        buffer = io.BytesIO()
        self.figure(history).savefig(buffer, format="png", dpi=80)
        self.handle = show_png(buffer.getvalue(), self.handle)
        self.last = time.perf_counter()
        self.cost = self.last - start
        self.spent, self.frames = self.spent + self.cost, self.frames + 1


# --------------------------------------------------------------------------- divergence

def with_note(err: BaseException, note: str) -> BaseException:
    """``err`` with ``note`` added to the one line the run ends with: a LabError's message, or
    the detail common.cli prints after "interrupted" for Ctrl-C and SIGTERM."""
    if isinstance(err, LabError):
        err.args = (f"{err}; {note}",)
    else:
        err.detail = f"{err.detail}; {note}" if getattr(err, "detail", "") else note
    return err


def stopped_record(err: BaseException, epochs_done: int) -> dict:
    """What a results file records of a run that stopped early: where its loss diverged, or the
    epoch that Ctrl-C or SIGTERM interrupted."""
    if isinstance(err, Diverged):
        return {"diverged": err.where}
    return {"interrupted": {"epoch": epochs_done + 1}}


class LossGuard:
    """Stops a run whose loss stopped being a number, without a per-step sync: the loop keeps
    its per-step losses on the device anyway, and every ``every`` steps (and at the end of the
    epoch) one check looks at the new ones, on the device; only its answer crosses to the host.
    Diverged names the first bad step, or the test loss (``check_test``); ``what`` names the
    run in the message."""

    def __init__(self, epoch: int, lr: float | None, every: int = 500, what: str = "training"):
        self.epoch, self.lr, self.every, self.what, self.checked = epoch, lr, every, what, 0

    def check(self, losses: list[torch.Tensor], final: bool = False) -> None:
        pending = len(losses) - self.checked  # called every step: O(1) until a check is due
        if not pending or (not final and pending < self.every):
            return
        bad = ~torch.isfinite(torch.stack(losses[self.checked:]))
        if bool(bad.any()):
            step = self.checked + int(bad.nonzero()[0])
            raise Diverged(self.epoch, step + 1, losses[step].item(), self.lr, self.what)
        self.checked = len(losses)

    def check_test(self, test_loss: float) -> None:
        if not math.isfinite(test_loss):
            raise Diverged(self.epoch, None, test_loss, self.lr, self.what)


# --------------------------------------------------------------------------- timing, progress

class Throughput:
    """Examples per second over timed spans (training passes only; evaluation is not timed)."""

    def __init__(self, device: torch.device):
        self.device, self.examples, self.seconds, self._t0 = device, 0, 0.0, None

    def start(self) -> None:
        sync(self.device)
        self._t0 = time.perf_counter()

    def stop(self, examples: int) -> float:
        """End the span; returns its examples/sec (and adds it to the running total)."""
        sync(self.device)
        span = time.perf_counter() - self._t0
        self.seconds += span
        self.examples += examples
        return examples / span if span else float("nan")

    @property
    def rate(self) -> float:
        return self.examples / self.seconds if self.seconds else float("nan")


def progress(iterable, **kwargs):
    """A tqdm bar on a terminal, and in a notebook (its widget where ipywidgets is installed, a
    text bar otherwise); elsewhere (logs, CI, tests) or with LABS_PROGRESS=0 the iterable
    itself, untouched."""
    if os.environ.get("LABS_PROGRESS") == "0":
        return iterable
    if in_notebook():
        try:
            import ipywidgets  # noqa: F401, PLC0415
            from tqdm.notebook import tqdm  # noqa: PLC0415
        except ImportError:
            from tqdm import tqdm  # noqa: PLC0415
        return tqdm(iterable, leave=False, **kwargs)
    if not sys.stderr.isatty():
        return iterable
    from tqdm import tqdm  # noqa: PLC0415
    return tqdm(iterable, leave=False, dynamic_ncols=True, **kwargs)
