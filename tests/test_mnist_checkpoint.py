from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import common
import mnist_checkpoint as mc
from conftest import write_image_dataset

ROOT = Path(mc.__file__).resolve().parent


@pytest.fixture(scope="module")
def small_mnist(tmp_path_factory):
    return write_image_dataset(tmp_path_factory.mktemp("mnist"), "MNIST", n_train=160,
                               n_test=40, seed=3)


def args_for(data, out, epochs, *extra):
    return ["--data-dir", str(data), "--out-dir", str(out), "--epochs", str(epochs),
            "--batch-size", "16", "--test-batch-size", "20", "--log-interval", "3", *extra]


def without_timing(history):
    return {k: v for k, v in history.items() if k != "epoch_seconds"}


@pytest.fixture(scope="module")
def good_checkpoint(small_mnist, tmp_path_factory):
    out = tmp_path_factory.mktemp("good")
    mc.main(args_for(small_mnist, out, 1))
    return out / "mnist_checkpoint.pt"


@pytest.mark.parametrize("loader", ["tensor", "dataloader"])
def test_resume_equals_uninterrupted_bit_for_bit(small_mnist, tmp_path, loader):
    full = mc.main(args_for(small_mnist, tmp_path / "full", 5, "--loader", loader))
    mc.main(args_for(small_mnist, tmp_path / "split", 2, "--loader", loader))
    ckpt = tmp_path / "split" / "mnist_checkpoint.pt"
    resumed = mc.main(args_for(small_mnist, tmp_path / "split", 5, "--loader", loader,
                               "--resume", str(ckpt)))
    assert without_timing(full["history"]) == without_timing(resumed["history"])
    for (k, a), b in zip(full["model"].state_dict().items(),
                         resumed["model"].state_dict().values()):
        assert torch.equal(a, b), k
    saved_full = torch.load(tmp_path / "full" / "mnist_checkpoint.pt", weights_only=True)
    saved_split = torch.load(ckpt, weights_only=True)
    for a, b in zip(saved_full["optimizer"]["state"].values(),
                    saved_split["optimizer"]["state"].values()):
        assert torch.equal(a["momentum_buffer"], b["momentum_buffer"])
    assert saved_split["epoch"] == 5 and len(saved_split["history"]["test_acc"]) == 6


def test_checkpoint_holds_everything(good_checkpoint):
    state = torch.load(good_checkpoint, weights_only=True)
    assert {"model", "optimizer", "epoch", "history", "rng", "config"} <= set(state)
    assert {"python", "numpy_key", "torch", "batch_order"} <= set(state["rng"])
    assert state["config"]["lr"] == 0.01 and state["config"]["momentum"] == 0.5


def test_killed_write_leaves_previous_checkpoint_intact(good_checkpoint, tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    path.write_bytes(good_checkpoint.read_bytes())
    before = path.read_bytes()

    def dies_midway(obj, f):
        f.write(b"PK\x03\x04 half a zip file")  # some bytes reach the disk, then the crash
        raise KeyboardInterrupt

    monkeypatch.setattr(mc.torch, "save", dies_midway)
    with pytest.raises(KeyboardInterrupt):
        mc.save_checkpoint(path, {"format": mc.FORMAT})
    assert path.read_bytes() == before
    assert not (tmp_path / "ckpt.pt.tmp").exists()
    assert mc.load_checkpoint(path, mc.MnistNet())["epoch"] == 1


def test_ctrl_c_says_where_the_last_good_checkpoint_is(small_mnist, tmp_path, monkeypatch,
                                                       capsys):
    real = mc.train_one_epoch

    def interrupted_in_epoch_2(model, loader, optimizer, epoch, *rest):
        if epoch == 2:
            raise KeyboardInterrupt
        return real(model, loader, optimizer, epoch, *rest)

    monkeypatch.setattr(mc, "train_one_epoch", interrupted_in_epoch_2)
    with pytest.raises(KeyboardInterrupt):
        mc.main(args_for(small_mnist, tmp_path, 3))
    err = capsys.readouterr().err
    ckpt = tmp_path / "mnist_checkpoint.pt"
    assert f"last good checkpoint: {ckpt} (after epoch 1)" in err
    assert mc.load_checkpoint(ckpt, mc.MnistNet())["epoch"] == 1


class NotATensor:
    pass


def make_bad(kind: str, good: Path, tmp_path: Path) -> Path:
    path = tmp_path / f"{kind}.pt"
    if kind == "text":
        path.write_text("this is not a checkpoint\n")
    elif kind == "truncated":
        data = good.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "pickled-object":
        torch.save({"format": mc.FORMAT, "payload": NotATensor()}, path)
    elif kind == "plain-state-dict":
        torch.save(mc.MnistNet().state_dict(), path)
    elif kind == "other-model":
        state = torch.load(good, weights_only=True)
        state["model"] = {**state["model"], "fc1.weight": torch.zeros(64, 320),
                          "extra.weight": torch.zeros(1)}
        del state["model"]["conv1.bias"]
        torch.save(state, path)
    return path


BAD = {"text": "not a readable checkpoint", "truncated": "not a readable checkpoint",
       "pickled-object": "weights_only loading refuses",
       "plain-state-dict": "is not a mnist_checkpoint.py checkpoint",
       "other-model": r"belongs to another model: missing keys \['conv1.bias'\]; unexpected keys "
                      r"\['extra.weight'\]; fc1.weight has shape \[64, 320\], expected \[50, 320\]"}


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_checkpoints_get_one_line_messages(kind, good_checkpoint, tmp_path):
    path = make_bad(kind, good_checkpoint, tmp_path)
    with pytest.raises(common.LabError, match=BAD[kind]) as info:
        mc.load_checkpoint(path, mc.MnistNet())
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_missing_checkpoint(tmp_path):
    with pytest.raises(common.LabError, match="does not exist"):
        mc.load_checkpoint(tmp_path / "nope.pt", mc.MnistNet())


@pytest.mark.parametrize("kind", ["truncated", "pickled-object"])
def test_bad_checkpoint_on_the_command_line_exits_2_without_traceback(kind, good_checkpoint,
                                                                     tmp_path, small_mnist):
    path = make_bad(kind, good_checkpoint, tmp_path)
    proc = subprocess.run([sys.executable, str(ROOT / "mnist_checkpoint.py"), "--resume",
                           str(path), "--epochs", "2", "--data-dir", str(small_mnist),
                           "--out-dir", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "error:" in proc.stderr


def test_resume_refuses_other_settings(good_checkpoint, small_mnist, tmp_path):
    with pytest.raises(common.LabError, match="--lr 0.01 \\(now 0.1\\)"):
        mc.main(args_for(small_mnist, tmp_path, 2, "--lr", "0.1", "--resume",
                         str(good_checkpoint)))
    with pytest.raises(common.LabError, match="already holds 1 epochs"):
        mc.main(args_for(small_mnist, tmp_path, 1, "--resume", str(good_checkpoint)))


def test_smoke_writes_json_and_figures(small_mnist, tmp_path):
    out = mc.main(["--smoke", "--data-dir", str(small_mnist), "--out-dir", str(tmp_path)])
    assert out["metrics"]["epochs_done"] == 1
    for name in ("mnist_checkpoint.json", "mnist_checkpoint_examples.png",
                 "mnist_checkpoint_loss_1ep.png", "mnist_checkpoint.pt"):
        assert (tmp_path / name).exists(), name
