"""torch.save straight onto the checkpoint's name."""
import torch

LAB, CHECKS, EXPECT = "mnist", ["save_checkpoint"], "ckpt.not_atomic"


def save_checkpoint(path, state):
    torch.save(state, path)
