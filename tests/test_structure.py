"""The shape of the code, as the design asks: imports go one way (lab -> common -> machinery,
the tools through tools/paths.py) with no circle anywhere, lazy imports included; common.py
stays what a student reads beside a lab; every lab's main is its happy path; names and comments
say what and why, not when."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import ROOT

SKIP = {".venv", ".git", "runs", "data", "results", "__pycache__", ".gpudata", ".whl"}
LABS = ["lab1_tensor_ops.py", "lab2_logistic.py", "lab3_lenet.py", "lab4_wine_mlp.py",
        "mnist_checkpoint.py"]


def python_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py")
                  if not SKIP & set(p.relative_to(ROOT).parts) and not p.name.startswith(".venv"))


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


def test_the_cycle_finder_finds_a_lazy_circle():
    assert cycle({"machinery": {"common"}, "common": {"machinery"}}) == [
        "common", "machinery", "common"]
    assert cycle({"a": {"b"}, "b": set()}) is None


def test_common_stays_what_a_student_reads_beside_a_lab():
    lines = (ROOT / "common.py").read_text(encoding="utf-8").count("\n")
    assert lines <= 700, f"common.py has {lines} lines"


@pytest.mark.parametrize("lab", LABS)
def test_each_labs_main_is_short(lab):
    tree = ast.parse((ROOT / lab).read_text(encoding="utf-8"))
    [main] = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main"]
    assert main.end_lineno - main.lineno + 1 <= 45, f"{lab}: main has " \
        f"{main.end_lineno - main.lineno + 1} lines"


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
