from __future__ import annotations

import builtins
import io
import json
import math
import os
import pickle
import random
from pathlib import Path

import numpy as np
import pytest
import torch

import common
import lift
import machinery
import mnist_checkpoint as mc
from conftest import interrupt_in_epoch, write_image_dataset


@pytest.fixture(scope="module")
def small_mnist(tmp_path_factory):
    return write_image_dataset(tmp_path_factory.mktemp("mnist"), "MNIST", n_train=160,
                               n_test=40, seed=3)


def args_for(data, out, epochs, *extra):
    return ["--data-dir", str(data), "--out-dir", str(out), "--epochs", str(epochs),
            "--batch-size", "16", "--test-batch-size", "20", "--log-interval", "3", *extra]


def without_timing(history):
    return {k: v for k, v in history.items() if k != "epoch_seconds"}


def checkpoint_name(extra: str = "") -> str:
    """The checkpoint's name under args_for's settings (tagged with what differs from the
    tutorial's defaults)."""
    return f"mnist_checkpoint_batchsize16_testbatchsize20_loginterval3{extra}.pt"


@pytest.fixture(scope="module")
def good_checkpoint(small_mnist, tmp_path_factory):
    out = tmp_path_factory.mktemp("good")
    mc.main(args_for(small_mnist, out, 1))
    return out / checkpoint_name()


@pytest.mark.parametrize("loader", ["tensor", "dataloader"])
def test_resume_equals_uninterrupted_bit_for_bit(small_mnist, tmp_path, loader):
    full = mc.main(args_for(small_mnist, tmp_path / "full", 3, "--loader", loader))
    mc.main(args_for(small_mnist, tmp_path / "split", 1, "--loader", loader))
    ckpt = tmp_path / "split" / checkpoint_name()
    resumed = mc.main(args_for(small_mnist, tmp_path / "split", 3, "--loader", loader,
                               "--resume", str(ckpt)))
    assert without_timing(full["history"]) == without_timing(resumed["history"])
    saved_full = torch.load(tmp_path / "full" / checkpoint_name(), weights_only=True)
    saved_split = torch.load(ckpt, weights_only=True)
    for key, weight in saved_full["model"].items():
        assert torch.equal(weight, saved_split["model"][key]), key
    for a, b in zip(saved_full["optimizer"]["state"].values(),
                    saved_split["optimizer"]["state"].values()):
        assert torch.equal(a["momentum_buffer"], b["momentum_buffer"])
    assert saved_split["epoch"] == 3 and len(saved_split["history"]["test_acc"]) == 4
    # The resumed run's JSON lists the figures of both runs.
    figures = json.loads((tmp_path / "split" / checkpoint_name().replace(".pt", ".json"))
                         .read_text())["figures"]
    stem = checkpoint_name()[:-3]
    assert f"{stem}_loss_1ep.png" in figures and f"{stem}_loss_3ep.png" in figures


def test_checkpoint_holds_everything(good_checkpoint):
    state = torch.load(good_checkpoint, weights_only=True)
    assert {"model", "optimizer", "epoch", "history", "rng", "config", "device_type"} <= set(state)
    assert {"python", "numpy_key", "torch", "batch_order"} <= set(state["rng"])
    assert state["config"]["lr"] == 0.01 and state["config"]["momentum"] == 0.5
    assert state["device_type"] == "cpu"


class DiesMidWrite:
    """A file whose write puts half the bytes on disk, then the process is killed (Ctrl-C)."""

    def __init__(self, f):
        self.f = f

    def write(self, data):
        self.f.write(bytes(data)[:len(data) // 2])
        self.f.flush()
        os.fsync(self.f.fileno())
        raise KeyboardInterrupt

    def __getattr__(self, name):
        return getattr(self.f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self.f.__exit__(*exc)


def test_killed_write_leaves_previous_checkpoint_intact(good_checkpoint, tmp_path, monkeypatch):
    """The process dies with half of the new checkpoint on disk: every way a file can be
    opened for writing dies so, so a checkpoint written in place would be cut in half."""
    path = tmp_path / "ckpt.pt"
    path.write_bytes(good_checkpoint.read_bytes())
    before = path.read_bytes()
    real_fdopen, real_open = os.fdopen, builtins.open
    monkeypatch.setattr(machinery.os, "fdopen",
                        lambda fd, *a, **k: DiesMidWrite(real_fdopen(fd, *a, **k)))
    monkeypatch.setattr(mc, "open", lambda file, mode="r", *a, **k: DiesMidWrite(
        real_open(file, mode, *a, **k)) if "w" in mode else real_open(file, mode, *a, **k),
        raising=False)
    state = torch.load(good_checkpoint, weights_only=True)
    with pytest.raises(KeyboardInterrupt):
        mc.save_checkpoint(path, {**state, "epoch": 2})
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]  # no partial temporary left
    assert mc.checked_checkpoint(path, mc.MnistNet())["epoch"] == 1


def test_checkpoint_is_flushed_renamed_then_its_folder_flushed(tmp_path, monkeypatch):
    """The order that survives a power cut: the new file's bytes reach the disk, the file is
    renamed over the old one, and the folder's entry is flushed after the rename."""
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
                       if os.path.exists(f"/proc/self/fd/{fd}") else fd))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", Path(dst).name))
        real_replace(src, dst)
    monkeypatch.setattr(machinery.os, "fsync", fsync)
    monkeypatch.setattr(machinery.os, "replace", replace)
    monkeypatch.setattr(machinery, "fsync_dir", lambda folder: events.append(("dir", folder)))
    mc.write_checkpoint(tmp_path / "c.pt", {"format": mc.FORMAT})
    kinds = [e[0] for e in events]
    assert kinds == ["fsync", "replace", "dir"], events
    assert events[1] == ("replace", "c.pt") and events[2] == ("dir", tmp_path)
    if isinstance(events[0][1], str):  # on Linux: the file flushed was the temporary
        assert events[0][1].startswith(".c.pt.") and events[0][1].endswith(".tmp")


def test_ctrl_c_says_where_the_last_good_checkpoint_is(small_mnist, tmp_path, monkeypatch,
                                                       capsys):
    interrupt_in_epoch(monkeypatch, mc, 2)
    with pytest.raises(KeyboardInterrupt) as info:
        mc.main(args_for(small_mnist, tmp_path, 3))
    ckpt = tmp_path / checkpoint_name()
    # machinery.cli prints this detail after "interrupted (Ctrl-C): " as its one line
    results = ckpt.with_suffix(".json")
    assert info.value.detail == (f"in epoch 2, nothing half-written; last good checkpoint: "
                                 f"{ckpt} (after epoch 1); the run up to there is saved in "
                                 f"{results}")
    assert mc.checked_checkpoint(ckpt, mc.MnistNet())["epoch"] == 1
    saved = json.loads(results.read_text())  # the whole epochs, as every lab saves them
    assert saved["metrics"]["interrupted"] == {"epoch": 2}
    assert saved["metrics"]["epochs_done"] == 1 and len(saved["history"]["test_acc"]) == 2


class NotATensor:
    pass


def make_bad(kind: str, good, tmp_path):
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
    with pytest.raises(machinery.LabError, match=BAD[kind]) as info:
        mc.checked_checkpoint(path, mc.MnistNet())
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_missing_checkpoint(tmp_path):
    with pytest.raises(machinery.LabError, match="does not exist"):
        mc.checked_checkpoint(tmp_path / "nope.pt", mc.MnistNet())


@pytest.mark.parametrize("change, message", [
    (["--lr", "0.1"], r"--lr 0.01 \(now 0.1\)"),
    (["--seed", "2"], r"--seed 1 \(now 2\)"),
    (["--smoke"], r"--smoke False \(now True\)"),
    (["--deterministic"], r"--deterministic False \(now True\)"),
])
def test_resume_refuses_other_settings(good_checkpoint, small_mnist, tmp_path, change, message):
    with pytest.raises(machinery.LabError, match=message):
        mc.main(args_for(small_mnist, tmp_path, 2, *change, "--resume", str(good_checkpoint)))
    common.seed_everything(0)  # --deterministic was switched on before the refusal


def test_resume_refuses_fewer_epochs(good_checkpoint, small_mnist, tmp_path):
    with pytest.raises(machinery.LabError, match="already holds 1 epochs"):
        mc.main(args_for(small_mnist, tmp_path, 1, "--resume", str(good_checkpoint)))


def test_device_rng_states_restore_what_this_machine_has():
    cuda = [torch.zeros(4, dtype=torch.uint8), torch.ones(4, dtype=torch.uint8)]
    mps = torch.zeros(4, dtype=torch.uint8)
    restore, notes = mc.device_rng_plan({"cuda": cuda, "mps": mps}, cuda_devices=1,
                                        has_mps=False)
    assert len(restore["cuda"]) == 1 and "mps" not in restore
    assert any("2 CUDA device(s), this machine has 1" in n for n in notes)
    assert any("no MPS" in n for n in notes)
    restore, notes = mc.device_rng_plan({"mps": mps}, cuda_devices=0, has_mps=True)
    assert torch.equal(restore["mps"], mps) and notes == []
    assert mc.device_rng_plan({}, cuda_devices=0, has_mps=False) == ({}, [])


def test_a_cuda_checkpoint_resumes_on_the_cpu(good_checkpoint, small_mnist, tmp_path, capsys):
    """A checkpoint written on a GPU machine (device type and CUDA RNG states recorded) loads
    onto the CPU and training continues, with a note that it is no longer bit-exact."""
    state = torch.load(good_checkpoint, weights_only=True)
    state["device_type"] = "cuda"
    state["rng"]["cuda"] = [torch.zeros(16, dtype=torch.uint8)]
    path = tmp_path / "from_gpu.pt"
    torch.save(state, path)
    out = mc.main(args_for(small_mnist, tmp_path, 2, "--resume", str(path)))
    printed = capsys.readouterr().out
    assert out["metrics"]["epochs_done"] == 2
    assert "written on cuda and resumes on cpu" in printed


def test_smoke_writes_json_and_figures(small_mnist, tmp_path):
    out = mc.main(["--smoke", "--data-dir", str(small_mnist), "--out-dir", str(tmp_path)])
    assert out["metrics"]["epochs_done"] == 1 and len(out["metrics"]["example_labels"]) == 6
    for name in ("mnist_checkpoint.json", "mnist_checkpoint_examples.png",
                 "mnist_checkpoint_predictions_1ep.png", "mnist_checkpoint_loss_1ep.png",
                 "mnist_checkpoint.pt"):
        assert (tmp_path / name).exists(), name


LESSON = ["MnistNet", "train_step", "train_epoch", "evaluate", "rng_states", "checkpoint_state",
          "save_checkpoint", "load_checkpoint", "restore_checkpoint", "restore_rng_states",
          "device_rng_plan"]


def pasted_lesson() -> dict:
    """The tutorial's network, step, epoch loop and evaluation and the checkpoint lesson,
    pasted into a namespace holding only torch, nn, F, numpy and the standard library modules
    the checkpoint functions use (io, os, pickle, random), as a notebook after those imports."""
    return lift.lifted("mnist_checkpoint.py", LESSON, modules=(io, os, pickle, random))


def test_the_lesson_lifts_out_into_a_plain_notebook():
    lesson = pasted_lesson()
    torch.manual_seed(0)
    x, y = torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))
    model = lesson["MnistNet"]()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
    before = lift.weights(model)
    loss = lesson["train_epoch"](model, lift.plain_loader(x, y, 16), optimizer)
    assert lift.changed(before, model) and math.isfinite(loss)
    test_loss, test_acc = lesson["evaluate"](model, lift.plain_loader(x, y, 32, shuffle=False))
    assert math.isfinite(test_loss) and 0 <= test_acc <= 1 and not model.training


@pytest.mark.parametrize("own_generator", [True, False])
def test_the_pasted_checkpoint_lesson_resumes_a_plain_dataloader_exactly(tmp_path,
                                                                         own_generator):
    """Save after epoch 1, train epoch 2; then a fresh model and optimizer restored from the
    file train epoch 2 again: the same weights, bit for bit. The batch order comes from the
    DataLoader's own generator (passed to the checkpoint functions) or, with none, from torch's
    global one (DataLoader(shuffle=True) alone), which the checkpoint holds either way."""
    lesson = pasted_lesson()
    torch.manual_seed(1)
    x, y = torch.rand(48, 1, 28, 28), torch.randint(0, 10, (48,))
    order = torch.Generator().manual_seed(2) if own_generator else None
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16,
                                         shuffle=True, generator=order)

    def fresh():
        model = lesson["MnistNet"]()
        return model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)

    model, optimizer = fresh()
    lesson["train_epoch"](model, loader, optimizer)
    path = tmp_path / "ckpt.pt"
    state = lesson["checkpoint_state"](model, optimizer, 1, {"loss": [0.5]}, {"lr": 0.01}, order)
    lesson["save_checkpoint"](path, state)
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]  # no temporary left
    lesson["train_epoch"](model, loader, optimizer)
    uninterrupted = lift.weights(model)

    torch.manual_seed(99)  # the generators move on before the resume
    if order is not None:
        order.manual_seed(99)
    model, optimizer = fresh()
    loaded = lesson["load_checkpoint"](path)
    assert loaded["epoch"] == 1 and loaded["history"] == {"loss": [0.5]}
    assert lesson["restore_checkpoint"](loaded, model, optimizer, order) == []
    lesson["train_epoch"](model, loader, optimizer)
    assert all(torch.equal(a, b) for a, b in zip(uninterrupted, lift.weights(model)))


def test_a_state_that_would_not_load_is_not_saved_over_the_last_good_one(tmp_path):
    """A numpy number in the history pickles, but load_checkpoint (weights_only=True) would
    refuse it, at the resume that needs it. save_checkpoint reads the state back first: the
    mistake is named when it is made, and the previous checkpoint stays."""
    lesson = pasted_lesson()
    path = tmp_path / "ckpt.pt"
    lesson["save_checkpoint"](path, {"epoch": 1, "history": {"loss": [0.5]}})
    with pytest.raises(ValueError, match=r"ckpt.pt: not saved, it would not load with "
                                         r"weights_only=True \(Unsupported .*numpy.*\); keep "
                                         r"only tensors, numbers, strings, lists and dicts in it "
                                         r"\(float\(x\) for a numpy number\)$"):
        lesson["save_checkpoint"](path, {"epoch": 2, "history": {"loss": [np.float64(0.4)]}})
    assert lesson["load_checkpoint"](path)["epoch"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]
