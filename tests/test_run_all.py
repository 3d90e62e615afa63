"""run_all.sh and run_all.py: every step of the reproduction, capped, into the default folder;
a failing step stops the run; nothing a student runs touches the repository's tracked files."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

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


def test_help_and_flags_that_do_not_go_together(capsys):
    import run_all
    with pytest.raises(SystemExit) as info:
        run_all.parse_args(["--help"])
    shown = capsys.readouterr().out
    assert info.value.code == 0 and "--smoke" in shown and "--update-reference" in shown
    with pytest.raises(SystemExit) as info:
        run_all.parse_args(["--update-reference", "--smoke"])
    assert info.value.code == 2 and "--update-reference writes results/" in capsys.readouterr().err


@NEEDS_BASH
def test_run_all_sh_passes_its_flags_on():
    proc = run_bash("--fast")
    assert proc.returncode == 2 and "unrecognized arguments: --fast" in proc.stderr


def test_a_smoke_run_writes_every_step_and_leaves_git_status_clean(synthetic_data):
    """`bash run_all.sh --smoke` as the README shows it (python run_all.py --smoke without
    bash), into its default folder: every step's files, the ledger's values all present, the
    step table, and `git status` as it was. So do the labs' own default output folders."""
    before = git_status()
    command = [BASH, str(ROOT / "run_all.sh")] if BASH else [sys.executable, "run_all.py"]
    proc = subprocess.run([*command, "--smoke", "--data-dir", str(synthetic_data)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600,
                          env={**os.environ, "PYTHON": sys.executable})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "smoke: all" in proc.stdout and "ledger values present" in proc.stdout
    smoke = ROOT / "runs" / "smoke"
    names = {p.name for p in smoke.iterdir() if p.is_file()}
    assert {"lab1_tensor_ops.json", "lab2_logistic.json", "lab2_softmax.json",
            "lab3_blitz_bs64.json", "lab3_d2l_bs4.json", "lab3_d2l_bs256.json",
            "lab4_wine_mlp.json", "mnist_checkpoint.json", "mnist_checkpoint_loss_8ep.png",
            "run_all.json"} <= names
    timings = json.loads((smoke / "run_all.json").read_text())
    assert [s["command"] for s in timings["steps"]] == [
        "lab1_tensor_ops.py", "lab2_logistic.py", "lab3_lenet.py --model blitz",
        "lab3_lenet.py --batch-size 4", "lab3_lenet.py --batch-size 256", "lab4_wine_mlp.py",
        "mnist_checkpoint.py --epochs 3",
        "mnist_checkpoint.py --epochs 8 --resume runs/mnist_checkpoint.pt"]
    if before is None:
        pytest.skip("not a git checkout: the git status part cannot be checked here")
    assert git_status() == before
    import lab3_lenet
    for flags, folder in (([], "runs"), (["--smoke"], "runs/smoke")):
        out_dir = lab3_lenet.parse_args(flags)[0].out_dir
        assert out_dir == ROOT / folder
        ignored = subprocess.run(["git", "check-ignore", "-q", str(out_dir / "x.json")],
                                 cwd=ROOT)
        assert ignored.returncode == 0, f"{folder}/ is not ignored by git"


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
