"""The old checkpoint removed, then the new one renamed into place: in between there is none."""
import os

import torch

LAB, CHECKS, EXPECT = "mnist", ["save_checkpoint"], "ckpt.remove_first"


def save_checkpoint(path, state):
    tmp = str(path) + ".tmp"
    torch.save(state, tmp)
    if os.path.exists(path):
        os.remove(path)
    os.rename(tmp, path)
