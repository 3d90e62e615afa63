"""The optimizer's state saved but not loaded back."""
import torch

LAB, CHECKS, EXPECT = "mnist", ["restore_checkpoint"], "restore.optimizer"


def checkpoint_state(model, optimizer, epoch, history, config, batch_order=None):
    return {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch,
            "history": history, "config": config, "rng": [torch.get_rng_state(),
                                                          batch_order.get_state()]}


def restore_checkpoint(state, model, optimizer, batch_order=None):
    model.load_state_dict(state["model"])
    torch.set_rng_state(state["rng"][0])
    batch_order.set_state(state["rng"][1])
