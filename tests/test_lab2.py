from __future__ import annotations

import functools
import json
import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st
from torch import nn

import lab2_logistic as lab2
import lift
from conftest import interrupt_in_epoch

PROPERTY = settings(max_examples=60, deadline=None)


def rand(shape, scale, seed):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(shape, generator=g, dtype=torch.float64) * 2 - 1) * scale


@PROPERTY
@given(b=st.integers(1, 64), scale=st.sampled_from([1.0, 30.0, 1e4]), seed=st.integers(0, 10**6))
def test_bce_matches_torch_in_value_and_gradient_including_p_0_and_1(b, scale, seed):
    z = rand((b, 1), scale, seed)
    t = torch.rand((b, 1), generator=torch.Generator().manual_seed(seed + 1), dtype=torch.float64)
    p_ours = torch.sigmoid(z).requires_grad_(True)  # |z| = 1e4 gives p exactly 0 or 1
    p_ref = p_ours.detach().clone().requires_grad_(True)
    ours, ref = lab2.bce_loss(p_ours, t), nn.BCELoss()(p_ref, t)
    torch.testing.assert_close(ours, ref)
    ours.backward()
    ref.backward()
    assert torch.isfinite(p_ours.grad).all()
    torch.testing.assert_close(p_ours.grad, p_ref.grad)


def test_bce_gradient_is_finite_at_exact_zero_and_one():
    p = torch.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    t = torch.tensor([0.3, 0.3, 0.0, 1.0])
    lab2.bce_loss(p, t).backward()
    ref = p.detach().clone().requires_grad_(True)
    nn.BCELoss()(ref, t).backward()
    assert torch.isfinite(p.grad).all()
    torch.testing.assert_close(p.grad, ref.grad)


@PROPERTY
@given(b=st.integers(1, 32), c=st.integers(2, 12), scale=st.sampled_from([1.0, 50.0, 1e4]),
       seed=st.integers(0, 10**6))
def test_cross_entropy_matches_torch_including_extreme_logits(b, c, scale, seed):
    logits = rand((b, c), scale, seed).requires_grad_(True)
    labels = torch.randint(0, c, (b,), generator=torch.Generator().manual_seed(seed))
    ours = lab2.cross_entropy(logits, lab2.one_hot(labels, c, torch.float64))
    ref = F.cross_entropy(logits, labels)
    assert torch.isfinite(ours)
    torch.testing.assert_close(ours, ref)
    (g_ours,) = torch.autograd.grad(ours, logits)
    (g_ref,) = torch.autograd.grad(ref, logits)
    torch.testing.assert_close(g_ours, g_ref)


def test_losses_refuse_mismatched_shapes():
    with pytest.raises(ValueError, match=r"predictions have shape \(4, 1\) but targets have "
                                         r"shape \(4,\)"):
        lab2.bce_loss(torch.full((4, 1), 0.5), torch.ones(4))
    with pytest.raises(ValueError, match="cross_entropy"):
        lab2.cross_entropy(torch.zeros(4, 3), torch.zeros(4))


@PROPERTY
@given(b=st.integers(1, 64), seed=st.integers(0, 10**6))
def test_defect_loss_equals_the_literal_broadcast(b, seed):
    p = torch.sigmoid(rand((b, 1), 5.0, seed)).requires_grad_(True)
    t = torch.rand(b, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    literal = lab2.bce_loss(p, t, strict=False)  # (B, 1) vs (B,) -> (B, B)
    fast = lab2.writeup_defect_loss(p, t)
    torch.testing.assert_close(fast, literal)
    torch.testing.assert_close(torch.autograd.grad(fast, p)[0], torch.autograd.grad(literal, p)[0])


@PROPERTY
@given(b=st.integers(1, 16), c=st.integers(1, 20), seed=st.integers(0, 10**6))
def test_one_hot_and_flatten_match_torch(b, c, seed):
    labels = torch.randint(0, c, (b,), generator=torch.Generator().manual_seed(seed))
    assert torch.equal(lab2.one_hot(labels, c, torch.long), F.one_hot(labels, c))
    x = rand((b, 2, 3, c), 1.0, seed)
    assert torch.equal(lab2.flatten(x), nn.Flatten()(x))


@PROPERTY
@given(b=st.integers(1, 16), n_in=st.integers(1, 30), n_out=st.integers(1, 12),
       seed=st.integers(0, 10**6))
def test_linear_matches_torch_and_has_a_bias_per_output(b, n_in, n_out, seed):
    torch.manual_seed(seed)
    ours = lab2.Linear(n_in, n_out, dtype=torch.float64)
    assert ours.bias.shape == (n_out,)
    x = rand((b, n_in), 3.0, seed)
    torch.testing.assert_close(ours(x), F.linear(x, ours.weight.t(), ours.bias))
    assert lab2.Linear(n_in, n_out, init="writeup").bias.shape == (1,)  # the write-up's shared bias


@PROPERTY
@given(n=st.integers(1, 20), lr=st.floats(1e-3, 1.0), seed=st.integers(0, 10**6))
def test_sgd_matches_torch_optim(n, lr, seed):
    a = rand((n,), 1.0, seed).requires_grad_(True)
    b = a.detach().clone().requires_grad_(True)
    ours, ref = lab2.SGD([a], lr), torch.optim.SGD([b], lr=lr)
    for step in range(3):
        for opt, p in ((ours, a), (ref, b)):
            opt.zero_grad()
            ((p ** 2).sum() + p.sum() * step).backward()
            opt.step()
    torch.testing.assert_close(a, b)
    ours.zero_grad(set_to_none=False)
    assert torch.equal(a.grad, torch.zeros_like(a))
    ours.zero_grad()
    assert a.grad is None


def test_the_write_ups_checks_are_reproduced(capsys):
    logistic, softmax = lab2.logistic_checks(), lab2.softmax_checks()
    printed = capsys.readouterr().out
    # write-up 004, cells 13, 15, 17
    assert logistic["bce_ours"] == pytest.approx(0.37110066413879395, abs=1e-7)
    assert logistic["bce_torch"] == pytest.approx(0.37110066413879395, abs=1e-7)
    assert (logistic["sgd_x_before"], logistic["sgd_lr"], logistic["sgd_grad"]) == (1.0, 0.1, 2.0)
    assert logistic["sgd_x_after"] == 0.800000011920929  # float32 1 - 0.1 * 2, as printed
    assert logistic["sgd_grad_after_zero"] == 0.0
    torch.testing.assert_close(logistic["linear_ours"], torch.tensor(
        [[1.0539, 0.3666, 1.3189], [1.4779, 0.1089, 1.8161]]), atol=2e-4, rtol=0)
    assert logistic["linear_max_abs_diff"] < 1e-6
    # cells 32, 34, 36
    assert softmax["one_hot_ours"].tolist() == [[0, 0, 1, 0, 0], [0, 1, 0, 0, 0], [1, 0, 0, 0, 0]]
    assert softmax["ce_ours"] == pytest.approx(1.7417106628417969, abs=1e-4)
    assert softmax["ce_abs_diff"] <= 2.4e-7
    assert softmax["flatten_ours"].tolist() == [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]
    assert "nn.BCELoss" in printed and "nn.CrossEntropyLoss" in printed


def test_logistic_data_first_sample_and_test_input():
    x, y, x_test = lab2.make_logistic_data(1_000_000)
    assert x[0, 0] == 0.5488133381316141 and y[0, 0] == 0.45217091576438073
    assert x.min() == 0 and x.max() == 1 and y.min() == 0 and y.max() == 1
    assert 1.0 < x_test < 1.000001  # x = 2 scaled by the data's own min and max


def test_logistic_smoke(tmp_path):
    out = lab2.main(["--part", "logistic", "--smoke", "--out-dir", str(tmp_path)])
    m = out["metrics"]["logistic"]
    assert m["nn_weight"] < 0 and m["scratch_weight"] < 0
    rec = json.loads((tmp_path / "lab2_logistic.json").read_text())
    assert set(rec["history"]) == {"nn", "scratch", "defect"}
    assert rec["figures"] == ["lab2_logistic.png"] and (tmp_path / "lab2_logistic.png").exists()


def test_logistic_short_run_agrees_and_defect_collapses(tmp_path):
    # 20k samples, 10 epochs (200 steps) at 20 times the write-up's rate: well away from the
    # mean fit, unlike the defect.
    m = lab2.main(["--part", "logistic", "--samples", "20000", "--epochs", "10", "--lr", "1",
                   "--out-dir", str(tmp_path)])["metrics"]["logistic"]
    assert m["nn_weight"] == pytest.approx(m["scratch_weight"], abs=0.1)
    assert m["nn_weight"] < -2.0
    # The defect starts from the write-up's randn weight and heads for the mean fit (weight 0,
    # prediction 0.5), far from the real fit (weight -3.7, prediction 0.14).
    assert abs(m["defect_weight"]) < 0.5
    assert m["defect_prediction_x2"] == pytest.approx(0.5, abs=0.05)
    assert (tmp_path / "lab2_logistic_lr1.0_samples20000.json").exists()


def test_a_softmax_smoke_run_learns_well_above_chance(tmp_path, synthetic_data):
    """Three batches of 16 already lift torch.nn's softmax regression well above the 0.10 of
    guessing on the synthetic classes (a model that does not learn stays near 0.10); each run's
    accuracy is a count of the 40 test images, and the results file and figure hold all three
    runs."""
    out = lab2.main(["--part", "softmax", "--smoke", "--batch-size", "16", "--data-dir",
                     str(synthetic_data), "--out-dir", str(tmp_path)])["metrics"]["softmax"]
    assert out["nn_test_acc"] >= 0.25
    for run in lab2.SOFTMAX_RUNS:
        assert out[f"{run.name}_test_acc"] * 40 == round(out[f"{run.name}_test_acc"] * 40)
    rec = json.loads((tmp_path / "lab2_softmax_batchsize16.json").read_text())
    assert set(rec["history"]) == {run.name for run in lab2.SOFTMAX_RUNS}
    assert (tmp_path / "lab2_softmax_batchsize16.png").exists()


def test_softmax_learns_synthetic_data(tmp_path, synthetic_data):
    out = lab2.main(["--part", "softmax", "--epochs", "15", "--batch-size", "16", "--data-dir",
                     str(synthetic_data), "--out-dir", str(tmp_path)])["metrics"]["softmax"]
    assert out["scratch_test_acc"] > 0.8 and out["nn_test_acc"] > 0.8


@PROPERTY
@given(b=st.integers(1, 48), seed=st.integers(0, 10**6))
def test_the_write_ups_defect_against_torchs_own_bce_on_the_broadcast(b, seed):
    """An oracle outside lab2: torch's binary cross-entropy on the (B, B) pairs the write-up's
    shapes broadcast to (prediction i against target j), value and gradient."""
    p = torch.sigmoid(rand((b, 1), 5.0, seed)).requires_grad_(True)
    t = torch.rand(b, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    ours = lab2.writeup_defect_loss(p, t)
    ref_p = p.detach().clone().requires_grad_(True)
    ref = F.binary_cross_entropy(ref_p.expand(b, b), t.unsqueeze(0).expand(b, b))
    torch.testing.assert_close(ours, ref)
    torch.testing.assert_close(torch.autograd.grad(ours, p)[0],
                               torch.autograd.grad(ref, ref_p)[0])


def test_ctrl_c_saves_the_runs_so_far(tmp_path, monkeypatch):
    interrupt_in_epoch(monkeypatch, lab2, 2)
    with pytest.raises(KeyboardInterrupt) as info:
        lab2.main(["--part", "logistic", "--samples", "2000", "--epochs", "3",
                   "--out-dir", str(tmp_path)])
    path = tmp_path / "lab2_logistic_epochs3_samples2000.json"
    assert info.value.detail == f"the run up to there is saved in {path}"
    record = json.loads(path.read_text())
    assert record["metrics"]["interrupted"] == {"epoch": 2}
    assert record["history"]["nn"]["epoch"] == [1] and set(record["history"]) == {"nn"}


# --------------------------------------------------------------------------- the lesson lifts out

LESSON = ["train_step", "train_epoch", "evaluate"]
SCRATCH = ["check_same_shape", "_BCE", "bce_loss", "writeup_defect_loss", "cross_entropy",
           "one_hot", "flatten", "Linear", "SGD"]
LOGISTIC = SCRATCH + ["nn_logistic", "ScratchLogistic", "writeup_loss", "logistic_run"]
SOFTMAX = SCRATCH + ["nn_softmax", "ScratchSoftmax", "softmax_loss"]


def lifted(names: list[str]) -> dict:
    """The lesson functions and ``names``, pasted where only torch, nn, F and numpy are."""
    return lift.lifted("lab2_logistic.py", names + LESSON)


@pytest.mark.parametrize("kind", lab2.LOGISTIC_RUNS)
def test_the_logistic_lesson_lifts_out_into_a_plain_notebook(kind):
    """Each logistic run (torch.nn, from scratch, the write-up's defect) as the lab sets it up,
    with the step and epoch loop, pasted into a namespace holding only torch: one epoch on a
    plain DataLoader moves the weights and gives finite losses."""
    lesson = lifted(LOGISTIC)
    torch.manual_seed(0)
    model, optimizer, loss_fn = lesson["logistic_run"](kind, 0.5)
    dtype = next(iter(model.parameters())).dtype
    x = torch.rand(256, 1, dtype=dtype)
    y = (1 - x + 0.05 * torch.randn(256, 1, dtype=dtype)).clamp(0, 1)
    before = lift.weights(model)
    step = functools.partial(lesson["train_step"], loss_fn=loss_fn)
    losses, preds, targets = lesson["train_epoch"](model, lift.plain_loader(x, y, 32), optimizer,
                                                   step)
    assert lift.changed(before, model)
    assert losses.shape == (8,) and torch.isfinite(losses).all()
    assert preds.shape == targets.shape == (256, 1) and ((preds >= 0) & (preds <= 1)).all()


@pytest.mark.parametrize("init", ["torch", "writeup", "small"])
def test_the_softmax_lesson_lifts_out_into_a_plain_notebook(init):
    """torch.nn's softmax regression and ours from scratch (with the write-up's init and with
    the fixed one), with the step, epoch loop and evaluation, pasted into a namespace holding
    only torch: one epoch on a plain DataLoader moves the weights, the numbers are sane."""
    lesson = lifted(SOFTMAX)
    torch.manual_seed(0)
    if init == "torch":
        model, loss_fn = lesson["nn_softmax"](), F.cross_entropy
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    else:
        model, loss_fn = lesson["ScratchSoftmax"](init=init), lesson["softmax_loss"]
        optimizer = lesson["SGD"](model.parameters(), lr=0.05)
    x, y = torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))
    before = lift.weights(model)
    step = functools.partial(lesson["train_step"], loss_fn=loss_fn)
    losses, logits, labels = lesson["train_epoch"](model, lift.plain_loader(x, y, 16),
                                                   optimizer, step)
    if init == "writeup":  # one bias for all classes: its gradient sums softmax - one-hot, 0
        assert not torch.equal(before[0], model.weight)
    else:
        assert lift.changed(before, model)
    assert torch.isfinite(losses).all() and logits.shape == (64, 10) and len(labels) == 64
    test_loss, test_acc = lesson["evaluate"](model, lift.plain_loader(x, y, 16, shuffle=False),
                                             loss_fn)
    assert math.isfinite(test_loss) and 0 <= test_acc <= 1


def test_the_default_step_trains_with_cross_entropy():
    """Left at their defaults, the pasted step and loop train torch.nn's softmax regression
    with cross-entropy, as a student's first try would."""
    lesson = lifted(SOFTMAX)
    model = lesson["nn_softmax"]()
    x, y = torch.rand(32, 1, 28, 28), torch.randint(0, 10, (32,))
    before = lift.weights(model)
    losses, _, _ = lesson["train_epoch"](model, lift.plain_loader(x, y, 8),
                                         torch.optim.SGD(model.parameters(), lr=0.1))
    assert lift.changed(before, model) and torch.isfinite(losses).all()
