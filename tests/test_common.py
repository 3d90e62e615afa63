from __future__ import annotations

import argparse
import importlib
import json
import random
import subprocess
import sys
import threading
import types
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import common
import datafiles
import machinery
import speed
from conftest import (ROOT, SCRIPTS, real_data_dir, requires_real_data,
                      uncompressed_copy, write_idx)

CPU = torch.device("cpu")


# --------------------------------------------------------------------------- devices, seeding

def test_cpu_device_works():
    assert common.select_device("cpu") == CPU
    assert common.select_device("auto").type in common.available_devices()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_unavailable_device_is_a_clear_error():
    with pytest.raises(machinery.LabError, match=r"'cuda' is not available.*available: cpu"):
        common.select_device("cuda")
    with pytest.raises(machinery.LabError, match="unknown device 'tpu'"):
        common.select_device("tpu")


def test_seeding_reproduces_python_numpy_torch():
    def draw():
        return random.random(), np.random.rand(), torch.rand(3).tolist()

    common.seed_everything(123)
    first = draw()
    common.seed_everything(123)
    assert draw() == first
    common.seed_everything(124)
    assert draw() != first


def test_deterministic_switch_turns_on_and_off():
    common.seed_everything(0, deterministic=True)
    assert torch.are_deterministic_algorithms_enabled()
    common.seed_everything(0)
    assert not torch.are_deterministic_algorithms_enabled()


class _Recorder:
    """Stands in for a device tensor and records the order of the conversions applied to it."""

    def __init__(self, calls):
        self.calls = calls

    def detach(self):
        return self

    def cpu(self):
        self.calls.append("cpu")
        return self

    def double(self):
        if "cpu" not in self.calls:
            raise AssertionError("float64 asked for before leaving the device (MPS has none)")
        self.calls.append("double")
        return self

    def numpy(self):
        return np.zeros(2)


def test_float64_only_ever_exists_on_the_host():
    calls = []
    common.to_host_float64(_Recorder(calls))
    assert calls == ["cpu", "double"]
    t = torch.tensor([1.5, 2.5], dtype=torch.float32)
    assert common.to_host_float64(t).dtype == np.float64
    moved = common.to_device_float32(np.array([1.0, 2.0]), CPU)
    assert moved.dtype == torch.float32 and moved.tolist() == [1.0, 2.0]


class _NoDeterministicKernel(nn.Module):
    """Raises what torch raises for an op without a deterministic kernel (e.g. max-pool's
    backward on CUDA), so the start-up check can be tested on any machine."""

    def forward(self, x):
        raise RuntimeError("max_pool2d_with_indices_backward_cuda does not have a deterministic "
                           "implementation, but you set 'torch.use_deterministic_algorithms(True)'")


def test_deterministic_check_stops_at_start_up_with_one_line():
    x, y = torch.zeros(2, 3), torch.zeros(2, dtype=torch.long)
    # Off (the default): returns at once, without fetching a batch (None would fail to iterate).
    machinery.check_deterministic(_NoDeterministicKernel(), None, nn.functional.cross_entropy)
    common.seed_everything(0, deterministic=True)
    try:
        with pytest.raises(machinery.LabError, match="--deterministic on cpu: max_pool2d") as info:
            machinery.check_deterministic(_NoDeterministicKernel(), [(x, y)],
                                          nn.functional.cross_entropy)
        assert "\n" not in str(info.value)
        model = nn.Linear(3, 4)
        torch.manual_seed(7)
        expected = torch.rand(3)
        torch.manual_seed(7)
        machinery.check_deterministic(model, [(x, y)], nn.functional.cross_entropy)
        assert torch.equal(torch.rand(3), expected)  # the probe left the RNG as it was
        assert model.weight.grad is None              # ... and the model untouched
    finally:
        common.seed_everything(0)


def test_conv_plan_by_batch_size():
    small, large = speed.conv_plan(CPU, 4), speed.conv_plan(CPU, 64)
    assert (small.onednn, small.channels_last, small.threads) == (False, False, 1)
    assert (large.onednn, large.channels_last) == (True, True)
    before = (torch.backends.mkldnn.enabled, torch.get_num_threads())
    with small.kernels():
        assert not torch.backends.mkldnn.enabled and torch.get_num_threads() == 1
    assert (torch.backends.mkldnn.enabled, torch.get_num_threads()) == before
    conv = large.prepare(nn.Conv2d(1, 6, 5))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    mps = speed.conv_plan(torch.device("mps"), 4)
    assert mps.threads is None and not mps.channels_last


# --------------------------------------------------------------------------- command line

def test_flag_types_refuse_non_finite_and_out_of_range():
    for text in ("inf", "nan", "-1", "0"):
        with pytest.raises(argparse.ArgumentTypeError):
            common.positive_float(text)
    assert common.positive_float("0.5") == 0.5
    with pytest.raises(argparse.ArgumentTypeError):
        common.nonnegative_int("-1")
    with pytest.raises(argparse.ArgumentTypeError):
        common.seed_int(str(2 ** 32))
    with pytest.raises(argparse.ArgumentTypeError):
        common.unit_interval("1.0")


def test_run_name_tags_only_settings_that_change_numbers():
    parser = machinery.LabParser("doc", prog="demo.py")
    common.add_common_args(parser, epochs=10, batch_size=4, lr=0.9, image_data=True)
    parser.add_argument("--hidden", type=int, nargs="*", default=[64, 32])
    default = common.parse_args(parser, [])
    assert common.run_name("lab", default, parser) == "lab"
    args = common.parse_args(parser, ["--seed", "3", "--lr", "0.5", "--hidden", "8", "--smoke",
                                      "--device", "cpu", "--loader", "dataloader"])
    assert common.run_name("lab", args, parser) == "lab_lr0.5_seed3_hidden8"
    assert default.out_dir == common.RUNS_DIR and args.out_dir == common.RUNS_DIR / "smoke"


def test_out_dir_that_cannot_exist_is_refused_before_anything_runs(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(machinery.LabError, match="a file is in the way"):
        machinery.prepare_out_dir(blocker)
    with pytest.raises(machinery.LabError, match="a file is in the way"):
        machinery.prepare_out_dir(blocker / "sub")
    assert machinery.prepare_out_dir(tmp_path / "a" / "b").is_dir()


def test_out_dir_without_write_permission_is_one_line(tmp_path, monkeypatch):
    # The tests may run as root, who may write anywhere, so the refusal is simulated at the
    # probe file that prepare_out_dir creates.
    def refuse(**kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(machinery.tempfile, "TemporaryFile", refuse)
    with pytest.raises(machinery.LabError, match="no permission to write there") as info:
        machinery.prepare_out_dir(tmp_path / "locked")
    assert "\n" not in str(info.value)


def test_data_dir_precedence_and_a_file_in_its_place(monkeypatch, tmp_path):
    monkeypatch.delenv(datafiles.DATA_ENV, raising=False)
    assert datafiles.resolve_data_dir(None) == ROOT / "data"
    monkeypatch.setenv(datafiles.DATA_ENV, str(tmp_path / "env"))
    assert datafiles.resolve_data_dir(None) == tmp_path / "env"
    assert datafiles.resolve_data_dir(tmp_path / "flag") == tmp_path / "flag"
    (tmp_path / "afile").write_text("x")
    with pytest.raises(machinery.LabError, match="is a file; it must be a folder"):
        datafiles.resolve_data_dir(tmp_path / "afile")


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_exits_zero(script, capsys):
    with pytest.raises(SystemExit) as info:
        importlib.import_module(script).parse_args(["--help"])
    assert info.value.code == 0 and "--out-dir" in capsys.readouterr().out


TOOLS = sorted(p.name for p in (ROOT / "tools").glob("*.py")
               if 'if __name__ == "__main__":' in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("tool", TOOLS)
def test_each_tool_runs_as_a_file_from_anywhere(tool, tmp_path):
    """`python tools/report.py`, the form a reader tries first (`python -m tools.report`, the
    form the docs show, is run by tests/test_docs.py), from another folder too."""
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / tool), "--help"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0 and "usage:" in proc.stdout, proc.stderr[-1000:]


# --------------------------------------------------------------------------- data

def test_missing_data_message(tmp_path, monkeypatch):
    # Make the download fail fast and offline, as it does on a machine without internet.
    def no_network(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with pytest.raises(machinery.LabError) as info:
        common.load_image_arrays("mnist", tmp_path, train=True)
    message = str(info.value)
    assert str(tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte") in message
    assert "--data-dir" in message and datafiles.DATA_ENV in message and "docs/data.md" in message
    assert "\n" not in message
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # nothing kept, nothing partial


def test_idx_reader_gives_what_torchvision_gives(synthetic_data, tmp_path):
    from torchvision import datasets
    for train in (True, False):
        ds = datasets.FashionMNIST(str(synthetic_data), train=train, download=False)
        images, labels = common.load_image_arrays("fashion-mnist", synthetic_data, train)
        assert torch.equal(images, ds.data) and torch.equal(labels, ds.targets)
        assert images.dtype == torch.uint8 and labels.dtype == torch.int64
        # the 'dataloader' pipeline's dataset serves what torchvision's does, sample by sample
        ours = common.IdxImages(images, labels, np.asarray)
        ds.transform = np.asarray
        for i in (0, len(ds) - 1):
            assert np.array_equal(ours[i][0], ds[i][0]) and ours[i][1] == ds[i][1]
    assert images.shape == (40, 28, 28)
    raw = synthetic_data / "FashionMNIST" / "raw" / "t10k-images-idx3-ubyte"
    (tmp_path / "cut").write_bytes(raw.read_bytes()[:1000])
    with pytest.raises(machinery.LabError, match="is truncated"):
        datafiles.read_idx(tmp_path / "cut")
    (tmp_path / "text").write_text("hello")
    with pytest.raises(machinery.LabError, match="not an IDX file"):
        datafiles.read_idx(tmp_path / "text")


@requires_real_data
def test_idx_reader_on_the_real_files(tmp_path):
    from torchvision import datasets
    ds = datasets.MNIST(str(uncompressed_copy(tmp_path, "MNIST")), train=False, download=False)
    images, labels = common.load_image_arrays("mnist", real_data_dir(), train=False)
    assert torch.equal(images, ds.data) and torch.equal(labels, ds.targets)


@pytest.mark.parametrize("data", [common.ImageData("mnist", 0.1307, 0.3081),
                                  common.ImageData("mnist", 0.5, 0.5, pad=2),
                                  common.ImageData("mnist")])
def test_tensor_and_dataloader_pipelines_give_identical_batches(synthetic_data, data):
    kw = dict(batch_size=10, test_batch_size=16, device=CPU, seed=7)
    tensor_train, tensor_test = common.image_loaders(data, synthetic_data, kind="tensor", **kw)
    dl_train, dl_test = common.image_loaders(data, synthetic_data, kind="dataloader", **kw)
    assert len(tensor_train) == len(dl_train) == 10  # 96 / 10, last batch partial
    assert tensor_train.sizes == dl_train.sizes == [10] * 9 + [6]
    side = 28 + 2 * data.pad
    for epoch in range(2):  # the second epoch must also agree (generator state carries on)
        for (xt, yt), (xd, yd) in zip(tensor_train, dl_train, strict=True):
            assert xt.shape == xd.shape == (xt.shape[0], 1, side, side)
            assert torch.equal(xt, xd) and torch.equal(yt, yd)
    for (xt, yt), (xd, yd) in zip(tensor_test, dl_test, strict=True):
        assert torch.equal(xt, xd) and torch.equal(yt, yd)


def test_pipelines_leave_the_global_rng_alone(synthetic_data):
    kw = dict(batch_size=8, test_batch_size=8, device=CPU, seed=0)
    for kind in ("tensor", "dataloader"):
        train, test = common.image_loaders(common.ImageData("mnist", 0.5, 0.5), synthetic_data,
                                           kind=kind, **kw)
        torch.manual_seed(5)
        for _ in train:
            pass
        for _ in test:
            pass
        after_loading = torch.rand(4)
        torch.manual_seed(5)
        assert torch.equal(after_loading, torch.rand(4)), kind


def test_max_batches_caps_both_pipelines(synthetic_data):
    for kind in ("tensor", "dataloader"):
        train, test = common.image_loaders(common.ImageData("mnist"), synthetic_data, kind=kind,
                                           batch_size=4, test_batch_size=4, device=CPU, seed=0,
                                           max_batches=3)
        assert len(list(train)) == 3 and len(list(test)) == 3 and train.sizes == [4, 4, 4]


@requires_real_data
def test_real_mnist_pipelines_agree_on_first_batches():
    kw = dict(batch_size=64, test_batch_size=1000, device=CPU, seed=1)
    data = common.ImageData("mnist", 0.1307, 0.3081, pad=2)
    t_train, _ = common.image_loaders(data, real_data_dir(), kind="tensor", **kw)
    d_train, _ = common.image_loaders(data, real_data_dir(), kind="dataloader", **kw)
    for i, ((xt, yt), (xd, yd)) in enumerate(zip(t_train, d_train)):
        assert torch.equal(xt, xd) and torch.equal(yt, yd)
        if i == 20:
            break
    assert t_train.num_examples == 60000


# --------------------------------------------------------------------------- files

def test_results_json_and_plot(tmp_path):
    png = common.plot_panels(tmp_path / "demo.png", [
        {"title": "t", "series": {"a": ([1, 2], [3, 4]), "b": ([1, 2], [4, 3], "o")}}])
    args = argparse.Namespace(seed=3, out_dir=tmp_path)
    path = common.save_results(args, "demo", metrics={"acc": np.float32(0.5), "t": torch.tensor([1, 2])},
                               history={"loss": [1.0, 0.5]}, device=CPU, wall_time=1.23456,
                               figures=[png])
    rec = json.loads(path.read_text())
    assert rec["metrics"] == {"acc": 0.5, "t": [1, 2]} and rec["history"]["loss"] == [1.0, 0.5]
    assert rec["environment"]["torch"] == torch.__version__
    assert rec["environment"]["seed"] == 3 and rec["environment"]["wall_time_s"] == 1.235
    assert rec["figures"] == ["demo.png"]
    assert (tmp_path / "demo.png").read_bytes() == png.png == png._repr_png_()
    assert png.png[:8] == b"\x89PNG\r\n\x1a\n" and png.figure.axes[0].get_title() == "t"
    # drawn without pyplot: no figure is left open in pyplot, whatever its backend
    import matplotlib.pyplot as plt
    assert plt.get_fignums() == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_atomic_write_keeps_the_old_file_when_the_writer_dies(tmp_path):
    path = tmp_path / "result.json"
    path.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with machinery.atomic_write(path) as f:
            f.write("half of the new")
            raise KeyboardInterrupt
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]  # no temporary left behind


def test_two_writers_at_once_never_mix_their_files(tmp_path):
    path = tmp_path / "shared.json"
    texts = [json.dumps({"writer": i, "data": [i] * 20000}) for i in range(4)]
    errors = []

    def write(text):
        try:
            for _ in range(10):
                with machinery.atomic_write(path) as f:
                    for start in range(0, len(text), 4096):  # many small writes interleave
                        f.write(text[start:start + 4096])
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=write, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert path.read_text() in texts  # one writer's whole file, never a mix
    assert list(tmp_path.iterdir()) == [path]


def test_durable_write_flushes_the_folder(tmp_path, monkeypatch):
    synced = []
    monkeypatch.setattr(machinery, "fsync_dir", lambda folder: synced.append(Path(folder)))
    with machinery.atomic_write(tmp_path / "ckpt.pt", "wb", durable=True) as f:
        f.write(b"x")
    assert synced == [tmp_path]


def test_rename_waits_for_a_file_windows_holds_open(tmp_path, monkeypatch):
    """On Windows a rename over a file that another program has open is refused until it is
    closed; atomic_write retries for a while (and elsewhere never needs to)."""
    real, refusals = machinery.os.replace, []

    def busy_twice(src, dst):
        if len(refusals) < 2:
            refusals.append(dst)
            raise PermissionError(13, "The process cannot access the file")
        real(src, dst)

    monkeypatch.setattr(machinery, "ON_WINDOWS", True)
    monkeypatch.setattr(machinery.os, "replace", busy_twice)
    monkeypatch.setattr(machinery.time, "sleep", lambda seconds: None)
    with machinery.atomic_write(tmp_path / "r.json") as f:
        f.write("{}")
    assert len(refusals) == 2 and (tmp_path / "r.json").read_text() == "{}"


def test_live_curves_cost_about_one_percent_of_the_time(monkeypatch):
    """LivePlot draws a frame only when it costs at most 1% of the time since the last one (or
    since it started): with frames that take 20 ms to render and an update every 5 ms for 5 s
    (on a clock the test moves), the redraws take about 1% of the time."""
    clock = types.SimpleNamespace(now=0.0)
    monkeypatch.setattr(machinery, "time", types.SimpleNamespace(perf_counter=lambda: clock.now))
    shown = []
    monkeypatch.setattr(machinery, "in_notebook", lambda: True)
    monkeypatch.setattr(machinery, "show_png", lambda png, handle=None: shown.append(png) or "h")

    class SlowFigure:
        def savefig(self, buffer, **kwargs):
            clock.now += 0.02
            buffer.write(b"png")

    live = machinery.LivePlot(lambda history: SlowFigure())
    live.cost = 0.02  # its estimate of a frame came from a real figure; these take 20 ms
    start = live.last = clock.now
    while clock.now - start < 5.0:
        live.update({})
        clock.now += 0.005
    elapsed = clock.now - start
    assert shown[0] == b"png" and live.frames == len(shown) >= 2
    assert 0.005 < live.spent / elapsed < 0.015, (live.spent, elapsed, live.frames)
    monkeypatch.setattr(machinery, "in_notebook", lambda: False)
    assert not machinery.LivePlot(lambda history: SlowFigure()).active  # a terminal draws nothing


def test_the_watch_reads_the_device_only_when_a_check_is_due(monkeypatch):
    """Between checks common.Watch only counts; a due check looks at all the new losses at
    once, and the first bad one ends the loop after that step: the lists are cut to the steps
    before it, and the Stop's one line names the run, the epoch, the step and a smaller --lr.
    The end of an epoch always checks; the test loss has its own check."""
    stacked, real_stack = [], torch.stack
    monkeypatch.setattr(torch, "stack", lambda t: stacked.append(len(t)) or real_stack(t))
    watch = common.Watch(2, 0.1, what="softmax regression (nn)")
    watch.guard.every = 4
    values = [0.5, 0.4, 0.3, 0.2, float("nan"), float("inf"), 1.0, 1.0, 1.0, 1.0]
    losses, sizes, seen = [], [], 0
    with pytest.raises(machinery.Halt) as halt:
        for value in values:  # a loop as a lab's train_epoch writes it
            seen += 1
            losses.append(torch.tensor(value))
            sizes.append(4)
            watch(losses, sizes)
            if seen == 3:
                assert stacked == []                 # 3 new losses < every: nothing read
    stop = halt.value.args[0]
    assert seen == 8 and stacked == [4, 4]           # two looks; the loop ended after step 8
    assert len(losses) == len(sizes) == 4            # every list cut to the steps before it
    assert str(stop.error()) == ("softmax regression (nn) diverged: the loss became nan "
                                 "at epoch 2, step 5; try a smaller --lr (now 0.1; try 0.01)")
    assert stop.record() == {"diverged": {"epoch": 2, "step": 5, "loss": "nan"}}
    assert stop.error().code == 3

    fine, kept = common.Watch(1, 0.5), []
    for value in [0.5, 0.4, 0.3]:
        kept.append(torch.tensor(value))
        fine(kept)
    assert stacked == [4, 4]
    fine.end()                                            # the end of an epoch: always read
    assert stacked == [4, 4, 3]
    fine.end()
    assert stacked == [4, 4, 3]                           # nothing new: nothing read again
    fine.check_test(0.7)
    with pytest.raises(machinery.Halt) as halt:
        fine.check_test(float("inf"))
    assert str(halt.value.args[0].error()).startswith(
        "training diverged: the loss became inf at epoch 1 (test loss)")


def test_lab2_logistic_divergence_names_its_run_and_saves_the_runs_so_far(tmp_path):
    import lab2_logistic
    with pytest.raises(machinery.Diverged) as info:
        lab2_logistic.main(["--part", "logistic", "--lr", "1e300", "--epochs", "2",
                            "--samples", "2000", "--out-dir", str(tmp_path)])
    assert "logistic regression (defect) diverged: the loss became nan at epoch 2, step 1" \
        in str(info.value)
    saved = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert saved["metrics"]["diverged"] == {"epoch": 2, "step": 1, "loss": "nan",
                                            "run": "defect"}
    assert len(saved["history"]["nn"]["epoch"]) == 2 and saved["history"]["defect"]["epoch"] == [1]
    assert next(tmp_path.glob("*.png")).stat().st_size > 0


def labelled_by_index(root, n=60):
    """A dataset whose every image carries its own index in its first two pixels, so a test can
    tell which examples a batch holds."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for train in (True, False):
        images = np.zeros((n, 28, 28), dtype=np.uint8)
        images[:, 0, 0], images[:, 0, 1] = np.arange(n) % 256, np.arange(n) // 256
        write_idx(raw / datafiles.IDX_FILES[train][0], images)
        write_idx(raw / datafiles.IDX_FILES[train][1], np.arange(n) % 10)
    return root


@pytest.mark.parametrize("kind, workers", [("tensor", 0), ("dataloader", 0), ("dataloader", 2)])
def test_each_epoch_shuffles_and_sees_every_example_once(tmp_path, kind, workers):
    """Not only do the pipelines agree with each other: each epoch is a new order, and every
    training example comes exactly once (the test split keeps its order)."""
    data = labelled_by_index(tmp_path)
    train, test = common.image_loaders(common.ImageData("mnist"), data, kind=kind, batch_size=8,
                                       test_batch_size=16, device=CPU, seed=3, workers=workers)

    def order(loader):
        return [int(round(float(x[i, 0, 0, 0] * 255 + x[i, 0, 0, 1] * 255 * 256)))
                for x, _ in loader for i in range(len(x))]
    epochs = [order(train) for _ in range(3)]
    for seen in epochs:
        assert sorted(seen) == list(range(60))  # each example once
    assert epochs[0] != list(range(60)) and len({tuple(e) for e in epochs}) == 3
    assert order(test) == list(range(60)) == order(test)


def test_a_valid_gz_is_read_as_its_contents(synthetic_data, tmp_path):
    """The files as the sites serve them (.gz), without the real data: the same arrays as the
    uncompressed files."""
    import gzip
    import shutil
    shutil.copytree(synthetic_data / "MNIST", tmp_path / "MNIST")
    for path in (tmp_path / "MNIST" / "raw").iterdir():
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()
    for train in (True, False):
        packed = common.load_image_arrays("mnist", tmp_path, train)
        plain = common.load_image_arrays("mnist", synthetic_data, train)
        assert torch.equal(packed[0], plain[0]) and torch.equal(packed[1], plain[1])


def test_throughput_counts_examples_over_the_timed_spans_only(monkeypatch):
    clock = iter([10.0, 12.0, 50.0, 51.0])  # two spans: 2 s and 1 s; 38 s between untimed
    monkeypatch.setattr(common.time, "perf_counter", lambda: next(clock))
    timer = common.Throughput(CPU)
    timer.start()
    assert timer.stop(500) == 250.0
    timer.start()
    assert timer.stop(400) == 400.0
    assert timer.examples == 900 and timer.seconds == 3.0 and timer.rate == 300.0


def test_the_defaults_are_the_write_ups_settings():
    """The settings LABS.md gives, as each lab's defaults (what --help shows and a plain run
    uses): an independent copy of them, not read from the labs."""
    import lab3_lenet
    import lab4_wine_mlp
    import mnist_checkpoint
    d2l = lab3_lenet.parse_args([])[0]
    assert (d2l.model, d2l.epochs, d2l.batch_size, d2l.lr) == ("d2l", 10, 4, 0.9)
    blitz = lab3_lenet.parse_args(["--model", "blitz"])[0]
    assert (blitz.epochs, blitz.batch_size, blitz.lr) == (5, 64, 0.01)
    assert lab3_lenet.SETTINGS["blitz"]["momentum"] == 0.9
    assert lab3_lenet.SETTINGS["d2l"]["momentum"] == 0.0
    mnist = mnist_checkpoint.parse_args([])[0]
    assert (mnist.epochs, mnist.batch_size, mnist.test_batch_size, mnist.lr, mnist.momentum,
            mnist.seed, mnist.log_interval) == (3, 64, 1000, 0.01, 0.5, 1, 10)
    assert (mnist_checkpoint.DATA.mean, mnist_checkpoint.DATA.std) == (0.1307, 0.3081)
    import lab2_logistic
    assert (lab2_logistic.LOGISTIC_BATCH, lab2_logistic.SOFTMAX_BATCH,
            lab2_logistic.LOGISTIC_LR) == (1024, 4096, 0.05)
    runs = {r.name: (r.lr, r.data.mean, r.data.std) for r in lab2_logistic.SOFTMAX_RUNS}
    assert runs["nn"] == (0.05, 0.5, 0.5) and runs["writeup"] == (0.5, 0.5, 1.0)
    lab2 = lab2_logistic.parse_args([])[0]
    assert (lab2.epochs, lab2.samples) == (10, 1_000_000)
    wine = lab4_wine_mlp.parse_args([])[0]
    assert wine.test_fraction == 0.2  # the course's 8:2 split
