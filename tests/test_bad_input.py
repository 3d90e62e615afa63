"""Every class of bad input, in-process, and through the real command line for a bad flag and
for a bad file in each lab: each stops with one line naming the problem (exit code 2), never a
traceback, never a silent wrong run."""
from __future__ import annotations

import importlib
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

import common
import machinery
from conftest import CommandCase, one_line_error, run_script, write_uci_like


Bad = CommandCase  # every case here ends with exit code 2


def cases(tmp, data, checkpoint) -> list[Bad]:
    """The table. ``tmp`` is a scratch folder, ``data`` a synthetic data dir, ``checkpoint`` a
    --smoke checkpoint of mnist_checkpoint.py (seed 1)."""
    (tmp / "a_file").write_text("not a folder")
    good = write_uci_like(tmp / "good.csv", n=40)
    binary = tmp / "binary.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    text = tmp / "notes.csv"
    text.write_text("these are notes\nnot a table\n")
    tiny = tmp / "tiny.csv"
    tiny.write_text("\n".join(good.read_text().splitlines()[:6]) + "\n")
    flat = tmp / "flat_target.csv"
    flat.write_text("\n".join([good.read_text().splitlines()[0]] + [
        line.rsplit(";", 1)[0] + ";6" for line in good.read_text().splitlines()[1:]]) + "\n")
    out = ("--out-dir", str(tmp / "out"))
    d = ("--data-dir", str(data))
    return [
        # flags
        Bad("lr inf", "lab3_lenet.py", ("--lr", "inf", *out), "must be a finite positive"),
        Bad("lr nan", "lab2_logistic.py", ("--lr", "nan", *out), "must be a finite positive"),
        Bad("lr negative", "lab4_wine_mlp.py", ("--lr", "-0.1", *out), "finite positive"),
        Bad("epochs 0", "mnist_checkpoint.py", ("--epochs", "0", *out), "positive integer"),
        Bad("workers negative", "mnist_checkpoint.py", ("--loader", "dataloader", "--workers",
                                                        "-1", *out), "must be 0 or more"),
        Bad("workers without a DataLoader", "lab3_lenet.py", ("--workers", "2", *out),
            "--workers applies to --loader dataloader only"),
        Bad("seed out of range", "lab4_wine_mlp.py", ("--seed", "-1", *out), "[0, 2**32)"),
        Bad("dropout 1.5", "lab4_wine_mlp.py", ("--dropout", "1.5", *out), "must be in [0, 1)"),
        Bad("unknown device", "lab3_lenet.py", ("--device", "tpu", *out), "unknown device 'tpu'"),
        Bad("unknown model", "lab3_lenet.py", ("--model", "vgg", *out), "invalid choice: 'vgg'"),
        Bad("flag a lab does not have", "lab1_tensor_ops.py", ("--smoke", *out),
            "unrecognized arguments: --smoke"),
        Bad("out-dir is a file", "lab1_tensor_ops.py", ("--out-dir", str(tmp / "a_file")),
            "a file is in the way"),
        Bad("out-dir under a file", "lab4_wine_mlp.py", ("--out-dir", str(tmp / "a_file" / "x")),
            "a file is in the way"),
        # data
        Bad("data-dir is a file", "lab3_lenet.py", ("--smoke", "--data-dir", str(tmp / "a_file"),
                                                    *out), "is a file; it must be a folder"),
        Bad("csv is not UTF-8", "lab4_wine_mlp.py", ("--train-csv", str(binary), "--test-csv",
                                                     str(good), *out), "not UTF-8 text"),
        Bad("file is not a table", "lab4_wine_mlp.py", ("--train-csv", str(text), "--test-csv",
                                                        str(good), *out),
            "expected a header with feature columns"),
        Bad("too few rows", "lab4_wine_mlp.py", ("--train-csv", str(tiny), "--test-csv",
                                                 str(good), *out), "5 training rows is too few"),
        Bad("constant target, standardised", "lab4_wine_mlp.py",
            ("--train-csv", str(flat), "--test-csv", str(good), "--normalize-target", *out),
            "the target 'quality' is constant"),
        # resume
        Bad("resume a smoke checkpoint in a full run", "mnist_checkpoint.py",
            ("--resume", str(checkpoint), "--epochs", "3", *d, *out),
            "--smoke True (now False)"),
        Bad("resume with another seed", "mnist_checkpoint.py",
            ("--resume", str(checkpoint), "--epochs", "3", "--smoke", "--seed", "5", *d, *out),
            "--seed 1 (now 5)"),
        Bad("resume a file that is no checkpoint", "mnist_checkpoint.py",
            ("--resume", str(text), "--epochs", "3", *d, *out), "not a readable checkpoint"),
    ]


@pytest.fixture(scope="module")
def table(tmp_path_factory, synthetic_data):
    tmp = tmp_path_factory.mktemp("bad")
    mc = importlib.import_module("mnist_checkpoint")
    mc.main(["--smoke", "--data-dir", str(synthetic_data), "--out-dir", str(tmp / "ckpt")])
    return cases(tmp, synthetic_data, tmp / "ckpt" / "mnist_checkpoint.pt")


def test_each_bad_input_in_process_is_one_line(table, capsys, monkeypatch):
    for bad in table:
        module = importlib.import_module(bad.script[:-3])
        if bad.env:
            monkeypatch.setattr(machinery.shutil, "which", lambda name: None)
        try:
            with pytest.raises((machinery.LabError, SystemExit)) as info:
                module.main(list(bad.args))
        finally:
            monkeypatch.undo()
            common.seed_everything(0)
        if info.type is SystemExit:  # argparse: one line on stderr, exit code 2
            assert info.value.code == 2, bad.name
            message = capsys.readouterr().err
            assert message.count("\n") == 1, (bad.name, message)
        else:
            message = str(info.value)
            assert "\n" not in message, bad.name
        assert bad.message in message, (bad.name, message)


# Also run as commands: a bad flag (argparse) and a bad file through each lab's command line
# (machinery.cli), one each (lab1's is test_a_missing_device_is_one_line).
AS_COMMANDS = ("lr nan", "data-dir is a file", "csv is not UTF-8",
               "resume a file that is no checkpoint")


@pytest.mark.skipif(os.name == "nt", reason="PATH-less subprocess needs POSIX")
def test_bad_input_on_the_command_line_is_one_line(table):
    def run(bad):
        return bad, run_script(bad.script, *bad.args, env=dict(bad.env))

    chosen = [bad for bad in table if bad.name in AS_COMMANDS]
    assert len(chosen) >= 4, "a case of AS_COMMANDS is not in the table"
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, chosen))
    problems = [f"{bad.name}: exit {proc.returncode}, stderr {proc.stderr!r}"
                for bad, proc in results
                if not (one_line_error(proc) and proc.returncode == 2
                        and bad.message in proc.stderr)]
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_a_missing_device_is_one_line():
    proc = run_script("lab1_tensor_ops.py", "--device", "cuda")
    assert one_line_error(proc) and proc.returncode == 2 and proc.stdout == ""
    assert "device 'cuda' is not available on this machine" in proc.stderr
