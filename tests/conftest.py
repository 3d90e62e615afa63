"""Shared fixtures: tiny synthetic datasets in the real on-disk formats, so the real loading code
runs without the real data (which tests never need, except those marked ``real_data``)."""
from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# Every command-line script of the project (their --help must work).
ROOT_FILES = ["lab1_tensor_ops.py", "lab2_logistic.py", "lab3_lenet.py", "lab4_wine_mlp.py",
              "mnist_checkpoint.py", "tools/report.py", "tools/benchmark.py"]

IDX_FILES = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


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


@pytest.fixture(scope="session")
def synthetic_data(tmp_path_factory) -> Path:
    """A data dir holding tiny MNIST and Fashion-MNIST in torchvision's layout."""
    root = tmp_path_factory.mktemp("data")
    write_image_dataset(root, "MNIST", seed=1)
    write_image_dataset(root, "FashionMNIST", seed=2)
    return root


def real_data_dir() -> Path | None:
    env = os.environ.get("LABS_DATA_DIR")
    if env and (Path(env) / "MNIST" / "raw" / "train-images-idx3-ubyte").exists():
        return Path(env).resolve()
    return None


requires_real_data = pytest.mark.skipif(
    real_data_dir() is None,
    reason="needs the real datasets: set LABS_DATA_DIR to a folder with MNIST/, FashionMNIST/ "
           "and wine/")
