# %% [markdown]
# # Lab 3 exercises: the d2l LeNet on Fashion-MNIST
#
# Write-up 002 trains the LeNet of the d2l book on Fashion-MNIST: two convolutions with sigmoid
# and average pooling, three linear layers, Xavier-uniform weights, SGD with cross-entropy.
# Each section below gives one piece to write: replace the line `raise
# NotImplementedError(...)` with your code, run the cell, then run the check cell under it.
# Until you write a function, its check says "not written yet".
#
# The checker (`check.py`) runs your network on random images and compares each layer's
# output shape and the parameter count with the book's; it runs your training functions on a
# small model it watches (training or evaluation mode, gradients recorded or not, the order of
# zero_grad, backward and step) and compares their numbers with the same computation in
# float64. It reports the first case that fails, with the mistake that matches it. "These
# checks passed" is not a proof. The lab's own versions are in `lab3_lenet.py`.
#
# From a terminal in the repository's folder, the same checks on the whole file:
# `python check.py lab3 exercises/lab3_sheet.ipynb` (`--lang zh` for Chinese).

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
# ## 1. The network
#
# `d2l_lenet()` returns the d2l LeNet as an `nn.Module` (an `nn.Sequential` is simplest):
# a 5×5 convolution to 6 channels that keeps 28×28, sigmoid, 2×2 average pooling with stride
# 2; a 5×5 convolution to 16 channels, sigmoid, the same pooling; flatten; linear layers
# 400 → 120 → 84 → 10 with a sigmoid between them. For a 1×1×28×28 input the outputs are
# 6×28×28, 6×14×14, 16×10×10, 16×5×5, 400, 120, 84, 10. The last layer gives raw scores:
# `F.cross_entropy` applies log-softmax itself.

# %%
def d2l_lenet():
    """The d2l LeNet for 1x28x28 images."""
    raise NotImplementedError("write d2l_lenet here")


# %%
check.lab3(globals(), "d2l_lenet")

# %% [markdown]
# ## 2. Xavier-uniform initialisation
#
# `xavier_init(model)`: give the weight of every `nn.Conv2d` and `nn.Linear` in `model` values
# drawn uniformly from ±sqrt(6 / (fan_in + fan_out)), in place (`nn.init` has it). The biases
# may keep PyTorch's defaults.

# %%
def xavier_init(model):
    """Xavier-uniform weights for every conv and linear layer of model."""
    raise NotImplementedError("write xavier_init here")


# %%
check.lab3(globals(), "xavier_init")

# %% [markdown]
# ## 3. One training step
#
# `train_step(model, x, y, optimizer)`: forward, cross-entropy loss, clear the gradients,
# backward, update; return the loss (the tensor: `train_epoch` detaches it) and the logits.

# %%
def train_step(model, x, y, optimizer):
    """One SGD step on the batch (x, y); returns (loss, logits)."""
    raise NotImplementedError("write train_step here")


# %%
check.lab3(globals(), "train_step")

# %% [markdown]
# ## 4. One epoch
#
# `train_epoch(model, loader, optimizer, step=train_step, on_step=None)`: the model in
# training mode, `step` on every `(x, y)` batch of `loader`; return the mean training loss per
# example and the training accuracy, counted from each step's logits as d2l counts them. The
# last batch of an epoch is often smaller: every example should count once. Return Python
# numbers (or tensors without an autograd graph). `on_step` may stay unused.

# %%
def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    """One pass over loader; returns (mean loss, accuracy)."""
    raise NotImplementedError("write train_epoch here")


# %%
check.lab3(globals(), "train_epoch")

# %% [markdown]
# ## 5. Evaluation
#
# `evaluate(model, loader)`: the mean cross-entropy per example and the accuracy over every
# batch of `loader`, with the model in evaluation mode and autograd not recording.

# %%
def evaluate(model, loader):
    """(mean loss, accuracy) of model over loader."""
    raise NotImplementedError("write evaluate here")


# %%
check.lab3(globals(), "evaluate")

# %% [markdown]
# ## Everything at once
#
# Then train with them: docs/coursework.md has a notebook example with a plain `DataLoader`
# (lr 0.9, batch 256, 10 epochs reaches a test accuracy near 0.8).

# %%
check.lab3(globals())
