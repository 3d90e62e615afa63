"""save_checkpoint works only with a pathlib.Path (path.with_name): a str path raises."""
LAB, CHECKS, EXPECT = "mnist", ["save_checkpoint"], "ckpt.str_path"
import os
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
def save_checkpoint(path, state):
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
