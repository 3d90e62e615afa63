"""Lab 1: tensor basics and autograd, each result printed with why it comes out that way.

Reproduces the lab1 write-up and the PyTorch primer of the wine lab (LABS.md, lab1):
  - broadcast subtraction of a 1x3 and a 2x1 tensor: [[-3, -2, -1], [-4, -3, -2]], and why the
    in-place ``M.sub_(N)`` fails;
  - P (3x2) @ Q^T (2x4) with entries from N(0, 0.01^2);
  - dy3/dx at x = 1 for y3 = x^2 + x^3: 2.0 / 3.0 / 5.0 depending on which term is computed
    under ``torch.no_grad()``;
  - the primer: creation, arithmetic, reshape/cat, numpy memory sharing, a.grad = [[3., 4.]],
    c.grad = 1., sigmoid gradient 0.1966, gradient accumulation 4 -> 5 -> 0.

Run:      python lab1_tensor_ops.py            (under a second on a laptop CPU)
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

import common


def show(title: str, value, why: str = "") -> None:
    print(f"\n## {title}\n{value}")
    if why:
        print(f"   -> {why}")


def broadcast_subtraction(device) -> dict:
    M = torch.tensor([[1, 2, 3]], device=device)        # 1x3
    N = torch.tensor([[4], [5]], device=device)         # 2x1
    show("M (1x3)", M)
    show("N (2x1)", N)
    out1 = M - N
    show("M - N", out1, "broadcasting stretches M's single row over N's 2 rows and N's single "
         "column over M's 3 columns, so the result is 2x3")
    out2 = torch.sub(M, N)
    show("torch.sub(M, N)", out2, "the function form of the same broadcast: identical 2x3 result")
    try:
        M.clone().sub_(N)
        inplace_error = None
    except RuntimeError as err:
        inplace_error = str(err).splitlines()[0]
    show("M.sub_(N)", f"RuntimeError: {inplace_error}",
         "an in-place op writes into M itself, and a 1x3 tensor has no room for the 2x3 "
         "broadcast result, so PyTorch refuses instead of resizing M")
    Me, Ne = M.expand(2, 3), N.expand(2, 3)
    out3 = Me - Ne
    show("manual broadcast: M.expand(2, 3) - N.expand(2, 3)", out3,
         "expand repeats rows/columns as views (no copy); element-wise subtraction then gives "
         "the same 2x3 result that broadcasting produced implicitly")
    assert torch.equal(out1, out2) and torch.equal(out1, out3)
    return {"broadcast": out1.tolist(), "inplace_error": inplace_error}


def small_matmul(device) -> dict:
    P = torch.normal(0.0, 0.01, size=(3, 2), device=device)
    Q = torch.normal(0.0, 0.01, size=(4, 2), device=device)
    Qt = Q.t()
    out = P @ Qt
    show("P (3x2) from N(0, 0.01^2)", P)
    show("Q^T (2x4)", Qt, "transposing Q (4x2) makes its 2 columns the rows matmul needs")
    show("P @ Q^T (3x4)", out, "(3x2) @ (2x4) -> 3x4; entries are ~1e-4, products of two "
         "numbers of size ~0.01")
    return {"pq_shape": list(out.shape)}


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


def primer(device) -> dict:
    show("torch.empty(2, 3)", torch.empty(2, 3).shape,
         "allocated but not initialised: the values are whatever was in memory (shape shown)")
    show("torch.tensor([[1, 2], [3, 4]])", torch.tensor([[1, 2], [3, 4]]))
    show("torch.rand(2, 3)", torch.rand(2, 3), "uniform on [0, 1)")
    show("torch.zeros(2, 3) / torch.ones(2, 3)", (torch.zeros(2, 3), torch.ones(2, 3)))

    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    b = torch.tensor([[5.0, 6.0], [7.0, 8.0]])
    show("a + b, a - b", (a + b, a - b))
    show("a * b (element-wise)", a * b)
    show("a @ b == torch.matmul(a, b)", a @ b, "matrix product: row i of a dotted with column j "
         "of b")
    assert torch.equal(a @ b, torch.matmul(a, b))
    show("a.reshape(1, 4)", a.reshape(1, 4), "same 4 numbers, new shape")
    cat0, cat1 = torch.cat([a, b], dim=0), torch.cat([a, b], dim=1)
    show("torch.cat([a, b], dim=0) / dim=1", (cat0.shape, cat1.shape),
         "dim 0 stacks rows (4x2), dim 1 appends columns (2x4)")

    t = torch.ones(3)
    arr = t.numpy()
    t.zero_()
    show("t = ones(3); arr = t.numpy(); t.zero_(); arr", arr,
         "on the CPU, .numpy() shares t's memory, so zeroing the tensor zeroes the array too")
    shared = bool((arr == 0).all())

    a = torch.tensor([[1.0, 2.0]], requires_grad=True)
    b = torch.tensor([[3.0], [4.0]], requires_grad=True)
    c = torch.tensor(5.0, requires_grad=True)
    y = a @ b + c
    y.sum().backward()
    show("y = a @ b + c = 1*3 + 2*4 + 5", y.item())
    show("a.grad, c.grad", (a.grad, c.grad), "dy/da = b^T = [[3, 4]]; dy/dc = 1")

    x = torch.ones(20, requires_grad=True)
    torch.sigmoid(x).sum().backward()
    show("grad of sum(sigmoid(ones(20)))", x.grad[:4].tolist() + ["..."],
         "sigmoid'(1) = s(1)(1 - s(1)) = 0.7311 * 0.2689 = 0.1966 for every element")
    sigmoid_grad = x.grad[0].item()

    x = torch.tensor(2.0, requires_grad=True)
    (x ** 2).backward()
    g1 = x.grad.item()
    (x + 3).backward()
    g2 = x.grad.item()
    x.grad.zero_()
    g3 = x.grad.item()
    show("accumulation: grad after x^2, after x + 3, after grad.zero_()", (g1, g2, g3),
         "backward adds into .grad (2x = 4, then + 1 = 5) until it is zeroed explicitly")
    return {"numpy_shares_memory": shared, "a_grad": a.grad.tolist(), "c_grad": c.grad.item(),
            "sigmoid_grad": sigmoid_grad, "accumulated_grads": [g1, g2, g3]}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--seed", type=int, default=0, help="seed for the random tensors")
    parser.add_argument("--device", default="auto",
                        help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:N or mps")
    parser.add_argument("--out-dir", type=Path, default=common.DEFAULT_OUT_DIR,
                        help="where lab1_tensor_ops.json is written")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="unused (lab1 needs no data); accepted like every lab's flags")
    parser.add_argument("--smoke", action="store_true", help="accepted for symmetry (lab1 is "
                                                              "instant anyway)")
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    device = common.select_device(args.device)
    common.seed_everything(args.seed)
    start = time.perf_counter()
    print(f"device: {device}")
    results = {}
    results.update(broadcast_subtraction(device))
    results.update(small_matmul(device))
    results.update(no_grad_gradients(device))
    results.update(primer(device))
    common.save_results(args.out_dir, "lab1_tensor_ops", config=common.config_of(args),
                        metrics=results, history={}, device=device,
                        wall_time=time.perf_counter() - start)
    return results


if __name__ == "__main__":
    common.cli(main)
