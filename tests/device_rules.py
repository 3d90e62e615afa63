"""A stand-in accelerator on a CPU-only machine: run a lab on the CPU while tracking which tensors
would live on its device, and stop at the first thing a real accelerator refuses.

The lab is given ``FAKE = torch.device("cpu", 0)`` as its device. Every tensor made with
``device=FAKE``, moved with ``.to(FAKE)`` (or ``.to(t)``, ``.to(t.device)`` for a device tensor
``t``), or computed from a device tensor counts as a device tensor; ``.cpu()``, ``.item()``,
``.tolist()`` and printing bring values to the host. Three rules are checked on every operation:

- no float64 on the device: Apple's MPS has no float64 and stops with a TypeError;
- no host tensor (other than a 0-dim scalar) as an input next to a device tensor: CUDA and MPS
  stop with "Expected all tensors to be on the same device". ``copy_``, ``to`` and indexing
  with host indices are transfers, which real devices allow;
- no matrix product of integer tensors on the device: cuBLAS multiplies floating-point numbers,
  and CUDA stops with '"addmm_cuda" not implemented for 'Long'' (lab1 did, on an H100).

It is a torch-function mode (``torch.overrides.TorchFunctionMode``), so it sees each torch call
a lab makes, not the kernels inside them; it needs no GPU and changes no numbers.

``DeviceRules(FAKE_CUDA)`` goes one step further: the lab is handed ``torch.device("cuda", 0)``,
so every branch that runs only on an accelerator runs (``device.type == "cuda"``: pinned memory,
non-blocking copies, synchronising before a timing, the device's name); the mode turns each
such device into the CPU before the call, and answers ``t.device`` with the CUDA device for the
tensors that would live there. The test stands in for torch.cuda's few direct calls
(``synchronize``, ``get_device_name``). ``moved`` counts the tensors moved onto the device and
``non_blocking`` the copies made without waiting, so a test can check that data really went
there and how.
"""
from __future__ import annotations

import types

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_flatten, tree_map

FAKE = torch.device("cpu", 0)
FAKE_CUDA = torch.device("cuda", 0)
HOST_READS = {"cpu", "item", "tolist", "numpy", "__repr__", "__str__", "__format__", "__bool__",
              "__float__", "__int__", "__index__", "__len__", "__array__", "__reduce_ex__"}
TRANSFERS = {"to", "copy_", "__getitem__", "_has_compatible_shallow_copy_type"}
FLOAT64 = (torch.float64, torch.complex128)
MATMULS = {"matmul", "__matmul__", "__rmatmul__", "mm", "addmm", "bmm", "mv", "dot", "linear",
           "einsum", "tensordot"}


class DeviceRuleBroken(AssertionError):
    """What a real accelerator would have raised (not a RuntimeError, so that no lab code that
    catches RuntimeError on purpose can swallow it)."""


def _as_device(value):
    if isinstance(value, str) and value.split(":")[0] in ("cpu", "cuda"):
        return torch.device(value)
    return value if isinstance(value, torch.device) else None


class DeviceRules(TorchFunctionMode):
    def __init__(self, fake: torch.device = FAKE):
        super().__init__()
        self.fake, self.moved, self.non_blocking = fake, 0, 0
        # Device memory, by storage: views, parameters wrapping a moved tensor and `p.data = t`
        # all share it. Holding each storage keeps its address from being reused by a host
        # tensor while the rules are on.
        self.on_device: dict[int, torch.UntypedStorage] = {}
        self.broken: list[str] = []

    @staticmethod
    def _storage(value):
        try:
            return value.untyped_storage()
        except (RuntimeError, NotImplementedError):  # a tensor without storage
            return None

    def _dev(self, value) -> bool:
        if not isinstance(value, torch.Tensor):
            return False
        storage = self._storage(value)
        return storage is not None and storage._cdata in self.on_device

    def _mark(self, value) -> None:
        for t in tree_flatten(value)[0]:
            storage = self._storage(t) if isinstance(t, torch.Tensor) else None
            if storage is not None:
                self.on_device[storage._cdata] = storage

    def _refuse(self, what: str) -> None:
        self.broken.append(what)
        raise DeviceRuleBroken(what)

    def _attribute(self, func, args, kwargs):
        """``t.device``, ``t.grad``, ``t.T`` and the like: property access."""
        attr, tensor = func.__self__.__name__, args[0]
        if func.__name__ == "__get__" and attr == "device" and self._dev(tensor):
            return self.fake
        if func.__name__ == "__get__" and attr == "is_cuda" and self._dev(tensor):
            return self.fake.type == "cuda"
        out = func(*args, **kwargs)
        if func.__name__ == "__get__" and self._dev(tensor):
            self._mark(out)  # .grad (made by autograd, on the device), .T, .mT, ...
        return out

    def _is_fake(self, value) -> bool:
        device = _as_device(value)
        return device is not None and (device == self.fake or device.type == self.fake.type !=
                                       "cpu" and device.index in (None, self.fake.index))

    def _to_host(self, value):
        """A CUDA stand-in's device, as the CPU that really runs the call."""
        if self.fake.type == "cpu" or not self._is_fake(value):
            return value
        return "cpu" if isinstance(value, str) else torch.device("cpu")

    def __torch_function__(self, func, types_=(), args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name in ("__get__", "__set__") and isinstance(getattr(func, "__self__", None),
                                                         types.GetSetDescriptorType):
            return self._attribute(func, args, kwargs)
        if name == "_parse_to":  # Module.to parsing its arguments: the device stays as given
            return func(*args, **kwargs)
        flat = tree_flatten((args, kwargs))[0]
        tensors = [t for t in flat if isinstance(t, torch.Tensor)]
        from_device = any(self._dev(t) for t in tensors)
        created = any(self._is_fake(v) for v in kwargs.values())
        moved = name == "to" and any(self._is_fake(v) or self._dev(v) for v in flat[1:])
        args, kwargs = tree_map(self._to_host, (args, kwargs))
        if name in HOST_READS:
            if name == "numpy" and from_device:
                self._refuse("numpy() of a device tensor: move it with .cpu() first")
            out = func(*args, **kwargs)
            if name == "cpu" and out is args[0] and from_device:
                out = out.clone()  # a real .cpu() copies off the device; keep the two apart
            return out
        if name == "to":
            to_host = any(isinstance(v, (str, torch.device)) and torch.device(v).type == "cpu"
                          and not self._is_fake(v) for v in tree_flatten((args, kwargs))[0][1:]
                          ) and not moved
            out = func(*args, **kwargs)
            if moved or (from_device and not to_host):
                self.moved += moved and not from_device
                self.non_blocking += bool(moved and kwargs.get("non_blocking"))
                self._check_float64(name, out)
                self._mark(out)
            return out
        if not (from_device or created):
            return func(*args, **kwargs)
        if name in MATMULS and any(not (t.is_floating_point() or t.is_complex())
                                   for t in tensors):
            self._refuse(f"{name} of integer tensors on the device: CUDA has no integer matrix "
                         f"product (cuBLAS multiplies floating-point numbers)")
        if name not in TRANSFERS:
            host = [t for t in tensors if not self._dev(t) and t.dim() > 0]
            if host and from_device:
                self._refuse(f"{name}: a host tensor of shape {tuple(host[0].shape)} meets a "
                             f"device tensor (CUDA and MPS need both on one device)")
        out = func(*args, **kwargs)
        self._check_float64(name, out)
        self._mark(out)
        return out

    def _check_float64(self, name: str, out) -> None:
        for t in tree_flatten(out)[0]:
            if isinstance(t, torch.Tensor) and t.dtype in FLOAT64:
                self._refuse(f"{name} made a {t.dtype} tensor on the device (MPS has no float64: "
                             f"move to the host with .cpu() before converting)")
