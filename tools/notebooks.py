"""Each lab as a notebook: built from its script (the `# %%` cells, with jupytext), run in a
real Jupyter kernel, saved with its printed output and figures.

    python run_all.py --notebooks            # every step of the reproduction, as notebooks
    python -m tools.notebooks lab4_wine_mlp.py --out nb.ipynb -- --epochs 20   # one lab

The notebooks are never edited by hand: `python -m tools.report --check` fails when a
committed notebook's cells differ from its script's, and says which of two cases it is. An edit
that changes no code the notebook runs (comments, blank lines, prose, docstrings nothing prints)
leaves every output as it was: `python -m tools.report --write` puts the new text in, keeping
the outputs, in seconds. An edit to the code needs the reference run, which runs them again.
Needs requirements-test.txt (jupytext, nbclient, ipykernel).
"""
from __future__ import annotations

import argparse
import ast
import os
import sys
from pathlib import Path

if not __package__:  # run as a file (python tools/notebooks.py): import from the root, as -m does
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import machinery  # noqa: E402
from tools.paths import NOTEBOOKS, ROOT  # noqa: E402

RUN_LINE = "NOTEBOOK_ARGS: list[str] = []"  # the one line of a lab that a notebook run sets


def make_notebook(script: str, args: list[str]):
    """The notebook of ``script`` (a file name in the repository root) that runs it with
    ``args``: the script's cells, with ``args`` in its run cell and in the metadata."""
    import jupytext  # noqa: PLC0415

    nb = jupytext.read(ROOT / script)
    cells = [c for c in nb.cells if c.cell_type == "code" and RUN_LINE in c.source]
    if len(cells) != 1:
        raise machinery.LabError(f"{script}: expected one run cell with `{RUN_LINE}`")
    cells[0].source = cells[0].source.replace(RUN_LINE, f"NOTEBOOK_ARGS: list[str] = {args!r}")
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                  "language": "python"},
                   "language_info": {"name": "python"},
                   "labs": {"script": script, "args": list(args),
                            "generated_by": "python run_all.py --notebooks"}}
    for cell in nb.cells:
        cell.metadata = {}
    return nb


def run_notebook(script: str, args: list[str], path: Path) -> tuple[bool, str]:
    """Execute the notebook of ``script`` with ``args`` in a kernel whose working folder is
    the repository, and write it to ``path`` whether or not a cell failed. Returns (success,
    its printed text) for run_all's log."""
    import nbclient  # noqa: PLC0415
    import nbformat  # noqa: PLC0415

    nb = make_notebook(script, args)
    client = nbclient.NotebookClient(nb, timeout=None, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}},
                                     # not the kernel's warning about TCP on localhost
                                     extra_arguments=["--IPKernelApp.log_level=ERROR"])
    try:
        client.execute()
        ok = True
    except nbclient.exceptions.CellExecutionError:
        ok = False
    with machinery.atomic_write(path) as f:
        f.write(nbformat.writes(nb) + "\n")
    return ok, printed_text(nb)


def printed_text(nb) -> str:
    """What the cells printed, and their errors, as a log."""
    out = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                out.append(output.text)
            elif output.output_type == "error":
                out.append("\n".join(output.traceback) + "\n")
    return "".join(out)


def executed(source: str) -> str:
    """What a code cell runs, as Python parses it: comments, blank lines and layout are gone,
    and so are the docstrings nothing prints, those of functions and classes and a string atop
    a cell (the module's, which only --help shows). A string that ends a cell stays: Jupyter
    shows it."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # not plain Python (a magic, say): its text is its code
        return source
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, ast.Module):
            keep = body[-1:]
            node.body = [n for n in body if n in keep or not is_string(n)]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if is_string(body[0]):
                node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def is_string(node) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))


def compared(path: Path):
    """The committed notebook at ``path``, the one its script makes now, and how they differ:
    None (the same cells), "text" (only what no cell runs: the code cells run the same code,
    so every output stands) or "code" (with the first cell that differs, counted from 1)."""
    import nbformat  # noqa: PLC0415

    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("labs", {})
    if "script" not in meta:
        return nb, None, ("code", 1)
    expected = make_notebook(meta["script"], meta["args"])
    have = [(c.cell_type, c.source) for c in nb.cells]
    want = [(c.cell_type, c.source) for c in expected.cells]
    if have == want:
        return nb, expected, None
    first = next((i for i, (a, b) in enumerate(zip(have, want)) if a != b),
                 min(len(have), len(want))) + 1
    code = [[executed(c.source) for c in book.cells if c.cell_type == "code"]
            for book in (nb, expected)]
    return nb, expected, ("text" if code[0] == code[1] else "code", first)


def stale(results_dir: Path) -> list[str]:
    """The committed notebooks whose cells differ from their scripts' (one line each, saying
    whether ``--write`` can refresh them or they need the reference run)."""
    problems = []
    for path in sorted((Path(results_dir) / NOTEBOOKS).glob("*.ipynb")):
        nb, expected, difference = compared(path)
        if difference is None:
            continue
        kind, cell = difference
        if expected is None:
            problems.append(f"{path}: not generated by run_all --notebooks")
        elif kind == "text":
            problems.append(f"{path} is stale: cell {cell} differs from "
                            f"{nb.metadata['labs']['script']} in comments, docstrings or prose "
                            f"only, which change no output: `python -m tools.report --write` "
                            f"refreshes it in seconds")
        else:
            problems.append(f"{path} is stale: cell {cell} differs from "
                            f"{nb.metadata['labs']['script']} in the code it runs: run "
                            f"`python run_all.py --update-reference --notebooks`")
    return problems


def refresh(results_dir: Path) -> list[Path]:
    """Every committed notebook that differs from its script in text only (``compared``) takes
    its script's text, each code cell keeping its outputs (and each cell its id, where the
    cells of its kind are as many as before); returns the paths written."""
    import nbformat  # noqa: PLC0415

    written = []
    for path in sorted((Path(results_dir) / NOTEBOOKS).glob("*.ipynb")):
        nb, expected, difference = compared(path)
        if difference is None or difference[0] != "text":
            continue
        kept = {kind: [c for c in nb.cells if c.cell_type == kind] for kind in ("code",
                                                                              "markdown")}
        new = {kind: [c for c in expected.cells if c.cell_type == kind] for kind in kept}
        mine = {kind: iter(kept[kind] if len(kept[kind]) == len(new[kind]) else new[kind])
                for kind in kept}
        cells = []
        for cell in expected.cells:
            old = next(mine[cell.cell_type])
            old.source = cell.source
            cells.append(old)
        nb.cells = cells
        with machinery.atomic_write(path) as f:
            f.write(nbformat.writes(nb) + "\n")
        written.append(path)
    return written


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    ours, lab = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else \
        (argv, [])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     usage="python -m tools.notebooks SCRIPT --out NOTEBOOK "
                                           "[-- LAB FLAGS]")
    parser.add_argument("script", help="a lab script, e.g. lab4_wine_mlp.py")
    parser.add_argument("--out", type=Path, required=True, help="the .ipynb to write")
    args = parser.parse_args(ours)
    os.environ.setdefault("LABS_PROGRESS", "0")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    ok, _ = run_notebook(args.script, lab, args.out)
    print(f"wrote {args.out}" + ("" if ok else " (a cell failed: see its output)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
