"""docs/coursework.md's notebook example runs as a student runs it: lab3's lesson functions
pasted where the page says, torchvision's Fashion-MNIST and a plain DataLoader, on a tiny
dataset in the real format (one epoch, no download)."""
from __future__ import annotations

import re

import pytest

import lift
from conftest import ROOT

PAGES = ["docs/coursework.md", "docs/zh-CN/coursework.md"]
PASTE_HERE = re.compile(r"^# .*(Paste|粘贴).*$", re.M)


def example(page: str) -> str:
    text = (ROOT / page).read_text(encoding="utf-8")
    [code] = re.findall(r"```python\n(.*?)```", text, re.S)
    return code


@pytest.mark.parametrize("page", PAGES)
def test_the_coursework_example_runs_with_the_lab_functions_pasted_in(page, synthetic_data,
                                                                     capsys):
    code = example(page)
    assert len(PASTE_HERE.findall(code)) == 1, "the example says where to paste, once"
    lesson = lift.lesson_source("lab3_lenet.py", ["d2l_lenet", "xavier_init", "train_step",
                                                  "train_epoch", "evaluate"])
    code = PASTE_HERE.sub(lambda m: lesson, code)
    code = code.replace('"data"', repr(str(synthetic_data))).replace("download=True",
                                                                      "download=False")
    code = code.replace("range(10)", "range(1)")
    exec(compile(code, page, "exec"), {"__name__": "notebook"})  # noqa: S102
    [line] = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"epoch 1: train loss \d+\.\d{4}, train acc [01]\.\d{3}, "
                        r"test acc [01]\.\d{3}", line), line
