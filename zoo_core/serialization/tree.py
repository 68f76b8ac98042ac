"""Nested Python structures <-> (JSON tree, flat dict of arrays), for ``zoo_core.save``.

Tensors go into the safetensors body under a name derived from where they sit (``"fc.weight"``,
``"state.0.exp_avg"``), so a plain state dict looks like any other safetensors checkpoint. The rest goes
into a JSON tree stored in the header's ``__metadata__["zoo"]``. Every JSON object in the tree is a
tagged node, so a user's dict can never be mistaken for one:

==================  ======================================================
Python value        JSON
==================  ======================================================
None, bool, int,    themselves (``1`` and ``1.0`` stay distinct in JSON)
str, finite float
nan / inf / -inf    ``{"float": "nan"}``
list                a JSON array
tuple / Size        ``{"tuple": [...]}`` / ``{"size": [...]}``
dict / OrderedDict  ``{"dict": [[key, value], ...]}`` / ``{"odict": ..., "meta": ...}`` (keys of
                    any scalar type round-trip: ``{0: ...}`` comes back with an int key)
Tensor              ``{"tensor": "fc.weight"}`` (+ ``"device"``, ``"requires_grad"`` when set)
dtype / device      ``{"dtype": "float32"}`` / ``{"device": "cuda:0"}``
==================  ======================================================

A Tensor met twice (or a view with the same storage, offset, shape and strides) is stored once and comes
back as one Tensor object, so tied weights stay tied.
"""
import math
from collections import OrderedDict

import numpy as np

from .. import _backend, _dtype
from ..tensor import Size, Tensor, _wrap
from ._common import SerializationError
from .safetensors_io import host_array

FORMAT_VERSION = 1
_SCALARS = (type(None), bool, int, str)


def flatten(obj):
    """Split ``obj`` into ``(tree, arrays)``: a JSON-able tree and ``{name: contiguous numpy array}``.

    Example::

        >>> tree, arrays = flatten({"w": zoo_core.ones(2), "step": 3})
        >>> tree
        {'dict': [['w', {'tensor': 'w'}], ['step', 3]]}
    """
    return _Flattener().run(obj)


class _Flattener:
    def __init__(self):
        self.arrays = {}
        self.names = {}       # storage identity -> tensor name, for tied tensors
        self.active = set()   # ids of the containers being walked, to refuse cycles

    def run(self, obj):
        tree = self.node(obj, "")
        return tree, self.arrays

    def node(self, x, path):
        t = type(x)
        if t in _SCALARS:
            return x
        if t is float:
            return x if math.isfinite(x) else {"float": repr(x)}
        if isinstance(x, Tensor):      # Parameter-like subclasses are saved as their data
            return self.tensor(x, path)
        if t in (dict, OrderedDict, list, tuple, Size):
            return self.container(x, path)
        if t is _dtype.dtype:
            return {"dtype": x.name}
        if t is _backend.device:
            return {"device": str(x)}
        if isinstance(x, (np.bool_, np.integer, np.floating)):
            return self.node(x.item(), path)
        raise TypeError(
            f"save: cannot save a {t.__module__}.{t.__qualname__} at {_show(path)}; only tensors, "
            "dicts, lists, tuples, numbers, strings, bools and None can be saved (wrap numpy arrays "
            "with zoo_core.from_numpy)")

    def container(self, x, path):
        if id(x) in self.active:
            raise ValueError(f"save: the object contains itself at {_show(path)}; cannot save a cycle")
        self.active.add(id(x))
        try:
            if type(x) is list:
                return [self.node(v, _join(path, i)) for i, v in enumerate(x)]
            if type(x) in (tuple, Size):
                tag = "tuple" if type(x) is tuple else "size"
                return {tag: [self.node(v, _join(path, i)) for i, v in enumerate(x)]}
            pairs = [[self.key(k, path), self.node(v, _join(path, k))] for k, v in x.items()]
            if type(x) is dict:
                return {"dict": pairs}
            out = {"odict": pairs}
            meta = getattr(x, "_metadata", None)   # torch state dicts carry per-module versions here
            if meta is not None:
                out["meta"] = self.node(meta, _join(path, "_metadata"))
            return out
        finally:
            self.active.discard(id(x))

    def key(self, k, path):
        if type(k) in _SCALARS or type(k) is float or type(k) is tuple:
            return self.node(k, path)
        raise TypeError(
            f"save: dict keys must be strings, numbers, bools, None or tuples of them; got a "
            f"{type(k).__name__} key {k!r} at {_show(path)}")

    def tensor(self, t, path):
        arr = t._data
        dev = _backend.device_of(arr)
        ident = None
        if arr.size:   # distinct empty tensors may share a data pointer; never tie those
            ptr = arr.ctypes.data if type(arr) is np.ndarray else arr.data.ptr
            ident = (ptr, arr.shape, arr.strides, arr.dtype.str, str(dev))
        name = self.names.get(ident) if ident is not None else None
        if name is None:
            name = self._unique(path or "tensor")
            self.arrays[name] = host_array(arr)
            if ident is not None:
                self.names[ident] = name
        ref = {"tensor": name}
        if dev.type != "cpu":
            ref["device"] = str(dev)
        if t._rg:
            ref["requires_grad"] = True
        return ref

    def _unique(self, name):
        base, i = name, 1
        while name in self.arrays:
            name, i = f"{base}#{i}", i + 1
        return name


def _join(path, key):
    key = str(key)
    return key if not path else f"{path}.{key}"


def _show(path):
    return f"{path!r}" if path else "the top level"


def unflatten(tree, arrays, placer, source):
    """Rebuild the object ``flatten`` split, with tensors from ``arrays`` placed by ``placer``."""
    return _Unflattener(arrays, placer, source).node(tree)


class _Unflattener:
    def __init__(self, arrays, placer, source):
        self.arrays = arrays
        self.placer = placer
        self.source = source
        self.tensors = {}   # name -> Tensor: tied entries come back as the same object

    def node(self, n):
        if type(n) is list:
            return [self.node(v) for v in n]
        if type(n) is not dict:
            return n
        if "dict" in n:
            return {self.key(k): self.node(v) for k, v in n["dict"]}
        if "odict" in n:
            d = OrderedDict((self.key(k), self.node(v)) for k, v in n["odict"])
            if "meta" in n:
                d._metadata = self.node(n["meta"])
            return d
        if "tuple" in n:
            return tuple(self.node(v) for v in n["tuple"])
        if "size" in n:
            return Size(n["size"])
        if "tensor" in n:
            return self.tensor(n)
        if "float" in n:
            return float(n["float"])
        if "dtype" in n:
            return _dtype.to_dtype(n["dtype"])
        if "device" in n:
            return _backend.device(n["device"])
        raise SerializationError(f"{self.source}: corrupt zoo metadata: unknown node {n!r}")

    def key(self, k):
        k = self.node(k)
        return tuple(k) if type(k) is list else k

    def tensor(self, n):
        name = n["tensor"]
        t = self.tensors.get(name)
        if t is None:
            arr = self.arrays.get(name)
            if arr is None:
                raise SerializationError(
                    f"{self.source}: corrupt file: the structure refers to tensor {name!r}, which is "
                    "not in the file")
            t = _wrap(self.placer.place(arr, n.get("device", "cpu")))
            if n.get("requires_grad") and t._data.dtype.kind == "f":
                t._rg = True
            self.tensors[name] = t
        return t
