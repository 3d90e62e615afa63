"""--compile for lab3: the whole training step compiled (speed.compiled_train_step) computes what
the lab's eager train_step computes, up to float rounding, over capped epochs, under either
kernel plan; where it cannot compile it says so in one line and trains eagerly, with eager's
numbers bit for bit."""
import shutil
import sys

import pytest
import torch

import lab3_lenet as lab3
import speed

CPU = torch.device("cpu")
NO_COMPILER = speed.compile_problem(CPU)
needs_compiler = pytest.mark.skipif(NO_COMPILER is not None,
                                    reason=f"torch.compile cannot run here: {NO_COMPILER}")
METRICS = ("train_loss", "train_acc", "test_loss", "test_acc")


def compiled_or_skip(said: str) -> None:
    """Inductor is checked on Linux here; elsewhere (macOS's clang without OpenMP, say) a
    compiler that fails leaves --compile training eagerly, its line the skip's reason."""
    if "compiled the whole training step" not in said:
        if sys.platform != "linux" and "torch.compile failed" in said:
            pytest.skip(said.strip())
        pytest.fail(f"--compile did not compile: {said.strip()}")


def fresh(batch_size: int, seed=0):
    """lab3's d2l LeNet and its optimizer, laid out as lab3 lays it out for ``batch_size``."""
    torch.manual_seed(seed)
    model = lab3.d2l_lenet()
    lab3.xavier_init(model)
    model = speed.conv_plan(CPU, batch_size).prepare(model)
    return model, torch.optim.SGD(model.parameters(), lr=0.9, foreach=True)


def batches(size: int, n_full: int, last: int, seed=1):
    """``n_full`` batches of ``size`` random images and labels, then one of ``last``."""
    g = torch.Generator().manual_seed(seed)
    sizes = [size] * n_full + [last]
    return [(torch.rand(n, 1, 28, 28, generator=g), torch.randint(0, 10, (n,), generator=g))
            for n in sizes]


@needs_compiler
@pytest.mark.parametrize("size", [4, 16], ids=["native-nchw", "onednn-channels-last"])
def test_compiled_step_trains_as_eager_over_capped_epochs(capsys, size):
    """Three epochs of lab3's own train_epoch, eager against step=the compiled step, on the
    same batches from the same weights (a partial last batch each epoch), under each kernel
    plan: per-epoch loss and accuracy and the final weights agree within float rounding, not
    bit for bit."""
    data = batches(size, 40, 2)
    eager, eager_opt = fresh(size)
    model, optimizer = fresh(size)
    step = speed.compiled_train_step(lab3.train_step, model, optimizer, size, CPU, (1, 28, 28))
    compiled_or_skip(capsys.readouterr().out)
    assert step.compile_seconds > 0 and step.disagreement is None
    for _ in range(3):
        with speed.cnn_kernels(model, CPU, size):
            want = lab3.train_epoch(eager, data, eager_opt)
            got = lab3.train_epoch(model, data, optimizer, step)
        assert got[0] == pytest.approx(want[0], rel=1e-4) and got[1] == want[1]
    for p, q in zip(eager.parameters(), model.parameters()):
        torch.testing.assert_close(q, p, rtol=1e-4, atol=1e-5)
    assert lab3.evaluate(model, data) == pytest.approx(lab3.evaluate(eager, data), rel=1e-4)


@needs_compiler
def test_compiled_run_matches_eager_run(tmp_path, synthetic_data, capsys):
    """lab3's main with and without --compile (capped: --smoke): the same metrics within float
    rounding, and the compile time in the results apart from the training rate."""
    args = ["--smoke", "--data-dir", str(synthetic_data), "--out-dir", str(tmp_path)]
    eager = lab3.main(args)["metrics"]
    compiled = lab3.main(args + ["--compile"])["metrics"]
    compiled_or_skip(capsys.readouterr().out)
    for key in METRICS:
        assert compiled[key] == pytest.approx(eager[key], rel=1e-4, abs=1e-6), key
    assert compiled["compile_seconds"] > 0 and "compile_seconds" not in eager


def one_line_then_eager(tmp_path, synthetic_data, capsys, extra=()) -> str:
    """Run lab3 --smoke with --compile where it cannot compile: its --compile line, after
    checking the run trained exactly as eager does."""
    args = ["--smoke", "--data-dir", str(synthetic_data), "--out-dir", str(tmp_path), *extra]
    eager = lab3.main(args)["metrics"]
    capsys.readouterr()
    compiled = lab3.main(args + ["--compile"])["metrics"]
    lines = [line for line in capsys.readouterr().out.splitlines() if "--compile" in line]
    assert len(lines) == 1 and lines[0].endswith("; training eagerly"), lines
    assert {k: compiled[k] for k in METRICS} == {k: eager[k] for k in METRICS}  # bit for bit
    assert compiled["compile_seconds"] is None
    return lines[0]


def test_without_a_compiler_compile_says_so_and_trains_eagerly(tmp_path, synthetic_data,
                                                               capsys, monkeypatch):
    monkeypatch.delenv("CXX", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)  # no g++, clang++, cl
    line = one_line_then_eager(tmp_path, synthetic_data, capsys)
    assert "no C++ compiler found" in line


def test_an_optimizer_with_momentum_says_so_and_trains_eagerly(tmp_path, synthetic_data,
                                                               capsys, monkeypatch):
    monkeypatch.setattr(speed, "compile_problem", lambda device: None)  # a compiler or not
    line = one_line_then_eager(tmp_path, synthetic_data, capsys, ("--model", "blitz"))
    assert "only plain SGD (no momentum, no weight decay) is compiled" in line


def test_a_failed_compile_says_so_and_trains_eagerly(tmp_path, synthetic_data, capsys,
                                                     monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("C++ compile error: cc1plus: out of memory\nmore detail")
    monkeypatch.setattr(speed, "compile_problem", lambda device: None)
    monkeypatch.setattr(speed, "sgd_step_graph", broken)
    line = one_line_then_eager(tmp_path, synthetic_data, capsys)
    assert "torch.compile failed (RuntimeError: C++ compile error: cc1plus: out of memory)" in line
