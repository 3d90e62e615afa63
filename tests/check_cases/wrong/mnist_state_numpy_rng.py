"""numpy's random state stored as numpy gives it: weights_only refuses the arrays."""
import numpy as np
import torch

LAB, CHECKS, EXPECT = "mnist", ["checkpoint_state"], "ckpt.weights_only"


def checkpoint_state(model, optimizer, epoch, history, config, batch_order=None):
    return {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch,
            "history": history, "config": config, "torch_rng": torch.get_rng_state(),
            "numpy_rng": np.random.get_state(), "batch_order": batch_order.get_state()}
