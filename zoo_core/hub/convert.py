"""``convert``: turn a PyTorch checkpoint into a safetensors file (``zoo convert IN.pth OUT.safetensors``).

The checkpoint is read by ``zoo_core.load``'s allowlist unpickler, so converting never runs code from the
file; the output is written by the ``safetensors`` library, atomically. Training checkpoints that wrap
the weights (``{"state_dict": ...}``, ``{"model": ...}``, ``{"epoch": 3, "model_state_dict": ...}``) are
unwrapped; entries that are not tensors (epoch counters, optimizer hyper-parameters) are left out and
listed in the summary.
"""
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..serialization import SerializationError

__all__ = ["convert", "unwrap_state_dict", "ConvertSummary"]

# keys under which training scripts commonly nest the model's state dict, most specific first
_WRAPPERS = ("state_dict", "model_state_dict", "model", "module", "net", "ema")


@dataclass
class ConvertSummary:
    """What ``convert`` wrote."""
    src: str                                     # the checkpoint read
    dst: str                                     # the safetensors file written
    tensors: int                                 # number of tensors written
    parameters: int                              # total elements over all tensors
    bytes: int                                   # size of the output file
    sha256: str                                  # sha256 of the output file (what a weights entry registers)
    skipped: list = field(default_factory=list)  # dotted names of non-tensor entries left out

    def as_dict(self):
        return dict(self.__dict__)


def unwrap_state_dict(obj, source="checkpoint"):
    """The name -> Tensor mapping inside a loaded checkpoint.

    Returns ``obj`` itself when it already maps names to tensors, else follows the usual wrapper keys
    (``state_dict``, ``model_state_dict``, ``model``, ``module``, ``net``, ``ema``). Non-tensor entries
    stay in the result; ``convert`` drops and lists them.

    Example::

        >>> unwrap_state_dict({"epoch": 3, "state_dict": {"w": zoo_core.ones(1)}})
        {'w': tensor([1.])}
    """
    from ..tensor import Tensor
    for _ in range(4):   # wrappers nest at most a couple of levels in practice
        if not isinstance(obj, Mapping):
            break
        if obj and all(isinstance(v, Tensor) for v in obj.values()):
            return obj
        inner = next((obj[k] for k in _WRAPPERS if isinstance(obj.get(k), Mapping) and obj[k]), None)
        if inner is None:
            return obj
        obj = inner
    if not isinstance(obj, Mapping):
        raise SerializationError(f"{source}: expected a state dict (a mapping of names to tensors), "
                                 f"found a {type(obj).__name__}")
    return obj


def _flat_tensors(state, source):
    """``({dotted name: Tensor}, [skipped names])``: nested mappings are flattened with dots."""
    from ..tensor import Tensor
    tensors, skipped = {}, []

    def visit(prefix, value):
        if isinstance(value, Tensor):
            tensors[prefix] = value
        elif isinstance(value, Mapping) and value:
            for k, v in value.items():
                visit(f"{prefix}.{k}" if prefix else str(k), v)
        else:
            skipped.append(prefix or "<root>")

    visit("", state)
    if not tensors:
        raise SerializationError(f"{source}: no tensors found to convert"
                                 + (f" (only {', '.join(skipped[:8])})" if skipped else ""))
    return tensors, skipped


def convert(src, dst):
    """Read the PyTorch checkpoint ``src`` safely and write its tensors to the safetensors file ``dst``.

    Returns a ``ConvertSummary`` (tensors, parameters, bytes and sha256 of the output, skipped entries).
    ``dst`` is replaced atomically: a failure leaves any previous file intact. Tensors that shared
    storage in the checkpoint (tied weights) are written as separate tensors, as the safetensors format
    requires; bfloat16 tensors are written as float32 (``zoo_core.load`` widens them, with a warning).

    Example::

        >>> s = convert("mobilenet_v2-b0353104.pth", "mobilenet_v2.safetensors")   # doctest: +SKIP
        >>> s.tensors, s.parameters   # doctest: +SKIP
        (314, 3539036)
    """
    from ..serialization import load, save_safetensors
    from .cache import sha256_file
    src, dst = os.fspath(src), os.fspath(dst)
    state = unwrap_state_dict(load(src, map_location="cpu"), src)
    tensors, skipped = _flat_tensors(state, src)
    src_sha, _ = sha256_file(src)
    metadata = {"format": "pt", "converted_from": os.path.basename(src), "source_sha256": src_sha}
    save_safetensors(tensors, dst, metadata=metadata)
    sha, nbytes = sha256_file(dst)
    return ConvertSummary(src, dst, len(tensors), sum(t.numel() for t in tensors.values()), nbytes, sha,
                          skipped)
