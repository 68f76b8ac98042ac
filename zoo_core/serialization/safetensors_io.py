"""safetensors files: a strict reader of our own and the ``safetensors`` library for writing.

The format: an 8-byte little-endian header length ``N``; ``N`` bytes of JSON mapping each tensor name to
``{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}`` (offsets into the data that follows),
plus an optional ``"__metadata__"`` map of strings; then the raw little-endian tensor data.

We read it ourselves rather than with ``safetensors.numpy`` because that API has no bfloat16 (common in
Hugging Face checkpoints), reads only paths or whole ``bytes``, and reports damage without naming the
file. Writing goes through ``safetensors.numpy`` so every file we make is one the library itself wrote.
"""
import json
import os
import sys
from collections import OrderedDict

import numpy as np

from ..tensor import Tensor, _wrap
from ._common import (DevicePlacer, SerializationError, atomic_write, bfloat16_to_float32, open_binary,
                      read_exactly, source_name, warn_bfloat16)

__all__ = ["load_safetensors", "save_safetensors", "safetensors_metadata"]

# safetensors dtype names -> little-endian numpy dtypes; BF16 is read as raw bits and widened to float32
_DTYPES = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "BF16": np.dtype("<u2"),
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "I16": np.dtype("<i2"), "I8": np.dtype("i1"),
    "U8": np.dtype("u1"), "BOOL": np.dtype("u1"),
}
_MAX_HEADER = 100 * 1024 * 1024   # the safetensors library refuses larger headers too


def read_header(f, source):
    """Parse and validate the header of the safetensors file open as ``f`` (positioned at its start).

    Returns ``(entries, metadata, data_start)``: ``entries`` maps each tensor name, in header order, to
    ``(dtype_name, shape, begin, end)``; ``metadata`` is the ``__metadata__`` dict (or ``{}``).
    """
    start = f.tell()
    raw = f.read(8)
    if len(raw) < 8:
        raise SerializationError(f"{source}: not a safetensors file: only {len(raw)} bytes long")
    n = int.from_bytes(raw, "little")
    if not 2 <= n <= _MAX_HEADER:
        raise SerializationError(f"{source}: not a valid safetensors file: header length {n} is out of range")
    text = f.read(n)
    if len(text) < n:
        raise SerializationError(
            f"{source}: file is truncated: the header should be {n} bytes but only {len(text)} are present")
    try:
        header = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise SerializationError(f"{source}: not a valid safetensors file: the header is not JSON ({e})") from None
    if not isinstance(header, dict):
        raise SerializationError(f"{source}: not a valid safetensors file: the header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise SerializationError(f"{source}: invalid safetensors header: __metadata__ must map strings to strings")
    entries = OrderedDict()
    for name, info in header.items():
        entries[name] = _check_entry(name, info, source)
    data_start = start + 8 + n
    body = _remaining(f, data_start)
    need = max((e for _, _, _, e in entries.values()), default=0)
    if body is not None and need > body:
        raise SerializationError(
            f"{source}: file is truncated: the header describes {need} bytes of tensor data but only "
            f"{body} are present")
    return entries, metadata, data_start


def _check_entry(name, info, source):
    bad = f"{source}: invalid safetensors header entry for tensor {name!r}"
    if not isinstance(info, dict):
        raise SerializationError(f"{bad}: expected an object, got {info!r}")
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if dtype not in _DTYPES:
        raise SerializationError(
            f"{source}: tensor {name!r} has dtype {dtype!r}, which zoo_core cannot load "
            f"(supported: {', '.join(_DTYPES)})")
    if not isinstance(shape, list) or not all(type(s) is int and s >= 0 for s in shape):
        raise SerializationError(f"{bad}: bad shape {shape!r}")
    if (not isinstance(offsets, list) or len(offsets) != 2 or not all(type(o) is int for o in offsets)
            or not 0 <= offsets[0] <= offsets[1]):
        raise SerializationError(f"{bad}: bad data_offsets {offsets!r}")
    numel = 1
    for s in shape:
        numel *= s
    if offsets[1] - offsets[0] != numel * _DTYPES[dtype].itemsize:
        raise SerializationError(
            f"{bad}: shape {shape} of {dtype} needs {numel * _DTYPES[dtype].itemsize} bytes but "
            f"data_offsets {offsets} span {offsets[1] - offsets[0]}")
    return dtype, tuple(shape), offsets[0], offsets[1]


def _remaining(f, data_start):
    """Bytes from ``data_start`` to the end of ``f``; None if it can't be measured."""
    try:
        end = f.seek(0, os.SEEK_END)
        f.seek(data_start)
    except (OSError, AttributeError, ValueError):
        return None
    return end - data_start


def read_arrays(f, source):
    """Read every tensor of the safetensors file ``f`` as numpy arrays that own their memory.

    Returns ``(arrays, metadata)`` with ``arrays`` in header order. bfloat16 comes back as float32.
    """
    entries, metadata, data_start = read_header(f, source)
    arrays = {}
    saw_bf16 = False
    for name, (dtype, shape, begin, end) in sorted(entries.items(), key=lambda kv: kv[1][2]):
        f.seek(data_start + begin)
        buf = read_exactly(f, end - begin, source, f"tensor {name!r}")
        if dtype == "BOOL":
            arr = buf != 0       # a byte other than 0/1 must not make a malformed numpy bool
        elif dtype == "BF16":
            arr, saw_bf16 = bfloat16_to_float32(buf.view(_DTYPES[dtype])), True
        else:
            arr = buf.view(_DTYPES[dtype])
            if sys.byteorder == "big" and arr.dtype.itemsize > 1:
                arr = arr.astype(arr.dtype.newbyteorder("="))
        arrays[name] = arr.reshape(shape)
    if saw_bf16:
        warn_bfloat16(source)
    return OrderedDict((name, arrays[name]) for name in entries), metadata


def write_arrays(f, arrays, metadata):
    """Write ``arrays`` (name -> C-contiguous numpy array) and ``metadata`` with the safetensors library.

    A path is written atomically (temporary file, fsync, rename); a file object gets the bytes written.
    """
    from safetensors.numpy import save, save_file   # imported here: ``import zoo_core`` stays light
    if isinstance(f, (str, os.PathLike)):
        atomic_write(f, lambda tmp: save_file(arrays, tmp, metadata=metadata))
    elif hasattr(f, "write"):
        f.write(save(arrays, metadata=metadata))
    else:
        raise TypeError(f"save: expected a path or a binary file object, got {type(f).__name__}")


def load_safetensors(f, device="cpu"):
    """Load every tensor of a safetensors file into a flat ``OrderedDict`` of name -> Tensor.

    Works on any safetensors file (Hugging Face checkpoints included; bfloat16 becomes float32). For
    files written by ``zoo_core.save`` use ``zoo_core.load``, which also restores nested structure.

    Example::

        >>> save_safetensors({"fc.weight": zoo_core.zeros(10, 512)}, "model.safetensors")
        >>> load_safetensors("model.safetensors")["fc.weight"].shape
        zoo_core.Size([10, 512])
    """
    source = source_name(f)
    fh, close = open_binary(f, source)
    try:
        arrays, _ = read_arrays(fh, source)
    finally:
        if close:
            fh.close()
    placer = DevicePlacer(device, source)
    return OrderedDict((k, _wrap(placer.place(a, "cpu"))) for k, a in arrays.items())


def save_safetensors(tensors, f, metadata=None):
    """Save a flat ``{name: Tensor}`` dict as a plain safetensors file (any tool can read it).

    ``metadata`` is an optional ``{str: str}`` dict stored in the header. Tensors are written as
    contiguous CPU copies; the write is atomic when ``f`` is a path.

    Example::

        >>> save_safetensors({"w": zoo_core.ones(2, 3)}, "w.safetensors", metadata={"format": "pt"})
        >>> load_safetensors("w.safetensors")["w"].sum().item()
        6.0
    """
    arrays = {}
    for name, t in tensors.items():
        if not isinstance(name, str) or not isinstance(t, Tensor):
            raise TypeError(
                f"save_safetensors: expected a dict of str -> Tensor, got {type(name).__name__} -> "
                f"{type(t).__name__} for {name!r}")
        arrays[name] = host_array(t._data)
    write_arrays(f, arrays, metadata)


def host_array(arr):
    """A C-contiguous numpy copy-or-view of ``arr`` (numpy or CuPy) for the safetensors writer.

    The library writes ``nbytes`` from the data pointer, so a strided array must be made contiguous.
    """
    if type(arr) is not np.ndarray:
        arr = arr.get()
    # not np.ascontiguousarray: it turns 0-d arrays into 1-d ones
    return arr if arr.flags.c_contiguous else arr.copy(order="C")


def safetensors_metadata(f):
    """The ``__metadata__`` dict of a safetensors file (no tensor data is read).

    Example::

        >>> save_safetensors({"w": zoo_core.ones(1)}, "w.safetensors", metadata={"format": "pt"})
        >>> safetensors_metadata("w.safetensors")
        {'format': 'pt'}
    """
    source = source_name(f)
    fh, close = open_binary(f, source)
    try:
        return read_header(fh, source)[1]
    finally:
        if close:
            fh.close()
