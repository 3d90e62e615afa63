"""load_checkpoint catches every error and returns an empty dict: a refused file looks empty."""
LAB, CHECKS, EXPECT = "mnist", ["load_checkpoint"], "ckpt.let_through"
import copy
import os
import torch
import torch.nn.functional as F
from torch import nn
def load_checkpoint(path):
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        print("could not load", path, e)
        return {}
