"""The READMEs and docs as a student uses them: every relative link resolves (anchors included),
the first screens stay short, and every command they show runs as written, in order, from a
fresh copy of the repository (the tracked files only, as a clone has them): on the tiny
synthetic datasets, with capped loops where a lab would take minutes, and with --help where it
needs what a test machine lacks (a GPU, the network, a maintainer's rights)."""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch

import datafiles
from conftest import ROOT, real_data_dir
from tools import report
from tools.paths import REFERENCE_DIR, documents

DOCS = list(documents())
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)
INLINE = re.compile(r"`((?:python|bash) [^`]+)`")
# Capped with --smoke: a million-point logistic regression, 10 epochs of a LeNet.
HEAVY = ("lab2_logistic.py", "lab3_lenet.py")
# Scripts whose commands build on each other's files (a resume, an exported split): each of
# their commands runs every time a page shows it, in the page's order.
CHAINED = ("mnist_checkpoint.py", "lab4_wine_mlp.py")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower(), flags=re.U)
    return text.replace(" ", "-")


def test_every_relative_link_resolves():
    problems = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            file = (doc.parent / path).resolve() if path else doc
            if not file.exists():
                problems.append(f"{doc.relative_to(ROOT)}: {target} does not exist")
            elif anchor and file.suffix == ".md":
                heads = {slug(h) for h in re.findall(r"(?m)^#+ (.*)$",
                                                     file.read_text(encoding="utf-8"))}
                if anchor not in heads:
                    problems.append(f"{doc.relative_to(ROOT)}: no heading #{anchor} in {path}")
    assert not problems, "\n".join(problems)


def test_the_first_screens_stay_short_and_each_page_has_its_mirror():
    assert (ROOT / "README.md").stat().st_size <= 16 * 1024
    assert (ROOT / "README.zh-CN.md").stat().st_size <= 20 * 1024
    english = {p.name for p in (ROOT / "docs").glob("*.md")}
    chinese = {p.name for p in (ROOT / "docs" / "zh-CN").glob("*.md")}
    assert english == chinese and len(english) >= 8


def commands(doc: Path) -> list[str]:
    """The shell commands a page shows, in order: every line of its bash blocks, and every
    inline `python ...` or `bash ...` (the steps table's commands among them)."""
    text, found = doc.read_text(encoding="utf-8"), []
    spans = [(m.start(), m.group(2)) for m in FENCE.finditer(text) if m.group(1) in ("bash", "sh")]
    spans += [(m.start(), " ".join(m.group(1).split())) for m in INLINE.finditer(text)]
    for _, block in sorted(spans):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and not line.startswith("#"):
                found.append(line)
    return found


def plan(command: str) -> tuple[str, list[str]]:
    """How the test runs a command: ("run", argv), ("help", argv with --help) or ("skip", [why])."""
    words = shlex.split(command.replace("\\", "\\\\"))  # a Windows path keeps its backslashes
    env = {}
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    if not words:
        return "skip", ["only sets a variable"]
    head = words[0]
    if re.fullmatch(r"python(3(\.\d+)?)?|py", head) and words[1:3] == ["-m", "venv"] or \
            head in (".", "source"):
        return "skip", ["makes or enters the virtual environment this test runs in"]
    if head == "pip" or words[1:3] in (["-m", "pip"], ["-m", "ipykernel"]):
        if "-r" in words:
            assert all((ROOT / w).exists() for w in words[words.index("-r") + 1::2]
                       if w.endswith(".txt")), command
        return "skip", ["installs packages or a kernel (done by this test's environment)"]
    if words[1:3] == ["-m", "pytest"]:
        return "skip", ["is this test suite"]
    if head == "jupytext":
        return "run", words
    covered = {"run_all.sh": "tests/test_run_all.py runs both runners as written, with --smoke",
               "run_all.py": "tests/test_run_all.py runs both runners as written, with --smoke",
               "doctor.py": "tests/test_doctor.py runs it as written"}
    if head in ("bash", "python") and words[1] in covered and \
            not {"--update-reference", "--seeds", "--notebooks"} & set(words):
        return "skip", [covered[words[1]]]
    if head == "bash":
        script, rest = words[1], words[2:]
    elif head == "python" and words[1] == "-m":
        script, rest = "-m " + words[2], words[3:]
    elif head == "python":
        script, rest = words[1], words[2:]
    else:
        raise AssertionError(f"no rule for the command {command!r}")
    # A placeholder (B, URL_OR_FOLDER, 地址或文件夹) or a Windows path (D:\\datasets): shown for
    # the reader to replace, so only the flags are checked.
    placeholder = any(re.fullmatch(r"[A-Z][A-Z_]*", w) or not w.isascii() or
                      re.match(r"[A-Za-z]:\\", w) for w in rest)
    device = next((rest[i + 1] for i, w in enumerate(rest[:-1]) if w == "--device"), "cpu")
    needs = {"cuda": torch.cuda.is_available(), "mps": False}.get(device.split(":")[0], True)
    maintainer = {"--update-reference", "--seeds", "--notebooks", "--write"} & set(rest) or \
        script in ("-m tools.benchmark", "-m tools.platforms", "tools/gpu_check.sh")
    fetch_offline = script == "fetch_data.py" and real_data_dir() is None
    if placeholder or not needs or maintainer or fetch_offline:
        rest = ["1" if re.fullmatch(r"[A-Z][A-Z_]*", w) or not w.isascii() or
                re.match(r"[A-Za-z]:\\", w) else w for w in rest]
        return "help", _argv(head, script, rest) + ["--help"]
    if script in ("run_all.sh", "run_all.py") and "--smoke" not in rest:
        rest = rest + ["--smoke"]
    if script in HEAVY and "--smoke" not in rest:
        rest = rest + ["--smoke"]
    return "run", _argv(head, script, rest)


def _argv(head, script, rest):
    if head == "bash":
        return ["bash", script, *rest]
    return [sys.executable, *script.split(), *rest]


@pytest.fixture(scope="module")
def fresh_copy(tmp_path_factory, synthetic_data):
    """The repository as a clone has it: its tracked files, nothing built or run."""
    root = tmp_path_factory.mktemp("clone")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                            check=False).stdout.decode().split("\0")
    if not any(listed):
        pytest.skip("not a git checkout: no list of tracked files to copy")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, root / name)
    return root


# The `--help` commands run in one interpreter, each script as its own __main__ (as `python
# script.py` runs it), so that torch is imported once for all of them: a JSON list of each
# one's exit code (or what stopped it) is the last line printed.
HELPS = """
import contextlib, io, json, runpy, sys, traceback
codes = []
for argv in json.loads(sys.argv[1]):
    sys.argv = list(argv)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            if argv[0] == "-m":
                sys.argv = argv[1:]
                runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
            else:
                runpy.run_path(argv[0], run_name="__main__")
        codes.append("it did not stop after --help")
    except SystemExit as stop:
        codes.append(stop.code)
    except Exception:
        codes.append(traceback.format_exc()[-400:])
print(json.dumps(codes))
"""


def test_every_command_shown_runs_as_written(fresh_copy, synthetic_data):
    """All pages' commands in one fresh copy. The commands of one script run in the order the
    pages show them (a resume after the run it resumes); different scripts run side by side. A
    command shown twice (the Chinese pages repeat the English ones) runs once; so does a page's
    sequence of a CHAINED script's commands that an earlier page showed as it is, and a command
    shown again right after itself."""
    env = {**os.environ, "LABS_DATA_DIR": str(synthetic_data), "LABS_PROGRESS": "0",
           "PYTHON": sys.executable, "LABS_DATA_MIRROR": str(real_data_dir() or "")}
    chains, done, shown = {}, set(), {}
    for doc in DOCS:
        for command in commands(doc):
            how, argv = plan(command)
            chained = any(name in argv[1] for name in CHAINED) if len(argv) > 1 else False
            script = next((w for w in argv[1:] if not w.startswith("-")), argv[0])
            if how != "skip" and chained:
                steps = shown.setdefault((doc, script), [])
                if not steps or steps[-1][3] != argv:
                    steps.append((doc, command, how, argv))
            elif how != "skip" and tuple(argv) not in done:
                done.add(tuple(argv))
                chains.setdefault(script, []).append((doc, command, how, argv))
    sequences = set()
    for (_, script), steps in shown.items():
        if tuple(tuple(step[3]) for step in steps) not in sequences:
            sequences.add(tuple(tuple(step[3]) for step in steps))
            done |= {tuple(step[3]) for step in steps}
            chains.setdefault(script, []).extend(steps)

    def run(chain):
        failures = []
        for doc, command, how, argv in chain:
            proc = subprocess.run(argv, cwd=fresh_copy, capture_output=True, text=True,
                                  env=env, timeout=240)
            if proc.returncode:
                failures.append(f"{doc.relative_to(ROOT)}: `{command}` ({how}) exit "
                                f"{proc.returncode}: {(proc.stderr or proc.stdout)[-400:]}")
        return failures

    def run_helps(steps):  # every python --help in one interpreter (HELPS)
        proc = subprocess.run([sys.executable, "-c", HELPS, json.dumps([s[3][1:] for s in steps])],
                              cwd=fresh_copy, capture_output=True, text=True, env=env,
                              timeout=240)
        codes = json.loads(proc.stdout.splitlines()[-1]) if proc.stdout else []
        if len(codes) != len(steps):
            return [f"the --help commands stopped: {proc.stderr[-400:]}"]
        return [f"{doc.relative_to(ROOT)}: `{command}` (help): {code}"
                for (doc, command, _, _), code in zip(steps, codes) if code not in (0, None)]

    helps = [step for chain in chains.values() for step in chain
             if step[2] == "help" and step[3][0] == sys.executable]
    with ThreadPoolExecutor(max_workers=2) as pool:
        tasks = [pool.submit(run_helps, helps)] + [
            pool.submit(run, [step for step in chain if step not in helps])
            for chain in chains.values()]
        failures = [f for task in tasks for f in task.result()]
    assert len(done) >= 25 and not failures, "\n".join(failures)


def test_the_plan_refuses_what_a_fresh_clone_cannot_do():
    """A command that cannot work from a clone fails the test: a resume from results/ (no clone
    has a checkpoint there: checkpoints are not committed), a lab that does not exist."""
    how, argv = plan("python mnist_checkpoint.py --epochs 8 --resume results/mnist_checkpoint.pt")
    assert how == "run" and "--help" not in argv
    assert plan("python lab3_lenet.py --epochs 10 --device cuda")[0] == (
        "run" if torch.cuda.is_available() else "help")
    assert plan("python lab2_logistic.py")[1][-1] == "--smoke"
    assert plan("bash run_all.sh")[0] == plan("python run_all.py --smoke")[0] == "skip"
    assert plan("bash run_all.sh --update-reference")[0] == "help"
    assert plan("python fetch_data.py --mirror D:\\datasets")[0] == "help"
    assert plan("python -m venv .venv")[0] == plan("python3.13 -m venv .venv")[0] == "skip"
    with pytest.raises(AssertionError, match="no rule"):
        plan("set LABS_DATA_DIR=D:\\datasets")


# What the pages may not write by hand: a CPU's model (the machines behind the committed numbers
# are named by the results; a one-off measurement names its architecture), a count of values
# that agree between the GPU and CPU runs, and, on the labs page, a run time.
CPU_MODEL = re.compile(r"EPYC|Xeon|Ryzen|Threadripper|Core\(TM\)|Core i[3579]\b")
AGREEING = re.compile(r"\b\d+ of (the )?\d+ values|\d+ values compared|\d+ (values )?are identical"
                      r"|比较的 ?\d+ ?个数值|有 ?\d+ ?个(和|与) ?CPU")
DURATION = re.compile(r"(?<![\w.])\d+(\.\d+)? ?(s|min|minutes?|秒|分钟)(?!\w)")


def by_hand(text: str) -> str:
    """A page without what `python -m tools.report --write` fills in: the generated blocks and
    the quoted values."""
    text = re.sub(r"<!-- ([\w-]+):begin -->.*?<!-- \1:end -->", "", text, flags=re.S)
    return report.QUOTED.sub("", text)


def test_numbers_from_the_results_are_quoted_from_them_not_copied():
    """The numbers the prose takes from results/ (the reference machine, each step's time, the
    ledger's counts, how the GPU run compares) sit between <!-- name --> and <!-- /name -->,
    which the report fills and --check holds: a copy written by hand drifts when the reference
    is run again (a page said 127 of 199 where the ledger said 123, and named another CPU)."""
    problems = []
    for doc in DOCS:
        text = by_hand(doc.read_text(encoding="utf-8"))
        checks = [CPU_MODEL, AGREEING] + ([DURATION] if doc.name == "labs.md" else [])
        for pattern in checks:
            problems += [f"{doc.relative_to(ROOT)}: {m[0]!r} written by hand"
                         for m in pattern.finditer(text)]
    for readme in ("README.md", "README.zh-CN.md"):  # the first table's run times
        for row in (ROOT / readme).read_text(encoding="utf-8").splitlines():
            if row.startswith("| `lab") or row.startswith("| `mnist"):
                if re.search(r"\d", by_hand(row.rsplit("|", 2)[1])):
                    problems.append(f"{readme}: {row.split('|')[1].strip()} has a time by hand")
    assert not problems, "\n".join(problems)


def test_the_quoted_values_are_the_results_own():
    """Each quoted value against the results file it comes from, read here on its own."""
    rows = report.evaluate(REFERENCE_DIR)
    gpu = report.evaluate(REFERENCE_DIR / "cuda")
    en = report.quoted_values(REFERENCE_DIR, rows, gpu, "en")
    zh = report.quoted_values(REFERENCE_DIR, rows, gpu, "zh")
    run = json.loads((REFERENCE_DIR / "run_all.json").read_text(encoding="utf-8"))
    lab1 = next(s["seconds"] for s in run["steps"] if s["command"] == "lab1_tensor_ops.py")
    assert en["time-lab1"] == f"{round(lab1)} s" and zh["time-lab1"] == f"{round(lab1)} 秒"
    bs4 = next(s["seconds"] for s in run["steps"] if "--batch-size 4" in s["command"])
    assert en["time-d2l-bs4"] == f"{bs4 / 60:.1f} min"
    assert en["ref-cpu"] == run["environment"]["device_name"]
    ledger = (REFERENCE_DIR / "LEDGER.md").read_text(encoding="utf-8")
    assert f"; {en['cuda-same']} values are identical to the CPU's" in ledger
    compared = [(r, v, w) for (r, v, _), (_, w, _) in zip(rows, gpu)
                if r.rule != "figure" and not r.varies]
    assert en["cuda-compared"] == str(len(compared))
    assert en["cuda-same"] == str(sum(v == w for _, v, w in compared))
    assert en["printed-values"] == str(sum(r.printed for r, *_ in rows))
    page = "a <!-- time-lab1 -->4 s<!-- /time-lab1 --> step"
    assert report.replace_quoted(page, en) == f"a <!-- time-lab1 -->{en['time-lab1']}" \
                                              f"<!-- /time-lab1 --> step"
    with pytest.raises(SystemExit, match="no value named 'time-lab9'"):
        report.replace_quoted("<!-- time-lab9 -->4 s<!-- /time-lab9 -->", en)


# One term for each thing on the Chinese pages, hand-written and generated alike (the d2l book's
# terms), and no space between a full-width bracket and what it follows.
ZH_WRONG = {"整轮": "全程 (a whole pass) beside 轮 (a round)", "准确率": "精度",
            "自动求导": "自动微分", "演练": "逐步演示", "logistic ": "逻辑回归",
            "张量操作": "张量运算"}


def test_the_chinese_pages_use_one_term_for_each_thing():
    rows = report.evaluate(REFERENCE_DIR)
    zh = {path: lang for path, lang in documents().items() if lang == "zh"}
    problems = []
    for path, text in report.generated_files(REFERENCE_DIR, rows, zh).items():
        if path.suffix != ".md" or path not in zh:
            continue
        text = re.sub(r"```.*?```", "", text, flags=re.S)
        text = re.sub(r"\]\([^)]*\)", "]", re.sub(r"`[^`\n]*`", "X", text))  # code, links
        problems += [f"{path.name}: {wrong!r}, write {right}" for wrong, right in ZH_WRONG.items()
                     if wrong in text]
        problems += [f"{path.name}: {m[0]!r}" for m in re.finditer(r"[^\s|] （|（ | ）", text)]
    assert not problems, "\n".join(problems)


def test_torchvision_takes_the_fetched_files_as_its_own():
    """docs/coursework.md: the .gz files fetch_data.py keeps are the ones torchvision's
    download=True checks by MD5, so it unpacks them without the network."""
    datasets = pytest.importorskip("torchvision.datasets")
    for rel, (_, _, gz_md5) in datafiles.OFFICIAL.items():
        if gz_md5:
            folder, _, name = rel.split("/")
            assert dict(getattr(datasets, folder).resources)[name + ".gz"] == gz_md5, rel
