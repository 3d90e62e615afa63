from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st
from torch import nn

import lab2_logistic as lab2

PROPERTY = settings(max_examples=60, deadline=None)


def rand(shape, scale, seed):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(shape, generator=g, dtype=torch.float64) * 2 - 1) * scale


@PROPERTY
@given(b=st.integers(1, 64), scale=st.sampled_from([1.0, 30.0, 1e4]), seed=st.integers(0, 10**6))
def test_bce_matches_torch_including_extreme_logits(b, scale, seed):
    z = rand((b, 1), scale, seed)
    p = torch.sigmoid(z)  # |z| = 1e4 gives p exactly 0 or 1
    t = torch.rand((b, 1), generator=torch.Generator().manual_seed(seed + 1), dtype=torch.float64)
    ours, ref = lab2.bce_loss(p, t), nn.BCELoss()(p, t)
    assert torch.isfinite(ours)
    torch.testing.assert_close(ours, ref)


def test_bce_reported_example():
    # Write-up: BCE(sigmoid(0.8) = 0.6900, target 1.0) = 0.37110066
    p = torch.sigmoid(torch.tensor([0.8]))
    assert lab2.bce_loss(p, torch.tensor([1.0])).item() == pytest.approx(0.37110066, abs=1e-7)


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


def test_cross_entropy_reported_example_style():
    # Matches nn.CrossEntropyLoss to 1e-7 in float32, as the write-up checked.
    torch.manual_seed(0)
    logits, labels = torch.randn(8, 5), torch.randint(0, 5, (8,))
    ours = lab2.cross_entropy(logits, lab2.one_hot(labels, 5))
    assert abs(ours.item() - nn.CrossEntropyLoss()(logits, labels).item()) < 1e-6


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
    ref = F.linear(x, ours.weight.t(), ours.bias)
    torch.testing.assert_close(ours(x), ref)
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
    ours.zero_grad()
    assert a.grad is None


def test_logistic_data_first_sample():
    x, y = lab2.make_logistic_data(1_000_000)
    assert x[0, 0] == 0.5488133381316141 and y[0, 0] == 0.45217091576438073
    assert x.min() == 0 and x.max() == 1 and y.min() == 0 and y.max() == 1


def test_logistic_smoke(tmp_path):
    out = lab2.main(["--part", "logistic", "--smoke", "--writeup-defect", "--out-dir",
                     str(tmp_path)])["logistic"]
    assert out["nn_weight"] < 0 and out["scratch_weight"] < 0
    rec = json.loads((tmp_path / "lab2_logistic.json").read_text())
    assert set(rec["history"]) == {"nn", "scratch", "defect"}
    assert (tmp_path / "lab2_logistic.png").exists()


def test_logistic_short_run_agrees_and_defect_collapses(tmp_path):
    # 200k samples, 10 epochs (2,000 steps): well away from the mean fit, unlike the defect.
    out = lab2.main(["--part", "logistic", "--samples", "200000", "--epochs", "10",
                     "--writeup-defect", "--out-dir", str(tmp_path)])["logistic"]
    assert out["nn_weight"] == pytest.approx(out["scratch_weight"], abs=0.1)
    assert out["nn_weight"] < -2.0
    assert abs(out["defect_weight"]) < 0.5
    assert out["defect_prediction_x2"] == pytest.approx(0.5, abs=0.02)


def test_softmax_smoke_on_synthetic_data(tmp_path, synthetic_data):
    out = lab2.main(["--part", "softmax", "--smoke", "--batch-size", "16", "--data-dir",
                     str(synthetic_data), "--out-dir", str(tmp_path)])["softmax"]
    for run in lab2.SOFTMAX_RUNS:
        assert 0.0 <= out[f"{run}_test_acc"] <= 1.0
    rec = json.loads((tmp_path / "lab2_softmax.json").read_text())
    assert set(rec["history"]) == set(lab2.SOFTMAX_RUNS)
    assert (tmp_path / "lab2_softmax.png").exists()


def test_softmax_learns_synthetic_data(tmp_path, synthetic_data):
    out = lab2.main(["--part", "softmax", "--epochs", "15", "--batch-size", "16", "--data-dir",
                     str(synthetic_data), "--out-dir", str(tmp_path)])["softmax"]
    assert out["scratch_test_acc"] > 0.8 and out["nn_test_acc"] > 0.8
