"""Speed of every choice the labs make, each against the old default, in one process.

Every comparison runs in one process, on the same seed and the same batches (both input
pipelines feed identical batches; final weights are compared where the arithmetic is the same).
The machine's speed drifts by ~10-30% over minutes, so kernel and loop comparisons interleave
their variants over several rounds and report the median.

    python tools/benchmark.py                 # everything, ~25 minutes on a 2-core CPU
    python tools/benchmark.py --quick         # shorter rounds, no 10-epoch compile run
    python tools/benchmark.py --write         # save results/benchmark.json, update the READMEs

Sections:
  pipelines  the course's DataLoader path against the tensor path, per lab (one epoch each)
  kernels    convolution kernels per batch size (common.conv_plan) against oneDNN in the
             default layout, and the batch-4 training loop against the old one
  anatomy    one batch-4 step: the bare step, the old loop's extras, the new loop's
  compile    d2l LeNet at batch 256, 10 epochs (evaluation included): eager against --compile,
             compile time included
  peer       the course's pipeline as d2l ships it (DataLoader, 4 workers) against ours
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import common  # noqa: E402
import lab2_logistic  # noqa: E402
import lab3_lenet  # noqa: E402
import mnist_checkpoint  # noqa: E402

OLD_DEFAULT = common.ConvPlan(onednn=True, channels_last=False, threads=None)


def d2l_model() -> nn.Module:
    model = lab3_lenet.d2l_lenet()
    lab3_lenet.xavier_init(model)
    return model


def softmax_model() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))


@dataclass(frozen=True)
class Case:
    """A lab's training step at its write-up settings."""
    name: str
    data: common.ImageData
    batch_size: int
    make_model: Callable[[], nn.Module]
    loss: Callable
    lr: float
    momentum: float = 0.0


# The labs' own settings, read from the labs rather than repeated here.
D2L, BLITZ = lab3_lenet.SETTINGS["d2l"], lab3_lenet.SETTINGS["blitz"]
SOFTMAX = lab2_logistic.SOFTMAX_RUNS[0]            # the torch.nn run
MNIST = mnist_checkpoint.parse_args([])[0]          # the tutorial's defaults
CASES = {
    "softmax": Case(f"lab2 softmax (torch.nn), batch {lab2_logistic.SOFTMAX_BATCH}",
                    SOFTMAX.data, lab2_logistic.SOFTMAX_BATCH, softmax_model, F.cross_entropy,
                    SOFTMAX.lr),
    "d2l4": Case("lab3 d2l LeNet, batch 4", D2L["data"], 4, d2l_model, F.cross_entropy,
                 D2L["lr"], D2L["momentum"]),
    "d2l256": Case("lab3 d2l LeNet, batch 256", D2L["data"], 256, d2l_model, F.cross_entropy,
                   D2L["lr"], D2L["momentum"]),
    "blitz": Case(f"lab3 blitz LeNet, MNIST 32x32, batch {BLITZ['batch_size']}", BLITZ["data"],
                  BLITZ["batch_size"], lab3_lenet.LeNet5, F.cross_entropy, BLITZ["lr"],
                  BLITZ["momentum"]),
    "mnist": Case(f"mnist tutorial CNN, batch {MNIST.batch_size}", mnist_checkpoint.DATA,
                  MNIST.batch_size, mnist_checkpoint.MnistNet, F.nll_loss, MNIST.lr,
                  MNIST.momentum),
}


def loaders(case: Case, kind: str, device, data_dir, seed: int, max_batches=None, workers=0):
    return common.image_loaders(case.data, data_dir, kind=kind, batch_size=case.batch_size,
                                test_batch_size=1000, device=device, seed=seed,
                                workers=workers, max_batches=max_batches)


def fresh(case: Case, seed: int, plan: common.ConvPlan, device):
    common.seed_everything(seed)
    model = plan.prepare(case.make_model().to(device))
    return model, torch.optim.SGD(model.parameters(), lr=case.lr, momentum=case.momentum,
                                  foreach=True)


# --------------------------------------------------------------------------- training loops

def bare_steps(model, loader, optimizer, loss_fn) -> int:
    """Forward, backward, update: nothing else."""
    seen = 0
    for x, y in loader:
        loss = loss_fn(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        seen += len(y)
    return seen


def old_loop(model, loader, optimizer, loss_fn) -> int:
    """The lab's training loop before issue 13: running sums on the device every step, and the
    progress wrapper around the loader."""
    from tqdm import tqdm  # noqa: PLC0415

    device = next(model.parameters()).device
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), dtype=torch.long, device=device)
    seen = 0
    for x, y in tqdm(loader, disable=True):
        logits = model(x)
        loss = loss_fn(logits, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_sum += loss.detach() * len(y)
        correct += (logits.argmax(1) == y).sum()
        seen += len(y)
    loss_sum.item()
    return seen


def new_loop(model, loader, optimizer, loss_fn) -> int:
    """The lab's training loop now (lab3_lenet.train_one_epoch), timed as the lab times it."""
    timer = common.Throughput(next(model.parameters()).device)
    lab3_lenet.train_one_epoch(model, model, loader, optimizer, timer)
    return timer.examples


def timed(fn, *args, device) -> tuple[float, int]:
    common.sync(device)
    start = time.perf_counter()
    seen = fn(*args)
    common.sync(device)
    return time.perf_counter() - start, seen


def interleaved(variants: dict, rounds: int) -> dict:
    """Run each variant once per round, in turn; examples/sec per round, their median, and
    each variant's speed-up over the first as the median of per-round ratios (a round's
    variants run back to back, so the machine's slow drift cancels in the ratio)."""
    rates = {name: [] for name in variants}
    for _ in range(rounds):
        for name, run in variants.items():
            seconds, seen = run()
            rates[name].append(seen / seconds)
    base = rates[next(iter(variants))]
    return {name: {"median": statistics.median(r), "min": min(r), "max": max(r), "rounds": r,
                   "speedup": statistics.median(a / b for a, b in zip(r, base))}
            for name, r in rates.items()}


# --------------------------------------------------------------------------- sections

def pipelines(device, data_dir, seed: int, max_batches) -> list[dict]:
    """One training epoch per pipeline and lab, same batches; the loader-only share shows how
    much of the DataLoader epoch is fetching."""
    rows = []
    for case in CASES.values():
        row, weights = {"case": case.name}, {}
        plan = common.conv_plan(device, case.batch_size)
        for kind in ("dataloader", "tensor"):
            train, _ = loaders(case, kind, device, data_dir, seed, max_batches)
            fetch, _ = timed(lambda: sum(len(y) for _, y in train), device=device)
            train.generator.manual_seed(seed)
            model, optimizer = fresh(case, seed, plan, device)
            with plan.kernels():
                seconds, seen = timed(bare_steps, model, train, optimizer, case.loss,
                                      device=device)
            row[kind] = {"examples": seen, "seconds": seconds, "examples_per_sec": seen / seconds,
                         "fetch_seconds": fetch}
            weights[kind] = [p.detach().cpu().clone() for p in model.parameters()]
        row["ratio"] = row["tensor"]["examples_per_sec"] / row["dataloader"]["examples_per_sec"]
        row["same_weights"] = all(torch.equal(a, b) for a, b in
                                  zip(weights["dataloader"], weights["tensor"]))
        rows.append(row)
        print(f"pipelines  {case.name:<42} dataloader {row['dataloader']['examples_per_sec']:>9,.0f}"
              f"  tensor {row['tensor']['examples_per_sec']:>9,.0f} ex/s  {row['ratio']:.2f}x  "
              f"same weights: {row['same_weights']}", flush=True)
    return rows


def kernels(device, data_dir, seed: int, rounds: int, examples: int) -> list[dict]:
    """Each lab's step with the kernels common.conv_plan picks against the old default
    (oneDNN, default layout, every thread), and at batch 4 the whole new loop against the old.
    Each round trains on ``examples`` examples (4x as many above batch 8: those steps are
    faster)."""
    rows = []
    for key in ("d2l4", "d2l256", "blitz", "mnist"):
        case = CASES[key]
        small = case.batch_size <= common.SMALL_BATCH
        cap = max(3, (examples if small else 4 * examples) // case.batch_size)
        train, _ = loaders(case, "tensor", device, data_dir, seed, max_batches=cap)
        plan = common.conv_plan(device, case.batch_size)

        def run(chosen, loop):
            def go():
                train.generator.manual_seed(seed)
                model, optimizer = fresh(case, seed, chosen, device)
                with chosen.kernels():
                    return timed(loop, model, train, optimizer, case.loss, device=device)
            return go

        variants = {"old default": run(OLD_DEFAULT, bare_steps), "conv plan": run(plan, bare_steps)}
        if key == "d2l4":
            variants = {"old default": run(OLD_DEFAULT, old_loop),
                        "conv plan": run(plan, bare_steps),
                        "conv plan + new loop": run(plan, new_loop)}
        result = interleaved(variants, rounds)
        row = {"case": case.name, "plan": plan.__dict__, "steps": cap, "variants": result,
               "speedup": {k: v["speedup"] for k, v in result.items()}}
        rows.append(row)
        print(f"kernels    {case.name:<42} " + "  ".join(
            f"{k} {v['median']:,.0f} ({row['speedup'][k]:.2f}x)" for k, v in result.items()),
            flush=True)
    return rows


def anatomy(device, data_dir, seed: int, rounds: int, examples: int) -> dict:
    """Where the batch-4 loop's time goes beyond the bare step, under the kernels it uses."""
    case = CASES["d2l4"]
    steps = examples // case.batch_size
    train, _ = loaders(case, "tensor", device, data_dir, seed, max_batches=steps)
    plan = common.conv_plan(device, case.batch_size)

    def run(loop):
        def go():
            train.generator.manual_seed(seed)
            model, optimizer = fresh(case, seed, plan, device)
            with plan.kernels():
                return timed(loop, model, train, optimizer, case.loss, device=device)
        return go

    result = interleaved({"bare step": run(bare_steps), "old loop": run(old_loop),
                          "new loop": run(new_loop)}, rounds)
    print("anatomy    batch-4 step: " + "  ".join(
        f"{k} {v['median']:,.0f} ({v['speedup']:.2f} of bare)" for k, v in result.items()),
        flush=True)
    return {"steps": steps, "variants": result,
            "of_bare": {k: v["speedup"] for k, v in result.items()}}


def compile_run(device, data_dir, seed: int, epochs: int) -> dict:
    """lab3's fit() at batch 256 for ``epochs`` epochs (evaluation included), wall-clock:
    the old default, the kernel plan, and the kernel plan with --compile (compile included)."""
    case = CASES["d2l256"]
    out = {"epochs": epochs}
    plan = common.conv_plan(device, case.batch_size)
    for name, chosen, compiled in (("old default, eager", OLD_DEFAULT, False),
                                   ("conv plan, eager", plan, False),
                                   ("conv plan, --compile", plan, True)):
        train, test = loaders(case, "tensor", device, data_dir, seed)
        model, optimizer = fresh(case, seed, chosen, device)
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            history, _ = lab3_lenet.fit(model, train, test, optimizer, epochs, device,
                                        compile_model=compiled,
                                        kernels=chosen if chosen is OLD_DEFAULT else None)
        seconds = time.perf_counter() - start
        out[name] = {"seconds": seconds, "test_acc": history["test_acc"][-1],
                     "first_epoch_seconds": len(train.sizes) * case.batch_size /
                     history["examples_per_sec"][0],
                     "steady_examples_per_sec": statistics.median(history["examples_per_sec"][1:])
                     if epochs > 1 else history["examples_per_sec"][0]}
        print(f"compile    {name:<24} {seconds:6.1f} s for {epochs} epochs "
              f"(test acc {out[name]['test_acc']:.4f})", flush=True)
    base = out["old default, eager"]["seconds"]
    out["speedup"] = {k: base / out[k]["seconds"] for k in
                      ("old default, eager", "conv plan, eager", "conv plan, --compile")}
    out["compile_vs_eager"] = out["conv plan, eager"]["seconds"] / \
        out["conv plan, --compile"]["seconds"]
    return out


def peer(device, data_dir, seed: int, examples: int) -> list[dict]:
    """d2l's own pipeline (torchvision transforms, DataLoader with 4 workers) against ours, each
    with the lab's kernels; batch 4 over ``examples`` examples, batch 256 over one epoch."""
    rows = []
    for key in ("d2l4", "d2l256"):
        case = CASES[key]
        cap = examples // case.batch_size if case.batch_size == 4 else None
        plan = common.conv_plan(device, case.batch_size)
        row = {"case": case.name}
        for name, kind, workers in (("d2l DataLoader, 4 workers", "dataloader", 4),
                                    ("ours (tensor)", "tensor", 0)):
            train, _ = loaders(case, kind, device, data_dir, seed, max_batches=cap,
                               workers=workers)
            model, optimizer = fresh(case, seed, plan, device)
            with plan.kernels():
                seconds, seen = timed(new_loop, model, train, optimizer, case.loss,
                                      device=device)
            row[name] = seen / seconds
        row["ratio"] = row["ours (tensor)"] / row["d2l DataLoader, 4 workers"]
        rows.append(row)
        print(f"peer       {case.name:<42} d2l pipeline {row['d2l DataLoader, 4 workers']:,.0f}  "
              f"ours {row['ours (tensor)']:,.0f} ex/s  {row['ratio']:.2f}x", flush=True)
    return rows


def mnist_full(device, data_dir, epochs: int) -> dict:
    """The MNIST tutorial's whole run (train + evaluation + checkpoints), once per pipeline."""
    out = {"epochs": epochs}
    for kind in ("dataloader", "tensor"):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            mnist_checkpoint.main(["--epochs", str(epochs), "--loader", kind, "--device",
                                   str(device), "--data-dir", str(data_dir), "--out-dir",
                                   str(common.RUNS_DIR / f"bench_{kind}")])
        out[kind] = time.perf_counter() - start
        print(f"mnist      {epochs} epochs, {kind:<10}: {out[kind]:.1f} s wall", flush=True)
    return out


# --------------------------------------------------------------------------- rendering

TEXT = {
    "en": {"head": "Measured by `python tools/benchmark.py` on {cpu} ({threads} threads, torch "
                   "{torch}), in one process; examples/sec, medians of interleaved rounds.",
           "kernels": "**Kernels per batch size** (`common.conv_plan`; training step, same "
                      "batches) against the old default, oneDNN in the default layout "
                      "({rounds} interleaved rounds; the speed-up is the median of per-round "
                      "ratios, its range in brackets):",
           "kcols": "| lab, setting | old default ex/s | now ex/s | speed-up |",
           "anatomy": "**Batch-4 step** with the kernels it now uses: the old loop kept "
                      "{old:.2f} of the bare step's speed, the new loop keeps {new:.2f}.",
           "compile": "**`--compile`, d2l LeNet at batch 256, {epochs} epochs** (whole "
                      "`fit()`: training and evaluation, compile time included): old default "
                      "{old:.0f} s, conv plan {eager:.0f} s ({se:.2f}x), conv plan + "
                      "`--compile` {comp:.0f} s ({sc:.2f}x; {ce:.2f}x over eager with the same "
                      "kernels).",
           "pcols": "| lab, setting | dataloader ex/s | tensor ex/s | ratio | loader-only "
                    "share of dataloader epoch | same weights |",
           "pipelines": "**Input pipelines**, one training epoch each:",
           "peer": "**Peer baseline**: d2l's own pipeline (DataLoader, 4 workers): "
                   "{rows}.",
           "mnist": "MNIST tutorial, whole {epochs}-epoch run (training, evaluation, "
                    "checkpoints): dataloader {dl:.0f} s, tensor {tn:.0f} s ({r:.2f}x).",
           "yes": "yes", "no": "NO"},
    "zh": {"head": "由 `python tools/benchmark.py` 在 {cpu}（{threads} 线程，torch {torch}）上于同一"
                   "进程内测得；单位为每秒样本数，取交替多轮的中位数。",
           "kernels": "**按批量大小选择卷积内核**（`common.conv_plan`；训练步，相同批次），对比原默认"
                      "（oneDNN，默认内存布局）；交替运行 {rounds} 轮，加速比取各轮比值的中位数，括号内为范围：",
           "kcols": "| 实验与设置 | 原默认每秒样本 | 现在每秒样本 | 加速比 |",
           "anatomy": "**批量大小 4 的一步**（使用现在的内核）：旧循环保留裸训练步速度的 {old:.2f}，"
                      "新循环保留 {new:.2f}。",
           "compile": "**`--compile`，d2l LeNet，批量大小 256，{epochs} 轮**（整个 `fit()`：训练加"
                      "评估，含编译时间）：原默认 {old:.0f} 秒，按批量选内核 {eager:.0f} 秒（{se:.2f} "
                      "倍），再加 `--compile` {comp:.0f} 秒（{sc:.2f} 倍；比相同内核的 eager 快 "
                      "{ce:.2f} 倍）。",
           "pcols": "| 实验与设置 | dataloader 每秒样本 | tensor 每秒样本 | 比值 | 仅加载数据占 "
                    "dataloader 轮次的比例 | 权重相同 |",
           "pipelines": "**输入管线**，各训练一轮：",
           "peer": "**同类基线**：d2l 自带的管线（DataLoader，4 个 worker）：{rows}。",
           "mnist": "MNIST 教程完整 {epochs} 轮（训练、评估、检查点）：dataloader {dl:.0f} 秒，"
                    "tensor {tn:.0f} 秒（{r:.2f} 倍）。",
           "yes": "是", "no": "否"},
}


def render(data: dict, lang: str = "en") -> str:
    t, env = TEXT[lang], data["environment"]
    lines = [t["head"].format(cpu=env["device_name"], threads=env["cpu_threads"],
                              torch=env["torch"]), ""]
    if data.get("kernels"):
        rounds = len(data["kernels"][0]["variants"]["old default"]["rounds"])
        lines += [t["kernels"].format(rounds=rounds), "", t["kcols"], "| --- | --- | --- | --- |"]
        for row in data["kernels"]:
            now = "conv plan + new loop" if "conv plan + new loop" in row["variants"] \
                else "conv plan"
            old, new = row["variants"]["old default"], row["variants"][now]
            ratios = [a / b for a, b in zip(new["rounds"], old["rounds"])]
            lines.append(f"| {row['case']} | {old['median']:,.0f} | {new['median']:,.0f} | "
                         f"{row['speedup'][now]:.2f}x ({min(ratios):.2f}-{max(ratios):.2f}) |")
        lines.append("")
    if data.get("anatomy"):
        a = data["anatomy"]["of_bare"]
        lines += [t["anatomy"].format(old=a["old loop"], new=a["new loop"]), ""]
    if data.get("compile"):
        c = data["compile"]
        lines += [t["compile"].format(
            epochs=c["epochs"], old=c["old default, eager"]["seconds"],
            eager=c["conv plan, eager"]["seconds"], comp=c["conv plan, --compile"]["seconds"],
            se=c["speedup"]["conv plan, eager"], sc=c["speedup"]["conv plan, --compile"],
            ce=c["compile_vs_eager"]), ""]
    if data.get("peer"):
        rows = "; ".join(f"{r['case']}: {r['d2l DataLoader, 4 workers']:,.0f} -> "
                         f"{r['ours (tensor)']:,.0f} ({r['ratio']:.2f}x)" for r in data["peer"])
        lines += [t["peer"].format(rows=rows), ""]
    if data.get("pipelines"):
        lines += [t["pipelines"], "", t["pcols"], "| --- | --- | --- | --- | --- | --- |"]
        for r in data["pipelines"]:
            dl, tn = r["dataloader"], r["tensor"]
            # Fetching alone and the whole epoch are timed in separate passes; where fetching
            # is all of the epoch (softmax), noise can put the ratio above 1: shown as 100%.
            share = min(1.0, dl["fetch_seconds"] / dl["seconds"])
            lines.append(f"| {r['case']} | {dl['examples_per_sec']:,.0f} | "
                         f"{tn['examples_per_sec']:,.0f} | {r['ratio']:.2f}x | {share:.0%} | "
                         f"{t['yes'] if r['same_weights'] else t['no']} |")
    if data.get("mnist_full"):
        m = data["mnist_full"]
        lines += ["", t["mnist"].format(epochs=m["epochs"], dl=m["dataloader"], tn=m["tensor"],
                                        r=m["dataloader"] / m["tensor"])]
    return "\n".join(lines).strip()


# --------------------------------------------------------------------------- command line

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="fewer, shorter rounds and no 10-epoch compile run (~3 minutes)")
    parser.add_argument("--sections", nargs="*", default=None,
                        choices=("pipelines", "kernels", "anatomy", "compile", "peer"),
                        help="run only these sections (default: all)")
    parser.add_argument("--mnist-epochs", type=int, default=0,
                        help="also time mnist_checkpoint.py's whole run for this many epochs")
    parser.add_argument("--out", type=Path, default=common.RUNS_DIR / "benchmark.json",
                        help="where the measurements go (--write: results/benchmark.json)")
    parser.add_argument("--write", action="store_true",
                        help="save into results/ and put the tables into both READMEs")
    args = parser.parse_args(argv)
    device = common.select_device(args.device)
    data_dir = common.resolve_data_dir(args.data_dir)
    wanted = set(args.sections or ("pipelines", "kernels", "anatomy", "compile", "peer"))
    rounds, examples = (2, 4000) if args.quick else (9, 12000)

    data = {"environment": common.environment(device)}
    if "kernels" in wanted:
        data["kernels"] = kernels(device, data_dir, args.seed, rounds, examples)
    if "anatomy" in wanted:
        data["anatomy"] = anatomy(device, data_dir, args.seed, rounds, examples)
    if "compile" in wanted and not args.quick:
        data["compile"] = compile_run(device, data_dir, args.seed, epochs=10)
    if "peer" in wanted:
        data["peer"] = peer(device, data_dir, args.seed, examples)
    if "pipelines" in wanted:
        data["pipelines"] = pipelines(device, data_dir, args.seed,
                                      max_batches=200 if args.quick else None)
    if args.mnist_epochs:
        data["mnist_full"] = mnist_full(device, data_dir, args.mnist_epochs)
    from tools import report  # noqa: PLC0415 -- report imports this module

    out = report.REFERENCE_DIR / "benchmark.json" if args.write else args.out
    with common.atomic_write(out) as f:
        f.write(json.dumps(common.jsonable(data), indent=2) + "\n")
    print("\n" + render(data))
    if args.write:
        for path in report.write_all():
            print(f"updated {path}")
    return 0 if all(r["same_weights"] for r in data.get("pipelines", [])) else 1


if __name__ == "__main__":
    sys.exit(main())
