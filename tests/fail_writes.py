"""Writes that fail the way a full disk, a quota or a read-only folder makes them fail, or an
output folder that disappears mid-run: in a test's own process (``failing_writes``, patched in
with monkeypatch), or around one of the project's scripts run as a command:

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


def target_name(temp_name: str) -> str:
    """atomic_write's temporary '.NAME.XXXXXX.tmp' -> NAME."""
    return temp_name[1:].rsplit(".", 2)[0] if temp_name.endswith(".tmp") else temp_name


def failing_writes(mode: str, budget: int, pattern: str) -> list[tuple[object, str, object]]:
    """(object, attribute, replacement) for each call to wrap so that writes fail as ``mode``
    says once ``budget`` bytes are written into files matching ``pattern``."""
    written = 0
    real_fdopen, real_open, real_builtin_open = os.fdopen, os.open, builtins.open

    class FillingFile:
        """A file object whose writes fail once the shared budget is spent."""

        def __init__(self, f):
            self._f = f

        def write(self, data):
            nonlocal written
            if written + len(data) > budget:
                code = getattr(errno, mode)
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

    def fdopen(fd, *args, **kwargs):
        f = real_fdopen(fd, *args, **kwargs)
        name = os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
        return FillingFile(f) if fnmatch.fnmatch(target_name(name), pattern) else f

    def builtin_open(file, mode="r", *args, **kwargs):
        """open(), whose temporaries ('.NAME.XXXX.tmp' written) for a matching NAME fill up."""
        f = real_builtin_open(file, mode, *args, **kwargs)
        name = os.path.basename(os.fspath(file)) if isinstance(file, (str, os.PathLike)) else ""
        temporary = name.startswith(".") and name.endswith(".tmp") and "w" in mode
        return FillingFile(f) if temporary and fnmatch.fnmatch(target_name(name), pattern) else f

    def open_removing_folder(path, *args, **kwargs):
        """atomic_write's temporary ('.NAME.XXXX.tmp') for a matching NAME: its folder first."""
        name = os.path.basename(os.fspath(path))
        if name.startswith(".") and name.endswith(".tmp") and fnmatch.fnmatch(
                target_name(name), pattern):
            shutil.rmtree(os.path.dirname(os.fspath(path)), ignore_errors=True)
        return real_open(path, *args, **kwargs)

    if mode == "REMOVE":
        return [(os, "open", open_removing_folder)]
    return [(os, "fdopen", fdopen), (builtins, "open", builtin_open)]


if __name__ == "__main__":
    for obj, name, replacement in failing_writes(sys.argv[1], int(sys.argv[2]), sys.argv[3]):
        setattr(obj, name, replacement)
    script = Path(sys.argv[4])
    sys.argv = [str(script), *sys.argv[5:]]
    sys.path.insert(0, str(script.resolve().parent))
    runpy.run_path(str(script), run_name="__main__")
