import json

import pytest

import lab1_tensor_ops


def test_lab1_prints_and_stores_the_write_ups_values(capsys, tmp_path):
    out = lab1_tensor_ops.main(["--device", "cpu", "--out-dir", str(tmp_path)])
    m = out["metrics"]
    printed = capsys.readouterr().out
    # write-up 004, part one
    for key in ("broadcast_minus", "broadcast_sub", "broadcast_manual"):
        assert m[key] == [[-3, -2, -1], [-4, -3, -2]]
    assert "doesn't match the broadcast shape" in m["inplace_error"]
    assert "no room" in printed  # the explanation of the sub_ failure is printed
    assert (m["grad_no_y2"], m["grad_no_y1"], m["grad_full"]) == (2.0, 3.0, 5.0)
    assert m["pqt_shape"] == [3, 4] and m["qt_is_q_transposed"]
    assert all(abs(v) < 0.1 for row in m["p"] for v in row)  # N(0, 0.01^2) draws
    # write-up 003, the primer, with its own x and y
    assert m["add"] == [[7, 7, 7], [7, 7, 7]] and m["sub"] == [[-5, -3, -1], [1, 3, 5]]
    assert m["mul"] == m["mul_method"] == [[6, 10, 12], [12, 10, 6]]
    assert m["matmul"] == m["matmul_operator"] == [[28, 10], [73, 28]]
    assert m["reshape"] == [[1, 2], [3, 4], [5, 6]]
    assert m["cat_dim0"] == [[1, 2, 3], [4, 5, 6], [6, 5, 4], [3, 2, 1]]
    assert m["cat_dim1"] == [[1, 2, 3, 6, 5, 4], [4, 5, 6, 3, 2, 1]]
    assert m["numpy_array"] == [[1, 2, 3], [4, 5, 6]]
    assert m["numpy_after_zero"] == m["from_numpy"] == [[0, 0, 0], [0, 0, 0]]
    assert m["empty_shape"] == [2, 3] and m["rand_in_unit_interval"]
    assert m["a_grad"] == [[3.0, 4.0]] and m["c_grad"] == 1.0
    assert m["sigmoid_grad"] == pytest.approx([0.19661193] * 20, abs=1e-7)
    assert m["accumulated_grads"] == [4.0, 5.0, 0.0]
    assert "[[28, 10]," in printed and "[73, 28]]" in printed  # printed as the write-up did
    rec = json.loads((tmp_path / "lab1_tensor_ops.json").read_text())
    assert rec["metrics"] == m and out["history"] == {}


def test_lab1_offers_only_flags_that_mean_something():
    for flag in ("--smoke", "--data-dir", "--epochs"):
        with pytest.raises(SystemExit) as info:
            lab1_tensor_ops.main([flag])
        assert info.value.code == 2
