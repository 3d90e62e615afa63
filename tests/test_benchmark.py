"""tools/benchmark.py's accelerator section, the one a GPU machine runs (tools/gpu_check.sh), run
here on the CPU at a tiny size: it must finish and report its rows, or a GPU session is spent
on a crash."""
from __future__ import annotations

import torch

from tools import benchmark


def test_the_accelerator_section_runs_to_its_rows_on_the_cpu(synthetic_data, capsys):
    out = benchmark.accelerator(torch.device("cpu"), synthetic_data, seed=0, rounds=1,
                                examples=32, batch_sizes=(4, 8))
    assert [row["case"] for row in out["cases"]] == ["lab3 d2l LeNet, batch 4",
                                                      "lab3 d2l LeNet, batch 8"]
    for row in out["cases"]:
        assert row["errors"] == {} and row["variants"]["cpu"]["median"] > 0
    assert "accelerator lab3 d2l LeNet, batch 8" in capsys.readouterr().out
