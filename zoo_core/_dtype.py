"""dtypes and PyTorch's type-promotion rules.

A ``dtype`` wraps one numpy dtype (CuPy uses numpy's). Promotion follows PyTorch, not numpy:
categories bool < integer < floating; dimensioned tensors outrank zero-dim tensors, which outrank Python
scalars; a higher-category scalar gives the default dtype of its category (so ``int_tensor * 0.5`` is
float32 and ``float32_tensor * 2.0`` stays float32).
"""
import builtins as _builtins

import numpy as np

# the names below shadow float, int and bool on purpose (torch.float is float32)
_pyfloat, _pyint, _pybool = _builtins.float, _builtins.int, _builtins.bool


class dtype:
    """A tensor element type: ``zoo_core.float32``, ``zoo_core.int64``, ..."""
    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "category")

    def __init__(self, name, np_dtype, category):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category   # 0 bool, 1 integer, 2 floating
        self.is_floating_point = category == 2
        self.is_signed = self.np.kind in "if"
        self.itemsize = self.np.itemsize

    def __repr__(self):
        return f"zoo_core.{self.name}"

    def __reduce__(self):
        return (getattr_dtype, (self.name,))

    def to_complex(self):  # pragma: no cover - torch API parity; complex is not supported
        raise NotImplementedError("zoo_core has no complex dtypes")


float16 = half = dtype("float16", np.float16, 2)
float32 = float = dtype("float32", np.float32, 2)
float64 = double = dtype("float64", np.float64, 2)
int8 = dtype("int8", np.int8, 1)
int16 = short = dtype("int16", np.int16, 1)
int32 = int = dtype("int32", np.int32, 1)
int64 = long = dtype("int64", np.int64, 1)
uint8 = dtype("uint8", np.uint8, 1)
bool = dtype("bool", np.bool_, 0)

ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, bool)


class _Unsupported:
    """A PyTorch dtype that zoo names but cannot store (numpy has no bfloat16): comparing with it and
    building dtype tables work; making a tensor of it raises ``TypeError`` with what to use instead."""
    __slots__ = ("name", "itemsize")
    is_floating_point, is_signed, category = True, True, 2

    def __init__(self, name, itemsize):
        self.name, self.itemsize = name, itemsize

    def __repr__(self):
        return f"zoo_core.{self.name}"

    def __reduce__(self):
        return (getattr_dtype, (self.name,))


bfloat16 = _Unsupported("bfloat16", 2)
_UNSUPPORTED = {"bfloat16": bfloat16}
BY_NAME = {d.name: d for d in ALL}
BY_NP = {d.np: d for d in ALL}
BY_NP.update({d.np.type: d for d in ALL})


def getattr_dtype(name):
    return BY_NAME[name] if name in BY_NAME else _UNSUPPORTED[name]


class _Default:
    float = float32


_default = _Default()


def get_default_dtype():
    """The dtype that floating-point Python numbers and ``zeros(...)`` get (float32 unless changed)."""
    return _default.float


def set_default_dtype(d):
    """Set the default floating dtype (``float32`` or ``float64``; ``float16`` is allowed too)."""
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the default type, got {d}")
    _default.float = d


def to_dtype(d):
    """A ``dtype`` from a dtype, a numpy dtype/type, a Python type or a name."""
    if type(d) is dtype:
        return d
    if d is None or d is _pyfloat:
        return _default.float
    if d is _pyint:
        return int64
    if d is _pybool:
        return bool
    if isinstance(d, str):
        r = BY_NAME.get(d.replace("torch.", "").replace("zoo_core.", ""))
        if r is not None:
            return r
    if type(d) is _Unsupported or (isinstance(d, str) and d.split(".")[-1] in _UNSUPPORTED):
        raise TypeError(f"zoo_core cannot store {d!r} tensors (numpy has no {getattr(d, 'name', d)}): use "
                        "float32, or float16 to halve memory; bfloat16 checkpoints load as float32")
    try:
        r = BY_NP.get(np.dtype(d))
    except TypeError:
        r = None
    if r is None:
        raise TypeError(f"unsupported dtype {d!r}; zoo_core supports {', '.join(x.name for x in ALL)}")
    return r


def promote_types(a, b):
    """PyTorch's ``promote_types`` on two dtypes: a higher category wins outright."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    return BY_NP[np.promote_types(a.np, b.np)]


def scalar_category(x):
    t = type(x)
    if t is _pybool or t is np.bool_:
        return 0
    if t is _pyfloat or isinstance(x, np.floating):
        return 2
    return 1


def result_type(*operands):
    """The dtype PyTorch gives an op on ``operands`` (Tensors, arrays and Python scalars)."""
    dim_t = zero_t = None
    scalar_cat = -1
    for x in operands:
        dt = getattr(x, "dtype", None)
        if dt is None:
            scalar_cat = max(scalar_cat, scalar_category(x))
            continue
        d = dt if type(dt) is dtype else BY_NP[dt]
        if x.ndim:
            dim_t = d if dim_t is None else promote_types(dim_t, d)
        else:
            zero_t = d if zero_t is None else promote_types(zero_t, d)
    r = dim_t
    if zero_t is not None and (r is None or zero_t.category > r.category):
        r = zero_t
    if scalar_cat >= 0 and (r is None or scalar_cat > r.category):
        r = (bool, int64, _default.float)[scalar_cat]
    return r


class finfo:
    """Machine limits of a floating dtype (``torch.finfo``): ``bits``, ``eps``, ``max``, ``min``, ``tiny``
    (= ``smallest_normal``), ``resolution``, ``dtype``; the default dtype when called without one.

    Example::

        >>> zoo_core.finfo(zoo_core.float16).max
        65504.0
    """

    def __init__(self, type=None):
        if type is bfloat16:   # 8 exponent bits like float32, 8 significand bits
            self.bits, self.dtype, self.eps, self.max = 16, "bfloat16", 0.0078125, 3.3895313892515355e+38
            self.min, self.tiny = -self.max, 1.1754943508222875e-38
            self.smallest_normal, self.resolution = self.tiny, 0.01
            return
        d = get_default_dtype() if type is None else to_dtype(type)
        if not d.is_floating_point:
            raise TypeError(f"torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            f"'{d.name}'")
        fi = np.finfo(d.np)
        self.bits, self.dtype = _pyint(fi.bits), d.name
        self.eps, self.max, self.min = _pyfloat(fi.eps), _pyfloat(fi.max), _pyfloat(fi.min)
        self.tiny = self.smallest_normal = _pyfloat(fi.tiny)
        self.resolution = 10.0 ** -fi.precision

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.tiny:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype (``torch.iinfo``): ``bits``, ``max``, ``min``, ``dtype``.

    Example::

        >>> zoo_core.iinfo(zoo_core.int8).min
        -128
    """

    def __init__(self, type):
        d = to_dtype(type)
        if d.is_floating_point:
            raise TypeError(f"torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            f"'{d.name}'")
        if d.np == np.bool_:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        ii = np.iinfo(d.np)
        self.bits, self.dtype = _pyint(ii.bits), d.name
        self.max, self.min = _pyint(ii.max), _pyint(ii.min)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
