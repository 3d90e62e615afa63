"""pathlib throughout: the state serialised to bytes first, written beside the checkpoint,
renamed with Path.replace."""
import io
from pathlib import Path

import torch

LAB, CHECKS = "mnist", ["save_checkpoint", "load_checkpoint"]


def save_checkpoint(path, state):
    path = Path(path)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)


def load_checkpoint(path):
    return torch.load(Path(path), map_location="cpu", weights_only=True)
