"""Data however students got it, training that diverges, disks that fill, runs that are
stopped: a table of such cases, each run in-process, and for each way a command ends, one case
through the real command line. Each must end with one line (on stderr, no traceback) and the
exit code of its kind, and lose nothing: a file that was good before is still good, and no
temporary file is left behind."""
from __future__ import annotations

import gzip
import importlib
import json
import os
import signal
import struct
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch

import common
import datafiles
import machinery
from conftest import (ROOT, CommandCase, real_data_dir, real_file, requires_real_data,
                      run_script, write_idx, write_image_dataset, write_uci_like)
from fail_writes import failing_writes

BAD_DATA, DIVERGED, NOT_WRITTEN = 2, 3, 4
POSIX = pytest.mark.skipif(os.name == "nt", reason="sends POSIX signals and needs fork")
LINUX_FDS = Path("/proc/self/fd").is_dir()
LINUX = pytest.mark.skipif(not LINUX_FDS,
                           reason="injects failures through /proc/self/fd (Linux only)")


def Case(name, script, args, code, message, inject=()):  # noqa: N802 -- reads as a table row
    return CommandCase(name, script, args, message, code, inject=inject)


def image_dir(root: Path, name: str, folder: str = "MNIST", **change) -> Path:
    """A synthetic dataset with one thing wrong (``change``), in the official layout."""
    data = root / name
    write_image_dataset(data, folder)
    raw = data / folder / "raw"
    if "labels" in change:
        write_idx(raw / "train-labels-idx1-ubyte", change["labels"])
    if "images" in change:
        write_idx(raw / "train-images-idx3-ubyte", change["images"])
    if "raw_bytes" in change:
        (raw / "train-images-idx3-ubyte").write_bytes(change["raw_bytes"])
    if "gz" in change:  # the file as downloaded, compressed, but cut short or not gzip at all
        path = raw / "train-images-idx3-ubyte"
        packed = gzip.compress(path.read_bytes())
        path.unlink()
        (raw / "train-images-idx3-ubyte.gz").write_bytes(
            packed[:len(packed) // 2] if change["gz"] == "cut" else b"<html>Not Found</html>")
    return data


def cases(tmp: Path) -> list[Case]:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 96).astype(np.uint8)
    out = ("--out-dir", str(tmp / "out"))

    def d(path):
        return ("--data-dir", str(path))

    off_labels = image_dir(tmp, "label10", labels=np.where(np.arange(96) == 7, 10, labels))
    short_labels = image_dir(tmp, "short", "FashionMNIST", labels=labels[:90])
    long_labels = image_dir(tmp, "long", labels=np.concatenate([labels, labels[:5]]))
    big_images = image_dir(tmp, "32x32", images=rng.integers(0, 255, (96, 32, 32)))
    flat_images = image_dir(tmp, "flat", images=rng.integers(0, 255, (96, 784)))
    floats = image_dir(tmp, "floats", raw_bytes=bytes([0, 0, 0x0D, 1]) + struct.pack(">I", 4)
                       + b"\0" * 16)
    cut_gz = image_dir(tmp, "cutgz", gz="cut")
    html_gz = image_dir(tmp, "htmlgz", "FashionMNIST", gz="html")
    synthetic = image_dir(tmp, "good")
    write_image_dataset(synthetic, "FashionMNIST")
    write_uci_like(synthetic / "wine" / "winequality-red.csv")
    # A wine file of exactly the official size with other contents: a damaged download.
    damaged = tmp / "damagedwine"
    good_csv = write_uci_like(damaged / "wine" / "winequality-red.csv", n=400)
    text = good_csv.read_text()
    size = datafiles.OFFICIAL["wine/winequality-red.csv"][1]
    good_csv.write_text(text + "\n" * (size - len(text)))  # blank lines: still a valid table
    return [
        # data that is not what the labs need: one line naming the file, exit 2
        Case("label outside the classes", "mnist_checkpoint.py", (*d(off_labels), "--smoke",
             *out), BAD_DATA, "label 10 (example 7) is not one of the 10 classes 0-9"),
        Case("label outside the classes, DataLoader", "lab3_lenet.py",
             (*d(off_labels), "--smoke", "--model", "blitz", "--loader", "dataloader", *out),
             BAD_DATA, "train-labels-idx1-ubyte: label 10 (example 7)"),
        Case("fewer labels than images", "lab2_logistic.py", ("--part", "softmax", "--smoke",
             *d(short_labels), *out), BAD_DATA, "holds 96 images but"),
        Case("more labels than images", "lab3_lenet.py", ("--smoke", *d(image_dir(
             tmp, "longf", "FashionMNIST", labels=np.concatenate([labels, labels[:5]]))),
             *out), BAD_DATA, "holds 101 labels: they must pair up one to one"),
        Case("more labels than images, DataLoader", "mnist_checkpoint.py",
             ("--smoke", "--loader", "dataloader", *d(long_labels), *out), BAD_DATA,
             "holds 101 labels"),
        Case("images that are 32x32", "lab3_lenet.py", ("--model", "blitz", "--smoke",
             *d(big_images), *out), BAD_DATA, "the images are 32x32; the labs' models expect "
             "28x28"),
        Case("images that are flat vectors", "mnist_checkpoint.py", ("--smoke",
             *d(flat_images), *out), BAD_DATA, "an array of shape (96, 784)"),
        Case("an IDX file of floats", "mnist_checkpoint.py", ("--smoke", *d(floats), *out),
             BAD_DATA, "is an IDX file of type 0x0d"),
        Case("a .gz download cut short", "mnist_checkpoint.py", ("--smoke", *d(cut_gz), *out),
             BAD_DATA, "train-images-idx3-ubyte.gz is not a whole gzip file"),
        Case("a .gz that is an error page", "lab2_logistic.py", ("--part", "softmax",
             "--smoke", *d(html_gz), *out), BAD_DATA, "is not a whole gzip file"),
        Case("a wine file of the official size, damaged", "lab4_wine_mlp.py",
             ("--smoke", *d(damaged), *out), BAD_DATA, "has the size of the official "
             "wine/winequality-red.csv but other contents"),
        # training that diverges: the run so far is saved, exit 3
        Case("lab4 at lr 5", "lab4_wine_mlp.py", ("--lr", "5", *d(synthetic), *out), DIVERGED,
             "training diverged: the loss became inf at epoch 1, step 4; try a smaller --lr "
             "(now 5; try 0.5)"),
        Case("mnist at lr 50", "mnist_checkpoint.py", ("--lr", "50", "--epochs", "5",
             *d(synthetic), *out), DIVERGED, "diverged: the loss became nan at epoch "),
        Case("lab3 blitz at lr 1e10", "lab3_lenet.py", ("--model", "blitz", "--smoke", "--lr",
             "1e10", *d(synthetic), *out), DIVERGED, "at epoch 1, step 2"),
        Case("lab2 softmax at lr 1e38", "lab2_logistic.py", ("--part", "softmax", "--smoke",
             "--lr", "1e38", *d(synthetic), *out), DIVERGED, "softmax regression (nn) "
             "diverged"),
        # writes that fail: one line naming the file and the cause, exit 4, nothing lost
        Case("disk fills up before the 2nd checkpoint", "mnist_checkpoint.py",
             ("--epochs", "3", *d(synthetic), "--out-dir", str(tmp / "full")), NOT_WRITTEN,
             "mnist_checkpoint.pt: the disk is full (No space left on device); nothing "
             "half-written was left", inject=("ENOSPC", 300_000, "*.pt")),
        Case("disk full when lab4 saves", "lab4_wine_mlp.py", ("--epochs", "3",
             *d(synthetic), "--out-dir", str(tmp / "full4")), NOT_WRITTEN,
             "lab4_wine_mlp_epochs3_loss.png: the disk is full", inject=("ENOSPC", 0, "*")),
        Case("quota used up", "lab3_lenet.py", ("--smoke", *d(synthetic), *out), NOT_WRITTEN,
             "the disk quota is used up", inject=("EDQUOT", 0, "*.png")),
        Case("read-only disk", "lab2_logistic.py", ("--part", "logistic", "--smoke", *out),
             NOT_WRITTEN, "the disk is read-only", inject=("EROFS", 0, "*.json")),
        Case("out-dir removed mid-run", "lab4_wine_mlp.py", ("--epochs", "3", *d(synthetic),
             "--out-dir", str(tmp / "gone")), NOT_WRITTEN, "its folder was removed during "
             "the run", inject=("REMOVE", 0, "*.json")),
    ]


# The cases also run as commands, one for each way a command ends with its line: bad data
# (exit 2), a divergence (3), a write that fails (4; a figure and a checkpoint).
AS_COMMANDS = ("a .gz that is an error page", "lab4 at lr 5", "disk full when lab4 saves",
               "disk fills up before the 2nd checkpoint")


def in_process(case: Case) -> tuple[int | None, str]:
    """The case run by calling the lab's main: the exit code of the LabError it ends with
    (None: it did not end with one) and its message."""
    module = importlib.import_module(case.script[:-3])
    with pytest.MonkeyPatch.context() as patch:
        for obj, name, replacement in failing_writes(*case.inject) if case.inject else ():
            patch.setattr(obj, name, replacement)
        try:
            module.main(list(case.args))
        except machinery.LabError as err:
            return err.code, str(err)
        finally:
            common.seed_everything(0)
    return None, "it ended without an error"


def as_command(case: Case):
    if case.inject:
        cmd = [sys.executable, str(ROOT / "tests" / "fail_writes.py"), *map(str, case.inject),
               str(ROOT / case.script), *case.args]
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    return run_script(case.script, *case.args)


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.tmp")] if folder.exists() else []


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """Every case run once: the AS_COMMANDS cases as commands, side by side with the others
    run in the test's process (after lab4's good earlier results are written where a failing
    case writes). Injected write failures need Linux."""
    tmp = tmp_path_factory.mktemp("hostile")
    made = [case for case in cases(tmp) if LINUX_FDS or not case.inject]
    import lab4_wine_mlp
    lab4_wine_mlp.main(["--epochs", "3", "--data-dir", str(tmp / "good"), "--out-dir",
                        str(tmp / "full4")])
    commands = [case for case in made if case.name in AS_COMMANDS]
    with ThreadPoolExecutor(max_workers=2) as pool:
        running = pool.map(as_command, commands)
        ended = {case.name: in_process(case) for case in made if case not in commands}
        procs = dict(zip([case.name for case in commands], running))
    return tmp, made, ended, procs


def test_each_case_ends_with_one_line_of_its_kind(table):
    _, made, ended, _ = table
    problems = [f"{case.name}: {ended[case.name]}" for case in made if case.name in ended and
                not (ended[case.name][0] == case.code and "\n" not in ended[case.name][1]
                     and case.message in ended[case.name][1])]
    assert not problems, "\n".join(problems)


@POSIX
def test_each_way_a_command_ends_is_one_line_and_its_exit_code(table):
    _, made, _, procs = table
    problems = []
    for case in made:
        if case.name not in procs:
            continue
        proc = procs[case.name]
        line_ok = proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
        if not (line_ok and proc.returncode == case.code and case.message in proc.stderr):
            problems.append(f"{case.name}: exit {proc.returncode}, stderr {proc.stderr[-600:]!r}")
    assert not problems, "\n".join(problems)


@LINUX
def test_nothing_is_lost(table):
    tmp, _, _, procs = table
    assert not temporaries(tmp), "temporary files were left behind"
    # the checkpoint of epoch 1 survived the full disk, whole, and the message points at it
    ckpt = tmp / "full" / "mnist_checkpoint.pt"
    import mnist_checkpoint
    assert mnist_checkpoint.checked_checkpoint(ckpt, mnist_checkpoint.MnistNet())["epoch"] == 1
    full = procs["disk fills up before the 2nd checkpoint"]
    assert f"last good checkpoint: {ckpt} (after epoch 1)" in full.stderr
    # lab4's earlier results are untouched by the run that could not write
    earlier = tmp / "full4" / "lab4_wine_mlp_epochs3.json"
    assert json.loads(earlier.read_text())["metrics"]["mlp_test_rmse"] > 0
    # diverged runs: the results file says where, and holds the run up to there
    record = json.loads((tmp / "out" / "mnist_checkpoint_lr50.0.json").read_text())
    where = record["metrics"]["diverged"]
    assert where["loss"] == "nan" and where["step"] >= 1
    done = where["epoch"] - 1  # whole epochs before the one that diverged
    assert len(record["history"]["test_acc"]) == 1 + done  # before training, then each epoch
    assert (tmp / "out" / f"mnist_checkpoint_lr50.0_loss_{done}ep.png").exists()
    lab4 = json.loads((tmp / "out" / "lab4_wine_mlp_lr5.0.json").read_text())
    assert lab4["metrics"]["diverged"]["step"] == 4 and lab4["history"]["epoch"] == []
    assert lab4["metrics"]["ols_test_rmse"] > 0  # the baselines are still computed


@requires_real_data
def test_an_official_file_in_the_wrong_place(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (raw / name).write_bytes(real_file(f"FashionMNIST/raw/{name}"))
    with pytest.raises(machinery.LabError, match=r"is the official FashionMNIST/raw/t10k-images"
                                              r"-idx3-ubyte, not MNIST/raw/t10k-images"):
        common.load_image_arrays("mnist", tmp_path, train=False)


@requires_real_data
def test_official_files_compressed_as_downloaded_are_accepted_and_hashed_once(tmp_path,
                                                                            monkeypatch,
                                                                            capsys):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (raw / f"{name}.gz").write_bytes(gzip.compress(real_file(f"MNIST/raw/{name}")))
    monkeypatch.setenv("LABS_CACHE_DIR", str(tmp_path / "cache"))
    calls = []
    real_sha = datafiles.hashlib.sha256
    monkeypatch.setattr(datafiles.hashlib, "sha256", lambda *a: calls.append(1) or real_sha(*a))
    images, labels = common.load_image_arrays("mnist", tmp_path, train=False)
    plain = common.load_image_arrays("mnist", real_data_dir(), train=False)
    assert torch.equal(images, plain[0]) and torch.equal(labels, plain[1])
    hashed = len(calls)
    common.load_image_arrays("mnist", tmp_path, train=False)
    assert hashed >= 2 and len(calls) == hashed  # the second load trusted the cached verdict
    assert "not the official file" not in capsys.readouterr().out


def test_foreign_data_is_used_with_a_note(synthetic_data, capsys):
    common.load_image_arrays("mnist", synthetic_data, train=False)
    assert "is not the official file; using it as your own data" in capsys.readouterr().out


@POSIX
@pytest.mark.parametrize("sig, code, word", [(signal.SIGINT, 130, "interrupted (Ctrl-C)"),
                                             (signal.SIGTERM, 143, "terminated (SIGTERM)")])
def test_ctrl_c_and_sigterm_end_with_one_line_naming_the_last_checkpoint(synthetic_data,
                                                                         tmp_path, sig, code,
                                                                         word):
    out = tmp_path / "out"

    def as_in_a_terminal():
        # A test run started in the background (`cmd &`, nohup) has SIGINT ignored, and a child
        # inherits that, so Python would never raise KeyboardInterrupt: give it a terminal's.
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    proc = subprocess.Popen([sys.executable, str(ROOT / "mnist_checkpoint.py"), "--epochs",
                             "100000", "--data-dir", str(synthetic_data), "--out-dir", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, preexec_fn=as_in_a_terminal)
    try:
        deadline = time.monotonic() + 120
        while not (out / "mnist_checkpoint.pt").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.3)
        proc.send_signal(sig)
        err = proc.communicate(timeout=60)[1]
    finally:
        proc.kill()
    assert proc.returncode == code and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"mnist_checkpoint.py: {word}: in epoch ")
    assert f"last good checkpoint: {out / 'mnist_checkpoint.pt'} (after epoch" in err
    assert not temporaries(out)
    import mnist_checkpoint
    assert mnist_checkpoint.checked_checkpoint(out / "mnist_checkpoint.pt",
                                               mnist_checkpoint.MnistNet())["epoch"] >= 1


@LINUX
@pytest.mark.skipif(os.geteuid() != 0 if hasattr(os, "geteuid") else True,
                    reason="mounting a small tmpfs needs root")
def test_a_real_full_disk(synthetic_data, tmp_path):
    """Not an injected error: a 400 KB tmpfs that holds one checkpoint (200 KB) but not the
    temporary copy of the next."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(disk)],
                             capture_output=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        proc = run_script("mnist_checkpoint.py", "--epochs", "3", "--data-dir", synthetic_data,
                          "--out-dir", disk / "out")
        assert proc.returncode == NOT_WRITTEN and proc.stderr.count("\n") == 1, proc.stderr
        assert "the disk is full (No space left on device)" in proc.stderr
        assert "last good checkpoint:" in proc.stderr and not temporaries(disk)
        import mnist_checkpoint
        assert mnist_checkpoint.checked_checkpoint(disk / "out" / "mnist_checkpoint.pt",
                                                   mnist_checkpoint.MnistNet())["epoch"] >= 1
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)
