"""Reproduce every number and figure of the five write-ups, then check them against the ledger.

    python run_all.py                     # full run -> runs/reproduce/, checked and compared
                                          # with the committed reference in results/
    python run_all.py --smoke             # the same steps on capped loops -> runs/smoke/ (~1 min)
    python run_all.py --seeds             # the seed sweeps behind the seed tables (docs/results.md)
    python run_all.py --update-reference  # maintainers: rewrite results/ and the generated tables
    python run_all.py --notebooks         # each step as a notebook in a Jupyter kernel, saved
                                          # with its output and figures in <out-dir>/notebooks/

`bash run_all.sh` runs this file with the same flags (Windows needs only Python). Each step
runs in a fresh Python process with its log in <out-dir>/logs/. The run stops at the first
failing step (printing its log's end) and exits non-zero when a value is out of tolerance.
Set SMOKE=1 for --smoke and PYTHON for another interpreter (with run_all.sh).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import common
import machinery
from tools import notebooks as notebook_tools
from tools import report
from tools.paths import LEDGER_FILE, NOTEBOOKS, REFERENCE_DIR, ROOT, RUNS_DIR, SWEEPS


@dataclass(frozen=True)
class Step:
    label: str
    script: str
    args: tuple[str, ...] = ()
    trains: bool = True     # takes the training flags (--smoke, --data-dir); lab1 does not
    notebook: str = ""      # the file name of its notebook (with --notebooks)


def shown(path: Path) -> str:
    """A path as the steps use it: relative to the repository (where they run) when inside it,
    so logs and the step table read the same on every machine."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def reproduction_steps(out_dir: Path) -> list[Step]:
    """Every lab at the write-ups' settings, in the order the write-ups come."""
    return [
        Step("lab1: tensor ops and autograd (004, 003)", "lab1_tensor_ops.py", trains=False,
             notebook="lab1_tensor_ops"),
        Step("lab2: logistic + softmax regression (004)", "lab2_logistic.py",
             notebook="lab2_logistic"),
        Step("lab3: blitz LeNet walkthrough + MNIST 32x32 (000, 003)", "lab3_lenet.py",
             ("--model", "blitz"), notebook="lab3_blitz"),
        Step("lab3: d2l LeNet, batch 4 (002)", "lab3_lenet.py", ("--batch-size", "4"),
             notebook="lab3_d2l_bs4"),
        Step("lab3: d2l LeNet, batch 256 (d2l book)", "lab3_lenet.py", ("--batch-size", "256"),
             notebook="lab3_d2l_bs256"),
        Step("lab4: wine MLP (003)", "lab4_wine_mlp.py", notebook="lab4_wine_mlp"),
        Step("mnist: tutorial epochs 1-3 (001)", "mnist_checkpoint.py", ("--epochs", "3"),
             notebook="mnist_checkpoint_1-3"),
        Step("mnist: resume epochs 4-8 (001)", "mnist_checkpoint.py",
             ("--epochs", "8", "--resume", shown(out_dir / "mnist_checkpoint.pt")),
             notebook="mnist_checkpoint_4-8"),
    ]


SWEEP_SEEDS = {"d2l": (0, 1, 2), "wine": (0, 1, 2, 3, 4), "lab2": (0, 1, 2, 3, 4)}


def sweep_steps() -> list[Step]:
    """The seed sweeps behind the seed tables (each seed's file is tagged with it)."""
    steps = []
    for batch in (4, 256):
        steps += [Step(f"sweep: d2l LeNet, batch {batch}, seed {s}", "lab3_lenet.py",
                       ("--batch-size", str(batch), "--seed", str(s))) for s in SWEEP_SEEDS["d2l"]]
    steps += [Step(f"sweep: wine MLP, seed {s}", "lab4_wine_mlp.py", ("--seed", str(s)))
              for s in SWEEP_SEEDS["wine"]]
    steps += [Step(f"sweep: logistic + softmax regression, seed {s}", "lab2_logistic.py",
                   ("--seed", str(s))) for s in SWEEP_SEEDS["lab2"]]
    return steps


def chains(steps: list[Step]) -> list[list[int]]:
    """Steps that must run in order (a resume after the run it resumes) form one chain."""
    out: list[list[int]] = []
    for i, step in enumerate(steps):
        if "--resume" in step.args and out:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def run_steps(steps: list[Step], out_dir: Path, common_flags: list[str], training_flags:
              list[str], python: str, jobs: int = 1, notebooks: bool = False,
              typed: list[Step] | None = None) -> dict:
    """Run each step in its own process, ``jobs`` at a time (a resume waits for its run); stop
    at the first failure. With ``notebooks``, each step runs as its notebook in a Jupyter kernel
    (<out-dir>/notebooks/). Returns each step's seconds and the total, with the command a
    student types for it (``typed``: the same steps into the default folder, runs/)."""
    typed = typed or steps
    logs = out_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    if notebooks:
        (out_dir / NOTEBOOKS).mkdir(exist_ok=True)
        os.environ["LABS_PROGRESS"] = "0"  # the kernels inherit it: no bars in saved notebooks
    # Children print UTF-8 whatever the console's code page (Windows consoles default to
    # another one), and nothing is buffered away if a step is killed.
    env = {**os.environ, "PYTHONUTF8": "1", "PYTHONIOENCODING": "utf-8",
           "PYTHONUNBUFFERED": "1"}
    failed: list[int] = []
    seconds = [None] * len(steps)
    lock = threading.Lock()

    def run(i: int) -> bool:
        step = steps[i]
        log = logs / f"{i + 1}_{Path(step.script).stem}.log"
        flags = common_flags + (training_flags if step.trains else [])
        start = time.perf_counter()
        try:
            if notebooks:
                ok, text = notebook_tools.run_notebook(
                    step.script, [*step.args, *flags],
                    out_dir / NOTEBOOKS / f"{step.notebook}.ipynb")
                code = 0 if ok else 1
                log.write_text(text, encoding="utf-8")
            else:
                with open(log, "w", encoding="utf-8") as f:
                    code = subprocess.call([python, str(ROOT / step.script), *step.args,
                                            *flags], stdout=f, stderr=subprocess.STDOUT,
                                           cwd=ROOT, env=env)
        except OSError as err:  # the log itself cannot be written (a full disk, say)
            raise machinery.write_failed(log, err) from None
        with lock:
            head = f"[{i + 1}/{len(steps)}] {step.label:<56}"
            if code:
                failed.append(i)
                print(f"{head} FAILED (exit {code}; log: {log})", flush=True)
                tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-20:]
                print("\n".join(tail), file=sys.stderr, flush=True)
            else:
                seconds[i] = time.perf_counter() - start
                print(f"{head} done in {seconds[i]:.0f} s (log: {log})", flush=True)
        return code == 0

    def run_chain(chain: list[int]) -> None:
        for i in chain:
            if failed or not run(i):
                return

    total = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(run_chain, chains(steps)))
    if failed:
        raise SystemExit(1)
    total = time.perf_counter() - total
    print(f"all steps done in {total:.0f} s")
    return {"steps": [{"label": step.label, "command": " ".join([step.script, *step.args]),
                       "seconds": round(s, 1)} for step, s in zip(typed, seconds)],
            "total_seconds": round(total, 1), "jobs": jobs}


def save_timings(out_dir: Path, timings: dict) -> None:
    """run_all.json: how long each step took, on which machine (README's step-time table)."""
    record = {**timings, "environment": machinery.environment(common.select_device("cpu"))}
    with machinery.atomic_write(out_dir / "run_all.json") as f:
        f.write(json.dumps(record, indent=2) + "\n")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--smoke", action="store_true",
                        default=os.environ.get("SMOKE", "0").lower() in ("1", "true", "yes"),
                        help="every step on capped loops (seconds each); default from $SMOKE")
    parser.add_argument("--seeds", action="store_true",
                        help="run the seed sweeps (d2l LeNet seeds 0-2 at batch 4 and 256, "
                             "wine and lab2 seeds 0-4; ~25 minutes on a 2-core CPU)")
    parser.add_argument("--update-reference", action="store_true",
                        help="maintainers: write into results/ (the committed reference) and "
                             "rewrite the generated tables of the READMEs, docs/ and "
                             "results/LEDGER.md")
    parser.add_argument("--jobs", type=int, default=None,
                        help="steps run side by side (default: 1 for full runs, so that each "
                             "step's examples/sec is its own; every CPU core with --smoke). "
                             "The numbers are the same either way")
    parser.add_argument("--notebooks", action="store_true",
                        help="run each step as a notebook built from its script, in a Jupyter "
                             "kernel, and save it with its output and figures in "
                             "<out-dir>/notebooks/ (needs requirements-test.txt)")
    parser.add_argument("--device", default="auto", help="passed to every lab")
    parser.add_argument("--data-dir", type=Path, default=None, help="passed to every lab")
    parser.add_argument("--out-dir", type=Path, default=None,
                        help="where the run goes (default: runs/reproduce/, runs/smoke/ or "
                             "runs/sweeps/)")
    args = parser.parse_args(argv)
    if args.notebooks and args.seeds:
        parser.error("--notebooks runs the reproduction's steps; the seed sweeps have none")
    if args.update_reference and (args.smoke or args.out_dir):
        parser.error("--update-reference writes results/ at full settings: it takes neither "
                     "--smoke nor --out-dir")
    if args.jobs is None:
        args.jobs = (os.cpu_count() or 1) if args.smoke else 1
    if args.jobs < 1:
        parser.error(f"--jobs must be 1 or more, got {args.jobs}")
    return args


def main(argv=None) -> int:
    report.console_safe()
    args = parse_args(argv)
    python = os.environ.get("PYTHON") or sys.executable
    if args.update_reference:
        out_dir = REFERENCE_DIR / (SWEEPS if args.seeds else "")
    elif args.out_dir:
        out_dir = args.out_dir
    else:
        out_dir = RUNS_DIR / ("smoke" if args.smoke else "reproduce") / \
            (SWEEPS if args.seeds else "")
    machinery.prepare_out_dir(out_dir)
    flags = ["--device", args.device, "--out-dir", shown(out_dir)]
    training = (["--data-dir", str(args.data_dir)] if args.data_dir else []) + \
        (["--smoke"] if args.smoke else [])

    if args.seeds:
        save_timings(out_dir, run_steps(sweep_steps(), out_dir, flags, training, python,
                                        args.jobs))
        if args.update_reference:
            for path in report.write_all():
                print(f"updated {path}")
        else:
            for render in (report.render_seeds_d2l, report.render_seeds_wine,
                           report.render_seeds_softmax):
                print("\n" + render(out_dir))
        return 0

    (out_dir / "mnist_checkpoint.pt").unlink(missing_ok=True)  # the tutorial starts afresh
    save_timings(out_dir, run_steps(reproduction_steps(out_dir), out_dir, flags, training,
                                    python, args.jobs, args.notebooks,
                                    typed=reproduction_steps(RUNS_DIR)))
    if args.smoke:
        return report.main(["--results", str(out_dir), "--smoke"])
    if args.update_reference:
        return report.main(["--results", str(out_dir), "--write"])
    ledger = out_dir / LEDGER_FILE
    with machinery.atomic_write(ledger) as f:
        f.write(report.render_ledger(report.evaluate(out_dir)))
    print(f"every value of this run, row by row: {ledger}")
    return report.main(["--results", str(out_dir), "--compare", str(REFERENCE_DIR)])


if __name__ == "__main__":
    machinery.cli(lambda: sys.exit(main()))
