"""--compile in every lab: the lab's whole training step compiled (speed.compiled_step) computes
what its eager step computes, up to float rounding; every call checks what the graph assumes
and runs the lab's own step where that no longer holds (another batch shape, dtype or layout, a
replaced parameter, a new lr, eval mode...); a model or optimizer it cannot compile, a torch
without the APIs it uses, or no compiler: one line, and the eager step's numbers bit for bit.
The graphs here are tiny (a few seconds to compile once, then inductor's cache)."""
import copy
import functools
import shutil
import sys

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import lab2_logistic as lab2
import lab3_lenet as lab3
import lab4_wine_mlp as lab4
import mnist_checkpoint as mnist
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


# --------------------------------------------------------------------------- a tiny model

class Tiny(nn.Module):
    """A convolution whose output any image size fits (adaptive pooling), optionally with a
    BatchNorm (buffers) and dropout (random numbers in the step)."""

    def __init__(self, norm=False, dropout=0.0):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.norm = nn.BatchNorm2d(4) if norm else nn.Identity()
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(16, 3)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(torch.relu(self.norm(self.conv(x))), 2).flatten(1)
        return self.fc(self.drop(x))


def batch(n=8, side=8, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, side, side, generator=g), torch.randint(0, 3, (n,), generator=g)


class Pair:
    """The same model and optimizer twice: one trained with lab3's eager train_step, the other
    with its compiled form; ``both`` runs a call on each (with the same random numbers) and
    checks they give the same outcome: the same outputs, parameters, buffers and optimizer
    state within float rounding, or the same exception."""

    def __init__(self, capsys, model=Tiny, optimizer=functools.partial(torch.optim.SGD, lr=0.5),
                 example=None, seed=0):
        torch.manual_seed(seed)
        self.eager = model()
        self.eager_opt = optimizer(self.eager.parameters())
        torch.manual_seed(seed)
        self.model = model()
        self.opt = optimizer(self.model.parameters())
        self.step = speed.compiled_step(lab3.train_step, self.model, self.opt,
                                        example or batch(), CPU)
        self.said = capsys.readouterr().out

    def both(self, x, y, seed=0):
        outcomes = []
        for model, opt, step in ((self.eager, self.eager_opt, lab3.train_step),
                                 (self.model, self.opt, self.step)):
            torch.manual_seed(seed)
            try:
                with speed.cnn_kernels(model, CPU, len(batch()[0])):  # as the labs train
                    out = step(model, x, y, opt)
                outcomes.append(([t.detach() for t in out], torch.get_rng_state()))
            except Exception as err:  # noqa: BLE001 -- the same failure is the same outcome
                outcomes.append(err)
        if not all(isinstance(o, tuple) for o in outcomes):
            assert type(outcomes[1]) is type(outcomes[0]), outcomes
            return
        (want, rng_eager), (got, rng_fast) = outcomes
        for a, b in zip(want, got):
            torch.testing.assert_close(b, a, rtol=1e-4, atol=1e-5)
        assert torch.equal(rng_fast, rng_eager), "other random numbers were drawn"
        self.same_state()

    def same_state(self):
        for (name, a), b in zip(self.eager.state_dict().items(), self.model.state_dict().values()):
            torch.testing.assert_close(b, a, rtol=1e-4, atol=1e-5, msg=name)
        for a, b in zip(self.eager_opt.state.values(), self.opt.state.values()):
            for key in a:
                torch.testing.assert_close(b[key], a[key], rtol=1e-4, atol=1e-5)


@needs_compiler
def test_other_batches_run_the_eager_step(capsys):
    """A batch of another size, height and width, memory layout, or a view into a bigger
    tensor, and a batch of another dtype: the lab's own step runs (the graph would read the
    memory as the shape it was built for), with its numbers or its error."""
    pair = Pair(capsys)
    compiled_or_skip(pair.said)
    x, y = batch()
    pair.both(x, y)
    pair.both(*batch(n=5))                                          # a partial last batch
    pair.both(*batch(side=12))                                      # another image size
    pair.both(x.to(memory_format=torch.channels_last), y)           # another layout
    wide, _ = batch(side=16)
    pair.both(wide[:, :, :8, :8], y)                                # a strided view
    pair.both(x.double(), y)                                        # float64: eager's error
    pair.both(x, y.int())                                           # int32 labels
    pair.both(x, y)
    assert set(pair.step.fallbacks) == {"a batch of another size, shape, dtype, device or layout"}
    assert pair.step.fallbacks[next(iter(pair.step.fallbacks))] == 6


@needs_compiler
def test_other_threads_or_kernels_run_the_eager_step(capsys):
    """Called outside the kernel plan it was compiled under (other threads, oneDNN on or
    off): Dynamo would recompile (or, skipping its guards, raise); the eager step runs."""
    pair = Pair(capsys)
    compiled_or_skip(pair.said)
    x, y = batch()
    torch.manual_seed(0)
    pair.step(pair.model, x, y, pair.opt)
    torch.manual_seed(0)
    lab3.train_step(pair.eager, x, y, pair.eager_opt)
    pair.same_state()
    assert list(pair.step.fallbacks) == [
        "other threads or kernel settings (the kernel plan's are compiled in)"]


@needs_compiler
def test_replaced_parameters_train_as_eager(capsys):
    """Parameters replaced after the graph was built (``load_state_dict(assign=True)``,
    ``.data =``, ``model.double()``) are trained by the eager step, not left behind."""
    pair = Pair(capsys)
    compiled_or_skip(pair.said)
    pair.both(*batch())
    fresh = {k: v.clone() * 0.5 for k, v in pair.eager.state_dict().items()}
    for model in (pair.eager, pair.model):
        model.load_state_dict({k: v.clone() for k, v in fresh.items()}, assign=True)
    pair.eager_opt.param_groups[0]["params"] = list(pair.eager.parameters())
    pair.opt.param_groups[0]["params"][:] = list(pair.model.parameters())
    pair.both(*batch(seed=2))
    for model in (pair.eager, pair.model):
        model.fc.bias.data = torch.zeros(3)
    pair.both(*batch(seed=3))
    assert pair.step.fallbacks == {"replaced parameters or buffers": 2}
    for model in (pair.eager, pair.model):
        model.double()
    x, y = batch(seed=4)
    pair.both(x.double(), y)


@needs_compiler
def test_a_changed_learning_rate_runs_the_eager_step(capsys):
    """A scheduler's (or a student's) new lr: the graph has the old one in it."""
    pair = Pair(capsys)
    compiled_or_skip(pair.said)
    pair.both(*batch())
    for opt in (pair.eager_opt, pair.opt):
        opt.param_groups[0]["lr"] = 0.05
    pair.both(*batch(seed=2))
    assert pair.step.fallbacks == {"changed optimizer settings": 1}


@needs_compiler
def test_a_parameter_frozen_after_the_build_runs_the_eager_step(capsys):
    """requires_grad_(False) on a layer (fine-tuning the rest): eager leaves it as it is; the
    graph would update it."""
    pair = Pair(capsys)
    compiled_or_skip(pair.said)
    pair.both(*batch())
    for model in (pair.eager, pair.model):
        model.conv.weight.requires_grad_(False)
    pair.both(*batch(seed=2))
    assert pair.step.fallbacks == {"a parameter frozen or unfrozen": 1}


@needs_compiler
def test_momentum_and_weight_decay_are_compiled_and_train_as_eager(capsys):
    """SGD with momentum, dampening, Nesterov and weight decay: the first step eager (it makes
    the momentum buffers), the next ones compiled, then an optimizer state loaded from a
    checkpoint (new buffer tensors) taken as they are."""
    sgd = functools.partial(torch.optim.SGD, lr=0.1, momentum=0.9, weight_decay=1e-2,
                            nesterov=True)
    pair = Pair(capsys, optimizer=sgd)
    compiled_or_skip(pair.said)
    for seed in range(4):
        pair.both(*batch(seed=seed))
    assert pair.step.fallbacks == {"no momentum buffers yet (the first step)": 1}
    saved = copy.deepcopy(pair.eager_opt.state_dict())  # as from a checkpoint file
    for opt in (pair.eager_opt, pair.opt):
        opt.load_state_dict(copy.deepcopy(saved))
    for seed in range(4, 6):
        pair.both(*batch(seed=seed))
    assert pair.step.fallbacks == {"no momentum buffers yet (the first step)": 1}


@needs_compiler
def test_buffers_and_train_mode(capsys):
    """A BatchNorm's running statistics are updated by the graph as eager updates them; in
    eval mode (its statistics used, not updated) the eager step runs."""
    pair = Pair(capsys, model=functools.partial(Tiny, norm=True))
    compiled_or_skip(pair.said)
    for seed in range(3):
        pair.both(*batch(seed=seed))
    assert not pair.step.fallbacks
    pair.eager.eval()
    pair.model.eval()
    pair.both(*batch(seed=4))
    assert pair.step.fallbacks == {"a module's train/eval mode changed": 1}


@needs_compiler
def test_dropout_draws_what_eager_draws(capsys):
    """Dropout inside the compiled step: the same masks from the same seed, and the global
    random number generator left where eager leaves it; building the step (whose check runs
    a step with dropout twice) leaves it where it was."""
    pair = Pair(capsys, model=functools.partial(Tiny, dropout=0.5), seed=7)
    compiled_or_skip(pair.said)
    for seed in range(3):
        pair.both(*batch(seed=seed), seed=seed)
    assert not pair.step.fallbacks
    torch.manual_seed(7)
    model = Tiny(dropout=0.5)
    before = torch.get_rng_state()
    speed.compiled_step(lab3.train_step, model, torch.optim.SGD(model.parameters(), lr=0.5),
                        batch(), CPU)
    assert torch.equal(torch.get_rng_state(), before)


@needs_compiler
def test_where_inductor_cannot_take_the_graph_directly_torch_compile_does(capsys, monkeypatch):
    """A torch whose inductor lacks what the direct call needs, or an option (inductor's
    ``alignment_asserts`` came with 2.8): compiled all the same, through torch.compile (Dynamo
    checking its own guards on each call), training as eager."""
    def missing(*args, **kwargs):
        raise ImportError("cannot import name 'compile_fx'")
    monkeypatch.setattr(speed, "inductor_direct", missing)
    monkeypatch.setattr(speed, "inductor_has",
                        lambda option: option not in ("alignment_asserts",
                                                      "layout_optimization"))
    pair = Pair(capsys)
    compiled_or_skip(pair.said)
    for seed in range(2):
        pair.both(*batch(seed=seed))
    assert not pair.step.fallbacks


@pytest.mark.parametrize("missing, said", [
    ("compile", "has no torch.compile"),
    ("dynamo", "cannot compile for Python"),
    ("compiler", "no C++ compiler found"),
])
def test_a_torch_that_cannot_compile_says_so_and_trains_eagerly(capsys, monkeypatch, missing,
                                                                said):
    if missing == "compile":
        monkeypatch.delattr(torch, "compile")
    elif missing == "dynamo":
        monkeypatch.setattr("torch._dynamo.is_dynamo_supported", lambda: False)
    else:
        monkeypatch.delenv("CXX", raising=False)
        monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    model = Tiny()
    step = speed.compiled_step(lab3.train_step, model,
                               torch.optim.SGD(model.parameters(), lr=0.1), batch(), CPU)
    line = capsys.readouterr().out
    assert step is lab3.train_step and said in line and line.endswith("; training eagerly\n")


@pytest.mark.parametrize("make, said", [
    (lambda m: torch.optim.Adam(m.parameters()), "only torch.optim.SGD's update is compiled, "
                                                 "not Adam's"),
    (lambda m: torch.optim.SGD([m.fc.weight], lr=0.1),
     "the optimizer does not train exactly the model's parameters"),
    (lambda m: torch.optim.SGD(m.parameters(), lr=torch.tensor(0.1)), "as a tensor"),
    (lambda m: (m.fc.bias.requires_grad_(False), torch.optim.SGD(m.parameters(), lr=0.1))[1],
     "a frozen parameter"),
])
def test_what_cannot_be_compiled_says_so_and_trains_eagerly(capsys, monkeypatch, make, said):
    monkeypatch.setattr(speed, "compile_problem", lambda device: None)  # a compiler or not
    model = Tiny()
    step = speed.compiled_step(lab3.train_step, model, make(model), batch(), CPU)
    line = capsys.readouterr().out
    assert step is lab3.train_step and said in line and line.endswith("; training eagerly\n")


def test_a_from_scratch_model_is_not_compiled(capsys, monkeypatch):
    monkeypatch.setattr(speed, "compile_problem", lambda device: None)
    model = lab2.ScratchSoftmax()
    step = speed.compiled_step(lab2.train_step, model, lab2.SGD(model.parameters(), lr=0.1),
                               batch(side=28), CPU)
    assert step is lab2.train_step
    assert "the model is not a torch.nn.Module" in capsys.readouterr().out


@needs_compiler
def test_a_failed_or_disagreeing_compile_says_so_and_trains_eagerly(capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("C++ compile error: cc1plus: out of memory\nmore detail")
    model = Tiny()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    monkeypatch.setattr(speed, "trace_step", broken)
    assert speed.compiled_step(lab3.train_step, model, optimizer, batch(), CPU) is \
        lab3.train_step
    assert "torch.compile failed (RuntimeError: C++ compile error: cc1plus: out of memory)" \
        in capsys.readouterr().out
    monkeypatch.undo()

    def off_by_a_little(step, model, optimizer, x, y):  # a graph whose update is 1% off
        def wrong(model, x, y, optimizer):
            for group in optimizer.param_groups:
                group["lr"] *= 1.01
            return step(model, x, y, optimizer)
        return real_trace(wrong, model, optimizer, x, y)
    real_trace = speed.trace_step
    monkeypatch.setattr(speed, "trace_step", off_by_a_little)
    assert speed.compiled_step(lab3.train_step, model, optimizer, batch(), CPU) is \
        lab3.train_step
    assert "the compiled step disagrees with eager (" in capsys.readouterr().out

    def one_more_draw(step, model, optimizer, x, y):  # the same arithmetic, another RNG state
        def drawing(model, x, y, optimizer):
            return step(model, x + 0 * torch.rand(1), y, optimizer)
        return real_trace(drawing, model, optimizer, x, y)
    monkeypatch.setattr(speed, "trace_step", one_more_draw)
    assert speed.compiled_step(lab3.train_step, model, optimizer, batch(), CPU) is \
        lab3.train_step
    assert "(it draws other random numbers)" in capsys.readouterr().out


# --------------------------------------------------------------------------- the labs

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
def test_compiled_lenet_trains_as_eager_over_capped_epochs(capsys, size):
    """Three epochs of lab3's own train_epoch, eager against the compiled step, on the same
    batches from the same weights (a partial last batch each epoch), under each kernel plan:
    per-epoch loss and accuracy and the final weights agree within float rounding."""
    data = batches(size, 40, 2)
    eager, eager_opt = fresh(size)
    model, optimizer = fresh(size)
    step = speed.compiled_step(lab3.train_step, model, optimizer, data[0], CPU)
    compiled_or_skip(capsys.readouterr().out)
    assert step.compile_seconds > 0 and step.disagreement is None
    for _ in range(3):
        with speed.cnn_kernels(model, CPU, size):
            want = lab3.train_epoch(eager, data, eager_opt)
            got = lab3.train_epoch(model, data, optimizer, step)
        assert got[0] == pytest.approx(want[0], rel=1e-4) and got[1] == want[1]
    for p, q in zip(eager.parameters(), model.parameters()):
        torch.testing.assert_close(q, p, rtol=1e-4, atol=1e-5)
    assert step.fallbacks == {"a batch of another size, shape, dtype, device or layout": 3}


@needs_compiler
@pytest.mark.parametrize("lab, args, keys", [
    (lab3, [], METRICS),
    (mnist, [], ("test_acc", "test_loss")),                     # dropout in the step
    (lab4, ["--epochs", "3"], ("mlp_test_rmse", "mlp_train_rmse")),  # momentum, weight decay
], ids=["lab3", "mnist", "lab4"])
def test_each_lab_compiled_matches_its_eager_run(tmp_path, synthetic_data, capsys, lab, args,
                                                 keys):
    """A lab's main with and without --compile (capped): the same metrics within float
    rounding, and the compile time in the results apart from the training rate."""
    args = ["--smoke", "--data-dir", str(synthetic_data), "--out-dir", str(tmp_path), *args]
    eager = lab.main(args)["metrics"]
    compiled = lab.main(args + ["--compile"])["metrics"]
    compiled_or_skip(capsys.readouterr().out)
    for key in keys:
        assert compiled[key] == pytest.approx(eager[key], rel=1e-4, abs=1e-6), key
    assert compiled["compile_seconds"] > 0 and "compile_seconds" not in eager


@pytest.mark.parametrize("lab, args, runs", [
    (lab2, ["--part", "softmax"], 3), (lab3, [], 1), (lab4, [], 1), (mnist, [], 1)],
    ids=["lab2", "lab3", "lab4", "mnist"])
def test_every_lab_says_why_not_in_one_line_and_trains_eagerly(tmp_path, synthetic_data, capsys,
                                                               monkeypatch, lab, args, runs):
    """The one rule in every lab: where --compile cannot compile (here: no C++ compiler), one
    line per training run saying why, and the eager run's numbers bit for bit."""
    args = ["--smoke", "--data-dir", str(synthetic_data), "--out-dir", str(tmp_path), *args]
    eager = lab.main(args)["metrics"]
    capsys.readouterr()
    monkeypatch.delenv("CXX", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    compiled = lab.main(args + ["--compile"])["metrics"]
    if lab is lab2:  # its metrics by part
        eager, compiled = eager["softmax"], compiled["softmax"]
    lines = [line for line in capsys.readouterr().out.splitlines() if "--compile" in line]
    assert len(lines) == runs and all(line == f"--compile: {NO_COMPILER_LINE}; training eagerly"
                                      for line in lines), lines
    numbers = {k: v for k, v in eager.items() if isinstance(v, float) and "sec" not in k}
    assert numbers and {k: compiled[k] for k in numbers} == numbers
    assert all(v is None for k, v in compiled.items() if k.endswith("compile_seconds"))


NO_COMPILER_LINE = ("no C++ compiler found (it needs g++ or clang++; on Windows the Visual "
                    "Studio Build Tools; on macOS the Xcode command line tools)")


@pytest.mark.parametrize("pad", [0, 2])
def test_the_example_batch_is_what_either_pipeline_feeds(synthetic_data, pad):
    """A compiled step is built on the first batch of the data in stored order, the same
    tensor (values, shape, dtype, layout) from both input pipelines, without drawing their
    shuffle."""
    data = lab3.common.ImageData("mnist", 0.1307, 0.3081, pad=pad)
    made = [lab3.common.image_loaders(data, synthetic_data, kind=kind, batch_size=5,
                                      test_batch_size=10, device=CPU, seed=0)[0]
            for kind in ("tensor", "dataloader")]
    state = [loader.generator.get_state() for loader in made]
    (xt, yt), (xd, yd) = (speed.first_batch(loader) for loader in made)
    assert all(torch.equal(s, loader.generator.get_state()) for s, loader in zip(state, made))
    assert torch.equal(xt, xd) and torch.equal(yt, yd) and xt.shape == (5, 1, 28 + 2 * pad,
                                                                         28 + 2 * pad)
    assert [speed.signature(t) for t in (xt, yt)] == \
        [speed.signature(t) for t in next(iter(made[0]))]
