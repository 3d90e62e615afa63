"""Check your own implementations of the labs' exercise functions (exercises/, one sheet per lab).

Each function a sheet asks for is run on cases whose answers come from the mathematics (float64
formulas, values worked by hand) and never from the labs' own code. For each function the first
failing case is reported: the input, what was expected, what came back, and the mistake that
matches it with a hint, in Chinese or English. A function that passes gets "these checks
passed": a check is a set of cases, not a proof.

    python check.py lab2 my_work.ipynb            # a notebook or a .py file: exit 0, 1 or 2
    python check.py lab3 submissions/*.ipynb      # several files: one table, one row per file
    python check.py lab2 my_work.py --json        # the same, as data
    python check.py lab2 my_work.py --lang zh     # 中文 (default: the system's language)

In a notebook (the sheets do this): ``import check`` then ``check.lab2(globals())``, or
``check.lab2(globals(), "bce_loss")`` for one function.

A file is not run as a script: its imports, function and class definitions and plain
assignments are taken, any other top-level code (a training run at the bottom) is not. Each
file's checks run in a child process, each function with a time limit (10 s, --time-limit).
Exit status: 0 every function found passed these checks; 1 one failed or is not written yet;
2 a file cannot be read or holds none of the lab's functions. A lab takes a few seconds per
file on a laptop CPU, most of it starting torch.
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import dataclasses
import functools
import inspect
import io
import json
import linecache
import locale
import math
import os
import queue
import re
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import traceback
import types
import unicodedata
import warnings
from pathlib import Path

LABS = ("lab1", "lab2", "lab3", "lab4", "mnist")
TIME_LIMIT = 10.0          # seconds for one function's check
LOAD_LIMIT = 180.0         # seconds for a child to start torch and read a file
PROTOCOL = "\x1echeck "    # marks the child's report lines among whatever the student prints
HERE = os.path.abspath(__file__)


# --------------------------------------------------------------------------- language
# Every sentence the checker says is in the catalogue at the end of this file, in English and
# in Chinese, with the same placeholders. The language is --lang, or `lang=` in a notebook,
# or else the system's.
_chosen_language: str | None = None


def system_language() -> str:
    """'zh' where the user's locale is Chinese (LC_ALL, LC_MESSAGES, LANG, LANGUAGE, then the
    locale module, then Windows' display language), else 'en'."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    with contextlib.suppress(Exception):
        name = (locale.getlocale()[0] or "").lower()
        if name.startswith("zh") or name.startswith("chinese"):
            return "zh"
    if sys.platform == "win32":
        with contextlib.suppress(Exception):
            import ctypes  # noqa: PLC0415
            if ctypes.windll.kernel32.GetUserDefaultUILanguage() & 0x3FF == 0x04:  # Chinese
                return "zh"
    return "en"


def set_language(lang: str | None) -> None:
    """Use ``lang`` ('zh' or 'en') from now on in this session; None: the system's again."""
    global _chosen_language
    _chosen_language = None if lang is None else language(lang)


def language(lang: str | None = None) -> str:
    if lang is None:
        return _chosen_language or system_language()
    lang = lang.lower()
    if lang.startswith("zh") or lang in ("cn", "chinese", "中文"):
        return "zh"
    if lang.startswith("en"):
        return "en"
    raise ValueError(f"unknown language {lang!r}: use 'zh' or 'en'")


def say(key: str, lang: str, /, **fields) -> str:
    """The catalogue's sentence ``key`` in ``lang``, its placeholders filled in."""
    en, zh = MESSAGES[key]
    if "names" in fields and not isinstance(fields["names"], str):  # a list, in the language's way
        fields = {**fields, "names": ("、" if lang == "zh" else ", ").join(fields["names"])}
    if lang != "zh":
        return en.format(**fields)
    if "what" in fields:
        fields = {**fields, "what": WHAT.get(fields["what"], fields["what"])}
    # a space the English template needed between two Chinese words goes
    return re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", zh.format(**fields))


# --------------------------------------------------------------------------- reading a file
# A `.py` file or a notebook's code cells, parsed, never run as a whole: imports, definitions
# and plain assignments run one by one; anything else at the top level (a training run, a
# plot, a download) is skipped. The names that skipped lines would have set are remembered, so
# that a function that leans on one (a global `model`, `device`) is told so.
class Unreadable(Exception):
    """A file the checker cannot read: the message key and its fields."""

    def __init__(self, key: str, /, **fields):
        super().__init__(key)
        self.key, self.fields = key, fields


@dataclasses.dataclass
class Source:
    """What a file defines: the namespace its kept lines built, and what was left out."""
    path: str
    namespace: dict
    skipped: dict        # name -> line of a top-level statement that was not run
    failed: dict         # name -> (line, error) of an import or definition that failed
    defined: list        # every top-level name the file binds, in order
    # name -> (cell, line of its def, line of the error, the error) of a def in a notebook
    # cell that is not valid Python, and name -> (cell or None, line, block) of a def inside
    # an if/for/with/try block, which the checker does not run
    broken: dict = dataclasses.field(default_factory=dict)
    nested: dict = dataclasses.field(default_factory=dict)


# Calls a plain assignment may make: values, not work (a device, a loss object, a partial, a
# seeded generator, a constant worked out with torch, numpy or math). Reading files, training,
# drawing: not these.
SAFE_CALLS = {"dict", "list", "tuple", "set", "frozenset", "int", "float", "complex", "str",
              "bool", "range", "len", "sorted", "reversed", "zip", "enumerate", "min", "max",
              "sum", "abs", "round", "pow", "divmod", "any", "all",
              "torch.device", "torch.cuda.is_available", "torch.backends.mps.is_available",
              "torch.get_default_dtype", "torch.finfo", "torch.iinfo", "torch.Size",
              "torch.Generator",
              "functools.partial", "pathlib.Path", "collections.OrderedDict",
              "os.path.join", "os.getenv", "os.environ.get", "numpy.finfo", "numpy.iinfo",
              "numpy.dtype"}
# torch's and numpy's functions that make a value from numbers (a tensor of literals, a float32
# epsilon, log 2): allowed with arguments that are plain themselves.
SAFE_TORCH = {"tensor", "as_tensor", "zeros", "ones", "full", "empty", "eye", "arange",
              "linspace", "logspace", "log", "log1p", "exp", "sqrt", "abs", "tanh", "sigmoid",
              "clamp"}
SAFE_NUMPY = {"array", "asarray", "zeros", "ones", "full", "eye", "arange", "linspace", "log",
              "log1p", "exp", "sqrt", "abs", "float16", "float32", "float64", "int8", "int16",
              "int32", "int64", "uint8", "bool_"}
# Methods of such values (and of strings) that give values too.
SAFE_METHODS = {"item", "tolist", "float", "double", "to", "log", "exp", "sqrt", "reshape",
                "view", "t", "format", "join", "upper", "lower", "strip", "split", "replace",
                "get", "copy", "keys", "values", "items", "manual_seed"}


@functools.lru_cache(maxsize=None)
def ipython_transformer():
    """IPython's own reading of a cell (magics, shell lines and help requests turned into
    get_ipython() calls, strings and comments left alone), or None where IPython is not
    installed."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager  # noqa: PLC0415
    except Exception:  # noqa: BLE001 -- not installed, or broken: the line rule below
        return None
    return TransformerManager().transform_cell


def magic_lines(source: str) -> list[int]:
    """The lines (0-based) IPython would read as a magic, a shell command or a help request,
    for where IPython is not installed: a line that starts a statement (not inside brackets, a
    string or a continued line) and begins with % or !, or whose code, its comment left out,
    begins or ends with ?."""
    found = []
    depth, quote, continued = 0, None, False  # quote: the triple quote of an open string
    for number, line in enumerate(source.splitlines()):
        starts = depth == 0 and quote is None and not continued
        if starts and re.match(r"\s*[%!?]", line):
            found.append(number)
            continue  # its text is not Python: its quotes and brackets do not count
        comment, i = None, 0
        while i < len(line):
            c = line[i]
            if quote:
                if c == "\\":
                    i += 2
                    continue
                if line.startswith(quote, i):
                    i, quote = i + len(quote), None
                    continue
            elif c == "#":
                comment = i
                break
            elif line.startswith(('"""', "'''"), i):
                i, quote = i + 3, line[i:i + 3]
                continue
            elif c in "\"'":
                quote = c
            elif c in "([{":
                depth += 1
            elif c in ")]}":
                depth = max(depth - 1, 0)
            i += 1
        if quote in ('"', "'"):
            quote = None  # a one-line string left open: Python's error, not a magic
        code = line[:comment].rstrip() if comment is not None else line.rstrip()
        continued = quote is None and code.endswith("\\")
        if starts and depth == 0 and quote is None and code.endswith("?"):
            found.append(number)
    return found


def python_of(cell: str, transform) -> str:
    """A code cell as the Python IPython runs: with IPython's transformer where there is one,
    else with its magic, shell and help lines blanked (line numbers stay either way)."""
    if transform is not None:
        with contextlib.suppress(Exception):  # a cell IPython cannot read: the line rule
            text = transform(cell)
            if isinstance(text, str):
                return text
    lines = cell.splitlines()
    for number in magic_lines(cell):
        lines[number] = ""
    return "\n".join(lines) + "\n"


def cells_of(path: Path) -> tuple[list[tuple[str, str]], list[tuple[int, str]]]:
    """(name for tracebacks, source) of each code cell of a notebook, or the whole .py file,
    and the notebook's cells left out: (cell number, the cell magic that makes it not Python).
    A cell is read as IPython reads it: its magics and shell lines become get_ipython() calls,
    which the checker does not run."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise Unreadable("file.missing", path=str(path)) from None
    except OSError as err:
        raise Unreadable("file.oserror", path=str(path), error=err.strerror or str(err)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable("file.not_utf8", path=str(path)) from None
    if path.suffix.lower() != ".ipynb":
        return [(str(path), text)], []
    try:
        cells = json.loads(text)["cells"]
    except (ValueError, KeyError, TypeError):
        raise Unreadable("file.not_notebook", path=str(path)) from None
    found, left_out = [], []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if not source.strip():
            continue
        if source.lstrip().startswith("%%"):
            magic, _, body = source.lstrip().partition("\n")
            if magic.split()[0] not in ("%%time", "%%capture"):
                left_out.append((number, magic.split()[0]))
                continue  # a cell magic whose body is not Python (%%bash, %%writefile, ...)
            source = "\n" + body  # the magic's line left blank, so line numbers stay
        if re.search(r"^\s*[%!?]|\?\s*$", source, re.MULTILINE):  # IPython's syntax, maybe
            source = python_of(source, ipython_transformer())
        found.append((f"{path} [cell {number}]", source))
    return found, left_out


def dotted(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def plain(value: ast.AST, aliases: dict) -> bool:
    """Whether an assignment's value only builds a value: no call but to SAFE_CALLS, math,
    torch's and numpy's value makers, the loss classes of torch.nn, and SAFE_METHODS on a
    value built so (lambdas are not called when assigned)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Call):
            name = dotted(node.func)
            if name is None:  # a method of a value: torch.tensor(2.0).log(), "{}".format(x)
                if not (isinstance(node.func, ast.Attribute) and node.func.attr in SAFE_METHODS):
                    return False
            else:
                head, _, rest = name.partition(".")
                full = aliases.get(head, head) + (f".{rest}" if rest else "")
                module, _, function = full.rpartition(".")
                if not (full in SAFE_CALLS or full.startswith("math.") or
                        (module == "torch" and function in SAFE_TORCH) or
                        (module == "numpy" and function in SAFE_NUMPY) or
                        (full.startswith("torch.nn.") and full.endswith("Loss"))):
                    return False
        stack.extend(ast.iter_child_nodes(node))
    return True


def bound_names(node) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"]
    targets = node.targets if isinstance(node, ast.Assign) else \
        [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
    names = []
    for target in targets:
        names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    for child in ast.walk(node) if isinstance(node, (ast.For, ast.With, ast.If, ast.Try)) else []:
        if isinstance(child, (ast.Assign, ast.AnnAssign, ast.FunctionDef, ast.ClassDef,
                              ast.Import, ast.ImportFrom)) and child is not node:
            names += bound_names(child)
    return names


def parse(path: Path) -> tuple[list[tuple[str, str, ast.Module]], list[list]]:
    """Each cell (or the file) parsed: (name, source, tree), and the notebook's cells left out,
    each [cell number, the cell magic or None, the line of a syntax error, the error]. A
    notebook cell with a syntax error is left out (the rest may still define the functions); a
    .py file with one is unreadable."""
    cells, magics = cells_of(path)
    parsed, left_out = [], [[number, magic, 0, ""] for number, magic in magics]
    for name, source in cells:
        try:
            parsed.append((name, source, ast.parse(source, filename=name)))
        except SyntaxError as err:
            if path.suffix.lower() != ".ipynb":
                raise Unreadable("file.syntax", path=str(path), line=err.lineno or 0,
                                 error=err.msg) from None
            number = int(re.search(r"\[cell (\d+)\]$", name).group(1))
            left_out.append([number, None, err.lineno or 0, err.msg])
    return parsed, sorted(left_out)


def broken_defs(path: Path) -> dict:
    """The functions and classes whose def is in a notebook cell that is not valid Python:
    name -> (cell, line of the def, line of the error, the error and its line of code)."""
    found = {}
    if Path(path).suffix.lower() != ".ipynb":
        return found  # a .py file with a syntax error is unreadable as a whole
    for name, source in cells_of(Path(path))[0]:
        try:
            ast.parse(source)
        except SyntaxError as err:
            cell = int(re.search(r"\[cell (\d+)\]$", name).group(1))
            error = err.msg + (f" (`{err.text.strip()}`)" if (err.text or "").strip() else "")
            for match in re.finditer(r"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)",
                                     source, re.MULTILINE):
                line = source.count("\n", 0, match.start()) + 1
                found[match.group(1)] = (cell, line, err.lineno or 0, error)  # the last one
    return found


def names_in(path: Path) -> tuple[list[str], list[list]]:
    """Every top-level name a file binds, without running it, and the cells left out."""
    parsed, left_out = parse(path)
    return [n for _, _, tree in parsed for node in tree.body for n in bound_names(node)], \
        left_out


def load(path: Path) -> Source:
    """Run a file's imports, definitions and plain assignments, statement by statement, into a
    fresh namespace."""
    import __future__  # noqa: PLC0415
    path = Path(path)
    namespace = {"__name__": "student", "__file__": str(path)}
    skipped, failed, defined, aliases, flags = {}, {}, [], {}, 0
    nested: dict = {}
    for name, source, tree in parse(path)[0]:
        linecache.cache[name] = (len(source), None, source.splitlines(True), name)
        for node in tree.body:
            names = bound_names(node)
            defined += names
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                for alias in node.names:
                    feature = getattr(__future__, alias.name, None)
                    flags |= feature.compiler_flag if feature else 0
                continue
            if isinstance(node, ast.Import):
                aliases.update({(a.asname or a.name.split(".")[0]): (a.name if a.asname else
                                a.name.split(".")[0]) for a in node.names})
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                aliases.update({(a.asname or a.name): f"{node.module}.{a.name}"
                                for a in node.names})
            keep = isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef,
                                     ast.AsyncFunctionDef, ast.ClassDef)) or \
                (isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and
                 plain(node.value, aliases))
            if not keep:
                for n in names:
                    skipped.setdefault(n, node.lineno)
                if isinstance(node, (ast.For, ast.With, ast.If, ast.Try)):
                    cell = re.search(r"\[cell (\d+)\]$", name)
                    block = {ast.For: "for", ast.With: "with", ast.If: "if"}.get(type(node),
                                                                                  "try")
                    for child in ast.walk(node):
                        if isinstance(child, (ast.FunctionDef, ast.ClassDef)):
                            nested[child.name] = (int(cell.group(1)) if cell else None,
                                                  child.lineno, block)
                continue
            code = compile(ast.Module(body=[node], type_ignores=[]), name, "exec",
                           flags=flags, dont_inherit=True)
            try:
                with quiet():
                    exec(code, namespace)  # noqa: S102 -- the student's definitions, as asked
            except Exception as err:  # noqa: BLE001 -- an import that fails here, say
                for n in names:
                    failed[n] = (node.lineno, f"{type(err).__name__}: {err}".strip())
    return Source(str(path), namespace, skipped, failed, defined, broken_defs(path), nested)


# --------------------------------------------------------------------------- one function's check
# A check is a function `check_x(ck, student_function)`: it marks its stages (`ck.stage`),
# describes each input (`ck.given`), calls the student's code through `ck.call` and raises
# `Failure` on the first wrong result. The runner turns what happened into an `Outcome`:
# passed, failed, raised (with the student's own traceback), not written yet, timed out.
class Failure(Exception):
    """A wrong result: the catalogue key of what was wrong, the mistake it matches (if one
    does) and the numbers for the message."""

    def __init__(self, key: str, mistake: str | None = None, /, **fields):
        super().__init__(key)
        self.key, self.mistake, self.fields = key, mistake, fields


class NotWritten(Exception):
    """The student's function still raises NotImplementedError."""


class StudentRaised(Exception):
    """The student's code raised: the error and its traceback, their frames only."""

    def __init__(self, error: BaseException):
        super().__init__(type(error).__name__)
        self.error, self.trace = error, student_trace(error)


class CheckTimeout(BaseException):
    """The time limit ran out (a BaseException, so a student's `except Exception` lets it
    through)."""


@dataclasses.dataclass
class Outcome:
    name: str
    status: str                  # passed failed raised not_written timeout interrupted
    #                              crashed missing needs checker_bug
    passed: list = dataclasses.field(default_factory=list)    # stage keys passed
    key: str | None = None       # what was wrong (catalogue key)
    mistake: str | None = None   # the mistake it matches (catalogue key)
    fields: dict = dataclasses.field(default_factory=dict)
    case: list | None = None     # [catalogue key, fields] of the failing input
    stage: str | None = None     # the stage that failed (catalogue key)
    trace: str | None = None     # the student's traceback, their frames only
    notes: list = dataclasses.field(default_factory=list)     # [key, fields] pairs
    seconds: float = 0.0

    @property
    def message_id(self) -> str | None:
        """The most specific word on what went wrong: the mistake if one matched."""
        return self.mistake or self.key

    @property
    def ok(self) -> bool:
        return self.status == "passed"


class Ck:
    """The running check of one function: its stages, the current input, the calls."""

    def __init__(self, source: Source | None = None):
        self.source, self.passed, self.current, self.case, self.notes = source, [], None, None, []
        self.hints: list[tuple[str, str]] = []   # (regex on the error, mistake key)

    def stage(self, key: str | None) -> None:
        if self.current and self.current not in self.passed:
            self.passed.append(self.current)
        self.current, self.case = key, None

    def given(self, key: str, **fields) -> None:
        self.case = [key, fields]

    def note(self, key: str, **fields) -> None:
        self.notes.append([key, fields])

    def call(self, fn, *args, **kwargs):
        """``fn(*args, **kwargs)``, the student's code: what it raises is theirs, and so are
        autograd's mode and the default dtype it leaves behind."""
        import torch  # noqa: PLC0415

        grad, dtype = torch.is_grad_enabled(), torch.get_default_dtype()
        try:
            result = fn(*args, **kwargs)
        except (CheckTimeout, KeyboardInterrupt, Failure):
            raise
        except NotImplementedError as err:
            if is_stub(err):
                raise NotWritten() from None
            raise StudentRaised(err) from None  # torch's (an op not made for that dtype)
        except BaseException as err:  # noqa: BLE001 -- SystemExit too: it is the student's
            raise StudentRaised(err) from None
        if torch.is_grad_enabled() != grad:
            torch.set_grad_enabled(grad)  # for the rest of the check; the report says so
            self.fail("leak.grad_off" if grad else "leak.grad_on")
        if torch.get_default_dtype() != dtype:
            now = torch.get_default_dtype()
            torch.set_default_dtype(dtype)
            self.fail("leak.default_dtype", got=str(now).replace("torch.", ""),
                      expected=str(dtype).replace("torch.", ""))
        return result

    def fail(self, key: str, mistake: str | None = None, /, **fields):
        raise Failure(key, mistake, **fields)


def _library_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    found = {os.path.abspath(paths[k]) for k in ("stdlib", "platstdlib", "purelib", "platlib")
             if k in paths}
    found |= {os.path.abspath(p) for p in sys.path if "site-packages" in p}
    return tuple(sorted(found))


LIBRARY_DIRS = _library_dirs()


def is_students(filename: str) -> bool:
    if filename.startswith("<frozen") or filename.startswith("<__array_function__"):
        return False
    if filename.startswith("<"):
        return True
    path = os.path.abspath(filename)
    return path != HERE and not path.startswith(LIBRARY_DIRS)


def is_stub(error: NotImplementedError) -> bool:
    """The sheet's stub: its message ("write bce_loss here"), or a `raise
    NotImplementedError` on the student's own line; not torch's NotImplementedError for an
    op it has no kernel for (a Long tensor's log_softmax)."""
    if re.fullmatch(r"write \w+ here", str(error).strip()):
        return True
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and is_students(frames[-1].filename) and \
        "NotImplementedError" in (frames[-1].line or "")


def student_trace(error: BaseException) -> str:
    """The traceback of ``error`` through the student's own frames only: the checker's and
    the libraries' frames are left out."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if is_students(f.filename)]
    text = "".join(traceback.format_list(frames))
    return text + "".join(traceback.format_exception_only(type(error), error))


@contextlib.contextmanager
def quiet():
    """What the student's code prints, and its warnings, stay out of the report."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def alarm_usable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Raise CheckTimeout in the student's code after ``seconds``, where the platform has an
    alarm (not on Windows, not off the main thread); an alarm already set (pytest-timeout's)
    is put back afterwards."""
    if not seconds or not alarm_usable():
        yield
        return

    def expire(signum, frame):
        raise CheckTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    outer, interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            left = max(outer - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, interval)


# Errors whose text names a mistake a student makes (the student's traceback stays beside it).
ERROR_HINTS = [
    (r"a leaf Variable that requires grad is being used in an in-place operation",
     "hint.inplace_leaf"),
    (r"element 0 of tensors does not require grad", "hint.no_graph"),
    (r"Trying to backward through the graph a second time", "hint.backward_twice"),
    (r"doesn't match the broadcast shape", "hint.inplace_broadcast"),
    (r"mat1 and mat2 shapes cannot be multiplied", "hint.matmul_shapes"),
    (r"'ScratchModel' object has no attribute", "hint.scratch_model"),
    (r"to be on the same device|Found no NVIDIA driver|Torch not compiled with CUDA",
     "hint.device"),
    (r"[Ee]xpected .*(Long|Float|Double)|expected scalar type|found dtype", "hint.dtype"),
    (r"not implemented for 'Long'", "hint.long_scores"),
]


def hint_for(err: StudentRaised, ck: Ck, exercise) -> tuple[str | None, dict]:
    """The mistake a student's error points to, if one does."""
    error = err.error
    if isinstance(error, NameError) and ck.source is not None:
        name = getattr(error, "name", None) or \
            (re.findall(r"'(\w+)'", str(error)) or [None])[0]
        if name in ck.source.failed:
            line, why = ck.source.failed[name]
            return "hint.failed_line", {"name": name, "line": line, "error": why}
        if name in ck.source.skipped:
            return "hint.skipped_global", {"name": name, "line": ck.source.skipped[name]}
    if isinstance(error, TypeError) and exercise.name == "train_epoch" and re.search(
            r"step\(\) got an unexpected keyword argument 'loss_fn'", str(error)):
        return "loop.step_given_loss_fn", {}
    if isinstance(error, TypeError) and re.search(
            r"positional argument|unexpected keyword|required (positional|keyword)|takes \d+",
            str(error)):
        return "hint.signature", {"signature": exercise.signature}
    text = f"{type(error).__name__}: {error}"
    for pattern, key in ck.hints + ERROR_HINTS:
        if re.search(pattern, text):
            return key, {}
    return None, {}


@contextlib.contextmanager
def fresh_settings():
    """torch's settings as a fresh Python process has them, as the checks assume, whatever a
    notebook's earlier cells changed (a default dtype of float64, autograd switched off, a
    default device, anomaly detection, deterministic algorithms); the notebook's own are put
    back afterwards."""
    import torch  # noqa: PLC0415

    dtype = torch.get_default_dtype()
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    anomaly = torch.is_anomaly_enabled()
    with contextlib.ExitStack() as stack:
        stack.callback(torch.set_default_dtype, dtype)
        stack.callback(torch.use_deterministic_algorithms, deterministic, warn_only=warn_only)
        stack.callback(torch.autograd.set_detect_anomaly, anomaly)
        torch.set_default_dtype(torch.float32)
        torch.use_deterministic_algorithms(False)
        torch.autograd.set_detect_anomaly(False)
        stack.enter_context(torch.enable_grad())
        stack.enter_context(torch.inference_mode(False))
        if torch.empty(0).device.type != "cpu":  # torch.set_default_device in the notebook
            stack.enter_context(torch.device("cpu"))
        yield


def run_one(exercise, namespace: dict, source: Source | None = None,
            limit: float | None = TIME_LIMIT) -> Outcome:
    """Check one exercise on the functions ``namespace`` holds. Everything the student's code
    prints is swallowed; the global random state is as it was afterwards."""
    import torch  # noqa: PLC0415

    missing = [n for n in exercise.needs if not callable(namespace.get(n))]
    if exercise.name in missing and source is not None and exercise.name in source.failed:
        line, why = source.failed[exercise.name]  # its def or class statement raised
        mistake, fields = None, {}
        name = (re.findall(r"^NameError: name '(\w+)'", why) or [None])[0]
        if name in source.failed:  # a decorator from an import that failed, say
            mistake, fields = "hint.failed_line", {"name": name, "line": source.failed[name][0],
                                                   "error": source.failed[name][1]}
        elif name in source.skipped:
            mistake, fields = "hint.skipped_global", {"name": name, "line": source.skipped[name]}
        return Outcome(exercise.name, "raised", key="status.def_failed", mistake=mistake,
                       fields={"def_line": line, "def_error": why, **fields})
    if exercise.name in missing and source is not None and exercise.name in source.broken:
        cell, def_line, line, error = source.broken[exercise.name]  # its cell is not Python
        return Outcome(exercise.name, "syntax", key="status.def_syntax", fields={
            "cell": cell, "def_line": def_line, "line": line, "error": error})
    if exercise.name in missing and source is not None and exercise.name in source.nested:
        cell, line, block = source.nested[exercise.name]  # a def the checker does not run
        return Outcome(exercise.name, "nested", key="status.nested_cell" if cell else
                       "status.nested", fields={"cell": cell, "line": line, "block": block})
    if exercise.name in missing:  # not in this file, whatever else is missing
        return Outcome(exercise.name, "missing")
    if missing:  # the other functions it needs
        return Outcome(exercise.name, "needs", key="status.needs", fields={"names": missing})
    functions = [namespace[n] for n in exercise.needs]
    ck = Ck(source)
    outcome = Outcome(exercise.name, "passed")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the checks' tensors are tiny: more threads only wait on each other
    start = time.perf_counter()
    try:
        with quiet(), fresh_settings(), torch.random.fork_rng(devices=[]), time_limit(limit):
            exercise.check(ck, *functions)
        ck.stage(None)
    except Failure as failure:
        outcome.status, outcome.key, outcome.mistake = "failed", failure.key, failure.mistake
        outcome.fields = failure.fields
    except NotWritten:
        outcome.status = "not_written"
    except StudentRaised as err:
        outcome.status, outcome.key, outcome.trace = "raised", "status.raised", err.trace
        outcome.mistake, outcome.fields = hint_for(err, ck, exercise)
    except CheckTimeout:
        outcome.status, outcome.key = "timeout", "status.timeout"
        outcome.fields = {"seconds": f"{limit:g}"}
    except KeyboardInterrupt:
        outcome.status, outcome.key = "interrupted", "status.interrupted"
    except Exception as err:  # noqa: BLE001 -- the checker's own bug: say so, plainly
        outcome.status, outcome.key = "checker_bug", "status.checker_bug"
        outcome.fields = {"error": f"{type(err).__name__}: {err}"}
    finally:
        torch.set_num_threads(threads)
    outcome.passed, outcome.notes = list(ck.passed), ck.notes
    if outcome.status != "passed":
        outcome.case, outcome.stage = ck.case, ck.current
    outcome.seconds = round(time.perf_counter() - start, 3)
    return outcome


def run_checks(lab: str, namespace: dict, names=None, source: Source | None = None,
               limit: float | None = TIME_LIMIT) -> list[Outcome]:
    """Check every exercise of ``lab`` (or those ``names``) on ``namespace``'s functions, in
    the sheet's order."""
    outcomes = []
    for exercise in exercises(lab, names):
        outcomes.append(run_one(exercise, namespace, source, limit))
        if outcomes[-1].status == "interrupted":
            break
    return outcomes


# --------------------------------------------------------------------------- comparing
# Values are compared in float64 with tolerances that float32 code written a reasonable way
# meets. A wrong value names the entry that is furthest off, and where a known mistake gives
# exactly what came back (the sum instead of the mean, softmax over the other dimension), the
# mistake is named.
def fmt(x) -> str:
    """A number as the messages show it."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    return f"{x:.7g}"


def shape_text(shape) -> str:
    dims = [str(int(s)) for s in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def describe(value) -> str:
    """A value in Python's words (the same in both languages): type, shape, dtype, and the
    numbers themselves when there are few."""
    import numpy as np  # noqa: PLC0415
    import torch  # noqa: PLC0415

    if isinstance(value, torch.Tensor):
        text = f"tensor {shape_text(value.shape)} {str(value.dtype).replace('torch.', '')}"
        if value.requires_grad:
            text += " (requires_grad)"
        if value.numel() <= 6:
            text += " " + numbers_text(value.detach().cpu().flatten().tolist())
        return text
    if isinstance(value, np.ndarray):
        text = f"ndarray {shape_text(value.shape)} {value.dtype}"
        return text + (" " + numbers_text(value.flatten().tolist()) if value.size <= 6 else "")
    if isinstance(value, (bool, int, float, np.number)):
        return fmt(value)
    if value is None:
        return "None"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(describe(v) for v in value[:3]) + (", ..." if len(value) > 3 else "")
        return f"{type(value).__name__} of {len(value)} ({inner})"
    if isinstance(value, dict):
        return "dict {" + ", ".join(repr(k) for k in list(value)[:8]) + "}"
    return type(value).__name__


def numbers_text(values) -> str:
    return "[" + ", ".join(fmt(v) if isinstance(v, (int, float)) else str(v) for v in values) + "]"


def numeric(ck: Ck, value, what: str):
    """``value`` (a tensor, an array, a number or a list of numbers) as a float64 CPU tensor;
    anything else fails."""
    import numpy as np  # noqa: PLC0415
    import torch  # noqa: PLC0415

    if isinstance(value, torch.Tensor) and (value.is_floating_point() or
                                            value.dtype in (torch.int64, torch.int32,
                                                            torch.uint8, torch.bool)):
        return value.detach().to("cpu", torch.float64)
    with contextlib.suppress(TypeError, ValueError, RuntimeError):  # .item() of many elements
        if not isinstance(value, (str, bytes, dict)) and value is not None:
            array = np.asarray([v.item() if isinstance(v, torch.Tensor) else v for v in value]
                               if isinstance(value, (list, tuple)) else value, dtype=np.float64)
            return torch.from_numpy(array.copy())
    ck.fail("value.type", what=what, got=describe(value))


def close(got, expected, rtol: float, atol: float):
    """Entry by entry, |got - expected| <= atol + rtol |expected| (NaN is never close)."""
    return (got - expected).abs() <= atol + rtol * expected.abs()


def expect_close(ck: Ck, got, expected, what: str, rtol: float = 1e-5, atol: float = 1e-6,
                 alternatives=(), nonfinite: str | None = None, mistake: str | None = None):
    """Fail unless ``got`` equals ``expected`` (float64) within the tolerance. On a wrong
    value: the mistake of the first ``alternatives`` pair (key, value) that ``got`` equals,
    or ``nonfinite`` when ``got`` has inf or NaN where ``expected`` has none, or ``mistake``."""
    import torch  # noqa: PLC0415

    g = numeric(ck, got, what)
    e = expected.detach().to(torch.float64)
    if g.shape != e.shape and g.numel() == e.numel() == 1:
        g = g.reshape(e.shape)
    if g.shape != e.shape:
        for key, alt in alternatives:
            if alt.shape == g.shape and bool(close(g, alt.double(), 1e-4, 1e-6).all()):
                ck.fail("value.shape", key, what=what, expected=shape_text(e.shape),
                        got=shape_text(g.shape))
        ck.fail("value.shape", mistake, what=what, expected=shape_text(e.shape),
                got=shape_text(g.shape))
    ok = close(g, e, rtol, atol)
    if bool(ok.all()):
        return
    named = None
    if nonfinite and not bool(torch.isfinite(g).all()) and bool(torch.isfinite(e).all()):
        named = nonfinite
    for key, alt in alternatives:
        if named is None and alt.shape == g.shape and \
                bool(close(g, alt.double(), max(rtol, 1e-4), atol).all()):
            named = key
    excess = torch.where(torch.isnan(g), torch.full_like(g, math.inf),
                         (g - e).abs() - (atol + rtol * e.abs()))
    flat = int(torch.argmax(excess.flatten()))
    index = [int(i) for i in torch.unravel_index(torch.tensor(flat), e.shape)] if e.dim() \
        else []
    where = "[" + ", ".join(map(str, index)) + "]" if index else ""
    key = "value.wrong_at" if e.numel() > 1 else "value.wrong"
    if not math.isfinite(float(g.flatten()[flat])):
        key += "_inf"  # no "off by nan"
    ck.fail(key, named or mistake, what=what, where=where, expected=fmt(e.flatten()[flat]),
            got=fmt(g.flatten()[flat]), diff=fmt((g - e).abs().flatten()[flat]),
            wrong=int((~ok).sum()), total=e.numel())


def expect_tensor(ck: Ck, value, what: str, shape=None, dtype=None, shape_mistake=None,
                  dtype_mistake=None):
    import torch  # noqa: PLC0415

    if not isinstance(value, torch.Tensor):
        ck.fail("value.not_tensor", what=what, got=describe(value))
    if shape is not None and tuple(value.shape) != tuple(shape):
        ck.fail("value.shape", shape_mistake, what=what, expected=shape_text(shape),
                got=shape_text(value.shape))
    if dtype is not None and value.dtype != dtype:
        ck.fail("value.dtype", dtype_mistake, what=what,
                expected=str(dtype).replace("torch.", ""),
                got=str(value.dtype).replace("torch.", ""))
    return value


def expect_loss_value(ck: Ck, value, what: str, dtype=None):
    """A loss: a tensor holding one number (a mean, not one value per example)."""
    expect_tensor(ck, value, what)
    if value.numel() != 1:
        ck.fail("value.not_scalar", "loss.no_mean", what=what, got=shape_text(value.shape))
    if dtype is not None:
        expect_tensor(ck, value, what, dtype=dtype)
    return value


def no_graph(ck: Ck, value, what: str) -> None:
    """What a loop returns holds no autograd graph (Python numbers or detached tensors)."""
    import torch  # noqa: PLC0415

    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, torch.Tensor) and (item.requires_grad or item.grad_fn is not None):
            ck.fail("loop.graph", "loop.returns_graph", what=what, got=describe(item))
        if isinstance(item, (tuple, list)):
            stack.extend(item)


def as_number(ck: Ck, value, what: str) -> float:
    """A Python number, a numpy scalar or a one-number tensor, as a float."""
    import numpy as np  # noqa: PLC0415
    import torch  # noqa: PLC0415

    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            ck.fail("value.not_scalar", what=what, got=shape_text(value.shape))
        return float(value.detach().cpu().double().item())
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return float(value)
    ck.fail("value.type", what=what, got=describe(value))


def parts(ck: Ck, value, count: int, what: str) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != count:
        ck.fail("value.parts", what=what, count=count, got=describe(value))
    return tuple(value)


def accepts(fn, name: str) -> bool:
    """Whether ``fn`` has an argument called ``name``."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == name and p.kind is not p.VAR_POSITIONAL for p in params)


# --------------------------------------------------------------------------- instruments
# A small model that notes at each forward pass whether it was in training mode and whether
# autograd was recording; an SGD that notes each zero_grad and step; a hook that notes each
# backward pass. The order of those notes names the mistake when the weights come out wrong.
@functools.lru_cache(maxsize=None)
def kit():
    """The instrument classes (built on first use, so that `--help` needs no torch)."""
    import torch  # noqa: PLC0415
    import torch.nn.functional as F  # noqa: PLC0415
    from torch import nn  # noqa: PLC0415

    class Probe(nn.Module):
        """One linear layer on the flattened input, as logits, log-probabilities or a
        regression output, with optional dropout in front; each forward notes the mode."""

        def __init__(self, n_in: int, n_out: int, output: str, dropout: float = 0.0,
                     log: list | None = None):
            super().__init__()
            self.dropout = nn.Dropout(dropout)
            self.linear = nn.Linear(n_in, n_out)
            self.output, self.seen, self.inner = output, [], []  # inner: the dropout's mode
            self.log = [] if log is None else log

        def forward(self, x):
            self.seen.append((self.training, torch.is_grad_enabled()))
            self.inner.append(self.dropout.training)
            self.log.append("forward")
            z = self.linear(self.dropout(x.flatten(1)))
            return F.log_softmax(z, dim=1) if self.output == "log_probs" else z

        def zero_grad(self, set_to_none: bool = True):
            self.log.append("zero_grad")
            super().zero_grad(set_to_none)

    class SpySGD(torch.optim.SGD):
        def __init__(self, params, lr: float, log: list, momentum: float = 0.0):
            super().__init__(params, lr=lr, momentum=momentum)
            self.log = log

        def zero_grad(self, set_to_none: bool = True):
            self.log.append("zero_grad")
            super().zero_grad(set_to_none)

        def step(self, closure=None):
            self.log.append("step")
            return super().step(closure)

    class ScratchModel:
        """A model as lab2 writes one from scratch: no nn.Module, only __call__, parameters,
        train and eval."""

        def __init__(self, n_in: int, n_out: int, log: list):
            g = torch.Generator().manual_seed(5)
            self.weight = (torch.randn(n_in, n_out, generator=g) * 0.1).requires_grad_()
            self.bias = torch.zeros(n_out).requires_grad_()
            self.training, self.seen, self.log = True, [], log

        def __call__(self, x):
            self.seen.append((self.training, torch.is_grad_enabled()))
            self.log.append("forward")
            return x.flatten(1) @ self.weight + self.bias

        def parameters(self):
            return [self.weight, self.bias]

        def train(self, mode: bool = True):
            self.training = mode
            return self

        def eval(self):
            return self.train(False)

    class ScratchSGD:
        """An optimizer as lab2 writes one from scratch: step and zero_grad only."""

        def __init__(self, params, lr: float, log: list):
            self.params, self.lr, self.log = list(params), lr, log

        @torch.no_grad()
        def step(self):
            self.log.append("step")
            for p in self.params:
                if p.grad is not None:
                    p -= self.lr * p.grad

        def zero_grad(self, set_to_none: bool = True):
            self.log.append("zero_grad")
            for p in self.params:
                p.grad = None

    return types.SimpleNamespace(Probe=Probe, SpySGD=SpySGD, ScratchModel=ScratchModel,
                                 ScratchSGD=ScratchSGD)


@dataclasses.dataclass(frozen=True)
class Lesson:
    """What a lab's training functions take and return (its sheet says the same)."""
    output: str          # the model's output: "logits", "log_probs" or "regression"
    step_returns: str    # train_step returns "loss_out" (loss, output) or "loss"
    loss_fn: bool        # train_step and evaluate take a loss_fn (lab2)
    epoch_returns: str   # "record" (per-step losses, outputs, targets), "loss_acc" or "loss"
    eval_returns: str    # "loss_acc" or "mse_rmse"


LESSONS = {
    "lab2": Lesson("logits", "loss_out", True, "record", "loss_acc"),
    "lab3": Lesson("logits", "loss_out", False, "loss_acc", "loss_acc"),
    "lab4": Lesson("regression", "loss", False, "loss", "mse_rmse"),
    "mnist": Lesson("log_probs", "loss", False, "loss", "loss_acc"),
}
N_IN, N_CLASSES, LR = 6, 3, 0.1
STEP_LR = 0.0731  # train_step's: a rate no one hard-codes, so the optimizer's must be used


def lesson_data(lesson: Lesson, n: int = 10, seed: int = 1):
    """``n`` examples: features, and class labels or a (n, 1) float32 regression target."""
    import torch  # noqa: PLC0415

    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, N_IN, generator=g)
    if lesson.output == "regression":
        w = torch.randn(N_IN, 1, generator=g)
        return x, x @ w + 0.3 * torch.randn(n, 1, generator=g)
    return x, torch.randint(0, N_CLASSES, (n,), generator=g)


def lesson_model(lesson: Lesson, log: list, dropout: float = 0.0, seed: int = 3):
    import torch  # noqa: PLC0415

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return kit().Probe(N_IN, 1 if lesson.output == "regression" else N_CLASSES, lesson.output,
                     dropout, log)


def batches(x, y, batch_size: int = 4):
    """A plain DataLoader, in order: 10 examples give batches of 4, 4 and a last one of 2."""
    import torch  # noqa: PLC0415

    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y),
                                       batch_size=batch_size)


def oracle_loss(lesson: Lesson, out, y, reduction: str = "mean"):
    """The lesson's loss of one batch, as torch computes it (none of these clamps)."""
    import torch.nn.functional as F  # noqa: PLC0415

    if lesson.output == "regression":
        return F.mse_loss(out, y.to(out.dtype), reduction=reduction)
    if lesson.output == "log_probs":
        return F.nll_loss(out, y, reduction=reduction)
    return F.cross_entropy(out, y, reduction=reduction)


def watch_backward(params, log: list) -> None:
    for p in params:
        p.register_hook(lambda grad: log.append("backward") or None)


def order_mistake(log: list) -> str | None:
    """The mistake the order of forward, zero_grad, backward and step shows, if any."""
    if "step" not in log:
        return "step.no_step"
    if "backward" not in log:
        return "step.no_backward"
    back, step = log.index("backward"), log.index("step")
    if step < back:
        return "step.step_before_backward"
    zeros = [i for i, event in enumerate(log) if event == "zero_grad"]
    if not zeros:
        return "step.zero_grad_missing"
    if any(back < z < step for z in zeros):
        return "step.zero_grad_between"
    return None


# --------------------------------------------------------------------------- the lessons
# One check for each, with what differs between the labs in `Lesson`. The expected numbers
# come from the same step done in float64 on a copy of the model.
def expected_steps(model, steps: list, lesson: Lesson, lr: float) -> list:
    """The loss, output and weights after each of the SGD steps on ``steps`` (a list of
    (x, y) batches), done right in float64 on a copy of the model."""
    import torch  # noqa: PLC0415

    twin = copy.deepcopy(model)
    if isinstance(twin, torch.nn.Module):
        twin.double()
    else:  # lab2's from-scratch form
        twin.weight = twin.weight.detach().double().requires_grad_()
        twin.bias = twin.bias.detach().double().requires_grad_()
    params = list(twin.parameters())
    found = []
    for x, y in steps:
        for p in params:
            p.grad = None
        out = twin(x.double())
        loss = oracle_loss(lesson, out, y)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        found.append((loss.detach(), out.detach(),
                      torch.cat([p.detach().flatten() for p in params])))
    return found


def loss_alternatives(lesson: Lesson, out, y) -> list:
    """What a step's loss comes out as under the known mistakes."""
    import torch.nn.functional as F  # noqa: PLC0415

    found = [("loss.sum_not_mean", oracle_loss(lesson, out, y, "sum"))]
    if lesson.output == "logits":
        found.append(("step.softmax_before_ce", F.cross_entropy(F.softmax(out, 1), y)))
        found.append(("step.nll_on_logits", F.nll_loss(out, y)))
    if lesson.output == "regression":
        found.append(("loss.broadcast", ((out - y.view(-1).double()) ** 2).mean()))
    return found


def check_train_step(ck: Ck, train_step, lesson: Lesson) -> None:
    """Two steps in a row, from clean gradients: the first shows the order of the step's
    parts, the second whether the first one's gradients were cleared."""
    import torch  # noqa: PLC0415
    import torch.nn.functional as F  # noqa: PLC0415

    K = kit()
    x, y = lesson_data(lesson)
    steps = [(x[:4], y[:4]), (x[4:8], y[4:8])]
    calls = []  # the targets loss_fn was handed

    def loss_fn(out, target):
        calls.append(target)
        return F.cross_entropy(out, target)

    log = []
    model = lesson_model(lesson, log)
    expected = expected_steps(model, steps, lesson, STEP_LR)
    watch_backward(model.parameters(), log)
    optimizer = K.SpySGD(model.parameters(), STEP_LR, log)
    model.train()
    ck.stage("stage.runs")
    for k, ((xb, yb), (loss0, out0, after)) in enumerate(zip(steps, expected), 1):
        ck.given("case.step", k=k, n=len(xb), model=f"Linear({N_IN}, {out0.shape[1]})",
                 lr=STEP_LR)
        before = torch.cat([p.detach().flatten() for p in model.parameters()])
        handed = len(calls)
        result = ck.call(train_step, model, xb, yb, optimizer,
                         **({"loss_fn": loss_fn} if lesson.loss_fn else {}))
        if k == 1:
            ck.stage("stage.returns")
        if lesson.step_returns == "loss_out":
            loss, out = parts(ck, result, 2, "train_step")
            if isinstance(loss, torch.Tensor) and tuple(loss.shape) == tuple(out0.shape) and (
                    isinstance(out, (int, float)) or
                    isinstance(out, torch.Tensor) and out.numel() == 1):
                ck.fail("step.swapped", got=f"({describe(loss)}, {describe(out)})")
            expect_tensor(ck, out, "the output", shape=out0.shape)
        else:
            loss, out = result, None
        if not isinstance(loss, torch.Tensor):
            ck.fail("step.loss_not_tensor", got=describe(loss))
        expect_loss_value(ck, loss, "the loss")
        expect_training(ck, model)
        if k == 1:
            ck.stage("stage.loss")
        for target in calls[handed:]:  # lab2's own losses (bce_loss) take the targets as given
            if not (isinstance(target, torch.Tensor) and target.shape == yb.shape and
                    torch.equal(target.detach().cpu().to(yb.dtype), yb)):
                ck.fail("step.targets_changed", got=describe(target), expected=describe(yb))
        expect_close(ck, loss, loss0, "the loss",
                     alternatives=loss_alternatives(lesson, out0, yb))
        if out is not None:
            expect_close(ck, out, out0, "the output")
        if k == 1:
            ck.stage("stage.update")
        expect_optimizer_used(ck, log, before, model)
        expect_close(ck, torch.cat([p.detach().flatten() for p in model.parameters()]), after,
                     "the weights after the step", mistake=order_mistake(log))
    if not lesson.loss_fn:
        return
    if not calls:
        ck.fail("step.loss_fn_ignored")
    ck.stage("stage.scratch")
    log = []
    scratch = K.ScratchModel(N_IN, N_CLASSES, log)
    expected = expected_steps(scratch, steps, lesson, STEP_LR)
    watch_backward(scratch.parameters(), log)
    optimizer = K.ScratchSGD(scratch.parameters(), STEP_LR, log)
    scratch.train()
    for k, ((xb, yb), (_, _, after)) in enumerate(zip(steps, expected), 1):
        ck.given("case.step_scratch", k=k, n=len(xb), lr=STEP_LR)
        before = torch.cat([p.detach().flatten() for p in scratch.parameters()])
        ck.call(train_step, scratch, xb, yb, optimizer, loss_fn=F.cross_entropy)
        expect_training(ck, scratch)
        expect_optimizer_used(ck, log, before, scratch)
        expect_close(ck, torch.cat([p.detach().flatten() for p in scratch.parameters()]), after,
                     "the weights after the step", mistake=order_mistake(log))


def expect_optimizer_used(ck: Ck, log: list, before, model) -> None:
    """The weights moved, but not through the optimizer handed in: an update by hand."""
    import torch  # noqa: PLC0415

    now = torch.cat([p.detach().flatten() for p in model.parameters()])
    if "step" not in log and not torch.equal(now, before):
        ck.fail("step.optimizer_unused")


def expect_training(ck: Ck, model) -> None:
    """A training step leaves the model's mode alone: it ran, and stays, in training mode."""
    if any(not training for training, _ in model.seen) or not model.training:
        ck.fail("step.eval_mode")


def own_loss(out, y):
    """The loss of the step lab2's train_epoch is given: cross-entropy with label smoothing,
    standing for a run's own loss (the logistic runs pass bce_loss). A loop that computes its
    own cross-entropy instead of using the step's gives other numbers."""
    import torch.nn.functional as F  # noqa: PLC0415
    return F.cross_entropy(out, y, label_smoothing=0.2)


def recording_step(lesson: Lesson, records: list, loss_fn=None):
    """A correct train_step of the lesson's form that records each batch's loss, output and
    targets: what the loop was given back, to check what it makes of them. ``loss_fn``: the
    loss it trains on, the lesson's by default."""
    def step(model, x, y, optimizer):
        out = model(x)
        loss = loss_fn(out, y) if loss_fn else oracle_loss(lesson, out, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        records.append((loss.detach().clone(), out.detach().clone(), y.clone()))
        return (loss, out) if lesson.step_returns == "loss_out" else loss
    return step


def epoch_expected(lesson: Lesson, records: list) -> dict:
    """The epoch's numbers from what each step returned, and the known wrong ones."""
    import torch  # noqa: PLC0415

    losses = torch.stack([r[0].double() for r in records])
    sizes = torch.tensor([len(r[2]) for r in records], dtype=torch.float64)
    n = sizes.sum()
    full = len(records) * sizes.max()  # every batch counted as a full one
    found = {"loss": (losses * sizes).sum() / n,
             "loss_alts": [("loop.mean_of_batch_means", losses.mean()),
                           ("loop.sum_not_mean", (losses * sizes).sum()),
                           ("loop.sum_not_mean", losses.sum()),
                           ("loop.sum_of_means", losses.sum() / n),
                           ("loop.full_batches", (losses * sizes).sum() / full),
                           ("loop.last_batch_full", losses.sum() * sizes.max() / n)]}
    if lesson.output != "regression":
        hits = torch.stack([(r[1].argmax(1) == r[2]).sum().double() for r in records])
        found["acc"] = hits.sum() / n
        found["acc_alts"] = [("loop.accuracy_count", hits.sum()),
                             ("loop.mean_of_batch_means", (hits / sizes).mean()),
                             ("loop.accuracy_percent", 100 * hits.sum() / n),
                             ("loop.full_batches", hits.sum() / full)]
    return found


def check_train_epoch(ck: Ck, train_epoch, lesson: Lesson) -> None:
    """One epoch of 10 examples in batches of 4, 4 and 2. Where the loop takes a `step`, it
    gets a correct one that records what it returned (in lab2, on a loss of its own, as the
    logistic runs pass theirs), every batch must go through it, and the loop's numbers are
    checked against those records; otherwise against the same epoch replayed on a copy of the
    model."""
    import torch  # noqa: PLC0415

    SpySGD = kit().SpySGD
    x, y = lesson_data(lesson)
    takes_step = accepts(train_epoch, "step")
    loss_fn = own_loss if takes_step and lesson.loss_fn else None
    log, given, replayed = [], [], []
    model = lesson_model(lesson, log)
    optimizer = SpySGD(model.parameters(), LR, log)
    twin = copy.deepcopy(model)
    twin.log = []
    twin_optimizer = SpySGD(twin.parameters(), LR, twin.log)
    twin.train()
    for xb, yb in batches(x, y):
        recording_step(lesson, replayed, loss_fn)(twin, xb, yb, twin_optimizer)
    model.eval()  # a loop that forgets model.train() leaves it so
    watch_backward(model.parameters(), log)
    extra = {"step": recording_step(lesson, given, loss_fn)} if takes_step else {}
    watched = []  # lab2's on_step: what each call was given, as the call saw it

    def on_step(*args, **kwargs):
        if len(args) == 3 and not kwargs and all(isinstance(a, list) for a in args):
            watched.append("lists of " + ", ".join(str(len(a)) for a in args))
        else:
            watched.append(", ".join([describe(a) for a in args] +
                                     [f"{k}={describe(v)}" for k, v in kwargs.items()]))
    if lesson.epoch_returns == "record" and accepts(train_epoch, "on_step"):
        extra["on_step"] = on_step
    ck.stage("stage.runs")
    ck.given("case.loop", n=len(x), sizes="4, 4, 2", lr=LR)
    result = ck.call(train_epoch, model, batches(x, y), optimizer, **extra)
    ck.stage("stage.batches")
    if takes_step and not given and model.seen:
        ck.fail("loop.step_ignored", "loop.step_loss" if lesson.loss_fn else None)
    if given:
        expect_batches(ck, given, [4, 4, 2])
    if not model.seen:
        ck.fail("loop.batches", got="-", expected="4, 4, 2")
    if watched and watched != [f"lists of {n}, {n}, {n}" for n in (1, 2, 3)]:  # or unused
        ck.stage("stage.on_step")
        ck.fail("loop.on_step", got="; ".join(map(str, watched)))
    records = given if takes_step else replayed
    ck.stage("stage.mode")
    expect_trained_in_train_mode(ck, model.seen)
    ck.stage("stage.update_epoch")
    expect_close(ck, torch.cat([p.detach().flatten() for p in model.parameters()]),
                 torch.cat([p.detach().flatten() for p in twin.parameters()]),
                 "the weights after the epoch", rtol=1e-4, atol=1e-6,
                 mistake=order_mistake(log))
    ck.stage("stage.returns")
    no_graph(ck, result, "train_epoch")
    expected = epoch_expected(lesson, records)
    tol = {"rtol": 1e-5, "atol": 1e-6} if takes_step else {"rtol": 1e-4, "atol": 1e-5}
    if lesson.epoch_returns == "record":
        losses, outputs, targets = parts(ck, result, 3, "train_epoch")
        if not isinstance(losses, torch.Tensor):  # lab2's fit calls .cpu() and .double() on it
            ck.fail("value.not_tensor", "loop.losses_not_tensor", what="the per-step losses",
                    got=describe(losses))
        ck.stage("stage.values")
        recomputed = torch.stack([oracle_loss(lesson, r[1].double(), r[2]) for r in records])
        expect_close(ck, losses, torch.stack([r[0] for r in records]),
                     "the per-step losses", **tol,
                     alternatives=[("loop.loss_recomputed", recomputed)] if loss_fn else ())
        expect_close(ck, outputs, torch.cat([r[1] for r in records]), "the outputs", **tol)
        expect_close(ck, targets, torch.cat([r[2] for r in records]), "the targets")
    elif lesson.epoch_returns == "loss_acc":
        loss, acc = parts(ck, result, 2, "train_epoch")
        loss, acc = as_number(ck, loss, "the mean loss"), as_number(ck, acc, "the accuracy")
        ck.stage("stage.values")
        expect_order(ck, loss, acc, expected["loss"], expected["acc"])
        expect_close(ck, torch.tensor(loss), expected["loss"], "the mean loss",
                     alternatives=expected["loss_alts"], **tol)
        expect_close(ck, torch.tensor(acc), expected["acc"], "the accuracy",
                     alternatives=expected["acc_alts"], **tol)
    else:
        loss = as_number(ck, result, "the mean loss")
        ck.stage("stage.values")
        expect_close(ck, torch.tensor(loss), expected["loss"], "the mean loss",
                     alternatives=expected["loss_alts"], **tol)
    check_fitting_epoch(ck, train_epoch, lesson, takes_step, loss_fn, tol)
    if lesson.loss_fn and takes_step:  # lab2's scratch runs train models of their own
        check_scratch_epoch(ck, train_epoch, lesson, tol)


def expect_batches(ck: Ck, given: list, expected: list[int]) -> None:
    """Every batch went through the step the loop was given, in order: ``given`` holds what
    recording_step saw, one record per call."""
    sizes = [len(r[2]) for r in given]
    if sizes != expected:
        ck.fail("loop.batches", got=", ".join(map(str, sizes)) or "-",
                expected=", ".join(map(str, expected)))


def check_scratch_epoch(ck: Ck, train_epoch, lesson: Lesson, tol: dict) -> None:
    """lab2's epoch on a from-scratch model and SGD (no nn.Module: parameters() is a list)."""
    import torch  # noqa: PLC0415

    K = kit()
    x, y = lesson_data(lesson)
    log, given = [], []
    scratch = K.ScratchModel(N_IN, N_CLASSES, log)
    scratch.eval()
    ck.stage("stage.scratch_model")
    ck.given("case.loop_scratch", n=len(x), sizes="4, 4, 2", lr=LR)
    ck.hints.insert(0, (r".", "hint.scratch_loop"))
    result = ck.call(train_epoch, scratch, batches(x, y), K.ScratchSGD(scratch.parameters(), LR,
                                                                        log),
                     step=recording_step(lesson, given, own_loss))
    expect_batches(ck, given, [4, 4, 2])
    expect_trained_in_train_mode(ck, scratch.seen)
    losses, outputs, targets = parts(ck, result, 3, "train_epoch")
    expect_close(ck, losses, torch.stack([r[0] for r in given]), "the per-step losses", **tol)
    expect_close(ck, outputs, torch.cat([r[1] for r in given]), "the outputs", **tol)
    expect_close(ck, targets, torch.cat([r[2] for r in given]), "the targets")


def check_fitting_epoch(ck: Ck, train_epoch, lesson: Lesson, takes_step: bool, loss_fn,
                        tol: dict) -> None:
    """A second epoch, over 9 examples in batches of 4, 4 and 1: a batch of one keeps its
    batch dimension, and, for a classifier, with a learning rate so large that each step makes
    the model fit the batch it saw, the accuracy is that of the outputs the step returned, not
    of a second pass after the update (on these batches, 2 of 9 against 9 of 9)."""
    import torch  # noqa: PLC0415

    lr = LR if lesson.output == "regression" else 5.0
    x, y = lesson_data(lesson, n=9, seed=6)
    model = lesson_model(lesson, [])
    twin = copy.deepcopy(model)
    given, replayed, after = [], [], []

    def noting_after(step):
        """``step``, noting the predictions of the updated model on the batch."""
        def noted(model, x, y, optimizer):  # the names a student's loop may pass by keyword
            result = step(model, x, y, optimizer)
            with torch.no_grad():
                after.append(model.linear(x.flatten(1)).argmax(1))
            return result
        return noted

    if not takes_step:  # the same epoch on a copy, to compare with
        twin.train()
        optimizer = torch.optim.SGD(twin.parameters(), lr=lr)
        for xb, yb in batches(x, y):
            noting_after(recording_step(lesson, replayed, loss_fn))(twin, xb, yb, optimizer)
    extra = {"step": noting_after(recording_step(lesson, given, loss_fn))} if takes_step else {}
    ck.stage("stage.fitting_epoch")
    ck.given("case.loop_fitting", n=len(x), sizes="4, 4, 1", lr=fmt(lr))
    ck.hints.append((r".", "loop.batch_of_one"))  # it ran on 4, 4 and 2 a moment ago
    model.train()
    result = ck.call(train_epoch, model, batches(x, y),
                     torch.optim.SGD(model.parameters(), lr=lr), **extra)
    if takes_step:
        expect_batches(ck, given, [4, 4, 1])
    records = given if takes_step else replayed
    expected = epoch_expected(lesson, records)
    no_graph(ck, result, "train_epoch")
    if lesson.epoch_returns == "record":
        losses, outputs, targets = parts(ck, result, 3, "train_epoch")
        expect_close(ck, losses, torch.stack([r[0] for r in records]), "the per-step losses",
                     **tol)
        expect_close(ck, outputs, torch.cat([r[1] for r in records]), "the outputs", **tol)
        expect_close(ck, targets, torch.cat([r[2] for r in records]), "the targets")
        return
    if lesson.epoch_returns == "loss_acc":
        loss, acc = parts(ck, result, 2, "train_epoch")
        loss, acc = as_number(ck, loss, "the mean loss"), as_number(ck, acc, "the accuracy")
    else:
        loss, acc = as_number(ck, result, "the mean loss"), None
    expect_close(ck, torch.tensor(loss), expected["loss"], "the mean loss",
                 alternatives=expected["loss_alts"], **tol)
    if acc is not None:
        hits = sum(int((a == r[2]).sum()) for a, r in zip(after, records))
        expect_close(ck, torch.tensor(acc), expected["acc"], "the accuracy",
                     alternatives=[("loop.acc_after_update", torch.tensor(hits / len(x))),
                                   *expected["acc_alts"]], **tol)


def expect_trained_in_train_mode(ck: Ck, seen: list) -> None:
    """Every forward pass of the epoch that autograd recorded (a training step's) ran in
    training mode; what went wrong is told from the order of the passes: passes without
    autograd (an evaluation inside the loop) before the first one in eval mode, the mode
    switched on late, or off partway, or never on."""
    recorded = [(i, training) for i, (training, grad) in enumerate(seen) if grad]
    wrong = [i for i, training in recorded if not training]
    if not wrong:
        return
    if any(not grad for _, grad in seen[:wrong[0]]):
        mistake = "loop.eval_inside"
    elif recorded[0][1]:
        mistake = "loop.mode_switched"
    elif any(training for _, training in recorded):
        mistake = "loop.train_late"
    else:
        mistake = "loop.train_missing"
    ck.fail("loop.trained_in_eval", mistake, count=len(wrong), total=len(recorded))


def expect_order(ck: Ck, first: float, second: float, loss, acc) -> None:
    """Fail when (loss, accuracy) came back as (accuracy, loss)."""
    right = abs(first - float(loss)) <= 1e-4 * abs(float(loss)) + 1e-5
    if not right and abs(first - float(acc)) <= 1e-6 and \
            abs(second - float(loss)) <= 1e-4 * abs(float(loss)) + 1e-5:
        ck.fail("loop.order", got=f"({fmt(first)}, {fmt(second)})",
                expected=f"({fmt(float(loss))}, {fmt(float(acc))})")


def check_evaluate(ck: Ck, evaluate, lesson: Lesson) -> None:
    import torch  # noqa: PLC0415
    import torch.nn.functional as F  # noqa: PLC0415

    x, y = lesson_data(lesson, seed=4)
    model = lesson_model(lesson, [], dropout=0.5)
    model.train()  # an evaluation that forgets model.eval() leaves it so
    twin = copy.deepcopy(model).double().eval()
    calls = []

    def loss_fn(out, target):
        calls.append(1)
        return F.cross_entropy(out, target)

    passes = []  # how many examples each forward pass was given

    def note_size(module, args):
        if args and isinstance(args[0], torch.Tensor) and args[0].dim():
            passes.append(len(args[0]))

    model.register_forward_pre_hook(note_size)
    ck.stage("stage.runs")
    ck.given("case.evaluate", n=len(x), sizes="4, 4, 2")
    extra = {"loss_fn": loss_fn} if lesson.loss_fn else {}
    result = ck.call(evaluate, model, batches(x, y), **extra)
    ck.stage("stage.batches")
    if not model.seen or sum(passes) < len(x):  # a batch left out (a second pass is fine)
        ck.fail("loop.batches", got=", ".join(map(str, passes)) or "-", expected="4, 4, 2")
    ck.stage("stage.mode")
    total = len(model.seen)
    count = sum(training for training, _ in model.seen)
    if count:
        ck.fail("loop.evaluated_in_train", "loop.eval_missing", count=count, total=total)
    count = sum(model.inner)
    if count:  # model.training = False by hand: the submodules keep theirs
        ck.fail("loop.evaluated_in_train", "loop.children_training", count=count, total=total)
    count = sum(grad for _, grad in model.seen)
    if count:
        ck.fail("loop.evaluated_recording", "loop.no_grad_missing", count=count, total=total)
    ck.stage("stage.returns")
    no_graph(ck, result, "evaluate")
    first, second = parts(ck, result, 2, "evaluate")
    first, second = as_number(ck, first, "the first value"), as_number(ck, second,
                                                                       "the second value")
    if lesson.loss_fn and not calls:
        ck.fail("step.loss_fn_ignored")
    ck.stage("stage.values")
    with torch.no_grad():
        outs = [twin(xb.double()) for xb, _ in batches(x, y)]
        ys = [yb for _, yb in batches(x, y)]
        sizes = torch.tensor([len(b) for b in ys], dtype=torch.float64)
        sums = torch.stack([oracle_loss(lesson, o, b, "sum") for o, b in zip(outs, ys)])
        mean = sums.sum() / sizes.sum()
        if lesson.eval_returns == "mse_rmse":
            # an (N,) against an (N, 1): every output against every target, batch by batch
            # or all at once
            pairs = [((o.view(-1) - b.view(-1, 1).double()) ** 2).mean() for o, b in zip(outs, ys)]
            every = (torch.cat(outs).view(-1) - torch.cat(ys).view(-1, 1).double()) ** 2
            alts = [("loop.mean_of_batch_means", (sums / sizes).mean()),
                    ("loop.last_batch_full", (sums / sizes).sum() * sizes.max() / sizes.sum()),
                    ("loss.broadcast", (torch.stack(pairs) * sizes).sum() / sizes.sum()),
                    ("loss.broadcast", every.mean()), ("loop.mse_rmse_swapped", mean.sqrt())]
            expect_close(ck, torch.tensor(first), mean, "the MSE", alternatives=alts)
            expect_close(ck, torch.tensor(second), mean.sqrt(), "the RMSE", alternatives=[
                ("loop.rmse_of_batches", (sums / sizes).sqrt().mean())])
            check_evaluate_one(ck, evaluate, lesson, extra)
            return
        hits = torch.stack([(o.argmax(1) == b).sum().double() for o, b in zip(outs, ys)])
        alts = [("loop.mean_of_batch_means", (sums / sizes).mean()),
                ("loop.sum_not_mean", sums.sum()),
                ("loop.last_batch_full", (sums / sizes).sum() * sizes.max() / sizes.sum()),
                ("loop.full_batches", sums.sum() / (len(sizes) * sizes.max()))]
        if lesson.output == "logits":
            alts.append(("step.softmax_before_ce", sum(
                F.cross_entropy(F.softmax(o, 1), b, reduction="sum") for o, b in zip(outs, ys))
                / sizes.sum()))
        expect_order(ck, first, second, mean, hits.sum() / sizes.sum())
        expect_close(ck, torch.tensor(first), mean, "the mean loss", alternatives=alts)
        expect_close(ck, torch.tensor(second), hits.sum() / sizes.sum(), "the accuracy",
                     alternatives=[("loop.accuracy_count", hits.sum()),
                                   ("loop.mean_of_batch_means", (hits / sizes).mean()),
                                   ("loop.accuracy_percent", 100 * hits.sum() / sizes.sum())])
    check_evaluate_one(ck, evaluate, lesson, extra)
    if lesson.loss_fn:  # lab2's scratch runs evaluate models of their own
        check_evaluate_scratch(ck, evaluate, lesson)


def check_evaluate_scratch(ck: Ck, evaluate, lesson: Lesson) -> None:
    """lab2's evaluation of a from-scratch model (no nn.Module: parameters() is a list)."""
    import torch  # noqa: PLC0415
    import torch.nn.functional as F  # noqa: PLC0415

    x, y = lesson_data(lesson, seed=8)
    scratch = kit().ScratchModel(N_IN, N_CLASSES, [])
    ck.stage("stage.scratch_model")
    ck.given("case.evaluate_scratch", n=len(x), sizes="4, 4, 2")
    ck.hints.insert(0, (r".", "hint.scratch_loop"))
    result = ck.call(evaluate, scratch, batches(x, y), loss_fn=F.cross_entropy)
    first, second = parts(ck, result, 2, "evaluate")
    first, second = as_number(ck, first, "the first value"), as_number(ck, second,
                                                                       "the second value")
    with torch.no_grad():
        out = x.double() @ scratch.weight.double() + scratch.bias.double()
        mean = oracle_loss(lesson, out, y)
    expect_close(ck, torch.tensor(first), mean, "the mean loss")
    expect_close(ck, torch.tensor(second), (out.argmax(1) == y).double().mean(), "the accuracy")


def check_evaluate_one(ck: Ck, evaluate, lesson: Lesson, extra: dict) -> None:
    """The evaluation of 9 examples in batches of 4, 4 and 1: a batch of one keeps its batch
    dimension (a squeeze() turns its output (1, C) into (C,))."""
    import torch  # noqa: PLC0415

    x, y = lesson_data(lesson, n=9, seed=7)
    model = lesson_model(lesson, [], dropout=0.5)
    model.train()
    twin = copy.deepcopy(model).double().eval()
    ck.stage("stage.edge")
    ck.given("case.evaluate", n=len(x), sizes="4, 4, 1")
    ck.hints.append((r".", "loop.batch_of_one"))  # it ran on 4, 4 and 2 a moment ago
    result = ck.call(evaluate, model, batches(x, y), **extra)
    first, second = parts(ck, result, 2, "evaluate")
    first, second = as_number(ck, first, "the first value"), as_number(ck, second,
                                                                       "the second value")
    with torch.no_grad():
        out = twin(x.double())
        mean = oracle_loss(lesson, out, y)
    if lesson.eval_returns == "mse_rmse":
        expect_close(ck, torch.tensor(first), mean, "the MSE")
        expect_close(ck, torch.tensor(second), mean.sqrt(), "the RMSE")
    else:
        expect_close(ck, torch.tensor(first), mean, "the mean loss")
        expect_close(ck, torch.tensor(second), (out.argmax(1) == y).double().mean(),
                     "the accuracy")


# --------------------------------------------------------------------------- lab2
# BCE and cross-entropy against their formulas in float64 (log-sum-exp for the softmax), with
# hand-worked values (the write-up's BCE(sigmoid(0.8), 1) = 0.37110066; equal logits give
# log C), probabilities of exactly 0 and 1, logits of +-1000, and gradients in float64.
def random_generator(seed: int):
    import torch  # noqa: PLC0415
    return torch.Generator().manual_seed(seed)


def call_keeping(ck: Ck, name: str, fn, *args, names: tuple):
    """``fn(*args)``, failing if it changed a tensor it was given (its shape, dtype or
    values): the caller still uses it."""
    import torch  # noqa: PLC0415

    kept = [a.detach().clone() for a in args[:len(names)]]
    result = ck.call(fn, *args)
    for arg, before, what in zip(args, kept, names):
        if arg.shape != before.shape or arg.dtype != before.dtype or \
                not torch.equal(arg.detach(), before):
            ck.fail("input.changed", fn=name, what=what, expected=describe(before),
                    got=describe(arg))
    return result


def bce_terms(p, t):
    return -(t * p.log() + (1 - t) * (1 - p).log())


def bce_alternatives(p, t) -> list:
    """What the BCE of probabilities ``p`` against targets ``t`` comes out as under the known
    mistakes."""
    p, t = p.double(), t.double()
    terms = bce_terms(p, t)
    return [("loss.sum_not_mean", terms.sum()), ("loss.sign", -terms.mean()),
            ("bce.swapped", bce_terms(1 - p, t).mean()), ("bce.one_term", (-t * p.log()).mean()),
            ("bce.sigmoid_inside", bce_terms(p.sigmoid(), t).mean())]


def check_bce_loss(ck: Ck, bce_loss) -> None:
    import torch  # noqa: PLC0415

    g = random_generator(20)
    ck.stage("stage.runs")
    ck.given("case.bce_writeup")
    p, t = torch.sigmoid(torch.tensor([[0.8]])), torch.tensor([[1.0]])
    out = ck.call(bce_loss, p, t)
    ck.stage("stage.returns")
    expect_loss_value(ck, out, "the loss", dtype=torch.float32)
    ck.stage("stage.hand")
    expect_close(ck, out, torch.tensor(math.log1p(math.exp(-0.8)), dtype=torch.float64),
                 "the loss", alternatives=bce_alternatives(p, t))
    ck.given("case.bce_half")
    p, t = torch.full((4, 1), 0.5), torch.tensor([[0.0], [1.0], [0.3], [0.9]])
    expect_close(ck, ck.call(bce_loss, p, t), torch.tensor(math.log(2.0), dtype=torch.float64),
                 "the loss", alternatives=bce_alternatives(p, t))
    ck.stage("stage.random")
    for trial in range(20):
        n = 2 + int(torch.randint(0, 40, (1,), generator=g))
        p = torch.rand(n, 1, generator=g) * 0.96 + 0.02
        t = torch.rand(n, 1, generator=g)
        t = (t > 0.5).float() if trial % 2 else t
        ck.given("case.bce_random", shape=shape_text(p.shape),
                 targets="0/1" if trial % 2 else "[0, 1]")
        got = expect_loss_value(ck, call_keeping(ck, "bce_loss", bce_loss, p, t,
                                                 names=("pred", "target")), "the loss")
        expect_close(ck, got, bce_terms(p.double(), t.double()).mean(), "the loss",
                     alternatives=bce_alternatives(p, t))
    ck.stage("stage.edge")
    ck.given("case.bce_certain_right")
    got = as_number(ck, expect_loss_value(ck, ck.call(bce_loss, torch.tensor([[1.0], [0.0]]),
                                                     torch.tensor([[1.0], [0.0]])), "the loss"),
                    "the loss")
    if not math.isfinite(got):
        ck.fail("value.not_finite", "bce.log_zero", what="the loss", got=fmt(got))
    if got > 0.02:
        ck.fail("bce.edge_right", got=fmt(got))
    ck.given("case.bce_certain_wrong")
    got = as_number(ck, expect_loss_value(ck, ck.call(bce_loss, torch.tensor([[0.0], [1.0]]),
                                                     torch.tensor([[1.0], [0.0]])), "the loss"),
                    "the loss")
    if not math.isfinite(got):
        ck.fail("value.not_finite", "bce.log_zero", what="the loss", got=fmt(got))
    if got < 4.6:
        ck.fail("bce.edge_wrong", got=fmt(got))
    # Small but not 0: each costs -log p in full (10.36 on average here). A guard for p = 0
    # and 1 that clamps p at 1e-5 or less, or each log at -12 or below, leaves these alone; p
    # clamped at 1e-4 or more, or a log at -11 or above (nn.BCELoss: -100), costs 2.5% and
    # more. 1% leaves room for log(p + eps) with eps up to 1e-6 (0.51% off).
    ck.given("case.bce_small")
    p, t = torch.tensor([[1e-4], [1e-5], [1 - 1e-4], [1 - 1e-5]]), \
        torch.tensor([[1.0], [1.0], [0.0], [0.0]])
    expected = bce_terms(p.double(), t.double()).mean()
    got = expect_loss_value(ck, ck.call(bce_loss, p, t), "the loss")
    short = as_number(ck, got, "the loss") < float(expected)
    expect_close(ck, got, expected, "the loss", rtol=1e-2, atol=0,
                 mistake="bce.clamp_wide" if short else None)
    # One certain example among uncertain ones: its 0 × log(0) must not take the batch along.
    ck.given("case.bce_mixed")
    p, t = torch.tensor([[1.0], [0.3], [0.0]]), torch.tensor([[1.0], [1.0], [0.0]])
    expected = -p[1].double().log().sum() / 3
    got = as_number(ck, expect_loss_value(ck, ck.call(bce_loss, p, t), "the loss"), "the loss")
    expect_close(ck, torch.tensor(got), expected, "the loss", rtol=1e-4, atol=1e-4,
                 nonfinite="bce.nan_hidden",
                 mistake="bce.nan_hidden" if got == 0 or abs(got) > 1e30 else None)
    ck.given("case.batch_of_one")
    p, t = torch.tensor([[0.3]]), torch.tensor([[1.0]])
    expect_close(ck, ck.call(bce_loss, p, t), bce_terms(p.double(), t.double()).mean(),
                 "the loss")
    ck.stage("stage.grad")
    p = (torch.rand(12, 1, generator=g, dtype=torch.float64) * 0.9 + 0.05).requires_grad_()
    t = torch.rand(12, 1, generator=g, dtype=torch.float64)
    ck.given("case.bce_grad", shape=shape_text(p.shape))
    gradient(ck, lambda: ck.call(bce_loss, p, t), p,
             ((p - t) / (p * (1 - p)) / p.numel()).detach(), "d loss / d pred")
    # Beside a certain example, the uncertain one's gradient: -1 / (0.3 × 3). The certain
    # ones' own are not checked: a log clamped at -100 by hand gives them 0 × inf = nan there.
    p = torch.tensor([[1.0], [0.3], [0.0]], dtype=torch.float64, requires_grad=True)
    t = torch.tensor([[1.0], [1.0], [0.0]], dtype=torch.float64)
    ck.given("case.bce_grad_mixed")
    out = expect_loss_value(ck, ck.call(bce_loss, p, t), "the loss")
    if not out.requires_grad:
        ck.fail("grad.detached", what="d loss / d pred")
    ck.call(out.backward)
    if p.grad is None:
        ck.fail("grad.detached", what="d loss / d pred")
    got = p.grad.detach().double().flatten()[1]
    expect_close(ck, got, torch.tensor(-1 / 0.9, dtype=torch.float64),
                 "the gradient d loss / d pred at p = 0.3", rtol=1e-4, atol=1e-7,
                 nonfinite="bce.nan_hidden", mistake="bce.nan_hidden" if got == 0 else None)
    ck.stage("stage.mismatch")
    p, t = torch.rand(8, 1, generator=g) * 0.9 + 0.05, torch.rand(8, generator=g)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = bce_loss(p, t)
    except Exception:  # noqa: BLE001 -- refusing mismatched shapes is right
        return
    pairs = bce_terms(p.double(), t.double())  # (8, 1) against (8,): every pair, (8, 8)
    if isinstance(got, torch.Tensor) and got.numel() == 1 and \
            bool(close(got.detach().double().reshape(()), pairs.mean(), 1e-4, 1e-6)):
        ck.note("note.bce_broadcast")


def gradient(ck: Ck, compute, leaf, expected, what: str) -> None:
    """The student's value ``compute()`` differentiated with respect to ``leaf`` in float64,
    against the gradient worked out by hand."""
    out = compute()
    expect_loss_value(ck, out, "the loss")
    if not out.requires_grad:
        ck.fail("grad.detached", what=what)
    leaf.grad = None
    ck.call(out.backward)
    if leaf.grad is None:
        ck.fail("grad.detached", what=what)
    expect_close(ck, leaf.grad, expected, f"the gradient {what}", rtol=1e-4, atol=1e-7)


def float32_atol(inputs) -> float:
    """What float32 code may lose on these inputs: a few units in the last place of the
    largest (at 1000, float32 numbers are 6e-5 apart)."""
    return 1e-6 + 4 * 2.0 ** -23 * float(inputs.detach().abs().max())


def ce_oracle(logits, target):
    """Mean cross-entropy in float64: log-sum-exp of each row minus the target's score."""
    import torch  # noqa: PLC0415

    logits, target = logits.double(), target.double()
    return -(target * (logits - torch.logsumexp(logits, 1, keepdim=True))).sum(1).mean()


def ce_alternatives(logits, target) -> list:
    """What the cross-entropy comes out as under the known mistakes."""
    import torch  # noqa: PLC0415

    right = ce_oracle(logits, target)
    b, c = logits.shape
    dim0 = -(target.double() * torch.log_softmax(logits.double(), 0)).sum(1).mean()
    return [("loss.sum_not_mean", right * b), ("ce.softmax_dim", dim0),
            ("ce.mean_over_classes", right / c), ("loss.sign", -right)]


def check_cross_entropy(ck: Ck, cross_entropy) -> None:
    import torch  # noqa: PLC0415
    import torch.nn.functional as F  # noqa: PLC0415

    g = random_generator(21)
    ck.hints.append((r"tensors used as indices must be|only integers, slices", "ce.labels"))

    def hot(labels, c):
        return F.one_hot(torch.tensor(labels), c).float()

    ck.stage("stage.runs")
    ck.given("case.ce_equal")
    logits, target = torch.zeros(2, 5), hot([1, 4], 5)
    out = ck.call(cross_entropy, logits, target)
    ck.stage("stage.returns")
    expect_loss_value(ck, out, "the loss", dtype=torch.float32)
    ck.stage("stage.hand")
    expect_close(ck, out, torch.tensor(math.log(5.0), dtype=torch.float64), "the loss",
                 alternatives=ce_alternatives(logits, target))
    ck.given("case.ce_hand")
    logits, target = torch.tensor([[0.0, math.log(2.0), math.log(5.0)]]), hot([2], 3)
    expect_close(ck, ck.call(cross_entropy, logits, target),
                 torch.tensor(-math.log(5 / 8), dtype=torch.float64), "the loss",
                 alternatives=ce_alternatives(logits, target)[2:])
    ck.stage("stage.random")
    for _ in range(20):
        b, c = 2 + int(torch.randint(0, 15, (1,), generator=g)), \
            2 + int(torch.randint(0, 8, (1,), generator=g))
        logits = torch.randn(b, c, generator=g) * 3
        target = F.one_hot(torch.randint(0, c, (b,), generator=g), c).float()
        ck.given("case.ce_random", shape=shape_text(logits.shape))
        got = expect_loss_value(ck, call_keeping(ck, "cross_entropy", cross_entropy, logits,
                                                 target, names=("logits", "target")), "the loss")
        expect_close(ck, got, ce_oracle(logits, target), "the loss",
                     alternatives=ce_alternatives(logits, target), atol=float32_atol(logits))
    ck.stage("stage.edge")
    for logits, labels, key, mistake in (
            ([[1000.0, 999.0, 998.0], [998.0, 1000.0, 999.0]], [0, 1], "case.ce_overflow",
             "ce.no_max_shift"),
            ([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 500.0]], [0, 2], "case.ce_large",
             "ce.log_of_softmax"),
            ([[-1000.0, -1001.0, -1002.0], [1000.0, 999.0, 998.0]], [1, 0], "case.ce_levels",
             "ce.row_shift")):
        logits, target = torch.tensor(logits), hot(labels, 3)
        ck.given(key)
        got = expect_loss_value(ck, ck.call(cross_entropy, logits, target), "the loss")
        expect_close(ck, got, ce_oracle(logits, target), "the loss", nonfinite=mistake,
                     atol=float32_atol(logits))
    ck.given("case.batch_of_one")
    logits, target = torch.tensor([[0.5, -1.0, 2.0, 0.0]]), hot([3], 4)
    expect_close(ck, ck.call(cross_entropy, logits, target), ce_oracle(logits, target),
                 "the loss")
    ck.stage("stage.grad")
    logits = torch.randn(6, 4, generator=g, dtype=torch.float64).mul(2).requires_grad_()
    target = F.one_hot(torch.randint(0, 4, (6,), generator=g), 4).double()
    ck.given("case.ce_grad", shape=shape_text(logits.shape))
    expected = ((torch.softmax(logits.detach(), 1) - target) / 6)
    gradient(ck, lambda: ck.call(cross_entropy, logits, target), logits, expected,
             "d loss / d logits")


def one_hot_shape_mistake(out, n: int) -> str | None:
    import torch  # noqa: PLC0415

    if not isinstance(out, torch.Tensor) or out.dim() != 2:
        return None
    return "one_hot.width" if out.shape[0] == n else \
        "one_hot.transposed" if out.shape[1] == n else None


def check_one_hot(ck: Ck, one_hot) -> None:
    import torch  # noqa: PLC0415
    import torch.nn.functional as F  # noqa: PLC0415

    g = random_generator(22)
    ck.stage("stage.runs")
    ck.given("case.one_hot_writeup")
    out = ck.call(one_hot, torch.tensor([2, 1, 0]), 5)
    ck.stage("stage.returns")
    expect_tensor(ck, out, "the result", shape=(3, 5), shape_mistake=one_hot_shape_mistake(out, 3))
    expect_tensor(ck, out, "the result", dtype=torch.float32, dtype_mistake="one_hot.dtype")
    ck.stage("stage.hand")
    expect_close(ck, out, torch.tensor([[0, 0, 1, 0, 0], [0, 1, 0, 0, 0], [1, 0, 0, 0, 0]],
                                       dtype=torch.float64), "the result", rtol=0, atol=0)
    ck.stage("stage.random")
    for _ in range(10):
        n, c = 1 + int(torch.randint(0, 30, (1,), generator=g)), \
            2 + int(torch.randint(0, 12, (1,), generator=g))
        labels = torch.randint(0, c, (n,), generator=g)
        ck.given("case.one_hot_random", n=n, c=c)
        got = call_keeping(ck, "one_hot", one_hot, labels, c, names=("labels",))
        expect_tensor(ck, got, "the result", shape=(n, c),
                      shape_mistake=one_hot_shape_mistake(got, n))
        expect_close(ck, got, F.one_hot(labels, c).double(), "the result", rtol=0, atol=0)
    ck.stage("stage.edge")
    ck.given("case.one_hot_narrow")
    got = ck.call(one_hot, torch.tensor([0, 1]), 10)
    expect_tensor(ck, got, "the result", shape=(2, 10), shape_mistake="one_hot.width")
    ck.given("case.one_hot_dtype")
    for dtype in (torch.float64, torch.long):
        expect_tensor(ck, ck.call(one_hot, torch.tensor([2, 0]), 4, dtype), "the result",
                      dtype=dtype, dtype_mistake="one_hot.dtype_ignored")


def check_linear(ck: Ck, Linear) -> None:
    import torch  # noqa: PLC0415

    g = random_generator(23)
    ck.stage("stage.runs")
    ck.given("case.linear", n_in=3, n_out=2, shape="(4, 3)")
    layer = ck.call(Linear, 3, 2)
    x = torch.randn(4, 3, generator=g)
    out = ck.call(layer, x)
    ck.stage("stage.returns")
    expect_tensor(ck, out, "the output", shape=(4, 2), dtype=torch.float32)
    params = ck.call(lambda: list(layer.parameters()))
    for p in params:
        expect_tensor(ck, p, "a parameter")
    count = sum(p.numel() for p in params)
    if count != 3 * 2 + 2:
        ck.fail("linear.count", "linear.shared_bias" if count == 3 * 2 + 1 else None,
                expected=8, got=count)
    for p in params:
        if not p.requires_grad:
            ck.fail("linear.param", "linear.no_requires_grad", shape=shape_text(p.shape))
        if not p.is_leaf:
            ck.fail("linear.param", "linear.non_leaf", shape=shape_text(p.shape))
    ck.stage("stage.values")
    with torch.no_grad():
        b = ck.call(layer, torch.zeros(1, 3)).double()
        w = ck.call(layer, torch.eye(3)).double() - b
        expect_close(ck, out, x.double() @ w + b, "the output", mistake="linear.not_affine")
    weights = [p for p in params if p.numel() == 6]
    biases = [p for p in params if p.numel() == 2]
    layout = None
    for p in weights:
        for shape, value in (((3, 2), w), ((2, 3), w.T)):
            if tuple(p.shape) == shape and bool(close(p.detach().double(), value, 1e-5,
                                                      1e-6).all()):
                layout = (p, shape)
    if layout is None or not any(bool(close(p.detach().double().flatten(), b.flatten(), 1e-5,
                                            1e-6).all()) for p in biases):
        ck.fail("linear.not_from_params")
    ck.stage("stage.grad")
    weight, shape = layout
    bias = next(p for p in biases if bool(close(p.detach().double().flatten(), b.flatten(),
                                                1e-5, 1e-6).all()))
    x2, upstream = torch.randn(5, 3, generator=g), torch.randn(5, 2, generator=g)
    ck.given("case.linear_grad", shape="(5, 3)")
    for p in params:
        p.grad = None
    ck.call(lambda: (layer(x2) * upstream).sum().backward())
    if weight.grad is None:
        ck.fail("grad.detached", what="d output / d weight")
    if bias.grad is None:  # the weight has one: the output does not use this bias
        ck.fail("linear.bias_no_grad")
    w_grad = x2.double().T @ upstream.double()
    expect_close(ck, weight.grad, w_grad if shape == (3, 2) else w_grad.T,
                 "the weight's gradient", rtol=1e-4)
    expect_close(ck, bias.grad.flatten(), upstream.double().sum(0), "the bias's gradient",
                 rtol=1e-4)
    ck.stage("stage.modes")
    for name in ("train", "eval"):
        if not callable(getattr(layer, name, None)):
            ck.fail("linear.modes", name=name)
        ck.call(getattr(layer, name))
    ck.stage("stage.init")
    ck.given("case.linear", n_in=784, n_out=10, shape="(1, 784)")
    big = ck.call(Linear, 784, 10)
    big_params = ck.call(lambda: list(big.parameters()))
    count = sum(p.numel() for p in big_params if isinstance(p, torch.Tensor))
    if count != 784 * 10 + 10:  # a second layer's parameters are its own
        shared = any(q is p for q in big_params for p in params)
        ck.fail("linear.count_second", "linear.shared_list" if shared else None,
                expected=7850, got=count)
    big_weight = next((p for p in big_params if p.numel() == 7840), None)
    # standard deviation 1 (the write-up's randn) fails; 0.1 (randn * 0.1) and below pass
    if big_weight is not None and float(big_weight.detach().double().std()) > 0.25:
        ck.fail("linear.init", "linear.large_init",
                got=fmt(float(big_weight.detach().double().std())))
    if accepts(Linear, "dtype"):
        ck.given("case.linear_dtype")
        layer = ck.call(Linear, 3, 2, dtype=torch.float64)
        expect_tensor(ck, ck.call(layer, x.double()), "the output", dtype=torch.float64)


def check_sgd(ck: Ck, SGD) -> None:
    import torch  # noqa: PLC0415

    g = random_generator(24)
    ck.stage("stage.runs")
    ck.given("case.sgd_writeup")
    x = torch.tensor(1.0, requires_grad=True)
    optimizer = ck.call(SGD, [x], 0.1)
    (x ** 2).backward()
    ck.call(optimizer.step)
    ck.stage("stage.hand")
    into_grad = x.grad is not None and abs(float(x.grad) - 1.8) < 1e-6  # 2 - 0.1 × 2
    expect_close(ck, x.detach(), torch.tensor(0.8, dtype=torch.float64), "x after one step",
                 alternatives=[("sgd.sign", torch.tensor(1.2)),
                               ("sgd.into_grad" if into_grad else "sgd.no_change",
                                torch.tensor(1.0)),
                               ("sgd.lr_ignored", torch.tensor(-1.0))])
    if not (x.is_leaf and x.requires_grad):
        ck.fail("sgd.graph")
    ck.stage("stage.random")
    w = torch.randn(3, 4, generator=g).requires_grad_()
    b = torch.randn(4, generator=g).requires_grad_()
    w.grad, b.grad = torch.randn(3, 4, generator=g), torch.randn(4, generator=g)
    expected = torch.cat([(w - 0.05 * w.grad).detach().flatten(),
                          (b - 0.05 * b.grad).detach().flatten()]).double()
    ck.given("case.sgd_random")
    optimizer = ck.call(SGD, [w, b], lr=0.05)
    ck.call(optimizer.step)
    got = torch.cat([w.detach().flatten(), b.detach().flatten()])
    before = expected + 0.05 * torch.cat([w.grad.flatten(), b.grad.flatten()]).double()
    expect_close(ck, got, expected, "the parameters after one step", alternatives=[
        ("sgd.no_change", before), ("sgd.sign", 2 * before - expected)])
    if not (w.is_leaf and b.is_leaf and w.requires_grad and b.requires_grad):
        ck.fail("sgd.graph")
    ck.stage("stage.zero_grad")
    ck.call(optimizer.zero_grad)
    for p in (w, b):
        if p.grad is not None and bool(p.grad.ne(0).any()):
            ck.fail("sgd.zero_grad")
    ck.stage("stage.two_steps")  # the first step is right by now: a second one that is not
    ck.given("case.sgd_two_steps")  # carries something over (momentum, an old gradient)
    v = torch.tensor([1.0, -2.0], requires_grad=True)
    optimizer = ck.call(SGD, [v], 0.1)
    for what, after, mistake in (("the parameter after one step", [0.8, -1.6], None),
                                 ("the parameter after two steps", [0.64, -1.28], "sgd.carried")):
        ck.call(optimizer.zero_grad)
        (v ** 2).sum().backward()
        ck.call(optimizer.step)
        expect_close(ck, v.detach(), torch.tensor(after, dtype=torch.float64), what,
                     mistake=mistake)
    ck.stage("stage.generator")
    ck.given("case.sgd_generator")
    v = torch.tensor([1.0, -2.0], requires_grad=True)
    optimizer = ck.call(SGD, (p for p in [v]), 0.1)
    for _ in range(2):
        ck.call(optimizer.zero_grad)
        (v ** 2).sum().backward()
        ck.call(optimizer.step)
    expect_close(ck, v.detach(), torch.tensor([0.64, -1.28], dtype=torch.float64),
                 "the parameter after two steps",
                 alternatives=[("sgd.generator", torch.tensor([0.8, -1.6])),
                               ("sgd.generator", torch.tensor([1.0, -2.0]))])


# --------------------------------------------------------------------------- lab3
# Each convolution's and linear layer's output shape for a 1x1x28x28 input (6x28x28, 16x10x10;
# 400 -> 120 -> 84 -> 10), the parameter count (61,706), and Xavier-uniform weights: inside
# +-sqrt(6 / (fan_in + fan_out)) and spread like a uniform distribution there.
def layer_trace(model, x):
    """The model's output for ``x`` and, in the order they ran, each Conv2d's and Linear's
    (type, input shape, output shape, the module)."""
    from torch import nn  # noqa: PLC0415

    found = []
    hooks = [m.register_forward_hook(lambda m, i, o: found.append(
        (type(m).__name__, tuple(i[0].shape), tuple(o.shape), m)))
        for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        return found, model(x)
    finally:
        for hook in hooks:
            hook.remove()


def float64_weights(layer) -> tuple:
    """A Conv2d's or Linear's weight and bias (None if it has none), in float64."""
    return layer.weight.detach().double(), \
        None if layer.bias is None else layer.bias.detach().double()


def expect_module(ck: Ck, model, what: str) -> None:
    from torch import nn  # noqa: PLC0415

    if not isinstance(model, nn.Module):
        ck.fail("model.not_module", what=what, got=describe(model))


def expect_layers(ck: Ck, trace, convs, linears, first_conv_mistake=None) -> None:
    """The output shapes of the convolutions (batch left out) and the (in, out) features of
    the linear layers, in the order they ran."""
    conv_shapes = [out[1:] for kind, _, out, _ in trace if kind == "Conv2d"]
    for k, (got, want) in enumerate(zip(conv_shapes, convs), 1):
        if got != want:
            ck.fail("model.layer", first_conv_mistake if k == 1 and got[1:] != want[1:]
                    else None, layer=f"Conv2d #{k}", expected=shape_text(want),
                    got=shape_text(got))
    if len(conv_shapes) != len(convs):
        ck.fail("model.count", kind="Conv2d", expected=len(convs), got=len(conv_shapes))
    lin = [(inp[-1], out[-1]) for kind, inp, out, _ in trace if kind == "Linear"]
    if lin != list(linears):
        ck.fail("model.linears", expected=", ".join(f"{a}->{b}" for a, b in linears),
                got=", ".join(f"{a}->{b}" for a, b in lin) or "-")


def expect_count(ck: Ck, model, expected: int) -> None:
    count = sum(p.numel() for p in model.parameters())
    if count != expected:
        ck.fail("model.params", expected=f"{expected:,}", got=f"{count:,}")


def is_probabilities(out) -> bool:
    import torch  # noqa: PLC0415
    out = out.detach().double()
    return bool((out >= 0).all()) and bool(torch.allclose(
        out.sum(1), torch.ones(len(out), dtype=torch.float64), atol=1e-4))


def check_d2l_lenet(ck: Ck, d2l_lenet) -> None:
    import torch  # noqa: PLC0415

    g = random_generator(30)
    ck.stage("stage.runs")
    ck.given("case.lenet")
    torch.manual_seed(30)  # the same initial weights each time
    model = ck.call(d2l_lenet)
    expect_module(ck, model, "d2l_lenet()")
    model.eval()
    ck.hints.append((r"1x256 and 400x120", "lenet.padding"))
    ck.given("case.image", shape="(1, 1, 28, 28)")
    trace, out = ck.call(layer_trace, model, torch.rand(1, 1, 28, 28, generator=g))
    ck.stage("stage.shapes")
    expect_layers(ck, trace, [(6, 28, 28), (16, 10, 10)], [(400, 120), (120, 84), (84, 10)],
                  first_conv_mistake="lenet.padding")
    expect_tensor(ck, out, "the output", shape=(1, 10))
    ck.stage("stage.params")
    expect_count(ck, model, 61_706)
    ck.stage("stage.output")
    ck.given("case.inputs", shape="(5, 1, 28, 28)")
    x = torch.randn(5, 1, 28, 28, generator=g) * 3  # wide: sigmoids far from their middle
    out = ck.call(model, x)
    expect_tensor(ck, out, "the output", shape=(5, 10))
    if is_probabilities(out):
        ck.fail("model.output", "lenet.softmax_output")
    sums = torch.logsumexp(out.detach().double(), 1)
    if bool(close(sums, torch.zeros_like(sums), 0, 1e-4).all()):
        ck.fail("model.output", "lenet.log_probs_output")
    ck.stage("stage.eval_same")
    if not torch.equal(ck.call(model, x), out):
        ck.fail("model.dropout", "model.dropout_in_eval")
    # With its default weights the network's sigmoids stay near their nearly straight middle
    # and its output hardly depends on the input: with weights redrawn larger, and each layer's
    # input compared (worked out from what the layer before it got), a wrong order or pooling
    # anywhere shows, and where it is.
    ck.stage("stage.layer_inputs")
    ck.given("case.lenet_redrawn", shape="(5, 1, 28, 28)")
    layers = [m for kind, _, _, m in trace if kind == "Conv2d"] + \
        [m for kind, _, _, m in trace if kind == "Linear"]
    redraw_lenet(layers)
    inputs, out = ck.call(layer_inputs, model, x)
    expect_tensor(ck, out, "the output", shape=(5, 10))
    if len(inputs) != len(layers):  # a layer that ran twice, or not at all
        ck.fail("model.count", kind="Conv2d + Linear", expected=len(layers), got=len(inputs))
    got = inputs[1:] + [out]
    for k, what in enumerate(LENET_INPUTS):
        with torch.no_grad():
            given = x if k == 0 else inputs[k]
            right = lenet_stage(k, layers, given)
            alternatives = [(key, lenet_stage(k, layers, given, **change))
                            for key, change in LENET_MISTAKES[(0, 0, 1, 1, 2)[k]]]
            value = got[k].detach()
            if value.numel() == right.numel():  # (N, 400) or (N, 1, 400) alike
                value = value.reshape(right.shape)
        expect_close(ck, value, right, what, rtol=1e-4, atol=1e-5, alternatives=alternatives,
                     mistake="lenet.arithmetic")
    ck.stage("stage.train_same")
    ck.given("case.image_train", shape="(5, 1, 28, 28)")
    model.train()
    if not bool(close(ck.call(model, x).detach().double(), out.detach().double(), 1e-4,
                      1e-5).all()):
        ck.fail("lenet.train_differs")


LENET_INPUTS = ("the second convolution's input", "the first linear layer's input",
                "the second linear layer's input", "the last linear layer's input",
                "the output in eval mode")
# One part of the d2l LeNet with one thing changed, and the mistake each change stands for:
# in a block of convolution, activation and pooling; after a hidden linear layer; at the end.
LENET_MISTAKES = [
    [("lenet.relu", {"activation": "relu"}), ("lenet.tanh", {"activation": "tanh"}),
     ("lenet.max_pool", {"pool": "max"}), ("lenet.activation_missing", {"skip": True}),
     ("lenet.activation_after_pool", {"pool_first": True})],
    [("lenet.relu", {"activation": "relu"}), ("lenet.tanh", {"activation": "tanh"}),
     ("lenet.activation_missing", {"skip": True})],
    [("lenet.sigmoid_output", {"last": True})]]


def layer_inputs(model, x):
    """What each Conv2d and Linear of ``model`` got, in the order they ran, and the output."""
    from torch import nn  # noqa: PLC0415

    found = []
    hooks = [m.register_forward_hook(lambda m, i, o: found.append(i[0].detach().clone()))
             for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        return found, model(x)
    finally:
        for hook in hooks:
            hook.remove()


def redraw_lenet(layers) -> None:
    """New weights for the LeNet's layers, in place, the same each time: the first
    convolution's for inputs of standard deviation 3, the others' for inputs in (0, 1), so that
    each layer's outputs spread over about ±2, where a sigmoid bends."""
    import torch  # noqa: PLC0415

    g = random_generator(31)
    with torch.no_grad():
        for k, layer in enumerate(layers):
            gain = 0.7 if k == 0 else 3.5
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=g) * gain
                               / math.sqrt(layer.weight[0].numel()))
            if layer.bias is not None:
                layer.bias.copy_(torch.randn(layer.bias.shape, generator=g) * 0.5)


def lenet_stage(k: int, layers, z, activation: str = "sigmoid", pool: str = "avg",
                skip: bool = False, pool_first: bool = False, last: bool = False):
    """Part ``k`` (0-4) of the d2l LeNet worked out in float64 with the weights of layer ``k``
    of ``layers`` (the student's Conv2d and Linear layers, in the order they ran), from ``z``,
    what that layer got (the image, for the first): a 5x5 convolution (padded by 2 in the
    first), sigmoid, 2x2 average pooling, flattened after the second; 400 -> 120 -> 84 with a
    sigmoid after each; the last linear layer, 84 -> 10. The arguments change one thing:
    another activation or pooling, the activation left out or after the pooling, a sigmoid on
    the output too."""
    import torch  # noqa: PLC0415
    import torch.nn.functional as F  # noqa: PLC0415

    act = {"sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh}[activation]
    if skip:
        act = torch.clone
    z = z.double()
    if k < 2:
        pooled = F.avg_pool2d if pool == "avg" else F.max_pool2d
        z = F.conv2d(z, *float64_weights(layers[k]), padding=2 if k == 0 else 0)
        z = act(pooled(z, 2, 2)) if pool_first else pooled(act(z), 2, 2)
        return z.flatten(1) if k == 1 else z
    z = F.linear(z, *float64_weights(layers[k]))
    if k < 4:
        return act(z)
    return torch.sigmoid(z) if last else z


def check_xavier_init(ck: Ck, xavier_init) -> None:
    import torch  # noqa: PLC0415
    from torch import nn  # noqa: PLC0415

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2, 2),
            nn.Conv2d(6, 16, 5), nn.Sigmoid(), nn.AvgPool2d(2, 2), nn.Flatten(),
            nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(),
            nn.Linear(84, 10))
        # another layout, never run: the layers at other places than in the LeNet
        other = nn.Sequential(
            nn.Linear(20, 30), nn.Linear(30, 24), nn.ReLU(), nn.Linear(24, 40), nn.Tanh(),
            nn.Conv2d(3, 12, 3), nn.ReLU(), nn.Linear(40, 25), nn.Conv2d(12, 8, 2),
            nn.Linear(25, 36), nn.Sigmoid(), nn.Linear(36, 16), nn.Linear(16, 28))
    ck.stage("stage.runs")
    ck.given("case.xavier")
    torch.manual_seed(1)
    expect_xavier(ck, xavier_init, model, "stage.values")
    ck.given("case.xavier_other")
    expect_xavier(ck, xavier_init, other, None)


def expect_xavier(ck: Ck, xavier_init, model, stage: str | None) -> None:
    """xavier_init(model) run: every Conv2d's and Linear's weight changed, in place (the same
    Parameter objects, which an optimizer built before holds), Xavier-uniform."""
    import torch  # noqa: PLC0415
    from torch import nn  # noqa: PLC0415

    layers = [m for m in model if isinstance(m, (nn.Conv2d, nn.Linear))]
    before = [(m.weight, m.weight.detach().clone()) for m in layers]
    ck.call(xavier_init, model)
    if stage:
        ck.stage(stage)
    if all(torch.equal(m.weight.detach(), old) for m, (_, old) in zip(layers, before)):
        ck.fail("xavier.none_changed")
    for m, (param, _) in zip(layers, before):
        if m.weight is not param:
            ck.fail("xavier.replaced_parameter")
    for m, (_, old) in zip(layers, before):
        w = m.weight.detach().double()
        receptive = w[0, 0].numel()
        fan_in, fan_out = w.shape[1] * receptive, w.shape[0] * receptive
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        name = f"{type(m).__name__}({w.shape[1]}, {w.shape[0]})"
        if torch.equal(m.weight.detach(), old):
            ck.fail("xavier.layer", "xavier.skipped", layer=name)
        spread = float(w.std())
        if float(w.abs().max()) > bound * (1 + 1e-6):
            normal = abs(spread / (bound / math.sqrt(3)) - 1) < 0.15
            ck.fail("xavier.bound", "xavier.normal" if normal else None, layer=name,
                    bound=fmt(bound), got=fmt(float(w.abs().max())))
        if abs(spread / (bound / math.sqrt(3)) - 1) > 0.15:
            ck.fail("xavier.spread", layer=name, expected=fmt(bound / math.sqrt(3)),
                    got=fmt(spread))


# --------------------------------------------------------------------------- lab4
# standardise against (x - mean) / std of the training split (numpy's std or the sample std,
# either way, as long as the same one), with test data drawn elsewhere so that the test split's
# own statistics give other numbers; WineMLP's layers, its (N, 1) output, its activation
# (called once per hidden layer, not on the output) and its dropout (on in training only).
def standardise_expected(x_tr, x_te, ddof: int):
    """The right (train, test) results and, for each, what the known mistakes give."""
    import numpy as np  # noqa: PLC0415
    import torch  # noqa: PLC0415

    def scaled(x, mu, sd):
        return torch.from_numpy((x - mu) / sd)

    mu, sd = x_tr.mean(0), x_tr.std(0, ddof=ddof)
    both = np.vstack([x_tr, x_te])
    everything = both.mean(0), both.std(0, ddof=ddof)
    per_row = [("std.axis", scaled(x, x.mean(1, keepdims=True), x.std(1, ddof=ddof,
                                                                      keepdims=True)))
               for x in (x_tr, x_te)]
    low, high = x_tr.min(0), x_tr.max(0)
    train_alts = [per_row[0], ("std.all_statistics", scaled(x_tr, *everything)),
                  ("std.min_max", scaled(x_tr, low, high - low)),
                  ("std.not_scaled", torch.from_numpy(x_tr - mu)),
                  ("std.not_centred", torch.from_numpy(x_tr / sd))]
    test_alts = [("std.test_statistics", scaled(x_te, x_te.mean(0), x_te.std(0, ddof=ddof))),
                 ("std.test_mean", scaled(x_te, x_te.mean(0), sd)),
                 ("std.test_std", scaled(x_te, mu, x_te.std(0, ddof=ddof))),

                 ("std.all_statistics", scaled(x_te, *everything)), per_row[1],
                 ("std.test_untouched", torch.from_numpy(x_te.copy()))]
    return (scaled(x_tr, mu, sd), train_alts), (scaled(x_te, mu, sd), test_alts)


def check_standardise(ck: Ck, standardise) -> None:
    import numpy as np  # noqa: PLC0415

    ck.stage("stage.runs")
    x_tr, x_te = np.array([[1.0, 10.0], [3.0, 30.0]]), np.array([[2.0, 40.0], [4.0, 0.0]])
    ck.given("case.std_hand")
    out = ck.call(standardise, x_tr.copy(), x_te.copy())
    ck.stage("stage.returns")
    tr, te = parts(ck, out, 2, "standardise")
    for value in (tr, te):
        if not isinstance(value, np.ndarray):
            ck.fail("std.not_numpy", got=describe(value))
    tr, te = numeric(ck, tr, "the training features"), numeric(ck, te, "the test features")
    ck.stage("stage.hand")
    sample = standardise_expected(x_tr, x_te, 1)[0][0]  # the sample std (ddof 1) is fine too
    ddof = 1 if tr.shape == sample.shape and bool(close(tr, sample, 1e-5, 1e-5).all()) else 0
    (train, train_alts), (test, test_alts) = standardise_expected(x_tr, x_te, ddof)
    expect_close(ck, tr, train, "the training features", atol=1e-4, alternatives=train_alts)
    expect_close(ck, te, test, "the test features", atol=1e-4, alternatives=test_alts)
    ck.stage("stage.random")
    rng = np.random.default_rng(40)
    for _ in range(5):
        scale, offset = rng.uniform(0.1, 50, 4), rng.uniform(-20, 20, 4)
        x_tr = rng.normal(size=(40, 4)) * scale + offset
        x_te = rng.normal(size=(15, 4)) * scale * 1.7 + offset + scale
        ck.given("case.std_random", train="(40, 4)", test="(15, 4)")
        copies = x_tr.copy(), x_te.copy()
        tr, te = parts(ck, ck.call(standardise, x_tr, x_te), 2, "standardise")
        (train, train_alts), (test, test_alts) = standardise_expected(*copies, ddof)
        expect_close(ck, tr, train, "the training features", atol=1e-4, alternatives=train_alts)
        expect_close(ck, te, test, "the test features", atol=1e-4, alternatives=test_alts)
        if not (np.array_equal(x_tr, copies[0]) and np.array_equal(x_te, copies[1])):
            ck.fail("std.modifies_input")


def activation_calls(model, x, kind) -> int:
    """How many times modules of class ``kind`` ran in one forward pass."""
    calls = []
    hooks = [m.register_forward_hook(lambda m, i, o: calls.append(1))
             for m in model.modules() if isinstance(m, kind)]
    try:
        model(x)
    finally:
        for hook in hooks:
            hook.remove()
    return len(calls)


def activation_sees_linear(model, x, kind) -> bool:
    """Whether each module of class ``kind`` that ran got exactly the output of the linear
    layer that ran before it (dropout, if any, comes after the activation: before a Tanh or a
    Sigmoid it would change what they compute; an activation not built as a module: True)."""
    from torch import nn  # noqa: PLC0415

    order = []
    hooks = [m.register_forward_hook(lambda m, i, o: order.append(
        ("linear", o) if isinstance(m, nn.Linear) else ("activation", i[0])))
        for m in model.modules() if isinstance(m, (nn.Linear, kind))]
    try:
        model(x)
    finally:
        for hook in hooks:
            hook.remove()
    for k, (what, value) in enumerate(order):
        if what == "activation":
            before = [v for w, v in order[:k] if w == "linear"]
            if not before or before[-1].shape != value.shape or \
                    not bool((before[-1] == value).all()):
                return False
    return True


def activation_used(ck: Ck, WineMLP, hidden, args: dict, x) -> bool:
    """Whether WineMLP(11, hidden, **args) computes something else than the same network
    with no activation (nn.Identity), from the same initial weights."""
    from torch import nn  # noqa: PLC0415

    return not activation_same(ck, WineMLP, hidden, args, {"activation": nn.Identity}, x)


def activation_same(ck: Ck, WineMLP, hidden, args: dict, other: dict, x) -> bool:
    """Whether WineMLP(11, hidden, **args) and WineMLP(11, hidden, **other) compute the same
    from the same initial weights."""
    import torch  # noqa: PLC0415

    outs = []
    for kwargs in (args, other):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(5)
            outs.append(ck.call(ck.call(WineMLP, 11, hidden, **kwargs).eval(), x))
    return torch.allclose(outs[0], outs[1])


def linear_inputs(model, x) -> list:
    """(module, input) of each Linear of ``model``, in the order they ran on ``x``."""
    from torch import nn  # noqa: PLC0415

    found = []
    hooks = [m.register_forward_hook(lambda m, i, o: found.append((m, i[0].detach().clone())))
             for m in model.modules() if isinstance(m, nn.Linear)]
    try:
        model(x)
    finally:
        for hook in hooks:
            hook.remove()
    return found


def expect_wine_dropout(ck: Ck, got, kept, layer: int, p: float) -> None:
    """``got``, what the layer after hidden layer ``layer`` got in training mode, against
    ``kept``, the same without dropout: each value zeroed or scaled by 1 / (1 - p). The values
    too small to tell are left out."""
    import torch  # noqa: PLC0415

    live = kept.abs() > 1e-3 * float(kept.abs().max())
    zero = (got == 0) & live
    ratio = (got / torch.where(live, kept, torch.ones_like(kept)))[live & ~zero]
    if not ratio.numel():
        ck.fail("model.dropout", "wine.dropout_p", layer=layer, p="1.00", rate=fmt(p))
    scale = float(ratio.median())
    if not bool(close(ratio, torch.full_like(ratio, scale), 1e-3, 0).all()):
        ck.fail("model.dropout", "wine.dropout_place", layer=layer)
    if abs(scale - 1) < 1e-3:
        ck.fail("model.dropout", "wine.dropout_unscaled" if bool(zero.any())
                else "wine.dropout_missing", layer=layer)
    found = 1 - 1 / scale
    if abs(found - p) > 1e-3:
        mistake = "wine.dropout_fixed" if abs(found - 0.5) < 1e-3 else \
            "wine.dropout_keep" if abs(found - (1 - p)) < 1e-3 else "wine.dropout_p"
        ck.fail("model.dropout", mistake, layer=layer, p=f"{found:.2f}", rate=fmt(p))


def check_wine_mlp(ck: Ck, WineMLP) -> None:
    import torch  # noqa: PLC0415
    from torch import nn  # noqa: PLC0415

    g = random_generator(41)
    x = torch.randn(5, 11, generator=g)
    ck.stage("stage.runs")
    ck.given("case.wine", args="11, [64, 32]")
    torch.manual_seed(0)
    model = ck.call(WineMLP, 11, [64, 32])
    expect_module(ck, model, "WineMLP(11, [64, 32])")
    model.eval()
    trace, out = ck.call(layer_trace, model, x)
    ck.stage("stage.returns")
    expect_tensor(ck, out, "the output", shape=(5, 1), dtype=torch.float32,
                  shape_mistake="wine.output_shape")
    ck.stage("stage.shapes")
    if not trace and not list(model.parameters()):  # it computed an output: with what?
        ck.fail("model.linears", "wine.unregistered", expected="11->64, 64->32, 32->1", got="-")
    expect_layers(ck, trace, [], [(11, 64), (64, 32), (32, 1)])
    expect_count(ck, model, 11 * 64 + 64 + 64 * 32 + 32 + 32 + 1)
    ck.stage("stage.activation")
    for hidden, kind, named in (([8, 4], nn.Tanh, True), ([5], nn.Sigmoid, True),
                                ([8, 4, 3], nn.ReLU, True), ([8], nn.ReLU, False)):
        args = {"activation": kind} if named else {}
        ck.given("case.wine", args=f"11, {hidden}" + (f", activation=nn.{kind.__name__}"
                                                      if named else ""))
        model = ck.call(WineMLP, 11, hidden, **args)
        expect_module(ck, model, "WineMLP")
        model.eval()
        calls = ck.call(activation_calls, model, x, kind)
        if calls == 0 and not named and activation_used(ck, WineMLP, hidden, {}, x) and \
                not activation_same(ck, WineMLP, hidden, {}, {"activation": nn.ReLU}, x):
            ck.fail("wine.activation", "wine.activation_default", kind=kind.__name__,
                    expected=len(hidden), got=calls)
        if calls == 0 and activation_used(ck, WineMLP, hidden, args, x):
            continue  # an activation built inside forward: used, but its calls not countable
        if calls != len(hidden):
            ck.fail("wine.activation", "wine.activation_ignored" if calls == 0 else
                    "wine.activation_on_output" if calls == len(hidden) + 1 else None,
                    kind=kind.__name__, expected=len(hidden), got=calls)
    ck.stage("stage.dropout")
    xs = torch.randn(64, 11, generator=g)
    ck.given("case.wine", args="11, [32, 16], dropout=0.5")
    model = ck.call(WineMLP, 11, [32, 16], dropout=0.5)
    model.train()
    first, second = ck.call(model, xs), ck.call(model, xs)
    if torch.equal(first, second):
        ck.fail("model.dropout", "wine.dropout_ignored")
    if int((first == 0).sum()) > 8:
        ck.fail("model.dropout", "wine.dropout_on_output")
    model.eval()
    if not torch.equal(ck.call(model, xs), ck.call(model, xs)):
        ck.fail("model.dropout", "model.dropout_in_eval")
    ck.given("case.wine", args="11, [32, 16]")
    model = ck.call(WineMLP, 11, [32, 16])
    model.train()
    if not torch.equal(ck.call(model, xs), ck.call(model, xs)):
        ck.fail("model.dropout", "wine.dropout_default")
    ck.given("case.wine", args="11, [32, 16], activation=nn.Tanh, dropout=0.5")
    model = ck.call(WineMLP, 11, [32, 16], activation=nn.Tanh, dropout=0.5)
    model.train()
    if not ck.call(activation_sees_linear, model, xs, nn.Tanh):
        ck.fail("model.dropout", "wine.dropout_before_activation")
    # The lab's own rate, 0.2: the first linear layer gets the features as they are, and each
    # later one its eval-mode input (worked out in float64 from what the layer before it got)
    # with some values zeroed and the rest scaled by 1 / (1 - 0.2).
    ck.given("case.wine_train", args="11, [32, 16, 8], dropout=0.2")
    model = ck.call(WineMLP, 11, [32, 16, 8], dropout=0.2)
    model.train()
    torch.manual_seed(42)
    seen = ck.call(linear_inputs, model, xs)
    if len(seen) != 4:
        ck.fail("model.count", kind="Linear", expected=4, got=len(seen))
    if not torch.equal(seen[0][1], xs):
        ck.fail("model.dropout", "wine.dropout_input")
    with torch.no_grad():
        for k in (1, 2, 3):
            layer, given = seen[k - 1]
            kept = torch.relu(torch.nn.functional.linear(given.double(),
                                                         *float64_weights(layer)))
            expect_wine_dropout(ck, seen[k][1].double(), kept, k, 0.2)
    ck.stage("stage.edge")
    ck.given("case.wine_one", args="11, [5]")
    out = ck.call(ck.call(WineMLP, 11, [5]).eval(), x[:1])
    expect_tensor(ck, out, "the output", shape=(1, 1), shape_mistake="wine.output_shape")


# --------------------------------------------------------------------------- mnist
# A checkpoint must load with `weights_only=True`, survive a save that fails halfway (the
# previous file stays whole) and reach its final name by a rename; a loader must refuse a file
# holding other objects. The captured state must hold the weights, the optimizer's momentum,
# torch's random state and the batch-order generator's, so that a run stopped after one epoch
# and resumed into fresh objects ends bit for bit where the run straight through ends.
def check_mnist_net(ck: Ck, MnistNet) -> None:
    import torch  # noqa: PLC0415

    g = random_generator(50)
    ck.stage("stage.runs")
    ck.given("case.mnist_net")
    torch.manual_seed(50)  # the same initial weights each time
    model = ck.call(MnistNet)
    expect_module(ck, model, "MnistNet()")
    model.eval()
    ck.given("case.image", shape="(3, 1, 28, 28)")
    x = torch.rand(3, 1, 28, 28, generator=g)
    trace, out = ck.call(layer_trace, model, x)
    ck.stage("stage.shapes")
    expect_layers(ck, trace, [(10, 24, 24), (20, 8, 8)], [(320, 50), (50, 10)])
    expect_tensor(ck, out, "the output", shape=(3, 10))
    ck.stage("stage.params")
    expect_count(ck, model, 21_840)
    ck.stage("stage.output")
    sums = torch.logsumexp(out.detach().double(), 1)
    if not bool(close(sums, torch.zeros(3, dtype=torch.float64), 0, 1e-4).all()):
        ck.fail("model.output", "mnist.probabilities" if is_probabilities(out)
                else "mnist.not_log_probs")
    ck.stage("stage.eval_same")
    ck.given("case.inputs", shape="(16, 1, 28, 28)")
    xs = torch.randn(16, 1, 28, 28, generator=g) * 3
    out = ck.call(model, xs)
    if not torch.equal(ck.call(model, xs), out):
        ck.fail("model.dropout", "model.dropout_in_eval")
    ck.stage("stage.arithmetic")
    ck.given("case.image_eval", shape="(16, 1, 28, 28)")
    convs = [m for kind, _, _, m in trace if kind == "Conv2d"]
    fc1, fc2 = [m for kind, _, _, m in trace if kind == "Linear"]
    with torch.no_grad():
        features = mnist_features(convs, xs)
        expect_close(ck, out, mnist_head(fc1, fc2, features), "the output in eval mode",
                     rtol=1e-4, atol=1e-5, mistake="mnist.arithmetic")
    ck.stage("stage.far_apart")
    # fc2's weights and bias times a power of two (exact, and undone exactly): scores in a row
    # 400 to 800 apart, where a probability is below float32's smallest (e^-104) and its log
    # -inf. Log-softmax itself is fine there; its tolerance grows with the scores' size.
    spread = float((out.max(1).values - out.min(1).values).max())
    if spread > 1e-3:
        scale = 2.0 ** max(0, math.ceil(math.log2(400 / spread)))
        ck.given("case.mnist_far_apart", shape="(16, 1, 28, 28)", scale=f"{scale:g}")
        params = list(fc2.parameters())
        with torch.no_grad():
            for p in params:
                p.mul_(scale)
        try:
            big = ck.call(model, xs)
            with torch.no_grad():
                expected = mnist_head(fc1, fc2, features)
        finally:
            with torch.no_grad():
                for p in params:
                    p.div_(scale)
        expect_close(ck, big, expected, "the output in eval mode", rtol=1e-4,
                     atol=1e-5 + 1e-4 * float(expected.abs().max()),
                     mistake="mnist.log_of_softmax")
    ck.stage("stage.dropout")
    ck.given("case.image_train", shape="(16, 1, 28, 28)")
    model.train()
    seen = {}

    def keep_input(module, inputs, output):
        seen.setdefault(module, inputs[0].detach().double())

    hooks = [m.register_forward_hook(keep_input) for m in (fc1, fc2, *convs[1:2])]
    try:
        torch.manual_seed(51)
        ck.call(model, xs)
    finally:
        for hook in hooks:
            hook.remove()
    if fc1 not in seen or fc2 not in seen:  # a training forward pass that skips a linear layer
        ck.fail("model.dropout", "mnist.dropout_place", where="conv2")
    # What reaches fc1 is the eval-mode features with whole channels (16 values each) zeroed
    # and the rest scaled by 1 / (1 - p); what reaches fc2, fc1's ReLU output so dropped value
    # by value. What reaches conv2 is the eval-mode first block's output, untouched: whole
    # channels of it dropped are a channel dropout before conv2, not after it.
    with torch.no_grad():
        if len(convs) > 1 and convs[1] in seen and seen[convs[1]].shape == (16, 10, 12, 12):
            got, kept = seen[convs[1]].flatten(2), mnist_features(convs[:1], xs).view(16, 10, 144)
            if not bool(close(got, kept, 1e-4, 1e-5 * float(kept.abs().max())).all()):
                ck.fail("model.dropout", "mnist.channel_dropout_before_conv2"
                        if drops_channels(got, kept) else "mnist.dropout_before_conv2")
        expect_dropout(ck, seen[fc1].view(16, 20, 16), features.view(16, 20, 16), "conv2",
                       "mnist.no_channel_dropout", "mnist.dropout_not_channel")
        hidden = torch.relu(torch.nn.functional.linear(seen[fc1], *float64_weights(fc1)))
        expect_dropout(ck, seen[fc2].unsqueeze(-1), hidden.unsqueeze(-1), "fc1",
                       "mnist.no_dropout", None)



def mnist_features(convs, x):
    """What the tutorial's network gives its first linear layer in eval mode, worked out in
    float64 with the weights of ``convs`` (the student's, in the order they ran): a 5x5
    convolution, 2x2 max pooling, ReLU, twice; flattened to 320."""
    import torch  # noqa: PLC0415
    import torch.nn.functional as F  # noqa: PLC0415

    z = x.double()
    for conv in convs:
        z = F.relu(F.max_pool2d(F.conv2d(z, *float64_weights(conv)), 2))
    return torch.flatten(z, 1)


def mnist_head(fc1, fc2, features):
    """The rest of it in eval mode: linear to 50, ReLU, linear to 10, log-softmax."""
    import torch  # noqa: PLC0415
    import torch.nn.functional as F  # noqa: PLC0415

    return torch.log_softmax(F.linear(F.relu(F.linear(features, *float64_weights(fc1))),
                                      *float64_weights(fc2)), 1)


def expect_dropout(ck: Ck, got, kept, where: str, none: str, not_whole: str | None) -> None:
    """``got`` (batch, groups, values) in training mode against ``kept``, the same without
    dropout: each group, a channel or a single value, is either zeroed whole or kept and
    scaled by one factor, 1 / (1 - p) with p = 0.5. The values too small to tell are left
    out."""
    import torch  # noqa: PLC0415

    live = kept.abs() > 1e-3 * float(kept.abs().max())
    zero = (got == 0) & live
    dropped = (zero | ~live).all(-1) & live.any(-1)
    ratio = torch.where(live & ~zero, got / torch.where(live, kept, torch.ones_like(kept)),
                        torch.full_like(kept, math.nan))
    scales = ratio[~torch.isnan(ratio)]
    if not scales.numel():  # every group dropped (p = 1), or nothing to tell from
        if bool(dropped.any()):
            ck.fail("model.dropout", "mnist.dropout_p", where=where, p="1.00")
        return
    if not bool(dropped.any()):
        if bool(close(scales, torch.ones_like(scales), 1e-3, 0).all()):
            ck.fail("model.dropout", none)
    partial = zero.any(-1) & (live & ~zero).any(-1)  # a group zeroed in part only
    scale = float(scales.median())
    if bool(partial.any()) or not bool(close(scales, torch.full_like(scales, scale), 1e-3,
                                             0).all()):
        ck.fail("model.dropout", not_whole or "mnist.dropout_place", where=where)
    p = 1 - 1 / scale if scale > 0 else math.nan
    if not abs(p - 0.5) < 1e-3:
        ck.fail("model.dropout", "mnist.dropout_p", where=where, p=f"{p:.2f}")


def drops_channels(got, kept) -> bool:
    """Whether ``got`` (batch, channels, values) is ``kept`` with whole channels dropped as
    expect_dropout wants them (some zeroed, the rest scaled alike by 1 / (1 - 0.5))."""
    if got.shape != kept.shape:
        return False
    try:
        expect_dropout(Ck(), got, kept, "", "mnist.no_channel_dropout", "mnist.dropout_place")
    except Failure:
        return False
    return True


class Unsaveable:
    """An object whose saving fails: torch.save has already begun its file when it gets here."""

    def __reduce__(self):
        raise RuntimeError("an object the checker made so that saving fails halfway")


_audit_events: list | None = None
_audit_installed = False


def _audit(event: str, args: tuple) -> None:
    if _audit_events is not None and event in ("open", "os.rename", "os.remove"):
        _audit_events.append((event, args[0], args[1] if len(args) > 1 else None))


@contextlib.contextmanager
def audited():
    """The files opened and renamed meanwhile (Python's audit events: an audit hook stays for
    the life of the process, so one hook serves every check)."""
    global _audit_events, _audit_installed
    if not _audit_installed:
        sys.addaudithook(_audit)
        _audit_installed = True
    _audit_events = []
    try:
        yield _audit_events
    finally:
        _audit_events = None


def same_path(name, path: str) -> bool:
    if isinstance(name, int):
        return False
    with contextlib.suppress(TypeError, ValueError):
        return os.path.abspath(os.fsdecode(name)) == os.path.abspath(path)
    return False


def sample_state() -> dict:
    """A run's state as the lab's checkpoint holds it: weights, optimizer state with momentum
    buffers, epoch, history and config."""
    import torch  # noqa: PLC0415
    from torch import nn  # noqa: PLC0415

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(8)
        model = nn.Linear(4, 3)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
        model(torch.randn(5, 4)).square().mean().backward()
        optimizer.step()
    return {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3,
            "history": {"train_loss": [0.9, 0.5, 0.3]}, "config": {"lr": 0.01, "batch": 64}}


def same(a, b) -> bool:
    """Equal containers, tensors equal entry by entry."""
    import torch  # noqa: PLC0415

    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and \
            a.shape == b.shape and torch.equal(a.cpu(), b.cpu())
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def error_text(err: BaseException, limit: int = 160) -> str:
    """An error in one line: its type and the line that names the cause (for torch's
    weights_only refusal, the one after "WeightsUnpickler error:", such as "Unsupported
    global: ..."), without terminal colour codes, shortened at a word."""
    text = ANSI.sub("", str(err)).strip()
    if "WeightsUnpickler error:" in text:
        text = text.split("WeightsUnpickler error:", 1)[1].strip()
        text = re.split(r"(?<=[^.\d])\.\s|\.$", text.splitlines()[0])[0] if text else ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    if len(first) > limit:
        first = first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return f"{type(err).__name__}: {first}" if first else type(err).__name__


def check_save_checkpoint(ck: Ck, save_checkpoint) -> None:
    import torch  # noqa: PLC0415

    folder = tempfile.mkdtemp(prefix="check-")
    try:
        path = Path(folder) / "run.pt"  # a pathlib.Path, as the lab passes it
        state = sample_state()
        ck.hints.append((r"for \+: '(Posix|Windows)Path' and 'str'|'(Posix|Windows)Path' object "
                         r"has no attribute", "hint.path"))
        ck.stage("stage.runs")
        ck.given("case.ckpt_save")
        with audited() as events:
            ck.call(save_checkpoint, path, state)
        ck.stage("stage.loads")
        if not os.path.isfile(path):
            ck.fail("ckpt.no_file")
        try:
            loaded = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:  # noqa: BLE001 -- whatever refuses it, say what
            ck.fail("ckpt.unloadable", "ckpt.weights_only", error=error_text(err))
        if not same(loaded, state):
            ck.fail("ckpt.contents", got=describe(loaded))
        ck.stage("stage.overwrite")
        ck.given("case.ckpt_again")
        state = {**state, "epoch": 4, "history": {"train_loss": [0.9, 0.5, 0.3, 0.2]}}
        ck.hints.append((r"FileExistsError", "ckpt.rename_exists"))
        with audited() as events:
            ck.call(save_checkpoint, path, state)
        loaded = torch.load(path, map_location="cpu", weights_only=True)
        if not same(loaded, state):
            ck.fail("ckpt.contents", got=describe(loaded))
        ck.stage("stage.atomic")
        renamed = [src for event, src, dst in events if event == "os.rename" and
                   same_path(dst, path)]
        if any(event == "os.remove" and same_path(src, path) for event, src, _ in events):
            ck.fail("ckpt.atomic", "ckpt.remove_first")
        if any(not same_path(os.path.dirname(os.path.abspath(os.fsdecode(src))), folder)
               for src in renamed if not isinstance(src, int)):
            ck.fail("ckpt.atomic", "ckpt.temp_elsewhere")
        ck.given("case.ckpt_crash")
        with contextlib.suppress(Exception):
            save_checkpoint(path, {**state, "broken": Unsaveable()})
        try:
            again = torch.load(path, map_location="cpu", weights_only=True)
        except Exception:  # noqa: BLE001 -- a broken file is what this looks for
            again = None
        if again is None or not same(again, state):
            ck.fail("ckpt.atomic", "ckpt.not_atomic")
        if not any(event == "os.rename" and same_path(dst, path) for event, _, dst in events):
            ck.fail("ckpt.atomic", "ckpt.in_place")
        left = sorted(set(os.listdir(folder)) - {"run.pt"})  # before a save that may tidy up
        ck.stage("stage.str_path")  # the sheet: a pathlib.Path or a str
        ck.given("case.ckpt_str")
        try:
            with quiet():
                save_checkpoint(str(path), state)
            loaded = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:  # noqa: BLE001 -- whatever it was, say it
            ck.fail("ckpt.str_path", function="save_checkpoint", error=error_text(err))
        if not same(loaded, state):
            ck.fail("ckpt.contents", got=describe(loaded))
        if left:
            ck.note("note.ckpt_leftover", files=", ".join(left))
        with contextlib.suppress(OSError, TypeError):
            if re.search(r"\bos\.rename\(", inspect.getsource(save_checkpoint)):
                ck.note("note.rename_windows")
    finally:
        import shutil  # noqa: PLC0415
        shutil.rmtree(folder, ignore_errors=True)


def check_load_checkpoint(ck: Ck, load_checkpoint) -> None:
    import fractions  # noqa: PLC0415
    import torch  # noqa: PLC0415

    folder = tempfile.mkdtemp(prefix="check-")
    try:
        path, foreign = Path(folder) / "run.pt", Path(folder) / "foreign.pt"
        state = sample_state()
        torch.save(state, path)
        torch.save({"epoch": 1, "step": fractions.Fraction(1, 3)}, foreign)
        ck.stage("stage.runs")
        ck.given("case.ckpt_load")
        loaded = ck.call(load_checkpoint, path)
        ck.stage("stage.values")
        if not same(loaded, state):
            ck.fail("ckpt.load_contents", got=describe(loaded))
        ck.stage("stage.safe")
        ck.given("case.ckpt_foreign")
        try:
            with quiet():
                got = load_checkpoint(foreign)
        except Exception:  # noqa: BLE001 -- refusing it is right
            pass
        else:  # the refusal was caught and something else returned, or it was loaded
            if got is None or (isinstance(got, (dict, list, tuple)) and not got):
                ck.fail("ckpt.swallowed", "ckpt.let_through", got=describe(got))
            ck.fail("ckpt.unsafe", "ckpt.load_unsafe")
        ck.stage("stage.str_path")  # the sheet: a pathlib.Path or a str
        ck.given("case.ckpt_load_str")
        try:
            with quiet():
                loaded = load_checkpoint(str(path))
        except Exception as err:  # noqa: BLE001 -- whatever it was, say it
            ck.fail("ckpt.str_path", function="load_checkpoint", error=error_text(err))
        if not same(loaded, state):
            ck.fail("ckpt.load_contents", got=describe(loaded))
    finally:
        import shutil  # noqa: PLC0415
        shutil.rmtree(folder, ignore_errors=True)


def resume_kit():
    """A small run whose exact course depends on everything a checkpoint must hold: weights,
    SGD momentum, torch's random state (dropout) and a batch-order generator."""
    import torch  # noqa: PLC0415
    import torch.nn.functional as F  # noqa: PLC0415
    from torch import nn  # noqa: PLC0415

    g = random_generator(60)
    x, y = torch.randn(24, 6, generator=g), torch.randint(0, 3, (24,), generator=g)

    def fresh(seed: int):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 3))
        return model, torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)

    def epoch(model, optimizer, order):
        model.train()
        for idx in torch.randperm(24, generator=order).split(8):
            loss = F.cross_entropy(model(x[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    return fresh, epoch


def holds(tree, target) -> bool:
    """Whether ``target``'s numbers are somewhere in ``tree``: as a tensor of any dtype, a
    list of numbers or bytes."""
    import torch  # noqa: PLC0415

    want = target.detach().cpu().flatten()
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, torch.Tensor):
            if item.numel() == want.numel() and torch.equal(item.detach().cpu().flatten().double(),
                                                            want.double()):
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            if len(item) == want.numel() and all(isinstance(v, (int, float)) for v in item):
                if torch.equal(torch.tensor(item, dtype=torch.float64), want.double()):
                    return True
            else:
                stack.extend(item)
        elif isinstance(item, (bytes, bytearray)) and want.dtype == torch.uint8:
            if bytes(item) == want.numpy().tobytes():
                return True
    return False


def captured(ck: Ck, checkpoint_state, model, optimizer, order, history, config):
    """The student's checkpoint_state for this run, saved and loaded back with weights_only as
    a checkpoint is, and checked to hold what a resume needs."""
    import torch  # noqa: PLC0415

    weights = [t.detach().clone() for t in model.state_dict().values()]
    momentum = [s["momentum_buffer"].clone() for s in optimizer.state.values()]
    rng, order_state = torch.get_rng_state(), order.get_state()
    ck.given("case.state")
    state = ck.call(checkpoint_state, model, optimizer, 1, history, config, order)
    if not (torch.equal(torch.get_rng_state(), rng) and torch.equal(order.get_state(),
                                                                    order_state)):
        ck.fail("state.rng_changed")
    ck.stage("stage.loads")
    buffer = io.BytesIO()
    try:
        torch.save(state, buffer)
        buffer.seek(0)
        loaded = torch.load(buffer, weights_only=True)
    except Exception as err:  # noqa: BLE001 -- whatever refuses it, say what
        ck.fail("state.unloadable", "ckpt.weights_only", error=error_text(err))
    ck.stage("stage.contents")
    if not isinstance(loaded, dict):
        ck.fail("state.not_dict", got=describe(loaded))
    for key, value in (("epoch", 1), ("history", history), ("config", config)):
        if key not in loaded or not same(loaded[key], value):
            ck.fail("state.key", key=key, expected=describe(value),
                    got=describe(loaded.get(key)))
    for found, key in ((all(holds(loaded, w) for w in weights), "state.weights"),
                       (all(holds(loaded, m) for m in momentum), "state.optimizer"),
                       (holds(loaded, rng), "state.rng"),
                       (holds(loaded, order_state), "state.batch_order")):
        if not found:
            ck.fail("state.missing", key)
    return loaded


def check_checkpoint_state(ck: Ck, checkpoint_state) -> None:
    import torch  # noqa: PLC0415

    fresh, epoch = resume_kit()
    model, optimizer = fresh(3)
    order = torch.Generator().manual_seed(7)
    epoch(model, optimizer, order)
    ck.stage("stage.runs")
    captured(ck, checkpoint_state, model, optimizer, order, {"train_loss": [0.5]},
             {"lr": 0.1, "batch_size": 8})


def check_restore_checkpoint(ck: Ck, restore_checkpoint, checkpoint_state) -> None:
    import torch  # noqa: PLC0415

    fresh, epoch = resume_kit()
    history, config = {"train_loss": [0.5]}, {"lr": 0.1, "batch_size": 8}
    straight, optimizer = fresh(3)  # two epochs in one go
    order = torch.Generator().manual_seed(7)
    torch.manual_seed(10)
    epoch(straight, optimizer, order)
    epoch(straight, optimizer, order)
    stopped, optimizer = fresh(3)  # the same, stopped after one
    order = torch.Generator().manual_seed(7)
    torch.manual_seed(10)
    epoch(stopped, optimizer, order)
    weights = [p.detach().clone() for p in stopped.parameters()]
    momentum = [optimizer.state[p]["momentum_buffer"].clone() for p in stopped.parameters()]
    rng, order_state = torch.get_rng_state(), order.get_state()
    ck.stage("stage.runs")
    try:
        state = captured(ck, checkpoint_state, stopped, optimizer, order, history, config)
    except NotWritten:
        try:  # both still stubs: this one is "not written yet" too
            restore_checkpoint({}, *fresh(4), torch.Generator())
        except NotImplementedError:
            raise NotWritten() from None
        except Exception:  # noqa: BLE001 -- written: it just needs a state
            pass
        ck.fail("restore.needs_state")
    except (Failure, StudentRaised):
        ck.fail("restore.needs_state")
    ck.stage("stage.restored")
    model, optimizer = fresh(4)  # what a later process builds: other weights, other states
    order = torch.Generator().manual_seed(123)
    torch.manual_seed(999)
    ck.given("case.restore")
    ck.call(restore_checkpoint, state, model, optimizer, order)
    params = list(model.parameters())
    if not all(torch.equal(p.detach(), w) for p, w in zip(params, weights)):
        ck.fail("restore.missing", "restore.weights")
    if not all("momentum_buffer" in optimizer.state.get(p, {}) and
               torch.equal(optimizer.state[p]["momentum_buffer"], m)
               for p, m in zip(params, momentum)):
        ck.fail("restore.missing", "restore.optimizer")
    if not torch.equal(torch.get_rng_state(), rng):
        ck.fail("restore.missing", "restore.rng")
    if not torch.equal(order.get_state(), order_state):
        ck.fail("restore.missing", "restore.batch_order")
    ck.stage("stage.resumed")
    ck.given("case.resume")
    epoch(model, optimizer, order)
    expect_close(ck, torch.cat([p.detach().flatten() for p in model.parameters()]),
                 torch.cat([p.detach().flatten() for p in straight.parameters()]),
                 "the weights after the resumed epoch", rtol=0, atol=1e-7,
                 mistake="restore.differs")


# --------------------------------------------------------------------------- lab1
# The lab's own functions, each taking the device and returning a dict of what it printed:
# the values the write-ups worked out by hand ([[-3, -2, -1], [-4, -3, -2]]; 2.0 / 3.0 / 5.0
# under no_grad; a.grad = [[3, 4]], c.grad = 1, sigmoid'(1) = 0.1966, gradients 4 -> 5 -> 0).
def lab1_result(ck: Ck, fn, keys: tuple) -> dict:
    import torch  # noqa: PLC0415

    ck.stage("stage.runs")
    ck.given("case.lab1", keys=", ".join(keys))
    out = ck.call(fn, torch.device("cpu"))
    ck.stage("stage.returns")
    if not isinstance(out, dict):
        ck.fail("lab1.not_dict", got=describe(out))
    missing = [k for k in keys if k not in out]
    if missing:
        ck.fail("lab1.keys", missing=", ".join(missing))
    ck.stage("stage.hand")
    return out


def check_broadcast_subtraction(ck: Ck, broadcast_subtraction) -> None:
    import torch  # noqa: PLC0415

    keys = ("broadcast_minus", "broadcast_sub", "broadcast_manual", "inplace_error")
    out = lab1_result(ck, broadcast_subtraction, keys)
    right = torch.tensor([[-3.0, -2.0, -1.0], [-4.0, -3.0, -2.0]], dtype=torch.float64)
    for key in keys[:3]:
        expect_close(ck, out[key], right, key, rtol=0, atol=0,
                     alternatives=[("lab1.reversed", -right)])
    message = out["inplace_error"]
    if isinstance(message, BaseException):
        ck.fail("lab1.error_object", got=type(message).__name__)
    if not isinstance(message, str) or not message.strip():
        ck.fail("lab1.inplace_error", got=describe(message))
    try:  # what torch itself says (this torch: the wording changes between releases)
        torch.tensor([[1, 2, 3]]).sub_(torch.tensor([[4], [5]]))
        said = None
    except RuntimeError as err:
        said = str(err)
    text = message.strip()
    if said and said.splitlines()[0].strip() not in message and \
            not (len(text) >= 20 and text in said):  # the whole text, or a good part of it
        ck.fail("lab1.inplace_text",
                "lab1.error_name" if re.fullmatch(r"\w*(Error|Exception)", text) else None,
                got=repr(text[:80]), expected=said.splitlines()[0].strip())


def check_small_matmul(ck: Ck, small_matmul) -> None:
    out = lab1_result(ck, small_matmul, ("p", "q", "qt", "pqt"))
    for key, shape in (("p", (3, 2)), ("q", (4, 2)), ("qt", (2, 4)), ("pqt", (3, 4))):
        expect_tensor(ck, out[key], key, shape=shape,
                      shape_mistake="lab1.matmul_order" if key == "pqt" else None)
    ck.stage("stage.normal")
    for key in ("p", "q"):
        largest = float(out[key].detach().abs().max())
        if not 1e-3 < largest < 0.06:
            ck.fail("lab1.scale", "lab1.std", key=key, got=fmt(largest))
    expect_normal(ck, small_matmul, out)
    ck.stage("stage.hand")
    p, q = out["p"].detach().double(), out["q"].detach().double()
    expect_close(ck, out["qt"], q.T, "qt", rtol=0, atol=0,
                 alternatives=[("lab1.reshape_not_transpose", q.reshape(2, 4))])
    expect_close(ck, out["pqt"], p @ q.T, "pqt", rtol=1e-5, atol=1e-9,
                 alternatives=[("lab1.reshape_not_transpose", p @ q.reshape(2, 4))])


MATMUL_DRAWS = 300  # calls pooled where small_matmul draws anew each time: 4,200 entries


def expect_normal(ck: Ck, small_matmul, out: dict) -> None:
    """P's and Q's entries look drawn from N(0, 0.01²). Where the function draws anew on each
    call, 300 calls pooled (4,200 entries, the mean known to be 0): not all of one sign; the
    shape, by the kurtosis E[x⁴] / E[x²]² (3 for a normal distribution, 1.8 for a uniform
    one), at least 2.4; and the standard deviation, the root mean square, within 7% of 0.01.
    A right draw fails either with a chance below 1e-9: over 4,200 entries the kurtosis has a
    standard deviation of 0.076, so 2.4 is 7.9 of them below 3, with a left tail lighter than
    a normal one's (2e5 simulated draws: none below -4); the root mean square's squared ratio
    to 0.01, times 4,200, is chi-square with 4,200 degrees of freedom, outside [0.93², 1.07²]
    with a chance of 1.5e-10. Where it draws the same each time (a seed), the one draw of 14:
    both signs and a root mean square between 0.003 and 0.025 (each with a chance below 1e-4
    of failing a right draw)."""
    import torch  # noqa: PLC0415

    def entries(result):
        return torch.cat([result[k].detach().cpu().double().flatten() for k in ("p", "q")])

    pooled = [entries(out)]
    while len(pooled) < MATMUL_DRAWS:
        again = ck.call(small_matmul, torch.device("cpu"))
        with contextlib.suppress(Exception):  # not a dict of tensors this time: the first draw
            again = entries(again)
        if not isinstance(again, torch.Tensor) or again.shape != pooled[0].shape or \
                torch.equal(again, pooled[-1]):
            break  # the same draw each time (a seed): only the one draw to go on
        pooled.append(again)
    values, draws = torch.cat(pooled), len(pooled)
    if bool((values >= 0).all()) or bool((values <= 0).all()):
        uniform = bool((values >= 0).all()) and float(values.max()) < 0.01
        ck.fail("lab1.one_sign", "lab1.uniform" if uniform else None, count=values.numel(),
                draws=draws)
    square = values.square().mean()
    if draws < MATMUL_DRAWS:
        if not 0.003 < float(square.sqrt()) < 0.025:
            ck.fail("lab1.spread", "lab1.std", got=fmt(float(square.sqrt())))
        ck.note("note.one_draw", count=values.numel())  # passed, but say how little that says
        return
    kurtosis = float(values.pow(4).mean() / square ** 2)
    if kurtosis < 2.4:
        ck.fail("lab1.flat", "lab1.uniform_range", count=values.numel(), draws=draws,
                got=f"{kurtosis:.2f}")
    if not 0.0093 < float(square.sqrt()) < 0.0107:
        ck.fail("lab1.pooled_spread", "lab1.std", count=values.numel(), draws=draws,
                got=f"{float(square.sqrt()):.5f}")


def check_no_grad_gradients(ck: Ck, no_grad_gradients) -> None:
    import torch  # noqa: PLC0415

    keys = ("grad_no_y2", "grad_no_y1", "grad_full")
    out = lab1_result(ck, no_grad_gradients, keys)
    got = torch.stack([numeric(ck, out[k], k).reshape(()) for k in keys])
    expect_close(ck, got, torch.tensor([2.0, 3.0, 5.0], dtype=torch.float64),
                 "[grad_no_y2, grad_no_y1, grad_full]", alternatives=[
                     ("lab1.no_grad_swapped", torch.tensor([3.0, 2.0, 5.0])),
                     ("lab1.grad_accumulates", torch.tensor([2.0, 5.0, 10.0])),
                     ("lab1.no_grad_ignored", torch.tensor([5.0, 5.0, 5.0]))])


def check_autograd(ck: Ck, autograd) -> None:
    import torch  # noqa: PLC0415

    out = lab1_result(ck, autograd, ("a_grad", "c_grad", "sigmoid_grad", "accumulated_grads"))
    expect_close(ck, out["a_grad"], torch.tensor([[3.0, 4.0]], dtype=torch.float64), "a_grad",
                 alternatives=[("lab1.a_grad_transposed", torch.tensor([[3.0], [4.0]]))])
    expect_close(ck, numeric(ck, out["c_grad"], "c_grad").reshape(()),
                 torch.tensor(1.0, dtype=torch.float64), "c_grad")
    s = 1 / (1 + math.exp(-1))
    expect_close(ck, out["sigmoid_grad"], torch.full((20,), s * (1 - s), dtype=torch.float64),
                 "sigmoid_grad", alternatives=[("lab1.sigmoid_value", torch.full((20,), s))])
    expect_close(ck, out["accumulated_grads"], torch.tensor([4.0, 5.0, 0.0], dtype=torch.float64),
                 "accumulated_grads", alternatives=[
                     ("lab1.grad_reset", torch.tensor([4.0, 1.0, 0.0])),
                     ("lab1.zero_missing", torch.tensor([4.0, 5.0, 5.0]))])


# --------------------------------------------------------------------------- the exercises
# Each lab's sheet asks for these functions, under these names and signatures (the labs' own),
# in this order.
@dataclasses.dataclass(frozen=True)
class Exercise:
    name: str
    signature: str
    check: object        # check(ck, *the functions named in needs)
    needs: tuple         # the functions it takes: its own first


def _lesson(lab: str, step: str, epoch: str, evaluate: str) -> list[Exercise]:
    lesson = LESSONS[lab]
    return [
        Exercise("train_step", step, lambda ck, f: check_train_step(ck, f, lesson),
                 ("train_step",)),
        Exercise("train_epoch", epoch, lambda ck, f: check_train_epoch(ck, f, lesson),
                 ("train_epoch",)),
        Exercise("evaluate", evaluate, lambda ck, f: check_evaluate(ck, f, lesson),
                 ("evaluate",))]


def _one(name: str, signature: str, check) -> Exercise:
    return Exercise(name, signature, check, (name,))


EXERCISES = {
    "lab1": [
        _one("broadcast_subtraction", "broadcast_subtraction(device) -> dict",
             check_broadcast_subtraction),
        _one("small_matmul", "small_matmul(device) -> dict", check_small_matmul),
        _one("no_grad_gradients", "no_grad_gradients(device) -> dict", check_no_grad_gradients),
        _one("autograd", "autograd(device) -> dict", check_autograd)],
    "lab2": [
        _one("bce_loss", "bce_loss(pred, target) -> loss", check_bce_loss),
        _one("cross_entropy", "cross_entropy(logits, target) -> loss", check_cross_entropy),
        _one("one_hot", "one_hot(labels, num_classes, dtype=torch.float32) -> tensor",
             check_one_hot),
        _one("Linear", "Linear(n_in, n_out): __call__(x), parameters(), train(), eval()",
             check_linear),
        _one("SGD", "SGD(params, lr): step(), zero_grad()", check_sgd),
        *_lesson("lab2", "train_step(model, x, y, optimizer, loss_fn=F.cross_entropy) -> "
                         "(loss, output)",
                 "train_epoch(model, loader, optimizer, step=train_step, on_step=None) -> "
                 "(losses, outputs, targets)",
                 "evaluate(model, loader, loss_fn=F.cross_entropy) -> (mean loss, accuracy)")],
    "lab3": [
        _one("d2l_lenet", "d2l_lenet() -> nn.Module", check_d2l_lenet),
        _one("xavier_init", "xavier_init(model) -> None", check_xavier_init),
        *_lesson("lab3", "train_step(model, x, y, optimizer) -> (loss, logits)",
                 "train_epoch(model, loader, optimizer, step=train_step, on_step=None) -> "
                 "(mean loss, accuracy)",
                 "evaluate(model, loader) -> (mean loss, accuracy)")],
    "lab4": [
        _one("standardise", "standardise(x_tr, x_te) -> (x_tr, x_te)", check_standardise),
        _one("WineMLP", "WineMLP(n_in, hidden, activation=nn.ReLU, dropout=0.0) -> nn.Module",
             check_wine_mlp),
        *_lesson("lab4", "train_step(model, x, y, optimizer) -> loss",
                 "train_epoch(model, loader, optimizer, step=train_step, on_step=None) -> "
                 "mean loss",
                 "evaluate(model, loader) -> (mse, rmse)")],
    "mnist": [
        _one("MnistNet", "MnistNet() -> nn.Module", check_mnist_net),
        *_lesson("mnist", "train_step(model, x, y, optimizer) -> loss",
                 "train_epoch(model, loader, optimizer, step=train_step, on_step=None) -> "
                 "mean loss",
                 "evaluate(model, loader) -> (mean loss, accuracy)"),
        _one("save_checkpoint", "save_checkpoint(path, state) -> None", check_save_checkpoint),
        _one("load_checkpoint", "load_checkpoint(path) -> dict", check_load_checkpoint),
        _one("checkpoint_state", "checkpoint_state(model, optimizer, epoch, history, config, "
             "batch_order=None) -> dict", check_checkpoint_state),
        Exercise("restore_checkpoint",
                 "restore_checkpoint(state, model, optimizer, batch_order=None)",
                 check_restore_checkpoint, ("restore_checkpoint", "checkpoint_state"))],
}


def exercises(lab: str, names=None) -> list[Exercise]:
    """The exercises of ``lab``, or those of them named (an unknown name is a ValueError)."""
    if lab not in EXERCISES:
        raise ValueError(f"unknown lab {lab!r}: one of {', '.join(LABS)}")
    if names is None:
        return list(EXERCISES[lab])
    known = {e.name: e for e in EXERCISES[lab]}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(", ".join(unknown))
    return [known[n] for n in names]


# --------------------------------------------------------------------------- reports
def width(text: str) -> int:
    """Columns a terminal gives ``text`` (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(columns - width(text), 0)


def indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.rstrip("\n").splitlines())


def outcome_lines(outcome: Outcome, lang: str) -> list[str]:
    """The lines of one function's result: what passed, or the first failing case."""
    name = outcome.name
    if outcome.status == "passed":
        stages = say("report.sep", lang).join(say(s, lang) for s in outcome.passed)
        lines = [say("report.passed", lang, name=name, stages=stages)]
    elif outcome.status == "not_written":
        return [say("report.not_written", lang, name=name)]
    elif outcome.status == "missing":
        return [say("report.missing", lang, names=name)]
    elif outcome.status == "needs":  # never run: no check to name
        return ["  " + name + say("report.colon", lang) + say(outcome.key, lang,
                                                              **outcome.fields)]
    else:
        lines = [say("report.failed", lang, name=name, stage=say(outcome.stage, lang))
                 if outcome.stage else say("report.failed_unstaged", lang, name=name)]
        if outcome.case:
            lines.append("    " + say("report.input", lang,
                                      case=say(outcome.case[0], lang, **outcome.case[1])))
        if outcome.key:
            lines.append(indent(say(outcome.key, lang, **outcome.fields), "    "))
        if outcome.trace:
            lines.append(indent(outcome.trace, "    | "))
        if outcome.mistake:
            lines.append(indent(say("report.mistake", lang,
                                    text=say(outcome.mistake, lang, **outcome.fields)), "    "))
        if outcome.passed:
            lines.append("    " + say("report.passed_before", lang, stages=say(
                "report.sep", lang).join(say(s, lang) for s in outcome.passed)))
    lines += ["    " + say("report.note", lang, text=say(key, lang, **fields))
              for key, fields in outcome.notes]
    return lines


def counts(outcomes: list[Outcome]) -> dict:
    found = [o for o in outcomes if o.status != "missing"]
    return {"found": len(found), "passed": sum(o.ok for o in found),
            "not_written": sum(o.status == "not_written" for o in found),
            "failed": sum(not o.ok and o.status != "not_written" for o in found)}


def summary(outcomes: list[Outcome], lang: str) -> str:
    c = counts(outcomes)
    if c["found"] == 0:
        return say("report.none_found", lang)
    return say("report.summary_one" if c["found"] == 1 else "report.summary", lang, **c)


def left_out_line(left_out: list, lang: str) -> list[str]:
    """One line naming the notebook cells the checker could not read, if there are any."""
    if not left_out:
        return []
    cells = [say("left.magic", lang, cell=n, magic=magic) if magic else
             say("left.syntax", lang, cell=n, line=line, error=error)
             for n, magic, line, error in left_out]
    return ["  " + say("report.left_out", lang, cells=say("report.sep", lang).join(cells))]


def file_status(outcomes: list[Outcome] | None) -> int:
    if not outcomes or counts(outcomes)["found"] == 0:
        return 2
    return 0 if all(o.ok for o in outcomes if o.status != "missing") else 1


def report_lines(outcomes: list[Outcome], lang: str, missing: str = "report.missing") -> list:
    """Each function's lines, and one line for those not there."""
    lines = [line for o in outcomes if o.status != "missing" for line in outcome_lines(o, lang)]
    absent = [o.name for o in outcomes if o.status == "missing"]
    if absent:
        lines.append(say(missing, lang, names=absent))
    return lines


def file_report(lab: str, path: str, outcomes: list[Outcome] | None, problem, lang: str,
                left_out: list = ()) -> str:
    lines = [say("report.head", lang, lab=lab, file=path)] + left_out_line(list(left_out), lang)
    if problem is not None:
        return "\n".join(lines + ["  " + say(problem[0], lang, **problem[1])])
    return "\n".join(lines + report_lines(outcomes, lang) + [summary(outcomes, lang)])


def first_problem(outcomes: list[Outcome], lang: str) -> str:
    for o in outcomes:
        if not o.ok and o.status != "missing":
            what = re.split(r"[:.](?:\s|$)|[：。]", say(o.mistake, lang, **o.fields))[0] \
                if o.mistake else say("short.failed_at", lang, stage=say(o.stage, lang)) \
                if o.status == "failed" and o.stage else say(f"short.{o.status}", lang)
            return f"{o.name}{say('report.colon', lang)}{what}"
    return say("table.all_passed", lang)


def table(lab: str, rows: list[tuple], lang: str) -> str:
    """One row per file: its counts and its first problem, then the lab's summary line."""
    head = [say(f"table.{k}", lang) for k in ("file", "passed", "failed", "not_written",
                                              "first")]
    body = []
    for path, outcomes, problem, *_ in rows:
        if problem is not None:
            body.append([path, "-", "-", "-", say(problem[0], lang, **problem[1])])
            continue
        c = counts(outcomes)
        body.append([path, f"{c['passed']}/{c['found']}", str(c["failed"]),
                     str(c["not_written"]), first_problem(outcomes, lang)])
    widths = [max(width(r[i]) for r in [head] + body) for i in range(4)]
    lines = ["  ".join(pad(cell, widths[i]) if i < 4 else cell for i, cell in enumerate(row))
             for row in [head] + body]
    ok = sum(1 for _, outcomes, problem, *_ in rows if problem is None and
             file_status(outcomes) == 0)
    one = "_one" if len(rows) == 1 else ""
    return "\n".join([say("table.head" + one, lang, lab=lab, files=len(rows))] + lines +
                     [say("table.summary" + one, lang, passed=ok, files=len(rows))])


def as_data(lab: str, rows: list[tuple], lang: str) -> dict:
    files = []
    for path, outcomes, problem, *rest in rows:
        left_out = rest[0] if rest else []
        entry = {"file": path, "exit_status": 2 if problem else file_status(outcomes),
                 "problem": None if problem is None else
                 {"id": problem[0], "message": say(problem[0], lang, **problem[1])},
                 "left_out": [{"cell": n, "magic": magic, "line": line, "error": error}
                              for n, magic, line, error in left_out],
                 "functions": []}
        for o in outcomes or []:
            entry["functions"].append({
                "name": o.name, "status": o.status, "passed": o.passed,
                "message_id": o.message_id,
                "message": "\n".join(outcome_lines(o, lang)),
                "input": say(o.case[0], lang, **o.case[1]) if o.case else None,
                "fields": o.fields, "traceback": o.trace,
                "notes": [say(k, lang, **f) for k, f in o.notes], "seconds": o.seconds})
        files.append(entry)
    return {"lab": lab, "language": lang, "exit_status": overall([f["exit_status"]
                                                                  for f in files]),
            "files": files}


def overall(statuses: list[int]) -> int:
    return 2 if 2 in statuses else 1 if 1 in statuses else 0


# --------------------------------------------------------------------------- in a notebook
# The notebook's own functions, checked in the notebook's process. Where the platform has an
# alarm (Linux, macOS) a check that runs past its limit is stopped; elsewhere (Windows) a note
# says how to stop one by hand. Nothing is returned, so the cell shows only the report.
def _in_notebook(lab: str, namespace: dict, names: tuple, lang, limit) -> None:
    lang = language(lang)
    try:
        chosen = exercises(lab, names or None)
    except ValueError as err:
        print(say("notebook.unknown", lang, lab=lab, names=str(err),
                  known=", ".join(e.name for e in EXERCISES[lab])))
        return
    if not alarm_usable():
        print(say("notebook.no_alarm", lang, seconds=f"{limit:g}"))
    outcomes = run_checks(lab, namespace, [e.name for e in chosen], limit=limit)
    lines = report_lines(outcomes, lang, missing="notebook.missing")
    if len(chosen) > 1:
        lines.append(summary(outcomes, lang))
    print("\n".join(lines))


def lab1(namespace: dict, *names: str, lang: str | None = None, limit: float = TIME_LIMIT):
    """Check lab1's functions defined in ``namespace`` (pass ``globals()``), or those named."""
    _in_notebook("lab1", namespace, names, lang, limit)


def lab2(namespace: dict, *names: str, lang: str | None = None, limit: float = TIME_LIMIT):
    """Check lab2's functions defined in ``namespace`` (pass ``globals()``), or those named."""
    _in_notebook("lab2", namespace, names, lang, limit)


def lab3(namespace: dict, *names: str, lang: str | None = None, limit: float = TIME_LIMIT):
    """Check lab3's functions defined in ``namespace`` (pass ``globals()``), or those named."""
    _in_notebook("lab3", namespace, names, lang, limit)


def lab4(namespace: dict, *names: str, lang: str | None = None, limit: float = TIME_LIMIT):
    """Check lab4's functions defined in ``namespace`` (pass ``globals()``), or those named."""
    _in_notebook("lab4", namespace, names, lang, limit)


def mnist(namespace: dict, *names: str, lang: str | None = None, limit: float = TIME_LIMIT):
    """Check mnist's functions defined in ``namespace`` (pass ``globals()``), or those named."""
    _in_notebook("mnist", namespace, names, lang, limit)


# --------------------------------------------------------------------------- the command line
# The parent reads each file's top-level names (no torch needed), then starts a child that
# loads the file and checks one function after another, reporting each as a line. A function
# that runs past its limit is stopped by the child's own alarm; where there is none, or where
# the child hangs in C code, the parent kills the child and starts another for the functions
# left. A child that dies (a crash, `os._exit` in the student's code) costs only the function
# it was checking.
GRACE = 3.0  # seconds the parent waits beyond the limit before it kills the child


def worker(spec: dict) -> None:
    """The child: load the file, check each function, one report line per event."""
    out = sys.__stdout__

    def emit(event: dict) -> None:
        out.write(PROTOCOL + json.dumps(event) + "\n")
        out.flush()

    for folder in (os.path.dirname(os.path.abspath(spec["file"])), os.path.dirname(HERE)):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    source = load(Path(spec["file"]))
    emit({"event": "loaded"})
    for exercise in exercises(spec["lab"], spec["names"]):
        emit({"event": "start", "name": exercise.name})
        outcome = run_one(exercise, source.namespace, source,
                          spec["limit"] if spec["alarm"] else None)
        emit({"event": "done", "outcome": dataclasses.asdict(outcome)})


def in_child(lab: str, path: str, names: list[str], limit: float, alarm: bool = True
             ) -> list[Outcome]:
    """Check ``names`` of ``path`` in child processes, killing one that overruns."""
    done: dict[str, Outcome] = {}
    left = list(names)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONUNBUFFERED": "1"}
    while left:
        spec = {"lab": lab, "file": path, "names": left, "limit": limit, "alarm": alarm}
        proc = subprocess.Popen([sys.executable, HERE, "--worker", json.dumps(spec)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, encoding="utf-8",
                                errors="replace", env=env)
        lines: queue.Queue = queue.Queue()
        errors: list[str] = []
        threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout] + [lines.put(None)],
                         daemon=True).start()
        threading.Thread(target=lambda: errors.extend(proc.stderr), daemon=True).start()
        deadline, current, loaded = time.monotonic() + LOAD_LIMIT, None, False
        while True:
            try:
                line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                line = "timeout"
            if line == "timeout" or line is None:
                stopped = line == "timeout"
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
                if current is not None:
                    said = "".join(errors[-3:]).strip()[-300:]
                    done[current] = Outcome(current, "timeout", key="status.timeout",
                                            fields={"seconds": f"{limit:g}"}) if stopped else \
                        Outcome(current, "crashed", key="status.crashed", fields={
                            "code": proc.returncode, "error": said}) if said else \
                        Outcome(current, "crashed", key="status.crashed_quiet",
                                fields={"code": proc.returncode})
                    left.remove(current)
                elif not loaded:
                    for name in left:
                        done[name] = Outcome(name, "crashed", key="status.load_failed", fields={
                            "error": "".join(errors[-3:]).strip()[-300:] or
                            ("timeout" if stopped else f"exit {proc.returncode}")})
                    left = []
                break
            if not line.startswith(PROTOCOL):
                continue
            event = json.loads(line[len(PROTOCOL):])
            if event["event"] == "loaded":
                loaded = True
            elif event["event"] == "start":
                current = event["name"]
            elif event["event"] == "done":
                outcome = Outcome(**event["outcome"])
                done[outcome.name] = outcome
                left.remove(outcome.name)
                current = None
            # with its own alarm the child reports an overrun itself; without one only this
            # deadline stops it
            deadline = time.monotonic() + (LOAD_LIMIT if not loaded else
                                           limit + (GRACE if alarm else 1.0))
            if not left:
                proc.wait()
                break
    return [done[n] for n in names]


def check_file(lab: str, path: str, limit: float, alarm: bool = True):
    """(outcomes, problem, left_out) of one file: problem is (key, fields) when it cannot be
    checked; left_out lists the notebook cells the checker could not read (see parse)."""
    try:
        defined, left_out = names_in(Path(path))
    except Unreadable as err:
        return None, (err.key, err.fields), []
    defined = set(defined) | set(broken_defs(Path(path)))  # a def in a cell that cannot run
    wanted = [e.name for e in EXERCISES[lab] if e.name in defined]
    if not wanted:
        return None, ("file.none", {"path": path, "lab": lab,
                                     "names": [e.name for e in EXERCISES[lab]]}), \
            left_out
    names = [e.name for e in EXERCISES[lab]]
    return in_child(lab, path, names, limit, alarm), None, left_out


def positive_seconds(text: str) -> float:
    """--time-limit's value: a number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"{text!r}: a number of seconds above 0")
    return value


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="check.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("lab", choices=LABS, help="which lab's exercises")
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="a .py file or a notebook (.ipynb) with your functions")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--lang", choices=("zh", "en"), default=None,
                        help="language of the messages (default: the system's)")
    parser.add_argument("--time-limit", type=positive_seconds, default=TIME_LIMIT,
                        metavar="SECONDS",
                        help="longest a function's check may run (default: %(default)s)")
    parser.add_argument("--details", action="store_true",
                        help="with several files: each file's report before the table")
    parser.add_argument("--no-alarm", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        worker(json.loads(argv[1]))
        return 0
    args = parse_args(argv)
    lang = language(args.lang)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="replace")
    rows = [(path, *check_file(args.lab, path, args.time_limit, not args.no_alarm))
            for path in args.files]
    statuses = [2 if problem else file_status(outcomes) for _, outcomes, problem, _ in rows]
    if args.json:
        print(json.dumps(as_data(args.lab, rows, lang), ensure_ascii=False, indent=1))
    elif len(rows) == 1:
        path, outcomes, problem, left_out = rows[0]
        print(file_report(args.lab, path, outcomes, problem, lang, left_out))
    else:
        if args.details:
            for path, outcomes, problem, left_out in rows:
                print(file_report(args.lab, path, outcomes, problem, lang, left_out) + "\n")
        print(table(args.lab, rows, lang))
    return overall(statuses)


# --------------------------------------------------------------------------- the catalogue
# One entry per message, (English, Chinese), with the same placeholders in both (a test holds
# them equal). `WHAT` names the values that messages talk about.
WHAT = {
    "the loss": "损失", "the output": "输出", "the outputs": "输出", "the targets": "目标",
    "the weights after the step": "这一步之后的权重", "the per-step losses": "每一步的损失",
    "the mean loss": "平均损失", "the accuracy": "精度",
    "the weights after the epoch": "这个迭代周期之后的权重",
    "the first value": "第一个返回值", "the second value": "第二个返回值",
    "the result": "结果", "a parameter": "参数", "the weight's gradient": "权重的梯度",
    "the bias's gradient": "偏置的梯度", "x after one step": "走一步之后的 x",
    "the parameters after one step": "走一步之后的参数",
    "the parameter after two steps": "走两步之后的参数",
    "the parameter after one step": "走一步之后的参数",
    "the gradient d loss / d pred at p = 0.3": "p = 0.3 处的梯度 d loss / d pred",
    "the training features": "训练集特征", "the test features": "测试集特征",
    "the weights after the resumed epoch": "恢复训练后那个迭代周期结束时的权重",
    "the gradient d loss / d pred": "梯度 d loss / d pred",
    "the gradient d loss / d logits": "梯度 d loss / d logits",
    "the MSE": "MSE", "the RMSE": "RMSE", "the output in eval mode": "eval 模式下的输出",
    "the second convolution's input": "第二个卷积层的输入",
    "the first linear layer's input": "第一个线性层的输入",
    "the second linear layer's input": "第二个线性层的输入",
    "the last linear layer's input": "最后一个线性层的输入",
}

MESSAGES = {
    # -- the report
    "report.head": ("{lab} · {file}", "{lab} · {file}"),
    "report.passed": ("  {name}: these checks passed ({stages})",
                      "  {name}：通过了这些检查（{stages}）"),
    "report.failed": ("  {name}: FAILED, at the check: {stage}",
                      "  {name}：未通过，出错的检查项：{stage}"),
    "report.failed_unstaged": ("  {name}: FAILED", "  {name}：未通过"),
    "report.not_written": ("  {name}: not written yet (it still raises NotImplementedError)",
                           "  {name}：还没写（调用它仍然会抛出 NotImplementedError）"),
    "report.missing": ("  not in this file: {names}", "  文件里没有：{names}"),
    "report.input": ("input: {case}", "输入：{case}"),
    "report.sep": ("; ", "；"),
    "report.colon": (": ", "："),
    "report.mistake": ("likely mistake: {text}", "可能的原因：{text}"),
    "report.passed_before": ("(passed before this: {stages})", "（在此之前通过了：{stages}）"),
    "report.note": ("note: {text}", "提示：{text}"),
    "report.summary": ("{passed} of {found} functions passed these checks; {failed} failed, "
                       "{not_written} not written yet.",
                       "共 {found} 个函数：{passed} 个通过了这些检查，{failed} 个未通过，"
                       "{not_written} 个还没写。"),
    "report.summary_one": ("{passed} of {found} function passed these checks; {failed} failed, "
                           "{not_written} not written yet.",
                           "共 {found} 个函数：{passed} 个通过了这些检查，{failed} 个未通过，"
                           "{not_written} 个还没写。"),
    "report.left_out": ("left out, not read as Python: {cells}",
                        "这些单元格没有当作 Python 读取，已跳过：{cells}"),
    "left.magic": ("cell {cell} ({magic})", "第 {cell} 个单元格（{magic}）"),
    "left.syntax": ("cell {cell} (line {line}: {error})",
                    "第 {cell} 个单元格（第 {line} 行：{error}）"),
    "report.none_found": ("None of this lab's functions is defined here.",
                          "这里没有定义本实验的任何一个函数。"),
    "table.head": ("{lab}: {files} files", "{lab}：{files} 个文件"),
    "table.head_one": ("{lab}: {files} file", "{lab}：{files} 个文件"),
    "table.file": ("file", "文件"),
    "table.passed": ("passed", "通过"),
    "table.failed": ("failed", "未通过"),
    "table.not_written": ("not written", "还没写"),
    "table.first": ("first problem", "第一个问题"),
    "table.all_passed": ("these checks passed", "通过了这些检查"),
    "table.summary": ("{passed} of {files} files passed these checks.",
                      "{files} 个文件中有 {passed} 个通过了这些检查。"),
    "table.summary_one": ("{passed} of {files} file passed these checks.",
                          "{files} 个文件中有 {passed} 个通过了这些检查。"),
    "short.failed": ("wrong result", "结果不对"),
    "short.failed_at": ("fails at {stage}", "未通过“{stage}”这项检查"),
    "short.raised": ("raises an error", "抛出异常"),
    "short.not_written": ("not written yet", "还没写"),
    "short.timeout": ("did not finish in time", "没有在限定时间内结束"),
    "short.interrupted": ("interrupted", "被中断"),
    "short.crashed": ("its check's process ended", "检查它的进程意外结束"),
    "short.needs": ("not checked", "未检查"),
    "short.syntax": ("its cell has a syntax error: not checked", "所在单元格有语法错误，未检查"),
    "short.nested": ("defined inside a block: not checked", "定义在代码块里，未检查"),
    "short.checker_bug": ("the checker failed", "检查程序自身出错"),
    "notebook.no_alarm": (
        "(Checks are not stopped automatically on this system: if one runs much longer than "
        "{seconds} s, stop it with the notebook's stop button, or Kernel > Interrupt.)",
        "（在这个系统上检查不会自动停止：如果某项检查运行得远远超过 {seconds} 秒，请点 notebook 的停止按钮，"
        "或者选择 Kernel > Interrupt。）"),
    "notebook.unknown": ("{lab} has no exercise called {names}; its exercises are: {known}",
                         "{lab} 里没有叫 {names} 的练习；它的练习有：{known}"),
    "notebook.missing": ("  not defined yet: {names} (run the cells that define them first)",
                         "  还没有定义：{names}（请先运行定义它们的单元格）"),
    # -- files that cannot be checked
    "file.missing": ("{path}: no such file", "{path}：文件不存在"),
    "file.oserror": ("{path}: cannot be read ({error})", "{path}：无法读取（{error}）"),
    "file.not_utf8": ("{path}: not UTF-8 text", "{path}：不是 UTF-8 编码的文本"),
    "file.not_notebook": ("{path}: not a Jupyter notebook (the JSON of an .ipynb file)",
                          "{path}：不是 Jupyter notebook（.ipynb 文件应该是 JSON 格式）"),
    "file.syntax": ("{path}, line {line}: {error}: the file is not valid Python",
                    "{path} 第 {line} 行：{error}：这个文件不是合法的 Python 代码"),
    "file.none": ("{path} defines none of {lab}'s functions ({names})",
                  "{path} 里没有定义 {lab} 的任何一个函数（{names}）"),
    # -- what happened to a function
    "status.raised": ("Your code raised an error (its traceback, your lines only):",
                      "你的代码抛出了异常（下面的 traceback 只列出你自己的代码）："),
    "status.timeout": ("Stopped after {seconds} s: a loop that never ends?",
                       "运行了 {seconds} 秒仍未结束，已被停止：是不是有一个永远不会结束的循环？"),
    "status.interrupted": ("Interrupted (Ctrl-C or the stop button).",
                           "被中断了（Ctrl-C 或者停止按钮）。"),
    "status.crashed": ("The process checking it ended unexpectedly (exit code {code}): {error}",
                       "检查它的进程意外结束了（退出码 {code}）：{error}"),
    "status.crashed_quiet": ("The process checking it ended unexpectedly (exit code {code}), "
                             "without a word: os._exit() in your code, or a crash inside a "
                             "library?",
                             "检查它的进程意外结束了（退出码 {code}），没有留下任何信息：是你的代码里调用了 "
                             "os._exit()，还是某个库在内部崩溃了？"),
    "status.def_failed": ("Its definition failed on line {def_line}: {def_error}",
                          "它的定义在第 {def_line} 行运行出错：{def_error}"),
    "status.def_syntax": (
        "Its def (line {def_line} of cell {cell}) is in a cell with a syntax error, on line "
        "{line}: {error}. The cell cannot run, so the function does not exist and was not "
        "checked.",
        "它的 def（第 {cell} 个单元格第 {def_line} 行）所在的单元格有语法错误，在第 {line} 行："
        "{error}。这个单元格无法运行，函数并没有定义，所以没有检查。"),
    "status.nested": (
        "It is defined inside an `{block}` block (line {line}): the checker runs only "
        "top-level definitions, so it was not checked. Define it at the top level of the file.",
        "它定义在 `{block}` 代码块里（第 {line} 行）：检查程序只运行顶层的定义，所以没有检查它。"
        "请把它定义在文件的顶层。"),
    "status.nested_cell": (
        "It is defined inside an `{block}` block (line {line} of cell {cell}): the checker "
        "runs only top-level definitions, so it was not checked. Define it at the top level "
        "of a cell.",
        "它定义在 `{block}` 代码块里（第 {cell} 个单元格第 {line} 行）：检查程序只运行顶层的定义，"
        "所以没有检查它。请把它定义在单元格的顶层。"),
    "status.load_failed": ("The file could not be loaded: {error}", "无法加载这个文件：{error}"),
    "status.needs": ("Not checked: it needs {names} too.", "未检查：它还依赖 {names}。"),
    "status.checker_bug": (
        "The checker itself failed here ({error}). That is a bug in check.py, not in your "
        "code: please report it.",
        "检查程序自身在这里出错了（{error}）。这是 check.py 的缺陷，不是你代码的错，请把它报告出来。"),
    # -- the checks (the stages), named as things checked: each reads right in the list of
    # those passed and as the one that failed
    "stage.runs": ("a first call", "第一次调用"),
    "stage.returns": ("the kind of value returned", "返回值的类型、形状和 dtype"),
    "stage.hand": ("cases worked by hand", "手算的例子"),
    "stage.random": ("random cases against float64 formulas", "随机输入，与 float64 的公式对比"),
    "stage.edge": ("edge cases", "边界情况"),
    "stage.grad": ("gradients in float64", "float64 下的梯度"),
    "stage.shapes": ("each layer's output shape", "每一层的输出形状"),
    "stage.mismatch": ("predictions and targets of different shapes", "预测和目标形状不同的情况"),
    "stage.params": ("the parameter count", "参数个数"),
    "stage.output": ("what the output holds", "输出的含义"),
    "stage.loss": ("the batch's loss", "这个小批量的损失"),
    "stage.update": ("the weights after the step", "这一步之后的权重"),
    "stage.update_epoch": ("the weights after the epoch", "这个迭代周期之后的权重"),
    "stage.scratch": ("a from-scratch model and optimizer", "从零实现的模型和优化器"),
    "stage.scratch_model": ("a from-scratch model", "从零实现的模型"),
    "stage.batches": ("every batch, the last smaller one too", "每个小批量，包括最后不满的一个"),
    "stage.mode": ("train/eval mode and gradient recording", "训练/评估模式和梯度记录"),
    "stage.values": ("the numbers", "数值"),
    "stage.modes": ("train() and eval()", "train() 和 eval()"),
    "stage.init": ("the initial weights' scale", "初始权重的大小"),
    "stage.zero_grad": ("zero_grad", "zero_grad"),
    "stage.two_steps": ("two steps in a row", "连续走两步"),
    "stage.generator": ("parameters given as a generator", "以生成器形式传入的参数"),
    "stage.activation": ("the activation after each hidden layer", "每个隐藏层之后的激活函数"),
    "stage.dropout": ("dropout", "dropout"),
    "stage.loads": ("loading with weights_only=True", "用 weights_only=True 加载"),
    "stage.overwrite": ("a second save over the first", "第二次保存，覆盖第一次的文件"),
    "stage.atomic": ("a save that fails halfway", "保存到一半失败的情况"),
    "stage.safe": ("a file holding other objects", "含有其他对象的文件"),
    "stage.on_step": ("the calls of on_step", "对 on_step 的调用"),
    "stage.str_path": ("a path given as a str", "以 str 给出的路径"),
    "stage.contents": ("what the state holds", "状态里保存的内容"),
    "stage.restored": ("every state put back", "每一项状态的恢复"),
    "stage.normal": ("P and Q's distribution, N(0, 0.01²)", "P 和 Q 的分布 N(0, 0.01²)"),
    "stage.eval_same": ("two forward passes in eval mode", "eval 模式下的两次前向计算"),
    "stage.arithmetic": ("the output, against the network worked out in float64 with its own "
                         "weights",
                         "输出，与用它自己的权重在 float64 下算出的同一网络对比"),
    "stage.far_apart": ("scores far apart", "相差很大的得分"),
    "stage.fitting_epoch": ("an epoch that changes the predictions and ends in a batch of one",
                            "一个会改变预测、最后一个小批量只有一个样本的迭代周期"),
    "stage.layer_inputs": ("each layer's input and the output, against the network worked "
                           "out in float64 with its own weights",
                           "每一层的输入和最终输出，与用它自己的权重在 float64 下算出的同一网络对比"),
    "stage.train_same": ("training mode against eval mode", "训练模式与 eval 模式的对比"),
    "stage.resumed": ("a resumed run against one straight through",
                      "恢复后的训练与一口气跑完的对比"),
    # -- the inputs
    "case.bce_writeup": ("pred = sigmoid(0.8) = 0.6900 (shape (1, 1)), target 1.0: the "
                         "write-up's example, loss 0.37110066",
                         "pred = sigmoid(0.8) = 0.6900（形状 (1, 1)），target 为 1.0：实验报告里的例子，"
                         "损失是 0.37110066"),
    "case.bce_half": ("pred 0.5 everywhere (shape (4, 1)), targets 0, 1, 0.3, 0.9: at p = 0.5 "
                      "the loss is log 2 = 0.6931 whatever the target",
                      "pred 全是 0.5（形状 (4, 1)），target 为 0、1、0.3、0.9：p = 0.5 时，不管 "
                      "target 是多少，损失都是 log 2 = 0.6931"),
    "case.bce_random": ("random pred of shape {shape} in (0.02, 0.98), targets in {targets}",
                        "形状为 {shape} 的随机 pred，取值在 (0.02, 0.98) 之间，target 取 {targets}"),
    "case.bce_certain_right": ("pred [[1.0], [0.0]], targets [[1.0], [0.0]]: certain and right",
                               "pred 为 [[1.0], [0.0]]，target 为 [[1.0], [0.0]]：预测非常确定，而且是对的"),
    "case.bce_certain_wrong": ("pred [[0.0], [1.0]], targets [[1.0], [0.0]]: certain and wrong",
                               "pred 为 [[0.0], [1.0]]，target 为 [[1.0], [0.0]]：预测非常确定，但是错的"),
    "case.batch_of_one": ("a batch of one example", "只有一个样本的小批量"),
    "case.bce_small": ("pred [[1e-4], [1e-5], [1 - 1e-4], [1 - 1e-5]] (float32), targets "
                       "[[1], [1], [0], [0]]: wrong and very sure, but not certain; the loss is "
                       "(9.21 + 11.51 + 9.21 + 11.51) / 4 = 10.36",
                       "pred 为 [[1e-4], [1e-5], [1 - 1e-4], [1 - 1e-5]]（float32），target 为 "
                       "[[1], [1], [0], [0]]：预测错了，而且很有把握，但并不是完全确定；"
                       "损失是 (9.21 + 11.51 + 9.21 + 11.51) / 4 = 10.36"),
    "case.bce_mixed": ("pred [[1.0], [0.3], [0.0]], targets [[1], [1], [0]]: two certain and "
                       "right, one not; the loss is -log(0.3) / 3 = 0.4013",
                       "pred 为 [[1.0], [0.3], [0.0]]，target 为 [[1], [1], [0]]：两个预测非常确定"
                       "而且是对的，一个不是；损失是 -log(0.3) / 3 = 0.4013"),
    "case.bce_grad_mixed": ("float64 pred [[1.0], [0.3], [0.0]] with requires_grad, targets "
                            "[[1], [1], [0]]: the gradient at p = 0.3 is -1 / (0.3 × 3) = -1.111",
                            "float64 的 pred 为 [[1.0], [0.3], [0.0]]（requires_grad=True），target "
                            "为 [[1], [1], [0]]：p = 0.3 处的梯度是 -1 / (0.3 × 3) = -1.111"),
    "case.bce_grad": ("float64 pred of shape {shape} with requires_grad, random targets: the "
                      "loss's gradient with respect to pred",
                      "形状为 {shape} 的 float64 pred（requires_grad=True）和随机的 target："
                      "损失对 pred 的梯度"),
    "case.ce_equal": ("logits all 0 (shape (2, 5)), one-hot targets: equal scores give "
                      "log 5 = 1.6094",
                      "logits 全为 0（形状 (2, 5)），one-hot 的 target：各类别得分相同时，损失是 "
                      "log 5 = 1.6094"),
    "case.ce_hand": ("logits [[0, log 2, log 5]], target class 2: softmax gives it 5/8, the "
                     "loss is -log(5/8) = 0.4700",
                     "logits 为 [[0, log 2, log 5]]，target 是类别 2：softmax 给它的概率是 5/8，"
                     "损失是 -log(5/8) = 0.4700"),
    "case.ce_random": ("random logits of shape {shape} (standard deviation 3), one-hot targets",
                       "形状为 {shape} 的随机 logits（标准差 3），one-hot 的 target"),
    "case.ce_overflow": ("logits [[1000, 999, 998], [998, 1000, 999]] (float32), targets classes "
                         "0 and 1",
                         "logits 为 [[1000, 999, 998], [998, 1000, 999]]（float32），target 是类别 0 和 1"),
    "case.ce_large": ("logits [[1000, 0, -1000], [0, 1000, 500]] (float32), targets classes "
                      "0 and 2",
                      "logits 为 [[1000, 0, -1000], [0, 1000, 500]]（float32），target 是类别 0 和 2"),
    "case.ce_levels": ("logits [[-1000, -1001, -1002], [1000, 999, 998]]: rows at very "
                       "different levels; targets classes 1 and 0",
                       "logits 为 [[-1000, -1001, -1002], [1000, 999, 998]]：两行数值的高低相差很远；"
                       "target 是类别 1 和 0"),
    "case.ce_grad": ("float64 logits of shape {shape} with requires_grad, one-hot targets: the "
                     "loss's gradient with respect to the logits",
                     "形状为 {shape} 的 float64 logits（requires_grad=True）和 one-hot 的 target："
                     "损失对 logits 的梯度"),
    "case.one_hot_writeup": ("one_hot(torch.tensor([2, 1, 0]), 5): the write-up's example",
                             "one_hot(torch.tensor([2, 1, 0]), 5)：实验报告里的例子"),
    "case.one_hot_random": ("{n} random labels, num_classes={c}",
                            "{n} 个随机标签，num_classes={c}"),
    "case.one_hot_narrow": ("one_hot(torch.tensor([0, 1]), 10): the labels use only 2 of 10 "
                            "classes",
                            "one_hot(torch.tensor([0, 1]), 10)：标签只用到了 10 个类别中的 2 个"),
    "case.one_hot_dtype": ("one_hot(torch.tensor([2, 0]), 4, dtype) with dtype torch.float64, "
                           "then torch.long",
                           "one_hot(torch.tensor([2, 0]), 4, dtype)，dtype 先后取 torch.float64 和 "
                           "torch.long"),
    "case.linear": ("Linear({n_in}, {n_out}) on x of shape {shape}",
                    "Linear({n_in}, {n_out})，输入 x 的形状为 {shape}"),
    "case.linear_grad": ("Linear(3, 2) on x of shape {shape}: backward() of (output times a "
                         "random upstream gradient).sum()",
                         "Linear(3, 2)，输入 x 的形状为 {shape}：对 (输出 × 随机的上游梯度).sum() 做 "
                         "backward()"),
    "case.linear_dtype": ("Linear(3, 2, dtype=torch.float64) on float64 input",
                          "Linear(3, 2, dtype=torch.float64)，输入是 float64"),
    "case.sgd_writeup": ("x = 1.0, loss x², SGD([x], 0.1), one step: x becomes 1 - 0.1 × 2 = "
                         "0.8 (the write-up's example)",
                         "x = 1.0，损失为 x²，SGD([x], 0.1) 走一步：x 变成 1 - 0.1 × 2 = 0.8"
                         "（实验报告里的例子）"),
    "case.sgd_random": ("two random parameters, (3, 4) and (4,), with random gradients; "
                        "SGD([w, b], lr=0.05), one step",
                        "两个随机参数，形状为 (3, 4) 和 (4,)，梯度也是随机的；SGD([w, b], lr=0.05) 走一步"),
    "case.sgd_two_steps": ("SGD([v], 0.1), two steps on (v²).sum() from v = [1, -2], "
                           "zero_grad() before each: v becomes [0.8, -1.6], then [0.64, -1.28]",
                           "SGD([v], 0.1)，从 v = [1, -2] 出发，对 (v²).sum() 走两步，每步之前先调用 "
                           "zero_grad()：v 先变成 [0.8, -1.6]，再变成 [0.64, -1.28]"),
    "case.sgd_generator": ("SGD(params, 0.1) with params a generator (model.parameters() is "
                           "one), two steps on (v²).sum() from v = [1, -2]",
                           "SGD(params, 0.1)，params 以生成器传入（model.parameters() 返回的就是"
                           "生成器），从 v = [1, -2] 出发，对 (v²).sum() 走两步"),
    "case.step": ("step {k} of two in a row, on a batch of {n} examples: a {model} model, "
                  "SGD lr {lr}",
                  "连续两步中的第 {k} 步，小批量有 {n} 个样本：模型是 {model}，SGD 学习率 {lr}"),
    "case.step_scratch": ("step {k} of two, with a from-scratch model (no nn.Module: __call__, "
                          "parameters, train, eval) and a from-scratch SGD (step, zero_grad), "
                          "{n} examples, lr {lr}",
                          "连续两步中的第 {k} 步，模型是从零实现的（不是 nn.Module，只有 __call__、"
                          "parameters、train、eval），SGD 也是从零实现的（只有 step 和 zero_grad），"
                          "{n} 个样本，学习率 {lr}"),
    "case.loop": ("one epoch over {n} examples in batches of {sizes} (a DataLoader), SGD lr "
                  "{lr}; the model starts in eval mode",
                  "在 {n} 个样本上训练一个迭代周期，小批量大小依次为 {sizes}（由 DataLoader 给出），"
                  "SGD 学习率 {lr}；模型一开始处于 eval 模式"),
    "case.loop_fitting": ("one epoch over {n} examples in batches of {sizes} (a DataLoader), "
                          "SGD lr {lr}: a rate so large that each step changes the model's "
                          "predictions on its batch",
                          "在 {n} 个样本上训练一个迭代周期，小批量大小依次为 {sizes}（由 DataLoader "
                          "给出），SGD 学习率 {lr}：学习率大到每一步都会改变模型在这个小批量上的预测"),
    "case.evaluate_scratch": ("{n} examples in batches of {sizes} (a DataLoader), with a "
                              "from-scratch model (no nn.Module: __call__, parameters() giving a "
                              "list, train, eval)",
                              "{n} 个样本，小批量大小依次为 {sizes}（由 DataLoader 给出），模型是从零实现的"
                              "（不是 nn.Module，只有 __call__、返回列表的 parameters()、train、eval）"),
    "case.loop_scratch": ("one epoch over {n} examples in batches of {sizes} (a DataLoader), "
                          "with a from-scratch model (no nn.Module: __call__, parameters() giving "
                          "a list, train, eval) and a from-scratch SGD, lr {lr}",
                          "在 {n} 个样本上训练一个迭代周期，小批量大小依次为 {sizes}（由 DataLoader "
                          "给出），模型是从零实现的（不是 nn.Module，只有 __call__、返回列表的 "
                          "parameters()、train、eval），SGD 也是从零实现的，学习率 {lr}"),
    "case.evaluate": ("{n} examples in batches of {sizes} (a DataLoader); the model has "
                      "dropout and starts in train mode",
                      "{n} 个样本，小批量大小依次为 {sizes}（由 DataLoader 给出）；模型带 dropout，"
                      "一开始处于 train 模式"),
    "case.lenet": ("d2l_lenet()", "d2l_lenet()"),
    "case.image": ("a random batch of images of shape {shape}", "形状为 {shape} 的一批随机图像"),
    "case.xavier": ("xavier_init on a d2l LeNet the checker builds (2 Conv2d and 3 Linear "
                    "layers)",
                    "对检查程序自己搭的 d2l LeNet（2 个 Conv2d、3 个 Linear 层）调用 xavier_init"),
    "case.xavier_other": ("xavier_init on another nn.Sequential the checker builds: 7 Linear "
                          "and 2 Conv2d layers at other places than in the LeNet",
                          "对检查程序搭的另一个 nn.Sequential 调用 xavier_init：7 个 Linear、"
                          "2 个 Conv2d 层，位置和 LeNet 里的不一样"),
    "case.std_hand": ("x_tr = [[1, 10], [3, 30]], x_te = [[2, 40], [4, 0]]: the training "
                      "split's means are 2 and 20",
                      "x_tr = [[1, 10], [3, 30]]，x_te = [[2, 40], [4, 0]]：训练集两列的均值是 2 和 20"),
    "case.std_random": ("random x_tr {train} and x_te {test}, the columns on different scales, "
                        "the test split drawn from a shifted and wider distribution",
                        "随机的 x_tr {train} 和 x_te {test}，各列的尺度不同，测试集来自一个平移过、"
                        "更分散的分布"),
    "case.wine": ("WineMLP({args})", "WineMLP({args})"),
    "case.wine_one": ("WineMLP({args}) on a batch of one example",
                      "WineMLP({args})，输入只有一个样本"),
    "case.wine_train": ("WineMLP({args}) in training mode, on random inputs of shape (64, 11): "
                        "what each linear layer gets",
                        "WineMLP({args})，训练模式，输入是形状为 (64, 11) 的随机数据：看每个线性层"
                        "收到的输入"),
    "case.mnist_net": ("MnistNet()", "MnistNet()"),
    "case.ckpt_save": ("save_checkpoint(path, state), path a pathlib.Path as the lab passes "
                       "it, the state holding weights, SGD's state "
                       "with momentum, the epoch, the history and the config",
                       "save_checkpoint(path, state)，path 和实验里一样是 pathlib.Path，state 里有权重、带动量的 SGD 状态、迭代周期、"
                       "历史记录和配置"),
    "case.ckpt_again": ("save_checkpoint(path, state) again, over the file of the first save, "
                        "with epoch 4", "再次调用 save_checkpoint(path, state)，覆盖第一次保存的"
                        "文件，这次 epoch 为 4"),
    "case.ckpt_crash": ("save_checkpoint over that file again, with a state whose saving fails "
                        "halfway (as a crash or a full disk would)",
                        "再次保存到同一个文件，但这次的 state 保存到一半就会出错（就像程序中途崩溃或"
                        "磁盘写满）"),
    "case.ckpt_load": ("load_checkpoint(path) of a file torch.save wrote",
                       "用 load_checkpoint(path) 读取 torch.save 写出的文件"),
    "case.ckpt_str": ("save_checkpoint(path, state) with path a str, not a pathlib.Path",
                      "save_checkpoint(path, state)，path 是 str 而不是 pathlib.Path"),
    "case.ckpt_load_str": ("load_checkpoint(path) with path a str, not a pathlib.Path",
                           "load_checkpoint(path)，path 是 str 而不是 pathlib.Path"),
    "case.ckpt_foreign": ("load_checkpoint of a file holding a Python object that is not a "
                          "tensor or a plain container (a fractions.Fraction)",
                          "用 load_checkpoint 读取一个含有普通 Python 对象（一个 fractions.Fraction，"
                          "既不是张量也不是基本容器）的文件"),
    "case.state": ("checkpoint_state(model, optimizer, 1, history, config, batch_order) after "
                   "one epoch of a small run (dropout, SGD with momentum, batches drawn from "
                   "batch_order)",
                   "一个小训练（带 dropout，SGD 带动量，小批量的顺序由 batch_order 决定）跑完一个"
                   "迭代周期后，调用 checkpoint_state(model, optimizer, 1, history, config, "
                   "batch_order)"),
    "case.restore": ("restore_checkpoint(state, model, optimizer, batch_order) into a fresh "
                     "model, optimizer and generator, torch's random state moved on",
                     "restore_checkpoint(state, model, optimizer, batch_order)，恢复到新建的模型、"
                     "优化器和生成器里，torch 的随机状态也已经变了"),
    "case.resume": ("the epoch after the restore, against two epochs straight through",
                    "恢复之后训练一个迭代周期，与一口气训练两个迭代周期对比"),
    "case.inputs": ("random inputs of shape {shape}, standard deviation 3",
                    "形状为 {shape} 的随机输入，标准差为 3"),
    "case.image_eval": ("random inputs of shape {shape}, standard deviation 3, in eval mode",
                        "形状为 {shape} 的随机输入，标准差为 3，eval 模式"),
    "case.image_train": ("random inputs of shape {shape}, standard deviation 3, in training "
                         "mode",
                         "形状为 {shape} 的随机输入，标准差为 3，训练模式"),
    "case.lenet_redrawn": ("random inputs of shape {shape}, standard deviation 3, in eval "
                           "mode, with the model's weights redrawn larger (the same each time), "
                           "so that each sigmoid works where it bends, not in its nearly "
                           "straight middle",
                           "形状为 {shape} 的随机输入，标准差为 3，eval 模式；模型的权重重新抽取为"
                           "更大的值（每次抽到的都一样），让每个 sigmoid 都工作在弯曲的部分，而不是中间近乎直线的"
                           "一段"),
    "case.mnist_far_apart": ("random inputs of shape {shape}, standard deviation 3, in eval "
                             "mode, with fc2's weights and bias multiplied by {scale}: in a "
                             "row the scores lie up to about 800 apart",
                             "形状为 {shape} 的随机输入，标准差为 3，eval 模式，fc2 的权重和偏置都乘以 "
                             "{scale}：同一行的得分最多相差约 800"),
    "case.lab1": ("the function called with torch.device('cpu'); a dict with the keys {keys}",
                  "用 torch.device('cpu') 调用这个函数；应返回含有键 {keys} 的字典"),
    # -- what came back
    "value.type": ("{what} should be a number or a tensor; got {got}",
                   "{what} 应该是一个数或张量，实际得到的是 {got}"),
    "value.not_tensor": ("{what} should be a tensor; got {got}",
                         "{what} 应该是张量，实际得到的是 {got}"),
    "value.shape": ("{what} has shape {got}; expected {expected}",
                    "{what} 的形状是 {got}，应该是 {expected}"),
    "value.dtype": ("{what} has dtype {got}; expected {expected}",
                    "{what} 的 dtype 是 {got}，应该是 {expected}"),
    "value.not_scalar": ("{what} should hold one number; got shape {got}",
                         "{what} 应该只有一个数，实际形状是 {got}"),
    "value.not_finite": ("{what} is {got}, not a finite number", "{what} 是 {got}，不是有限的数"),
    "value.parts": ("{what} should return {count} values; got {got}",
                    "{what} 应该返回 {count} 个值，实际返回的是 {got}"),
    "value.wrong": ("{what} is {got}; expected {expected} (off by {diff})",
                    "{what} 是 {got}，应该是 {expected}（相差 {diff}）"),
    "value.wrong_inf": ("{what} is {got}; expected {expected}", "{what} 是 {got}，应该是 {expected}"),
    "value.wrong_at_inf": ("{what}: {wrong} of {total} entries are off; at {where} it is {got} "
                           "where {expected} was expected",
                           "{what}：{total} 个元素中有 {wrong} 个不对；{where} 处的值为 {got}，应该是 "
                           "{expected}"),
    "value.wrong_at": ("{what}: {wrong} of {total} entries are off; the furthest, at {where}, "
                       "is {got} where {expected} was expected (off by {diff})",
                       "{what}：{total} 个元素中有 {wrong} 个不对；相差最大的在 {where} 处，值为 {got}，"
                       "应该是 {expected}（相差 {diff}）"),
    "grad.detached": ("the result is not connected to its input: backward() gives no gradient "
                      "{what}. Inside the function, stay with tensor operations (no .item(), "
                      "float(), numpy or torch.tensor(...) of a result).",
                      "结果和输入之间的计算图断开了：backward() 算不出梯度 {what}。在函数内部要一直用"
                      "张量运算（不要对中间结果用 .item()、float()、numpy 或 torch.tensor(...)）。"),
    # -- losses
    "loss.no_mean": ("It returns one loss per example; the loss is their mean, one number.",
                     "返回的是每个样本各自的损失；损失应该是它们的平均值，只有一个数。"),
    "loss.sum_not_mean": ("This is the sum over the batch, not the mean: the loss, and each "
                          "step, would grow with the batch size.",
                          "这是对整个小批量求和，不是求平均：这样损失（以及每一步的更新量）会随批量大小变大。"),
    "loss.sign": ("The sign is flipped: a cross-entropy is never negative. Look at the minus "
                  "sign in front of the log.",
                  "符号反了：交叉熵不会是负数。检查一下 log 前面的负号。"),
    "loss.broadcast": ("An (N, 1) and an (N,) were broadcast to (N, N) in the squared error: "
                       "every prediction was compared with every target. The output and the "
                       "target must have the same shape, (N, 1).",
                       "算平方误差时，形状为 (N, 1) 和 (N,) 的两个张量被广播成了 (N, N)：每个预测都和每个目标"
                       "比较了一遍。输出和目标的形状必须相同，都是 (N, 1)。"),
    "bce.swapped": ("The two terms are swapped: which of log(p) and log(1 - p) goes with the "
                    "target t?",
                    "两项写反了：log(p) 和 log(1 - p) 哪一个该乘 target t？"),
    "bce.one_term": ("Only the t·log(p) term is there: for targets below 1 the other term "
                     "counts too.",
                     "只写了 t·log(p) 这一项：target 小于 1 时，另一项也要算进去。"),
    "bce.sigmoid_inside": ("It applies a sigmoid itself: bce_loss gets probabilities, the "
                           "model's output after its sigmoid.",
                           "它自己又做了一次 sigmoid：bce_loss 拿到的已经是概率，也就是模型经过 sigmoid "
                           "之后的输出。"),
    "bce.log_zero": ("log(0) is -inf and 0 × log(0) is nan: a probability of exactly 0 or 1 "
                     "needs a guard. See what nn.BCELoss does with its logs.",
                     "log(0) 是 -inf，0 × log(0) 是 nan：概率恰好是 0 或 1 时需要特别处理。可以看看 "
                     "nn.BCELoss 是怎么处理 log 的。"),
    "bce.edge_right": ("A prediction that is certain and right should cost (almost) nothing: "
                       "expected at most 0.02, got {got}.",
                       "非常确定而且正确的预测，损失应该（几乎）为 0：不应超过 0.02，实际是 {got}。"),
    "bce.edge_wrong": ("A prediction that is certain and wrong should cost a lot: expected at "
                       "least 4.6 (what a probability of 0.01 costs), got {got}.",
                       "非常确定却错误的预测，损失应该很大：至少 4.6（概率为 0.01 时的损失），实际是 "
                       "{got}。"),
    "bce.clamp_wide": ("The guard for p = 0 and 1 reaches too far: probabilities of 1e-4 and "
                       "1e-5 are small but not 0, and each should cost -log p in full (9.21 and "
                       "11.51). A clamp of p (or of each log) cut them short: keep it to values "
                       "(almost) exactly 0 or 1, as nn.BCELoss's -100 does.",
                       "为 p = 0 和 1 加的保护范围太大了：1e-4 和 1e-5 这样的概率虽然很小，但不是 0，"
                       "损失应该是完整的 -log p（9.21 和 11.51）。对 p（或对每个 log）的截断把它们"
                       "截小了：截断只应该作用于（几乎）恰好为 0 或 1 的值，就像 nn.BCELoss 截在 -100 那样。"),
    "bce.nan_hidden": ("The certain examples' 0 × log(0) = nan was cleared only after the "
                       "mean (nan_to_num or where on the whole loss): that throws away the "
                       "other examples' losses, and their gradients, with it. Guard each "
                       "example's log before taking the mean.",
                       "完全确定的样本算出的 0 × log(0) = nan 是在求平均之后才清掉的（对整个损失用了 nan_to_num "
                       "或 where）：这样其他样本的损失和梯度也跟着一起丢掉了。应该在求平均之前，"
                       "先处理好每个样本的 log。"),
    "ce.no_max_shift": ("exp() overflows: e^1000 is inf in float32, and inf / inf is nan. "
                        "log-sum-exp does not change when one number is subtracted from every "
                        "score of a row: which number keeps every exp() at most 1?",
                        "exp() 溢出了：在 float32 里 e^1000 是 inf，inf / inf 得 nan。同一行的每个得分"
                        "都减去同一个数，log-sum-exp 的结果不变：减去哪个数能让每个 exp() 都不超过 1？"),
    "ce.log_of_softmax": ("log(softmax(x)) underflows: a score 500 or 1000 below its row's largest "
                          "gets a probability of exactly 0 in float32, and log(0) is -inf (times a "
                          "target of 0: nan). Work out the log-probabilities without going through "
                          "the probabilities.",
                          "log(softmax(x)) 下溢了：比这一行最大得分低 500 或 1000 的得分，在 float32 里"
                          "概率恰好是 0，而 log(0) 是 -inf（再乘以为 0 的 target，就得到 nan）。对数概率要直接"
                          "算出来，不要先算概率再取对数。"),
    "ce.row_shift": ("One number subtracted from the whole batch is not enough when rows sit "
                     "at very different levels: a low row's exp() all become 0 and its log "
                     "-inf. The shift has to suit each row.",
                     "两行数值高低相差很远时，整个小批量减去同一个数是不够的：低的那一行 exp() 全变成 "
                     "0，log 得 -inf。每一行要减去适合它自己的数。"),
    "ce.labels": ("The target is used as class labels: lab2's cross_entropy gets one-hot targets "
                  "of shape (B, C), as one_hot makes them.",
                  "把 target 当成了类别标签：lab2 的 cross_entropy 拿到的是形状为 (B, C) 的 one-hot "
                  "目标，也就是 one_hot 生成的那种。"),
    "ce.softmax_dim": ("The softmax runs over dim 0, across the batch: each row is one example, "
                       "and its probabilities over the classes must sum to 1.",
                       "softmax 是沿 dim 0（跨样本）做的：每一行是一个样本，它在各个类别上的概率之和"
                       "应该是 1。"),
    "ce.mean_over_classes": ("The mean is over all batch × classes entries: one example's "
                             "cross-entropy is a sum over its classes; only the batch is "
                             "averaged.",
                             "这是对全部 B × C 个元素一起求了平均：一个样本的交叉熵是对它的各个类别"
                             "求和，只在样本之间求平均。"),
    # -- lab2's pieces
    "one_hot.dtype": ("The default dtype should be float32, which the losses need: F.one_hot "
                      "gives int64.",
                      "默认的 dtype 应该是 float32，损失函数要的是浮点数：F.one_hot 返回的是 int64。"),
    "one_hot.dtype_ignored": ("The dtype argument is ignored: one_hot(labels, 4, torch.long) "
                              "must give int64, as the write-up prints it.",
                              "dtype 参数被忽略了：one_hot(labels, 4, torch.long) 应该返回 int64，"
                              "和实验报告里打印的一样。"),
    "one_hot.transposed": ("The result is transposed: one row per label, one column per class.",
                           "结果转置了：应该每个标签一行，每个类别一列。"),
    "one_hot.width": ("The width comes from the labels, not from num_classes: a batch that "
                      "happens to miss the last classes gets too few columns.",
                      "列数是从标签推算出来的，而不是取 num_classes：如果某个小批量里恰好没有最后几个"
                      "类别，列数就不够了。"),
    "linear.count": ("The parameters hold {got} numbers; Linear(3, 2) needs {expected}: a 3×2 "
                     "weight and a bias for each output.",
                     "参数里一共有 {got} 个数；Linear(3, 2) 需要 {expected} 个：一个 3×2 的权重，"
                     "以及每个输出各一个偏置。"),
    "linear.shared_bias": ("One bias shared by all outputs, as the write-up's My_Linear had: "
                           "each output needs its own.",
                           "所有输出共用一个偏置（实验报告里 My_Linear 的写法）：每个输出应该有自己的偏置。"),
    "linear.param": ("The parameter of shape {shape} cannot learn.", "形状为 {shape} 的参数在训练时不会被更新。"),
    "linear.no_requires_grad": ("It does not require gradients: backward() leaves its .grad "
                                "empty, and SGD never changes it.",
                                "它没有 requires_grad：backward() 之后它的 .grad 还是空的，SGD 永远"
                                "不会更新它。"),
    "linear.non_leaf": ("It is not a leaf tensor: it is the result of an operation (such as "
                        "torch.randn(..., requires_grad=True) * 0.01), so backward() leaves its "
                        ".grad empty. Ask for gradients on the tensor you keep.",
                        "它不是叶子张量：它是某个运算的结果（比如 torch.randn(..., requires_grad=True) "
                        "* 0.01），所以 backward() 之后它的 .grad 是空的。要在你最终保存下来的那个"
                        "张量上开启梯度。"),
    "linear.not_affine": ("The output is not x @ W + b for any W and b.",
                          "输出不能写成 x @ W + b 的形式。"),
    "linear.not_from_params": ("The output is not computed from the tensors parameters() "
                               "returns: SGD would update tensors the layer does not use.",
                               "输出不是用 parameters() 返回的张量算出来的：SGD 更新的是这一层根本没用到的张量。"),
    "linear.bias_no_grad": ("backward() gives the weight a gradient but leaves the bias's "
                            ".grad empty: the output does not use the bias that parameters() "
                            "returns. Is it added in the forward pass?",
                            "backward() 之后权重有梯度，偏置的 .grad 却是空的：输出没有用到 "
                            "parameters() 返回的那个偏置。前向计算里把它加上了吗？"),
    "linear.modes": ("Linear has no {name}(): the training loop calls model.train() and "
                     "model.eval() as on any nn.Module.",
                     "Linear 没有 {name}()：训练循环会像对任何 nn.Module 一样调用 model.train() 和 "
                     "model.eval()。"),
    "linear.init": ("The weights of Linear(784, 10) start with standard deviation {got}.",
                    "Linear(784, 10) 的初始权重标准差是 {got}。"),
    "linear.large_init": ("Weights drawn with standard deviation 1 (the write-up's randn) give "
                          "scores in the tens on 784 inputs: the softmax saturates and learning "
                          "crawls. Start them much smaller.",
                          "标准差为 1 的初始权重（实验报告里的 randn）在有 784 个输入时会让得分达到几十："
                          "softmax 饱和，学习会非常慢。初始权重要小得多才行。"),
    "sgd.sign": ("The step climbs the gradient: p + lr × grad makes the loss larger.",
                 "更新方向反了：p + lr × grad 会让损失变大。"),
    "sgd.no_change": ("The parameters did not change. Rebinding a name (p = p - ...) makes a "
                      "new tensor and leaves the model's own tensor as it was: the update must "
                      "change the tensor itself.",
                      "参数没有变。重新给变量赋值（p = p - ...）只是创建了一个新张量，模型自己的张量"
                      "还是原样：更新必须改动那个张量本身。"),
    "sgd.into_grad": ("The parameter did not change, but its gradient did, from 2 to 1.8: "
                      "the update went into .grad instead of the parameter itself.",
                      "参数没有变，它的梯度却从 2 变成了 1.8：更新写进了 .grad，而不是参数本身。"),
    "sgd.carried": ("The first step was right and the second was not: the step carries "
                    "something over from one call to the next (a momentum, a gradient kept "
                    "from before, a changed learning rate). Plain SGD moves each parameter by "
                    "-lr × its current gradient, and nothing else.",
                    "第一步是对的，第二步不对：step 把某些东西从上一次调用带到了下一次（动量、之前留下"
                    "的梯度、改过的学习率）。普通的 SGD 每一步只把参数移动 -lr × 当前梯度，不掺杂"
                    "别的东西。"),
    "sgd.lr_ignored": ("The step ignores the learning rate.", "更新时没有用上学习率。"),
    "sgd.graph": ("After the step the parameter is no longer a leaf tensor that requires grad: "
                  "autograd recorded the update.",
                  "更新之后参数不再是需要梯度的叶子张量了：autograd 把这次更新也记录进了计算图。"),
    "sgd.zero_grad": ("After zero_grad() the gradients are still there: the next backward() "
                      "would add to them.",
                      "调用 zero_grad() 之后梯度还在：下一次 backward() 会在它上面继续累加。"),
    "sgd.generator": ("Only the first step changed anything: params came as a generator "
                      "(model.parameters() is one), and a generator can be read only once.",
                      "只有第一步起了作用：params 是以生成器传进来的（model.parameters() 就是生成器），"
                      "而生成器只能遍历一次。"),
    # -- the training step and loop
    "step.no_step": ("optimizer.step() was never called: the weights cannot change. (Does "
                     "your code step a global optimizer, or use a global model, instead of "
                     "the ones passed in as arguments?)",
                     "从来没有调用 optimizer.step()：权重不可能改变。（是不是用了全局的优化器或模型，"
                     "而不是作为参数传进来的那个？）"),
    "input.changed": ("{fn} changed the {what} it was given, in place: it was {expected}, and "
                      "is now {got}. The caller still uses that tensor: leave it as it came "
                      "(an in-place method, one ending in _, changes the caller's tensor).",
                      "{fn} 原地修改了传进来的 {what}：原来是 {expected}，现在变成了 {got}。调用者"
                      "之后还要用这个张量：应该保持原样（以 _ 结尾的原地方法会改掉调用者的张量）。"),
    "linear.count_second": ("A second layer, Linear(784, 10), made after the first, has {got} "
                            "numbers in its parameters(); it needs {expected}: a 784×10 weight "
                            "and 10 biases.",
                            "建好第一个层之后，再建一个 Linear(784, 10)，它的 parameters() 里一共有 {got} "
                            "个数；应该是 {expected} 个：一个 784×10 的权重和 10 个偏置。"),
    "linear.shared_list": ("A second Linear's parameters() also holds the first one's tensors: "
                           "the list is shared by every instance (a class attribute, or a "
                           "default argument). Make the list in __init__, on self.",
                           "第二个 Linear 的 parameters() 里也有第一个的张量：这个列表被所有实例共用了"
                           "（类属性，或者默认参数）。应该在 __init__ 里新建列表，放在 self 上。"),
    "step.optimizer_unused": ("The weights changed, but the optimizer passed in never made a "
                              "step: they were updated by hand. The optimizer passed in must do "
                              "the update: a run sets its learning rate, momentum or schedule "
                              "there.",
                              "权重变了，但传进来的 optimizer 一次 step 都没有做：参数是手动更新的。"
                              "更新必须交给传进来的 optimizer 来做：一次运行的学习率、动量和学习率"
                              "调度都是在它那里设置的。"),
    "step.no_backward": ("loss.backward() never ran: there is no gradient to step with.",
                         "从来没有运行 loss.backward()：没有梯度可以用来更新参数。"),
    "step.step_before_backward": ("optimizer.step() ran before loss.backward(): it stepped "
                                  "with the gradients of an earlier batch.",
                                  "optimizer.step() 在 loss.backward() 之前运行了：它用的是上一个小批量的梯度。"),
    "step.zero_grad_missing": ("The gradients were never cleared: backward() adds to .grad, so "
                               "the second step also used what the first one left there.",
                               "梯度从来没有清零：backward() 是往 .grad 上累加的，所以第二步把第一步留下的梯度"
                               "也用上了。"),
    "step.zero_grad_between": ("zero_grad() ran between backward() and step(): it wiped the "
                               "fresh gradients before the step could use them.",
                               "zero_grad() 在 backward() 和 step() 之间运行了：刚算出来的梯度还没来得及用"
                               "就被清掉了。"),
    "step.softmax_before_ce": ("Softmax was applied before the cross-entropy: F.cross_entropy "
                               "applies log-softmax itself and expects raw scores (logits).",
                               "在交叉熵之前先做了 softmax：F.cross_entropy 自己会做 log-softmax，"
                               "它要的是原始得分（logits）。"),
    "step.nll_on_logits": ("This is F.nll_loss of the raw scores: nll_loss expects "
                           "log-probabilities and only picks each target's entry, with a minus "
                           "sign, so on raw scores the loss can go below 0. The model here "
                           "outputs raw scores (logits).",
                           "这是直接对原始得分算的 F.nll_loss：nll_loss 要的是对数概率，它只是取出每个"
                           "目标类别对应的那一项再加上负号，所以用在原始得分上，损失可能小于 0。这里的"
                           "模型输出的是原始得分（logits）。"),
    "step.loss_not_tensor": ("train_step returned the loss as {got}, not a tensor: the labs' "
                             "train_epoch calls .detach() on it (a Python number has none), and "
                             "keeps it on the device without waiting for it.",
                             "train_step 返回的损失是 {got}，不是张量：实验里的 train_epoch 会对它调用 "
                             ".detach()（Python 数值没有这个方法），并且把它留在设备上，不必等它算完。"),
    "step.eval_mode": ("train_step put the model in eval mode: a training step then runs "
                       "without dropout and with batch norm's stored statistics. The mode is "
                       "train_epoch's to set, once, before its steps.",
                       "train_step 把模型切换到了 eval 模式：这样训练时 dropout 不起作用，batch norm "
                       "用的也是保存下来的统计量。模式应该由 train_epoch 在开始训练之前设置一次。"),
    "step.loss_fn_ignored": ("The loss_fn argument is ignored: lab2's runs differ in their "
                             "loss and pass it in as loss_fn.",
                             "loss_fn 参数被忽略了：lab2 的几次运行用的损失函数不同，都是通过 loss_fn 传进来的。"),
    "step.swapped": ("train_step returned {got}: the output and the loss came back swapped. "
                     "The labs' train_epoch takes the loss first, then the output.",
                     "train_step 返回的是 {got}：输出和损失的顺序反了。实验里的 train_epoch 要的是"
                     "先损失、后输出。"),
    "step.targets_changed": ("train_step handed loss_fn the targets as {got}, not the labels "
                             "it was given ({expected}). F.cross_entropy happens to take both, "
                             "but lab2's runs pass losses of their own (bce_loss takes float "
                             "targets of shape (B, 1)): hand loss_fn y as it came.",
                             "train_step 交给 loss_fn 的 target 是 {got}，而不是传进来的标签"
                             "（{expected}）。F.cross_entropy 碰巧两种都接受，但 lab2 的运行会传入自己"
                             "的损失函数（bce_loss 要的是形状为 (B, 1) 的浮点 target）：y 传进来是什么"
                             "样，就原样交给 loss_fn。"),
    "loop.batches": ("The loop saw batches of sizes {got}; the loader gives {expected}.",
                     "循环处理的小批量大小依次是 {got}；数据加载器给出的是 {expected}。"),
    "loop.step_ignored": ("The step argument was never called: train_epoch trained the batches "
                          "itself. Every batch should go through the step it is given, which a "
                          "run may replace (with a compiled step, or another loss).",
                          "step 参数从来没有被调用：train_epoch 自己训练了这些小批量。每个小批量都应该交给"
                          "传进来的 step 处理，因为一次运行可能会换掉它（换成编译过的 step，或者换一个"
                          "损失函数）。"),
    "loop.children_training": ("The model itself says eval mode, but its submodules (its "
                               "dropout) are still in training mode: setting model.training "
                               "by hand changes only the top module. model.eval() sets every "
                               "submodule.",
                               "模型本身处于 eval 模式，但它的子模块（dropout）仍处在训练模式：手动设置 "
                               "model.training 只改了最外层的模块。model.eval() 会把每个子模块都设置好。"),
    "loop.step_given_loss_fn": ("train_epoch passed loss_fn to the step: call the step as "
                                "step(model, x, y, optimizer). The step already carries the "
                                "run's loss (a run binds it in, as with bce_loss).",
                                "train_epoch 把 loss_fn 传给了 step。应该这样调用：step(model, x, y, "
                                "optimizer)，step 已经带着这次运行的损失函数了（运行时会把它绑定进去，"
                                "比如 bce_loss）。"),
    "loop.step_loss": ("lab2's logistic-regression runs pass train_step with loss_fn=bce_loss "
                       "bound in: a loop that calls train_step itself trains them on "
                       "cross-entropy, and nothing says so.",
                       "lab2 的逻辑回归运行传进来的是绑定了 loss_fn=bce_loss 的 train_step：循环如果自己"
                       "调用 train_step，这些运行就会悄悄地用交叉熵来训练。"),
    "loop.losses_not_tensor": ("lab2's fit works on the per-step losses as one tensor (it "
                               "calls .cpu() and .double() on them, which a list has not): "
                               "return them as a 1-D tensor, as the sheet asks.",
                               "lab2 的 fit 把每一步的损失当作一个张量来用（会对它调用 .cpu() 和 "
                               ".double()，列表没有这些方法）：按练习里的要求，把它们作为 1 维张量返回。"),
    "loop.loss_recomputed": ("These are cross-entropies computed in the loop, not the losses "
                             "the step returned: the step given trains on a loss of its own "
                             "(lab2's logistic runs pass bce_loss), and its losses are the ones "
                             "to keep.",
                             "这些是在循环里另算的交叉熵，而不是 step 返回的损失：传进来的 step 用的是它"
                             "自己的损失函数（lab2 的逻辑回归运行传的是 bce_loss），应该保存的是它返回的损失。"),
    "loop.trained_in_eval": ("{count} of the epoch's {total} training forward passes ran in "
                             "eval mode.",
                             "这个迭代周期里 {total} 次训练用的前向计算中，有 {count} 次是在 eval 模式下运行的。"),
    "loop.train_missing": ("train_epoch never put the model in training mode: it is in eval mode "
                           "when the epoch starts (after an evaluation, say), and dropout and "
                           "batch norm work differently there.",
                           "train_epoch 从来没有把模型切换到训练模式：一个迭代周期开始时模型可能处在 "
                           "eval 模式（比如刚做完评估），而 dropout 和 batch norm 在两种模式下的行为不同。"),
    "loop.train_late": ("The model reaches training mode only after the first batch: "
                        "model.train() comes too late for it.",
                        "模型直到第一个小批量之后才切换到训练模式：model.train() 调用得太晚，第一个小批量"
                        "赶不上。"),
    "loop.eval_inside": ("A pass without autograd inside train_epoch (an evaluation?) put the "
                         "model in eval mode, and the training steps after it ran so: an "
                         "evaluation switches the model to eval mode, and training must switch "
                         "it back.",
                         "train_epoch 里有一次不记录梯度的前向计算（是在做评估吗？）把模型切换到了 eval "
                         "模式，之后的训练步骤都是在这个模式下运行的：评估会把模型切换到 eval 模式，"
                         "训练时要再切换回来。"),
    "loop.mode_switched": ("The model left training mode partway through the epoch: something "
                           "inside the loop (or the step) put it in eval mode.",
                           "模型在迭代周期进行到一半时离开了训练模式：循环（或者 step）里有代码把它"
                           "切换到了 eval 模式。"),
    "loop.evaluated_in_train": ("{count} of the evaluation's {total} forward passes ran in "
                                "training mode.",
                                "评估时的 {total} 次前向计算中，有 {count} 次是在训练模式下运行的。"),
    "loop.evaluated_recording": ("{count} of the evaluation's {total} forward passes ran with "
                                 "autograd recording.",
                                 "评估时的 {total} 次前向计算中，有 {count} 次 autograd 在记录计算图。"),
    "loop.eval_missing": ("The evaluation ran in training mode, with dropout still dropping: "
                          "evaluate must switch the model to eval mode itself.",
                          "评估是在训练模式下进行的，dropout 还在随机丢弃：evaluate 应该自己把模型切换到"
                          " eval 模式。"),
    "loop.no_grad_missing": ("Autograd recorded the evaluation's forward passes, which costs "
                             "memory and time for gradients nobody uses.",
                             "autograd 记录了评估时的前向计算，为用不到的梯度白白花费内存和时间。"),
    "loop.graph": ("{what} returns {got}, which still holds the autograd graph.",
                   "{what} 返回了 {got}，它还连着 autograd 的计算图。"),
    "loop.returns_graph": ("Keeping the loss tensor itself keeps every step's graph alive, and "
                           "memory grows step after step: keep a Python number or a detached "
                           "tensor.",
                           "直接保存损失张量会让每一步的计算图都留在内存里，占用的内存一步步增长：应该保存 "
                           "Python 数值或 detach 过的张量。"),
    "loop.mean_of_batch_means": ("This is the mean of the batch means: the last batch is "
                                 "smaller (2 examples, not 4) and counts as much as a full one. "
                                 "Each example should count once.",
                                 "这是各小批量平均值的平均：最后一个小批量更小（2 个样本而不是 4 个），却和"
                                 "完整的小批量占一样的权重。应该让每个样本都只算一次。"),
    "loop.sum_of_means": ("This adds up each batch's loss and divides by the number of "
                          "examples, but each batch's loss is already a mean over its batch "
                          "(d2l's float(l.sum()) expects one loss per example).",
                          "这是把每个小批量的损失加起来再除以样本数，可每个小批量的损失本来就已经是"
                          "这个小批量上的平均值了（d2l 的 float(l.sum()) 假定 l 是每个样本一个损失）。"),
    "loop.sum_not_mean": ("This is a sum, not a mean per example.", "这是总和，不是每个样本的平均值。"),
    "loop.order": ("It returned {got}: the accuracy first. The labs return (mean loss, accuracy): "
                   "{expected}.",
                   "返回的是 {got}：精度放在了前面。实验里返回的顺序是 (平均损失, 精度)：{expected}。"),
    "loop.accuracy_percent": ("This is a percentage; the labs give accuracy as a fraction "
                              "between 0 and 1.",
                              "这是百分数；实验里的精度是 0 到 1 之间的比例。"),
    "loop.accuracy_count": ("This is the number of right predictions, not the fraction.",
                            "这是预测正确的个数，不是比例。"),
    "loop.mse_rmse_swapped": ("The first value is the RMSE: evaluate returns (MSE, RMSE), in "
                              "that order.",
                              "第一个值是 RMSE：evaluate 要按 (MSE, RMSE) 的顺序返回。"),
    "loop.rmse_of_batches": ("This is the mean of each batch's RMSE, which is not the RMSE of "
                             "all examples.",
                             "这是各小批量 RMSE 的平均值，不等于全部样本的 RMSE。"),
    "loop.last_batch_full": ("The last, smaller batch was weighted as a full one (by the "
                             "loader's batch_size): weight each batch's mean by the examples "
                             "it really has.",
                             "最后那个不满的小批量被当成满批量来加权了（乘的是数据加载器的 batch_size）："
                             "每个小批量的平均值应该按它实际的样本数来加权。"),
    "loop.full_batches": ("This divides by the number of batches times the batch size, as "
                          "though the last batch were full: it is smaller. Count the examples "
                          "each batch really has.",
                          "这里除以的是小批量个数乘以批量大小，相当于把最后一个小批量也当成满的，其实它更小。"
                          "应该按每个小批量实际的样本数来算。"),
    "loop.acc_after_update": ("This is the accuracy of the model after each update, from a "
                              "second forward pass: the epoch's accuracy comes from the outputs "
                              "the step returned, those its loss was worked out on.",
                              "这是模型每次更新之后另做一次前向计算得到的精度：这个迭代周期的"
                              "精度应该来自 step 返回的输出，也就是算损失时用的那些输出。"),
    "loop.batch_of_one": ("It goes wrong on a batch of one example, the loader's last: a "
                          "squeeze() there also removes the batch dimension (an output of shape "
                          "(1, C) becomes (C,)), and what follows meets other shapes. Keep the "
                          "batch dimension, whatever the batch size.",
                          "代码在只有一个样本的小批量（数据加载器给出的最后一个）上出错了：在那里 squeeze() "
                          "会把批量那一维也去掉（形状为 (1, C) 的输出变成 (C,)），后面的代码拿到的形状"
                          "就不一样了。不管小批量多大，都要保留批量那一维。"),
    # -- models
    "model.not_module": ("{what} should be an nn.Module; got {got}",
                         "{what} 应该是 nn.Module，实际得到的是 {got}"),
    "model.layer": ("{layer} gives {got} per example; expected {expected}",
                    "{layer} 对每个样本输出的形状是 {got}，应该是 {expected}"),
    "model.count": ("{got} layers of type {kind} ran; expected {expected}",
                    "运行了 {got} 个 {kind} 层，应该是 {expected} 个"),
    "model.linears": ("The linear layers (in -> out features, in the order they ran): {got}; "
                      "expected {expected}",
                      "各个线性层（输入 -> 输出特征数，按运行顺序）：{got}；应该是 {expected}"),
    "model.params": ("The model has {got} parameters; expected {expected}",
                     "模型有 {got} 个参数，应该是 {expected} 个"),
    "model.output": ("The output is not what the loss expects.", "输出不是损失函数需要的形式。"),
    "model.dropout": ("Dropout does not behave as the network's description says.",
                      "dropout 的行为和网络的描述不一致。"),
    "model.dropout_in_eval": ("In eval mode two forward passes differ: dropout stays on. "
                              "F.dropout drops whenever its training argument is True (its "
                              "default), whatever mode the model is in.",
                              "在 eval 模式下两次前向计算的结果不同：dropout 还开着。F.dropout 只要 "
                              "training 参数为 True（默认就是）就会丢弃，不管模型处于什么模式。"),
    "lenet.padding": ("The first convolution turns 28×28 into 24×24: the d2l LeNet keeps 28×28 "
                      "there, and only then do 16 × 5 × 5 = 400 features reach the first linear "
                      "layer.",
                      "第一个卷积把 28×28 变成了 24×24：d2l 的 LeNet 在这里保持 28×28，这样到第一个"
                      "线性层时才正好是 16 × 5 × 5 = 400 个特征。"),
    "lenet.arithmetic": ("This is not what the d2l LeNet gives there, worked out with the "
                         "model's own weights from what the layer before got: compare the "
                         "layers and activations just before that point with the description.",
                         "这里的数值和 d2l LeNet 应有的不一致（用模型自己的权重，从前一层收到的输入算起）："
                         "请把这个位置之前紧挨着的几层和激活函数与描述对照一遍。"),
    "lenet.relu": ("These are the numbers with a ReLU activation: the d2l LeNet keeps "
                   "LeNet's own activation.",
                   "这是用 ReLU 作激活函数时的数值：d2l 的 LeNet 用的是 LeNet 原来的激活函数。"),
    "lenet.tanh": ("These are the numbers with a tanh activation: the d2l LeNet uses "
                   "another one.",
                   "这是用 tanh 作激活函数时的数值：d2l 的 LeNet 用的是另一个激活函数。"),
    "lenet.max_pool": ("These are the numbers with max pooling: the d2l LeNet pools "
                       "another way.",
                       "这是用最大池化时的数值：d2l 的 LeNet 用的是另一种池化方式。"),
    "lenet.activation_after_pool": ("These are the numbers with the activation after the "
                                    "pooling: with average pooling the order matters, and the "
                                    "d2l LeNet has them the other way round.",
                                    "这是激活函数放在池化之后时的数值：用平均池化时两者的先后顺序会影响"
                                    "结果，而 d2l 的 LeNet 里的顺序正好相反。"),
    "lenet.log_probs_output": ("The network outputs log-probabilities (each row's logsumexp "
                               "is 0): F.cross_entropy applies log-softmax itself, and the d2l "
                               "LeNet ends with the last linear layer's raw scores.",
                               "网络输出的是对数概率（每一行的 logsumexp 都是 0）：F.cross_entropy "
                               "自己会做 log-softmax，而 d2l 的 LeNet 直接输出最后一个线性层给出的"
                               "原始得分。"),
    "lenet.sigmoid_output": ("The output went through a sigmoid: the last layer gives raw "
                             "scores, which F.cross_entropy expects.",
                             "输出又经过了一次 sigmoid：最后一层应该给出原始得分，F.cross_entropy "
                             "要的正是这个。"),
    "lenet.activation_missing": ("One activation is missing: each convolution and each linear "
                                 "layer but the last has one after it.",
                                 "少了一个激活函数：除了最后一层，每个卷积层和线性层之后都有一个激活函数。"),
    "lenet.train_differs": ("In training mode the output is not the eval-mode one: something "
                            "random (dropout?) runs in training. The d2l LeNet has no dropout.",
                            "训练模式下的输出和 eval 模式下的不一样：训练时有随机的操作（dropout？）。"
                            "d2l 的 LeNet 没有 dropout。"),
    "lenet.softmax_output": ("The network outputs probabilities (each row sums to 1): "
                             "F.cross_entropy applies log-softmax itself and expects raw scores.",
                             "网络输出的是概率（每一行加起来是 1）：F.cross_entropy 自己会做 log-softmax，"
                             "它要的是原始得分。"),
    "mnist.probabilities": ("The network outputs probabilities; F.nll_loss expects "
                            "log-probabilities.",
                            "网络输出的是概率；F.nll_loss 要的是对数概率。"),
    "mnist.not_log_probs": ("The outputs are not log-probabilities (a row's exp does not sum "
                            "to 1), which F.nll_loss expects.",
                            "输出不是对数概率（每一行取 exp 后加起来不等于 1），而 F.nll_loss 要的正是"
                            "对数概率。"),
    "mnist.no_dropout": ("In training mode nothing between the two linear layers is dropped: "
                         "the tutorial's network has dropout after the first one's ReLU.",
                         "训练模式下两个线性层之间什么都没有被丢弃：教程里的网络在第一个线性层的 ReLU "
                         "之后有 dropout。"),
    "mnist.arithmetic": ("The output in eval mode is not the tutorial's network's, worked out "
                         "with the model's own weights: compare each layer, pooling and "
                         "activation with the description.",
                         "eval 模式下的输出和用模型自己的权重算出的教程网络不一致：请把每一层、每次池化"
                         "和每个激活函数都和描述对照一遍。"),
    "mnist.log_of_softmax": ("With scores far apart the output is no longer log-softmax: "
                             "in float32 a probability below about 1e-45 (a score 104 below "
                             "its row's largest) becomes 0, and its log -inf (and exp() of a "
                             "score above 88 is inf). The log of a softmax, or exp() of the raw "
                             "scores, breaks there: the log-probabilities can be worked out "
                             "from the scores without ever forming the probabilities.",
                             "得分相差很大时，输出就不再是 log-softmax 了：在 float32 里，小于约 1e-45 "
                             "的概率（得分比这一行最大的小 104 以上）会变成 0，取对数就是 -inf（而大于 88 "
                             "的得分取 exp() 会得到 inf）。先算 softmax 再取 log，或者直接对原始得分取 "
                             "exp()，在这里都会出问题：对数概率可以直接从得分算出来，根本不用先算出概率。"),
    "mnist.no_channel_dropout": ("In training mode the features after the second convolution "
                                 "are those of eval mode: no channel is ever dropped. The "
                                 "tutorial's network has nn.Dropout2d there.",
                                 "训练模式下第二个卷积之后的特征和 eval 模式下完全一样：没有任何通道被丢弃。"
                                 "教程里的网络在那里有 nn.Dropout2d。"),
    "mnist.dropout_not_channel": ("In training mode single values are zeroed inside the "
                                  "channels after the second convolution: that is dropout value "
                                  "by value, where the tutorial drops whole channels (feature "
                                  "maps).",
                                  "训练模式下第二个卷积之后，通道里有单个的值被置零：这是逐个元素的 dropout，"
                                  "而教程在这里丢弃的是整个通道（特征图）。"),
    "mnist.channel_dropout_before_conv2": (
        "In training mode whole channels are dropped before the second convolution: the "
        "channel dropout is in the wrong place. The tutorial's network drops channels of the "
        "second convolution's output, not of its input.",
        "训练模式下，在第二个卷积之前就有整个通道被丢弃了：按通道的 dropout 放错了位置。教程里的网络"
        "丢弃的是第二个卷积输出的通道，而不是它输入的通道。"),
    "mnist.dropout_before_conv2": (
        "In training mode what reaches the second convolution is not what reaches it in eval "
        "mode: something is dropped before conv2, where the tutorial's network drops nothing.",
        "训练模式下第二个卷积收到的输入和 eval 模式下的不一样：在第二个卷积之前就丢弃了一些东西，"
        "而教程里的网络在那之前什么都不丢弃。"),
    "mnist.dropout_place": ("In training mode what reaches the layer after {where} is not its "
                            "eval-mode input with some of it zeroed and the rest scaled alike: "
                            "the dropout is elsewhere than the description puts it.",
                            "训练模式下，{where} 之后那一层收到的输入，并不是 eval 模式下的输入中一部分"
                            "置零、其余按同一比例放大的结果：dropout 的位置和描述不一致。"),
    "mnist.dropout_p": ("The dropout after {where} drops with p = {p}; the tutorial's is 0.5, "
                        "the default.",
                        "{where} 之后那个 dropout 的丢弃概率 p = {p}；教程里用的是默认值 0.5。"),
    "wine.output_shape": ("The output should be (N, 1), like the target: an (N,) output against "
                          "an (N, 1) target is broadcast to (N, N) by the MSE.",
                          "输出应该和目标一样是 (N, 1)：形状为 (N,) 的输出和 (N, 1) 的目标在算 MSE 时"
                          "会被广播成 (N, N)。"),
    "wine.activation": ("The activation {kind} ran {got} times in one forward pass; expected "
                        "{expected}, once after each hidden layer.",
                        "一次前向计算中激活函数 {kind} 运行了 {got} 次，应该是 {expected} 次，每个隐藏层"
                        "之后一次。"),
    "wine.activation_ignored": ("The activation argument is ignored.", "activation 参数被忽略了。"),
    "wine.unregistered": ("The output was computed, yet the model has no parameters: layers "
                          "kept in a plain Python list are not registered with the nn.Module "
                          "(see nn.ModuleList or nn.Sequential), so parameters(), the "
                          "optimizer, .to(device) and state_dict() do not see them.",
                          "输出算出来了，模型却一个参数都没有：放在普通 Python 列表里的层不会注册到 "
                          "nn.Module 上（看看 nn.ModuleList 或 nn.Sequential），所以 parameters()、"
                          "优化器、.to(device) 和 state_dict() 都看不到它们。"),
    "wine.activation_default": ("With no activation argument the network computes something "
                                "else than with activation=nn.ReLU: the sheet's signature has "
                                "activation=nn.ReLU as the default.",
                                "不传 activation 参数时，网络算出的结果和传 activation=nn.ReLU "
                                "时不一样：练习里的函数签名默认是 activation=nn.ReLU。"),
    "wine.activation_on_output": ("The activation also runs after the last layer: a regression "
                                  "output must be free (after a ReLU it can never go below 0, "
                                  "after a Tanh never above 1).",
                                  "最后一层之后也加了激活函数：回归的输出不能被限制在某个范围里（经过 ReLU "
                                  "就不会小于 0，经过 Tanh 就不会大于 1）。"),
    "wine.dropout_ignored": ("With dropout=0.5, training mode gives the same output twice: the "
                             "dropout argument is ignored.",
                             "dropout=0.5 时，训练模式下两次输出完全相同：dropout 参数被忽略了。"),
    "wine.dropout_on_output": ("Dropout after the output layer zeroes predictions themselves: "
                               "it belongs to the hidden layers.",
                               "在输出层之后加 dropout 会把预测值本身置零：dropout 只应该用在隐藏层上。"),
    "wine.dropout_before_activation": ("With activation=nn.Tanh and dropout, the activation "
                                       "does not get the linear layer's output: dropout runs "
                                       "before it. Zeroed values then pass through the "
                                       "activation (tanh(0) = 0, but sigmoid(0) = 0.5): the "
                                       "lab drops after the activation.",
                                       "activation=nn.Tanh 并且带 dropout 时，激活函数拿到的不是线性层的"
                                       "输出：dropout 放在了它前面。被置零的值还要经过激活函数（tanh(0) = 0，"
                                       "但 sigmoid(0) = 0.5）：实验里是在激活函数之后做 dropout。"),
    "wine.dropout_input": ("In training mode the first linear layer does not get the features "
                           "as they are: something (dropout?) changes them on the way in. The "
                           "lab drops only after the hidden layers' activations, never the "
                           "input features.",
                           "训练模式下，第一个线性层拿到的不是原样的特征：它们在输入时就被什么东西"
                           "（dropout？）改动了。实验里只在隐藏层的激活函数之后做 dropout，从不丢弃输入特征。"),
    "wine.dropout_missing": ("In training mode nothing after hidden layer {layer} is dropped: "
                             "the lab has dropout after every hidden layer's activation.",
                             "训练模式下，第 {layer} 个隐藏层之后没有任何值被丢弃：实验里每个隐藏层的"
                             "激活函数之后都有 dropout。"),
    "wine.dropout_unscaled": ("After hidden layer {layer} values are zeroed in training mode, "
                              "but the others are not scaled up by 1 / (1 - p): in eval mode, "
                              "with nothing dropped, the next layer gets larger inputs than it "
                              "trained on.",
                              "训练模式下，第 {layer} 个隐藏层之后有值被置零，但其余的值没有乘以 "
                              "1 / (1 - p)：到了 eval 模式不再丢弃时，下一层拿到的输入会比训练时大。"),
    "wine.dropout_place": ("In training mode what reaches the layer after hidden layer {layer} "
                           "is not its eval-mode input with some values zeroed and the rest "
                           "scaled alike: the dropout is not where the lab puts it, right after "
                           "each hidden layer's activation.",
                           "训练模式下，第 {layer} 个隐藏层后面那一层收到的输入，并不是 eval 模式下的"
                           "输入中一部分置零、其余按同一比例放大的结果：dropout 的位置和实验里的不一样，"
                           "实验里它紧跟在每个隐藏层的激活函数之后。"),
    "wine.dropout_p": ("With dropout={rate} the dropout after hidden layer {layer} drops with "
                       "p = {p}: the dropout argument is the probability that a value is "
                       "zeroed.",
                       "dropout={rate} 时，第 {layer} 个隐藏层之后那个 dropout 的丢弃概率是 p = {p}："
                       "dropout 参数就是一个值被置零的概率。"),
    "wine.dropout_fixed": ("With dropout={rate} the dropout after hidden layer {layer} drops "
                           "with p = {p}, nn.Dropout's default: the dropout argument does not "
                           "reach it.",
                           "dropout={rate} 时，第 {layer} 个隐藏层之后那个 dropout 的丢弃概率是 "
                           "p = {p}，也就是 nn.Dropout 的默认值：dropout 参数没有传到它那里。"),
    "wine.dropout_keep": ("With dropout={rate} the dropout after hidden layer {layer} drops "
                          "with p = {p}, 1 - dropout, as if dropout were the probability of "
                          "keeping a value: in PyTorch p is the probability of zeroing it.",
                          "dropout={rate} 时，第 {layer} 个隐藏层之后那个 dropout 的丢弃概率是 "
                          "p = {p}，也就是 1 - dropout，就好像 dropout 指的是保留一个值的概率：在 PyTorch "
                          "里，p 是把一个值置零的概率。"),
    "wine.dropout_default": ("With the default dropout=0.0, training mode gives different "
                             "outputs: something random is on that should be off.",
                             "默认 dropout=0.0 时，训练模式下两次输出却不同：有本该关掉的随机操作还开着。"),
    "xavier.layer": ("{layer}'s weights are not initialised.", "{layer} 的权重没有初始化。"),
    "xavier.none_changed": ("None of the given model's weights changed: was another model "
                            "initialised, not the one passed to xavier_init?",
                            "传给 xavier_init 的模型，权重一个都没有变：是不是初始化了另一个模型，"
                            "而不是传进来的这个？"),
    "xavier.replaced_parameter": ("A layer's weight is a new Parameter object after xavier_init: "
                             "the weights must be filled in place. An optimizer built before "
                             "holds the old tensors and would go on training those.",
                             "调用 xavier_init 之后，某一层的 weight 变成了一个新的 Parameter "
                             "对象：权重应该原地填充。之前建好的优化器拿着的是旧张量，会继续训练旧的那些。"),
    "xavier.skipped": ("{layer}'s weights were not changed: xavier_init must reach every Conv2d "
                       "and Linear layer.",
                       "{layer} 的权重没有变：xavier_init 要处理每一个 Conv2d 和 Linear 层。"),
    "xavier.bound": ("{layer} has a weight of magnitude {got}, beyond ±{bound} = "
                     "±sqrt(6 / (fan_in + fan_out)).",
                     "{layer} 有一个权重的绝对值是 {got}，超出了 ±{bound} = ±sqrt(6 / (fan_in + fan_out))。"),
    "xavier.normal": ("The spread fits Xavier-normal, whose values have no bound; the lab uses "
                      "Xavier-uniform.",
                      "权重的分布像是 Xavier 正态初始化，它的取值没有上下界；实验用的是 Xavier 均匀初始化。"),
    "xavier.spread": ("{layer}'s weights have standard deviation {got}; Xavier-uniform gives "
                      "{expected}.",
                      "{layer} 权重的标准差是 {got}，Xavier 均匀初始化应该是 {expected}。"),
    # -- lab4
    "std.test_statistics": ("The test split was scaled with its own mean and standard "
                            "deviation: the test data leaks into the preprocessing, and the "
                            "model meets test features on another scale than it trained on. "
                            "Both splits take the training split's statistics.",
                            "测试集用的是它自己的均值和标准差：测试数据泄漏进了预处理，而且模型看到的测试"
                            "特征和训练时的尺度不一样。训练集和测试集都应该用训练集的统计量。"),
    "std.test_mean": ("The test split was centred with its own mean: the test data leaks "
                      "into the preprocessing, and its features are shifted otherwise than "
                      "those the model trained on. Both splits take the training split's "
                      "mean and standard deviation.",
                      "测试集减去的是它自己的均值：测试数据泄漏进了预处理，而且测试特征平移的量和模型"
                      "训练时的不一样。两个数据集都应该用训练集的均值和标准差。"),
    "std.test_std": ("The test split was divided by its own standard deviation: the test data "
                     "leaks into the preprocessing, and its features are on another scale than "
                     "those the model trained on. Both splits take the training split's mean "
                     "and standard deviation.",
                     "测试集除以的是它自己的标准差：测试数据泄漏进了预处理，而且测试特征的尺度和模型"
                     "训练时的不一样。两个数据集都应该用训练集的均值和标准差。"),
    "std.all_statistics": ("The statistics come from the training and test splits together: "
                           "the test data leaks into the preprocessing.",
                           "统计量是用训练集和测试集合在一起算的：测试数据泄漏进了预处理。"),
    "std.axis": ("The statistics were taken along the wrong axis: per example instead of per "
                 "feature column.",
                 "求统计量时用错了轴：这是按样本（每一行）算的，应该按特征（每一列）算。"),
    "std.min_max": ("This is min-max scaling into [0, 1]; standardising subtracts the mean and "
                    "divides by the standard deviation.",
                    "这是把数据缩放到 [0, 1] 的最小-最大归一化；标准化是减去均值、再除以标准差。"),
    "std.not_scaled": ("The features were centred but not divided by the standard deviation.",
                       "特征减去了均值，但没有除以标准差。"),
    "std.not_centred": ("The features were divided by the standard deviation but not centred.",
                        "特征除以了标准差，但没有减去均值。"),
    "std.test_untouched": ("The test split came back as it was, unscaled.",
                           "测试集原样返回了，没有做标准化。"),
    "std.not_numpy": ("standardise returned {got}: it takes numpy arrays and returns numpy "
                      "arrays, as the lab's training code expects.",
                      "standardise 返回的是 {got}：它接收 numpy 数组，也应该返回 numpy 数组，实验的训练"
                      "代码就是这么用的。"),
    "std.modifies_input": ("The arrays passed in were changed in place: the caller's data "
                           "changes under it. Return new arrays.",
                           "传进来的数组被原地修改了：调用者手里的数据被悄悄改掉了。应该返回新的数组。"),
    # -- mnist's checkpoints
    "ckpt.no_file": ("After save_checkpoint there is no file at the path.",
                     "调用 save_checkpoint 之后，路径上没有文件。"),
    "ckpt.unloadable": ("torch.load(path, weights_only=True) fails: {error}",
                        "torch.load(path, weights_only=True) 出错：{error}"),
    "ckpt.weights_only": ("A checkpoint may hold only tensors, numbers, strings, and lists and "
                          "dicts of them: no numpy arrays or numpy numbers, no other objects, no "
                          "pickle.dump.",
                          "检查点里只能有张量、数、字符串，以及由它们组成的列表和字典：不能有 numpy "
                          "数组或 numpy 的数，不能有其他对象，也不能用 pickle.dump。"),
    "ckpt.contents": ("The file holds {got}, not the state saved.",
                      "文件里的内容是 {got}，不是保存进去的 state。"),
    "ckpt.atomic": ("The checkpoint is not written whole or not at all.",
                    "检查点没有做到“要么完整写入，要么完全不写”。"),
    "ckpt.not_atomic": ("A save that failed halfway left a broken file where the previous "
                        "checkpoint was: a crash while writing would lose both. How can the old "
                        "file stay until the new one is complete?",
                        "保存到一半出错后，原来那个检查点的位置上只剩一个坏文件：如果写文件时程序崩溃，"
                        "新旧两个检查点都会丢失。怎样才能让旧文件一直保留到新文件完整写好为止？"),
    "ckpt.rename_exists": ("On Windows os.rename refuses to replace a file that exists, so the "
                           "second checkpoint of a run fails; os.replace replaces it.",
                           "在 Windows 上，os.rename 不能覆盖已经存在的文件，所以一次训练的第二个检查点"
                           "会保存失败；os.replace 可以覆盖。"),
    "ckpt.remove_first": ("The previous checkpoint is deleted before the new one takes its "
                          "name: between the two there is no checkpoint at all, and a crash "
                          "there loses it. A rename that replaces the file leaves no such gap.",
                          "新检查点改名到位之前，旧检查点就被删掉了：两步之间根本没有检查点，这时程序崩溃"
                          "就什么都没了。直接用改名覆盖旧文件就没有这个空档。"),
    "ckpt.temp_elsewhere": ("The temporary file is written in another folder than the "
                            "checkpoint: a rename is atomic only within one file system, and "
                            "os.replace fails across drives (on Windows, C: to D:).",
                            "临时文件写在了和检查点不同的文件夹里：只有在同一个文件系统内改名才是原子的，"
                            "而且跨驱动器（比如 Windows 上从 C: 到 D:）时 os.replace 会出错。"),
    "ckpt.in_place": ("The file is written at its final name directly: a crash while writing "
                      "leaves half a file there. It should get that name only once it is "
                      "complete.",
                      "文件是直接写到最终的文件名上的：写到一半程序崩溃，那里就只剩半个文件。应该等文件"
                      "完整写好之后，才让它用上这个名字。"),
    "ckpt.load_contents": ("load_checkpoint returned {got}, not the state saved.",
                           "load_checkpoint 返回的是 {got}，不是保存进去的 state。"),
    "ckpt.str_path": ("{function} fails when path is a str: {error}. The sheet says path is a "
                      "pathlib.Path or a str.",
                      "path 是 str 时 {function} 出错：{error}。练习说明里写的是：path 可以是 "
                      "pathlib.Path，也可以是 str。"),
    "ckpt.swallowed": ("load_checkpoint returned {got} for a file that weights_only=True "
                       "refuses: the error was caught and not passed on.",
                       "对一个 weights_only=True 会拒绝的文件，load_checkpoint 返回了 {got}："
                       "错误被捕获后吞掉了，没有传出来。"),
    "ckpt.let_through": ("A caller cannot tell such a result from a real checkpoint (a resumed "
                         "run would quietly start over): let the error through.",
                         "调用方分不清这个结果和真正的检查点（恢复训练时会悄悄从头开始）：应该让错误"
                         "直接抛出来。"),
    "ckpt.unsafe": ("load_checkpoint loaded a file holding an arbitrary Python object.",
                    "load_checkpoint 加载了一个含有任意 Python 对象的文件。"),
    "ckpt.load_unsafe": ("Unpickling such a file can run any code it carries; loading with "
                         "weights_only=True refuses it.",
                         "反序列化（unpickle）这样的文件，可能会执行文件里夹带的任意代码；用 weights_only=True 加载会拒绝它。"),
    "state.unloadable": ("The state cannot be saved and loaded back with weights_only=True: "
                         "{error}",
                         "state 保存之后无法再用 weights_only=True 加载回来：{error}"),
    "state.not_dict": ("checkpoint_state should return a dict; got {got}",
                       "checkpoint_state 应该返回一个字典，实际得到的是 {got}"),
    "state.key": ("The state's '{key}' should be {expected}; got {got}",
                  "state 里的 '{key}' 应该是 {expected}，实际是 {got}"),
    "state.missing": ("The state lacks something a resume needs.",
                      "state 里缺少恢复训练所需的内容。"),
    "state.weights": ("The model's weights are not in the state.", "state 里没有模型的权重。"),
    "state.optimizer": ("The optimizer's state (SGD's momentum buffers) is not in the state: a "
                        "resumed run would restart its momentum from zero.",
                        "state 里没有优化器的状态（SGD 的动量缓冲）：恢复训练时动量会从零开始。"),
    "state.rng": ("torch's random state (torch.get_rng_state()) is not in the state: after a "
                  "resume, dropout would draw other masks.",
                  "state 里没有 torch 的随机状态（torch.get_rng_state()）：恢复训练后 dropout 会"
                  "抽到不同的掩码。"),
    "state.rng_changed": ("checkpoint_state changed a random state (torch.manual_seed?): the "
                          "state it saves is not the run's, and the run itself goes on with "
                          "other dropout masks. Capturing a state must leave it as it was.",
                          "checkpoint_state 改变了随机状态（调用了 torch.manual_seed？）：它保存的不是"
                          "这次训练的状态，训练本身之后也会抽到不同的 dropout 掩码。记录状态时不能改变它。"),
    "state.batch_order": ("The batch-order generator's state is not in the state: the resumed "
                          "epoch would see its batches in another order.",
                          "state 里没有决定小批量顺序的生成器的状态：恢复之后，那个迭代周期里小批量的"
                          "顺序会不一样。"),
    "restore.needs_state": ("checkpoint_state does not pass its own check yet, and "
                            "restore_checkpoint is checked with what it returns: fix "
                            "checkpoint_state first.",
                            "checkpoint_state 还没有通过它自己的检查，而 restore_checkpoint 要用它返回的 "
                            "state 来检查：请先把 checkpoint_state 改好。"),
    "restore.missing": ("Something was not put back.", "有的状态没有恢复。"),
    "restore.weights": ("After restore_checkpoint the model does not hold the saved weights.",
                        "调用 restore_checkpoint 之后，模型里不是保存时的权重。"),
    "restore.optimizer": ("After restore_checkpoint the optimizer does not hold the saved "
                          "momentum buffers.",
                          "调用 restore_checkpoint 之后，优化器里没有保存时的动量缓冲。"),
    "restore.rng": ("torch's random state was not put back.", "torch 的随机状态没有恢复。"),
    "restore.batch_order": ("The batch-order generator was not put back.",
                            "决定小批量顺序的生成器没有恢复。"),
    "restore.differs": ("The resumed run ends elsewhere than the run straight through.",
                        "中断后恢复的训练和一口气跑完的训练结果不一样。"),
    # -- lab1
    "lab1.not_dict": ("It should return a dict of what it computed; got {got}",
                      "它应该返回一个字典，装着算出来的结果，实际得到的是 {got}"),
    "lab1.keys": ("The dict lacks the keys {missing}", "字典里缺少这些键：{missing}"),
    "lab1.reversed": ("The subtraction is reversed: N - M instead of M - N.",
                      "减法反了：算的是 N - M，而不是 M - N。"),
    "lab1.error_object": ("inplace_error holds the error itself, a {got}: keep the text of its "
                          "message.",
                          "inplace_error 里保存的是异常对象本身（{got}）：应该保存的是它的信息文本。"),
    "lab1.one_sign": ("All {count} entries of P and Q have the same sign ({draws} draws): "
                      "drawn from a normal distribution with mean 0, about half would be "
                      "negative.",
                      "P 和 Q 的 {count} 个元素符号全都相同（抽了 {draws} 次）：如果来自均值为 0 的正态"
                      "分布，应该大约有一半是负数。"),
    "lab1.uniform": ("These look drawn uniformly from [0, 0.01): torch.rand is the uniform "
                     "distribution on [0, 1). Which function draws from a normal one?",
                     "这些数看起来是从 [0, 0.01) 上均匀抽取的：torch.rand 给出的是 [0, 1) 上的均匀分布。"
                     "哪个函数是从正态分布中抽样的？"),
    "lab1.spread": ("The root mean square of P's and Q's entries is {got}; drawn from "
                    "N(0, 0.01²), it lies between 0.003 and 0.025.",
                    "P 和 Q 所有元素的均方根是 {got}；如果从 N(0, 0.01²) 中抽样，它应该在 0.003 到 "
                    "0.025 之间。"),
    "lab1.flat": ("Over {draws} calls ({count} entries), P's and Q's entries are spread too "
                  "evenly for a normal distribution: their kurtosis E[x⁴] / E[x²]² is {got}, "
                  "where a normal distribution gives 3 (over this many entries, at least 2.4) "
                  "and a uniform one 1.8.",
                  "调用 {draws} 次（共 {count} 个元素），P 和 Q 的元素分布得太均匀，不像正态分布："
                  "它们的峰度 E[x⁴] / E[x²]² 是 {got}，正态分布是 3（这么多元素时至少为 2.4），"
                  "均匀分布是 1.8。"),
    "lab1.uniform_range": ("These look drawn uniformly over a range around 0 (torch.rand, "
                           "shifted and scaled): no value ever falls outside it, where a normal "
                           "distribution has tails. Which function draws from a normal one?",
                           "这些数看起来是在 0 附近的一个区间上均匀抽取的（torch.rand 平移、缩放之后）："
                           "没有一个值落在区间外面，而正态分布有向两侧延伸的尾部。哪个函数是从正态分布中抽样的？"),
    "lab1.pooled_spread": ("Over {draws} calls ({count} entries), the standard deviation of "
                           "P's and Q's entries is {got}; drawn from N(0, 0.01²), it lies "
                           "between 0.0093 and 0.0107.",
                           "调用 {draws} 次（共 {count} 个元素），P 和 Q 元素的标准差是 {got}；如果从 "
                           "N(0, 0.01²) 中抽样，它应该在 0.0093 到 0.0107 之间。"),
    "lab1.inplace_error": ("inplace_error should hold the message of the error that M.sub_(N) "
                           "raises; got {got}",
                           "inplace_error 应该是 M.sub_(N) 抛出的异常信息，实际得到的是 {got}"),
    "lab1.inplace_text": ("inplace_error is {got}; it should hold the text of the error that "
                          "M.sub_(N) raises, which here says: {expected}",
                          "inplace_error 是 {got}；它应该是 M.sub_(N) 抛出的异常的文字信息，这里是："
                          "{expected}"),
    "lab1.error_name": ("That is the name of the error's class, not its message: the message "
                        "is the text that says what went wrong.",
                        "这是异常类的名字，不是异常信息：异常信息是说明出了什么错的那段文字。"),
    "lab1.scale": ("{key}'s largest entry is {got}; drawn from N(0, 0.01²), the largest "
                   "absolute entry of a matrix this size lies between 0.001 and 0.06.",
                   "{key} 中绝对值最大的元素是 {got}；从 N(0, 0.01²) 抽样时，这么大的矩阵里绝对值最大的元素应该在 "
                   "0.001 到 0.06 之间。"),
    "lab1.std": ("Check the spread you ask torch.normal for: 0.01 is the standard deviation.",
                 "检查一下传给 torch.normal 的参数：0.01 是标准差。"),
    "lab1.reshape_not_transpose": ("Q.reshape(2, 4) is not Q transposed: reshape reads the "
                                   "numbers row by row into the new shape, a transpose swaps "
                                   "rows and columns.",
                                   "Q.reshape(2, 4) 不是 Q 的转置：reshape 是按行依次把数填进新形状，"
                                   "转置是把行和列互换。"),
    "lab1.matmul_order": ("The product has the wrong shape: look at the order of the factors.",
                          "乘积的形状不对：检查一下两个因子的顺序。"),
    "lab1.no_grad_swapped": ("The two no_grad cases are swapped: with y2 = x³ under no_grad "
                             "only y1 = x² counts.",
                             "两种 no_grad 的情况弄反了：y2 = x³ 在 no_grad 下计算时，只有 y1 = x² 计入梯度。"),
    "lab1.grad_accumulates": ("The gradients carry over from one case to the next: each case "
                              "needs a fresh x.",
                              "梯度从一种情况累加到了下一种情况：每种情况都要用一个新的 x。"),
    "lab1.no_grad_ignored": ("no_grad made no difference: the term computed under "
                             "torch.no_grad() must not count.",
                             "no_grad 没有起作用：在 torch.no_grad() 下计算的那一项不应该算进梯度。"),
    "lab1.a_grad_transposed": ("a.grad has the shape of a, (1, 2).", "a.grad 的形状和 a 一样，是 (1, 2)。"),
    "lab1.sigmoid_value": ("This is sigmoid(1) itself, not its derivative.",
                           "这是 sigmoid(1) 本身，不是它的导数。"),
    "lab1.grad_reset": ("The gradient was cleared (or x made anew) between x² and x + 3: the "
                        "write-up shows the two adding up to 5 before grad.zero_().",
                        "在 x² 和 x + 3 之间梯度被清零了（或者重新创建了 x）：实验报告里演示的是在 "
                        "grad.zero_() 之前两者累加成 5。"),
    "lab1.zero_missing": ("The last value should be 0, after x.grad.zero_().",
                          "最后一个值是调用 x.grad.zero_() 之后的梯度，应该是 0。"),
    # -- errors the student's code raised
    "hint.inplace_leaf": ("Autograd refuses to record an in-place change of a leaf tensor "
                          "that requires grad: an update of parameters is not part of the model's "
                          "computation and must not be recorded.",
                          "autograd 不允许记录对需要梯度的叶子张量的原地修改：更新参数不属于模型的计算，"
                          "不应该被记录下来。"),
    "hint.no_graph": ("backward() found no graph: somewhere the loss was cut off from the "
                      "parameters (.item(), .detach(), torch.tensor(...), numpy).",
                      "backward() 找不到计算图：损失在某处和参数断开了（.item()、.detach()、"
                      "torch.tensor(...)、numpy）。"),
    "hint.scratch_model": ("lab2's from-scratch models are not nn.Modules: they have only "
                           "__call__, parameters(), train() and eval(). The optimizer has "
                           "zero_grad() for every model.",
                           "lab2 从零实现的模型不是 nn.Module：它们只有 __call__、parameters()、train() "
                           "和 eval()。不管是哪种模型，优化器都有 zero_grad()。"),
    "hint.scratch_loop": ("It works on an nn.Module but not on a from-scratch model, as lab2's "
                          "scratch runs pass in: such a model has only __call__, parameters() "
                          "(a list, not an iterator) and train()/eval(); no .to(), no "
                          "named_parameters(), no buffers.",
                          "在 nn.Module 上没问题，但换成 lab2 从零实现的模型（从零实现的那几次运行传进来的"
                          "就是它）就出错了：这种模型只有 __call__、parameters()（返回的是列表，不是"
                          "迭代器）和 train()/eval()；没有 .to()、named_parameters()，也没有 buffer。"),
    "hint.device": ("Your code moved tensors to another device than the model's (a global "
                    "device, cuda here?): the checker's model is on the CPU. A lesson function "
                    "works on whatever device its model and batches are on.",
                    "你的代码把张量移到了和模型不同的设备上（是不是用了全局变量 device，这里是 "
                    "cuda？）：检查程序的模型在 CPU 上。练习里的函数应该在模型和小批量所在的设备上计算，"
                    "不管那是哪个设备。"),
    "hint.backward_twice": ("backward() ran twice through the same graph.",
                            "对同一个计算图调用了两次 backward()。"),
    "hint.inplace_broadcast": ("An in-place operation cannot grow a tensor: M (1×3) has no room "
                               "for the 2×3 result. Catch the error and keep its message.",
                               "原地操作不能把张量变大：M（1×3）放不下 2×3 的结果。捕获这个异常，把它的信息保存下来。"),
    "hint.matmul_shapes": ("The shapes of a matrix product do not fit: the error names both "
                           "(rows × columns).",
                           "矩阵乘法两边的形状对不上：错误信息里写出了两个形状（行 × 列）。"),
    "hint.dtype": ("A dtype mismatch: losses want float scores, and class labels as int64 "
                   "(long).",
                   "dtype 不匹配：损失函数要的得分是浮点数，类别标签是 int64（long）。"),
    "hint.long_scores": ("An integer (Long) tensor reached an operation that needs float "
                         "scores (a softmax, a log): are the scores and the targets swapped "
                         "(the loss takes the scores first), or was a tensor cast with .long()?",
                         "一个整数（Long）张量被送进了需要浮点得分的运算（softmax、log）：是不是把"
                         "得分和目标的位置写反了（损失函数的第一个参数是得分），或者用 .long() "
                         "转换了某个张量？"),
    "hint.failed_line": ("{name} comes from line {line}, which failed here: {error}",
                         "{name} 来自第 {line} 行，但这一行在检查时运行出错：{error}"),
    "hint.skipped_global": ("{name} is set on line {line} by top-level code that the checker "
                            "does not run (it runs only imports, definitions and plain "
                            "assignments): a function should use its arguments, not a global "
                            "{name}.",
                            "{name} 是在第 {line} 行由顶层代码设置的，而检查程序不会运行这些代码（它只运行"
                            "导入、定义和简单的赋值）：函数应该用自己的参数，而不是全局变量 {name}。"),
    "hint.signature": ("The checker calls it as {signature}, as the sheet gives it.",
                       "检查程序按练习里给出的 {signature} 来调用它。"),
    "leak.grad_off": ("After this call autograd stays switched off for all the code that runs "
                      "next (the next training step finds no gradient): torch.set_grad_enabled"
                      "(False) was not undone. A with block switches it back by itself when it "
                      "ends.",
                      "这次调用之后，自动微分一直处于关闭状态，之后运行的所有代码都受影响（下一步训练就"
                      "算不出梯度了）：torch.set_grad_enabled(False) 没有被撤销。用 with 语句块的话，"
                      "块结束时会自动恢复。"),
    "leak.grad_on": ("After this call autograd is switched on, where it was off before: the "
                     "function changed it for all the code that runs next.",
                     "这次调用之前自动微分是关闭的，调用之后却被打开了：这个函数改变了之后所有代码的运行方式。"),
    "leak.default_dtype": ("After this call the default dtype is {got}, not {expected}: "
                           "torch.set_default_dtype changes every tensor made afterwards, in all "
                           "the code that runs next. Give the dtype to the tensors that need it.",
                           "这次调用之后默认 dtype 变成了 {got}，而不是 {expected}：torch.set_default_dtype "
                           "会影响之后创建的每一个张量，波及之后运行的所有代码。应该只给需要的张量指定 dtype。"),
    "hint.path": ("The lab passes path as a pathlib.Path, not a str: a Path has no + with a str "
                  "and no str methods. os.path's functions and str(path) work with both.",
                  "实验传进来的 path 是 pathlib.Path，不是 str：Path 不能和 str 用 + 拼接，也没有 str "
                  "的方法。os.path 里的函数和 str(path) 对两者都适用。"),
    # -- notes: not failures
    "note.bce_broadcast": ("bce_loss(pred (8, 1), target (8,)) compares every prediction with "
                           "every target, (8, 8) pairs: the write-up's defect. Refusing shapes "
                           "that differ (raise an error) keeps it from happening silently.",
                           "bce_loss(pred (8, 1), target (8,)) 把每个预测和每个目标都比较了一遍，共 "
                           "(8, 8) 对：这正是实验报告里的缺陷。形状不一致时报错，就能避免它悄无声息地发生。"),
    "note.rename_windows": ("os.rename replaces an existing file here, but not on Windows, where "
                            "the second checkpoint of a run would fail: os.replace works on "
                            "both.",
                            "在这里 os.rename 能覆盖已经存在的文件，但在 Windows 上不行，一次训练的第二个"
                            "检查点会保存失败：os.replace 在两种系统上都能用。"),
    "loop.on_step": ("on_step was called with: {got}. When train_epoch calls it, it calls it "
                     "once after each step, as on_step(losses, outputs, targets): the three "
                     "lists so far (here 1, then 2, then 3 entries each), the way the lab's "
                     "divergence check reads them.",
                     "on_step 收到的是：{got}。train_epoch 如果调用它，就要在每一步之后各调用一次，"
                     "写成 on_step(losses, outputs, targets)：到目前为止的三个列表（这里依次各有 1、2、3 "
                     "个元素），实验里检查训练是否发散的代码就是这样读取它们的。"),
    "note.one_draw": ("small_matmul gives the same P and Q on every call (a seed inside it?), "
                      "so only one draw of {count} numbers could be checked: their signs and "
                      "rough scale, not the spread of 0.01 or the normal shape. Without the seed "
                      "the checker pools many draws and checks both.",
                      "small_matmul 每次调用都给出同样的 P 和 Q（函数里设了随机种子？），"
                      "所以只能检查一次抽样的 {count} 个数：正负号和大致的量级，"
                      "查不了标准差是否为 0.01、分布是否为正态。去掉种子，检查程序就会把多次抽样"
                      "合在一起，把这两项都查一遍。"),
    "note.ckpt_leftover": ("files left in the folder after the failed save: {files}",
                           "保存失败后文件夹里留下了这些文件：{files}"),
}


if __name__ == "__main__":
    sys.exit(main())
