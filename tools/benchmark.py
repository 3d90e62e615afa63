"""Speed of every choice the labs make, each against PyTorch's default, in one process.

Every comparison runs in one process, on the same seed and the same batches (both input
pipelines feed identical batches; final weights are compared where the arithmetic is the same).
The machine's speed drifts by ~10-30% over minutes, so kernel and loop comparisons interleave
their variants over several rounds and report the median.

    python -m tools.benchmark                 # everything, ~25 minutes on a 2-core CPU
    python -m tools.benchmark --quick         # shorter rounds, no 10-epoch compile run
    python -m tools.benchmark --write         # save results/benchmark.json, update the docs

Sections:
  pipelines  the course's DataLoader path against the tensor path, per lab (one epoch each)
  kernels    convolution kernels per batch size (speed.conv_plan) against oneDNN in the
             default layout, and the lab's batch-4 training loop against one that sums the
             loss and accuracy on the device every step
  anatomy    one batch-4 step: the bare step, that per-step-sums loop, the lab's loop
  compile    d2l LeNet at batch 256, 10 epochs (evaluation included): eager against --compile,
             compile time included
  peer       the real d2l 1.0.3 package's train_ch6 (its DataLoader, 4 workers) against
             python lab3_lenet.py, eager and --compile, each a process of its own as a
             student runs it: batch 4 for 1 epoch, 256 for 3 (skipped, with the reason,
             where d2l cannot be imported)
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

if not __package__:  # run as a file (python tools/benchmark.py): import from the root, as -m does
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

import common  # noqa: E402
import datafiles  # noqa: E402
import lab2_logistic  # noqa: E402
import lab3_lenet  # noqa: E402
import machinery  # noqa: E402
import mnist_checkpoint  # noqa: E402
import speed  # noqa: E402
from tools import report, tables  # noqa: E402
from tools.paths import BENCHMARK, REFERENCE_DIR, RUNS_DIR  # noqa: E402

# PyTorch's own choice on the CPU: oneDNN convolutions, the default memory layout, every thread.
DEFAULT_KERNELS = speed.ConvPlan(onednn=True, channels_last=False, threads=None)


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


def fresh(case: Case, seed: int, plan: speed.ConvPlan, device):
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


def sums_loop(model, loader, optimizer, loss_fn) -> int:
    """A common way to write the loop: running sums of loss and hits on the device every step,
    and a progress wrapper around the loader."""
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


def lab_epoch(model, loader, optimizer, step=lab3_lenet.train_step) -> tuple[float, int]:
    """lab3's training loop over ``loader`` as lab3's fit runs it (lab3_lenet.train_epoch
    under the CPU kernel plan, watched), timed as the lab times it: (seconds, examples)."""
    device = next(model.parameters()).device
    timer = common.Throughput(device)
    with speed.cnn_kernels(model, device, loader.batch_size):
        timer.start()
        watch = common.Watch(1, optimizer.param_groups[0]["lr"])
        lab3_lenet.train_epoch(model, loader, optimizer, step, watch)
        watch.end()
        timer.stop(loader.num_examples)
    return timer.seconds, timer.examples


def lab_loop(model, loader, optimizer, loss_fn) -> int:
    """The lab's training loop (lab3_lenet.train_epoch), timed as the lab times it."""
    return lab_epoch(model, loader, optimizer)[1]


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
        plan = speed.conv_plan(device, case.batch_size)
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
    """Each lab's step with the kernels speed.conv_plan picks against PyTorch's default
    (oneDNN, default layout, every thread), and at batch 4 the lab's whole loop too.
    Each round trains on ``examples`` examples (4x as many above batch 8: those steps are
    faster)."""
    rows = []
    for key in ("d2l4", "d2l256", "blitz", "mnist"):
        case = CASES[key]
        small = case.batch_size <= speed.SMALL_BATCH
        cap = max(3, (examples if small else 4 * examples) // case.batch_size)
        train, _ = loaders(case, "tensor", device, data_dir, seed, max_batches=cap)
        plan = speed.conv_plan(device, case.batch_size)

        def run(chosen, loop):
            def go():
                train.generator.manual_seed(seed)
                model, optimizer = fresh(case, seed, chosen, device)
                with chosen.kernels():
                    return timed(loop, model, train, optimizer, case.loss, device=device)
            return go

        variants = {"default kernels": run(DEFAULT_KERNELS, bare_steps),
                    "conv plan": run(plan, bare_steps)}
        if key == "d2l4":
            variants = {"default kernels": run(DEFAULT_KERNELS, sums_loop),
                        "conv plan": run(plan, bare_steps),
                        "conv plan + lab loop": run(plan, lab_loop)}
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
    plan = speed.conv_plan(device, case.batch_size)

    def run(loop):
        def go():
            train.generator.manual_seed(seed)
            model, optimizer = fresh(case, seed, plan, device)
            with plan.kernels():
                return timed(loop, model, train, optimizer, case.loss, device=device)
        return go

    result = interleaved({"bare step": run(bare_steps), "per-step sums loop": run(sums_loop),
                          "lab loop": run(lab_loop)}, rounds)
    print("anatomy    batch-4 step: " + "  ".join(
        f"{k} {v['median']:,.0f} ({v['speedup']:.2f} of bare)" for k, v in result.items()),
        flush=True)
    return {"steps": steps, "variants": result,
            "of_bare": {k: v["speedup"] for k, v in result.items()}}


def compile_run(device, data_dir, seed: int, epochs: int) -> dict:
    """lab3's fit() at batch 256 for ``epochs`` epochs (evaluation included), wall-clock:
    PyTorch's default kernels, the conv plan, and the conv plan with --compile (compile
    included)."""
    case = CASES["d2l256"]
    out = {"epochs": epochs, "environment": machinery.environment(device)}
    plan = speed.conv_plan(device, case.batch_size)
    for name, chosen, compiled in (("default kernels, eager", DEFAULT_KERNELS, False),
                                   ("conv plan, eager", plan, False),
                                   ("conv plan, --compile", plan, True)):
        train, test = loaders(case, "tensor", device, data_dir, seed)
        model, optimizer = fresh(case, seed, chosen, device)
        history = lab3_lenet.empty_history()
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), speed.forced_plan(chosen):
            step = lab3_lenet.train_step
            if compiled:  # what lab3's --compile chooses, its compile time counted here
                step = speed.compiled_step(step, model, optimizer, speed.first_batch(train),
                                           device)
            lab3_lenet.fit(model, train, test, optimizer, epochs, history, device, step)
        seconds = time.perf_counter() - start
        out[name] = {"seconds": seconds, "test_acc": history["test_acc"][-1],
                     "first_epoch_seconds": len(train.sizes) * case.batch_size /
                     history["examples_per_sec"][0],
                     "steady_examples_per_sec": statistics.median(history["examples_per_sec"][1:])
                     if epochs > 1 else history["examples_per_sec"][0]}
        print(f"compile    {name:<24} {seconds:6.1f} s for {epochs} epochs "
              f"(test acc {out[name]['test_acc']:.4f})", flush=True)
    base = out["default kernels, eager"]["seconds"]
    out["speedup"] = {k: base / out[k]["seconds"] for k in
                      ("default kernels, eager", "conv plan, eager", "conv plan, --compile")}
    out["compile_vs_eager"] = out["conv plan, eager"]["seconds"] / \
        out["conv plan, --compile"]["seconds"]
    return out


@contextlib.contextmanager
def d2l_data_root(data_dir: Path):
    """d2l.load_data_fashion_mnist reads '../data' (torchvision's layout): a working folder
    whose '../data' is ``data_dir``."""
    import tempfile  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "data").symlink_to(Path(data_dir).resolve(), target_is_directory=True)
        (Path(tmp) / "work").mkdir()
        yield Path(tmp) / "work"


def d2l_process(batch_size: int, epochs: int) -> None:
    """What a student's notebook runs with the d2l package, in this process (started by
    ``peer`` as ``python -m tools.benchmark --d2l-process BATCH EPOCHS`` from a folder whose
    '../data' holds Fashion-MNIST): load_data_fashion_mnist, then train_ch6, which prints its
    own examples/sec."""
    import d2l.torch as d2l  # noqa: PLC0415

    torch.manual_seed(0)
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
    d2l.train_ch6(lab3_lenet.d2l_lenet(), train_iter, test_iter, epochs, D2L["lr"],
                  torch.device("cpu"))


def timed_process(command: list[str], cwd: Path) -> tuple[float, str]:
    """Run ``command`` to the end (the project importable, no progress bars); its wall
    seconds, start-up included, and its output."""
    import subprocess  # noqa: PLC0415

    env = {**os.environ, "LABS_PROGRESS": "0",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parent.parent),
                                          os.environ.get("PYTHONPATH", "")])}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"{' '.join(command[:4])}... exited {done.returncode}: "
                           f"{(done.stderr or done.stdout).strip().splitlines()[-1:]}")
    return wall, done.stdout


def peer(device, data_dir, seed: int, rounds: int, cases=(("d2l4", 1), ("d2l256", 3))) -> dict:
    """The real d2l 1.0.3 package against lab3 eager and compiled, counted as a student's runs
    count them: each a whole process of its own (d2l's train_ch6 as a notebook runs it, with
    its 4-worker loaders; ``python lab3_lenet.py``), in interleaved rounds, the medians. Each
    one's rate is the one it prints: d2l's Timer (the steps, not waiting for batches), lab3's
    examples/sec (the whole training pass, compile time apart); wall is the process, start-up,
    data loading, compiling and evaluation included."""
    import tempfile  # noqa: PLC0415

    try:
        import d2l.torch  # noqa: F401, PLC0415
        from d2l import __version__ as d2l_version  # noqa: PLC0415
    except Exception as err:  # noqa: BLE001 -- any import failure skips the section the same way
        reason = f"d2l cannot be imported ({type(err).__name__}: {err}); " \
                 f"pip install --no-deps d2l==1.0.3 (it also imports requests and scipy)"
        print(f"peer       skipped: {reason}", flush=True)
        return {"skipped": reason}
    root = Path(__file__).resolve().parent.parent
    out = {"d2l": d2l_version, "rounds": rounds, "cases": [],
           "environment": machinery.environment(device), "load_average": [os.getloadavg()]}
    with d2l_data_root(data_dir) as work, tempfile.TemporaryDirectory() as runs:
        for key, epochs in cases:
            case = CASES[key]
            lab3 = [sys.executable, str(root / "lab3_lenet.py"), "--batch-size",
                    str(case.batch_size), "--epochs", str(epochs), "--seed", str(seed),
                    "--data-dir", str(data_dir), "--device", str(device), "--out-dir", runs]

            def run_d2l():
                wall, said = timed_process([sys.executable, "-m", "tools.benchmark",
                                            "--d2l-process", str(case.batch_size),
                                            str(epochs)], work)
                return {"rate": float(said.rsplit(" examples/sec", 1)[0].split()[-1]),
                        "wall_seconds": wall}

            def run_lab3(flags):
                def run():
                    wall, said = timed_process(lab3 + flags, root)
                    name = f"lab3_d2l_bs{case.batch_size}" + ("" if epochs == 10 else
                                                              f"_epochs{epochs}")
                    metrics = json.loads((Path(runs) / f"{name}.json").read_text())["metrics"]
                    line = [s for s in said.splitlines() if s.startswith("--compile")]
                    return {"rate": metrics["examples_per_sec"], "wall_seconds": wall,
                            "compile_seconds": metrics.get("compile_seconds"),
                            "said": line[0] if line else ""}
                return run

            variants = {"d2l train_ch6": run_d2l, "lab3 eager": run_lab3([]),
                        "lab3 --compile": run_lab3(["--compile"])}
            runs_of = {name: [] for name in variants}
            for _ in range(rounds):
                for name, run in variants.items():
                    runs_of[name].append(run())
            row = {"case": case.name, "batch_size": case.batch_size, "epochs": epochs,
                   "variants": {}}
            base = runs_of["d2l train_ch6"]
            for name, rs in runs_of.items():
                v = {k: [r[k] for r in rs] for k in ("rate", "wall_seconds")}
                v = {**{k: rs[0][k] for k in ("compile_seconds", "said") if k in rs[0]},
                     "rounds": v, **{f"median_{k}": statistics.median(x) for k, x in v.items()}}
                v["ratio_rate"] = [r["rate"] / b["rate"] for r, b in zip(rs, base)]
                v["ratio_wall"] = [b["wall_seconds"] / r["wall_seconds"] for r, b in zip(rs, base)]
                for k in ("ratio_rate", "ratio_wall"):
                    v[f"median_{k}"] = statistics.median(v[k])
                row["variants"][name] = v
            out["cases"].append(row)
            out["load_average"].append(os.getloadavg())
            print(f"peer       {case.name:<30} " + "  ".join(
                f"{name} {v['median_rate']:,.0f} ex/s ({v['median_ratio_rate']:.2f}x)"
                for name, v in row["variants"].items()), flush=True)
    return out


def mnist_full(device, data_dir, epochs: int) -> dict:
    """The MNIST tutorial's whole run (train + evaluation + checkpoints), once per pipeline."""
    out = {"epochs": epochs}
    for kind in ("dataloader", "tensor"):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            mnist_checkpoint.main(["--epochs", str(epochs), "--loader", kind, "--device",
                                   str(device), "--data-dir", str(data_dir), "--out-dir",
                                   str(RUNS_DIR / f"bench_{kind}")])
        out[kind] = time.perf_counter() - start
        print(f"mnist      {epochs} epochs, {kind:<10}: {out[kind]:.1f} s wall", flush=True)
    return out


def accelerator(device, data_dir, seed: int, rounds: int, examples: int,
                profile_out: Path | None = None, batch_sizes=(4, 256),
                variants=("cpu", "eager", "cuda graph", "cuda graph + compile")) -> dict:
    """The d2l LeNet's training loop (lab3_lenet.train_epoch) at batch 4 and 256 on this
    machine's CPU (the conv plan) against ``device``: eager, as one CUDA graph per step
    (--cuda-graph), and with --compile inside the graph. Each variant first runs a warm pass
    (it captures and compiles: its time is reported), then examples/sec over ``examples``
    training examples, medians of interleaved rounds; these numbers settle --device auto. With
    ``profile_out``, a profiler summary of 50 batch-4 steps of each variant goes there."""
    cpu = torch.device("cpu")
    out, profiles = {"device": machinery.device_name(device), "cpu": machinery.device_name(cpu),
                     "cpu_threads": torch.get_num_threads(), "cases": []}, []
    wanted = [("cpu", cpu, False, False)]
    if device.type != "cpu":
        wanted.append(("eager", device, False, False))
    if device.type == "cuda":
        wanted += [("cuda graph", device, True, False), ("cuda graph + compile", device, True,
                                                         True)]
    wanted = [w for w in wanted if w[0] in variants]
    for batch in batch_sizes:
        case = dataclasses.replace(CASES["d2l4"], batch_size=batch,
                                   name=f"lab3 d2l LeNet, batch {batch}")
        steps = max(8, examples // case.batch_size)
        row, variants = {"case": case.name, "steps": steps, "warm_seconds": {}, "errors": {}}, {}
        for name, dev, graphed, compiled in wanted:
            try:
                variants[name] = warm_variant(case, dev, graphed, compiled, steps, data_dir,
                                              seed, row)
            except Exception as err:  # noqa: BLE001 -- a variant this machine cannot run
                row["errors"][name] = f"{type(err).__name__}: {str(err).splitlines()[0][:300]}"
                print(f"accelerator {case.name}: {name} failed: {row['errors'][name]}", flush=True)
        result = interleaved(variants, rounds)
        row.update(variants=result, speedup={k: v["speedup"] for k, v in result.items()})
        out["cases"].append(row)
        print(f"accelerator {case.name:<30} " + "  ".join(
            f"{k} {v['median']:,.0f} ({v['speedup']:.2f}x)" for k, v in result.items()),
            flush=True)
        if profile_out is not None and case.batch_size == 4:
            profiles += [profile(name, run) for name, run in variants.items()]
    if profile_out is not None:
        with machinery.atomic_write(profile_out) as f:
            f.write("\n\n".join(text for text, _ in profiles) + "\n")
        out["profile"] = {name: summary for name, (_, summary) in zip(variants, profiles)}
    return out


def warm_variant(case: Case, device, graphed: bool, compiled: bool, steps: int, data_dir,
                 seed: int, row: dict):
    """One variant of the lab's loop, warmed (captured, compiled) and ready to time: a
    function that trains over ``steps`` batches and returns (seconds, examples)."""
    plan = speed.conv_plan(device, case.batch_size)
    model, optimizer = fresh(case, seed, plan, device)
    warm, _ = loaders(case, "tensor", device, data_dir, seed, max_batches=10)
    train, _ = loaders(case, "tensor", device, data_dir, seed, max_batches=steps)
    step = lab3_lenet.train_step  # as lab3's main makes it
    if compiled:
        with contextlib.redirect_stdout(io.StringIO()):
            step = speed.compiled_step(step, model, optimizer, speed.first_batch(train), device)
    if graphed:
        step = speed.GraphedStep(step, case.batch_size, device)

    def run(loader):
        with contextlib.redirect_stdout(io.StringIO()):
            return lab_epoch(model, loader, optimizer, step)

    name = "cpu" if device.type == "cpu" else "eager"
    name = {(True, False): "cuda graph", (True, True): "cuda graph + compile"}.get(
        (graphed, compiled), name)
    row["warm_seconds"][name] = run(warm)[0]
    go = (lambda: run(train))
    go.step, go.model, go.optimizer, go.device = step, model, optimizer, device
    go.loader = train
    return go


def profile(name: str, run) -> tuple[str, dict]:
    """50 steps of a warmed variant under torch.profiler: the busiest operations, and per step
    the kernel launches, graph launches and time the device was busy."""
    from torch.profiler import ProfilerActivity, profile as torch_profile  # noqa: PLC0415

    activities = [ProfilerActivity.CPU]
    if run.device.type == "cuda":
        activities.append(ProfilerActivity.CUDA)
    steps = 50
    batches = [b for _, b in zip(range(steps), run.loader)]
    common.sync(run.device)
    with torch_profile(activities=activities) as prof, \
            speed.cnn_kernels(run.model, run.device, len(batches[0][1])):
        for x, y in batches:
            run.step(run.model, x, y, run.optimizer)
        common.sync(run.device)
    events = prof.key_averages()

    def total(event, kind):
        return getattr(event, f"self_{kind}_time_total", 0) or 0

    device_kind = "device" if hasattr(events[0], "self_device_time_total") else "cuda"
    busy = sum(total(e, device_kind) for e in events) / steps if run.device.type == "cuda" else 0
    summary = {"steps": steps,
               "kernel_launches_per_step": sum(e.count for e in events if e.key in (
                   "cudaLaunchKernel", "cuLaunchKernel", "cudaLaunchKernelExC",
                   "cuLaunchKernelEx")) / steps,
               "graph_launches_per_step": sum(e.count for e in events
                                              if e.key == "cudaGraphLaunch") / steps,
               "device_busy_us_per_step": busy,
               "cpu_us_per_step": sum(total(e, "cpu") for e in events
                                      if e.key.startswith(("aten::", "cuda"))) / steps}
    sort = f"self_{device_kind}_time_total" if run.device.type == "cuda" else \
        "self_cpu_time_total"
    table = events.table(sort_by=sort, row_limit=15)
    return f"== {name}, d2l LeNet batch 4, {steps} steps: {summary}\n{table}", summary


# --------------------------------------------------------------------------- command line

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="fewer, shorter rounds and no 10-epoch compile run (~3 minutes)")
    parser.add_argument("--sections", nargs="*", default=None,
                        choices=("pipelines", "kernels", "anatomy", "compile", "peer",
                                 "accelerator"),
                        help="run only these sections (default: all but accelerator, which "
                             "compares --device with the CPU, eager and as CUDA graphs)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="accelerator: write a profiler summary of each variant here")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[4, 256],
                        help="accelerator: the d2l LeNet's batch sizes to time")
    parser.add_argument("--variants", nargs="+", default=["cpu", "eager", "cuda graph",
                                                          "cuda graph + compile"],
                        help="accelerator: which variants to time")
    parser.add_argument("--peer-rounds", type=int, default=3,
                        help="peer: interleaved rounds of d2l, lab3 eager and lab3 --compile")
    parser.add_argument("--mnist-epochs", type=int, default=0,
                        help="also time mnist_checkpoint.py's whole run for this many epochs")
    parser.add_argument("--out", type=Path, default=RUNS_DIR / BENCHMARK,
                        help="where the measurements go (--write: results/benchmark.json)")
    parser.add_argument("--write", action="store_true",
                        help="save into results/ and put the tables into docs/devices.md (both languages)")
    parser.add_argument("--d2l-process", type=int, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.d2l_process:  # peer's d2l run, in a process of its own
        d2l_process(*args.d2l_process)
        return 0
    device = common.select_device(args.device)
    data_dir = datafiles.resolve_data_dir(args.data_dir)
    wanted = set(args.sections or ("pipelines", "kernels", "anatomy", "compile", "peer"))
    rounds, examples = (2, 4000) if args.quick else (9, 12000)

    data = {"environment": machinery.environment(device)}
    if "kernels" in wanted:
        data["kernels"] = kernels(device, data_dir, args.seed, rounds, examples)
    if "anatomy" in wanted:
        data["anatomy"] = anatomy(device, data_dir, args.seed, rounds, examples)
    if "compile" in wanted and not args.quick:
        data["compile"] = compile_run(device, data_dir, args.seed, epochs=10)
    if "peer" in wanted:
        data["peer"] = peer(device, data_dir, args.seed, 1 if args.quick else args.peer_rounds)
    if "pipelines" in wanted:
        data["pipelines"] = pipelines(device, data_dir, args.seed,
                                      max_batches=200 if args.quick else None)
    if args.mnist_epochs:
        data["mnist_full"] = mnist_full(device, data_dir, args.mnist_epochs)
    if "accelerator" in wanted:
        data["accelerator"] = accelerator(device, data_dir, args.seed, max(rounds, 3),
                                          examples * 5, args.profile, args.batch_sizes,
                                          args.variants)
    out = REFERENCE_DIR / BENCHMARK if args.write else args.out
    if args.write and out.exists():  # the sections not run now keep their measurements
        data = {**json.loads(out.read_text(encoding="utf-8")),
                **{k: v for k, v in data.items() if k != "environment"}}
    with machinery.atomic_write(out) as f:
        f.write(json.dumps(machinery.jsonable(data), indent=2) + "\n")
    print("\n" + tables.benchmark(data))
    if args.write:
        for path in report.write_all():
            print(f"updated {path}")
    return 0 if all(r["same_weights"] for r in data.get("pipelines", [])) else 1


if __name__ == "__main__":
    sys.exit(main())
