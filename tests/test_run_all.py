"""run_all.sh and run_all.py: the same steps, flags and files; nothing a student runs touches
the repository's tracked files."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import ROOT, run_script

BASH = shutil.which("bash")
NEEDS_BASH = pytest.mark.skipif(BASH is None, reason="needs bash (run_all.sh)")


def git_status() -> str | None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        return None
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout


def run_bash(*args, env=None):
    return subprocess.run([BASH, str(ROOT / "run_all.sh"), *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=600,
                          env={**os.environ, "PYTHON": sys.executable, **(env or {})})


def comparable(path: Path) -> dict:
    """A results file without what differs between two identical runs (timings, paths)."""
    record = json.loads(path.read_text())
    record.pop("environment")
    record["config"].pop("out_dir", None)
    record["config"].pop("resume", None)
    history = record.get("history", {})
    for key in ("epoch_seconds", "examples_per_sec"):
        history.pop(key, None)
    for key in ("examples_per_sec", "train_examples_per_sec", "empty_shape", "rand",
                "logistic", "nn_seconds", "scratch_seconds", "defect_seconds"):
        record["metrics"].pop(key, None)
    return record


@NEEDS_BASH
def test_unknown_options_and_help():
    proc = run_bash("--fast")
    assert proc.returncode == 2 and "unrecognized arguments: --fast" in proc.stderr
    proc = run_bash("--help")
    assert proc.returncode == 0 and "--smoke" in proc.stdout and "--update-reference" in proc.stdout
    proc = run_script("run_all.py", "--update-reference", "--smoke")
    assert proc.returncode == 2 and "--update-reference writes results/" in proc.stderr


@NEEDS_BASH
def test_both_runners_do_the_same_and_leave_git_status_clean(synthetic_data, tmp_path):
    """bash run_all.sh --smoke (into its default folder, runs/smoke/) and python run_all.py
    --smoke write the same files with the same numbers; that, every lab's own --smoke run with
    default flags, and lab1's default run leave `git status` as it was."""
    before = git_status()
    bash = run_bash("--smoke", "--data-dir", synthetic_data)
    assert bash.returncode == 0, bash.stdout + bash.stderr
    assert "smoke: all" in bash.stdout and "ledger values present" in bash.stdout
    python = run_script("run_all.py", "--smoke", "--data-dir", synthetic_data,
                        "--out-dir", tmp_path / "py")
    assert python.returncode == 0, python.stdout + python.stderr

    smoke = ROOT / "runs" / "smoke"
    names = {p.name for p in smoke.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert names == {p.name for p in (tmp_path / "py").iterdir() if p.is_file()}
    assert {"lab1_tensor_ops.json", "lab3_d2l_bs4.json", "mnist_checkpoint_loss_8ep.png"} <= names
    for name in sorted(n for n in names if n.endswith(".json") and n != "run_all.json"):
        assert comparable(smoke / name) == comparable(tmp_path / "py" / name), name
    timings = json.loads((smoke / "run_all.json").read_text())
    assert [s["command"] for s in timings["steps"]][:2] == ["lab1_tensor_ops.py",
                                                           "lab2_logistic.py"]

    def default_run(script, *args):
        return run_script(script, *args, "--data-dir", synthetic_data) if args else \
            run_script(script)

    labs = [("lab1_tensor_ops.py",), ("lab2_logistic.py", "--smoke"),
            ("lab3_lenet.py", "--smoke"), ("lab3_lenet.py", "--smoke", "--model", "blitz"),
            ("lab4_wine_mlp.py", "--smoke"), ("mnist_checkpoint.py", "--smoke")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for lab, proc in zip(labs, pool.map(lambda lab: default_run(*lab), labs)):
            assert proc.returncode == 0, (lab, proc.stderr)
    assert (ROOT / "runs" / "lab1_tensor_ops.json").exists()
    if before is None:
        pytest.skip("not a git checkout: the git status part cannot be checked here")
    assert git_status() == before


def test_seed_sweeps_are_tagged_and_render_from_their_files(synthetic_data, tmp_path):
    import lab3_lenet
    import lab4_wine_mlp
    import run_all
    from tools import report

    steps = run_all.sweep_steps()
    assert [s.args for s in steps if s.script == "lab4_wine_mlp.py"] == [
        ("--seed", str(seed)) for seed in range(5)]
    assert sum(s.script == "lab3_lenet.py" for s in steps) == 6
    for seed in (0, 1):
        lab3_lenet.main(["--smoke", "--seed", str(seed), "--data-dir", str(synthetic_data),
                         "--out-dir", str(tmp_path)])
        lab4_wine_mlp.main(["--smoke", "--seed", str(seed), "--data-dir", str(synthetic_data),
                            "--out-dir", str(tmp_path)])
    d2l = report.render_seeds_d2l(tmp_path)
    assert "| 4 | 0 |" in d2l and "| 4 | 1 |" in d2l and "| 4 | write-up | 0.338 |" in d2l
    wine = report.render_seeds_wine(tmp_path, lang="zh").splitlines()
    assert wine[0].startswith("| 种子 |") and [line[:5] for line in wine[2:]] == ["| 0 |",
                                                                                "| 1 |"]


def test_a_failing_step_stops_the_run_with_a_non_zero_exit(synthetic_data, tmp_path):
    """A step that fails (here lab2's data are damaged) stops run_all at once: it names the
    step and its log, shows the log's end, runs no later step, and exits non-zero."""
    import shutil
    data = tmp_path / "data"
    shutil.copytree(synthetic_data, data)
    (data / "FashionMNIST" / "raw" / "train-labels-idx1-ubyte").write_bytes(b"not an IDX file")
    proc = run_script("run_all.py", "--smoke", "--jobs", "1", "--data-dir", data,
                      "--out-dir", tmp_path / "out")
    assert proc.returncode == 1
    assert "[2/8] lab2: logistic + softmax regression (004)" in proc.stdout and \
        "FAILED (exit 2; log:" in proc.stdout
    assert "is not an IDX file" in proc.stderr  # the log's end, shown
    logs = sorted(p.name for p in (tmp_path / "out" / "logs").iterdir())
    assert logs == ["1_lab1_tensor_ops.log", "2_lab2_logistic.log"]
    assert "all steps done" not in proc.stdout
