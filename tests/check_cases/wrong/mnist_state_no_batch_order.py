"""The batch-order generator left out of the state."""
import torch

LAB, CHECKS, EXPECT = "mnist", ["checkpoint_state"], "state.batch_order"


def checkpoint_state(model, optimizer, epoch, history, config, batch_order=None):
    return {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch,
            "history": history, "config": config, "torch_rng": torch.get_rng_state()}
