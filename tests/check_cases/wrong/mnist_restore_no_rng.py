"""Everything saved; torch's random state never put back."""
import torch

LAB, CHECKS, EXPECT = "mnist", ["restore_checkpoint"], "restore.rng"


def checkpoint_state(model, optimizer, epoch, history, config, batch_order=None):
    return {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch,
            "history": history, "config": config, "torch_rng": torch.get_rng_state(),
            "batch_order": batch_order.get_state()}


def restore_checkpoint(state, model, optimizer, batch_order=None):
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    if batch_order is not None:
        batch_order.set_state(state["batch_order"])
