import json

import pytest
import torch
from torch import nn

import lab3_lenet as lab3


def test_d2l_layer_shapes():
    shapes = lab3.layer_shapes(lab3.d2l_lenet(), torch.zeros(1, 1, 28, 28))
    sizes = [s for _, s in shapes if _ != "Sigmoid"]
    assert sizes == [[1, 6, 28, 28], [1, 6, 14, 14], [1, 16, 10, 10], [1, 16, 5, 5], [1, 400],
                     [1, 120], [1, 84], [1, 10]]


def test_xavier_uniform_bounds():
    torch.manual_seed(0)
    model = lab3.d2l_lenet()
    lab3.xavier_init(model)
    fc = model[7]  # Linear(400, 120): bound sqrt(6 / (400 + 120))
    bound = (6 / (400 + 120)) ** 0.5
    assert fc.weight.abs().max() <= bound and fc.weight.abs().max() > 0.9 * bound


def test_blitz_walkthrough_values(capsys):
    torch.manual_seed(0)
    out = lab3.blitz_walkthrough(torch.device("cpu"))
    printed = capsys.readouterr().out
    assert out["num_param_tensors"] == 10 and out["conv1_weight_shape"] == [6, 1, 5, 5]
    assert out["output_shape"] == [1, 10]
    assert "1x256 and 400x120" in out["wrong_size_error"] and "16*4*4 = 256" in printed
    assert out["grad_fn_chain"][:3] == ["MseLossBackward0", "AddmmBackward0", "ReluBackward0"]
    assert out["bias_grad_none_before"] and any(v != 0 for v in out["bias_grad_after"])
    losses = out["sgd_losses"]
    assert len(losses) == 10 and all(b < a for a, b in zip(losses, losses[1:]))


@pytest.mark.parametrize("model", ["d2l", "blitz"])
def test_smoke_runs_on_synthetic_data(tmp_path, synthetic_data, model):
    out = lab3.main(["--model", model, "--smoke", "--data-dir", str(synthetic_data),
                     "--out-dir", str(tmp_path), "--device", "cpu"])
    name = f"lab3_{model}_bs{lab3.SETTINGS[model]['batch_size']}"
    rec = json.loads((tmp_path / f"{name}.json").read_text())
    assert rec["history"]["epoch"] == [1]
    assert rec["config"]["model"] == model and rec["environment"]["device"] == "cpu"
    assert rec["metrics"]["examples_per_sec"] > 0
    assert (tmp_path / f"{name}.png").exists()
    assert 0 <= out["metrics"]["test_acc"] <= 1


def test_both_pipelines_train_identically(tmp_path, synthetic_data):
    """Same seed -> same batches -> same weights after training, whichever pipeline."""
    finals = []
    for loader in ("tensor", "dataloader"):
        out = lab3.main(["--epochs", "2", "--batch-size", "8", "--lr", "0.5", "--loader", loader,
                         "--data-dir", str(synthetic_data), "--out-dir", str(tmp_path)])
        finals.append((out["history"]["train_loss"], out["history"]["test_acc"]))
    assert finals[0] == finals[1]


def test_blitz_learns_synthetic_data(tmp_path, synthetic_data):
    out = lab3.main(["--model", "blitz", "--no-train", "--out-dir", str(tmp_path)])
    assert "metrics" not in out
    out = lab3.main(["--model", "blitz", "--epochs", "8", "--batch-size", "8", "--data-dir",
                     str(synthetic_data), "--out-dir", str(tmp_path)])
    assert out["metrics"]["test_acc"] >= 0.9
