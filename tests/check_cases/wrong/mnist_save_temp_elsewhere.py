"""The temporary file in the system's temporary folder: os.replace cannot move it onto another
drive."""
import os
import tempfile

import torch

LAB, CHECKS, EXPECT = "mnist", ["save_checkpoint"], "ckpt.temp_elsewhere"


def save_checkpoint(path, state):
    tmp = os.path.join(tempfile.gettempdir(), "checkpoint.tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
