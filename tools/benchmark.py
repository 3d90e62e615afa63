"""Time the course's 'dataloader' pipeline against our 'tensor' pipeline for every training lab.

For each lab at its write-up settings, in one process and on the same seed (so both pipelines
feed the same batches, which the final weights confirm bit for bit), run one training epoch per
pipeline and report examples/sec and the ratio. A loader-only pass (fetching every batch, no
training) shows where the time goes: what is left is the model's forward/backward/update.

    python tools/benchmark.py                       # ~3 minutes on a 2-core CPU
    python tools/benchmark.py --mnist-epochs 8      # plus the MNIST tutorial's 8 epochs, twice
    python tools/benchmark.py --write               # also put the table into README.md

lab4 (wine) is not listed: its 1,279 rows of 11 numbers have no image pipeline to compare.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import common  # noqa: E402
import lab3_lenet  # noqa: E402
import mnist_checkpoint  # noqa: E402
from tools import report  # noqa: E402

BEGIN, END = "<!-- benchmark-table:begin -->", "<!-- benchmark-table:end -->"


def d2l_model():
    model = lab3_lenet.d2l_lenet()
    lab3_lenet.xavier_init(model)
    return model


# name -> (dataset, mean, std, pad, batch size, model factory, loss, lr, momentum)
CASES = {
    "lab2 softmax (torch.nn), batch 4096": (
        "fashion-mnist", 0.5, 0.5, 0, 4096, lambda: nn.Sequential(nn.Flatten(), nn.Linear(784, 10)),
        F.cross_entropy, 0.05, 0.0),
    "lab3 d2l LeNet, batch 4": ("fashion-mnist", None, None, 0, 4, d2l_model, F.cross_entropy,
                                0.9, 0.0),
    "lab3 d2l LeNet, batch 256": ("fashion-mnist", None, None, 0, 256, d2l_model,
                                  F.cross_entropy, 0.9, 0.0),
    "lab3 blitz LeNet, MNIST 32x32, batch 64": ("mnist", 0.1307, 0.3081, 2, 64, lab3_lenet.LeNet5,
                                                F.cross_entropy, 0.01, 0.9),
    "mnist tutorial CNN, batch 64": ("mnist", 0.1307, 0.3081, 0, 64, mnist_checkpoint.MnistNet,
                                     F.nll_loss, 0.01, 0.5),
}


def time_epoch(case, kind: str, device, data_dir, seed: int, max_batches: int | None):
    dataset, mean, std, pad, bs, make_model, loss_fn, lr, momentum = case
    train, _ = common.image_loaders(dataset, data_dir, kind=kind, batch_size=bs,
                                    test_batch_size=1000, device=device, seed=seed, mean=mean,
                                    std=std, pad=pad)
    train.max_batches = max_batches
    # Loader alone: what fetching the batches costs without any training.
    train.generator.manual_seed(seed)
    t0 = time.perf_counter()
    for x, _ in train:
        pass
    common.sync(device)
    fetch = time.perf_counter() - t0

    train.generator.manual_seed(seed)
    common.seed_everything(seed)
    model = make_model().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, foreach=True)
    model.train()
    seen = 0
    common.sync(device)
    t0 = time.perf_counter()
    for x, y in train:
        loss = loss_fn(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        seen += len(y)
    common.sync(device)
    total = time.perf_counter() - t0
    weights = [p.detach().cpu().clone() for p in model.parameters()]
    return {"examples": seen, "seconds": total, "examples_per_sec": seen / total,
            "fetch_seconds": fetch}, weights


def mnist_full(device, data_dir, epochs: int) -> dict:
    """The MNIST tutorial's whole run (train + evaluation + checkpoints), once per pipeline."""
    out = {}
    for kind in ("dataloader", "tensor"):
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            mnist_checkpoint.main(["--epochs", str(epochs), "--loader", kind, "--device",
                                   str(device), "--data-dir", str(data_dir), "--out-dir",
                                   str(ROOT / "runs" / f"bench_{kind}")])
        out[kind] = time.perf_counter() - t0
        print(f"mnist_checkpoint.py, {epochs} epochs, {kind:<10}: {out[kind]:.1f} s wall",
              flush=True)
    return out


def render(rows: list[dict], env: dict, mnist: dict | None) -> str:
    lines = [f"Measured by `python tools/benchmark.py` on {env['device_name']} "
             f"({env['cpu_threads']} threads, torch {env['torch']}), one training epoch per "
             f"pipeline, same seed and batches.", "",
             "| lab, setting | dataloader ex/s | tensor ex/s | ratio | loader-only share of "
             "dataloader epoch | same weights |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        dl, tn = r["dataloader"], r["tensor"]
        lines.append(f"| {r['case']} | {dl['examples_per_sec']:,.0f} | "
                     f"{tn['examples_per_sec']:,.0f} | {r['ratio']:.2f}x | "
                     f"{dl['fetch_seconds'] / dl['seconds']:.0%} | "
                     f"{'yes' if r['same_weights'] else 'NO'} |")
    if mnist:
        lines += ["", f"MNIST tutorial, whole {mnist['epochs']}-epoch run (training, evaluation, "
                  f"checkpoints): dataloader {mnist['dataloader']:.0f} s, tensor "
                  f"{mnist['tensor']:.0f} s ({mnist['dataloader'] / mnist['tensor']:.2f}x)."]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-batches", type=int, default=None,
                        help="cap each epoch (default: whole epochs)")
    parser.add_argument("--mnist-epochs", type=int, default=0,
                        help="also time mnist_checkpoint.py's whole run for this many epochs")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmark.json")
    parser.add_argument("--write", action="store_true", help="put the table into README.md")
    args = parser.parse_args(argv)
    device = common.select_device(args.device)
    data_dir = common.resolve_data_dir(args.data_dir)

    rows = []
    for name, case in CASES.items():
        row = {"case": name}
        weights = {}
        for kind in ("dataloader", "tensor"):
            row[kind], weights[kind] = time_epoch(case, kind, device, data_dir, args.seed,
                                                  args.max_batches)
        row["ratio"] = row["tensor"]["examples_per_sec"] / row["dataloader"]["examples_per_sec"]
        row["same_weights"] = all(torch.equal(a, b) for a, b in
                                  zip(weights["dataloader"], weights["tensor"]))
        rows.append(row)
        print(f"{name:<42} dataloader {row['dataloader']['examples_per_sec']:>9,.0f} ex/s   "
              f"tensor {row['tensor']['examples_per_sec']:>9,.0f} ex/s   {row['ratio']:.2f}x   "
              f"same weights: {row['same_weights']}", flush=True)
    mnist = None
    if args.mnist_epochs:
        mnist = {"epochs": args.mnist_epochs, **mnist_full(device, data_dir, args.mnist_epochs)}
    env = common.environment(device)
    table = render(rows, env, mnist)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows, "mnist_full": mnist, "environment": env,
                                    "table": table}, indent=2) + "\n")
    print("\n" + table)
    if args.write:
        readme = ROOT / "README.md"
        readme.write_text(report.replace_block(readme.read_text(), table, BEGIN, END))
    return 0 if all(r["same_weights"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
