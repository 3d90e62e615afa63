"""Where the repository keeps things, in one leaf module: it imports nothing of the project, so
every tool and runner can import it without a circle.

The tools run as modules from the repository's root (``python -m tools.report``), which puts
the root on the import path; a tool with a command line run as a file (``python
tools/report.py``) puts the root there itself, first thing.
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS_DIR = ROOT / "runs"              # what runs write by default (git-ignored)
REFERENCE_DIR = ROOT / "results"      # the committed reference run: run_all --update-reference
LEDGER_FILE = "LEDGER.md"             # every row of a run, beside its results
SWEEPS = "sweeps"                     # the seed sweeps, under a run's folder
BENCHMARK = "benchmark.json"          # tools/benchmark.py --write, in results/
NOTEBOOKS = "notebooks"               # run_all --notebooks, under a run's folder
CUDA = "cuda"                         # the reference run on a GPU (tools/gpu_check.sh), in results/

# The documents whose generated blocks (<!-- name:begin --> ... <!-- name:end -->) the report
# writes and checks: both READMEs and every page of docs/, English and Chinese.
READMES = {"en": ROOT / "README.md", "zh": ROOT / "README.zh-CN.md"}
DOCS = ROOT / "docs"


def documents() -> dict[Path, str]:
    """Every document that may hold generated blocks, with its language ("en" or "zh")."""
    found = {path: lang for lang, path in READMES.items()}
    for path in sorted(DOCS.rglob("*.md")) if DOCS.is_dir() else []:
        found[path] = "zh" if "zh-CN" in path.relative_to(DOCS).parts else "en"
    return found
