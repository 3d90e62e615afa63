"""The README's results table is generated from results/*.json, and the check mode catches a
stale or hand-edited table."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import report  # noqa: E402


def test_committed_readme_table_is_current():
    assert report.main(["--check"]) == 0


def test_check_mode_catches_a_hand_edit(tmp_path):
    readme = tmp_path / "README.md"
    text = (ROOT / "README.md").read_text()
    block = text.split(report.BEGIN, 1)[1].split(report.END, 1)[0]
    row = next(line for line in block.splitlines() if "batch 4: test acc" in line)
    cells = row.split("|")
    cells[5] = " 0.9999 "  # someone "improves" our number by hand
    readme.write_text(text.replace(row, "|".join(cells)))
    assert report.main(["--check", "--readme", str(readme)]) == 1
    assert report.main(["--write", "--readme", str(readme)]) == 0
    assert readme.read_text() == text  # --write restores the generated table


def test_out_of_tolerance_fails(tmp_path):
    results = tmp_path / "results"
    shutil.copytree(ROOT / "results", results, ignore=shutil.ignore_patterns("*.png", "logs"))
    path = results / "lab3_d2l_bs4.json"
    path.write_text(path.read_text().replace('"test_acc": 0.', '"test_acc": 0.1', 1))
    assert report.main(["--results", str(results), "--readme", str(ROOT / "README.md")]) == 1


def test_rules():
    c = report.Check("x", "y", "f", lambda r: 0, 1.0, "s", "abs", 0.1)
    assert c.passes(1.05) and not c.passes(1.2)
    assert report.Check("x", "y", "f", None, 1, "s", "min", 0.5).passes(0.5)
    assert not report.Check("x", "y", "f", None, 1, "s", "max", 0.5).passes(0.6)


def test_smoke_mode_requires_every_file(tmp_path):
    assert report.main(["--results", str(tmp_path), "--smoke"]) == 1


def test_run_all_rejects_unknown_options():
    proc = subprocess.run(["bash", str(ROOT / "run_all.sh"), "--fast"], capture_output=True,
                          text=True)
    assert proc.returncode == 2 and "unknown option '--fast'" in proc.stderr
    proc = subprocess.run(["bash", str(ROOT / "run_all.sh"), "--help"], capture_output=True,
                          text=True)
    assert proc.returncode == 0 and "--smoke" in proc.stdout
