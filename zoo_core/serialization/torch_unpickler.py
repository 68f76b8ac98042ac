"""The allowlist unpickler behind ``torch_reader``: it builds tensors, containers and plain values only.

``torch.save`` pickles a tensor as a call to ``torch._utils._rebuild_tensor_v2(storage, offset, size,
stride, ...)`` with the storage given as a persistent id. ``Unpickler.find_class`` maps the few globals a
state dict needs (``Rebuilder.globals()``) to safe objects of our own and refuses every other one with a
``ForbiddenGlobalError`` naming it, before it is imported or called. ``check_tree`` then verifies that
the result holds nothing else.
"""
import pickle
from collections import OrderedDict

import numpy as np

from .. import _backend, _dtype
from ..tensor import Size, Tensor, _new
from ._common import ForbiddenGlobalError, SerializationError


class StorageType:
    """Stands in for ``torch.FloatStorage`` & co: only carries the element dtype."""

    def __init__(self, name, np_dtype):
        self.name, self.dtype = name, np.dtype(np_dtype)

    def __repr__(self):
        return f"<storage type {self.name}>"


class _Marker:
    """Stands in for a class (``torch.Tensor``, ``Parameter``) that is only compared, never called."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<{self.name}>"


class Storage:
    """One storage of the checkpoint: a flat array of its elements, filled in when the data is read."""

    def __init__(self, key, storage_type, location, numel):
        self.key, self.location, self.numel = key, location, numel
        self.bfloat16 = storage_type.name == "BFloat16Storage"
        self.raw_dtype = storage_type.dtype
        self.array = None     # flat array of numel elements (float32 for bfloat16) once read

    @property
    def dtype(self):
        return np.dtype(np.float32) if self.bfloat16 else self.raw_dtype


class StorageView:
    """Legacy files may pickle a slice of a storage: ``offset`` and ``numel`` in elements of the root."""

    def __init__(self, root, offset, numel):
        self.root, self.offset, self.numel = root, offset, numel


_TENSOR_MARKER = _Marker("torch.Tensor")
_PARAMETER_MARKER = _Marker("torch.nn.Parameter")


class Rebuilder:
    """Rebuild functions called by the unpickler; collects tensors whose data arrives later."""

    def __init__(self, source):
        self.source = source
        # (tensor, storage, offset, size, stride, end of the elements it may use): given data at the end
        self.pending = []
        self.layouts = {}     # id(tensor) -> its layout above, for Parameters made from it

    def rebuild_tensor_v2(self, storage, storage_offset, size, stride, requires_grad=False,
                          backward_hooks=None, metadata=None):
        t = self.rebuild_tensor(storage, storage_offset, size, stride)
        if requires_grad is True and _is_float(t):
            t._rg = True
        return t

    def rebuild_tensor(self, storage, storage_offset, size, stride):
        base, limit = 0, None
        if isinstance(storage, StorageView):
            storage, base, limit = storage.root, storage.offset, storage.offset + storage.numel
        if not isinstance(storage, Storage):
            raise SerializationError(f"{self.source}: a tensor refers to {storage!r} instead of a storage")
        size, stride = _int_tuple(size, "size", self.source), _int_tuple(stride, "stride", self.source)
        if type(storage_offset) is not int or storage_offset < 0 or len(size) != len(stride):
            raise SerializationError(
                f"{self.source}: bad tensor layout: offset {storage_offset!r}, size {size}, stride {stride}")
        return self._pending(Tensor, (storage, base + storage_offset, size, stride,
                                      storage.numel if limit is None else limit))

    def _pending(self, cls, layout):
        t = _new(cls)
        t._pending_dtype = layout[0].dtype
        self.pending.append((t,) + layout)
        self.layouts[id(t)] = layout
        return t

    def rebuild_parameter(self, data, requires_grad, backward_hooks, state=None):
        # a new nn.Parameter over the same storage view as ``data``, as torch does; attributes in
        # ``state`` are dropped
        layout = self.layouts.get(id(data))
        if layout is None:
            raise SerializationError(f"{self.source}: a Parameter wraps {type(data).__name__}, not a tensor")
        p = self._pending(_parameter_class(), layout)
        if requires_grad is True and _is_float(p):
            p._rg = True
        return p

    def rebuild_from_type_v2(self, func, new_type, args, state):
        # torch's wrapper for tensors that carry Python attributes; the attributes are dropped
        if func not in (self.rebuild_tensor_v2, self.rebuild_tensor, self.rebuild_parameter) or \
                new_type not in (_TENSOR_MARKER, _PARAMETER_MARKER) or type(args) is not tuple:
            raise SerializationError(f"{self.source}: unsupported tensor reconstruction {func!r}{args!r}")
        return func(*args)

    def size(self, items):
        return Size(_int_tuple(items, "torch.Size", self.source))

    def globals(self):
        """The allowlist: ``(module, name)`` -> the safe object that replaces it."""
        allowed = {
            ("collections", "OrderedDict"): OrderedDict,
            ("torch._utils", "_rebuild_tensor_v2"): self.rebuild_tensor_v2,
            ("torch._utils", "_rebuild_tensor"): self.rebuild_tensor,
            ("torch._utils", "_rebuild_parameter"): self.rebuild_parameter,
            ("torch._utils", "_rebuild_parameter_with_state"): self.rebuild_parameter,
            ("torch._tensor", "_rebuild_from_type_v2"): self.rebuild_from_type_v2,
            ("torch", "Tensor"): _TENSOR_MARKER,
            ("torch.nn.parameter", "Parameter"): _PARAMETER_MARKER,
            ("torch", "Size"): self.size,
            ("torch", "device"): _device,
            ("builtins", "set"): set,
            ("__builtin__", "set"): set,
            ("_codecs", "encode"): _latin1_encode,   # how protocol 2 pickles bytes
        }
        allowed.update(_STORAGE_TYPES)
        allowed.update(_DTYPES)
        return allowed


def _parameter_class():
    try:
        from ..nn.parameter import Parameter
    except ImportError:   # pragma: no cover - nn is part of zoo_core; this keeps the reader standalone
        return Tensor
    return Parameter


def _is_float(t):
    dt = getattr(t, "_pending_dtype", None)
    return dt is not None and dt.kind == "f"


_STORAGE_TYPES = {("torch", n): StorageType(n, d) for n, d in [
    ("FloatStorage", np.float32), ("DoubleStorage", np.float64), ("HalfStorage", np.float16),
    ("BFloat16Storage", np.uint16), ("LongStorage", np.int64), ("IntStorage", np.int32),
    ("ShortStorage", np.int16), ("CharStorage", np.int8), ("ByteStorage", np.uint8),
    ("BoolStorage", np.bool_)]}
_STORAGE_TYPES[("torch.storage", "UntypedStorage")] = StorageType("UntypedStorage", np.uint8)
_STORAGE_TYPES[("torch", "UntypedStorage")] = StorageType("UntypedStorage", np.uint8)
# dtypes appear as ``torch.float32`` globals; bfloat16 maps to float32 as its tensors do
_DTYPES = {("torch", d.name): d for d in _dtype.ALL}
_DTYPES.update({("torch", alias): d for alias, d in [
    ("float", _dtype.float32), ("double", _dtype.float64), ("half", _dtype.float16), ("long", _dtype.int64),
    ("int", _dtype.int32), ("short", _dtype.int16), ("bfloat16", _dtype.float32)]})


def _device(*args):
    return _backend.device(*args)


def _latin1_encode(text, encoding="latin1"):
    if type(text) is not str or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(f"_codecs.encode is only allowed for latin1 bytes, got {encoding!r}")
    return text.encode("latin1")


def _int_tuple(x, what, source):
    if type(x) not in (tuple, list, Size) or not all(type(v) is int and v >= 0 for v in x):
        raise SerializationError(f"{source}: bad tensor {what} {x!r}")
    return tuple(x)


class Unpickler(pickle.Unpickler):
    """``pickle.Unpickler`` that resolves globals only through the allowlist."""

    def __init__(self, file, source, allowed, persistent_load=None):
        super().__init__(file, encoding="utf-8")
        self._source, self._allowed, self._persistent = source, allowed, persistent_load

    def find_class(self, module, name):
        obj = self._allowed.get((module, name))
        if obj is None:
            if module == "torch" and name.endswith("Storage"):
                raise SerializationError(
                    f"{self._source}: tensors stored as {name} are not supported by zoo_core "
                    "(supported: float16/32/64, bfloat16 -> float32, int8/16/32/64, uint8, bool)")
            raise ForbiddenGlobalError(
                f"refusing to load global '{module}.{name}' from {self._source}: only tensors and "
                "containers are allowed (zoo_core never runs code from a checkpoint)")
        return obj

    def persistent_load(self, pid):
        if self._persistent is None:
            raise pickle.UnpicklingError(f"{self._source}: unexpected persistent id {pid!r}")
        return self._persistent(pid)


def unpickle(f, source, allowed, persistent_load=None):
    """One pickle from ``f``; damage of any kind becomes a ``SerializationError`` naming the file."""
    try:
        return Unpickler(f, source, allowed, persistent_load).load()
    except (ForbiddenGlobalError, SerializationError):
        raise
    except Exception as e:
        raise SerializationError(f"{source}: corrupt or unsupported checkpoint: {type(e).__name__}: {e}") from e


def ascii_str(value, source):
    """A storage key or location as ``str`` (Python 2 era files may hold them as bytes)."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        raise SerializationError(f"{source}: bad storage key or location {value!r}")
    return value


_LEAVES = (type(None), bool, int, float, complex, str, bytes, _dtype.dtype, _backend.device)


def check_tree(obj, source):
    """Refuse results holding anything but containers, scalars and finished tensors.

    The allowlist already limits what can be built; this also catches raw storages, stray markers, and
    attributes a pickle's BUILD opcode could have set on an allowed object.
    """
    seen, stack = set(), [(obj, "the top level")]
    while stack:
        x, where = stack.pop()
        t = type(x)
        if t in _LEAVES:
            continue
        if id(x) in seen:
            continue
        seen.add(id(x))
        if t is Tensor or t is _parameter_class():
            if set(x.__dict__) - {"_data", "_rg"} or type(x.__dict__.get("_rg", False)) is not bool:
                raise SerializationError(f"{source}: unexpected tensor attributes at {where}")
            continue
        if t in (dict, OrderedDict):
            extra = set(getattr(x, "__dict__", ())) - {"_metadata"}
            if extra:
                raise SerializationError(f"{source}: unexpected attributes {sorted(extra)} at {where}")
            stack.extend((k, f"a key in {where}") for k in x)
            stack.extend((v, f"{where}[{k!r}]") for k, v in x.items())
            if "_metadata" in getattr(x, "__dict__", ()):
                stack.append((x._metadata, f"{where}._metadata"))
        elif t in (list, tuple, Size, set):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(x))
        else:
            if t in (Storage, StorageView):
                what = "a raw storage"
            elif t in (StorageType, _Marker):
                what = f"the type {x.name}"
            else:
                what = f"a {t.__name__}"
            raise SerializationError(
                f"{source}: the checkpoint holds {what} at {where}; zoo_core loads only tensors, "
                "containers and plain values")
