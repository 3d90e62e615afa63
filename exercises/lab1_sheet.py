# %% [markdown]
# # Lab 1 exercises: tensor operations and autograd
#
# Write-up 004 opens with three small tasks on tensors and autograd, and write-up 003's primer
# adds a few more. Each section below gives one function to write: replace the line
# `raise NotImplementedError(...)` with your code, run the cell, then run the check cell under
# it. Until you write a function, its check says "not written yet".
#
# Each function takes the device to compute on (`torch.device("cpu")` is fine) and returns a
# dict of what it computed, under the keys the section names, so that the checker
# (`check.py`) can compare them with the values worked out by hand. Print whatever you like
# along the way: the checker does not show it. "These checks passed" means your numbers are
# the right ones; it is not a proof. The lab's own versions are in `lab1_tensor_ops.py`.
#
# From a terminal in the repository's folder, the same checks on the whole file:
# `python check.py lab1 exercises/lab1_sheet.ipynb` (`--lang zh` for Chinese).

# %%
import sys
from pathlib import Path

import torch

for folder in (Path.cwd(), Path.cwd().parent, Path.cwd().parent.parent):
    if (folder / "check.py").is_file():  # the checker sits in the repository's root
        sys.path.insert(0, str(folder))
        break
import check  # noqa: E402

# %% [markdown]
# ## 1. Subtraction with broadcasting, three ways
#
# M = [[1, 2, 3]] (1×3) and N = [[4], [5]] (2×1). Subtract N from M with `M - N`, with
# `torch.sub(M, N)`, and by broadcasting by hand (make both 2×3 first, with `expand`), and
# try the in-place `M.sub_(N)`: it raises an error. Say why in a comment, catch the error and
# keep its message (the text, a str). Return `{"broadcast_minus": ..., "broadcast_sub": ...,
# "broadcast_manual": ..., "inplace_error": message}`.

# %%
def broadcast_subtraction(device):
    """M - N three ways, and the message of M.sub_(N)'s error."""
    raise NotImplementedError("write broadcast_subtraction here")


# %%
check.lab1(globals(), "broadcast_subtraction")

# %% [markdown]
# ## 2. A small matrix product
#
# P (3×2) and Q (4×2), drawn from the normal distribution with mean 0 and standard deviation
# 0.01; Q transposed (2×4); and the product P @ Qᵀ (3×4). Return `{"p": P, "q": Q,
# "qt": Qᵀ, "pqt": P @ Qᵀ}`.

# %%
def small_matmul(device):
    """P, Q, Q transposed and P @ Q transposed."""
    raise NotImplementedError("write small_matmul here")


# %%
check.lab1(globals(), "small_matmul")

# %% [markdown]
# ## 3. Gradients with part of the computation under `no_grad`
#
# y1 = x², y2 = x³, y3 = y1 + y2, at x = 1. The gradient dy3/dx three times: with y2 computed
# under `torch.no_grad()`, with y1 computed under it, and with neither. Return
# `{"grad_no_y2": ..., "grad_no_y1": ..., "grad_full": ...}` (numbers). Work out the three
# values by hand first.

# %%
def no_grad_gradients(device):
    """dy3/dx at x = 1 with y2, then y1, then nothing under no_grad."""
    raise NotImplementedError("write no_grad_gradients here")


# %%
check.lab1(globals(), "no_grad_gradients")

# %% [markdown]
# ## 4. Autograd, from the primer
#
# - y = a @ b + c with a = [[1., 2.]] and c = 5. requiring gradients, b = [[3.], [4.]]: after
#   `y.backward()`, return a's gradient as `"a_grad"` and c's as `"c_grad"`.
# - The gradient of `sum(sigmoid(s))` with respect to s = `torch.ones(20)`: `"sigmoid_grad"`.
# - x = 2. requiring gradients: the gradient after `(x ** 2).backward()`, then after
#   `(x + 3).backward()` as well, then after `x.grad.zero_()`: the three numbers as
#   `"accumulated_grads"`, a list.

# %%
def autograd(device):
    """a.grad and c.grad, the sigmoid's gradient, and gradients adding up until zeroed."""
    raise NotImplementedError("write autograd here")


# %%
check.lab1(globals(), "autograd")

# %% [markdown]
# ## Everything at once

# %%
check.lab1(globals())
