import pytest

import lab1_tensor_ops


def test_lab1_values(capsys, tmp_path):
    out = lab1_tensor_ops.main(["--device", "cpu", "--out-dir", str(tmp_path)])
    printed = capsys.readouterr().out
    assert out["broadcast"] == [[-3, -2, -1], [-4, -3, -2]]
    assert "doesn't match the broadcast shape" in out["inplace_error"]
    assert "no room" in printed  # the explanation of the sub_ failure is printed
    assert (out["grad_no_y2"], out["grad_no_y1"], out["grad_full"]) == (2.0, 3.0, 5.0)
    assert out["pq_shape"] == [3, 4]
    assert out["numpy_shares_memory"] is True
    assert out["a_grad"] == [[3.0, 4.0]] and out["c_grad"] == 1.0
    assert out["sigmoid_grad"] == pytest.approx(0.19661193, abs=1e-7)
    assert out["accumulated_grads"] == [4.0, 5.0, 0.0]
    assert (tmp_path / "lab1_tensor_ops.json").exists()
