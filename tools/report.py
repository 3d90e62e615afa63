"""Build the README's results table from the results JSON files, and check every tolerance.

    python tools/report.py                 # print the table; exit 1 if a number is out of tolerance
    python tools/report.py --write         # also rewrite the table in README.md
    python tools/report.py --check         # exit 1 if README.md's table is stale (or a check fails)
    python tools/report.py --smoke         # only check that every result file exists and parses

Every row names the published number, where it was published, our number, the tolerance and
pass/fail. The table is never edited by hand: run_all.sh regenerates it.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- results-table:begin -->", "<!-- results-table:end -->"

WU, BOOK, RERUN, LAB = "write-up", "d2l book", "tutorial rerun", "LABS.md"


@dataclass
class Check:
    lab: str
    what: str
    file: str                      # results JSON name (without .json)
    ours: Callable[[dict], object]  # record -> value
    published: object              # the number as published (shown)
    source: str
    rule: str                      # "abs" | "min" | "max" | "equal"
    tol: float = 0.0               # abs: |ours - published| <= tol; min/max: the bound

    def passes(self, value) -> bool:
        if self.rule == "equal":
            return value == self.published
        if self.rule == "abs":
            return abs(value - self.published) <= self.tol
        if self.rule == "min":
            return value >= self.tol
        if self.rule == "max":
            return value <= self.tol
        raise ValueError(self.rule)

    def tolerance_text(self) -> str:
        return {"equal": "exact", "abs": f"± {self.tol:g}", "min": f">= {self.tol:g}",
                "max": f"<= {self.tol:g}"}[self.rule]


def m(key):
    return lambda rec: rec["metrics"][key]


def hist(run, key, index=-1):
    return lambda rec: rec["history"][run][key][index]


def mnist_acc(epoch):
    return lambda rec: rec["history"]["test_acc"][epoch]


CHECKS = [
    Check("lab1", "M - N (broadcast)", "lab1_tensor_ops", m("broadcast"),
          [[-3, -2, -1], [-4, -3, -2]], WU, "equal"),
    Check("lab1", "dy3/dx, y2 under no_grad", "lab1_tensor_ops", m("grad_no_y2"), 2.0, WU, "equal"),
    Check("lab1", "dy3/dx, y1 under no_grad", "lab1_tensor_ops", m("grad_no_y1"), 3.0, WU, "equal"),
    Check("lab1", "dy3/dx, full", "lab1_tensor_ops", m("grad_full"), 5.0, WU, "equal"),
    Check("lab1", "a.grad of a @ b + c", "lab1_tensor_ops", m("a_grad"), [[3.0, 4.0]], WU, "equal"),
    Check("lab1", "sigmoid'(1)", "lab1_tensor_ops", m("sigmoid_grad"), 0.1966, WU, "abs", 5e-5),
    Check("lab1", "accumulated grads", "lab1_tensor_ops", m("accumulated_grads"),
          [4.0, 5.0, 0.0], WU, "equal"),
    Check("lab2", "logistic data x0", "lab2_logistic", m("x0"), 0.5488133381316141, WU, "equal"),
    Check("lab2", "logistic data y0", "lab2_logistic", m("y0"), 0.45217091576438073, WU, "equal"),
    Check("lab2", "logistic torch.nn: weight", "lab2_logistic", m("nn_weight"), -3.6834, WU,
          "abs", 0.02),
    Check("lab2", "logistic torch.nn: bias", "lab2_logistic", m("nn_bias"), 1.8628, WU, "abs",
          0.01),
    Check("lab2", "logistic torch.nn: prediction x=2", "lab2_logistic", m("nn_prediction_x2"),
          0.1394, WU, "abs", 0.002),
    Check("lab2", "logistic torch.nn: epoch-10 loss sum", "lab2_logistic",
          m("nn_final_loss_sum"), 565.93, WU, "abs", 1.0),
    Check("lab2", "logistic scratch (fixed): weight", "lab2_logistic", m("scratch_weight"),
          -3.6834, WU + " (nn)", "abs", 0.02),
    Check("lab2", "logistic scratch (fixed): bias", "lab2_logistic", m("scratch_bias"), 1.8628,
          WU + " (nn)", "abs", 0.01),
    Check("lab2", "logistic scratch (fixed): prediction", "lab2_logistic",
          m("scratch_prediction_x2"), 0.1394, WU + " (nn)", "abs", 0.002),
    Check("lab2", "logistic scratch, write-up defect: weight", "lab2_logistic",
          m("defect_weight"), -0.0037, WU, "abs", 0.5),
    Check("lab2", "logistic scratch, write-up defect: prediction", "lab2_logistic",
          m("defect_prediction_x2"), 0.5034, WU, "abs", 0.01),
    Check("lab2", "logistic scratch, write-up defect: loss sum", "lab2_logistic",
          m("defect_final_loss_sum"), 677, WU, "abs", 3.0),
    Check("lab2", "softmax torch.nn: epoch-1 test acc", "lab2_softmax",
          m("nn_epoch1_test_acc"), 0.7202, WU, "abs", 0.03),
    Check("lab2", "softmax torch.nn: test acc", "lab2_softmax", m("nn_test_acc"), 0.7997, WU,
          "abs", 0.01),
    Check("lab2", "softmax torch.nn: epoch-10 loss sum", "lab2_softmax",
          hist("nn", "train_loss_sum"), 8.46, WU, "abs", 0.3),
    Check("lab2", "softmax scratch, write-up init: epoch-1 test acc", "lab2_softmax",
          m("writeup_epoch1_test_acc"), 0.4533, WU, "abs", 0.05),
    Check("lab2", "softmax scratch, write-up init: test acc", "lab2_softmax",
          m("writeup_test_acc"), 0.6876, WU, "abs", 0.03),
    Check("lab2", "softmax scratch (fixed): test acc", "lab2_softmax", m("scratch_test_acc"),
          0.7997, WU + " (nn)", "min", 0.79),
    Check("lab3", "blitz LeNet, MNIST 32x32: test acc", "lab3_blitz_bs64", m("test_acc"), 0.99,
          LAB + " (~99%)", "min", 0.985),
    Check("lab3", "d2l LeNet, batch 4: train loss", "lab3_d2l_bs4", m("train_loss"), 0.338, WU,
          "abs", 0.03),
    Check("lab3", "d2l LeNet, batch 4: train acc", "lab3_d2l_bs4", m("train_acc"), 0.875, WU,
          "abs", 0.02),
    Check("lab3", "d2l LeNet, batch 4: test acc", "lab3_d2l_bs4", m("test_acc"), 0.867, WU,
          "abs", 0.02),
    Check("lab3", "d2l LeNet, batch 256: train loss", "lab3_d2l_bs256", m("train_loss"), 0.469,
          BOOK, "abs", 0.02),
    Check("lab3", "d2l LeNet, batch 256: train acc", "lab3_d2l_bs256", m("train_acc"), 0.823,
          BOOK, "abs", 0.015),
    Check("lab3", "d2l LeNet, batch 256: test acc", "lab3_d2l_bs256", m("test_acc"), 0.779,
          BOOK, "abs", 0.04),
    Check("lab4", "MLP test RMSE, margin under the mean baseline", "lab4_wine_mlp",
          lambda r: r["metrics"]["mean_test_rmse"] - r["metrics"]["mlp_test_rmse"], None,
          "issue 5 (no published number)", "min", 0.1),
    Check("lab4", "MLP test RMSE minus OLS test RMSE", "lab4_wine_mlp",
          lambda r: r["metrics"]["mlp_test_rmse"] - r["metrics"]["ols_test_rmse"], None,
          "issue 5 (no published number)", "max", 0.01),
    Check("lab4", "OLS test RMSE (linear models ~0.65)", "lab4_wine_mlp", m("ols_test_rmse"),
          0.65, "Cortez et al.", "abs", 0.06),
    Check("mnist", "test acc before training", "mnist_checkpoint", mnist_acc(0), 0.10, WU,
          "abs", 0.05),
    Check("mnist", "test acc after epoch 1", "mnist_checkpoint", mnist_acc(1), 0.9437, RERUN,
          "abs", 0.02),
    Check("mnist", "test acc after epoch 3", "mnist_checkpoint", mnist_acc(3), 0.9716,
          RERUN + " (~97%)", "min", 0.965),
    Check("mnist", "test loss after epoch 3", "mnist_checkpoint",
          lambda r: r["history"]["test_loss"][3], 0.0921, RERUN, "abs", 0.02),
    Check("mnist", "test acc after epoch 8 (resumed)", "mnist_checkpoint", mnist_acc(8), None,
          "write-up: \"a slower rise\"", "min", 0.98),
]


def fmt(value, exact: bool = False) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and exact:
        return repr(value)
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 100 else f"{value:.2f}"
    return json.dumps(value).replace(" ", "")


def evaluate(results_dir: Path) -> tuple[list[tuple[Check, object, bool]], list[str]]:
    rows, missing, cache = [], [], {}
    for check in CHECKS:
        if check.file not in cache:
            path = results_dir / f"{check.file}.json"
            cache[check.file] = json.loads(path.read_text()) if path.exists() else None
        record = cache[check.file]
        if record is None:
            missing.append(check.file)
            rows.append((check, None, False))
            continue
        try:
            value = check.ours(record)
        except (KeyError, IndexError):
            rows.append((check, None, False))
            continue
        rows.append((check, value, check.passes(value)))
    return rows, sorted(set(missing))


def render(rows) -> str:
    lines = ["| lab | quantity | published | source | ours | tolerance | |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for check, value, ok in rows:
        exact = check.rule == "equal"
        ours = "missing" if value is None else fmt(value, exact)
        lines.append(f"| {check.lab} | {check.what} | {fmt(check.published, exact)} | "
                     f"{check.source} | "
                     f"{ours} | {check.tolerance_text()} | {'pass' if ok else '**FAIL**'} |")
    passed = sum(ok for *_, ok in rows)
    lines.append(f"\n{passed} of {len(rows)} checks pass.")
    return "\n".join(lines)


def replace_block(readme: str, table: str, begin: str = BEGIN, end: str = END) -> str:
    """``readme`` with the text between the ``begin`` and ``end`` markers replaced by ``table``."""
    if begin not in readme or end not in readme:
        raise SystemExit(f"README has no {begin} ... {end} block")
    head, rest = readme.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{table}\n{end}{tail}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=ROOT / "results",
                        help="folder holding the results JSON files")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the README's table")
    mode.add_argument("--check", action="store_true",
                      help="fail when the README's table differs from the results")
    mode.add_argument("--smoke", action="store_true",
                      help="only require every result file to exist (capped runs miss targets)")
    args = parser.parse_args(argv)

    rows, missing = evaluate(args.results)
    table = render(rows)
    if args.smoke:
        if missing:
            print(f"missing results: {', '.join(missing)}", file=sys.stderr)
            return 1
        print(f"smoke: all {len({c.file for c in CHECKS})} result files present in {args.results}")
        return 0
    print(table)
    status = 0
    failed = [c.what for c, _, ok in rows if not ok]
    if failed:
        print(f"\n{len(failed)} check(s) outside tolerance: {'; '.join(failed)}", file=sys.stderr)
        status = 1
    readme = args.readme.read_text()
    wanted = replace_block(readme, table)
    if args.write and wanted != readme:
        args.readme.write_text(wanted)
        print(f"\nupdated the results table in {args.readme}")
    if args.check and wanted != readme:
        print(f"\n{args.readme}'s results table is stale (or was edited by hand): run "
              f"`python tools/report.py --write`", file=sys.stderr)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
