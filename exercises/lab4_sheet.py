# %% [markdown]
# # Lab 4 exercises: an MLP regression of red wine quality
#
# Write-up 003 fits the quality score of the UCI red wines from 11 physicochemical features
# with a multilayer perceptron, trained by gradient descent, with train and test loss every
# epoch. Each section below gives one piece to write: replace the line `raise
# NotImplementedError(...)` with your code, run the cell, then run the check cell under it.
# Until you write a function, its check says "not written yet".
#
# The checker (`check.py`) compares your functions with the formulas worked in float64 and
# watches your training functions on a small model it made, and reports the first case that
# fails with the mistake that matches it. "These checks passed" is not a proof. The lab's own
# versions are in `lab4_wine_mlp.py`.
#
# From a terminal in the repository's folder, the same checks on the whole file:
# `python check.py lab4 exercises/lab4_sheet.ipynb` (`--lang zh` for Chinese).

# %%
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

for folder in (Path.cwd(), Path.cwd().parent, Path.cwd().parent.parent):
    if (folder / "check.py").is_file():  # the checker sits in the repository's root
        sys.path.insert(0, str(folder))
        break
import check  # noqa: E402

# %% [markdown]
# ## 1. Standardising the features
#
# `standardise(x_tr, x_te)`: numpy arrays (rows are wines, columns features); return both
# scaled to mean 0 and standard deviation 1 per column, using the statistics of the training
# split only, for the training and the test split alike. The test split stands for wines the
# model has never seen: nothing about it may shape the preprocessing. Return new numpy arrays;
# leave the ones passed in as they were.

# %%
def standardise(x_tr, x_te):
    """Both splits scaled with the training split's mean and standard deviation."""
    raise NotImplementedError("write standardise here")


# %%
check.lab4(globals(), "standardise")

# %% [markdown]
# ## 2. The network
#
# `WineMLP(n_in, hidden, activation=nn.ReLU, dropout=0.0)`: an `nn.Module` of linear layers
# n_in → hidden[0] → hidden[1] → ... → 1, with the activation (a class such as `nn.ReLU` or
# `nn.Tanh`) after each hidden layer and, when `dropout` is above 0, dropout after it. The
# output is a free number per wine, shape (N, 1) like the target: no activation after the last
# layer.

# %%
class WineMLP(nn.Module):
    """Linear layers with an activation and optional dropout between them."""

    def __init__(self, n_in, hidden, activation=nn.ReLU, dropout=0.0):
        super().__init__()
        raise NotImplementedError("write WineMLP here")


# %%
check.lab4(globals(), "WineMLP")

# %% [markdown]
# ## 3. One training step
#
# `train_step(model, x, y, optimizer)`: the mean squared error of the model's output against
# `y` (shape (N, 1), float32), clear the gradients, backward, update; return the loss (the
# tensor: `train_epoch` detaches it).

# %%
def train_step(model, x, y, optimizer):
    """One optimizer step on the batch (x, y); returns the batch's MSE."""
    raise NotImplementedError("write train_step here")


# %%
check.lab4(globals(), "train_step")

# %% [markdown]
# ## 4. One epoch
#
# `train_epoch(model, loader, optimizer, step=train_step, on_step=None)`: the model in
# training mode, `step` on every batch; return the mean training loss per example as a Python
# number (the last batch may be smaller). `on_step` may stay unused.

# %%
def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    """One pass over loader; returns the mean loss per example."""
    raise NotImplementedError("write train_epoch here")


# %%
check.lab4(globals(), "train_epoch")

# %% [markdown]
# ## 5. Evaluation
#
# `evaluate(model, loader)`: the mean squared error over every example of `loader` and its
# square root, the RMSE, in quality points; the model in evaluation mode (dropout off),
# autograd not recording.

# %%
def evaluate(model, loader):
    """(MSE, RMSE) of model over loader."""
    raise NotImplementedError("write evaluate here")


# %%
check.lab4(globals(), "evaluate")

# %% [markdown]
# ## Everything at once
#
# With them, `python lab4_wine_mlp.py` reaches a test RMSE near 0.61; predicting the training
# mean gives about 0.76.

# %%
check.lab4(globals())
