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
    import torch  # noqa: PLC0415

    if not hasattr(torch, "compile"):
        return f"torch {torch.__version__} has no torch.compile"
    import torch._dynamo  # noqa: PLC0415 -- costs ~1 s, only with --compile

    if not torch._dynamo.is_dynamo_supported():
        return (f"torch {torch.__version__} cannot compile for Python "
                f"{platform.python_version()} on {platform.system()} (torch 2.2 compiles for "
                f"Python 3.8-3.11 on Linux and macOS; each newer torch adds newer Pythons)")
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


_setup = [0.0]  # seconds spent capturing CUDA graphs inside training steps, this process


def setup_seconds() -> float:
    """Seconds spent so far in this process capturing CUDA graphs inside training steps:
    common.Throughput leaves them out of examples/sec."""
    return _setup[0]


class CompiledStep:
    """--compile: a lab's own ``step(model, x, y, optimizer)`` (forward, loss, backward and the
    optimizer's update) traced once into aten operations with ``model``'s tensors as inputs,
    then compiled as one graph: one call into compiled code per step instead of one per
    operation. Built before training, under the kernel plan the loop runs in, and checked
    there against one eager ``step`` on copies (the same random numbers for dropout, the same
    result within float rounding, the global RNG left as it was). The graph holds what it was
    built for; every call checks that it still holds and otherwise runs ``step`` itself: see
    ``problem``. ``fallbacks`` counts those calls by reason (a partial last batch is one)."""

    # cpp_wrapper: the graph is called from C++, not Python; no per-call size asserts (the
    # Python checks below are the guards); fallback_random: dropout draws what eager draws.
    OPTIONS = {"cpp_wrapper": True, "size_asserts": False, "alignment_asserts": False,
               "fallback_random": True}
    RTOL, ATOL = 1e-4, 1e-6                  # the check against eager: float rounding only

    def __init__(self, step, model, optimizer, example, device):
        import torch  # noqa: PLC0415

        self.step, self.model, self.optimizer = step, model, optimizer
        self.fallbacks: dict[str, int] = {}
        self.momentum = bool(optimizer.param_groups[0].get("momentum"))
        self.moms: list = []
        x, y = example
        plan = conv_plan(device, len(x))
        options = {k: v for k, v in self.OPTIONS.items() if inductor_has(k)}
        if has_conv(model) and inductor_has("layout_optimization"):
            # Inductor's layout follows the kernel plan: channels-last around oneDNN's
            # convolutions (1.2x at batch 256), none around the native ones (it would copy
            # conv2's weight into channels-last every step: slower at batch 4).
            options["layout_optimization"] = plan.channels_last
        start = time.perf_counter()
        with cnn_kernels(model, device, len(x)), training_mode(model):
            self.assumed = Assumptions(model, optimizer, x, y)
            self.settings = kernel_settings()
            traced, self.spec = trace_step(step, model, optimizer, x, y)
            self.graph = compile_graph(traced, [*self.tensors(model, optimizer), x, y], options)
            self.disagreement = self._check_against_eager(x, y, device)
        self.compile_seconds = time.perf_counter() - start
        self.params = [p.detach() for p in model.parameters()]
        self.buffers = [b.detach() for b in model.buffers()]

    def problem(self, model, x, y, optimizer) -> str | None:
        """Why the graph cannot take this call (``step`` runs instead), or None: what it was
        built for no longer holds (Assumptions), or the momentum buffers it updates do not
        exist yet. They appear at the first step, run eagerly, and are new tensors after
        ``optimizer.load_state_dict``: the graph takes them as they are."""
        why = self.assumed.broken(model, x, y, optimizer)
        if why is None and kernel_settings() != self.settings:
            why = "other threads or kernel settings (the kernel plan's are compiled in)"
        if why or not self.momentum:
            return why
        moms = self.assumed.momentum_buffers()
        if len(moms) == len(self.moms) and all(a is b for a, b in zip(moms, self.moms)):
            return None                                   # the same tensors: the usual case
        if any(m is None or m.shape != p.shape or m.dtype != p.dtype or m.device != p.device
               for m, p in zip(moms, self.params)):
            return "no momentum buffers yet (the first step)"
        self.moms = moms
        return None

    def __call__(self, model, x, y, optimizer):
        from torch.utils._pytree import tree_unflatten  # noqa: PLC0415

        why = self.problem(model, x, y, optimizer)
        if why:
            self.fallbacks[why] = self.fallbacks.get(why, 0) + 1
            return self.step(model, x, y, optimizer)
        return tree_unflatten(self.graph([*self.params, *self.buffers, *self.moms, x, y]),
                              self.spec)

    def tensors(self, model, optimizer, split=False):
        """The graph's tensor inputs besides the batch: ``model``'s parameters and buffers and,
        with momentum, ``optimizer``'s momentum buffers (zeros where there are none yet)."""
        import torch  # noqa: PLC0415

        params = [p.detach() for p in model.parameters()]
        buffers = [b.detach() for b in model.buffers()]
        state = optimizer.state
        moms = [state[p]["momentum_buffer"] if "momentum_buffer" in state.get(p, {})
                else torch.zeros_like(p) for p in model.parameters()] if self.momentum else []
        return (params, buffers, moms) if split else params + buffers + moms

    def _check_against_eager(self, x, y, device) -> str | None:
        """Where the compiled step, run once on copies of the model and optimizer, differs
        from one eager ``step`` on other copies (loss and outputs, parameters, buffers,
        momentum, the random numbers drawn) beyond float rounding; None if nowhere. Both
        draw from the same seed, and the global RNG is left as it was."""
        import torch  # noqa: PLC0415
        from torch.utils._pytree import tree_flatten, tree_unflatten  # noqa: PLC0415

        devices = [device] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            eager, eager_opt = twin(self.model, self.optimizer)
            if self.momentum and not self.optimizer.state:  # the buffers exist from step 2
                self.step(eager, x, y, eager_opt)
            fast, fast_opt = twin(eager, eager_opt)
            params, buffers, moms = self.tensors(fast, fast_opt, split=True)
            torch.manual_seed(0)
            got = tree_unflatten(self.graph([*params, *buffers, *moms, x, y]), self.spec)
            rng_fast = torch.get_rng_state()
            torch.manual_seed(0)
            want = self.step(eager, x, y, eager_opt)
            rng_eager = torch.get_rng_state()
        if not torch.equal(rng_fast, rng_eager):
            return "it draws other random numbers"
        pairs = [("output", a, b) for a, b in zip(tree_flatten(want)[0], tree_flatten(got)[0])]
        pairs += [(name, p, q) for (name, p), q in zip(eager.named_parameters(), params)]
        pairs += [(name, p, q) for (name, p), q in zip(eager.named_buffers(), buffers)]
        if self.momentum:
            pairs += [("momentum", eager_opt.state[p]["momentum_buffer"], q)
                      for p, q in zip(eager.parameters(), moms)]
        for name, a, b in pairs:
            if not isinstance(a, torch.Tensor):
                if a != b:
                    return f"{name} differs"
                continue
            a = a.detach()
            if a.dtype.is_floating_point:
                if not torch.allclose(a, b, rtol=self.RTOL, atol=self.ATOL, equal_nan=True):
                    return f"{name} differs by {(a - b).abs().max().item():.2g}"
            elif not torch.equal(a, b):
                return f"{name} differs"
        return None


class Assumptions:
    """What a compiled or captured step was made for, checked on every call in a few
    microseconds: the same model and optimizer; a batch of the same shape, dtype, device and
    memory layout; the parameters and buffers still the model's, where they were (a replaced
    parameter, ``model.to(...)`` or ``load_state_dict(..., assign=True)`` would leave the
    graph updating orphans); the optimizer's settings unchanged (a scheduler's lr); every
    module in the mode it had; gradients on."""

    def __init__(self, model, optimizer, x, y):
        self.model, self.optimizer = model, optimizer
        self.batch = (signature(x), signature(y))
        self.group = {k: v for k, v in optimizer.param_groups[0].items() if k != "params"}
        self.params = optimizer.param_groups[0]["params"]
        self.slots = [slot(model, n, "_parameters", p) for n, p in model.named_parameters()]
        self.slots += [slot(model, n, "_buffers", b) for n, b in model.named_buffers()]
        self.modules = list(model.modules())
        self.modes = [m.training for m in self.modules]

    def broken(self, model, x, y, optimizer) -> str | None:
        """The first assumption that no longer holds, or None."""
        import torch  # noqa: PLC0415

        if model is not self.model or optimizer is not self.optimizer:
            return "another model or optimizer"
        if (signature(x), signature(y)) != self.batch:
            return "a batch of another size, shape, dtype, device or layout"
        groups = optimizer.param_groups
        if len(groups) != 1 or groups[0]["params"] is not self.params or \
                any(groups[0].get(k) != v for k, v in self.group.items()):
            return "changed optimizer settings"
        for table, name, tensor, ptr, grad in self.slots:
            if table.get(name) is not tensor or tensor.data_ptr() != ptr:
                return "replaced parameters or buffers"
            if tensor.requires_grad is not grad:
                return "a parameter frozen or unfrozen"
        if [m.training for m in self.modules] != self.modes:
            return "a module's train/eval mode changed"
        if not torch.is_grad_enabled():
            return "gradients off"
        return None

    def momentum_buffers(self) -> list:
        """The optimizer's momentum buffer of each parameter (None where there is none)."""
        state = self.optimizer.state
        return [state[p].get("momentum_buffer") if p in state else None for p in self.params]


def slot(model, name: str, table: str, tensor):
    """Where ``model``'s tensor ``name`` lives: (its module's dict, key, the tensor, its data
    pointer, whether it requires grad), for the per-call check that it is still there, as it
    was."""
    owner, _, key = name.rpartition(".")
    return (getattr(model.get_submodule(owner), table), key, tensor, tensor.data_ptr(),
            tensor.requires_grad)


def signature(t) -> tuple:
    """What a compiled graph assumes of an input tensor (16-byte alignment included: a GPU
    kernel may load it in 16-byte pieces)."""
    return t.shape, t.dtype, t.device, t.stride(), t.data_ptr() % 16 == 0


def twin(model, optimizer):
    """A deep copy of ``model`` and an optimizer of the same kind and settings over it, with a
    deep copy of the optimizer's state (loading a state dict alone would share its tensors)."""
    import copy  # noqa: PLC0415

    other = copy.deepcopy(model)
    settings = {k: v for k, v in optimizer.param_groups[0].items() if k != "params"}
    made = type(optimizer)(other.parameters(), **constructor_settings(optimizer, settings))
    made.load_state_dict(copy.deepcopy(optimizer.state_dict()))
    return other, made


def constructor_settings(optimizer, settings: dict) -> dict:
    """The settings of a param group that the optimizer's constructor takes (a scheduler adds
    others, such as initial_lr)."""
    import inspect  # noqa: PLC0415

    accepted = inspect.signature(type(optimizer).__init__).parameters
    return {k: v for k, v in settings.items() if k in accepted}


def trace_step(step, model, optimizer, x, y):
    """``step(model, x, y, optimizer)`` as a graph of aten operations
    ``(*params, *buffers, *momentum_buffers, x, y) -> [step's result, flattened]``, updating
    its tensor inputs in place as the step updates the model and optimizer, and the structure
    of the step's result (torch.utils._pytree). Traced on fake tensors (no real update) with the
    model called through ``torch.func.functional_call`` and a fresh optimizer of the same kind
    and settings over the traced parameters."""
    import torch  # noqa: PLC0415
    from torch.fx.experimental.proxy_tensor import make_fx  # noqa: PLC0415
    from torch.utils._pytree import tree_flatten  # noqa: PLC0415

    names = [name for name, _ in model.named_parameters()]
    buffer_names = [name for name, _ in model.named_buffers()]
    settings = constructor_settings(optimizer, {k: v for k, v in
                                                optimizer.param_groups[0].items()
                                                if k != "params"})
    # The update as one foreach call per step, the same arithmetic as the per-tensor loop
    # (checked against eager): inductor 2.14 rewrites the loop's add_(p, grad, alpha=-lr) after
    # a matmul's gradient into an addmm that drops the alpha (a softmax regression's weight
    # 0.2 off after one step).
    if "foreach" in settings and not settings.get("fused"):
        settings["foreach"] = True

    n, k = len(names), len(buffer_names)
    spec = []

    def functional_step(*inputs):
        leaves, buffers, moms, (x, y) = (inputs[:n], inputs[n:n + k], inputs[n + k:-2],
                                         inputs[-2:])
        tensors = {**dict(zip(names, leaves)), **dict(zip(buffer_names, buffers))}

        def bound(batch):
            return torch.func.functional_call(model, tensors, (batch,))

        opt = type(optimizer)(list(leaves), **settings)
        for leaf, m in zip(leaves, moms):
            opt.state[leaf]["momentum_buffer"] = m
        flat, structure = tree_flatten(step(bound, x, y, opt))
        spec.append(structure)
        return flat

    # Leaves that require grad, as the model's parameters are: backward fills their .grad
    # and the optimizer updates them in place, the graph's own inputs.
    params = [p.detach().clone().requires_grad_() for p in model.parameters()]
    buffers = [b.detach() for b in model.buffers()]
    moms = [torch.zeros_like(p) for p in params] if optimizer.param_groups[0].get("momentum") \
        else []
    graph = make_fx(functional_step, tracing_mode="fake")(*params, *buffers, *moms, x, y)
    # The optimizer's profiler marks would split the compiled graph in pieces.
    for node in reversed(list(graph.graph.nodes)):
        if node.op == "call_function" and "profiler._record_function" in str(node.target):
            graph.graph.erase_node(node)
    graph.recompile()
    return graph, spec[0]


def compile_graph(graph, example: list, options: dict):
    """``graph`` compiled by inductor: a function of the list of its inputs. Called without
    Dynamo, whose per-call frame checks and wrappers cost about a tenth of a batch-4 step (the
    graph's assumptions are CompiledStep's checks); through torch.compile where this torch's
    inductor does not take the graph directly."""
    import torch  # noqa: PLC0415

    try:
        compiled = inductor_direct(graph, example, options)
    except Exception:  # noqa: BLE001 -- the public way instead
        compiled = torch.compile(graph, dynamic=False, options=options)
    return lambda inputs: compiled(*inputs)


def inductor_direct(graph, example: list, options: dict):
    """inductor's own entry point (a private one: it may differ between releases)."""
    import torch  # noqa: PLC0415
    from torch._inductor.compile_fx import compile_fx  # noqa: PLC0415

    with torch._inductor.config.patch(options):
        return compile_fx(graph, example)


@contextlib.contextmanager
def training_mode(model):
    """``model`` in train mode inside the block (the step is traced as training runs it), its
    modules' modes as they were after."""
    modes = [(m, m.training) for m in model.modules()]
    model.train()
    try:
        yield
    finally:
        for m, mode in modes:
            m.training = mode


def kernel_settings() -> tuple:
    """The global settings a graph is compiled for (Dynamo would recompile on a change)."""
    import torch  # noqa: PLC0415

    return (torch.get_num_threads(), torch.backends.mkldnn.enabled,
            torch.are_deterministic_algorithms_enabled(), torch.get_default_dtype())


def inductor_has(option: str) -> bool:
    """Whether this torch's inductor knows ``option`` (alignment_asserts came with 2.8)."""
    import torch._inductor.config as config  # noqa: PLC0415

    return hasattr(config, option)


def has_conv(model) -> bool:
    import torch  # noqa: PLC0415

    return any(isinstance(m, torch.nn.Conv2d) for m in model.modules())


def compile_refusal(model, optimizer) -> str | None:
    """Why CompiledStep cannot do this step's arithmetic as eager does, or None."""
    import torch  # noqa: PLC0415

    if not isinstance(model, torch.nn.Module):
        return "the model is not a torch.nn.Module (a from-scratch model is not compiled)"
    if type(optimizer) is not torch.optim.SGD:
        return f"only torch.optim.SGD's update is compiled, not {type(optimizer).__name__}'s"
    groups = optimizer.param_groups
    if len(groups) != 1 or [id(p) for p in groups[0]["params"]] != \
            [id(p) for p in model.parameters()]:
        return "the optimizer does not train exactly the model's parameters, in one group"
    if any(isinstance(v, torch.Tensor) for k, v in groups[0].items() if k != "params"):
        return "a learning rate or setting given as a tensor"
    if not all(p.requires_grad for p in model.parameters()):
        return "a frozen parameter (requires_grad=False) is not compiled"
    return None


def compiled_step(step, model, optimizer, example, device):
    """--compile in every lab: ``step`` compiled whole (CompiledStep), or ``step`` itself after
    one line saying why not (no compiler, a torch without torch.compile, a model or optimizer
    it cannot compile, a failed compile, a disagreement with eager). ``example`` is a full
    batch ``(x, y)`` as training will feed it (first_batch). Compile time is printed here and
    kept in ``compile_seconds``, apart from examples/sec."""
    problem = compile_problem(device) or compile_refusal(model, optimizer)
    if problem is None:
        try:
            fast = CompiledStep(step, model, optimizer, example, device)
        except Exception as err:  # noqa: BLE001 -- any compiler failure means the same
            first = (str(err).strip().splitlines() or [""])[0]
            problem = f"torch.compile failed ({type(err).__name__}: {first[:160]})"
        else:
            problem = fast.disagreement and f"the compiled step disagrees with eager " \
                f"({fast.disagreement})"
    if problem:
        print(f"--compile: {problem}; training eagerly", flush=True)
        return step
    print(f"--compile: compiled the whole training step for batch {len(example[0])} "
          f"({fast.compile_seconds:.1f} s, not counted in examples/sec)", flush=True)
    return fast


def first_batch(loader):
    """The first full batch of ``loader``'s examples in stored order, without drawing its
    shuffle: what a compiled step is built and checked on."""
    import torch  # noqa: PLC0415

    n = loader.batch_size
    if hasattr(loader, "x"):                          # the split as one tensor on the device
        return loader.x[:n].contiguous(), loader.y[:n].contiguous()
    dataset, device = loader.loader.dataset, loader.device    # common.DeviceLoader
    x, y = zip(*(dataset[i] for i in range(min(n, len(dataset)))))
    return torch.stack(x).to(device), torch.tensor(y).to(device)


class GraphedStep:
    """--cuda-graph: the whole training step (forward, loss, backward, update) captured once in
    a CUDA graph and replayed for every full batch. A small-batch step on a GPU is bound by
    launching its kernels (about 80 for the d2l LeNet at batch 4), not by arithmetic; a replay
    is one launch. The first WARMUP full batches run eagerly on a side stream (cuBLAS, cuDNN and
    the optimizer make their state there, outside the capture), the next is captured and then
    replayed. The graph runs the same kernels in the same order, so a run computes what the
    eager step computes. ``step(model, x, y, optimizer)`` is the lab's own training step (or
    its compiled form); its outputs are returned as copies (a replay overwrites the graph's
    own). A replay holds what the capture saw (Assumptions: the batch's shape and dtype, the
    tensors' addresses, the lr and other settings baked into its kernels, the modes); any call
    where that no longer holds, a partial last batch among them, runs ``step`` itself, and
    ``fallbacks`` counts those by reason. The capture's time is left out of examples/sec."""

    WARMUP = 3

    def __init__(self, step, batch_size: int, device):
        if device.type != "cuda":
            raise LabError(f"--cuda-graph captures CUDA kernels: it needs --device cuda (this "
                           f"run is on {device.type})")
        self.step, self.batch_size, self.warm = step, batch_size, 0
        self.graph = self.side = self.inputs = self.outputs = self.assumed = None
        self.moms: list = []
        self.fallbacks: dict[str, int] = {}
        self.capture_seconds = 0.0

    def problem(self, model, x, y, optimizer) -> str | None:
        if len(x) != self.batch_size:
            return "a batch of another size"
        if self.assumed is None:
            return None
        why = self.assumed.broken(model, x, y, optimizer)
        if why is None and any(a is not b for a, b in
                               zip(self.assumed.momentum_buffers(), self.moms)):
            why = "replaced momentum buffers"
        return why

    def __call__(self, model, x, y, optimizer):
        import torch  # noqa: PLC0415
        from torch.utils._pytree import tree_map  # noqa: PLC0415

        why = self.problem(model, x, y, optimizer)
        if why:
            self.fallbacks[why] = self.fallbacks.get(why, 0) + 1
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
            torch.cuda.synchronize()
            start = time.perf_counter()
            self.inputs = (x.clone(), y.clone())
            self.assumed = Assumptions(model, optimizer, *self.inputs)
            self.assumed.batch = (signature(x), signature(y))  # the batches to come
            self.moms = self.assumed.momentum_buffers()
            optimizer.zero_grad(set_to_none=True)  # the gradients are then made in the graph
            self.graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(self.graph):
                self.outputs = self.step(model, *self.inputs, optimizer)
            torch.cuda.synchronize()
            self.capture_seconds = time.perf_counter() - start
            _setup[0] += self.capture_seconds
            print(f"captured the training step for batch {self.batch_size} in a CUDA graph "
                  f"({self.capture_seconds:.2f} s, not counted in examples/sec)", flush=True)
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

