"""The machinery behind the labs, which a student need not read: errors, exit codes and signals;
notebook plumbing; divergence checks; start-up diagnostics; CPU kernel plans; the official data
files, their checksums and downloads; durable writes.

The labs and common.py call into this file, never the other way round (lab -> common ->
machinery), and a call site always says ``machinery.`` so a reader can tell the two apart. It
imports torch and numpy only inside the functions that use them, so that tools which only
format tables, and the environment check (``python doctor.py``), run even where torch cannot be
imported.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import errno
import gzip
import hashlib
import json
import math
import os
import platform
import shutil
import signal
import struct
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

DATA_ENV = "LABS_DATA_DIR"
ON_WINDOWS = os.name == "nt"
PROG = Path(sys.argv[0]).name  # the lab's file name in messages; common.LabParser sets it


# --------------------------------------------------------------------------- errors, exits

class LabError(Exception):
    """An expected problem (bad flag, bad or missing file, ...): reported in one line, with the
    exit code ``code``: 2 for bad input, 3 for a run that diverged, 4 for a file that could not
    be written (docs/safety.md). In a notebook the cell stops with that same line."""
    code = 2

    def _render_traceback_(self) -> list[str]:  # what IPython shows instead of a traceback
        return [f"{PROG}: error: {self}"]


class HelpShown(LabError):
    """--help in a notebook: the help is printed, and the cell stops there, quietly."""

    def _render_traceback_(self) -> list[str]:
        return []


class Diverged(LabError):
    code = 3


class WriteFailed(LabError):
    code = 4


class NotWhole(LabError):
    """A data file that is not whole (a .gz cut short, or not gzip at all): fetching it again
    mends it (fetch_all does)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (a laptop going to sleep, a job scheduler) handled as Ctrl-C is: every write in
    progress is abandoned whole, and the run ends with one line."""


def _terminate(signum, frame):
    raise Terminated


def with_note(err: BaseException, note: str) -> BaseException:
    """``err`` with ``note`` added to the one line the run ends with: a LabError's message, or
    the detail that ``cli`` prints after "interrupted" for Ctrl-C and SIGTERM."""
    if isinstance(err, LabError):
        err.args = (f"{err}; {note}",)
    else:
        err.detail = f"{err.detail}; {note}" if getattr(err, "detail", "") else note
    return err


@dataclasses.dataclass(frozen=True)
class Stop:
    """Why a training run ended before its last epoch, as a value: its loss became NaN or
    infinite at ``step`` of ``epoch`` (None: the test loss), or Ctrl-C or SIGTERM
    (``interrupt``) stopped it during ``epoch``. The lab saves the run so far with it
    (common.finish), which then ends the run with ``error``: one line, exit 3, 130 or 143."""
    epoch: int
    step: int | None = None
    loss: float | None = None
    lr: float | None = None
    what: str = "training"
    run: str | None = None                      # which of a lab's runs (lab2 has several)
    interrupt: BaseException | None = None
    notes: tuple[str, ...] = ()

    @classmethod
    def interrupted(cls, err: BaseException, epoch: int) -> Stop:
        return cls(epoch, interrupt=err)

    def note(self, text: str) -> Stop:
        return dataclasses.replace(self, notes=(*self.notes, text))

    def record(self) -> dict:
        """What the results file says of it."""
        if self.interrupt is not None:
            return {"interrupted": {"epoch": self.epoch}}
        where = {"epoch": self.epoch, "step": self.step, "loss": str(self.loss)}
        return {"diverged": where if self.run is None else {**where, "run": self.run}}

    def error(self) -> BaseException:
        """The exception that ends the run, its notes appended to its one line."""
        if self.interrupt is not None:
            err = self.interrupt
            if self.notes:
                err.detail = "; ".join(self.notes)
            return err
        at = f"epoch {self.epoch}, step {self.step}" if self.step else \
            f"epoch {self.epoch} (test loss)"
        lr = self.lr
        hint = f"a smaller --lr (now {lr:g}; try {lr / 10:g})" if lr else "a smaller --lr"
        line = f"{self.what} diverged: the loss became {self.loss} at {at}; try {hint}"
        return Diverged("; ".join([line, *self.notes]))


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
        if in_notebook() and status == 0:  # after --help: stop the cell, keep kernel
            raise HelpShown()
        super().exit(status, message)


# --------------------------------------------------------------------------- notebooks

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


def _tqdm():
    """The bar to show: tqdm's notebook widget in a notebook (where ipywidgets is installed, a
    text bar otherwise), tqdm on a terminal; None in a log, CI, a test, or with LABS_PROGRESS=0."""
    if os.environ.get("LABS_PROGRESS") == "0":
        return None
    if in_notebook():
        try:
            import ipywidgets  # noqa: F401, PLC0415
            from tqdm.notebook import tqdm  # noqa: PLC0415
        except ImportError:
            from tqdm import tqdm  # noqa: PLC0415
        return tqdm
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm  # noqa: PLC0415
    return lambda *args, **kwargs: tqdm(*args, dynamic_ncols=True, **kwargs)


def progress(iterable, **kwargs):
    """A bar over ``iterable`` where one is shown (``_tqdm``); elsewhere the iterable itself,
    untouched."""
    bar = _tqdm()
    return iterable if bar is None else bar(iterable, leave=False, **kwargs)


class LivePlot:
    """Training curves redrawn in place in a notebook while a lab trains, as d2l's Animator
    draws them: ``update(history)`` with the lab's own ``figure(history)``. Outside a notebook
    it does nothing. A frame is drawn only when it costs at most 1% of the time since the last
    one (or since training started), so redrawing stays near 1% of the run; the lab's final
    figure replaces the last frame (``common.save_figure(..., live=...)``)."""

    BUDGET = 0.01  # the share of the time that redrawing may take

    def __init__(self, figure):
        self.figure, self.active = figure, in_notebook()
        self.handle, self.cost, self.last, self.spent, self.frames = None, 0.0, 0.0, 0.0, 0
        if self.active:
            import io  # noqa: PLC0415

            from matplotlib.figure import Figure  # noqa: PLC0415

            # Before training: matplotlib's import and fonts (~1 s), then a typical frame's cost.
            for _ in range(2):
                start = time.perf_counter()
                probe = Figure()
                probe.subplots().plot([0, 1], [0, 1])
                probe.savefig(io.BytesIO(), format="png", dpi=80)
                self.cost = time.perf_counter() - start
            self.last = time.perf_counter()

    def due(self) -> bool:
        """Would a frame be drawn now? (Lets a lab skip gathering what it would draw.)"""
        return self.active and (time.perf_counter() - self.last) * self.BUDGET >= self.cost

    def update(self, history) -> None:
        """Draw ``history`` (or what ``history()`` returns, gathered only when due)."""
        if not self.due():
            return
        import io  # noqa: PLC0415

        start = time.perf_counter()
        buffer = io.BytesIO()
        self.figure(history() if callable(history) else history).savefig(buffer, format="png",
                                                                        dpi=80)
        self.handle = show_png(buffer.getvalue(), self.handle)
        self.last = time.perf_counter()
        self.cost = self.last - start
        self.spent, self.frames = self.spent + self.cost, self.frames + 1


# --------------------------------------------------------------------------- divergence

class LossGuard:
    """Finds a loss that stopped being a number, without a per-step sync: the loop keeps its
    per-step losses on the device anyway, and every ``every`` steps (and at the end of the
    epoch) one check looks at the new ones, on the device; only its answer crosses to the host.
    ``check`` returns the index of the first bad step, or None."""

    def __init__(self, every: int = 500):
        self.every, self.checked = every, 0

    def check(self, losses: list, final: bool = False) -> int | None:
        pending = len(losses) - self.checked  # called every step: O(1) until a check is due
        if not pending or (not final and pending < self.every):
            return None
        import torch  # noqa: PLC0415

        bad = ~torch.isfinite(torch.stack(losses[self.checked:]))
        if bool(bad.any()):
            return self.checked + int(bad.nonzero()[0])
        self.checked = len(losses)
        return None


# --------------------------------------------------------------------------- diagnostics

def release(text: str) -> tuple[int, ...]:
    """A version's release numbers: '2.2.2+cpu' -> (2, 2, 2), '2.3.0rc1' -> (2, 3, 0)."""
    return tuple(int("".join(c for c in part if c.isdigit()) or 0)
                 for part in text.split("+")[0].split(".")[:3])


def numpy_clash(torch_version: str, numpy_version: str) -> str | None:
    """torch before 2.3 was built against numpy 1 and cannot hand tensors to numpy 2 ("Numpy is
    not available" mid-run): the problem in words, or None."""
    if release(torch_version) < (2, 3) and release(numpy_version) >= (2,):
        return (f"torch {torch_version} was built against numpy 1 and cannot use numpy "
                f"{numpy_version}")
    return None


def check_versions() -> None:
    """Stop at start-up on a torch and numpy that cannot work together (numpy_clash).
    requirements.txt keeps numpy 1 where pip can only find such a torch (Intel Macs)."""
    import numpy as np  # noqa: PLC0415
    import torch  # noqa: PLC0415

    problem = numpy_clash(torch.__version__, np.__version__)
    if problem:
        raise LabError(f'{problem}: pip install "numpy<2" (docs/install.md)')


# Where a CUDA build of PyTorch comes from when plain pip gives a CPU-only one (Windows), or an
# older CUDA than the driver supports: PyTorch's own index for CUDA 13.0, the CUDA that Linux's
# PyPI wheels of torch 2.14 carry. pytorch.org/get-started lists the other choices.
CUDA_WHEELS = "https://download.pytorch.org/whl/cu130"


def cuda_problem() -> str:
    """Why CUDA cannot run here, told apart the way a student can act on it: a CPU-only build of
    PyTorch, or a CUDA build that finds no usable NVIDIA GPU or driver."""
    import torch  # noqa: PLC0415

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
                f"--index-url {CUDA_WHEELS} (docs/install.md, GPU)")
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
    import torch  # noqa: PLC0415

    if sys.platform != "darwin":
        return "MPS is the GPU of Apple Macs and exists on macOS only"
    if not torch.backends.mps.is_built():
        return f"this PyTorch ({torch.__version__}) was built without MPS"
    return "MPS needs macOS 12.3 or newer on a Mac with Apple silicon or an AMD GPU"


def device_name(device) -> str:
    import torch  # noqa: PLC0415

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


def environment(device=None) -> dict:
    """Versions and machine, for a results file."""
    import numpy as np  # noqa: PLC0415
    import torch  # noqa: PLC0415

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


def check_deterministic(model, batches, loss_fn) -> None:
    """With --deterministic, run one forward and backward pass on a throwaway copy of the model
    before training: an op with no deterministic kernel on this device (max-pool's backward on
    CUDA, for one) then stops the run at start-up with one line, not mid-run with a traceback.
    `batches` is any iterable of (x, y), a test loader say; its first batch is fetched only when
    the check runs. The random streams are restored afterwards, so the real run draws exactly
    what it would."""
    import copy  # noqa: PLC0415

    import torch  # noqa: PLC0415

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


def compile_problem(device) -> str | None:
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

    def __init__(self, model, batch_size: int, device):
        problem = compile_problem(device)
        if problem:
            raise LabError(f"--compile: {problem}; run without --compile")
        import torch  # noqa: PLC0415

        self.eager, self.batch_size = model, batch_size
        self.compiled = torch.compile(model)
        self.ready = False

    def __call__(self, x):
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


def maybe_compile(model, enabled: bool, batch_size: int, device):
    """The callable to train with: the model itself, or its compiled form with --compile."""
    return CompiledModel(model, batch_size, device) if enabled else model


class GraphedStep:
    """--cuda-graph: the whole training step (forward, loss, backward, update) captured once in
    a CUDA graph and replayed for every full batch. A small-batch step on a GPU is bound by
    launching its kernels (about 80 for the d2l LeNet at batch 4), not by arithmetic; a replay
    is one launch. The first WARMUP full batches run eagerly on a side stream (cuBLAS, cuDNN and
    the optimizer make their state there, outside the capture), the next is captured and then
    replayed, and a partial batch runs eagerly. The graph runs the same kernels in the same
    order, so a run computes what the eager step computes. ``step(forward, x, y, optimizer)``
    is the lab's own training step; its outputs are returned as copies (a replay overwrites the
    graph's own)."""

    WARMUP = 3

    def __init__(self, step, batch_size: int, device):
        if device.type != "cuda":
            raise LabError(f"--cuda-graph captures CUDA kernels: it needs --device cuda (this "
                           f"run is on {device.type})")
        self.step, self.batch_size, self.warm = step, batch_size, 0
        self.graph = self.side = self.inputs = self.outputs = None

    def __call__(self, forward, x, y, optimizer):
        import torch  # noqa: PLC0415
        from torch.utils._pytree import tree_map  # noqa: PLC0415

        if len(x) != self.batch_size:
            return self.step(forward, x, y, optimizer)
        if self.graph is None and self.warm < self.WARMUP:
            self.warm += 1
            if self.side is None:
                self.side = torch.cuda.Stream()
            self.side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(self.side):
                out = self.step(forward, x, y, optimizer)
            torch.cuda.current_stream().wait_stream(self.side)
            return out
        if self.graph is None:
            start = time.perf_counter()
            self.inputs = (x.clone(), y.clone())
            optimizer.zero_grad(set_to_none=True)  # the gradients are then made in the graph
            self.graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(self.graph):
                self.outputs = self.step(forward, *self.inputs, optimizer)
            print(f"captured the training step for batch {self.batch_size} in a CUDA graph "
                  f"({time.perf_counter() - start:.2f} s)", flush=True)
        else:
            self.inputs[0].copy_(x)
            self.inputs[1].copy_(y)
        self.graph.replay()
        return tree_map(lambda t: t.clone() if hasattr(t, "clone") else t, self.outputs)


def maybe_graphed(step, enabled: bool, batch_size: int, device):
    """The training step to run: the lab's own, or with --cuda-graph its captured form."""
    return GraphedStep(step, batch_size, device) if enabled else step


# --------------------------------------------------------------------------- CPU kernel plans

# Convolution kernels on the CPU, chosen by batch size (measured with tools/benchmark.py; the
# numbers are in docs/devices.md, "Speed"):
# - up to SMALL_BATCH images per step, PyTorch's native convolution: oneDNN's fixed cost per
#   call dominates at 4 images, and one thread: a 4-image step has little to split, and a single
#   thread keeps the result independent of the machine's number of cores;
# - above it, oneDNN with the model in channels-last layout, faster per step than oneDNN in
#   the default layout for all three CNNs at batch 64 and 256.
SMALL_BATCH = 8


@dataclasses.dataclass(frozen=True)
class ConvPlan:
    onednn: bool            # oneDNN (mkldnn) convolution kernels, else PyTorch's native ones
    channels_last: bool     # the model's 4-D weights in channels-last layout
    threads: int | None     # intra-op threads while training (None: leave as is)

    @contextlib.contextmanager
    def kernels(self):
        """Train (or evaluate) under this plan's kernel choice; restores the previous one."""
        import torch  # noqa: PLC0415

        onednn, threads = torch.backends.mkldnn.enabled, torch.get_num_threads()
        torch.backends.mkldnn.enabled = self.onednn
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            yield
        finally:
            torch.backends.mkldnn.enabled = onednn
            torch.set_num_threads(threads)

    def prepare(self, model):
        import torch  # noqa: PLC0415

        return model.to(memory_format=torch.channels_last) if self.channels_last else model


_forced_plan: list[ConvPlan] = []


def conv_plan(device, batch_size: int) -> ConvPlan:
    """The kernel choice for a CNN step of ``batch_size`` images (see the comment above). On a
    GPU or MPS nothing changes: cuDNN and Metal pick their own kernels."""
    import torch  # noqa: PLC0415

    if _forced_plan:
        return _forced_plan[-1]
    if device.type != "cpu":
        return ConvPlan(onednn=torch.backends.mkldnn.enabled, channels_last=False, threads=None)
    if batch_size <= SMALL_BATCH:
        return ConvPlan(onednn=False, channels_last=False, threads=1)
    return ConvPlan(onednn=True, channels_last=True, threads=None)


@contextlib.contextmanager
def forced_plan(plan: ConvPlan):
    """Every conv_plan inside the block is ``plan`` (tools/benchmark.py compares plans)."""
    _forced_plan.append(plan)
    try:
        yield
    finally:
        _forced_plan.pop()


def cnn_kernels(model, device, batch_size: int):
    """The context a CNN trains or evaluates in at this batch size (conv_plan); a model without
    convolutions (an MLP, a linear model) keeps the defaults."""
    import torch  # noqa: PLC0415

    if not isinstance(model, torch.nn.Module) or \
            not any(isinstance(m, torch.nn.Conv2d) for m in model.modules()):
        return contextlib.nullcontext()
    return conv_plan(device, batch_size).kernels()


# --------------------------------------------------------------------------- official files

# The official files, by their place under the data dir: the sha256 of the uncompressed
# contents and their size (of the copies this repository is tested with; each decompresses
# byte for byte from the .gz its site serves), and the md5 of that .gz as published (the one
# torchvision checks). docs/data.md lists them for students who fetch files by hand.
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
IDX_FILES = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
IMAGE_SIZE, CLASSES = (28, 28), 10  # what every image lab's model expects
FETCH_BY_HAND = "docs/data.md lists each file, where it comes from and its checksum"


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
        raise NotWhole(f"{path} is not a whole gzip file ({str(err).rstrip('.')}; a download "
                       f"cut short?): delete it and run again to download it, or fetch it "
                       f"again ({FETCH_BY_HAND})") from None


def file_verdict(path: Path, rel: str, content: bytes) -> tuple[str, str]:
    """Is ``path`` (the file for ``rel``, e.g. 'MNIST/raw/t10k-labels-idx1-ubyte') the official
    one? "official"; "misplaced" (the official file of another place, named as the detail);
    "damaged" (the official size, other contents: the detail is its sha256); or "own" (any
    other file: the student's own data). The contents are hashed the first time only: the
    verdict is remembered by path, size and modification time."""
    key = _file_key(path)
    seen = _verdicts().get(key)
    if seen is None:
        seen = {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
        _remember(key, seen)
    sha, size, _ = OFFICIAL[rel]
    if seen["sha256"] == sha:
        return "official", ""
    other = next((r for r, (s, *_) in OFFICIAL.items() if s == seen["sha256"]), None)
    if other:
        return "misplaced", other
    return ("damaged", seen["sha256"]) if seen["size"] == size else ("own", "")


def check_official(path: Path, rel: str, content: bytes) -> None:
    """Stop on a damaged or misplaced official file (file_verdict); use the student's own data
    with a note."""
    verdict, detail = file_verdict(path, rel, content)
    sha = OFFICIAL[rel][0]
    if verdict == "misplaced":
        raise LabError(f"{path} is the official {detail}, not {rel}: put each file in its own "
                       f"place ({FETCH_BY_HAND})")
    if verdict == "damaged":
        raise LabError(f"{path} has the size of the official {rel} but other contents (sha256 "
                       f"{detail[:12]}..., official {sha[:12]}...): it is damaged; "
                       f"delete it and run again to download it, or fetch it again "
                       f"({FETCH_BY_HAND})")
    if verdict == "own":
        print(f"note: {path} is not the official file; using it as your own data (numbers "
              f"will differ from the write-ups)", flush=True)


def served_name(rel: str) -> str:
    """The name the sites serve the official file ``rel`` under: the IDX files gzipped
    (``name.gz``, kept so when downloaded), the wine CSV as it is."""
    return Path(rel).name + (".gz" if OFFICIAL[rel][2] else "")


def download_urls(rel: str) -> list[str]:
    """Where the official file ``rel`` can be downloaded, mirrors in order."""
    return [mirror + served_name(rel) for mirror in DOWNLOADS[rel.split("/")[0]]]


MIRROR_ENV = "LABS_DATA_MIRROR"  # a course server or a classmate's folder, tried first


def sources(rel: str, mirror: str | None = None) -> list[str]:
    """Where the official file ``rel`` can come from, in order: the mirror (``mirror``, else
    $LABS_DATA_MIRROR: a base URL or a folder laid out like the data folder, each file ``.gz``
    or uncompressed), then the official sites."""
    mirror = os.environ.get(MIRROR_ENV) if mirror is None else mirror
    found = []
    if mirror:
        names = [rel + ".gz", rel] if OFFICIAL[rel][2] else [rel]
        if mirror.startswith(("http://", "https://")):
            found += [mirror.rstrip("/") + "/" + name for name in names]
        else:
            found += [str(Path(mirror).expanduser() / name) for name in names]
    return found + download_urls(rel)


class ByteBar:
    """The progress of one download: a tqdm bar (size, speed, time left) on a terminal and in a
    notebook; elsewhere (a log, CI) one plain line at every 10%."""

    def __init__(self, name: str, total: int | None, done: int = 0):
        self.name, self.total, self.done, self.start = name, total, done, time.perf_counter()
        self.first, self.shown, self.bar = done, (done * 10 // total) if total else 0, None
        tqdm = _tqdm()
        if tqdm is not None:
            self.bar = tqdm(total=total, initial=done, unit="B", unit_scale=True,
                            unit_divisor=1024, desc=name, leave=True)

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
            return
        if not self.total or self.done * 10 // self.total <= self.shown:
            return
        self.shown = self.done * 10 // self.total
        seconds = time.perf_counter() - self.start
        speed = (self.done - self.first) / seconds if seconds else 0.0
        left = f", {(self.total - self.done) / speed:.0f} s left" if speed else ""
        print(f"  {self.name}: {self.shown * 10}% of {self.total / 2 ** 20:.1f} MB "
              f"({speed / 2 ** 20:.2f} MB/s{left})", flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _download(url: str, part: Path, name: str) -> None:
    """``url`` into ``part``: a partial file from an earlier try is resumed where it stopped
    when the server answers a range request (206), and started over when it does not (200).
    Raises OSError (or an HTTP error) when the transfer is cut short; what arrived stays in
    ``part`` for the next try."""
    import http.client  # noqa: PLC0415
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=60)
    except urllib.error.HTTPError as err:
        if err.code == 416 and have:  # nothing after what we have: start over
            part.unlink()
            return _download(url, part, name)
        raise
    with response:
        resumed = bool(have) and response.status == 206 and \
            response.headers.get("Content-Range", "").startswith(f"bytes {have}-")
        if have:
            print(f"  resuming at {have / 2 ** 20:.1f} MB" if resumed else
                  "  the server cannot resume a transfer: starting over", flush=True)
        start = have if resumed else 0
        length = response.headers.get("Content-Length")
        total = start + int(length) if length and length.isdigit() else None
        bar = ByteBar(name, total, start)
        try:
            with open(part, "ab" if resumed else "wb") as f:
                while chunk := response.read(1 << 14):
                    f.write(chunk)
                    bar.update(len(chunk))
        except http.client.HTTPException as err:
            raise OSError(f"the transfer was cut short ({type(err).__name__})") from None
        finally:
            bar.close()
    if total is not None and part.stat().st_size < total:
        raise OSError(f"the transfer was cut short at {part.stat().st_size:,} of {total:,} "
                      f"bytes")


def _official_content(data: bytes, gz: bool) -> bytes:
    """The contents a file stands for: decompressed when it is a ``.gz``."""
    return gzip.decompress(data) if gz else data


def fetch_official(data_dir: Path, rel: str, mirror: str | None = None) -> Path:
    """Fetch an official file into its place, from the mirror or the official sites
    (``sources``), with a progress bar; a download cut short is resumed on the next try. Every
    file, from anywhere, is checked against the official checksum before it is kept, and
    renamed into place only then: a cut or altered transfer is never used."""
    sha = OFFICIAL[rel][0]
    folder = Path(data_dir) / Path(rel).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise LabError(f"cannot create {folder} ({err.strerror}): point --data-dir or "
                       f"${DATA_ENV} at a folder you can write") from None
    tried = []
    for source in sources(rel, mirror):
        gz = source.endswith(".gz")
        dest = folder / (Path(rel).name + (".gz" if gz else ""))
        part = folder / f".{dest.name}.part"
        local = not source.startswith(("http://", "https://"))
        if local and not Path(source).is_file():
            tried.append(f"{source}: not there")
            continue
        print(f"{'copying' if local else 'downloading'} {source} -> {dest}", flush=True)
        try:
            if local:
                shutil.copyfile(source, part)
            else:
                _download(source, part, dest.name)
            content = _official_content(part.read_bytes(), gz)
        except (OSError, EOFError, zlib.error, ValueError) as err:
            tried.append(f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
            continue
        if hashlib.sha256(content).hexdigest() != sha:
            part.unlink()
            tried.append(f"{source} sent other contents than the official file")
            print(f"  refused: {tried[-1]}", flush=True)
            continue
        with open(part, "rb+") as f:
            os.fsync(f.fileno())
        _replace(str(part), dest)
        fsync_dir(folder)
        _remember(_file_key(dest), {"sha256": sha, "size": len(content)})
        return dest
    raise LabError(f"{folder / Path(rel).name} is missing and the download failed "
                   f"({tried[-1]}): put the file there yourself ({FETCH_BY_HAND}), set "
                   f"{MIRROR_ENV} to a mirror, or point --data-dir or ${DATA_ENV} at a folder "
                   f"that has {rel}")


def local_file(data_dir: Path, rel: str) -> Path | None:
    """The file for ``rel`` as it is under the data dir: uncompressed, else as downloaded
    (``.gz``); None when neither is there."""
    path = Path(data_dir) / rel
    return next((p for p in (path, path.with_name(path.name + ".gz")) if p.is_file()), None)


def data_file(data_dir: Path, rel: str, mirror: str | None = None) -> tuple[Path, bytes]:
    """The file for ``rel`` under the data dir (local_file; fetched when it is not there), and
    its contents."""
    path = local_file(data_dir, rel) or fetch_official(data_dir, rel, mirror)
    return path, read_data_file(path)


def fetch_all(data_dir: Path, mirror: str | None = None) -> list[tuple[str, str, str]]:
    """Every official file into ``data_dir``, up front: each one there is checked against its
    checksum, a missing, damaged or misplaced one fetched. Returns (file, verdict, detail) for
    each: verdict "ok", "own data" (kept: not an official file) or "problem"."""
    done = []
    for rel in OFFICIAL:
        try:
            try:
                path, content = data_file(data_dir, rel, mirror)
                verdict = file_verdict(path, rel, content)[0]
            except NotWhole:
                verdict = "damaged"
            if verdict in ("damaged", "misplaced"):
                print(f"{rel}: the file there is {verdict}; fetching it again", flush=True)
                path, verdict = fetch_official(data_dir, rel, mirror), "official"
            done.append((rel, "ok" if verdict == "official" else "own data", str(path)))
        except LabError as err:
            done.append((rel, "problem", str(err)))
    return done


def resolve_data_dir(arg: Path | str | None = None) -> Path:
    """``--data-dir``, else ``$LABS_DATA_DIR``, else ``data/`` next to the scripts."""
    if arg is not None:
        path, source = Path(arg).expanduser().resolve(), "--data-dir"
    elif os.environ.get(DATA_ENV):
        path, source = Path(os.environ[DATA_ENV]).expanduser().resolve(), f"${DATA_ENV}"
    else:
        return Path(__file__).resolve().parent / "data"
    if path.exists() and not path.is_dir():
        raise LabError(f"{source} {path} is a file; it must be a folder (holding MNIST/, "
                       f"FashionMNIST/ or wine/)")
    return path


def read_idx(path: Path, data: bytes | None = None):
    """An IDX file of unsigned bytes (the MNIST format): 0, 0, type 0x08, the number of
    dimensions, each size as a big-endian 32-bit integer, then the bytes. ``data``: the
    file's contents when already read (decompressed)."""
    import torch  # noqa: PLC0415

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


def check_image_split(image_path: Path, images, label_path: Path, labels) -> None:
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


def official_split(folder: str, data_dir: Path, train: bool):
    """A split of MNIST or Fashion-MNIST (``folder``) as uint8 images and labels, each file
    found (or downloaded), read, checked for what the labs need, and checked against its
    official checksum."""
    rels = [f"{folder}/raw/{file}" for file in IDX_FILES[train]]
    files = [data_file(data_dir, rel) for rel in rels]
    (image_path, images), (label_path, labels) = ((path, read_idx(path, content))
                                                  for path, content in files)
    check_image_split(image_path, images, label_path, labels)
    for rel, (path, content) in zip(rels, files):
        check_official(path, rel, content)
    return images, labels


# --------------------------------------------------------------------------- durable writes

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


def jsonable(value: Any):
    """``value`` as plain JSON types: paths as text, tensors and numpy scalars as numbers and
    lists, NaN and infinity as null (JSON has neither; a diverged run records where, instead)."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist") and hasattr(value, "dtype"):  # a tensor or a numpy value
        return jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
