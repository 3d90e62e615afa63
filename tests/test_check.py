"""check.py tested as a checker: every wrong implementation in tests/check_cases/wrong fails
with the message it declares, every right one (written differently from the labs) passes, the
labs' own functions pass, each exercise sheet says "not written yet" for its stubs and passes
with the labs' answers pasted in, its notebook holds its cells, and the command line reports
one row per file with the exit status the docs give, stopping a check that never ends.

The implementations run in this process (the notebook form's path, with its alarm); the
command line is run as a process once, for what only a process shows."""
from __future__ import annotations

import ast
import importlib
import json
import locale
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import check
from conftest import ROOT

CASES = ROOT / "tests" / "check_cases"
WRONG = sorted((CASES / "wrong").glob("*.py"))
RIGHT = sorted((CASES / "right").glob("*.py")) + sorted((CASES / "right").glob("*.ipynb"))
SHEETS = sorted((ROOT / "exercises").rglob("*_sheet.py"))
LAB_FILES = {"lab1": "lab1_tensor_ops.py", "lab2": "lab2_logistic.py", "lab3": "lab3_lenet.py",
             "lab4": "lab4_wine_mlp.py", "mnist": "mnist_checkpoint.py"}


@pytest.fixture(autouse=True)
def system_language_again():
    """A sheet in Chinese sets the language for the session: each test starts from none."""
    check.set_language(None)
    yield
    check.set_language(None)


def report(outcomes) -> str:
    return "\n".join(line for o in outcomes for line in check.outcome_lines(o, "en"))


def case(path: Path):
    """A case file loaded as the file form loads it: (source, lab, names, expected message)."""
    source = check.load(path)
    ns = source.namespace
    return source, ns["LAB"], ns["CHECKS"], ns.get("EXPECT")


# %% wrong and right implementations

def test_the_case_folders_cover_every_lab():
    labs = {case(p)[1] for p in WRONG}
    assert len(WRONG) >= 40 and len(RIGHT) >= 10 and labs == set(check.LABS)
    named = {case(p)[3] for p in WRONG}
    assert {"ce.no_max_shift", "loss.sum_not_mean", "ce.softmax_dim", "step.softmax_before_ce",
            "step.zero_grad_missing", "std.test_statistics", "loop.eval_missing",
            "loop.no_grad_missing", "loop.returns_graph", "ckpt.not_atomic",
            "ckpt.weights_only", "state.optimizer", "state.batch_order", "lenet.padding",
            "xavier.normal", "status.timeout", "loop.step_ignored", "loop.step_loss",
            "step.loss_not_tensor", "hint.path", "lenet.relu", "lenet.max_pool",
            "lenet.activation_missing", "lenet.sigmoid_output", "lenet.train_differs",
            "mnist.no_channel_dropout", "mnist.dropout_p", "leak.grad_off", "lab1.uniform",
            "lab1.error_object", "std.not_numpy", "step.eval_mode", "ckpt.temp_elsewhere",
            "ckpt.remove_first", "wine.dropout_before_activation", "loop.eval_inside",
            "state.rng_changed"} <= named


@pytest.mark.parametrize("path", WRONG, ids=lambda p: p.stem)
def test_each_wrong_implementation_fails_with_its_message(path):
    source, lab, names, expected = case(path)
    limit = 1.0 if expected == "status.timeout" else check.TIME_LIMIT
    [outcome] = check.run_checks(lab, source.namespace, names, source=source, limit=limit)
    assert outcome.status not in ("passed", "checker_bug"), report([outcome])
    assert outcome.message_id == expected, report([outcome])
    for lang in ("en", "zh"):  # every message renders, with the same numbers in both
        assert check.outcome_lines(outcome, lang)
    assert numbers(check.outcome_lines(outcome, "en")) == \
        numbers(check.outcome_lines(outcome, "zh")), report([outcome])


def numbers(lines) -> list[str]:
    return sorted(re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e-?\d+)?", "\n".join(lines)))


@pytest.mark.parametrize("path", RIGHT, ids=lambda p: p.stem)
def test_each_right_implementation_passes(path):
    """Checked as the whole lab is checked: its functions pass, the lab's others are only not
    in the file (not 'needs ...', which would fail the file)."""
    source, lab, names, _ = case(path)
    outcomes = check.run_checks(lab, source.namespace, source=source)
    assert sorted(o.name for o in outcomes if o.status != "missing") == sorted(names), \
        report(outcomes)
    assert all(o.ok for o in outcomes if o.status != "missing"), report(outcomes)


@pytest.mark.parametrize("path", [p for p in RIGHT if p.suffix == ".ipynb"], ids=lambda p: p.stem)
def test_a_notebook_reads_the_same_without_ipython(path, monkeypatch):
    """Where IPython is not installed, a line rule stands for its transformer: magic, shell and
    help lines left out, question marks in docstrings, comments and strings and a `%` line
    inside brackets left alone."""
    with_ipython = check.names_in(path)
    monkeypatch.setattr(check, "ipython_transformer", lambda: None)
    assert check.names_in(path) == with_ipython
    source, lab, names, _ = case(path)
    outcomes = check.run_checks(lab, source.namespace, names, source=source)
    assert all(o.ok for o in outcomes), report(outcomes)


def test_the_line_rule_finds_only_ipythons_lines():
    cell = ('%matplotlib inline\n!pip install d2l\nx = 1  # why?\ny = f(a,\n'
            '      % b)\ns = """Why?\n?not help\n%not magic"""\nt = "what?"\nobj?\n'
            'z = 1 + \\\n    2\n  ?obj\n')
    assert check.magic_lines(cell) == [0, 1, 9, 12]


@pytest.mark.parametrize("lab", check.LABS)
def test_the_labs_own_functions_pass(lab):
    module = importlib.import_module(LAB_FILES[lab][:-3])
    outcomes = check.run_checks(lab, vars(module))
    assert [o.name for o in outcomes] == [e.name for e in check.EXERCISES[lab]]
    assert all(o.ok for o in outcomes), report(outcomes)


def test_a_notebook_kernels_settings_do_not_change_the_checks_and_stay_as_they_were():
    """A default dtype of float64 or autograd switched off in an earlier cell: the checks run
    as a fresh process would, and the kernel gets its settings back."""
    import torch

    source, lab, names, _ = case(CASES / "right" / "lab2_loop_items.py")
    extra = {}
    exec("import torch\ndef bce_loss(p, t):\n    p = p.clamp(1e-7, 1 - 1e-7)\n"
         "    return -(t * p.log() + (1 - t) * (1 - p).log()).mean()\n", extra)
    torch.set_default_dtype(torch.float64)
    try:
        with torch.no_grad():
            outcomes = check.run_checks(lab, {**source.namespace, **extra},
                                        ["bce_loss", *names], source=source)
            assert not torch.is_grad_enabled()
        assert torch.get_default_dtype() == torch.float64
    finally:
        torch.set_default_dtype(torch.float32)
    assert all(o.ok for o in outcomes), report(outcomes)


def test_the_students_traceback_stays_and_the_checkers_goes():
    source, lab, names, _ = case(CASES / "wrong" / "lab1_inplace_uncaught.py")
    [outcome] = check.run_checks(lab, source.namespace, names, source=source)
    assert outcome.status == "raised"
    assert 'lab1_inplace_uncaught.py", line 11, in broadcast_subtraction' in outcome.trace
    assert "inplace = M.sub_(N)" in outcome.trace and "RuntimeError" in outcome.trace
    assert "check.py" not in outcome.trace and "site-packages" not in outcome.trace


def test_a_bce_that_broadcasts_mismatched_shapes_passes_with_a_note():
    """The write-up's defect lives in the caller: a formula that broadcasts (B, 1) against (B,)
    is right for matching shapes, so it passes, and is told what it would do."""
    ns = {}
    exec("import torch\ndef bce_loss(p, t):\n    p = p.clamp(1e-7, 1 - 1e-7)\n"
         "    return -(t * p.log() + (1 - t) * (1 - p).log()).mean()\n", ns)
    [outcome] = check.run_checks("lab2", ns, ["bce_loss"])
    assert outcome.ok and [key for key, _ in outcome.notes] == ["note.bce_broadcast"]
    ns = {}
    exec("import torch\ndef bce_loss(p, t):\n    assert p.shape == t.shape\n"
         "    return torch.nn.functional.binary_cross_entropy(p, t)\n", ns)
    [outcome] = check.run_checks("lab2", ns, ["bce_loss"])
    assert outcome.ok and outcome.notes == []


def test_a_checkpoint_renamed_with_os_rename_passes_with_a_note_for_windows():
    source, lab, names, _ = case(CASES / "right" / "mnist_save_rename.py")
    [outcome] = check.run_checks(lab, source.namespace, names, source=source)
    assert outcome.ok and [key for key, _ in outcome.notes] == ["note.ckpt_leftover",
                                                                "note.rename_windows"]
    assert outcome.notes[0][1] == {"files": "run.pt.partial"}


def test_a_refused_checkpoint_names_its_cause_in_one_clean_line():
    """torch's weights_only refusal: the line after "WeightsUnpickler error:", no colour
    codes, shortened at a word."""
    import io

    import numpy as np
    import torch

    buffer = io.BytesIO()
    torch.save({"epoch": np.int64(3)}, buffer)
    buffer.seek(0)
    with pytest.raises(Exception) as caught:
        torch.load(buffer, weights_only=True)
    text = check.error_text(caught.value)
    assert text.startswith("UnpicklingError: Unsupported global: GLOBAL numpy"), text
    assert "\x1b" not in text and len(text) < 200
    long = check.error_text(ValueError("\x1b[1mword\x1b[0m " * 60), limit=40)
    assert long == "ValueError: word word word word word word word word …"


def test_the_summary_counts_one_function_and_one_file_in_the_singular():
    one = [check.Outcome("bce_loss", "failed", key="value.wrong")]
    assert check.summary(one, "en") == \
        "0 of 1 function passed these checks; 1 failed, 0 not written yet."
    assert check.summary(one, "zh") == "共 1 个函数：0 个通过了这些检查，1 个未通过，0 个还没写。"
    text = check.table("lab2", [("a.py", one, None)], "en").splitlines()
    assert text[0] == "lab2: 1 file" and text[-1] == "0 of 1 file passed these checks."


def test_a_failure_names_its_check_and_one_never_run_names_none():
    """A failure with no mistake matched: the table names the check it failed at; a function
    not checked (it needs others) is not said to fail at any check."""
    grad = [check.Outcome("bce_loss", "failed", key="model.output", stage="stage.grad",
                          passed=["stage.runs", "stage.returns"])]
    assert check.first_problem(grad, "en") == "bce_loss: fails at gradients in float64"
    assert check.first_problem(grad, "zh") == "bce_loss：未通过“float64 下的梯度”这项检查"
    assert check.outcome_lines(grad[0], "zh")[0] == "  bce_loss：未通过，出错的检查项：float64 下的梯度"
    needs = check.Outcome("SGD", "needs", key="status.needs", fields={"names": "Linear"})
    assert check.outcome_lines(needs, "en") == ["  SGD: Not checked: it needs Linear too."]


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_the_time_limit_must_be_a_positive_number(value, capsys):
    with pytest.raises(SystemExit) as stopped:
        check.parse_args(["lab2", "work.py", "--time-limit", value])
    assert stopped.value.code == 2 and "a number of seconds above 0" in capsys.readouterr().err
    assert check.parse_args(["lab2", "work.py", "--time-limit", "0.5"]).time_limit == 0.5


# %% the catalogue and the language

def test_every_message_has_both_languages_with_the_same_placeholders():
    placeholders = re.compile(r"\{(\w+)\}")
    for key, (en, zh) in check.MESSAGES.items():
        assert en.strip() and zh.strip(), key
        assert sorted(placeholders.findall(en)) == sorted(placeholders.findall(zh)), key
    source = (ROOT / "check.py").read_text(encoding="utf-8")
    families = {k.split(".")[0] for k in check.MESSAGES}
    missing = sorted(k for k in set(re.findall(r'"([a-z][a-z0-9]*\.[a-z_0-9]+)"', source))
                     if k.split(".")[0] in families and k not in check.MESSAGES)
    assert not missing, missing
    code = source.split("\nWHAT = {")[0]
    whats = set(re.findall(r'"(the [a-zA-Z\' /]+|a parameter|x after one step)"', code))
    assert whats - {"the MSE", "the RMSE"} <= set(check.WHAT), whats - set(check.WHAT)


def test_the_chinese_messages_read_as_chinese():
    """No English sentence left in a Chinese message (code, names and numbers aside), and the
    terms the Chinese pages use."""
    for key, (en, zh) in check.MESSAGES.items():
        prose = re.sub(r"`[^`]*`|\{\w+\}|[A-Za-z_][\w.]*\([^)]*\)|[\w.]*_[\w.]*", "", zh)
        assert not re.search(r"\b[a-z]{4,} [a-z]{4,} [a-z]{4,}\b", prose), (key, zh)
        for wrong in ("批次", "每轮", "轮后", "偏差", "所有正确", "全部正确", "准确率", "自动求导"):
            assert wrong not in zh, (key, zh)


@pytest.mark.parametrize("env, found", [
    ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "en_US.UTF-8"}, "en"), ({"LANG": "C.UTF-8"}, "en"),
    ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"), ({"LANGUAGE": "zh_CN:en"}, "zh")])
def test_the_default_language_is_the_systems(monkeypatch, env, found):
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert check.system_language() == found


def test_the_default_language_on_windows_comes_from_the_locale(monkeypatch):
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(locale, "getlocale", lambda: ("Chinese (Simplified)_China", "936"))
    assert check.system_language() == "zh"
    monkeypatch.setattr(locale, "getlocale", lambda: ("English_United States", "1252"))
    monkeypatch.setattr(sys, "platform", "linux")
    assert check.system_language() == "en"


# %% the sheets

def sheet_lab(sheet: Path) -> str:
    return sheet.stem.removesuffix("_sheet")


def run_sheet(source: str, sheet: Path, monkeypatch, capsys) -> str:
    """A sheet run top to bottom as a notebook runs it, in its own folder."""
    monkeypatch.chdir(sheet.parent)
    exec(compile(source, str(sheet), "exec"), {"__name__": "__main__"})  # noqa: S102
    return capsys.readouterr().out


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda p: str(p.relative_to(ROOT / "exercises")))
def test_a_sheet_run_as_it_is_says_not_written_yet_for_each_stub(sheet, monkeypatch, capsys):
    out = run_sheet(sheet.read_text(encoding="utf-8"), sheet, monkeypatch, capsys)
    names = [e.name for e in check.EXERCISES[sheet_lab(sheet)]]
    todo = "还没写" if "zh-CN" in sheet.parts else "not written yet"
    lines = [line for line in out.splitlines() if re.match(r"  \w+[:：]", line)]
    assert lines and all(todo in line for line in lines), out
    assert sorted({re.match(r"  (\w+)", line).group(1) for line in lines}) == sorted(names)
    assert "Traceback" not in out and "NotImplementedError(" not in out


def lab_definitions(lab_file: str) -> dict[str, ast.AST]:
    tree = ast.parse((ROOT / lab_file).read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def with_dependencies(lab_file: str, name: str, done: set) -> list[str]:
    """The source of ``name`` in ``lab_file`` after that of the lab's own functions and classes
    it uses (those not pasted yet), as a student pastes them."""
    defs = lab_definitions(lab_file)
    lines = (ROOT / lab_file).read_text(encoding="utf-8").splitlines()
    order = []

    def visit(n):
        if n in done or n in order:
            return
        node = defs[n]
        for used in sorted({x.id for x in ast.walk(node) if isinstance(x, ast.Name)} & set(defs)
                           - {n}):
            visit(used)
        order.append(n)

    visit(name)
    done.update(order)
    found = []
    for n in order:
        node = defs[n]
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        found.append("\n".join(lines[first - 1:node.end_lineno]))
    return found


def answered(sheet: Path) -> str:
    """The sheet with each stub replaced by the lab's own definition."""
    text = sheet.read_text(encoding="utf-8")
    lines = text.splitlines()
    lab_file = LAB_FILES[sheet_lab(sheet)]
    stubs = [node for node in ast.parse(text).body
             if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    done = set()
    pasted = {node.name: "\n\n\n".join(with_dependencies(lab_file, node.name, done))
              for node in stubs}
    for node in reversed(stubs):
        lines[node.lineno - 1:node.end_lineno] = pasted[node.name].splitlines()
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("sheet", [s for s in SHEETS if "zh-CN" not in s.parts],
                         ids=lambda p: p.name)
def test_a_sheet_with_the_labs_functions_pasted_in_passes_every_check(sheet, monkeypatch,
                                                                     capsys):
    out = run_sheet(answered(sheet), sheet, monkeypatch, capsys)
    names = [e.name for e in check.EXERCISES[sheet_lab(sheet)]]
    lines = [line for line in out.splitlines() if re.match(r"  \w+:", line)]
    assert lines and all("these checks passed" in line for line in lines), out
    assert sorted({re.match(r"  (\w+)", line).group(1) for line in lines}) == sorted(names)
    assert out.rstrip().endswith(f"{len(names)} of {len(names)} functions passed these checks; "
                                 f"0 failed, 0 not written yet.")


def code_cells(sheet: Path) -> list[str]:
    """The sheet's code, cell by cell, with its strings blanked (docstrings and messages differ
    between the languages) and the language line left out."""
    jupytext = pytest.importorskip("jupytext")
    found = []
    for cell in jupytext.read(sheet).cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        tree.body = [n for n in tree.body if "set_language" not in ast.unparse(n)]
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                node.value = ""
        found.append(ast.dump(tree))
    return found


@pytest.mark.parametrize("sheet", [s for s in SHEETS if "zh-CN" not in s.parts],
                         ids=lambda p: p.name)
def test_the_chinese_sheet_has_the_english_sheets_code(sheet):
    chinese = sheet.parent / "zh-CN" / sheet.name
    assert code_cells(chinese) == code_cells(sheet)
    assert "check.set_language(\"zh\")" in chinese.read_text(encoding="utf-8")


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda p: str(p.relative_to(ROOT / "exercises")))
def test_each_sheets_notebook_holds_the_cells_of_its_script(sheet):
    jupytext = pytest.importorskip("jupytext")
    nbformat = pytest.importorskip("nbformat")
    script = jupytext.read(sheet)
    notebook = nbformat.read(sheet.with_suffix(".ipynb"), as_version=4)
    assert [(c.cell_type, c.source) for c in notebook.cells] == \
        [(c.cell_type, c.source) for c in script.cells], \
        f"run: jupytext --to ipynb --set-kernel python3 {sheet.relative_to(ROOT)}"
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    assert not [c for c in notebook.cells if c.get("outputs")]


# %% reading files

def test_a_file_is_read_not_run(tmp_path):
    """Imports, definitions and plain assignments run; a training run at the bottom does not;
    a name set by a line that did not run is remembered."""
    path = tmp_path / "work.py"
    path.write_text("import math\nimport numpy as np\nimport torch\nfrom torch import nn\n"
                    "EPOCHS = 3\nloss_fn = nn.CrossEntropyLoss()\n"
                    "device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\n"
                    "def one_hot(labels, n, dtype=torch.float32):\n"
                    "    return torch.eye(n, dtype=dtype)[labels]\n"
                    "model = nn.Linear(2, 2)\n"
                    "EPS = torch.finfo(torch.float32).eps\nTINY = np.float32(1e-7)\n"
                    "LOG2 = math.log(2)\nHALF = torch.tensor([0.5]).item()\n"
                    "order = torch.Generator().manual_seed(0)\n"
                    "data = np.load('x.npy')\nstate = torch.load('w.pt')\n"
                    "text = open('notes.txt').read()\nlosses = train(model)\n"
                    "while True:\n    pass\n", encoding="utf-8")
    import numpy as np
    import torch

    source = check.load(path)
    ns = source.namespace
    assert callable(ns["one_hot"]) and ns["EPOCHS"] == 3
    assert "loss_fn" in ns and "device" in ns
    assert (ns["EPS"], ns["TINY"], ns["LOG2"], ns["HALF"]) == \
        (2.0 ** -23, np.float32(1e-7), math.log(2), 0.5)
    assert isinstance(ns["order"], torch.Generator)
    assert source.skipped == {"model": 10, "data": 16, "state": 17, "text": 18, "losses": 19}


def test_a_notebooks_magics_and_broken_cells_are_left_out(tmp_path):
    cells = [{"cell_type": "markdown", "source": "# mine"},
             {"cell_type": "code", "source": ["%matplotlib inline\n", "!pip install d2l\n",
                                              "import torch\n"]},
             {"cell_type": "code", "source": "def broken(:\n"},
             {"cell_type": "code", "source": "%%time\nx = 1\n"},
             {"cell_type": "code", "source": "%%bash\necho y = 2\n"},
             {"cell_type": "code", "source": ["def one_hot(labels, n, dtype=torch.float32):\n",
                                              "    return torch.eye(n, dtype=dtype)[labels]\n"]}]
    path = tmp_path / "work.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}), encoding="utf-8")
    assert check.names_in(path) == (["torch", "x", "one_hot"],
                                    [[3, None, 1, "invalid syntax"], [5, "%%bash", 0, ""]])
    [outcome] = check.run_checks("lab2", check.load(path).namespace, ["one_hot"])
    assert outcome.ok, report([outcome])
    text = check.file_report("lab2", "work.ipynb", [outcome], None, "en",
                             check.names_in(path)[1])
    assert "  left out, not read as Python: cell 3 (line 1: invalid syntax); cell 5 (%%bash)" \
        in text.splitlines()


def test_a_function_in_a_broken_cell_or_a_block_is_not_passed_over(tmp_path):
    """A def in a cell with a syntax error, or inside an `if` block, is named and fails: it
    was not checked (not 'not in this file')."""
    def notebook(name, *sources):
        path = tmp_path / name
        path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": s}
                                              for s in sources], "metadata": {},
                                    "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
        return path
    step = ("def train_step(model, x, y, optimizer):\n"
            "    loss = F.mse_loss(model(x), y)\n"
            "    optimizer.zero_grad()\n    loss.backward()\n    optimizer.step(\n"
            "    return loss\n")
    path = notebook("broken.ipynb", "import torch\nimport torch.nn.functional as F\n", step)
    source = check.load(path)
    [outcome] = check.run_checks("lab4", source.namespace, ["train_step"], source=source)
    assert (outcome.status, outcome.message_id) == ("syntax", "status.def_syntax")
    assert outcome.fields == {"cell": 2, "def_line": 1, "line": 5,
                              "error": "'(' was never closed (`optimizer.step(`)"}
    outcomes, problem, left_out = check.check_file("lab4", str(path), check.TIME_LIMIT)
    assert problem is None and check.file_status(outcomes) == 1
    assert "train_step: its cell has a syntax error: not checked" == \
        check.first_problem(outcomes, "en")
    lenet = ("if True:\n    def d2l_lenet():\n        return nn.Sequential(nn.Flatten(), "
             "nn.Linear(784, 10))\n")
    path = notebook("block.ipynb", "from torch import nn\n", lenet)
    source = check.load(path)
    [outcome] = check.run_checks("lab3", source.namespace, ["d2l_lenet"], source=source)
    assert (outcome.status, outcome.message_id) == ("nested", "status.nested_cell")
    assert outcome.fields == {"cell": 2, "line": 2, "block": "if"}
    assert check.file_status([outcome]) == 1
    path = tmp_path / "block.py"
    path.write_text("from torch import nn\n" + lenet.replace("if True:", "for _ in [0]:"),
                    encoding="utf-8")
    source = check.load(path)
    [outcome] = check.run_checks("lab3", source.namespace, ["d2l_lenet"], source=source)
    assert (outcome.message_id, outcome.fields["block"]) == ("status.nested", "for")


@pytest.mark.parametrize("content, key", [
    (None, "file.missing"), (b"\xff\xfe\x00bad", "file.not_utf8"),
    (b"def f(:\n", "file.syntax"), (b"{not json", "file.not_notebook")])
def test_a_file_that_cannot_be_read_says_why(tmp_path, content, key):
    path = tmp_path / ("work.ipynb" if key == "file.not_notebook" else "work.py")
    if content is not None:
        path.write_bytes(content)
    outcomes, problem, _ = check.check_file("lab2", str(path), 1.0)
    assert outcomes is None and problem[0] == key
    assert check.say(problem[0], "zh", **problem[1])


def test_several_files_make_one_table():
    rows = []
    for name in ("lab2_ce_no_max_shift.py", "lab2_bce_sum.py"):
        source, lab, names, _ = case(CASES / "wrong" / name)
        rows.append((name, check.run_checks(lab, source.namespace, source=source), None))
    rows.append(("notes.txt", None, ("file.none", {"path": "notes.txt", "lab": "lab2",
                                                    "names": "bce_loss"})))
    text = check.table("lab2", rows, "en").splitlines()
    assert text[0] == "lab2: 3 files" and text[-1] == "0 of 3 files passed these checks."
    assert re.fullmatch(r"lab2_ce_no_max_shift\.py +0/1 +1 +0 +cross_entropy: exp\(\) overflows",
                        text[2]), text
    assert re.fullmatch(r"lab2_bce_sum\.py +0/1 +1 +0 +bce_loss: This is the sum over the batch, "
                        r"not the mean", text[3]), text
    assert text[4].startswith("notes.txt") and "defines none of lab2's functions" in text[4]
    chinese = check.table("lab2", rows, "zh").splitlines()
    assert chinese[1].split()[:2] == ["文件", "通过"]
    data = check.as_data("lab2", rows, "en")
    assert data["exit_status"] == 2 and [f["exit_status"] for f in data["files"]] == [1, 1, 2]


# %% the command line, as a process

def test_the_command_line_checks_each_file_in_a_child_and_stops_one_that_never_ends(tmp_path):
    """Four files: the labs' answers in a notebook with a %%bash cell (exit 0 for it, the cell
    named as left out), a .py whose train_step ends its process without a word, whose
    train_epoch never ends and whose evaluate forgets eval mode (the child is killed: --no-alarm
    stands for Windows, which has no alarm; each function left is still checked, by a new
    child), a file that is not Python, one without the lab's functions: one JSON document,
    exit status 2."""
    lesson = "\n\n".join(with_dependencies("lab3_lenet.py", name, set())[-1] for name in
                         ("d2l_lenet", "xavier_init", "train_step", "train_epoch", "evaluate"))
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n\n"
            + lesson}
    bash = {**cell, "source": "%%bash\necho def d2l_lenet(): pass\n"}
    (tmp_path / "good.ipynb").write_text(json.dumps(
        {"cells": [cell, bash], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
        encoding="utf-8")
    (tmp_path / "slow.py").write_text(
        "import os\nimport torch.nn.functional as F\n\n"
        "def train_step(model, x, y, optimizer):\n"
        "    os._exit(3)\n\n"
        "def train_epoch(model, loader, optimizer):\n"
        "    model.train()\n"
        "    seen = 0\n"
        "    while seen < len(loader.dataset):\n"  # seen is never counted up
        "        for x, y in loader:\n"
        "            loss = F.cross_entropy(model(x), y)\n"
        "    return loss.item(), 0.0\n\n"
        "def evaluate(model, loader):\n"
        "    total = right = 0\n"
        "    for x, y in loader:\n"
        "        out = model(x).detach()\n"
        "        total += F.cross_entropy(out, y, reduction='sum').item()\n"
        "        right += (out.argmax(1) == y).sum().item()\n"
        "    return total / len(loader.dataset), right / len(loader.dataset)\n",
        encoding="utf-8")
    (tmp_path / "broken.py").write_text("def train_step(:\n", encoding="utf-8")
    (tmp_path / "other.py").write_text("def unrelated():\n    pass\n", encoding="utf-8")
    files = ["good.ipynb", "slow.py", "broken.py", "other.py"]
    proc = subprocess.run([sys.executable, str(ROOT / "check.py"), "lab3", *files, "--json",
                           "--time-limit", "4", "--no-alarm", "--lang", "en"], cwd=tmp_path,
                          capture_output=True, text=True, encoding="utf-8", timeout=240)
    assert proc.returncode == 2, proc.stderr
    data = json.loads(proc.stdout)
    good, slow, broken, other = data["files"]
    assert good["exit_status"] == 0 and all(f["status"] == "passed" for f in good["functions"])
    assert good["left_out"] == [{"cell": 2, "magic": "%%bash", "line": 0, "error": ""}]
    assert slow["exit_status"] == 1
    found = {f["name"]: (f["status"], f["message_id"]) for f in slow["functions"]}
    assert found == {"d2l_lenet": ("missing", None), "xavier_init": ("missing", None),
                     "train_step": ("crashed", "status.crashed_quiet"),
                     "train_epoch": ("timeout", "status.timeout"),
                     "evaluate": ("failed", "loop.eval_missing")}, \
        [f["message"] for f in slow["functions"]]
    assert broken["problem"]["id"] == "file.syntax" and other["problem"]["id"] == "file.none"
    crash = next(f for f in slow["functions"] if f["name"] == "train_step")
    assert crash["message"].splitlines()[1] == "    The process checking it ended unexpectedly " \
        "(exit code 3), without a word: os._exit() in your code, or a crash inside a library?"


def test_one_file_exits_0_when_every_function_passes_and_1_when_one_fails(tmp_path, capsys):
    source = (CASES / "right" / "lab1_by_hand.py").read_text(encoding="utf-8")
    (tmp_path / "mine.py").write_text(source + "\nbroadcast_subtraction(torch.device('cpu'))\n",
                                      encoding="utf-8")
    assert check.main(["lab1", str(tmp_path / "mine.py"), "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "共 4 个函数：4 个通过了这些检查，0 个未通过，0 个还没写。", out
    assert "全部正确" not in out and "all correct" not in out
    wrong = (CASES / "wrong" / "lab1_sigmoid_value.py").read_text(encoding="utf-8")
    (tmp_path / "mine.py").write_text(wrong, encoding="utf-8")
    assert check.main(["lab1", str(tmp_path / "mine.py"), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "  autograd: FAILED" in out and "not its derivative" in out
    assert "  not in this file: broadcast_subtraction, small_matmul, no_grad_gradients" in out


def test_the_help_needs_no_torch():
    proc = subprocess.run([sys.executable, "-X", "importtime", str(ROOT / "check.py"), "--help"],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert proc.returncode == 0 and "python check.py lab2 my_work.ipynb" in proc.stdout
    assert "| torch" not in proc.stderr


def test_a_seeded_small_matmul_passes_with_a_note_on_what_one_draw_cannot_show():
    """A seed inside small_matmul leaves one draw of 14 numbers: its spread and shape cannot be
    checked, and the report says so; drawing anew each call, the pooled checks run, no note."""
    code = ("import torch\n"
            "def small_matmul(device):\n"
            "    {seed}P = torch.randn(3, 2, device=device) * 0.01\n"
            "    Q = torch.randn(4, 2, device=device) * 0.01\n"
            "    return {{'p': P, 'q': Q, 'qt': Q.T, 'pqt': P @ Q.T}}\n")
    for seed, noted in (("torch.manual_seed(3); ", True), ("", False)):
        namespace = {}
        exec(code.format(seed=seed), namespace)
        [outcome] = check.run_checks("lab1", namespace, ["small_matmul"])
        assert outcome.ok, report([outcome])
        assert ("note.one_draw" in [key for key, _ in outcome.notes]) == noted, report([outcome])
