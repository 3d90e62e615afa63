"""The temporary name made with path + ".tmp": a pathlib.Path, as the lab passes, has no +."""
import os

import torch

LAB, CHECKS, EXPECT = "mnist", ["save_checkpoint"], "hint.path"


def save_checkpoint(path, state):
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)
