"""The generated tables (the READMEs, docs/ in both languages, results/LEDGER.md) come from the
committed JSON files; the check mode catches a stale or hand-edited one; a failing value, even
on a deviation row, fails; smoke mode fails when a value a row reads is gone; the report checks
the documents without importing torch."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from tools import ledger, report
from tools.paths import REFERENCE_DIR, documents


@pytest.fixture
def copy(tmp_path):
    """A scratch copy of the committed results and of every document with generated blocks,
    laid out as in the repository (so relative links come out the same)."""
    results = tmp_path / "results"
    shutil.copytree(REFERENCE_DIR, results,
                    ignore=shutil.ignore_patterns("*.png", "logs", "notebooks"))
    for png in REFERENCE_DIR.rglob("*.png"):  # figures only need to exist
        if "notebooks" not in png.parts:
            (results / png.relative_to(REFERENCE_DIR)).write_bytes(b"")
    docs = {}
    for path, lang in documents().items():
        if "<!-- " in path.read_text(encoding="utf-8"):
            target = tmp_path / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
            docs[target] = lang
    return results, docs


def edit(results: Path, name: str, change) -> None:
    path = results / f"{name}.json"
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record))


def test_committed_generated_files_are_current():
    assert report.main(["--check"]) == 0


def test_a_runs_summary_points_at_its_own_ledger(copy, capsys):
    results, _ = copy
    assert report.main(["--results", str(results)]) == 0
    summary = capsys.readouterr().out.splitlines()[-1]
    assert f"[{results / report.LEDGER_FILE}]" in summary      # not the committed one
    (results / report.LEDGER_FILE).unlink()
    assert report.main(["--results", str(results)]) == 0
    assert re.search(r"The full ledger has \d+ rows", capsys.readouterr().out)  # no dead link


@pytest.mark.parametrize("target", ["docs/results.md", "docs/zh-CN/results.md", "ledger"])
def test_check_mode_catches_a_hand_edit_and_write_restores_it(copy, target):
    results, docs = copy
    path = results / report.LEDGER_FILE if target == "ledger" else results.parent / target
    text = path.read_text(encoding="utf-8")
    # The d2l batch-4 test accuracy row (0.8670 is printed once in each file).
    [line] = [line for line in text.splitlines() if "| 0.8670 |" in line]
    path.write_text(text.replace(line, line.replace("| 0.8", "| 0.9", 1)), encoding="utf-8")
    check = report.generated_files(results, report.evaluate(results), docs)
    assert check[path] == text  # what --write would put back is the original
    doc = ["--doc", str(results.parent / ("README.md" if target == "ledger" else target))]
    assert report.main(["--results", str(results), "--check", *doc]) == 1  # the edit is caught
    report.write_all(results, docs)
    assert path.read_text(encoding="utf-8") == text
    assert report.main(["--results", str(results), "--check", *doc]) == 0


def test_the_generated_copies_match_the_committed_documents(copy):
    results, docs = copy
    wanted = report.generated_files(results, report.evaluate(results), docs)
    for path in docs:
        assert wanted[path] == path.read_text(encoding="utf-8"), path


def test_out_of_tolerance_fails(copy):
    results, _ = copy
    edit(results, "lab3_d2l_bs4", lambda r: r["metrics"].update(test_acc=0.1))
    rows = report.evaluate(results)
    assert [r.quantity for r, _, s in rows if s == report.FAIL] == [
        "test accuracy after 10 epochs"]
    assert report.main(["--results", str(results)]) == 1


def test_a_deviation_row_cannot_hide_a_failure(copy):
    results, _ = copy
    edit(results, "lab3_d2l_bs4", lambda r: r["metrics"].update(layer_output=[[1.0, 2.0]]))
    status = {r.quantity: s for r, _, s in report.evaluate(results) if r.file == "lab3_d2l_bs4"}
    assert status["print(X) after the last layer"] == report.FAIL
    assert status["examples/sec on cuda:0"] == report.DEVIATION


@pytest.mark.parametrize("mlp_minus_ols, status", [
    (0.0041, report.PASS),   # seed 5 on the reference CPU: within the test split's noise
    (0.03, report.FAIL),     # more than one paired standard error (0.02) worse than OLS
])
def test_the_wine_mlp_may_trail_least_squares_only_within_test_noise(copy, mlp_minus_ols,
                                                                     status):
    results, _ = copy
    edit(results, "lab4_wine_mlp", lambda r: r["metrics"].update(
        mlp_test_rmse=r["metrics"]["ols_test_rmse"] + mlp_minus_ols))
    found = {r.quantity: s for r, _, s in report.evaluate(results) if r.file == "lab4_wine_mlp"}
    assert found["wine: MLP RMSE minus OLS RMSE (within test noise)"] == status


def test_counts_keep_the_three_kinds_apart(copy):
    results, _ = copy
    counts = report.counts(report.evaluate(results))
    assert counts[report.FAIL] == 0 and counts[report.DEVIATION] > 0
    assert sum(counts.values()) == len(ledger.ROWS)
    text = report.render_ledger(report.evaluate(results))
    assert f"**{len(ledger.ROWS)} rows: {counts['pass']} pass, {counts['deviation']} documented " \
           f"deviations, 0 fail.**" in text


@pytest.mark.parametrize("break_it, what", [
    (lambda r: r["metrics"].pop("ce_ours"), "lab2_softmax: metrics.ce_ours"),
    (lambda r: r["history"]["nn"].pop("test_acc"), "lab2_softmax: history.nn.test_acc"),
])
def test_smoke_mode_fails_when_a_value_is_renamed(copy, break_it, what, capsys):
    results, _ = copy
    assert report.main(["--results", str(results), "--smoke"]) == 0
    edit(results, "lab2_softmax", break_it)
    assert report.main(["--results", str(results), "--smoke"]) == 1
    assert what in capsys.readouterr().err


def test_smoke_mode_fails_when_a_figure_is_missing(copy):
    results, _ = copy
    (results / "lab3_d2l_bs4.png").unlink()
    assert report.main(["--results", str(results), "--smoke"]) == 1


def test_compare_reports_identical_and_changed_values(copy):
    results, _ = copy
    text, same, differ = report.compare(results, report.REFERENCE_DIR)
    assert differ == 0 and same > 150
    edit(results, "lab2_logistic", lambda r: r["metrics"].update(nn_weight=-3.0))
    text, _, differ = report.compare(results, report.REFERENCE_DIR)
    assert differ == 1 and "torch.nn: weight: yours -3.0000" in text


def test_rules():
    assert report.holds("abs", 1.05, 1.0, 0.1) and not report.holds("abs", 1.2, 1.0, 0.1)
    assert report.holds("abs", [1.0, [2.0]], [1.05, [1.95]], 0.1)
    assert not report.holds("abs", [1.0, 2.0], [1.0], 0.1)
    assert not report.holds("abs", float("nan"), 1.0, 0.1)
    assert report.holds("rel", 103.0, 100.0, 0.03) and not report.holds("rel", 104.0, 100.0, 0.03)
    assert report.holds("min", 0.5, 0.5, 0) and not report.holds("max", 0.6, 0.5, 0)
    assert report.holds("shape", [[1, 2, 3]], [1, 3], 0)
    assert not report.holds("shape", [[1, 2]], [1, 3], 0)
    assert not report.holds("finite", [1.0, float("inf")], None, 0)
    assert report.holds("contains", "mat1 (1x256 and 400x120)", "1x256", 0)


def test_resolve_paths():
    record = {"metrics": {"a": 3.0, "b": 1.0}, "history": {"nn": {"x": [1, 2, 3]}}}
    assert report.resolve(record, "history.nn.x[2]") == 3
    assert report.resolve(record, "metrics.a - metrics.b") == 2.0
    with pytest.raises(IndexError):
        report.resolve(record, "history.nn.x[9]")
    assert report.resolve(record, "history.nn.x[9]", smoke=True) == 3
    with pytest.raises(KeyError):
        report.resolve(record, "history.scratch.x[0]", smoke=True)


def test_the_ledger_holds_every_printed_value():
    """Per write-up, the number of values its cells print (a tensor or list is one value),
    counted in ../shared/seeds: 000 7, 002 17, 003 35 (the primer 25, the blitz Net 10),
    004 123. 001 prints no numbers (its figures are rows)."""
    printed = {key: sum(r.printed for r in ledger.ROWS if r.writeup == key)
               for key in ledger.WRITEUPS}
    assert printed == {"000": 7, "001": 0, "002": 17, "003": 35, "004": 123, "ref": 0}
    assert len({(r.file, r.path, r.writeup, r.where, r.quantity) for r in ledger.ROWS}) == \
        len(ledger.ROWS)
    for row in ledger.ROWS:
        assert row.file.replace("_", "").isalnum() and row.rule in (
            "exact", "abs", "rel", "min", "max", "shape", "prefix", "contains", "finite",
            "figure"), row
        assert (row.deviation is None) == (row.deviation_zh is None), row
        assert (row.headline is None) == (row.zh is None), row


def test_the_report_checks_the_documents_without_torch():
    """Formatting tables needs no deep-learning stack: `python -m tools.report --check` must run
    (and be fast) where torch is not even importable."""
    code = ("import sys\nfrom tools import report\nreport.main(['--check'])\n"
            "print('torch' in sys.modules, 'numpy' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.stdout.strip().splitlines()[-1] == "False False", proc.stdout + proc.stderr


def test_the_chinese_tables_speak_chinese_and_compare_speeds_as_multiples(copy):
    """A ratio below 1 written as 「快 0.99 倍」 reads as almost twice as fast; the Chinese
    tables say 「是……的 0.99 倍」. Step labels, case names, rules and units are translated,
    and each term is the one the pages use (迭代周期 for epoch, 批量 for batch, 差异 for a
    documented deviation, 参考值 for a write-up's value)."""
    results, docs = copy
    steps = json.loads((results / "run_all.json").read_text(encoding="utf-8"))["steps"]
    assert {s["label"] for s in steps} <= set(report.STEP_ZH)
    text = "\n".join(body for path, body in report.generated_files(
        results, report.evaluate(results), {p: l for p, l in docs.items() if l == "zh"}).items()
        if path.suffix == ".md" and "LEDGER" not in path.name)
    blocks = "\n".join(re.findall(r"<!-- [\w-]+:begin -->\n(.*?)<!-- [\w-]+:end -->", text,
                                  re.S))
    assert blocks.count("\n") > 100
    for wrong in ("快 0.", "每步快", "x 实验报告", "发表值", "偏差", "轮后", "第1轮", " bytes",
                  " min)", "| exact |", ", batch ", "tutorial", "批次"):
        assert wrong not in blocks, wrong
    assert "0.84 倍" in blocks and "参考值：实验报告" in blocks
    for path, lang in documents().items():  # the hand-written Chinese uses the same terms
        if lang == "zh":
            page = path.read_text(encoding="utf-8")
            for wrong in ("快 0.", "每步快", "发表值", "偏差", "轮后", "第1轮", "每轮", "批次"):
                assert wrong not in page, f"{path.name}: {wrong}"
