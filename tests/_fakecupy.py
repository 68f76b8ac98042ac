"""A strict CPU stand-in for CuPy, so the ``cuda`` half of the test suite runs on machines without a GPU.

``install()`` puts modules named ``cupy`` and ``cupyx`` into ``sys.modules``; zoo_core then makes "CUDA"
tensors whose arrays are ``ndarray`` objects of this module: numpy arrays in a wrapper that behaves like
``cupy.ndarray`` where CuPy differs from numpy in ways that break code written for numpy only:

- no implicit conversion: ``np.asarray(x)`` raises TypeError (use ``.get()``), and mixing numpy arrays
  with device arrays in an operator, a ufunc or a ``cupy.*`` function raises TypeError;
- numpy functions on device arrays dispatch through ``__array_function__`` / ``__array_ufunc__`` to the
  ``cupy`` namespace, and raise when CuPy has no such function (the allowlists in ``_cupy_api``);
- reductions and full integer indexing give 0-d device arrays, never numpy scalars;
- integer array indices wrap around instead of raising (``a[[1, 3]]`` on 3 elements gives ``a[[1, 0]]``);
- assigning a non-scalar numpy array or list through basic indexing (``a[1:] = np_arr``) fails, as
  CuPy's ``fill`` does; ``flags`` has no ``writeable``; ``cupyx.scatter_*`` take only CuPy's dtypes;
- ``cupy.random.Generator`` keeps its state in a device array (``bit_generator._state``).

It is a test double, not an emulator of CUDA: no streams, no asynchrony, one numpy array per buffer.
Run the suite with it: ``ZOO_FAKE_CUPY=1 pytest -m gpu`` (tests/conftest.py installs it).
"""
import inspect
import math
import sys
import types
import warnings

import numpy as np

try:
    from . import _cupy_api as _api
except ImportError:   # no inventory: allow numpy's whole namespace
    class _api:
        TOP_LEVEL = frozenset(n for n in dir(np) if not n.startswith("_"))
        LINALG = frozenset(n for n in dir(np.linalg) if not n.startswith("_"))
        STRIDE_TRICKS = frozenset(["as_strided", "sliding_window_view"])
        UFUNC_METHODS = {m: "all" for m in ("reduce", "accumulate", "reduceat", "outer", "at")}
        NDARRAY_ATTRS = None
        RANDOM_GENERATOR_METHODS = None

_npnd = np.ndarray
_NUM_DEVICES = 1
_current = [0]


def _allowed(names, name):
    return names is None or name in names


# ---- wrapping ----------------------------------------------------------------------------------
def _wrap(a, dev=None):
    obj = object.__new__(ndarray)
    obj._a = a
    obj._dev = _current[0] if dev is None else dev
    return obj


def _out(r):
    """Results of a cupy call: numpy arrays and scalars become device arrays (0-d for scalars)."""
    t = type(r)
    if t is _npnd:
        return _wrap(r)
    if isinstance(r, np.generic):
        return _wrap(np.asarray(r))
    if t is list:
        return [_out(v) for v in r]
    if isinstance(r, tuple):   # namedtuples too (np.linalg.qr's QRResult): CuPy returns plain tuples
        return tuple(_out(v) for v in r)
    return r


def _refuse_host(x, where):
    raise TypeError(f"Unsupported type {type(x)} in {where}: CuPy does not mix numpy arrays with device "
                    "arrays (copy with cupy.asarray first)")


def _in(x, where):
    """An argument of a cupy call: device arrays unwrap; numpy arrays are refused as CuPy does."""
    t = type(x)
    if t is ndarray:
        return x._a
    if t is _npnd:
        _refuse_host(x, where)
    if t is list or t is tuple:
        return t(_in(v, where) for v in x)
    return x


def _in_kw(kw, where):
    return {k: _in(v, where) for k, v in kw.items()}


# ---- ufuncs ------------------------------------------------------------------------------------
class ufunc:
    """A numpy ufunc restricted to CuPy's methods and inputs."""

    def __init__(self, np_ufunc):
        self._u = np_ufunc
        self.__name__ = np_ufunc.__name__
        self.nin, self.nout, self.nargs = np_ufunc.nin, np_ufunc.nout, np_ufunc.nargs

    def __repr__(self):
        return f"<ufunc '{self.__name__}'>"

    def _method(self, method):
        names = _api.UFUNC_METHODS.get(method, frozenset())
        if names != "all" and self.__name__ not in names:
            raise NotImplementedError(f"cupy.{self.__name__}.{method} is not supported by CuPy")
        return getattr(self._u, method)

    def _run(self, fn, args, kwargs, where, allowed=frozenset(("out", "dtype", "casting"))):
        out = kwargs.get("out")
        extra = set(kwargs) - allowed
        if extra:
            raise TypeError(f"Wrong arguments {extra} for {where}")
        for a in args:
            if isinstance(a, (list, _npnd)):
                raise TypeError(f"Unsupported type {type(a)} in {where}")
        args = _in(args, where)
        if out is not None:
            outs = out if isinstance(out, tuple) else (out,)
            for o in outs:
                if type(o) is not ndarray:
                    raise TypeError(f"cupy.{self.__name__}: out must be a cupy.ndarray, got {type(o)}")
            kwargs = dict(kwargs, out=tuple(o._a for o in outs) if isinstance(out, tuple) else out._a)
            with np.errstate(all="ignore"):   # CUDA kernels never warn about inf/nan
                fn(*args, **kwargs)
            return out
        with np.errstate(all="ignore"):
            return _out(fn(*args, **kwargs))

    def __call__(self, *args, **kwargs):
        return self._run(self._u, args, kwargs, f"cupy.{self.__name__}")

    def reduce(self, *args, **kwargs):
        return self._run(self._method("reduce"), args, kwargs, f"cupy.{self.__name__}.reduce",
                         frozenset(("axis", "dtype", "out", "keepdims")))

    def accumulate(self, *args, **kwargs):
        return self._run(self._method("accumulate"), args, kwargs, f"cupy.{self.__name__}.accumulate",
                         frozenset(("axis", "dtype", "out")))

    def reduceat(self, *args, **kwargs):
        return self._run(self._method("reduceat"), args, kwargs, f"cupy.{self.__name__}.reduceat",
                         frozenset(("axis", "dtype", "out")))

    def outer(self, *args, **kwargs):
        return self._run(self._method("outer"), args, kwargs, f"cupy.{self.__name__}.outer")

    def at(self, a, indices, b=None):
        fn = self._method("at")
        if type(a) is not ndarray:
            raise TypeError(f"cupy.{self.__name__}.at: expected a cupy.ndarray, got {type(a)}")
        key = _index(indices, a._a.shape)
        ok = getattr(_api, "UFUNC_AT_DTYPES", {}).get(self.__name__)
        if ok is not None and any(isinstance(k, _npnd) and k.dtype.kind in "iu" for k in key) \
                and a.dtype.name not in ok:
            raise TypeError(f"cupy.{self.__name__}.at with integer-array indices does not support "
                            f"{a.dtype.name} (only {', '.join(sorted(ok))})")
        if b is not None and isinstance(b, (list, _npnd)):
            raise TypeError(f"Unsupported type {type(b)} in cupy.{self.__name__}.at")
        if b is None:
            fn(a._a, key)
            return
        b = _in(b, f"cupy.{self.__name__}.at")
        if self.__name__ in ("maximum", "minimum") and a.dtype.kind == "f":
            # CuPy's float atomicMax/Min use fmaxf/fminf: values pass through float32 and NaN is ignored
            fn = np.fmax.at if self.__name__ == "maximum" else np.fmin.at
            b = np.asarray(b).astype(np.float32).astype(a.dtype)
        fn(a._a, key, b)


# ---- indexing ------------------------------------------------------------------------------------
def _index(key, shape):
    """A numpy key for a CuPy key: device arrays unwrap, numpy arrays and lists become index arrays,
    integer arrays wrap around as CuPy's do."""
    if type(key) is not tuple:
        key = (key,)
    items = []
    for k in key:
        t = type(k)
        if t is ndarray:
            k = k._a
        elif t is list or (t is tuple):
            k = np.asarray(k)
            if k.size == 0:
                k = k.astype(np.int64)
        items.append(k)
    n_used = sum(1 if not isinstance(k, _npnd) else (k.ndim if k.dtype == np.bool_ else 1)
                 for k in items if k is not None and k is not Ellipsis)
    axis, out = 0, []
    for k in items:
        if k is None:
            out.append(k)
            continue
        if k is Ellipsis:
            axis += len(shape) - n_used
            out.append(k)
            continue
        if isinstance(k, _npnd):
            if k.dtype == np.bool_:
                axis += k.ndim
            else:
                if k.dtype.kind not in "iu":
                    raise IndexError("arrays used as indices must be of integer or boolean type. "
                                     f"(actual: {k.dtype.type})")
                if axis < len(shape) and shape[axis] > 0:
                    k = k % shape[axis]
                axis += 1
            out.append(k)
            continue
        out.append(k)
        axis += 1
    return tuple(out)


def _is_basic(key):
    return all(k is None or k is Ellipsis or isinstance(k, (slice, int, np.integer)) and not isinstance(k, bool)
               for k in key)


# ---- device and memory ---------------------------------------------------------------------------
class _MemoryPointer:
    def __init__(self, a):
        self.ptr = a.__array_interface__["data"][0]


class _Flags:
    def __init__(self, a):
        f = a.flags
        self.c_contiguous, self.f_contiguous, self.owndata = f.c_contiguous, f.f_contiguous, f.owndata

    def __getitem__(self, name):
        return {"C_CONTIGUOUS": self.c_contiguous, "F_CONTIGUOUS": self.f_contiguous,
                "OWNDATA": self.owndata}[name]


class Device:
    def __init__(self, device=None):
        self.id = _current[0] if device is None else int(device)
        if not 0 <= self.id < _NUM_DEVICES:
            raise RuntimeError(f"cudaErrorInvalidDevice: invalid device ordinal {self.id}")
        self._prev = []

    def __enter__(self):
        self._prev.append(_current[0])
        _current[0] = self.id
        return self

    def __exit__(self, *exc):
        _current[0] = self._prev.pop()

    def use(self):
        _current[0] = self.id

    def synchronize(self):
        pass

    @property
    def compute_capability(self):
        return "90"

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    def __repr__(self):
        return f"<CUDA Device {self.id}>"


# ---- the array -----------------------------------------------------------------------------------
class ndarray:
    """``cupy.ndarray`` over a numpy array."""
    __slots__ = ("_a", "_dev")
    __array_priority__ = 100
    __hash__ = None

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order="C"):
        if memptr is not None or strides is not None:
            raise NotImplementedError("fake cupy: ndarray(memptr=, strides=) is not emulated")
        self._a = np.empty(shape, dtype, order=order)
        self._dev = _current[0]

    # -- conversion: explicit only --
    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to "
                        "construct a NumPy array explicitly.")

    def get(self, stream=None, order="C", out=None, blocking=True):
        if out is not None:
            out[...] = self._a
            return out
        return np.array(self._a, order=order)

    def set(self, arr, stream=None):
        if type(arr) is not _npnd:
            raise TypeError(f"Only numpy.ndarray can be set to cupy.ndarray, got {type(arr)}")
        if arr.shape != self._a.shape:
            raise ValueError(f"Shape mismatch. Old shape: {self._a.shape}, new shape: {arr.shape}")
        self._a[...] = arr

    def __array_ufunc__(self, uf, method, *inputs, **kwargs):
        mine = getattr(_module, uf.__name__, None)
        if not isinstance(mine, ufunc):
            return NotImplemented
        fn = mine if method == "__call__" else getattr(mine, method)
        return fn(*inputs, **kwargs)

    def __array_function__(self, func, types_, args, kwargs):
        mod = _module
        for part in func.__module__.split(".")[1:]:
            mod = getattr(mod, part, None)
            if mod is None:
                return NotImplemented
        fn = getattr(mod, func.__name__, None)
        if fn is None:
            return NotImplemented
        return fn(*args, **kwargs)

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        raise BufferError("fake cupy: device arrays cannot be exported through DLPack (no GPU memory)")

    def __dlpack_device__(self):
        return (2, self._dev)

    @property
    def __cuda_array_interface__(self):
        ai = self._a.__array_interface__
        return {"version": 3, "shape": ai["shape"], "typestr": ai["typestr"], "descr": ai["descr"],
                "data": ai["data"], "strides": ai.get("strides"), "stream": 1}

    # -- attributes --
    shape = property(lambda self: self._a.shape)

    @shape.setter
    def shape(self, value):
        self._a.shape = value

    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    strides = property(lambda self: self._a.strides)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    T = property(lambda self: _wrap(self._a.T, self._dev))
    mT = property(lambda self: _wrap(self._a.mT, self._dev))
    real = property(lambda self: _wrap(self._a.real, self._dev))
    imag = property(lambda self: _wrap(self._a.imag, self._dev))
    flags = property(lambda self: _Flags(self._a))
    data = property(lambda self: _MemoryPointer(self._a))
    device = property(lambda self: Device(self._dev))

    @property
    def base(self):
        b = self._a.base
        return None if b is None or type(b) is not _npnd else _wrap(b, self._dev)

    def __getattr__(self, name):
        if name.startswith("__") or not _allowed(_api.NDARRAY_ATTRS, name):
            raise AttributeError(f"'cupy.ndarray' object has no attribute '{name}'")
        attr = getattr(self._a, name)
        if not callable(attr):
            return _out(attr)
        where = f"cupy.ndarray.{name}"
        sig = _signature(f"ndarray.{name}")

        def method(*args, **kwargs):
            if sig is not None:
                try:
                    sig.bind(*args, **kwargs)
                except TypeError as e:
                    raise TypeError(f"{where}: {e}") from None
            if "out" in kwargs and type(kwargs["out"]) is ndarray:
                o = kwargs["out"]
                attr(*_in(args, where), **dict(_in_kw(kwargs, where), out=o._a))
                return o
            return _out(attr(*_in(args, where), **_in_kw(kwargs, where)))
        return method

    def fill(self, value):
        if isinstance(value, ndarray):
            if value.shape != ():
                raise ValueError("non-scalar cupy.ndarray cannot be used for fill")
            self._a[...] = value._a
            return
        if isinstance(value, _npnd):
            if value.shape != ():
                raise ValueError("non-scalar numpy.ndarray cannot be used for fill")
            value = value.item()
        self._a.fill(value)

    def sort(self, axis=-1, kind=None):
        _check_kind(kind, "cupy.ndarray.sort")
        if not self._a.flags.c_contiguous:
            raise NotImplementedError("Sorting non-contiguous array is not supported.")
        self._a.sort(axis=axis, kind="stable")

    def argsort(self, axis=-1, kind=None):
        _check_kind(kind, "cupy.ndarray.argsort")
        return _wrap(self._a.argsort(axis=axis, kind="stable"), self._dev)

    def clip(self, min=None, max=None, out=None):
        return _module.clip(self, min, max, out=out)

    def __len__(self):
        if self._a.ndim == 0:
            raise TypeError("len() of unsized object")
        return len(self._a)

    def item(self, *args):
        return self._a.item(*args)

    def tolist(self):
        return self._a.tolist()

    def copy(self, order="C"):
        return _wrap(self._a.copy(order=order), self._dev)

    def astype(self, dtype, order="K", casting=None, subok=None, copy=True):
        if casting is not None or subok is not None:
            raise TypeError("casting is not supported yet")
        r = self._a.astype(dtype, order=order, copy=copy)
        return self if r is self._a else _wrap(r, self._dev)

    def view(self, *args, **kwargs):
        if args and isinstance(args[0], type) and issubclass(args[0], _npnd):
            raise TypeError("fake cupy: view(ndarray subclass) is not supported by CuPy")
        return _wrap(self._a.view(*args, **kwargs), self._dev)

    # -- indexing --
    def __getitem__(self, key):
        k = _index(key, self._a.shape)
        if _is_basic(k) and Ellipsis not in k:
            k = k + (Ellipsis,)   # a 0-d view, never a numpy scalar
        return _wrap(self._a[k], self._dev)

    def __setitem__(self, key, value):
        k = _index(key, self._a.shape)
        if type(value) is ndarray:
            value = value._a
        elif _is_basic(k) and (isinstance(value, (list, tuple)) or
                               (type(value) is _npnd and value.shape != ())):
            raise ValueError("non-scalar numpy.ndarray cannot be used for fill")
        self._a[k] = value

    def __iter__(self):
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(len(self._a)))

    # -- python scalars --
    def __bool__(self):
        return bool(self._a)

    def __int__(self):
        return int(self._a)

    def __float__(self):
        return float(self._a)

    def __complex__(self):
        return complex(self._a)

    def __repr__(self):
        return repr(self._a)

    def __str__(self):
        return str(self._a)

    def __format__(self, spec):
        return format(self._a, spec)

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def __reduce__(self):
        return (array, (self._a,))

    # -- operators --
    def __neg__(self):
        return _module.negative(self)

    def __pos__(self):
        return _module.positive(self)

    def __abs__(self):
        return _module.absolute(self)

    def __invert__(self):
        return _module.invert(self)

    def __eq__(self, other):
        return _compare(_module.equal, self, other)

    def __ne__(self, other):
        return _compare(_module.not_equal, self, other)

    def __lt__(self, other):
        return _module.less(self, other)

    def __le__(self, other):
        return _module.less_equal(self, other)

    def __gt__(self, other):
        return _module.greater(self, other)

    def __ge__(self, other):
        return _module.greater_equal(self, other)


def _compare(uf, a, b):
    if b is None or isinstance(b, (str, bytes)):
        return NotImplemented
    return uf(a, b)


def _binary(name, uf_name):
    def op(self, other):
        return getattr(_module, uf_name)(self, other)

    def rop(self, other):
        return getattr(_module, uf_name)(other, self)

    def iop(self, other):
        getattr(_module, uf_name)(self, other, out=self)
        return self
    op.__name__, rop.__name__, iop.__name__ = f"__{name}__", f"__r{name}__", f"__i{name}__"
    setattr(ndarray, op.__name__, op)
    setattr(ndarray, rop.__name__, rop)
    setattr(ndarray, iop.__name__, iop)


for _n, _u in [("add", "add"), ("sub", "subtract"), ("mul", "multiply"), ("truediv", "true_divide"),
               ("floordiv", "floor_divide"), ("mod", "remainder"), ("pow", "power"), ("matmul", "matmul"),
               ("and", "bitwise_and"), ("or", "bitwise_or"), ("xor", "bitwise_xor"),
               ("lshift", "left_shift"), ("rshift", "right_shift")]:
    _binary(_n, _u)


ndarray.__divmod__ = lambda self, other: _module.divmod(self, other)


# ---- module functions ----------------------------------------------------------------------------
_PASS = frozenset(["dtype", "iinfo", "finfo", "result_type", "can_cast", "promote_types", "issubdtype",
                   "min_scalar_type", "common_type", "isscalar", "broadcast_shapes", "obj2sctype", "errstate",
                   "get_printoptions", "set_printoptions", "printoptions"])
_PLAIN_RESULT = frozenset(["ndim", "shape", "size", "may_share_memory", "shares_memory"])
_HOST_OK = frozenset(["array", "asarray", "asanyarray"])


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, *, blocking=False):
    if type(obj) is ndarray:
        a = np.array(obj._a, dtype=dtype, copy=copy, order=order, ndmin=ndmin)
        return obj if a is obj._a else _wrap(a)
    if isinstance(obj, (list, tuple)):
        obj = _host_nested(obj)
    return _wrap(np.array(obj, dtype=dtype, copy=True, order=order, ndmin=ndmin))


def asarray(a, dtype=None, order=None, *, blocking=False):
    return array(a, dtype=dtype, copy=None, order=order or "K")


asanyarray = asarray


def _leaves(obj):
    for v in obj:
        if isinstance(v, (list, tuple)):
            yield from _leaves(v)
        else:
            yield v


def _host_nested(obj):
    kinds = {type(v) is ndarray for v in _leaves(obj)}
    if len(kinds) == 2:
        raise TypeError("cupy.array: a sequence mixing cupy arrays with other values is not supported "
                        "(implicit conversion to a NumPy array is not allowed)")
    return type(obj)(_host_nested(v) if isinstance(v, (list, tuple)) else
                     (v._a if type(v) is ndarray else v) for v in obj)


def asnumpy(a, stream=None, order="C", out=None, blocking=True):
    if type(a) is ndarray:
        return a.get(order=order, out=out)
    return np.asarray(a, order=order)


def get_array_module(*args):
    return _module if any(type(a) is ndarray for a in args) else np


def from_dlpack(x, *, device=None, copy=None):
    if type(x) is ndarray:
        return x
    dev = x.__dlpack_device__()
    raise BufferError(f"fake cupy: from_dlpack of device {tuple(dev)} is not emulated")


def fromDlpack(x):
    return from_dlpack(x)


# CuPy 14 signatures of reductions and methods zoo calls that the inventory does not list (cupy/_math,
# cupy/_statistics, cupy/_logic, core.pyx): no NumPy-only keywords such as where=, initial= or mode=
_MORE_SIGNATURES = {
    "amax": "(a, axis=None, out=None, keepdims=False)", "amin": "(a, axis=None, out=None, keepdims=False)",
    "max": "(a, axis=None, out=None, keepdims=False)", "min": "(a, axis=None, out=None, keepdims=False)",
    "mean": "(a, axis=None, dtype=None, out=None, keepdims=False)",
    "var": "(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False)",
    "std": "(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False)",
    "argmax": "(a, axis=None, dtype=None, out=None, keepdims=False)",
    "argmin": "(a, axis=None, dtype=None, out=None, keepdims=False)",
    "all": "(a, axis=None, out=None, keepdims=False)", "any": "(a, axis=None, out=None, keepdims=False)",
    "cumprod": "(a, axis=None, dtype=None, out=None)",
    "ndarray.sum": "(axis=None, dtype=None, out=None, keepdims=False)",
    "ndarray.prod": "(axis=None, dtype=None, out=None, keepdims=False)",
    "ndarray.mean": "(axis=None, dtype=None, out=None, keepdims=False)",
    "ndarray.var": "(axis=None, dtype=None, out=None, ddof=0, keepdims=False)",
    "ndarray.std": "(axis=None, dtype=None, out=None, ddof=0, keepdims=False)",
    "ndarray.max": "(axis=None, out=None, keepdims=False)", "ndarray.min": "(axis=None, out=None, keepdims=False)",
    "ndarray.argmax": "(axis=None, out=None, dtype=None, keepdims=False)",
    "ndarray.argmin": "(axis=None, out=None, dtype=None, keepdims=False)",
    "ndarray.all": "(axis=None, out=None, keepdims=False)", "ndarray.any": "(axis=None, out=None, keepdims=False)",
    "ndarray.cumsum": "(axis=None, dtype=None, out=None)", "ndarray.cumprod": "(axis=None, dtype=None, out=None)",
    "ndarray.take": "(indices, axis=None, out=None)", "ndarray.repeat": "(repeats, axis=None)",
    "ndarray.squeeze": "(axis=None)", "ndarray.ravel": "(order='C')", "ndarray.flatten": "(order='C')",
    "ndarray.swapaxes": "(axis1, axis2)", "ndarray.transpose": "(*axes)", "ndarray.dot": "(b, out=None)",
    "ndarray.diagonal": "(offset=0, axis1=0, axis2=1)", "ndarray.round": "(decimals=0, out=None)",
    "ndarray.nonzero": "()", "ndarray.tobytes": "(order='C')",
}


def _signature(name):
    """CuPy's signature of ``name`` from the inventory (None when not recorded)."""
    text = _api.SIGNATURES.get(name) if hasattr(_api, "SIGNATURES") else None
    text = text or _MORE_SIGNATURES.get(name)
    if text is None:
        return None
    text = text.split("#")[0].strip()
    scope = {"float64": np.float64, "int64": np.int64, "float": float}
    return inspect.signature(eval(f"lambda {text[1:-1]}: None", scope))   # noqa: S307 - our own data


def _check_kind(kind, where):
    if kind not in (None, "stable"):
        raise ValueError(f"{where}: kind can only be None or 'stable', got {kind!r}")


def _device_first(where):
    def check(args, kwargs):
        if not args or type(args[0]) is not ndarray:
            raise TypeError(f"{where}: argument must be a cupy.ndarray, got {type(args[0]) if args else None}")
    return check


def _check_searchsorted(args, kwargs):
    a, v = args[0], args[1] if len(args) > 1 else kwargs.get("v")
    if type(a) is not ndarray or a.ndim != 1:
        raise NotImplementedError("cupy.searchsorted: `a` must be a 1-D cupy.ndarray")
    if not (type(v) is ndarray or type(v) in (int, float, complex, np.float64)):
        raise NotImplementedError(f"cupy.searchsorted: unsupported type of v: {type(v)}")


def _check_sort(args, kwargs):
    _check_kind(kwargs.get("kind", args[2] if len(args) > 2 else None), "cupy.sort")


def _check_unique(args, kwargs):
    axis = kwargs.get("axis", args[4] if len(args) > 4 else None)
    if axis is not None and type(args[0]) is ndarray and args[0].dtype == np.bool_:
        raise TypeError("cupy.unique(axis=) sorts rows by subtraction: boolean subtract is not supported")


def _check_where(args, kwargs):
    cond = args[0] if args else kwargs.get("condition")
    if len(args) + len(kwargs) > 1 and not hasattr(cond, "astype"):
        # CuPy calls condition.astype('?') first: a Python bool fails there
        raise AttributeError(f"cupy.where: '{type(cond).__name__}' object has no attribute 'astype'")


_CHECKS = {
    "where": _check_where,
    "unique": _check_unique,
    "sort": _check_sort, "argsort": _check_sort, "searchsorted": _check_searchsorted,
    "unravel_index": _device_first("cupy.unravel_index"),
}
for _name in ("flatnonzero", "nonzero", "argwhere", "may_share_memory", "shares_memory", "ascontiguousarray",
              "take_along_axis", "put_along_axis"):
    _CHECKS[_name] = _device_first(f"cupy.{_name}")


def _function(name, np_fn):
    where = f"cupy.{name}"
    if name in ("sort", "argsort"):   # CuPy's sorts are stable whatever ``kind`` says (numpy's default is not)
        np_fn = (lambda f: lambda a, axis=-1, kind=None: f(a, axis=axis, kind="stable"))(np_fn)
    if name in _PASS:
        return np_fn
    sig = _signature(name)
    check = _CHECKS.get(name)

    def validate(args, kwargs):
        if sig is not None:
            try:
                sig.bind(*args, **kwargs)
            except TypeError as e:
                raise TypeError(f"{where}: {e}") from None
        if check is not None:
            check(args, kwargs)

    if name in _PLAIN_RESULT:
        def plain(*args, **kwargs):
            validate(args, kwargs)
            return np_fn(*_in(args, where), **_in_kw(kwargs, where))
        plain.__name__ = name
        return plain

    def fn(*args, **kwargs):
        validate(args, kwargs)
        with np.errstate(all="ignore"):
            return _out(np_fn(*_in(args, where), **_in_kw(kwargs, where)))
    fn.__name__ = name
    fn.__qualname__ = name
    fn.__doc__ = f"cupy.{name} (numpy.{name} on the host, for tests)"
    return fn


def _build_namespace(mod, np_mod, names, prefix):
    for name in names:
        if hasattr(mod, name):
            continue
        obj = getattr(np_mod, name, None)
        if obj is None:
            continue
        if isinstance(obj, np.ufunc):
            setattr(mod, name, ufunc(obj))
        elif isinstance(obj, type) or not callable(obj) or isinstance(obj, types.ModuleType):
            setattr(mod, name, obj)
        else:
            setattr(mod, name, _function(prefix + name, obj))


# ---- memory pools and runtime --------------------------------------------------------------------
class _MemoryPool:
    def used_bytes(self):
        return 0

    def total_bytes(self):
        return 0

    def free_bytes(self):
        return 0

    def free_all_blocks(self, stream=None):
        pass

    def n_free_blocks(self):
        return 0

    def malloc(self, size):   # what an allocator installed with cupy.cuda.set_allocator calls
        return _MemoryPointer(np.empty(0))

    def set_limit(self, size=None, fraction=None):
        self.limit = (size, fraction)


_pool, _pinned_pool = _MemoryPool(), _MemoryPool()
_allocator = [None]   # what cupy.cuda.set_allocator installed (the stand-in allocates host memory itself)


def get_default_memory_pool():
    return _pool


def get_default_pinned_memory_pool():
    return _pinned_pool


def _make_cuda():
    cuda = types.ModuleType("cupy.cuda")
    runtime = types.ModuleType("cupy.cuda.runtime")

    def getDeviceCount():
        return _NUM_DEVICES

    def getDevice():
        return _current[0]

    def setDevice(i):
        Device(i).use()

    def getDeviceProperties(i):
        Device(i)
        return {"name": b"Fake CUDA device (numpy, tests only)", "major": 9, "minor": 0,
                "totalGlobalMem": 80 * 2 ** 30, "multiProcessorCount": 132}

    for f in (getDeviceCount, getDevice, setDevice, getDeviceProperties):
        setattr(runtime, f.__name__, f)
    runtime.is_hip = False
    runtime.runtimeGetVersion = lambda: 13000
    runtime.driverGetVersion = lambda: 13000

    import itertools
    import time
    _ptrs = itertools.count(0x1000, 0x10)
    _current_stream = [None]

    class Stream:   # host execution is synchronous: streams only keep CuPy's bookkeeping
        null = None

        def __init__(self, null=False, non_blocking=False, ptds=False):
            self.ptr = 0 if null else next(_ptrs)
            self.device_id = _current[0]
            self._prev = []

        def synchronize(self):
            pass

        @property
        def done(self):
            return True

        def use(self):
            _current_stream[0] = self
            return self

        def wait_event(self, event):
            if not isinstance(event, Event):
                raise TypeError(f"Stream.wait_event: expected a cupy.cuda.Event, got {type(event).__name__}")

        def record(self, event=None):
            event = Event() if event is None else event
            event.record(self)
            return event

        def __enter__(self):
            self._prev.append(_current_stream[0])
            return self.use()

        def __exit__(self, *exc):
            _current_stream[0] = self._prev.pop()

    class Event:
        def __init__(self, block=False, disable_timing=False, interprocess=False):
            if interprocess and not disable_timing:
                raise ValueError("Timing must be disabled for interprocess events")
            self.disable_timing = disable_timing
            self._t = None
            self.ptr = next(_ptrs)

        def record(self, stream=None):
            if stream is not None and not isinstance(stream, Stream):
                raise TypeError(f"Event.record: expected a cupy.cuda.Stream, got {type(stream).__name__}")
            self._t = time.perf_counter()

        def synchronize(self):
            pass

        @property
        def done(self):
            return True

    def get_elapsed_time(start_event, end_event):
        for e in (start_event, end_event):
            if e.disable_timing or e._t is None:
                raise RuntimeError("cudaErrorInvalidResourceHandle: the event was not recorded with timing")
        return (end_event._t - start_event._t) * 1000.0

    def _set_allocator(allocator=None):
        _allocator[0] = allocator

    runtime.memGetInfo = lambda: (70 * 2 ** 30, 80 * 2 ** 30)
    cuda.runtime = runtime
    cuda.Device = Device
    cuda.Stream = Stream
    cuda.Event = Event
    cuda.get_elapsed_time = get_elapsed_time
    cuda.get_current_stream = lambda device=None: _current_stream[0]
    cuda.set_allocator = _set_allocator
    memory = types.ModuleType("cupy.cuda.memory")

    class OutOfMemoryError(MemoryError):   # CuPy's, raised when the pool cannot allocate
        pass
    memory.OutOfMemoryError = OutOfMemoryError
    cuda.memory = memory
    Stream.null = Stream(null=True)
    _current_stream[0] = Stream.null
    cuda.is_available = lambda: True
    cuda.MemoryPointer = _MemoryPointer
    device = types.ModuleType("cupy.cuda.device")
    device.Device = Device
    device.get_device_id = lambda: _current[0]
    cuda.device = device
    return cuda


# ---- random --------------------------------------------------------------------------------------
class _BitGenerator:
    """A cuRAND-like bit generator whose whole state lives in a device array (``_state``); each draw
    loads numpy's PCG64 from it and stores the advanced state back."""
    _STATE_BYTES = 40

    def __init__(self, seed=None, *, size=-1):
        # as cuRAND's: the seed goes through a SeedSequence down to 32 bits; 48 bytes of state per thread
        seed32 = np.random.SeedSequence(seed).generate_state(1, np.uint32)[0]
        pcg = np.random.PCG64(int(seed32))
        n = 48 * (1 << 10 if size is None or size < 0 else size)
        self._state = _wrap(np.zeros(n, dtype=np.int8))   # CuPy keeps cuRAND states in an int8 array
        self._store(pcg)

    def _store(self, pcg):
        st = pcg.state
        raw = (st["state"]["state"].to_bytes(16, "little") + st["state"]["inc"].to_bytes(16, "little")
               + int(st["has_uint32"]).to_bytes(4, "little") + int(st["uinteger"]).to_bytes(4, "little"))
        self._state._a[:self._STATE_BYTES] = np.frombuffer(raw, dtype=np.int8)

    def _load(self):
        raw = self._state._a[:self._STATE_BYTES].tobytes()
        pcg = np.random.PCG64()
        pcg.state = {"bit_generator": "PCG64",
                     "state": {"state": int.from_bytes(raw[:16], "little"),
                               "inc": int.from_bytes(raw[16:32], "little")},
                     "has_uint32": int.from_bytes(raw[32:36], "little"),
                     "uinteger": int.from_bytes(raw[36:40], "little")}
        return pcg


class XORWOW(_BitGenerator):
    pass


class MRG32k3a(_BitGenerator):
    pass


class Philox4x3210(_BitGenerator):
    pass


class Generator:
    """``cupy.random.Generator``: the methods in ``_cupy_api.RANDOM_GENERATOR_METHODS``."""

    def __init__(self, bit_generator):
        if not isinstance(bit_generator, _BitGenerator):
            raise TypeError("cupy.random.Generator needs a cupy bit generator")
        self.bit_generator = bit_generator

    def __getattr__(self, name):
        if name.startswith("_") or not _allowed(_api.RANDOM_GENERATOR_METHODS, name):
            raise AttributeError(f"'cupy.random.Generator' object has no attribute '{name}'")
        where = f"cupy.random.Generator.{name}"
        sig = _signature(f"random.Generator.{name}")

        def method(*args, **kwargs):
            if sig is not None:
                try:
                    sig.bind(*args, **kwargs)
                except TypeError as e:
                    raise TypeError(f"{where}: {e}") from None
            if name == "standard_normal" and np.dtype(kwargs.get("dtype", np.float64)).name not in (
                    "float32", "float64"):
                raise TypeError(f"{where}: dtype must be float32 or float64")
            if name == "integers" and any(type(v) is ndarray for v in args[:2]):
                raise TypeError(f"{where}: low and high must be scalars")
            out = kwargs.pop("out", None)
            pcg = self.bit_generator._load()
            r = getattr(np.random.Generator(pcg), name)(*_in(args, where), **_in_kw(kwargs, where))
            self.bit_generator._store(pcg)
            if out is not None:
                out._a[...] = r
                return out
            return _wrap(np.asarray(r))
        return method


def _make_random():
    rnd = types.ModuleType("cupy.random")
    rnd.Generator, rnd.XORWOW, rnd.MRG32k3a, rnd.Philox4x3210 = Generator, XORWOW, MRG32k3a, Philox4x3210
    rnd.BitGenerator = _BitGenerator

    def default_rng(seed=None):
        return Generator(XORWOW(seed))
    rnd.default_rng = default_rng
    return rnd


# ---- cupyx -------------------------------------------------------------------------------------
_SCATTER_DTYPES = {"add": ("int32", "float16", "float32", "float64", "uint32", "uint64"),
                   "max": ("int32", "float32", "float64", "uint32", "uint64"),
                   "min": ("int32", "float32", "float64", "uint32", "uint64")}


def _scatter(op, uf):
    def scatter(a, slices, value):
        warnings.warn(f"Please use `cupy.{uf.__name__}.at` instead", DeprecationWarning, stacklevel=2)
        if type(a) is not ndarray:
            raise TypeError(f"cupyx.scatter_{op}: expected a cupy.ndarray, got {type(a)}")
        if a.dtype.name not in _SCATTER_DTYPES[op]:
            raise TypeError(f"scatter_{op} only supports {', '.join(_SCATTER_DTYPES[op])} as data type")
        v = value._a if type(value) is ndarray else value
        if type(v) is _npnd:
            v = v   # CuPy copies a host value to the device first
        uf.at(a._a, _index(slices, a._a.shape), np.asarray(v).astype(a.dtype, copy=False))
    scatter.__name__ = f"scatter_{op}"
    return scatter


def _make_cupyx():
    cx = types.ModuleType("cupyx")
    cx.scatter_add = _scatter("add", np.add)
    cx.scatter_max = _scatter("max", np.maximum)
    cx.scatter_min = _scatter("min", np.minimum)

    class PinnedMemoryPointer(bytearray):   # CuPy's pinned host buffer (named as CuPy names it)
        pass

    def empty_pinned(shape, dtype=float, order="C"):   # a numpy array over pinned host memory, as CuPy's
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        dt = np.dtype(dtype)
        buf = PinnedMemoryPointer(max(int(np.prod(shape, dtype=np.int64)) * dt.itemsize, 1))
        return np.ndarray(shape, dtype=dt, buffer=buf, order=order)

    def zeros_pinned(shape, dtype=float, order="C"):
        out = empty_pinned(shape, dtype, order)
        out[...] = 0
        return out
    cx.empty_pinned, cx.zeros_pinned = empty_pinned, zeros_pinned
    cx.__fake__ = True
    scipy = types.ModuleType("cupyx.scipy")
    special = types.ModuleType("cupyx.scipy.special")

    def _special(name, fn):
        def ufunc_like(x):   # CuPy's special functions are float32/float64 ufuncs
            if type(x) is not ndarray:
                raise TypeError(f"cupyx.scipy.special.{name}: expected a cupy.ndarray, got {type(x)}")
            if x.dtype.name not in ("float32", "float64"):
                raise TypeError(f"cupyx.scipy.special.{name}: no loop for dtype {x.dtype}")
            return _wrap(fn(x._a).astype(x.dtype), x._dev)
        ufunc_like.__name__ = name
        return ufunc_like
    _erf = np.vectorize(math.erf, otypes=[np.float64])
    _erfc = np.vectorize(math.erfc, otypes=[np.float64])
    special.erf = _special("erf", _erf)
    special.erfc = _special("erfc", _erfc)
    scipy.special = special
    cx.scipy = scipy
    return cx, scipy, special


# ---- the module ----------------------------------------------------------------------------------
_module = types.ModuleType("cupy", "A strict CPU stand-in for CuPy (tests/_fakecupy.py)")


def _populate():
    for f in (array, asarray, asnumpy, get_array_module, from_dlpack, fromDlpack, get_default_memory_pool,
              get_default_pinned_memory_pool):
        setattr(_module, f.__name__, f)
    _module.asanyarray = asarray
    _module.__fake__ = True
    _build_namespace(_module, np, _api.TOP_LEVEL, "")
    _module.divmod = ufunc(np.divmod)
    _module.cuda = _make_cuda()
    _module.random = _make_random()
    _build_namespace(_module.random, np.random, (), "random.")
    linalg = types.ModuleType("cupy.linalg")
    _build_namespace(linalg, np.linalg, _api.LINALG, "linalg.")
    _module.linalg = linalg
    lib = types.ModuleType("cupy.lib")
    st = types.ModuleType("cupy.lib.stride_tricks")

    def as_strided(x, shape=None, strides=None):
        if type(x) is not ndarray:
            _refuse_host(x, "cupy.lib.stride_tricks.as_strided")
        return _wrap(np.lib.stride_tricks.as_strided(x._a, shape, strides), x._dev)
    st.as_strided = as_strided
    if "sliding_window_view" in _api.STRIDE_TRICKS:
        st.sliding_window_view = _function("lib.stride_tricks.sliding_window_view",
                                           np.lib.stride_tricks.sliding_window_view)
    lib.stride_tricks = st
    _module.lib = lib
    _module.ndarray = ndarray
    _module.ufunc = ufunc


_populate()


def install(num_devices=1):
    """Make ``import cupy`` / ``import cupyx`` give this stand-in (before zoo_core imports CuPy)."""
    global _NUM_DEVICES
    _NUM_DEVICES = num_devices
    cx, scipy, special = _make_cupyx()
    sys.modules["cupy"] = _module
    sys.modules["cupy.cuda"] = _module.cuda
    sys.modules["cupy.cuda.runtime"] = _module.cuda.runtime
    sys.modules["cupy.random"] = _module.random
    sys.modules["cupy.linalg"] = _module.linalg
    sys.modules["cupyx"] = cx
    sys.modules["cupyx.scipy"] = scipy
    sys.modules["cupyx.scipy.special"] = special
