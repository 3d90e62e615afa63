"""Shared fixtures: tiny synthetic datasets in the real on-disk formats, so the real loading code
runs without the real data (which tests never need, except those marked ``requires_real_data``)."""
from __future__ import annotations

import functools
import gzip
import os
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Verdicts on data files go to a folder of this test session, never the user's cache (the
# scripts the tests start inherit it).
os.environ["LABS_CACHE_DIR"] = tempfile.mkdtemp(prefix="labs-test-cache-")

# The labs and the runner, whose --help must work (tools/ has its own test: every tool with a
# command line, run as a file).
SCRIPTS = ["lab1_tensor_ops", "lab2_logistic", "lab3_lenet", "lab4_wine_mlp",
           "mnist_checkpoint", "run_all"]

from datafiles import IDX_FILES  # noqa: E402
WINE_FEATURES = ["fixed acidity", "volatile acidity", "citric acid", "residual sugar",
                 "chlorides", "free sulfur dioxide", "total sulfur dioxide", "density", "pH",
                 "sulphates", "alcohol"]


def write_idx(path: Path, array: np.ndarray) -> None:
    """IDX format: 0x00 0x00, type code 0x08 (ubyte), ndim, big-endian int32 sizes, then data."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}i", *array.shape)
    path.write_bytes(header + array.tobytes())


def write_image_dataset(root: Path, folder: str, n_train: int = 96, n_test: int = 40,
                        seed: int = 0) -> Path:
    """Write ``root/<folder>/raw/*-ubyte`` as torchvision's MNIST/FashionMNIST expect them.

    The images are learnable on purpose: each class lights up its own band of rows, plus noise.
    """
    rng = np.random.default_rng(seed)
    raw = root / folder / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for train, n in ((True, n_train), (False, n_test)):
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        images = rng.integers(0, 60, size=(n, 28, 28)).astype(np.uint8)
        for i, c in enumerate(labels):
            images[i, 2 + 2 * c: 4 + 2 * c, 4:24] = 255
        img_name, lbl_name = IDX_FILES[train]
        write_idx(raw / img_name, images)
        write_idx(raw / lbl_name, labels)
    return root


def write_uci_like(path: Path, n: int = 150, seed: int = 0) -> Path:
    """UCI layout: ';'-separated, quoted header, 11 features + integer quality."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 11))
    quality = np.clip(np.round(5.6 + 0.6 * x[:, 10] - 0.4 * x[:, 1] + 0.3 * rng.normal(size=n)),
                      3, 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [";".join(f'"{c}"' for c in WINE_FEATURES + ["quality"])]
    lines += [";".join(f"{v:.4f}" for v in row) + f";{int(q)}" for row, q in zip(x, quality)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def synthetic_data(tmp_path_factory) -> Path:
    """A data dir holding tiny MNIST, Fashion-MNIST and UCI wine files in the real layouts."""
    root = tmp_path_factory.mktemp("data")
    write_image_dataset(root, "MNIST", seed=1)
    write_image_dataset(root, "FashionMNIST", seed=2)
    write_uci_like(root / "wine" / "winequality-red.csv")
    return root


def real_data_dir() -> Path | None:
    """$LABS_DATA_DIR when it holds the real files, uncompressed or as downloaded (.gz)."""
    env = os.environ.get("LABS_DATA_DIR")
    first = Path(env or ".") / "MNIST" / "raw" / "train-images-idx3-ubyte"
    if env and (first.exists() or first.with_name(first.name + ".gz").exists()):
        return Path(env).resolve()
    return None


def real_file(rel: str) -> bytes:
    """An official file's contents from the real data, whichever form it was kept in."""
    path = real_data_dir() / rel
    return path.read_bytes() if path.exists() else \
        gzip.decompress(path.with_name(path.name + ".gz").read_bytes())


def uncompressed_copy(root: Path, folder: str) -> Path:
    """``root/folder/raw`` with the real files uncompressed (torchvision reads no .gz there)."""
    raw = root / folder / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for train in (True, False):
        for name in IDX_FILES[train]:
            (raw / name).write_bytes(real_file(f"{folder}/raw/{name}"))
    return root


REQUIRE_REAL_DATA = os.environ.get("LABS_REQUIRE_REAL_DATA") == "1"


def requires_real_data(test):
    """Marks a test that needs the real datasets: it skips with a reason without LABS_DATA_DIR,
    and `pytest -m real_data` selects every such test (CI's second pass, after downloading).
    With LABS_REQUIRE_REAL_DATA=1 (set where the data was just downloaded) a missing dataset is
    a failure, not a skip: a step that runs no test cannot pass."""
    if REQUIRE_REAL_DATA:
        def needs_it(*args, **kwargs):
            if real_data_dir() is None:
                pytest.fail(f"LABS_REQUIRE_REAL_DATA=1 but LABS_DATA_DIR="
                            f"{os.environ.get('LABS_DATA_DIR')!r} holds no real datasets")
            return test(*args, **kwargs)
        return pytest.mark.real_data(functools.wraps(test)(needs_it))
    skip = pytest.mark.skipif(real_data_dir() is None,
                              reason="needs the real datasets: set LABS_DATA_DIR to a folder "
                                     "with MNIST/, FashionMNIST/ and wine/")
    return pytest.mark.real_data(skip(test))


def run_script(script: str, *args, env: dict | None = None, timeout: int = 300):
    """Run one of the project's scripts as a user would, in a fresh process (a tool as
    ``-m tools.name``, from the repository's root)."""
    command = script.split() if script.startswith("-m ") else [str(ROOT / script)]
    return subprocess.run([sys.executable, *command, *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                          env={**os.environ, **(env or {})})


def one_line_error(proc) -> bool:
    """Non-zero exit with exactly one line on stderr, and no traceback."""
    return (proc.returncode != 0 and "Traceback" not in proc.stderr
            and proc.stderr.count("\n") == 1 and "error" in proc.stderr)


def interrupt_in_epoch(monkeypatch, lab, epoch: int) -> None:
    """Ctrl-C as ``lab``'s epoch ``epoch`` starts: its train_epoch (which is handed the
    epoch's common.Watch) raises KeyboardInterrupt there, as a terminal's Ctrl-C would."""
    real = lab.train_epoch

    def interrupted(*args, **kwargs):
        if any(getattr(arg, "epoch", None) == epoch for arg in (*args, *kwargs.values())):
            raise KeyboardInterrupt
        return real(*args, **kwargs)
    monkeypatch.setattr(lab, "train_epoch", interrupted)


@dataclass(frozen=True)
class CommandCase:
    """One way a student's command can go wrong, and the one line it must end with."""
    name: str
    script: str
    args: tuple
    message: str            # a piece of the one line
    code: int = 2           # the exit code of its kind
    env: tuple = ()         # extra environment for the command line
    inject: tuple = ()      # tests/fail_writes.py: (mode, bytes, pattern)
