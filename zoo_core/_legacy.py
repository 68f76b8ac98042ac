"""PyTorch's legacy tensor types: ``torch.FloatTensor``, ``torch.LongTensor``, ``torch.cuda.FloatTensor``...

Each is a constructor (``FloatTensor(2, 3)`` allocates, ``FloatTensor([1, 2])`` copies data,
``FloatTensor()`` is empty) and a type: ``isinstance(t, FloatTensor)`` is true for float32 CPU tensors,
and ``t.type(FloatTensor)`` / ``t.type("torch.FloatTensor")`` casts. ``t.type()`` returns these names.

Example::

    >>> zoo_core.FloatTensor([1, 2]).dtype
    zoo_core.float32
    >>> isinstance(zoo_core.zeros(2, dtype=zoo_core.int64), zoo_core.LongTensor)
    True
"""
from . import _dtype
from .tensor import Size, Tensor

NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "int64": "LongTensor",
         "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
         "bool": "BoolTensor"}


class _TensorTypeMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and obj.is_cuda == cls.is_cuda

    def __repr__(cls):
        return f"<class '{cls.__module__}.{cls.__name__}'>"


class _TensorType(metaclass=_TensorTypeMeta):
    dtype = None
    is_cuda = False

    def __new__(cls, *args, device=None):
        from .ops.creation import tensor, zeros
        dev = "cuda" if cls.is_cuda else device
        if not args:
            return zeros(0, dtype=cls.dtype, device=dev)
        if all(type(a) is int for a in args) or (len(args) == 1 and isinstance(args[0], Size)):
            sizes = tuple(args[0]) if isinstance(args[0], Size) else args
            return zeros(sizes, dtype=cls.dtype, device=dev)
        if len(args) > 1:
            raise TypeError(f"{cls.__name__}(): expected sizes (ints) or one sequence of data, got {args!r}")
        data = args[0]
        if isinstance(data, Tensor):
            return data.detach().to(device=dev if dev is not None else data.device, dtype=cls.dtype)
        return tensor(data, dtype=cls.dtype, device=dev)


def _make(np_name, cuda):
    return _TensorTypeMeta(NAMES[np_name], (_TensorType,),
                           {"dtype": getattr(_dtype, np_name), "is_cuda": cuda,
                            "__module__": "zoo_core.cuda" if cuda else "zoo_core", "__doc__": None})


CPU = {n: _make(n, False) for n in NAMES}
CUDA = {n: _make(n, True) for n in NAMES}
BY_NAME = {f"torch.{c.__name__}": c for c in CPU.values()}
BY_NAME.update({f"torch.cuda.{c.__name__}": c for c in CUDA.values()})
BY_NAME.update({k.replace("torch.", "zoo_core.", 1): v for k, v in list(BY_NAME.items())})


def type_name(t):
    """``t.type()``: PyTorch's name of the tensor's type, e.g. ``'torch.cuda.FloatTensor'``."""
    return ("torch.cuda." if t.is_cuda else "torch.") + NAMES[t._data.dtype.name]


def cast(t, to):
    """``t.type(to)`` for a legacy type, its name, or a dtype."""
    if isinstance(to, str):
        if to not in BY_NAME:
            raise ValueError(f"invalid type: {to!r} (expected a name like 'torch.FloatTensor')")
        to = BY_NAME[to]
    if isinstance(to, _TensorTypeMeta):
        return t.to(device="cuda" if to.is_cuda else "cpu", dtype=to.dtype)
    return t.to(to)


globals().update({c.__name__: c for c in CPU.values()})
__all__ = [c.__name__ for c in CPU.values()]
