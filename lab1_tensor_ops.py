"""Lab 1: tensor basics and autograd, each result printed with why it comes out that way.

Reproduces, with the write-ups' own tensors so that every printed value can be compared:
  - write-up 004, part one: the broadcast subtraction of a 1x3 and a 2x1 tensor three ways
    ([[-3, -2, -1], [-4, -3, -2]]) and why the in-place ``M.sub_(N)`` fails; P (3x2) @ Q^T (2x4)
    with entries from N(0, 0.01^2); dy3/dx at x = 1 for y3 = x^2 + x^3: 2.0 / 3.0 / 5.0
    depending on which term is computed under ``torch.no_grad()``;
  - write-up 003, the PyTorch primer: tensor creation, + - * @ reshape cat on
    x = [[1, 2, 3], [4, 5, 6]] and y = [[6, 5, 4], [3, 2, 1]], the numpy round trip that shares
    memory, a.grad = [[3., 4.]] and c.grad = 1., the sigmoid gradient 0.1966, and gradients
    accumulating 4 -> 5 until ``grad.zero_()`` gives 0.
(003's blitz network is part of lab3_lenet.py --model blitz.)

Run:      python lab1_tensor_ops.py            (about 3 s on a 2-core CPU, most of it importing torch)
"""
from __future__ import annotations

import time

import torch

import common
import machinery


# %% [markdown]
# ## Write-up 004: broadcasting, a small product, gradients under `no_grad`
#
# Each step prints its result and, after `->`, why it comes out that way. The write-up's own
# tensors are used, so every printed value can be compared with it.

# %%
def show(title: str, value, why: str = "") -> None:
    print(f"\n## {title}\n{value}")
    if why:
        print(f"   -> {why}")


def broadcast_subtraction(device) -> dict:
    M = torch.tensor([[1, 2, 3]], device=device)        # 1x3
    N = torch.tensor([[4], [5]], device=device)         # 2x1
    show("M (1x3)", M)
    show("N (2x1)", N)
    minus = M - N
    show("M - N", minus, "broadcasting stretches M's single row over N's 2 rows and N's single "
         "column over M's 3 columns, so the result is 2x3")
    sub = torch.sub(M, N)
    show("torch.sub(M, N)", sub, "the function form of the same broadcast: identical 2x3 result")
    try:
        M.clone().sub_(N)
        inplace_error = None
    except RuntimeError as err:
        inplace_error = str(err).splitlines()[0]
    show("M.sub_(N)", f"RuntimeError: {inplace_error}",
         "an in-place op writes into M itself, and a 1x3 tensor has no room for the 2x3 "
         "broadcast result, so PyTorch refuses instead of resizing M")
    manual = M.expand(2, 3) - N.expand(2, 3)
    show("manual broadcast: M.expand(2, 3) - N.expand(2, 3)", manual,
         "expand repeats rows/columns as views (no copy); element-wise subtraction then gives "
         "the same 2x3 result that broadcasting produced implicitly")
    return {"broadcast_minus": minus, "broadcast_sub": sub, "broadcast_manual": manual,
            "inplace_error": inplace_error}


def small_matmul(device) -> dict:
    P = torch.normal(0.0, 0.01, size=(3, 2), device=device)
    Q = torch.normal(0.0, 0.01, size=(4, 2), device=device)
    Qt = Q.T
    out = torch.matmul(P, Qt)
    show("P (3x2) from N(0, 0.01^2)", P)
    show("Q (4x2) from N(0, 0.01^2)", Q)
    show("Q^T (2x4)", Qt, "transposing Q (4x2) makes its 2 columns the rows matmul needs")
    show("P @ Q^T (3x4)", out, "(3x2) @ (2x4) -> 3x4; entries are ~1e-4, products of two "
         "numbers of size ~0.01")
    return {"p": P, "q": Q, "qt": Qt, "pqt": out, "pqt_shape": list(out.shape),
            "qt_is_q_transposed": torch.equal(Qt, Q.t().contiguous())}


def no_grad_gradients(device) -> dict:
    def grad_at_1(skip: str | None) -> float:
        x = torch.tensor(1.0, device=device, requires_grad=True)
        if skip == "y2":
            y1 = x ** 2
            with torch.no_grad():
                y2 = x ** 3
        elif skip == "y1":
            with torch.no_grad():
                y1 = x ** 2
            y2 = x ** 3
        else:
            y1, y2 = x ** 2, x ** 3
        (y1 + y2).backward()
        return x.grad.item()

    g_no_y2, g_no_y1, g_full = grad_at_1("y2"), grad_at_1("y1"), grad_at_1(None)
    show("dy3/dx at x=1 with y2 = x^3 under no_grad", g_no_y2,
         "no_grad records no graph for y2, so y2 is a constant to autograd; only y1 = x^2 "
         "contributes: 2x = 2")
    show("dy3/dx at x=1 with y1 = x^2 under no_grad", g_no_y1,
         "now y1 is the constant, only y2 = x^3 contributes: 3x^2 = 3")
    show("dy3/dx at x=1, both tracked", g_full, "2x + 3x^2 = 2 + 3 = 5")
    return {"grad_no_y2": g_no_y2, "grad_no_y1": g_no_y1, "grad_full": g_full}


# %% [markdown]
# ## Write-up 003: the PyTorch primer
#
# Creating tensors, arithmetic and matrix products, the numpy view that shares memory with its
# tensor, and autograd: `a.grad`, the sigmoid's gradient, and gradients that add up.

# %%
def creation(device) -> dict:
    show("torch.__version__", torch.__version__, "the write-up ran 2.1.0+cpu; any 2.x prints "
         "the same values below")
    empty = torch.empty(2, 3, device=device)
    show("torch.empty(2, 3)", empty, "allocated but not initialised: the values are whatever "
         "the memory held, so they differ from run to run (only the shape is defined)")
    from_list = torch.tensor([[1, 2, 3], [4, 5, 6]], device=device)
    show("torch.tensor([[1, 2, 3], [4, 5, 6]])", from_list, "int64, from the nested list")
    rand = torch.rand([3, 4], device=device)
    show("torch.rand([3, 4])", rand, "uniform on [0, 1); seeded here, unseeded in the write-up")
    zeros, ones = torch.zeros([2, 3], device=device), torch.ones([2, 3], device=device)
    show("torch.zeros([2, 3])", zeros)
    show("torch.ones([2, 3])", ones)
    return {"torch_version": torch.__version__, "empty_shape": list(empty.shape),
            "from_list": from_list, "rand": rand,
            "rand_in_unit_interval": bool(((rand >= 0) & (rand < 1)).all()),
            "zeros": zeros, "ones": ones}


def arithmetic(device) -> dict:
    x = torch.tensor([[1, 2, 3], [4, 5, 6]], device=device)
    y = torch.tensor([[6, 5, 4], [3, 2, 1]], device=device)
    # A GPU has no matrix product of integers (cuBLAS and Metal multiply floating-point
    # numbers): the write-up's integer product is computed on the CPU, exactly as it printed it.
    xc, yc = x.cpu(), y.cpu()
    out = {"add": x + y, "sub": x - y, "mul": x * y, "mul_method": x.mul(y),
           "matmul": xc.matmul(yc.T), "matmul_operator": xc @ yc.T, "reshape": x.reshape(3, 2),
           "cat_dim0": torch.cat([x, y], dim=0), "cat_dim1": torch.cat([x, y], dim=1)}
    show("x + y", out["add"])
    show("x - y", out["sub"])
    show("x * y", out["mul"], "element-wise: each entry times its partner")
    show("x.mul(y)", out["mul_method"], "the method form of the same product")
    show("x.matmul(y.T)", out["matmul"], "(2x3) @ (3x2) -> 2x2: row i of x dotted with row j "
         "of y, e.g. 1*6 + 2*5 + 3*4 = 28")
    show("x @ y.T", out["matmul_operator"], "the operator form of the same matrix product")
    show("x.reshape(3, 2)", out["reshape"], "the same 6 numbers read row by row into 3 rows")
    show("torch.cat([x, y], dim=0)", out["cat_dim0"], "dim 0 stacks the rows: 4x3")
    show("torch.cat([x, y], dim=1)", out["cat_dim1"], "dim 1 appends the columns: 2x6")
    return out


def numpy_round_trip() -> dict:
    # On the CPU only: .numpy() shares memory with a CPU tensor; a GPU tensor has no numpy view.
    x = torch.tensor([[1, 2, 3], [4, 5, 6]])
    before = x.clone()
    y = x.numpy()
    show("x", x)
    show("y = x.numpy()", y)
    array_before = y.copy()
    x[:] = 0
    show("y after x[:] = 0", y, "y is a view of x's memory, so zeroing x zeroes y")
    z = torch.from_numpy(y)
    show("torch.from_numpy(y)", z, "and back: z shares the same memory again")
    return {"numpy_source": before, "numpy_array": array_before.tolist(),
            "numpy_after_zero": y.tolist(), "from_numpy": z,
            "numpy_shares_memory": bool((y == 0).all())}


def autograd(device) -> dict:
    a = torch.tensor([[1.0, 2.0]], device=device, requires_grad=True)
    b = torch.tensor([[3.0], [4.0]], device=device)
    c = torch.tensor(5.0, device=device, requires_grad=True)
    y = a @ b + c
    y.backward()  # y is 1x1: a single number, so backward needs no explicit gradient
    show("a.grad, c.grad for y = a @ b + c", (a.grad, c.grad),
         "dy/da = b^T = [[3, 4]]; dy/dc = 1 (b does not require a gradient)")

    s = torch.ones(20, device=device, requires_grad=True)
    torch.sum(torch.sigmoid(s)).backward()
    show("grad of sum(sigmoid(ones(20)))", s.grad,
         "sigmoid'(1) = s(1)(1 - s(1)) = 0.7311 * 0.2689 = 0.1966 for every element")

    x = torch.tensor(2.0, device=device, requires_grad=True)
    (x ** 2).backward()
    g1 = x.grad.item()
    (x + 3).backward()
    g2 = x.grad.item()
    x.grad.zero_()
    g3 = x.grad.item()
    show("accumulation: grad after x^2, after x + 3, after grad.zero_()", (g1, g2, g3),
         "backward adds into .grad (2x = 4, then + 1 = 5) until it is zeroed explicitly")
    return {"a_grad": a.grad, "c_grad": c.grad.item(), "sigmoid_grad": s.grad,
            "accumulated_grads": [g1, g2, g3]}


# %% [markdown]
# ## The command line
#
# `main(argv)` runs every step above in order, writes the results file and returns what it
# printed; lab1 takes only `--seed`, `--device` and `--out-dir`.

# %%
def parse_args(argv=None):
    parser = machinery.LabParser(__doc__, prog="lab1_tensor_ops.py")
    common.add_common_args(parser, training=False)
    return common.parse_args(parser, argv), parser


def main(argv=None) -> dict:
    args, parser = parse_args(argv)
    device = common.setup(args)
    start = time.perf_counter()
    print(f"device: {device}")
    metrics = {}
    print("\n==== write-up 004: tensor operations ====")
    metrics.update(broadcast_subtraction(device))
    metrics.update(small_matmul(device))
    metrics.update(no_grad_gradients(device))
    print("\n==== write-up 003: the PyTorch primer ====")
    metrics.update(creation(device))
    metrics.update(arithmetic(device))
    metrics.update(numpy_round_trip())
    metrics.update(autograd(device))
    return common.finish(args, common.run_name("lab1_tensor_ops", args, parser),
                         metrics=metrics, history={}, device=device, start=start)


# %% [markdown]
# ## Run it
#
# In a terminal: `python lab1_tensor_ops.py` (`--help` lists its flags). In a notebook this
# cell runs the lab with the flags in `NOTEBOOK_ARGS`: edit them here (`[]` means the lab's
# defaults). `result["metrics"]` then holds every value it printed.

# %%
NOTEBOOK_ARGS: list[str] = []  # e.g. ["--seed", "1"]; a command line ignores this

if __name__ == "__main__":
    result = machinery.cli(main, NOTEBOOK_ARGS)
