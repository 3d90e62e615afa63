"""checkpoint_state seeding torch with the epoch before it captures the random state."""
import torch

LAB, CHECKS, EXPECT = "mnist", ["checkpoint_state"], "state.rng_changed"


def checkpoint_state(model, optimizer, epoch, history, config, batch_order=None):
    torch.manual_seed(epoch)
    state = {"epoch": epoch, "history": history, "config": config,
             "model": model.state_dict(), "optimizer": optimizer.state_dict(),
             "torch_rng": torch.get_rng_state()}
    if batch_order is not None:
        state["batch_order"] = batch_order.get_state()
    return state
