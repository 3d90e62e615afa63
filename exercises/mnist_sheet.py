# %% [markdown]
# # mnist exercises: the MNIST tutorial, with checkpoints that resume exactly
#
# Write-up 001 follows a widely copied MNIST tutorial, saves the model and the optimizer, and
# continues training from the saved files. Its continued run was not what it seemed (the
# reloaded network was never the one trained), and its files could be left half-written by a
# crash. Each section below gives one piece to write: replace the line `raise
# NotImplementedError(...)` with your code, run the cell, then run the check cell under it.
# Until you write a function, its check says "not written yet".
#
# The checker (`check.py`) runs your network and training functions on inputs it made, writes
# and breaks checkpoints in a temporary folder, and runs a small training twice, once straight
# through and once stopped and resumed with your functions: the two must end with the same
# weights. It reports the first case that fails, with the mistake that matches it. "These
# checks passed" is not a proof. The lab's own versions are in `mnist_checkpoint.py`.
#
# From a terminal in the repository's folder, the same checks on the whole file:
# `python check.py mnist exercises/mnist_sheet.ipynb` (`--lang zh` for Chinese).

# %%
import io
import os
import random
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
# ## 1. The tutorial's network
#
# `MnistNet`: a 5×5 convolution to 10 channels, 2×2 max-pooling and ReLU; a 5×5 convolution
# to 20 channels with `nn.Dropout2d` on its output, max-pooling and ReLU; flatten (320
# features); a linear layer to 50, ReLU, dropout; a linear layer to 10; log-softmax, because
# the tutorial trains with `F.nll_loss`. Both dropouts drop with p = 0.5 (the default), and
# only while training.

# %%
class MnistNet(nn.Module):
    """The tutorial's network: log-probabilities of the 10 digits."""

    def __init__(self):
        super().__init__()
        raise NotImplementedError("write MnistNet here")


# %%
check.mnist(globals(), "MnistNet")

# %% [markdown]
# ## 2. Training and evaluation
#
# `train_step(model, x, y, optimizer)`: the NLL loss of the model's output, clear the
# gradients, backward, update; return the loss (the tensor: `train_epoch` detaches it).
# `train_epoch(model, loader, optimizer,
# step=train_step, on_step=None)`: the model in training mode, `step` on every batch; return
# the mean training loss per example as a Python number. `evaluate(model, loader)`: the mean
# NLL loss per example and the accuracy, in evaluation mode, autograd not recording.

# %%
def train_step(model, x, y, optimizer):
    """One SGD step on the batch (x, y); returns the loss."""
    raise NotImplementedError("write train_step here")


# %%
check.mnist(globals(), "train_step")

# %%
def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    """One pass over loader; returns the mean loss per example."""
    raise NotImplementedError("write train_epoch here")


# %%
check.mnist(globals(), "train_epoch")

# %%
def evaluate(model, loader):
    """(mean loss, accuracy) of model over loader."""
    raise NotImplementedError("write evaluate here")


# %%
check.mnist(globals(), "evaluate")

# %% [markdown]
# ## 3. Writing and reading a checkpoint
#
# `save_checkpoint(path, state)` writes `state` (a dict) with `torch.save` to `path` (a
# `pathlib.Path`, as the lab passes it, or a str), whole or not at all: if the program dies or
# the disk fills up halfway, the checkpoint that was at `path` before must still be there,
# intact. `load_checkpoint(path)` reads it back with `torch.load(..., weights_only=True)`,
# which only accepts tensors, numbers, strings and lists and dicts of them, so that a file from
# elsewhere cannot run code while it loads.

# %%
def save_checkpoint(path, state):
    """Write state to path, whole or not at all."""
    raise NotImplementedError("write save_checkpoint here")


# %%
check.mnist(globals(), "save_checkpoint")

# %%
def load_checkpoint(path):
    """The checkpoint at path, read with weights_only=True."""
    raise NotImplementedError("write load_checkpoint here")


# %%
check.mnist(globals(), "load_checkpoint")

# %% [markdown]
# ## 4. Stopping and resuming a run exactly
#
# `checkpoint_state(model, optimizer, epoch, history, config, batch_order=None)` returns a
# dict holding everything a run needs to continue where it stopped, under the keys `"epoch"`,
# `"history"` and `"config"` for those three and any keys you like for the rest: the model's
# weights, the optimizer's state (SGD's momentum), torch's random state (dropout draws from
# it) and the state of `batch_order`, the `torch.Generator` the batches are shuffled with. It
# must survive `torch.save` and `torch.load(..., weights_only=True)`.
#
# `restore_checkpoint(state, model, optimizer, batch_order=None)` puts all of that into a
# freshly built model, optimizer and generator. A run stopped after an epoch and resumed this
# way must end exactly where the run straight through ends.

# %%
def checkpoint_state(model, optimizer, epoch, history, config, batch_order=None):
    """Everything a run needs to continue, as a dict."""
    raise NotImplementedError("write checkpoint_state here")


# %%
check.mnist(globals(), "checkpoint_state")

# %%
def restore_checkpoint(state, model, optimizer, batch_order=None):
    """Put state into a fresh model, optimizer and batch-order generator."""
    raise NotImplementedError("write restore_checkpoint here")


# %%
check.mnist(globals(), "restore_checkpoint")

# %% [markdown]
# ## Everything at once

# %%
check.mnist(globals())
