from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import common
from conftest import ROOT_FILES, real_data_dir, requires_real_data

ROOT = Path(common.__file__).resolve().parent


def test_cpu_device_works():
    assert common.select_device("cpu") == torch.device("cpu")
    assert common.select_device("auto").type in common.available_devices()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_unavailable_device_is_a_clear_error():
    with pytest.raises(common.LabError, match=r"'cuda' is not available.*available: cpu"):
        common.select_device("cuda")
    with pytest.raises(common.LabError, match="unknown device 'tpu'"):
        common.select_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_unavailable_device_from_the_command_line_is_one_line_no_traceback():
    proc = subprocess.run([sys.executable, str(ROOT / "lab1_tensor_ops.py"), "--device", "cuda"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0
    assert "not available" in proc.stderr and proc.stdout == ""


def test_seeding_reproduces_python_numpy_torch():
    def draw():
        return random.random(), np.random.rand(), torch.rand(3).tolist()

    common.seed_everything(123)
    first = draw()
    common.seed_everything(123)
    assert draw() == first
    common.seed_everything(124)
    assert draw() != first


def test_data_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv(common.DATA_ENV, raising=False)
    assert common.resolve_data_dir(None) == ROOT / "data"
    monkeypatch.setenv(common.DATA_ENV, str(tmp_path / "env"))
    assert common.resolve_data_dir(None) == tmp_path / "env"
    assert common.resolve_data_dir(tmp_path / "flag") == tmp_path / "flag"


def test_missing_data_message(tmp_path, monkeypatch):
    # Make the download fail fast and offline, as it does on a machine without internet.
    from torchvision import datasets

    def no_network(self):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz")

    monkeypatch.setattr(datasets.MNIST, "download", no_network)
    with pytest.raises(common.LabError) as info:
        common.load_image_dataset("mnist", tmp_path, train=True)
    message = str(info.value)
    assert str(tmp_path / "MNIST" / "raw") in message
    assert "--data-dir" in message and common.DATA_ENV in message
    assert "\n" not in message


def test_synthetic_idx_loads_through_torchvision(synthetic_data):
    ds = common.load_image_dataset("fashion-mnist", synthetic_data, train=True)
    assert ds.data.shape == (96, 28, 28) and ds.data.dtype == torch.uint8
    assert ds.targets.shape == (96,)


@pytest.mark.parametrize("pad,mean,std", [(0, 0.1307, 0.3081), (2, 0.5, 0.5), (0, None, None)])
def test_tensor_and_dataloader_pipelines_give_identical_batches(synthetic_data, pad, mean, std):
    cpu = torch.device("cpu")
    kw = dict(batch_size=10, test_batch_size=16, device=cpu, seed=7, mean=mean, std=std, pad=pad)
    tensor_train, tensor_test = common.image_loaders("mnist", synthetic_data, kind="tensor", **kw)
    dl_train, dl_test = common.image_loaders("mnist", synthetic_data, kind="dataloader", **kw)
    assert len(tensor_train) == len(dl_train) == 10  # 96 / 10, last batch partial
    for epoch in range(2):  # the second epoch must also agree (generator state carries on)
        batches = list(zip(tensor_train, dl_train, strict=True))
        for (xt, yt), (xd, yd) in batches:
            assert xt.shape == xd.shape == (xt.shape[0], 1, 28 + 2 * pad, 28 + 2 * pad)
            assert torch.equal(xt, xd) and torch.equal(yt, yd)
    for (xt, yt), (xd, yd) in zip(tensor_test, dl_test, strict=True):
        assert torch.equal(xt, xd) and torch.equal(yt, yd)


def test_pipelines_leave_the_global_rng_alone(synthetic_data):
    kw = dict(batch_size=8, test_batch_size=8, device=torch.device("cpu"), seed=0,
              mean=0.5, std=0.5)
    for kind in ("tensor", "dataloader"):
        train, test = common.image_loaders("mnist", synthetic_data, kind=kind, **kw)
        torch.manual_seed(5)
        for _ in train:
            pass
        for _ in test:
            pass
        after_loading = torch.rand(4)
        torch.manual_seed(5)
        assert torch.equal(after_loading, torch.rand(4)), kind


def test_smoke_caps_batches(synthetic_data):
    train, test = common.image_loaders("mnist", synthetic_data, kind="dataloader", batch_size=4,
                                       test_batch_size=4, device=torch.device("cpu"), seed=0,
                                       mean=None, std=None, smoke=True)
    assert len(list(train)) == 3 and len(list(test)) == 3


def test_results_json_and_plot(tmp_path):
    path = common.save_results(tmp_path, "demo", config={"seed": 3, "out_dir": tmp_path},
                               metrics={"acc": np.float32(0.5)}, history={"loss": [1.0, 0.5]},
                               device=torch.device("cpu"), wall_time=1.23456)
    rec = common.load_results(path)
    assert rec["metrics"]["acc"] == 0.5 and rec["history"]["loss"] == [1.0, 0.5]
    assert rec["environment"]["torch"] == torch.__version__
    assert rec["environment"]["seed"] == 3 and rec["environment"]["wall_time_s"] == 1.235
    png = common.plot_panels(tmp_path / "demo.png", [
        {"title": "t", "series": {"a": ([1, 2], [3, 4]), "b": ([1, 2], [4, 3], "o")}}])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_throughput_counts_examples():
    timer = common.Throughput(torch.device("cpu"))
    timer.start()
    sum(range(10000))
    timer.stop(500)
    assert timer.examples == 500 and timer.rate > 0


@pytest.mark.parametrize("script", ROOT_FILES)
def test_help_exits_zero(script):
    proc = subprocess.run([sys.executable, str(ROOT / script), "--help"], capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "--" in proc.stdout


@requires_real_data
def test_real_mnist_pipelines_agree_on_first_batches():
    kw = dict(batch_size=64, test_batch_size=1000, device=torch.device("cpu"), seed=1,
              mean=0.1307, std=0.3081, pad=2)
    t_train, _ = common.image_loaders("mnist", real_data_dir(), kind="tensor", **kw)
    d_train, _ = common.image_loaders("mnist", real_data_dir(), kind="dataloader", **kw)
    for i, ((xt, yt), (xd, yd)) in enumerate(zip(t_train, d_train)):
        assert torch.equal(xt, xd) and torch.equal(yt, yd)
        if i == 20:
            break
    assert t_train.num_examples == 60000
