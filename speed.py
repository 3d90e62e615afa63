"""Speed, which a student need not read: the CPU kernel plan of a CNN, ``--compile`` and
``--cuda-graph``. Everything here wraps the lesson from outside: a kernel plan is a ``with``
block around a lab's loop, a compiled or graphed step is a drop-in for the lab's own
``train_step(model, x, y, optimizer)``, and deleting the line in ``main`` that chooses it leaves
the lab training as the write-up does.

Imports torch only inside functions (like machinery.py), and imports machinery only.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import platform
import shutil
import time

from machinery import LabError

def compile_problem(device) -> str | None:
    """Why torch.compile cannot work here, or None: checked before any training starts."""
    import torch._dynamo  # noqa: PLC0415 -- costs ~1 s, only with --compile

    if not torch._dynamo.is_dynamo_supported():
        return f"this Python ({platform.python_version()}) and torch build do not support it"
    if device.type == "cpu":
        names = [os.environ.get("CXX"), "g++", "clang++", "c++", "cl"]
        if not any(shutil.which(n) for n in names if n):
            return ("no C++ compiler found (it needs g++ or clang++; on Windows the Visual "
                    "Studio Build Tools; on macOS the Xcode command line tools)")
    if device.type == "cuda":
        try:
            import triton  # noqa: F401, PLC0415
        except ImportError:
            return "Triton is not installed (it comes with the Linux CUDA wheels of torch)"
    return None


class CompiledModel:
    """--compile: ``torch.compile(model)`` for full batches. The one partial batch at the end
    of an epoch runs eagerly: a second graph for its shape would cost more compile time than it
    saves. Compilation happens at the first call; a failure there becomes one clear line."""

    def __init__(self, model, batch_size: int, device):
        problem = compile_problem(device)
        if problem:
            raise LabError(f"--compile: {problem}; run without --compile")
        import torch  # noqa: PLC0415

        self.eager, self.batch_size = model, batch_size
        self.compiled = torch.compile(model)
        self.ready = False

    def __call__(self, x):
        if len(x) != self.batch_size:
            return self.eager(x)
        if self.ready:
            return self.compiled(x)
        start = time.perf_counter()
        try:
            out = self.compiled(x)
        except Exception as err:  # noqa: BLE001 -- any compiler failure means the same
            first = str(err).strip().splitlines()[0] if str(err).strip() else ""
            raise LabError(f"--compile: torch.compile failed ({type(err).__name__}: "
                           f"{first[:200]}); run without --compile") from None
        self.ready = True
        print(f"compiled the model for batch {self.batch_size} "
              f"({time.perf_counter() - start:.1f} s)", flush=True)
        return out


class CompiledStep:
    """--compile: a lab's own ``train_step(model, x, y, optimizer)`` with the model's forward
    pass compiled (CompiledModel); same call, same results up to float rounding."""

    def __init__(self, step, model, batch_size: int, device):
        self.step, self.forward = step, CompiledModel(model, batch_size, device)

    def __call__(self, model, x, y, optimizer):
        return self.step(self.forward, x, y, optimizer)


class CompiledSGDStep:
    """--compile for a step that is cross-entropy plus plain SGD, like lab3's
    ``train_step(model, x, y, optimizer)``: forward, loss, gradient and the SGD update in one
    compiled graph (``torch.func``), the model's parameters updated in place, the logits the
    loop records returned from the same graph. Dynamo sees a graph of aten operations traced
    beforehand, so each call checks only its tensor inputs. The graph is built before training
    (under the kernel plan the loop will run in) on copies of the parameters, and checked there
    against one eager ``step`` on a copy of the model: the run itself starts from the same
    weights as eager. A batch of another size (the last, partial one) and a changed learning
    rate run the lab's own ``step``."""

    # The graph's calls from C++, not Python; no per-call checks of its tensors' sizes.
    OPTIONS = {"cpp_wrapper": True, "size_asserts": False, "alignment_asserts": False}
    RTOL, ATOL = 1e-4, 1e-6                  # the check against eager: float rounding only

    def __init__(self, step, model, optimizer, batch_size: int, device, input_shape):
        import torch  # noqa: PLC0415

        self.step, self.batch_size = step, batch_size
        self.lr = optimizer.param_groups[0]["lr"]
        # Aliases of the parameters, outside autograd: the graph's in-place update is the model's.
        self.params = [p.detach() for p in model.parameters()]
        names = [name for name, _ in model.named_parameters()]
        generator = torch.Generator().manual_seed(0)  # leaves the global RNG as it was
        x = torch.rand((batch_size, *input_shape), generator=generator).to(device)
        y = torch.randint(0, 2, (batch_size,), generator=generator).to(device)
        # Inductor's layout choice follows the kernel plan: channels-last around oneDNN's
        # convolutions (1.2x at batch 256), none around the native ones (it would copy conv2's
        # weight into channels-last every step: slower at batch 4).
        plan = conv_plan(device, batch_size)
        options = {**self.OPTIONS, "layout_optimization": plan.channels_last}
        start = time.perf_counter()
        with cnn_kernels(model, device, batch_size):
            self.graph = torch.compile(sgd_step_graph(model, names, self.lr, self.params, x, y),
                                       dynamic=False, options=options)
            trial = [p.clone() for p in self.params]
            loss, logits = self.graph(trial, x, y)
            self.compile_seconds = time.perf_counter() - start
            self.disagreement = disagreement(step, model, optimizer, x, y,
                                             (loss, logits, trial), self.RTOL, self.ATOL)

    def __call__(self, model, x, y, optimizer):
        import torch  # noqa: PLC0415

        if len(x) != self.batch_size or optimizer.param_groups[0]["lr"] != self.lr:
            return self.step(model, x, y, optimizer)
        with torch.compiler.set_stance("default", skip_guard_eval_unsafe=True):
            return self.graph(self.params, x, y)


def sgd_step_graph(model, names, lr: float, params, x, y):
    """``(params, x, y) -> (loss, logits)``, SGD-updating ``params`` in place: the lab step's
    arithmetic in functional form, traced to aten operations on fake tensors (no real update)."""
    import torch  # noqa: PLC0415
    import torch.nn.functional as F  # noqa: PLC0415, N812
    from torch.fx.experimental.proxy_tensor import make_fx  # noqa: PLC0415

    def loss_of(weights, x, y):
        logits = torch.func.functional_call(model, weights, (x,))
        loss = F.cross_entropy(logits, y)
        return loss, (loss, logits)

    gradient = torch.func.grad(loss_of, has_aux=True)

    def sgd_step(params, x, y):
        grads, (loss, logits) = gradient(dict(zip(names, params)), x, y)
        torch._foreach_add_(params, [grads[n] for n in names], alpha=-lr)
        return loss, logits

    return make_fx(sgd_step, tracing_mode="fake")(params, x, y)


def disagreement(step, model, optimizer, x, y, compiled, rtol: float, atol: float) -> str | None:
    """Where one eager ``step`` on a copy of ``model`` differs from the compiled step's
    ``(loss, logits, updated params)`` on the same batch beyond float rounding, or None."""
    import copy  # noqa: PLC0415

    import torch  # noqa: PLC0415

    twin = copy.deepcopy(model)
    group = {k: v for k, v in optimizer.param_groups[0].items() if k != "params"}
    loss, logits = step(twin, x, y, type(optimizer)(twin.parameters(), **group))
    pairs = [("loss", loss, compiled[0]), ("logits", logits, compiled[1])]
    pairs += [(name, p, q) for (name, p), q in zip(twin.named_parameters(), compiled[2])]
    for name, eager, fast in pairs:
        if not torch.allclose(eager.detach(), fast, rtol=rtol, atol=atol):
            return f"{name} differs by {(eager.detach() - fast).abs().max().item():.2g}"
    return None


def plain_sgd(optimizer) -> bool:
    """torch.optim.SGD that is ``p -= lr * grad`` for every parameter, in one group."""
    import torch  # noqa: PLC0415

    group = optimizer.param_groups[0]
    return type(optimizer) is torch.optim.SGD and len(optimizer.param_groups) == 1 and \
        not any(group.get(k) for k in ("momentum", "weight_decay", "nesterov", "maximize"))


def compiled_train_step(step, model, optimizer, batch_size: int, device, input_shape):
    """--compile for a cross-entropy + SGD step: the whole step compiled (CompiledSGDStep),
    faster than eager on the CPU at every batch size measured, 4 to 512 (docs/devices.md);
    where it cannot be built or disagrees with eager, ``step`` itself after one line saying
    why. Eager needs no compiler."""
    problem = compile_problem(device)
    if problem is None and not plain_sgd(optimizer):
        problem = "only plain SGD (no momentum, no weight decay) is compiled"
    if problem is None:
        try:
            fast = CompiledSGDStep(step, model, optimizer, batch_size, device, input_shape)
        except Exception as err:  # noqa: BLE001 -- any compiler failure means the same
            first = (str(err).strip().splitlines() or [""])[0]
            problem = f"torch.compile failed ({type(err).__name__}: {first[:160]})"
        else:
            problem = fast.disagreement and f"the compiled step disagrees with eager " \
                f"({fast.disagreement})"
    if problem:
        print(f"--compile: {problem}; training eagerly", flush=True)
        return step
    print(f"--compile: compiled the whole training step for batch {batch_size} "
          f"({fast.compile_seconds:.1f} s, not counted in examples/sec)", flush=True)
    return fast


class GraphedStep:
    """--cuda-graph: the whole training step (forward, loss, backward, update) captured once in
    a CUDA graph and replayed for every full batch. A small-batch step on a GPU is bound by
    launching its kernels (about 80 for the d2l LeNet at batch 4), not by arithmetic; a replay
    is one launch. The first WARMUP full batches run eagerly on a side stream (cuBLAS, cuDNN and
    the optimizer make their state there, outside the capture), the next is captured and then
    replayed, and a partial batch runs eagerly. The graph runs the same kernels in the same
    order, so a run computes what the eager step computes. ``step(model, x, y, optimizer)``
    is the lab's own training step; its outputs are returned as copies (a replay overwrites the
    graph's own)."""

    WARMUP = 3

    def __init__(self, step, batch_size: int, device):
        if device.type != "cuda":
            raise LabError(f"--cuda-graph captures CUDA kernels: it needs --device cuda (this "
                           f"run is on {device.type})")
        self.step, self.batch_size, self.warm = step, batch_size, 0
        self.graph = self.side = self.inputs = self.outputs = None

    def __call__(self, model, x, y, optimizer):
        import torch  # noqa: PLC0415
        from torch.utils._pytree import tree_map  # noqa: PLC0415

        if len(x) != self.batch_size:
            return self.step(model, x, y, optimizer)
        if self.graph is None and self.warm < self.WARMUP:
            self.warm += 1
            if self.side is None:
                self.side = torch.cuda.Stream()
            self.side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(self.side):
                out = self.step(model, x, y, optimizer)
            torch.cuda.current_stream().wait_stream(self.side)
            return out
        if self.graph is None:
            start = time.perf_counter()
            self.inputs = (x.clone(), y.clone())
            optimizer.zero_grad(set_to_none=True)  # the gradients are then made in the graph
            self.graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(self.graph):
                self.outputs = self.step(model, *self.inputs, optimizer)
            print(f"captured the training step for batch {self.batch_size} in a CUDA graph "
                  f"({time.perf_counter() - start:.2f} s)", flush=True)
        else:
            self.inputs[0].copy_(x)
            self.inputs[1].copy_(y)
        self.graph.replay()
        return tree_map(lambda t: t.clone() if hasattr(t, "clone") else t, self.outputs)


# --------------------------------------------------------------------------- CPU kernel plans

# Convolution kernels on the CPU, chosen by batch size (measured with tools/benchmark.py; the
# numbers are in docs/devices.md, "Speed"):
# - up to SMALL_BATCH images per step, PyTorch's native convolution: oneDNN's fixed cost per
#   call dominates at 4 images, and one thread: a 4-image step has little to split, and a single
#   thread keeps the result independent of the machine's number of cores;
# - above it, oneDNN with the model in channels-last layout, faster per step than oneDNN in
#   the default layout for all three CNNs at batch 64 and 256.
SMALL_BATCH = 8


@dataclasses.dataclass(frozen=True)
class ConvPlan:
    onednn: bool            # oneDNN (mkldnn) convolution kernels, else PyTorch's native ones
    channels_last: bool     # the model's 4-D weights in channels-last layout
    threads: int | None     # intra-op threads while training (None: leave as is)

    @contextlib.contextmanager
    def kernels(self):
        """Train (or evaluate) under this plan's kernel choice; restores the previous one."""
        import torch  # noqa: PLC0415

        onednn, threads = torch.backends.mkldnn.enabled, torch.get_num_threads()
        torch.backends.mkldnn.enabled = self.onednn
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            yield
        finally:
            torch.backends.mkldnn.enabled = onednn
            torch.set_num_threads(threads)

    def prepare(self, model):
        import torch  # noqa: PLC0415

        return model.to(memory_format=torch.channels_last) if self.channels_last else model


_forced_plan: list[ConvPlan] = []


def conv_plan(device, batch_size: int) -> ConvPlan:
    """The kernel choice for a CNN step of ``batch_size`` images (see the comment above). On a
    GPU or MPS nothing changes: cuDNN and Metal pick their own kernels."""
    import torch  # noqa: PLC0415

    if _forced_plan:
        return _forced_plan[-1]
    if device.type != "cpu":
        return ConvPlan(onednn=torch.backends.mkldnn.enabled, channels_last=False, threads=None)
    if batch_size <= SMALL_BATCH:
        return ConvPlan(onednn=False, channels_last=False, threads=1)
    return ConvPlan(onednn=True, channels_last=True, threads=None)


@contextlib.contextmanager
def forced_plan(plan: ConvPlan):
    """Every conv_plan inside the block is ``plan`` (tools/benchmark.py compares plans)."""
    _forced_plan.append(plan)
    try:
        yield
    finally:
        _forced_plan.pop()


def cnn_kernels(model, device, batch_size: int):
    """The context a CNN trains or evaluates in at this batch size (conv_plan); a model without
    convolutions (an MLP, a linear model) keeps the defaults."""
    import torch  # noqa: PLC0415

    if not isinstance(model, torch.nn.Module) or \
            not any(isinstance(m, torch.nn.Conv2d) for m in model.modules()):
        return contextlib.nullcontext()
    return conv_plan(device, batch_size).kernels()

