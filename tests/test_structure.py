"""The shape of the code, as the design asks: imports go one way (lab -> common -> machinery,
the tools through tools/paths.py) with no circle anywhere, lazy imports included; common.py
stays what a student reads beside a lab; every lab's main is its happy path; names and comments
say what and why, not when."""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

SKIP = {".venv", ".git", "runs", "data", "results", "__pycache__", ".gpudata", ".whl"}
LABS = ["lab1_tensor_ops.py", "lab2_logistic.py", "lab3_lenet.py", "lab4_wine_mlp.py",
        "mnist_checkpoint.py"]


def python_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py")
                  if not SKIP & set(p.relative_to(ROOT).parts)
                  and not any(part.startswith(".venv") for part in p.relative_to(ROOT).parts))


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    return rel.name if rel.parts[0] == "tests" else ".".join(rel.parts)


def import_graph() -> dict[str, set[str]]:
    """Every project module and the project modules it imports, wherever in the file (inside
    functions too: a lazy import is still a dependency)."""
    files = python_files()
    names = {module_name(p) for p in files}
    graph = {}
    for path in files:
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            found |= {t for t in targets if t in names}
        graph[module_name(path)] = found - {module_name(path)}
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_circle_anywhere():
    graph = import_graph()
    assert {"common", "machinery", "lab3_lenet", "tools.report", "tools.paths"} <= set(graph)
    assert cycle(graph) is None, " -> ".join(cycle(graph))


HELPERS = {"common", "machinery", "speed", "datafiles"}  # the files a lab is copied with


def test_the_helpers_import_one_way():
    graph = import_graph()
    labs = {name[:-3] for name in LABS}
    assert graph["machinery"] == set(), graph["machinery"]   # it imports no project module
    assert graph["speed"] == graph["datafiles"] == {"machinery"}
    assert graph["common"] <= HELPERS - {"common"}, graph["common"]
    assert graph["tools.paths"] == set()
    for lab in labs:
        assert graph[lab] <= HELPERS, (lab, graph[lab])
    for name, deps in graph.items():
        if name in HELPERS or name in labs:
            assert not {d for d in deps if d.startswith("tools")}, name


def test_common_stays_what_a_student_reads_beside_a_lab():
    lines = (ROOT / "common.py").read_text(encoding="utf-8").count("\n")
    assert lines <= 700, f"common.py has {lines} lines"


def functions(path: Path):
    return [n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


@pytest.mark.parametrize("lab", LABS)
def test_each_labs_main_reads_as_it_runs(lab):
    """main is the happy path, written out: no line continued with a backslash (a packed
    ternary), no statement after a semicolon, and it calls no lab helper that takes more than
    nine parameters (a grab-bag of state passed around instead of a readable call)."""
    path = ROOT / lab
    lines = path.read_text(encoding="utf-8").splitlines()
    [main] = [f for f in functions(path) if f.name == "main"]
    body = lines[main.lineno - 1:main.end_lineno]
    assert not [line for line in body if line.rstrip().endswith("\\")], lab
    starts = [n.lineno for n in ast.walk(main) if isinstance(n, ast.stmt) and n is not main]
    assert len(starts) == len(set(starts)), f"{lab}: two statements on one line in main"
    wide = [f"{f.name}: {len(f.args.args) + len(f.args.kwonlyargs)}" for f in functions(path)
            if len(f.args.args) + len(f.args.kwonlyargs) > 9]
    assert not wide, f"{lab}: {wide}"


# Each lab's lesson (docs/coursework.md): what a student copies, read before anything else.
LESSONS = {
    "lab2_logistic.py": ["check_same_shape", "_BCE", "bce_loss", "writeup_defect_loss",
                         "cross_entropy", "one_hot", "flatten", "Linear", "SGD", "nn_logistic",
                         "ScratchLogistic", "writeup_loss", "nn_softmax", "ScratchSoftmax",
                         "softmax_loss", "train_step", "train_epoch", "evaluate"],
    "lab3_lenet.py": ["LeNet5", "d2l_lenet", "xavier_init", "train_step", "train_epoch",
                      "evaluate"],
    "lab4_wine_mlp.py": ["WineMLP", "train_step", "train_epoch", "predict", "evaluate",
                         "standardise", "baselines"],
    "mnist_checkpoint.py": ["MnistNet", "train_step", "train_epoch", "evaluate", "rng_states",
                            "checkpoint_state", "save_checkpoint", "load_checkpoint",
                            "restore_checkpoint", "restore_rng_states", "device_rng_plan"],
}


@pytest.mark.parametrize("lab", LESSONS)
def test_each_lab_opens_with_its_lesson(lab):
    """After the docstring and the settings, the model and the lesson functions come first:
    no data reading, driver or command line before them; main comes last."""
    tree = ast.parse((ROOT / lab).read_text(encoding="utf-8"))
    defined = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))
               and "dataclass" not in str([ast.unparse(d) for d in n.decorator_list])]
    lesson = LESSONS[lab]  # (a dataclass is a record of settings)
    assert sorted(defined[:len(lesson)]) == sorted(lesson), defined[:len(lesson) + 2]
    assert defined[-2:] == ["parse_args", "main"]


@pytest.mark.parametrize("lab", LABS)
def test_a_stop_is_handled_in_one_place_in_main(lab):
    """A divergence (machinery.Halt), Ctrl-C or SIGTERM (KeyboardInterrupt) is caught in one
    except clause, in main, and nowhere else in the lab; and the function that saves a run,
    common.finish, raises nothing of its own."""
    tree = ast.parse((ROOT / lab).read_text(encoding="utf-8"))
    caught = []
    for function in [n for n in tree.body if isinstance(n, ast.FunctionDef)]:
        for node in ast.walk(function):
            if isinstance(node, ast.ExceptHandler) and node.type is not None and \
                    {"Halt", "KeyboardInterrupt"} & {n.attr if isinstance(n, ast.Attribute)
                                                     else getattr(n, "id", "") for n in
                                                     ast.walk(node.type)}:
                caught.append(function.name)
    assert caught == ([] if lab == "lab1_tensor_ops.py" else ["main"]), caught
    common = ast.parse((ROOT / "common.py").read_text(encoding="utf-8"))
    [finish] = [n for n in common.body if isinstance(n, ast.FunctionDef) and n.name == "finish"]
    assert not [n for n in ast.walk(finish) if isinstance(n, ast.Raise)]


def test_no_class_carries_state_between_calls():
    """Nothing assigns to a class's own attribute at run time (a class-level global, as an
    'epoch in progress' counter would be): state lives in objects and return values."""
    problems = []
    for path in [ROOT / f for f in LABS] + [ROOT / f"{h}.py" for h in HELPERS]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        classes = {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            for t in targets:
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and \
                        t.value.id in classes:
                    problems.append(f"{path.name}:{node.lineno} {t.value.id}.{t.attr}")
    assert not problems, problems


def test_a_lab_copied_with_its_helper_files_runs_on_its_own(tmp_path, synthetic_data):
    """A student copies a lab and the four helper files into an empty folder: it runs there,
    with nothing else of the repository beside it (lab3 uses every helper file)."""
    lab = "lab3_lenet.py"
    for name in [lab] + [f"{h}.py" for h in sorted(HELPERS)]:
        shutil.copy(ROOT / name, tmp_path / name)
    data = ["--smoke", "--data-dir", str(synthetic_data)]
    proc = subprocess.run([sys.executable, lab, *data, "--out-dir", "out"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=240,
                          env={**os.environ, "PYTHONPATH": ""})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert list((tmp_path / "out").glob("*.json"))


def test_names_and_comments_say_what_not_when():
    """No issue numbers and no old/new in names, comments or docs: history lives in git."""
    problems = []
    texts = [p for p in python_files() if "tests" not in p.parts] + \
        sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md", ROOT / "README.zh-CN.md"]
    for path in texts:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"(?i)\bissue \d+|\b(old|new)_\w+|\w+_(old|new)\b|"
                                 r"\bthe (old|new) (loop|kernels|default)", text):
            problems.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert not problems, problems
