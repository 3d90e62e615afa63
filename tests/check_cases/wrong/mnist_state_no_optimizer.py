"""A checkpoint without the optimizer: momentum restarts from zero."""
import torch

LAB, CHECKS, EXPECT = "mnist", ["checkpoint_state"], "state.optimizer"


def checkpoint_state(model, optimizer, epoch, history, config, batch_order=None):
    state = {"model": model.state_dict(), "epoch": epoch, "history": history,
             "config": config, "torch_rng": torch.get_rng_state()}
    if batch_order is not None:
        state["batch_order"] = batch_order.get_state()
    return state
