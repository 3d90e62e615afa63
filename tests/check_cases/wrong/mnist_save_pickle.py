"""pickle.dump: atomic, but not a file torch.load(weights_only=True) reads."""
import os
import pickle

LAB, CHECKS, EXPECT = "mnist", ["save_checkpoint"], "ckpt.weights_only"


def save_checkpoint(path, state):
    tmp = str(path) + ".tmp"
    with open(tmp, "wb") as f:
        pickle.dump(state, f)
    os.replace(tmp, path)
