"""Loading with weights_only=False."""
import torch

LAB, CHECKS, EXPECT = "mnist", ["load_checkpoint"], "ckpt.load_unsafe"


def load_checkpoint(path):
    return torch.load(path, map_location="cpu", weights_only=False)
