"""On a real NVIDIA GPU: the labs run there, --cuda-graph computes what the eager step computes,
--deterministic either runs or stops at start-up with one line, and a checkpoint written on the
GPU resumes on the CPU. Every test here skips without CUDA (CI has none); tools/gpu_check.sh
runs them on a GPU machine, and results/cuda/ holds what they printed there."""
from __future__ import annotations

import importlib
import json

import pytest
import torch

import common
import lab3_lenet
import speed
from conftest import one_line_error, run_script

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(),
                                reason="needs an NVIDIA GPU with a CUDA build of PyTorch")
CUDA = torch.device("cuda")


def lenet_and_batches(synthetic_data, batch_size: int):
    common.seed_everything(0)
    model = lab3_lenet.d2l_lenet()
    lab3_lenet.xavier_init(model)
    model = model.to(CUDA)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.9, foreach=True)
    train, _ = common.image_loaders(common.ImageData("fashion-mnist"), synthetic_data,
                                    kind="tensor", batch_size=batch_size, test_batch_size=40,
                                    device=CUDA, seed=0)
    return model, optimizer, train


@pytest.mark.parametrize("batch_size", [4, 10])  # 10: the last batch of 96 is partial (6)
def test_the_cuda_graph_computes_what_the_eager_step_computes(synthetic_data, batch_size):
    finals, losses = [], []
    for graphed in (False, True):
        model, optimizer, train = lenet_and_batches(synthetic_data, batch_size)
        step = lab3_lenet.train_step
        if graphed:
            step = speed.GraphedStep(step, batch_size, CUDA)
        kept = []
        for _ in range(2):  # the lesson's own loop, handed the graphed step
            watch = common.Watch(1, 0.9)
            lab3_lenet.train_epoch(model, train, optimizer, step, watch)
            kept += watch.lists[0]
        losses.append(torch.stack(kept).cpu())
        finals.append([p.detach().cpu() for p in model.parameters()])
    assert len(losses[1].unique()) > 1  # each step's own loss, not the graph's last one
    exact = torch.equal(losses[0], losses[1]) and all(torch.equal(a, b)
                                                      for a, b in zip(*finals))
    print(f"batch {batch_size}: graph and eager bit-identical: {exact}")
    torch.testing.assert_close(losses[1], losses[0], rtol=1e-5, atol=1e-6)
    for a, b in zip(*finals):
        torch.testing.assert_close(b, a, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("lab, args", [("lab1_tensor_ops", []),
                                       ("lab2_logistic", ["--smoke", "--part", "softmax"]),
                                       ("lab3_lenet", ["--smoke"]),
                                       ("lab3_lenet", ["--smoke", "--cuda-graph"]),
                                       ("lab3_lenet", ["--smoke", "--model", "blitz",
                                                       "--loader", "dataloader"]),
                                       ("lab4_wine_mlp", ["--smoke"]),
                                       ("mnist_checkpoint", ["--smoke"])])
def test_every_lab_runs_on_cuda(lab, args, synthetic_data, tmp_path):
    flags = ["--device", "cuda", "--out-dir", str(tmp_path)]
    if lab != "lab1_tensor_ops":
        flags += ["--data-dir", str(synthetic_data)]
    try:
        out = importlib.import_module(lab).main(args + flags)
    finally:
        common.seed_everything(0)
    record = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert record["environment"]["device"] == "cuda" and out["metrics"]


@pytest.mark.parametrize("script, args", [("mnist_checkpoint.py", []),
                                          ("lab3_lenet.py", ["--model", "blitz"]),
                                          ("lab3_lenet.py", []),
                                          ("lab4_wine_mlp.py", [])])
def test_deterministic_on_cuda_runs_or_stops_with_one_line(script, args, synthetic_data,
                                                           tmp_path):
    proc = run_script(script, *args, "--smoke", "--deterministic", "--device", "cuda",
                      "--data-dir", synthetic_data, "--out-dir", tmp_path)
    if proc.returncode:
        assert one_line_error(proc) and proc.returncode == 2, proc.stderr
        assert "--deterministic on cuda:" in proc.stderr and "Traceback" not in proc.stderr
    else:
        assert list(tmp_path.glob("*.json")), proc.stdout


def test_a_cuda_checkpoint_resumes_on_the_cpu(synthetic_data, tmp_path):
    import mnist_checkpoint as mc
    flags = ["--data-dir", str(synthetic_data), "--batch-size", "16", "--test-batch-size", "20"]
    mc.main(flags + ["--device", "cuda", "--epochs", "2", "--out-dir", str(tmp_path / "gpu")])
    name = "mnist_checkpoint_batchsize16_testbatchsize20"
    state = torch.load(tmp_path / "gpu" / f"{name}.pt", weights_only=True)
    assert state["device_type"] == "cuda" and state["rng"]["cuda"]
    out = mc.main(flags + ["--device", "cpu", "--epochs", "3", "--resume",
                           str(tmp_path / "gpu" / f"{name}.pt"), "--out-dir",
                           str(tmp_path / "cpu")])
    assert out["metrics"]["epochs_done"] == 3


def test_auto_names_the_gpu_it_found(synthetic_data, tmp_path, capsys):
    lab3_lenet.main(["--smoke", "--batch-size", "256", "--data-dir", str(synthetic_data),
                     "--out-dir", str(tmp_path)])
    assert capsys.readouterr().out.splitlines()[0].startswith("--device auto: cuda")


def test_the_cuda_graph_replays_only_what_it_captured(synthetic_data):
    """After the capture, a changed lr, a batch of another dtype or layout, a replaced
    parameter and eval mode each run the eager step (a replay would use the captured lr, read
    the batch as the captured one, update the orphaned parameter); the numbers are eager's.
    Also under --compile, the compiled step inside the graph."""
    for compiled in (False, True):
        runs = []
        for graphed in (False, True):
            model, optimizer, train = lenet_and_batches(synthetic_data, 4)
            step = lab3_lenet.train_step
            if compiled:
                step = speed.compiled_step(step, model, optimizer, speed.first_batch(train),
                                           CUDA)
            if graphed:
                step = speed.GraphedStep(step, 4, CUDA)
            batches = [b for _, b in zip(range(8), train)]
            for x, y in batches[:5]:  # warm-up, capture, replay
                step(model, x, y, optimizer)
            optimizer.param_groups[0]["lr"] = 0.3
            step(model, *batches[5], optimizer)
            optimizer.param_groups[0]["lr"] = 0.9
            step(model, batches[6][0].to(memory_format=torch.channels_last), batches[6][1],
                 optimizer)
            model[0].bias = torch.nn.Parameter(model[0].bias.detach().clone())
            optimizer.param_groups[0]["params"][1] = model[0].bias
            step(model, *batches[7], optimizer)
            runs.append(([p.detach().cpu() for p in model.parameters()],
                         getattr(step, "fallbacks", {})))
        (eager, _), (graphed, fallbacks) = runs
        for a, b in zip(eager, graphed):
            torch.testing.assert_close(b, a, rtol=1e-5, atol=1e-6)
        assert fallbacks == {"changed optimizer settings": 1,
                             "a batch of another size, shape, dtype, device or layout": 1,
                             "replaced parameters or buffers": 1}, fallbacks
