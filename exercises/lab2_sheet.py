# %% [markdown]
# # Lab 2 exercises: logistic and softmax regression from scratch
#
# Write-up 004 asks for logistic regression and softmax regression built from tensor
# operations only, with the loss, the linear layer and the optimizer written by hand, then the
# same with `torch.nn`. Each section below gives one piece to write: replace the line
# `raise NotImplementedError(...)` with your code, run the cell, then run the check cell under
# it. Until you write a function, its check says "not written yet".
#
# The checker (`check.py`) compares what your function returns with the mathematics, worked
# in float64, on hand-worked, random and edge cases, and reports the first case that fails:
# the input, what was expected, what came back, and the mistake that matches it. "These checks
# passed" means your function gives the right numbers on every case it tried; it is not a proof.
# The lab's own versions are in `lab2_logistic.py`: try yours first.
#
# From a terminal in the repository's folder, the same checks on the whole file:
# `python check.py lab2 exercises/lab2_sheet.ipynb` (`--lang zh` for Chinese).

# %%
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

for folder in (Path.cwd(), Path.cwd().parent, Path.cwd().parent.parent):
    if (folder / "check.py").is_file():  # the checker sits in the repository's root
        sys.path.insert(0, str(folder))
        break
import check  # noqa: E402

# %% [markdown]
# ## 1. Binary cross-entropy
#
# `bce_loss(pred, target)`: the mean over the batch of -(t log p + (1 - t) log(1 - p)), for
# probabilities `pred` and targets `target` in [0, 1] of the same shape. The write-up's
# example: a prediction of sigmoid(0.8) = 0.6900 against a target of 1 costs 0.37110066.
# A probability of exactly 0 or 1 must still give a finite loss: `nn.BCELoss` clamps each log
# at -100. The write-up's own from-scratch run went wrong because its targets had shape (B,)
# and its predictions (B, 1): refusing shapes that differ keeps that from happening silently.

# %%
def bce_loss(pred, target):
    """Mean binary cross-entropy of probabilities ``pred`` against ``target`` (same shape)."""
    raise NotImplementedError("write bce_loss here")


# %%
check.lab2(globals(), "bce_loss")

# %% [markdown]
# ## 2. Cross-entropy, with the max-subtraction trick
#
# `cross_entropy(logits, target)`: raw scores `logits` of shape (B, C) against one-hot targets
# (B, C); the mean over the batch of each example's -sum_c t_c log softmax(logits)_c. Take
# the softmax in log form (log-sum-exp), and keep exp() from overflowing: scores of 1000 must
# work. Equal scores for C classes give log C.

# %%
def cross_entropy(logits, target):
    """Mean cross-entropy of raw scores (B, C) against one-hot targets (B, C)."""
    raise NotImplementedError("write cross_entropy here")


# %%
check.lab2(globals(), "cross_entropy")

# %% [markdown]
# ## 3. One-hot
#
# `one_hot(labels, num_classes, dtype=torch.float32)`: labels (B,) as a (B, num_classes)
# tensor with a single 1 per row. The write-up's example: `one_hot(torch.tensor([2, 1, 0]),
# 5)`. The width is `num_classes`, whatever labels a batch happens to hold.

# %%
def one_hot(labels, num_classes, dtype=torch.float32):
    """Labels (B,) as one-hot rows (B, num_classes) of ``dtype``."""
    raise NotImplementedError("write one_hot here")


# %%
check.lab2(globals(), "one_hot")

# %% [markdown]
# ## 4. A linear layer
#
# `Linear(n_in, n_out)`: a class whose objects compute x @ W + b for x of shape (B, n_in),
# with a weight and a bias per output that `parameters()` returns as a list, both leaf tensors
# that require gradients. Start the weights small (the write-up's standard normal weights on
# 784 inputs made the softmax saturate). Give it `train()` and `eval()` too, as an
# `nn.Module` has: the training loop calls them, and a linear layer has nothing to switch.

# %%
class Linear:
    """y = x @ W + b, from scratch."""

    def __init__(self, n_in, n_out):
        raise NotImplementedError("write Linear here")


# %%
check.lab2(globals(), "Linear")

# %% [markdown]
# ## 5. Stochastic gradient descent
#
# `SGD(params, lr)`: `step()` moves every parameter by -lr times its gradient, in place and
# without autograd recording it; `zero_grad()` clears the gradients. The write-up's example:
# x = 1 with loss x², lr 0.1: one step takes x to 0.8. `params` may be a generator, as
# `model.parameters()` of an `nn.Module` is.

# %%
class SGD:
    """Plain SGD: p <- p - lr * grad."""

    def __init__(self, params, lr):
        raise NotImplementedError("write SGD here")


# %%
check.lab2(globals(), "SGD")

# %% [markdown]
# ## 6. One training step
#
# `train_step(model, x, y, optimizer, loss_fn=F.cross_entropy)`: forward, loss, clear the
# gradients, backward, update; return the loss (the tensor: `train_epoch` detaches it) and
# the model's output. The loss is an argument because lab2's runs differ in it. It must work
# with an `nn.Module` and `torch.optim.SGD`, and with your from-scratch `Linear` and `SGD` as
# well, which have only what sections 4 and 5 gave them.

# %%
def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    """One SGD step on the batch (x, y); returns (loss, output)."""
    raise NotImplementedError("write train_step here")


# %%
check.lab2(globals(), "train_step")

# %% [markdown]
# ## 7. One epoch
#
# `train_epoch(model, loader, optimizer, step=train_step, on_step=None)`: the model in
# training mode, `step` on every `(x, y)` batch of `loader` (the last, smaller batch too);
# return each step's loss as a 1-D tensor, and the model's outputs and the targets
# concatenated in the order trained, none of them holding an autograd graph (the write-up
# prints the sum of the batch losses). `on_step`, when given, is called after each step with
# the lists so far; you may leave it unused.

# %%
def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    """One pass over loader; returns (per-step losses, outputs, targets)."""
    raise NotImplementedError("write train_epoch here")


# %%
check.lab2(globals(), "train_epoch")

# %% [markdown]
# ## 8. Evaluation
#
# `evaluate(model, loader, loss_fn=F.cross_entropy)`: the mean loss per example and the
# accuracy (a fraction) over every batch of `loader`, with the model in evaluation mode and
# autograd not recording. `loss_fn` gives a batch's mean loss, so weigh each batch by its size.

# %%
def evaluate(model, loader, loss_fn=F.cross_entropy):
    """(mean loss, accuracy) of model over loader."""
    raise NotImplementedError("write evaluate here")


# %%
check.lab2(globals(), "evaluate")

# %% [markdown]
# ## Everything at once
#
# The cell below checks every function of this sheet again. Then train with them: lab2's
# `fit` shows one way, and docs/coursework.md how to use a plain `DataLoader`.

# %%
check.lab2(globals())
