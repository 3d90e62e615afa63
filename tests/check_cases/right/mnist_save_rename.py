"""A checkpoint renamed into place with os.rename: right here (a note says what Windows does)."""
import os

import torch

LAB, CHECKS = "mnist", ["save_checkpoint"]


def save_checkpoint(path, state):
    tmp = f"{path}.partial"
    torch.save(state, tmp)
    os.rename(tmp, path)
