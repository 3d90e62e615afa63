"""Build every generated table from the results JSON files, and check them.

    python -m tools.report              # print the short table of results/; exit 1 on a failure
    python -m tools.report --write      # rewrite the generated blocks of the READMEs, docs/
                                        # and results/LEDGER.md; refresh the notebooks whose
                                        # scripts changed in text only (comments, docstrings)
    python -m tools.report --check      # exit 1 if any of those is stale or hand-edited, a row
                                        # fails, or a committed notebook's cells differ from
                                        # its script's (saying whether --write refreshes it or
                                        # it needs the reference run)
    python -m tools.report --results runs/reproduce --compare results   # a run against ours
    python -m tools.report --results runs/smoke --smoke   # every row's value is present

The rows are in tools/ledger.py: every value the five write-ups print, each either checked
against a tolerance (pass or FAIL) or, where the write-up's number depends on something it does
not give (an unseeded draw, its GPU), marked as a documented deviation with its reason. A
deviation row still checks what can be checked of our value (a shape, a range), so it cannot
hide a failure. Nothing here is edited by hand: run_all --update-reference regenerates it.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from pathlib import Path

if not __package__:  # run as a file (python tools/report.py): import from the root, as -m does
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import datafiles  # noqa: E402
import machinery  # noqa: E402
from tools import ledger, notebooks, tables  # noqa: E402
from tools.ledger import Row  # noqa: E402
from tools.paths import (BENCHMARK, CUDA, LEDGER_FILE, NOTEBOOKS,  # noqa: E402
                         REFERENCE_DIR, SWEEPS, documents)

PASS, DEVIATION, FAIL = "pass", "deviation", "FAIL"


# --------------------------------------------------------------------------- evaluating rows

def resolve(record: dict, path: str, smoke: bool = False):
    """Our value at ``path`` in a results record: 'metrics.key', 'history.run.key[-1]', and
    'a - b' for the difference of two such paths. Raises KeyError/IndexError when absent.
    ``smoke``: a capped run has fewer epochs, so an index past the end of a list that exists
    takes its last element; every key must still be there."""
    if " - " in path:
        first, second = path.split(" - ")
        return resolve(record, first, smoke) - resolve(record, second, smoke)
    value = record
    for part in path.split("."):
        name, *indexes = re.findall(r"[^\[\]]+", part)
        value = value[name]
        for index in indexes:
            if smoke and isinstance(value, list) and value and int(index) >= len(value):
                index = -1
            value = value[int(index)]
    return value


def flat(value) -> list:
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in flat(v)]
    return [value]


def shape(value) -> list[int]:
    return [len(value), *shape(value[0])] if isinstance(value, list) and value else []


def holds(rule: str, value, target, tol: float) -> bool:
    """Does our ``value`` satisfy ``rule`` against ``target``?"""
    if rule == "exact":
        return value == target
    if rule == "abs":
        a, b = flat(value), flat(target)
        return len(a) == len(b) and all(math.isfinite(x) and abs(x - y) <= tol
                                        for x, y in zip(a, b))
    if rule == "rel":
        return math.isfinite(value) and abs(value - target) <= tol * abs(target)
    if rule == "finite":
        return all(math.isfinite(x) for x in flat(value))
    if rule == "min":
        return value >= target
    if rule == "max":
        return value <= target
    if rule == "shape":
        return shape(value) == target
    if rule == "prefix":
        return str(value).startswith(target)
    if rule == "contains":
        return target in str(value)
    raise ValueError(f"unknown rule {rule}")


def rule_text(row: Row, lang: str = "en") -> str:
    target = row.check_target
    if lang == "zh":
        return {"exact": "完全相同", "abs": f"± {row.tol:g}", "rel": f"± {row.tol:.0%}",
                "min": f">= {fmt(target)}", "max": f"<= {fmt(target)}",
                "shape": f"形状 {fmt(target)}", "prefix": f"以 {target} 开头",
                "contains": f"包含“{target}”", "finite": "有限值",
                "figure": "已画出图"}[row.rule]
    return {"exact": "exact", "abs": f"± {row.tol:g}", "rel": f"± {row.tol:.0%}",
            "min": f">= {fmt(target)}", "max": f"<= {fmt(target)}",
            "shape": f"shape {fmt(target)}", "prefix": f"starts {target}",
            "contains": f"contains '{target}'", "finite": "finite",
            "figure": "figure drawn"}[row.rule]


def load(results_dir: Path) -> dict[str, dict | None]:
    records = {}
    for name in sorted({row.file for row in ledger.ROWS}):
        path = Path(results_dir) / f"{name}.json"
        records[name] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    return records


def figure_drawn(results_dir: Path, figures: list[str], name: str, smoke: bool) -> str | None:
    """The figure's file name when it is listed in the record and on disk. A capped run draws
    figures named after fewer epochs (``_1ep`` for ``_3ep``), so smoke matches any count."""
    counted = re.fullmatch(r"(.*_)\d+(ep\.png)", name)
    if smoke and counted:
        pattern = re.escape(counted[1]) + r"\d+" + re.escape(counted[2])
    else:
        pattern = re.escape(name)
    for drawn in figures:
        if re.fullmatch(pattern, drawn) and (Path(results_dir) / drawn).exists():
            return drawn
    return None


def evaluate(results_dir: Path, smoke: bool = False) -> list[tuple[Row, object, str]]:
    """(row, our value or None, status) for every ledger row."""
    records, out = load(results_dir), []
    for row in ledger.ROWS:
        record = records[row.file]
        try:
            value = None if record is None else resolve(record, row.path, smoke)
        except (KeyError, IndexError, TypeError):
            value = None
        if value is not None and row.rule == "figure":
            value = figure_drawn(results_dir, value, row.check_target, smoke)
        if value is None:
            out.append((row, None, FAIL))
            continue
        if row.rule == "figure":
            ok = True
        else:
            ok = holds(row.rule, value, row.check_target, row.tol)
        out.append((row, value, (DEVIATION if row.deviation else PASS) if ok else FAIL))
    return out


def counts(rows) -> dict[str, int]:
    return {status: sum(s == status for *_, s in rows) for status in (PASS, DEVIATION, FAIL)}


# --------------------------------------------------------------------------- rendering

def fmt(value, limit: int = 70) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.4g}"
        return f"{value:.4f}" if abs(value) < 100 else f"{value:.2f}"
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        text = re.sub(r"(\d+\.\d{4})\d+", r"\1", text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def exact_fmt(row: Row, value) -> str:
    """Exact rows, and rows whose tolerance is finer than 4 decimals, show the number as stored
    (every digit); others are rounded."""
    fine = row.rule == "exact" or (row.rule == "abs" and row.tol < 5e-5) or \
        (row.rule == "max" and isinstance(row.check_target, float) and row.check_target < 1e-4)
    if fine and isinstance(value, float):
        return repr(value)
    return fmt(value)


def status_cell(row: Row, status: str, lang: str = "en") -> str:
    if status == FAIL:
        return "**FAIL**"
    if status == DEVIATION:
        return ("差异：" if lang == "zh" else "deviation: ") + row.deviation_text(lang)
    return "通过" if lang == "zh" else "pass"


def identical(rows, cuda) -> tuple[int, int]:
    """(values compared, values identical) between the CPU's rows and a GPU run's: every row
    but figures and values that vary by design (timings, unseeded draws)."""
    compared = [(v, w) for (r, v, _), (_, w, _) in zip(rows, cuda)
                if not r.varies and r.rule != "figure"]
    return len(compared), sum(v == w for v, w in compared)


def render_ledger(rows, cuda=None, cuda_name: str = "") -> str:
    """The full ledger; with ``cuda`` (the rows of a run on a GPU, ``cuda_name``), a CUDA
    column beside the CPU one: same rows, same tolerances."""
    c = counts(rows)
    lines = ["# Ledger: every value the five write-ups print", "",
             "Generated by `python -m tools.report --write` from the results JSON files next to "
             "this file; `python -m tools.report --check` fails when it is stale. One row per "
             "printed value (and per figure): *pass* is within the stated tolerance, "
             "*deviation* is a value the write-up drew from something it does not give (an "
             "unseeded random draw, its GPU, its software version) with the reason, and even "
             "then our value is checked for what can be checked (a shape, a range). Tolerances "
             "are derived in docs/results.md, \"How the tolerances are set\".", "",
             f"**{len(rows)} rows: {c[PASS]} pass, {c[DEVIATION]} documented deviations, "
             f"{c[FAIL]} fail.**"]
    if cuda is not None:
        cc = counts(cuda)
        same = identical(rows, cuda)[1]
        lines += ["", f"**On CUDA** ({cuda_name}, results/cuda/): {cc[PASS]} pass, "
                  f"{cc[DEVIATION]} documented deviations, {cc[FAIL]} fail; {same} values are "
                  f"identical to the CPU's (docs/devices.md says which differ, and why)."]
    lines += ["", "| write-up | values | rows | pass | deviation | fail |",
              "| --- | --- | --- | --- | --- | --- |"]
    for key, title in ledger.WRITEUPS.items():
        part = [r for r in rows if r[0].writeup == key]
        pc = counts(part)
        values = sum(r.printed for r, *_ in part)
        lines.append(f"| {key} {title} | {values} | {len(part)} | {pc[PASS]} | {pc[DEVIATION]} "
                     f"| {pc[FAIL]} |")
    head = ("| where | quantity | published | ours | rule | |" if cuda is None else
            "| where | quantity | published | ours (CPU) | ours (CUDA) | rule | CPU | CUDA |")
    for key, title in ledger.WRITEUPS.items():
        lines += ["", f"## {key}: {title}", "", ledger.SCRIPTS[key], "", head,
                  "| --- " * head.count(" | ") + "|"]
        for i, (row, value, status) in enumerate(rows):
            if row.writeup != key:
                continue
            ours = "missing" if value is None else exact_fmt(row, value)
            if cuda is None:
                lines.append(f"| {row.where} | {row.quantity} | {exact_fmt(row, row.published)} "
                             f"| {ours} | {rule_text(row)} | {status_cell(row, status)} |")
                continue
            _, gpu, gpu_status = cuda[i]
            on_gpu = "missing" if gpu is None else exact_fmt(row, gpu)
            lines.append(f"| {row.where} | {row.quantity} | {exact_fmt(row, row.published)} | "
                         f"{ours} | {on_gpu} | {rule_text(row)} | {status_cell(row, status)} | "
                         f"{'**FAIL**' if gpu_status == FAIL else gpu_status} |")
    return "\n".join(lines) + "\n"


HEADERS = {"en": "| lab | quantity | published | source | ours | tolerance | |",
           "zh": "| 实验 | 数值 | 参考值 | 来源 | 我们的结果 | 容差 | |"}


def render_short(rows, lang: str = "en", ledger_link: str | None = "results/LEDGER.md") -> str:
    """The short results table: the headline rows of the ledger, and the ledger's counts (linked to
    ``ledger_link``, or unlinked when None)."""
    lines = [HEADERS[lang], "| --- | --- | --- | --- | --- | --- | --- |"]
    missing = "缺失" if lang == "zh" else "missing"
    order = ["lab1", "lab2", "lab3", "lab4", "mnist"]
    for row, value, status in sorted(rows, key=lambda r: order.index(r[0].lab or "mnist")):
        if not row.headline:
            continue
        lines.append(f"| {row.lab} | {row.headline if lang == 'en' else row.zh} | "
                     f"{exact_fmt(row, row.published)} | {ledger.source_text(row, lang)} | "
                     f"{missing if value is None else exact_fmt(row, value)} | "
                     f"{rule_text(row, lang)} | {status_cell(row, status, lang)} |")
    c, shown = counts(rows), sum(1 for r, *_ in rows if r.headline)
    if lang == "zh":
        link = f" [{ledger_link}]({ledger_link}) " if ledger_link else ""
        lines.append(f"\n上表为 {shown} 个主要数值。完整清单{link}共"
                     f" {len(rows)} 行：{c[PASS]} 行通过，{c[DEVIATION]} 行为有说明的差异，"
                     f"{c[FAIL]} 行失败。")
    else:
        link = f", [{ledger_link}]({ledger_link})," if ledger_link else ""
        lines.append(f"\n{shown} headline values. The full ledger{link} has {len(rows)} rows: "
                     f"{c[PASS]} pass, {c[DEVIATION]} documented deviations, {c[FAIL]} fail.")
    return "\n".join(lines)


def sweep_records(sweeps_dir: Path, prefix: str) -> list[dict]:
    records = [json.loads(p.read_text(encoding="utf-8"))
               for p in sorted(Path(sweeps_dir).glob(f"{prefix}*.json"))]
    return sorted(records, key=lambda r: r["config"]["seed"])


def render_seeds_d2l(sweeps_dir: Path, lang: str = "en") -> str:
    head = ("| batch | seed | train loss | train acc | test acc |" if lang == "en"
            else "| 批量大小 | 种子 | 训练损失 | 训练精度 | 测试精度 |")
    lines = [head, "| --- | --- | --- | --- | --- |"]
    for batch, ref_name, ref in ((4, "write-up" if lang == "en" else "实验报告",
                                  (0.338, 0.875, 0.867)),
                                 (256, "d2l book" if lang == "en" else "d2l 教材",
                                  (0.469, 0.823, 0.779))):
        for rec in sweep_records(sweeps_dir, f"lab3_d2l_bs{batch}"):
            m = rec["metrics"]
            lines.append(f"| {batch} | {rec['config']['seed']} | {m['train_loss']:.4f} | "
                         f"{m['train_acc']:.4f} | {m['test_acc']:.4f} |")
        lines.append(f"| {batch} | {ref_name} | {ref[0]} | {ref[1]} | {ref[2]} |")
    return "\n".join(lines)


def render_seeds_wine(sweeps_dir: Path, lang: str = "en") -> str:
    head = ("| seed | MLP | OLS | train mean | MLP - OLS | mean - MLP |" if lang == "en"
            else "| 种子 | MLP | 最小二乘 | 训练集均值 | MLP - 最小二乘 | 均值 - MLP |")
    lines = [head, "| --- | --- | --- | --- | --- | --- |"]
    for rec in sweep_records(sweeps_dir, "lab4_wine_mlp"):
        m = rec["metrics"]
        lines.append(f"| {rec['config']['seed']} | {m['mlp_test_rmse']:.4f} | "
                     f"{m['ols_test_rmse']:.4f} | {m['mean_test_rmse']:.4f} | "
                     f"{m['mlp_test_rmse'] - m['ols_test_rmse']:+.4f} | "
                     f"{m['mean_test_rmse'] - m['mlp_test_rmse']:.4f} |")
    return "\n".join(lines)


def render_seeds_softmax(sweeps_dir: Path, lang: str = "en") -> str:
    """The spread of the softmax runs over seeds: what the write-up's numbers are compared to."""
    head = ("| seed | torch.nn epoch 1 | torch.nn epoch 10 | write-up init epoch 1 | "
            "write-up init epoch 10 |" if lang == "en" else
            "| 种子 | torch.nn 迭代周期 1 | torch.nn 迭代周期 10 | 报告的初始化 迭代周期 1 | "
            "报告的初始化 迭代周期 10 |")
    lines = [head, "| --- | --- | --- | --- | --- |"]
    recs = sweep_records(sweeps_dir, "lab2_softmax")
    for rec in recs:
        h = rec["history"]
        lines.append(f"| {rec['config']['seed']} | {h['nn']['test_acc'][0]:.4f} | "
                     f"{h['nn']['test_acc'][-1]:.4f} | {h['writeup']['test_acc'][0]:.4f} | "
                     f"{h['writeup']['test_acc'][-1]:.4f} |")
    lines.append(f"| {'write-up' if lang == 'en' else '实验报告'} | 0.7202 | 0.7997 | 0.4533 | "
                 f"0.6876 |")
    return "\n".join(lines)


def render_seeds_logistic(sweeps_dir: Path, lang: str = "en") -> str:
    """The logistic runs' loss sums over seeds: the first epochs depend on the initial weight,
    later ones agree; the write-up's values for comparison."""
    head = ("| seed | torch.nn epoch 1 | epoch 4 | epoch 5 | epoch 10 | defect epoch 1 | "
            "epoch 3 | epoch 10 |" if lang == "en" else
            "| 种子 | torch.nn 迭代周期 1 | 迭代周期 4 | 迭代周期 5 | 迭代周期 10 | 缺陷 迭代周期 1 | "
            "迭代周期 3 | 迭代周期 10 |")
    lines = [head, "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    rows = [(rec["config"]["seed"], rec["history"]["nn"]["loss_sum"],
             rec["history"]["defect"]["loss_sum"])
            for rec in sweep_records(sweeps_dir, "lab2_logistic")]
    rows.append(("write-up" if lang == "en" else "实验报告", ledger.NN_LOSS, ledger.DEFECT_LOSS))
    for seed, nn_loss, defect in rows:
        lines.append(f"| {seed} | {nn_loss[0]:.2f} | {nn_loss[3]:.2f} | {nn_loss[4]:.2f} | "
                     f"{nn_loss[9]:.2f} | {defect[0]:.2f} | {defect[2]:.2f} | {defect[9]:.2f} |")
    return "\n".join(lines)


def render_benchmark(results_dir: Path, lang: str = "en") -> str:
    path = Path(results_dir) / BENCHMARK
    if not path.exists():
        return "(no benchmark yet: run `python -m tools.benchmark --write`)"
    return tables.benchmark(json.loads(path.read_text(encoding="utf-8")), lang)


def render_cuda_speed(results_dir: Path, lang: str = "en") -> str:
    runs = [json.loads((Path(results_dir) / CUDA / name).read_text(encoding="utf-8"))
            for name in ("speed.json", "crossover.json")
            if (Path(results_dir) / CUDA / name).exists()]
    if not runs:
        return "(not measured yet: run `bash tools/gpu_check.sh` on a CUDA machine)"
    return tables.accelerator(runs, lang)


def render_data_files(lang: str = "en") -> str:
    """Each official data file: where it goes, where it comes from, its checksums (from
    datafiles.OFFICIAL and datafiles.download_urls, the values the scripts check)."""
    head = ("| file (under the data dir) | download from | md5 of the .gz | sha256 of the file |"
            if lang == "en" else "| 文件（数据目录下） | 下载地址 | .gz 的 md5 | 文件的 sha256 |")
    lines = [head, "| --- | --- | --- | --- |"]
    for rel, (sha, size, gz_md5) in datafiles.OFFICIAL.items():
        sources = (" or " if lang == "en" else " 或 ").join(datafiles.download_urls(rel))
        size_text = f"{size:,} 字节" if lang == "zh" else f"{size:,} bytes"
        lines.append(f"| `{rel}` ({size_text}) | {sources} | `{gz_md5 or '-'}` | `{sha}` |")
    return "\n".join(lines)


def render_torch_versions(results_dir: Path, lang: str = "en") -> str:
    path = Path(results_dir) / "torch_versions.json"
    if not path.exists():
        return "(not run yet: `python -m tools.platforms torches`)"
    return tables.torch_versions(json.loads(path.read_text(encoding="utf-8")), lang)


def render_platforms(results_dir: Path, lang: str = "en") -> str:
    path = Path(results_dir) / "platforms.json"
    if not path.exists():
        return "(not resolved yet: run `python -m tools.platforms resolve --write`)"
    return tables.platforms(json.loads(path.read_text(encoding="utf-8")), lang)


STEP_ZH = {  # run_all.py's step labels, in Chinese (a test holds every label of results/)
    "lab1: tensor ops and autograd (004, 003)": "lab1：张量运算与自动微分（004、003）",
    "lab2: logistic + softmax regression (004)": "lab2：逻辑回归与 softmax 回归（004）",
    "lab3: blitz LeNet walkthrough + MNIST 32x32 (000, 003)":
        "lab3：blitz LeNet 逐步演示与 MNIST 32x32（000、003）",
    "lab3: d2l LeNet, batch 4 (002)": "lab3：d2l LeNet，批量大小 4（002）",
    "lab3: d2l LeNet, batch 256 (d2l book)": "lab3：d2l LeNet，批量大小 256（d2l 教材）",
    "lab4: wine MLP (003)": "lab4：红酒 MLP（003）",
    "mnist: tutorial epochs 1-3 (001)": "mnist：教程第 1-3 个迭代周期（001）",
    "mnist: resume epochs 4-8 (001)": "mnist：续训第 4-8 个迭代周期（001）",
}


def render_steps(results_dir: Path, lang: str = "en") -> str:
    """How long each step of the committed run took (run_all.json)."""
    path = Path(results_dir) / "run_all.json"
    if not path.exists():
        return "(no timings yet: run `python run_all.py --update-reference`)"
    data = json.loads(path.read_text(encoding="utf-8"))
    env = data["environment"]
    if lang == "zh":
        lines = [f"{env['device_name']}（{env['cpu_threads']} 线程，torch {env['torch']}），"
                 f"依次运行：", "", "| 步骤 | 命令 | 用时 |", "| --- | --- | --- |"]
        unit, total, minutes = "秒", "合计", "（{:.1f} 分钟）"
    else:
        lines = [f"On {env['device_name']} ({env['cpu_threads']} threads, torch {env['torch']}), "
                 f"one step after another:", "", "| step | command | time |",
                 "| --- | --- | --- |"]
        unit, total, minutes = "s", "total", " ({:.1f} min)"
    for step in data["steps"]:
        label = STEP_ZH.get(step["label"], step["label"]) if lang == "zh" else step["label"]
        lines.append(f"| {label} | `python {step['command']}` | "
                     f"{step['seconds']:.0f} {unit} |")
    lines.append(f"| **{total}** | `bash run_all.sh` | **{data['total_seconds']:.0f} {unit}**"
                 f"{minutes.format(data['total_seconds'] / 60)} |")
    return "\n".join(lines)


# The steps of run_all.json the pages quote by name, each by the start of its command.
STEP_TIMES = {"lab1": "lab1_tensor_ops.py", "lab2": "lab2_logistic.py",
              "blitz": "lab3_lenet.py --model blitz", "d2l-bs4": "lab3_lenet.py --batch-size 4",
              "d2l-bs256": "lab3_lenet.py --batch-size 256", "lab4": "lab4_wine_mlp.py",
              "mnist": "mnist_checkpoint.py --epochs 3",
              "mnist-resume": "mnist_checkpoint.py --epochs 8"}


def duration(seconds: float, lang: str = "en") -> str:
    """A run time as the pages quote it: whole seconds up to 90, minutes above."""
    if seconds < 90:
        return f"{seconds:.0f} 秒" if lang == "zh" else f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} 分钟" if lang == "zh" else f"{seconds / 60:.1f} min"


def quoted_values(results_dir: Path, rows, gpu, lang: str = "en") -> dict[str, str]:
    """The numbers and names the pages quote in their prose, each written between
    ``<!-- name -->`` and ``<!-- /name -->`` so that it comes from the results, as the tables
    do: the reference machine, each step's run time, the ledger's counts, and how the GPU run
    compares with the CPU's."""
    values = {"printed-values": str(sum(r.printed for r, *_ in rows))}
    run = Path(results_dir) / "run_all.json"
    if run.exists():
        data = json.loads(run.read_text(encoding="utf-8"))
        env = data["environment"]
        values["ref-cpu"] = env["device_name"]
        values["ref-machine"] = (f"{env['device_name']}，{env['cpu_threads']} 线程" if lang == "zh"
                                 else f"{env['device_name']}, {env['cpu_threads']} threads")
        for key, command in STEP_TIMES.items():
            seconds = [s["seconds"] for s in data["steps"] if s["command"].startswith(command)]
            if seconds:
                values[f"time-{key}"] = duration(seconds[0], lang)
        values["time-total"] = duration(data["total_seconds"], lang)
    bench = Path(results_dir) / BENCHMARK
    if bench.exists():
        data = json.loads(bench.read_text(encoding="utf-8"))
        values["bench-cpu"] = data["environment"]["device_name"]
        if "environment" in data.get("peer", {}):  # the d2l comparison, measured on its own
            values["peer-cpu"] = data["peer"]["environment"]["device_name"]
    if gpu is not None:
        compared, same = identical(rows, gpu)
        c = counts(gpu)
        values["cuda-compared"], values["cuda-same"] = str(compared), str(same)
        values["cuda-counts"] = (
            f"{c[PASS]} 行通过，{c[DEVIATION]} 行为有说明的差异，{c[FAIL]} 行失败" if lang == "zh"
            else f"{c[PASS]} pass, {c[DEVIATION]} documented deviations, {c[FAIL]} fail")
        for where, folder in (("cpu", Path(results_dir)), ("cuda", Path(results_dir) / CUDA)):
            record = folder / "lab3_d2l_bs4.json"
            if record.exists():
                loss = json.loads(record.read_text(encoding="utf-8"))["metrics"]["train_loss"]
                values[f"{where}-bs4-loss"] = f"{loss:.4f}"
        first = Path(results_dir) / CUDA / "lab1_tensor_ops.json"
        name = json.loads(first.read_text(encoding="utf-8"))["environment"]["device_name"]
        values["cuda-gpu"] = " ".join(name.split()[:2])  # 'NVIDIA H100 80GB HBM3': the model
    return values


QUOTED = re.compile(r"(?<!`)<!-- ([\w-]+) -->(.*?)<!-- /\1 -->")  # not one shown as `code`


def replace_quoted(text: str, values: dict[str, str]) -> str:
    """``text`` with every ``<!-- name -->...<!-- /name -->`` holding ``values[name]``."""
    def fill(match):
        name = match[1]
        if name not in values:
            raise SystemExit(f"no value named {name!r} (tools/report.py, quoted_values)")
        return f"<!-- {name} -->{values[name]}<!-- /{name} -->"
    return QUOTED.sub(fill, text)


def ledger_link(doc: Path, results_dir: Path = REFERENCE_DIR) -> str:
    """The ledger, as a link relative to the document that shows the table."""
    return Path(os.path.relpath(Path(results_dir) / LEDGER_FILE, doc.parent)).as_posix()


BLOCKS = {  # name -> render(results dir, ledger rows, language, the document it goes in)
    "results-table": lambda d, rows, lang, doc: render_short(rows, lang, ledger_link(doc, d)),
    "steps-table": lambda d, rows, lang, doc: render_steps(d, lang),
    "seeds-d2l": lambda d, rows, lang, doc: render_seeds_d2l(d / SWEEPS, lang),
    "seeds-wine": lambda d, rows, lang, doc: render_seeds_wine(d / SWEEPS, lang),
    "seeds-softmax": lambda d, rows, lang, doc: render_seeds_softmax(d / SWEEPS, lang),
    "seeds-logistic": lambda d, rows, lang, doc: render_seeds_logistic(d / SWEEPS, lang),
    "benchmark-table": lambda d, rows, lang, doc: render_benchmark(d, lang),
    "cuda-speed": lambda d, rows, lang, doc: render_cuda_speed(d, lang),
    "platforms-table": lambda d, rows, lang, doc: render_platforms(d, lang),
    "torch-versions": lambda d, rows, lang, doc: render_torch_versions(d, lang),
    "data-files": lambda d, rows, lang, doc: render_data_files(lang)}


def replace_block(text: str, name: str, body: str) -> str:
    """``text`` with the lines between ``<!-- name:begin -->`` and ``<!-- name:end -->``
    replaced by ``body``."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    if begin not in text or end not in text:
        raise SystemExit(f"no {begin} ... {end} block")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body}\n{end}{tail}"


def generated_files(results_dir: Path, rows, docs: dict[Path, str] | None = None
                    ) -> dict[Path, str]:
    """Every generated file as it should read now: the documents (``docs``: path -> language;
    default: both READMEs and every page of docs/) with fresh blocks, and the ledger."""
    wanted = {}
    gpu_dir = Path(results_dir) / CUDA
    first = gpu_dir / "lab1_tensor_ops.json"  # there when tools/gpu_check.sh has run
    gpu = evaluate(gpu_dir) if first.exists() else None
    values = {lang: quoted_values(results_dir, rows, gpu, lang) for lang in ("en", "zh")}
    for path, lang in (documents() if docs is None else docs).items():
        text = path.read_text(encoding="utf-8")
        for name, render in BLOCKS.items():
            if f"<!-- {name}:begin -->" in text:
                text = replace_block(text, name, render(Path(results_dir), rows, lang, path))
        wanted[path] = replace_quoted(text, values[lang])
    name = json.loads(first.read_text(encoding="utf-8"))["environment"].get(
        "device_name", "a GPU") if gpu else ""
    wanted[Path(results_dir) / LEDGER_FILE] = render_ledger(rows, gpu, name)
    if gpu:
        wanted[gpu_dir / LEDGER_FILE] = render_ledger(gpu)
    return wanted


# --------------------------------------------------------------------------- comparing runs

def compare(ours: Path, reference: Path) -> tuple[str, int, int]:
    """How a run's values compare with the committed reference: (text, identical, differ)."""
    mine, ref = evaluate(ours), evaluate(reference)
    same, differ, lines = 0, [], []
    for (row, value, _), (_, ref_value, _) in zip(mine, ref):
        if row.varies or value is None or ref_value is None or row.rule == "figure":
            continue
        if value == ref_value:
            same += 1
            continue
        a, b = flat(value), flat(ref_value)
        numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in a + b)
        gap = max(abs(x - y) for x, y in zip(a, b)) if numeric and len(a) == len(b) else None
        differ.append((row, value, ref_value, gap))
    for row, value, ref_value, gap in differ[:25]:
        lines.append(f"  {row.writeup} {row.quantity}: yours {fmt(value, 40)}, reference "
                     f"{fmt(ref_value, 40)}" + (f" (differs by {gap:.3g})" if gap else ""))
    if len(differ) > 25:
        lines.append(f"  ... and {len(differ) - 25} more")
    head = (f"Compared with the committed reference ({reference}): {same} values identical, "
            f"{len(differ)} differ (timings and other machine-dependent values are skipped). "
            "Small differences are expected on another CPU or torch version "
            "(docs/results.md, 'Reproducibility').")
    return "\n".join([head, *lines]), same, len(differ)


# --------------------------------------------------------------------------- command line

def console_safe() -> None:
    """Print anything to any console: a character the output's encoding lacks (a redirected
    Windows console uses its code page) is replaced instead of stopping the program."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


def write_all(results_dir: Path = REFERENCE_DIR, docs: dict | None = None) -> list[Path]:
    """Rewrite every generated file whose content changed; returns those paths."""
    changed = []
    for path, text in generated_files(results_dir, evaluate(results_dir), docs).items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            with machinery.atomic_write(path) as f:
                f.write(text)
            changed.append(path)
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=REFERENCE_DIR,
                        help="folder holding the results JSON files")
    parser.add_argument("--doc", type=Path, default=None,
                        help="check or write only this document (default: both READMEs and "
                             "every page of docs/)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the generated files")
    mode.add_argument("--check", action="store_true",
                      help="fail when a generated file differs from what the results give")
    mode.add_argument("--smoke", action="store_true",
                      help="only require every row's value (capped runs miss the targets)")
    mode.add_argument("--compare", type=Path, metavar="REFERENCE",
                      help="also compare these results with a reference folder")
    args = parser.parse_args(argv)
    console_safe()
    docs = None if args.doc is None else {args.doc: "zh" if "zh" in str(args.doc) else "en"}

    rows = evaluate(args.results, smoke=args.smoke)
    if args.smoke:
        missing = [f"{row.file}: {row.path}" for row, value, _ in rows if value is None]
        if missing:
            print(f"{len(missing)} value(s) missing in {args.results}: "
                  f"{'; '.join(missing[:8])}", file=sys.stderr)
            return 1
        print(f"smoke: all {len(rows)} ledger values present in {args.results}")
        return 0
    # The reference's ledger is linked from the repository's root; another run's, by its path.
    ledger_file = args.results / LEDGER_FILE
    same = args.results.resolve() == REFERENCE_DIR.resolve()
    print(render_short(rows, ledger_link="results/LEDGER.md" if same else
                       str(ledger_file) if ledger_file.exists() else None))
    status = 0
    failed = [f"{r.writeup} {r.quantity}" for r, _, s in rows if s == FAIL]
    if failed:
        print(f"\n{len(failed)} row(s) FAIL: {'; '.join(failed[:12])}", file=sys.stderr)
        status = 1
    if args.compare:
        print("\n" + compare(args.results, args.compare)[0])
    if args.write:
        for path in write_all(args.results, docs):
            print(f"updated {path}")
        if (Path(args.results) / NOTEBOOKS).is_dir():
            for path in notebooks.refresh(args.results):
                print(f"refreshed {path} (its outputs kept: no code it runs changed)")
    if args.check:
        for path, text in generated_files(args.results, rows, docs).items():
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                print(f"{path} is stale (or was edited by hand): run `python -m tools.report "
                      f"--write`", file=sys.stderr)
                status = 1
        if (Path(args.results) / NOTEBOOKS).is_dir():
            for problem in notebooks.stale(args.results):
                print(problem, file=sys.stderr)
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
