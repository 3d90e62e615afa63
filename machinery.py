"""The machinery behind the labs, which a student need not read: errors, exit codes and signals;
the command-line parser; notebook plumbing (progress bars, live curves); divergence checks;
start-up diagnostics; durable writes. Its siblings hold the other concerns: speed.py (CPU
kernel plans, --compile, --cuda-graph) and datafiles.py (the data folder, the official files,
their checksums and downloads).

The labs and common.py call into this file, never the other way round (lab -> common ->
machinery), and a call site always says ``machinery.`` so a reader can tell the two apart. It
imports no other file of the project, and torch and numpy only inside the functions that use
them, so that tools which only format tables, and the environment check (``python
doctor.py``), run even where torch cannot be imported.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import errno
import math
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


class Halt(Exception):
    """Raised inside a training loop by a bookkeeping add-on (common.Watch) to end the loop
    early, its one argument the Stop that says why: the loop needs no code for it."""


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
    (common.finish), then ends the run with ``error``: one line, exit 3, 130 or 143."""
    epoch: int
    step: int | None = None
    loss: float | None = None
    lr: float | None = None
    what: str = "training"
    run: str | None = None                      # which of a lab's runs (lab2 has several)
    interrupt: BaseException | None = None
    notes: tuple[str, ...] = ()

    @classmethod
    def of(cls, err: BaseException, epoch: int) -> Stop:
        """Why a run stopped: the Stop a divergence carries out of the loop (Halt), or Ctrl-C
        or SIGTERM (``err``) during ``epoch``."""
        return err.args[0] if isinstance(err, Halt) else cls(epoch, interrupt=err)

    def note(self, text: str) -> Stop:
        return dataclasses.replace(self, notes=(*self.notes, text))

    def record(self) -> dict:
        """What the results file says of it."""
        if self.interrupt is not None:
            return {"interrupted": {"epoch": self.epoch}}
        where = {"epoch": self.epoch, "step": self.step, "loss": str(self.loss)}
        return {"diverged": where if self.run is None else {**where, "run": self.run}}

    def error(self, saved: Path | str | None = None) -> BaseException:
        """The exception that ends the run, its notes appended to its one line, and last the
        file where the run so far is ``saved``."""
        notes = [*self.notes, *([f"the run up to there is saved in {saved}"] if saved else [])]
        if self.interrupt is not None:
            err = self.interrupt
            if notes:
                err.detail = "; ".join(notes)
            return err
        at = f"epoch {self.epoch}, step {self.step}" if self.step else \
            f"epoch {self.epoch} (test loss)"
        lr = self.lr
        hint = f"a smaller --lr (now {lr:g}; try {lr / 10:g})" if lr else "a smaller --lr"
        line = f"{self.what} diverged: the loss became {self.loss} at {at}; try {hint}"
        return Diverged("; ".join([line, *notes]))


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


def bar_maker():
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
    """A bar over ``iterable`` where one is shown (``bar_maker``); elsewhere the iterable itself,
    untouched."""
    bar = bar_maker()
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


def replace_file(tmp: str, path: Path) -> None:
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
        replace_file(tmp, path)
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
