import json
import math
import re

import pytest

import torch

import lab3_lenet as lab3
import lift
from conftest import interrupt_in_epoch


def test_d2l_layer_shapes():
    shapes, out = lab3.layer_shapes(lab3.d2l_lenet(), torch.zeros(1, 1, 28, 28))
    assert [name for name, _ in shapes] == ["Conv2d", "Sigmoid", "AvgPool2d", "Conv2d", "Sigmoid",
                                           "AvgPool2d", "Flatten", "Linear", "Sigmoid", "Linear",
                                           "Sigmoid", "Linear"]
    sizes = [s for name, s in shapes if name != "Sigmoid"]
    assert sizes == [[1, 6, 28, 28], [1, 6, 14, 14], [1, 16, 10, 10], [1, 16, 5, 5], [1, 400],
                     [1, 120], [1, 84], [1, 10]]
    assert out.shape == (1, 10)


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
    assert out["model_layers"][0] == "(conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))"
    assert len(out["model_layers"]) == 5
    assert out["num_param_tensors"] == 10 and out["conv1_weight_shape"] == [6, 1, 5, 5]
    assert out["output_shape"] == [1, 10] and out["random_backward_fills_grads"]
    assert "1x256 and 400x120" in out["wrong_size_error"] and "16*4*4 = 256" in printed
    # loss.grad_fn.next_functions[0][0] twice, as write-up 003 does: addmm's first input is
    # fc3's bias, so the third is AccumulateGrad; the ReLU is the addmm's input [1].
    assert out["grad_fn_chain"] == ["MseLossBackward0", "AddmmBackward0", "AccumulateGrad"]
    assert out["grad_fn_relu"] == "ReluBackward0"
    assert out["bias_grad_none_before"] and any(v != 0 for v in out["bias_grad_after"])
    assert out["manual_update_loss"] < out["mse_loss"]
    assert len(out["sgd_losses"]) == 10 and out["sgd_losses_fall"]


def help_text(capsys, *flags) -> str:
    with pytest.raises(SystemExit):
        lab3.parse_args([*flags, "--help"])
    return capsys.readouterr().out


def test_help_shows_each_models_real_defaults(capsys):
    d2l, blitz = help_text(capsys), help_text(capsys, "--model", "blitz")

    def default(text, flag):
        options = text.split("options:", 1)[1]
        block = options.split(flag, 1)[1].split("\n  --", 1)[0]
        return re.findall(r"\(default: ([^)]*)\)", " ".join(block.split()))

    for flag, want_d2l, want_blitz in (("--epochs EPOCHS", "10", "5"),
                                       ("--batch-size BATCH_SIZE", "4", "64"),
                                       ("--lr LR", "0.9", "0.01")):
        assert default(d2l, flag) == [want_d2l]
        assert default(blitz, flag) == [want_blitz]
    assert "None" not in d2l


def test_smoke_runs_on_synthetic_data(tmp_path, synthetic_data):
    for model, batch in (("d2l", 4), ("blitz", 64)):
        out = lab3.main(["--model", model, "--smoke", "--data-dir", str(synthetic_data),
                         "--out-dir", str(tmp_path), "--device", "cpu"])
        name = f"lab3_{model}_bs{batch}"
        rec = json.loads((tmp_path / f"{name}.json").read_text())
        assert rec["history"]["epoch"] == [1]
        assert rec["config"]["model"] == model and rec["environment"]["device"] == "cpu"
        assert rec["metrics"]["examples_per_sec"] > 0 and rec["figures"] == [f"{name}.png"]
        assert (tmp_path / f"{name}.png").exists()
        # the accuracies are counts over the 40 test images, as recorded each epoch
        assert out["metrics"]["test_acc"] == rec["history"]["test_acc"][-1]
        assert out["metrics"]["test_acc"] * 40 == round(out["metrics"]["test_acc"] * 40)


def test_both_pipelines_train_identically_and_the_curve_has_five_points(tmp_path,
                                                                        synthetic_data):
    """Same seed -> same batches -> same weights after training, whichever pipeline."""
    finals = []
    for loader in ("tensor", "dataloader"):
        out = lab3.main(["--epochs", "2", "--batch-size", "8", "--lr", "0.5", "--loader", loader,
                         "--data-dir", str(synthetic_data), "--out-dir", str(tmp_path)])
        h = out["history"]
        finals.append((h["train_loss"], h["test_acc"], h["curve_train_loss"]))
    assert finals[0] == finals[1]
    # 96 examples / 8 = 12 batches: points after batches 2, 4, ..., 12 of each epoch, like d2l
    assert len(h["curve_epoch"]) == 12 and h["curve_epoch"][5] == 1.0
    assert h["curve_train_loss"][5] == h["train_loss"][0]  # the last point is the epoch's mean
    assert (tmp_path / "lab3_d2l_bs8_epochs2_lr0.5.json").exists()


def test_blitz_learns_synthetic_data(tmp_path, synthetic_data):
    out = lab3.main(["--model", "blitz", "--no-train", "--out-dir", str(tmp_path)])
    assert "test_acc" not in out["metrics"] and out["metrics"]["num_param_tensors"] == 10
    assert (tmp_path / "lab3_blitz_bs64_notrain.json").exists()
    out = lab3.main(["--model", "blitz", "--epochs", "8", "--batch-size", "8", "--data-dir",
                     str(synthetic_data), "--out-dir", str(tmp_path)])
    assert out["metrics"]["test_acc"] >= 0.9


def test_ctrl_c_saves_the_whole_epochs_done(tmp_path, synthetic_data, monkeypatch):
    interrupt_in_epoch(monkeypatch, lab3, 2)
    with pytest.raises(KeyboardInterrupt) as info:
        lab3.main(["--epochs", "3", "--batch-size", "16", "--data-dir", str(synthetic_data),
                   "--out-dir", str(tmp_path)])
    path = tmp_path / "lab3_d2l_bs16_epochs3.json"
    assert info.value.detail == f"the run up to there is saved in {path}"
    record = json.loads(path.read_text())
    assert record["metrics"]["interrupted"] == {"epoch": 2}
    assert record["history"]["epoch"] == [1] and len(record["history"]["curve_epoch"]) == 6
    assert record["figures"] == ["lab3_d2l_bs16_epochs3.png"]


LESSON = ["d2l_lenet", "xavier_init", "train_step", "train_epoch", "evaluate"]


def test_the_lesson_lifts_out_into_a_plain_notebook():
    """lab3's model, step, epoch loop and evaluation, pasted into a namespace holding only
    torch, train one epoch on a plain DataLoader: the weights move, the numbers are sane."""
    lesson = lift.lifted("lab3_lenet.py", LESSON)
    torch.manual_seed(0)
    x, y = torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))
    model = lesson["d2l_lenet"]()
    lesson["xavier_init"](model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.9)
    before = lift.weights(model)
    loss, acc = lesson["train_epoch"](model, lift.plain_loader(x, y, 4), optimizer)
    assert lift.changed(before, model)
    assert math.isfinite(loss) and 0 <= acc <= 1
    test_loss, test_acc = lesson["evaluate"](model, lift.plain_loader(x, y, 16, shuffle=False))
    assert math.isfinite(test_loss) and 0 <= test_acc <= 1 and not model.training
