"""Checkpoints through tempfile.NamedTemporaryFile and Path.replace; the run's state with
its random states as plain lists."""
import os
import tempfile
from pathlib import Path

import torch

LAB, CHECKS = "mnist", ["save_checkpoint", "load_checkpoint", "checkpoint_state",
                        "restore_checkpoint"]


def save_checkpoint(path, state):
    path = Path(path)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".part") as f:
        tmp = Path(f.name)
        try:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        except BaseException:
            f.close()
            tmp.unlink()
            raise
    tmp.replace(path)


def load_checkpoint(path):
    return torch.load(path, weights_only=True)


def checkpoint_state(model, optimizer, epoch, history, config, batch_order=None):
    return {"weights": {k: v.clone() for k, v in model.state_dict().items()},
            "opt": optimizer.state_dict(), "epoch": epoch, "history": history,
            "config": config, "random": {"torch": torch.get_rng_state().tolist(),
                                         "order": None if batch_order is None
                                         else batch_order.get_state().tolist()}}


def restore_checkpoint(state, model, optimizer, batch_order=None):
    model.load_state_dict(state["weights"])
    optimizer.load_state_dict(state["opt"])
    torch.set_rng_state(torch.tensor(state["random"]["torch"], dtype=torch.uint8))
    if batch_order is not None:
        batch_order.set_state(torch.tensor(state["random"]["order"], dtype=torch.uint8))
