"""Serialised first, but then written over the old file directly."""
import io

import torch

LAB, CHECKS, EXPECT = "mnist", ["save_checkpoint"], "ckpt.in_place"


def save_checkpoint(path, state):
    buffer = io.BytesIO()
    torch.save(state, buffer)
    with open(path, "wb") as f:
        f.write(buffer.getvalue())
