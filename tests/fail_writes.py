"""Run one of the project's scripts while its writes fail the way a full disk, a quota or a
read-only folder makes them fail, or while its output folder disappears:

    python tests/fail_writes.py ENOSPC 200000 '*.pt' mnist_checkpoint.py --epochs 3 ...
    python tests/fail_writes.py REMOVE 0 '*.json' lab4_wine_mlp.py ...

ERRNO (ENOSPC, EDQUOT, EROFS, EACCES): once BYTES bytes have been written into files whose
name matches PATTERN, every further write into such a file raises OSError(ERRNO), as the
kernel does when the disk is full. REMOVE: the folder of the first matching file is deleted
just before that file is created (someone cleaned up runs/ mid-run).

Only the calls that open the temporary files are wrapped (machinery.atomic_write's os.open and
os.fdopen, and the built-in open that mnist_checkpoint.py's save_checkpoint writes its own
temporary with); the script runs as itself otherwise (``python script.py args``). Linux only
(/proc/self/fd).
"""
from __future__ import annotations

import builtins
import errno
import fnmatch
import os
import runpy
import shutil
import sys
from pathlib import Path

MODE, BUDGET, PATTERN = sys.argv[1], int(sys.argv[2]), sys.argv[3]
written = 0


def target_name(temp_name: str) -> str:
    """atomic_write's temporary '.NAME.XXXXXX.tmp' -> NAME."""
    return temp_name[1:].rsplit(".", 2)[0] if temp_name.endswith(".tmp") else temp_name


class FillingFile:
    """A file object whose writes fail once the shared budget is spent."""

    def __init__(self, f):
        self._f = f

    def write(self, data):
        global written
        if written + len(data) > BUDGET:
            code = getattr(errno, MODE)
            raise OSError(code, os.strerror(code))
        written += len(data)
        return self._f.write(data)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._f.__exit__(*exc)

    def __iter__(self):
        return iter(self._f)


real_fdopen, real_open, real_builtin_open = os.fdopen, os.open, builtins.open


def fdopen(fd, *args, **kwargs):
    f = real_fdopen(fd, *args, **kwargs)
    name = os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
    return FillingFile(f) if fnmatch.fnmatch(target_name(name), PATTERN) else f


def builtin_open(file, mode="r", *args, **kwargs):
    """open(), whose temporaries ('.NAME.XXXX.tmp' written) for a matching NAME fill up."""
    f = real_builtin_open(file, mode, *args, **kwargs)
    name = os.path.basename(os.fspath(file)) if isinstance(file, (str, os.PathLike)) else ""
    temporary = name.startswith(".") and name.endswith(".tmp") and "w" in mode
    return FillingFile(f) if temporary and fnmatch.fnmatch(target_name(name), PATTERN) else f


def open_removing_folder(path, *args, **kwargs):
    """atomic_write's temporary ('.NAME.XXXX.tmp') for a matching NAME: its folder goes first."""
    name = os.path.basename(os.fspath(path))
    if name.startswith(".") and name.endswith(".tmp") and fnmatch.fnmatch(target_name(name),
                                                                          PATTERN):
        shutil.rmtree(os.path.dirname(os.fspath(path)), ignore_errors=True)
    return real_open(path, *args, **kwargs)


if MODE == "REMOVE":
    os.open = open_removing_folder
else:
    os.fdopen, builtins.open = fdopen, builtin_open
script = Path(sys.argv[4])
sys.argv = [str(script), *sys.argv[5:]]
sys.path.insert(0, str(script.resolve().parent))
runpy.run_path(str(script), run_name="__main__")
