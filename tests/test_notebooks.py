"""Every lab in a real Jupyter kernel (ipykernel, driven by nbclient), the four ways students use
one: `%run lab.py --flags`; `import lab` then `lab.main([...])`; the whole file pasted into one
cell; and the script opened as a notebook (its `# %%` cells, read by jupytext) and run top to
bottom. Each way asserts: no error output, an image/png output where the lab draws, the
kernel's matplotlib backend unchanged afterwards, and no SystemExit from the kernel's own
arguments. A bad flag is the command line's one line, and the kernel lives on."""
from __future__ import annotations

import pytest

nbclient = pytest.importorskip("nbclient", reason="needs requirements-test.txt (nbclient)")
nbformat = pytest.importorskip("nbformat", reason="needs requirements-test.txt (nbformat)")
jupytext = pytest.importorskip("jupytext", reason="needs requirements-test.txt (jupytext)")
pytest.importorskip("ipykernel", reason="needs requirements-test.txt (ipykernel)")

import importlib  # noqa: E402
import json  # noqa: E402

from conftest import ROOT  # noqa: E402
from tools import notebooks, report  # noqa: E402
from tools.paths import NOTEBOOKS, REFERENCE_DIR  # noqa: E402

BACKEND_BEFORE = "import matplotlib\nBACKEND = matplotlib.get_backend()"
BACKEND_AFTER = "import matplotlib\nprint('backend unchanged:', matplotlib.get_backend() == BACKEND)"


class Recording(nbclient.NotebookClient):
    """Also counts the in-place redraws (update_display_data) a live curve sends."""
    updates = 0

    def _update_display_id(self, display_id, msg):
        if msg["header"]["msg_type"] == "update_display_data":
            Recording.updates += 1
        return super()._update_display_id(display_id, msg)


def execute(cells: list, allow_errors: bool = False):
    """Run ``cells`` (sources, or a notebook's cells) in a fresh kernel whose working folder
    is the repository, between the two backend cells; returns the executed notebook."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(BACKEND_BEFORE)]
    nb.cells += [nbformat.v4.new_code_cell(c) if isinstance(c, str) else c for c in cells]
    nb.cells.append(nbformat.v4.new_code_cell(BACKEND_AFTER))
    Recording(nb, timeout=600, kernel_name="python3", allow_errors=allow_errors,
              extra_arguments=["--IPKernelApp.log_level=ERROR"],
              resources={"metadata": {"path": str(ROOT)}}).execute()
    return nb


def outputs(cell, kind: str) -> list:
    return [o for o in cell.get("outputs", []) if o.output_type == kind]


def text(cell) -> str:
    return "".join(o.text for o in outputs(cell, "stream"))


def pngs(cell) -> int:
    return sum("image/png" in o.get("data", {}) for o in cell.get("outputs", [])
               if o.output_type in ("display_data", "execute_result"))


def check_clean(nb):
    errors = [o for c in nb.cells for o in outputs(c, "error")]
    assert not errors, [(e.ename, e.evalue) for e in errors]
    assert "SystemExit" not in json.dumps(nb)
    assert "backend unchanged: True" in text(nb.cells[-1])


@pytest.fixture(scope="module")
def flags(synthetic_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("notebooks")
    return out, ["--data-dir", str(synthetic_data), "--out-dir", str(out)]


def with_args(source: str, args: list[str]) -> str:
    """The lab's text with NOTEBOOK_ARGS edited, as a student edits its one obvious place."""
    assert notebooks.RUN_LINE in source
    return source.replace(notebooks.RUN_LINE, f"NOTEBOOK_ARGS: list[str] = {args!r}")


def command_line_error(capsys, lab, *flags) -> str:
    """The one line ``lab`` ends with on the command line for ``flags``."""
    with pytest.raises(SystemExit):
        importlib.import_module(lab).main(list(flags))
    return capsys.readouterr().err.strip()


def test_percent_run_and_import_then_main_return_metrics_history_and_figures(flags, capsys):
    """`%run lab.py --flags` (lab2, mnist) and `import lab` then `lab.main([...])` (lab3, lab4),
    in one kernel; a bad flag either way, and --help, stop the cell with the command line's
    one line (or the help) and the kernel lives on."""
    out, data = flags
    Recording.updates = 0
    nb = execute([
        f"%run lab2_logistic.py --part softmax --smoke {' '.join(data)}",
        f"%run mnist_checkpoint.py --smoke {' '.join(data)}",
        "%run lab4_wine_mlp.py --lr inf",
        # a smoke run is shorter than one frame's share of the time: draw every frame here
        "import machinery, lab3_lenet, lab4_wine_mlp\nmachinery.LivePlot.BUDGET = 1e9",
        f"r3 = lab3_lenet.main(['--smoke'] + {data!r})\nsorted(r3), sorted(r3['figures'])",
        f"r4 = lab4_wine_mlp.main(['--smoke'] + {data!r})\n"
        "sorted(r4['figures']), r4['metrics']['mlp_test_rmse'] > 0",
        "r3['figures']['lab3_d2l_bs4.png']",  # a figure shows itself
        "lab4_wine_mlp.main(['--dropout', '1.5'])",
        "lab3_lenet.main(['--help'])",
        "print('the kernel lives on')"], allow_errors=True)
    lab2, mnist, bad_run, _, lab3, lab4, shown, bad, helped, alive = nb.cells[1:11]
    assert pngs(lab2) == 1 and "softmax regression" in text(lab2).lower()
    assert pngs(mnist) == 3  # examples, predictions, loss curve
    assert (out / "lab2_softmax.json").exists() and (out / "mnist_checkpoint.json").exists()
    assert outputs(lab3, "execute_result")[0].data["text/plain"] == \
        "(['figures', 'history', 'metrics', 'path'], ['lab3_d2l_bs4.png'])"
    # the live curve: shown once, redrawn in place at each curve point, then the final figure
    assert pngs(lab3) == 1 and Recording.updates >= 3
    assert "train:" in text(lab3)  # the progress bar (text: no ipywidgets here)
    assert outputs(lab4, "execute_result")[0].data["text/plain"] == \
        "(['lab4_wine_mlp_loss.png', 'lab4_wine_mlp_pred.png'], True)"
    assert pngs(lab4) == 2 and pngs(shown) == 1
    # the same one line as on the command line, either way
    [error] = outputs(bad_run, "error")
    assert error.traceback == [command_line_error(capsys, "lab4_wine_mlp", "--lr", "inf")]
    assert error.ename == "LabError"
    line = command_line_error(capsys, "lab4_wine_mlp", "--dropout", "1.5")
    assert outputs(bad, "error")[0].traceback == [line]
    assert "usage: lab3_lenet.py" in text(helped)
    assert outputs(helped, "error")[0].traceback == []  # --help stops the cell quietly
    assert "the kernel lives on" in text(alive)
    for cell in (bad_run, bad, helped):
        cell.outputs = []
    check_clean(nb)


def test_the_whole_file_pasted_into_one_cell_lab1_and_lab4(flags):
    out, data = flags
    lab1 = with_args((ROOT / "lab1_tensor_ops.py").read_text(encoding="utf-8"),
                     ["--out-dir", str(out)])
    lab4 = with_args((ROOT / "lab4_wine_mlp.py").read_text(encoding="utf-8"), ["--smoke", *data])
    nb = execute([lab1, "result['metrics']['broadcast_minus']", lab4,
                  "sorted(result['figures'])"])
    assert outputs(nb.cells[2], "execute_result")[0].data["text/plain"] == \
        "[[-3, -2, -1], [-4, -3, -2]]"
    assert pngs(nb.cells[3]) == 2 and "test RMSE" in text(nb.cells[3])
    check_clean(nb)


def test_the_script_opened_as_a_notebook_lab3_blitz(flags):
    out, data = flags
    nb = jupytext.read(ROOT / "lab3_lenet.py")
    assert [c.cell_type for c in nb.cells].count("markdown") >= 4
    run = [c for c in nb.cells if notebooks.RUN_LINE in c.source][0]
    run.source = with_args(run.source, ["--model", "blitz", "--smoke", *data])
    done = execute(nb.cells)
    assert pngs(done.cells[-2]) == 1 and "10 optim.SGD steps" in text(done.cells[-2])
    assert (out / "lab3_blitz_bs64.json").exists()
    check_clean(done)


def test_run_all_writes_notebooks_and_the_check_tells_text_from_code(tmp_path):
    """One notebook of run_all --notebooks (the machinery every step uses), then the
    staleness check on it, as it checks the committed ones: an edit in text only (comments,
    docstrings, prose) is refreshed in place with every output kept; an edit to the code it
    runs needs the reference run, and is left as it is."""
    path = tmp_path / NOTEBOOKS / "lab1_tensor_ops.ipynb"
    path.parent.mkdir()
    ok, printed = notebooks.run_notebook("lab1_tensor_ops.py", ["--out-dir", str(tmp_path)],
                                         path)
    assert ok and "[[-3, -2, -1]," in printed
    assert notebooks.stale(tmp_path) == []
    ran = path.read_text(encoding="utf-8")
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    code[1].source = code[1].source.replace('    """', '    """Edited by hand. ', 1)
    code[1].source = code[1].source.replace("def ", "# edited by hand\n\n\ndef ", 1)
    nb.cells[1].source += "\nEdited by hand."
    nbformat.write(nb, path)
    [problem] = notebooks.stale(tmp_path)
    assert "is stale: cell 2 differs from lab1_tensor_ops.py in comments, docstrings or " \
           "prose only" in problem and "python -m tools.report --write" in problem
    # as the check says: --write (here for a page without generated blocks, and results
    # without the runs the ledger reads, which it reports as failing rows)
    page = tmp_path / "page.md"
    page.write_text("no generated blocks here\n", encoding="utf-8")
    report.main(["--results", str(tmp_path), "--write", "--doc", str(page)])
    assert path.read_text(encoding="utf-8") == ran and notebooks.stale(tmp_path) == []
    code[1].source = code[1].source.replace("-> ", "->  ", 1)  # layout: still the same code
    code[1].source = code[1].source.replace('print(f"\\n## ', 'print(f"\\n### ', 1)
    nbformat.write(nb, path)
    [problem] = notebooks.stale(tmp_path)
    assert "differs from lab1_tensor_ops.py in the code it runs" in problem
    assert "python run_all.py --update-reference --notebooks" in problem
    assert notebooks.refresh(tmp_path) == []


def test_what_a_cell_runs_leaves_out_only_what_nothing_runs_or_shows():
    cell = 'def f(x):\n    """Twice x."""\n    return 2 * x  # doubled\n\n\nf(1)\n'
    same = ['"""A cell atop."""\ndef f(x):\n    """Half of four x."""\n    return 2*x\nf(1)',
            "# a comment\ndef f(x):\n\n    return (2 *\n            x)\n\nf(1)"]
    other = ['def f(x):\n    """Twice x."""\n    return 3 * x\n\n\nf(1)\n',
             cell + '"""The last line, which Jupyter shows."""\n']
    assert all(notebooks.executed(text) == notebooks.executed(cell) for text in same)
    assert all(notebooks.executed(text) != notebooks.executed(cell) for text in other)


def test_the_committed_notebooks_show_every_lab():
    folder = REFERENCE_DIR / NOTEBOOKS
    books = {p.stem: nbformat.read(p, as_version=4) for p in folder.glob("*.ipynb")}
    assert set(books) == {"lab1_tensor_ops", "lab2_logistic", "lab3_blitz", "lab3_d2l_bs4",
                          "lab3_d2l_bs256", "lab4_wine_mlp", "mnist_checkpoint_1-3",
                          "mnist_checkpoint_4-8"}
    for name, nb in books.items():
        assert not [o for c in nb.cells for o in outputs(c, "error")], name
        drawn = sum(pngs(c) for c in nb.cells)
        assert drawn == {"lab1_tensor_ops": 0, "lab2_logistic": 2, "lab4_wine_mlp": 2,
                         "mnist_checkpoint_1-3": 3, "mnist_checkpoint_4-8": 3}.get(name, 1), name
