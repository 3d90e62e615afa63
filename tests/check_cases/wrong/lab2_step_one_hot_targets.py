"""Labels made one-hot before loss_fn: F.cross_entropy takes them, lab2's own losses do not."""
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab2", ["train_step"], "step.targets_changed"


def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    out = model(x)
    loss = loss_fn(out, F.one_hot(y, out.shape[1]).float())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss, out
