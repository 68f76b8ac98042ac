"""Saving and loading tensors: safetensors files, and PyTorch checkpoints read without torch.

* ``save(obj, f)`` writes a safetensors file (atomically, when ``f`` is a path).
* ``load(f, map_location=None)`` reads zoo's and any other safetensors file, and PyTorch ``.pth`` /
  ``.pt`` checkpoints (zip and legacy formats) through an allowlist unpickler that never runs code.
* ``load_safetensors`` / ``save_safetensors`` / ``safetensors_metadata``: flat name -> Tensor files.

Example::

    >>> import zoo_core
    >>> zoo_core.save({"w": zoo_core.ones(2)}, "w.safetensors")
    >>> zoo_core.load("w.safetensors")
    {'w': tensor([1., 1.])}
"""
from ._common import ForbiddenGlobalError, SerializationError
from .api import load, save
from .safetensors_io import load_safetensors, safetensors_metadata, save_safetensors

__all__ = ["save", "load", "load_safetensors", "save_safetensors", "safetensors_metadata",
           "SerializationError", "ForbiddenGlobalError"]
