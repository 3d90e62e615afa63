"""model.eval() inside train_step: every training step without dropout."""
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab3", ["train_step"], "step.eval_mode"


def train_step(model, x, y, optimizer):
    model.eval()
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss, logits
