"""Lift a lab's lesson out, as a student does: the source of its lesson functions (and its
model), pasted into a fresh namespace that holds only torch, nn, F and numpy, like a new
notebook cell after ``import torch``. A lesson function that names anything else (common, the
machinery, a lab constant) fails there with a NameError when it runs."""
from __future__ import annotations

import ast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from conftest import ROOT

HELPERS = {"common", "machinery", "speed", "datafiles"}


def lesson_source(lab_file: str, names: list[str]) -> str:
    """The source of the top-level functions and classes ``names`` of ``lab_file``, decorators
    included, in the file's order."""
    text = (ROOT / lab_file).read_text(encoding="utf-8")
    lines = text.splitlines()
    found = {}
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in names:
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            found[node.name] = "\n".join(lines[first - 1:node.end_lineno])
    missing = [n for n in names if n not in found]
    assert not missing, f"{lab_file} has no {missing}"
    return "\n\n\n".join(found[n] for n in names)


def helpers_named(source: str) -> set[str]:
    """The helper modules that ``source`` names anywhere."""
    return {node.id for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Name) and node.id in HELPERS}


def paste(source: str, where: str = "<pasted lesson>", modules: tuple = ()) -> dict:
    """``source`` run in a fresh namespace holding only torch, nn, F and numpy, and the standard
    library ``modules`` a student's notebook would import for it too (os for a file, say)."""
    namespace = {"__name__": "lesson", "torch": torch, "nn": nn, "F": F, "np": np,
                 **{m.__name__: m for m in modules}}
    exec(compile(source, where, "exec"), namespace)  # noqa: S102 -- the test's own lab code
    return namespace


def lifted(lab_file: str, names: list[str], modules: tuple = ()) -> dict:
    """``names`` of ``lab_file`` pasted as a student pastes them; none of them names a helper."""
    source = lesson_source(lab_file, names)
    assert helpers_named(source) == set()
    return paste(source, modules=modules)


def plain_loader(x: torch.Tensor, y: torch.Tensor, batch_size: int, shuffle: bool = True):
    """What a student writes: a torch DataLoader over a TensorDataset."""
    dataset = torch.utils.data.TensorDataset(x, y)
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle)


def weights(model: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


def changed(before: list[torch.Tensor], model: nn.Module) -> bool:
    return all(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
