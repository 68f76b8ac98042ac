"""Small ops PyTorch code uses everywhere that belong to no other family: whole-tensor comparisons
(``equal``, ``allclose``, ``isclose``), predicates (``numel``, ``is_tensor``, ``is_nonzero``...), the
functional ``clone``/``detach``, ``Tensor.new_*``, ``select``, ``sum_to_size``, the in-place shape methods
(``unsqueeze_``, ``squeeze_``, ``t_``, ``transpose_``) and counting (``bincount``, ``histc``).

This module also re-exports ``ternary.py`` (``lerp``, ``addcmul``, ``addcdiv`` and in-place forms),
``special.py`` (``erfinv``, ``lgamma``, ``digamma``, ``polygamma``,
``mvlgamma``), ``structure.py`` (``repeat_interleave``, ``diag``, ``meshgrid``, ``cross``...),
``distance.py`` (``cdist``, ``dist``), ``statistics.py`` (``quantile``, ``nanmedian``, ``mode``, ``cov``,
``histogram``...), ``combine.py`` (``kron``, ``block_diag``, ``cartesian_prod``, ``combinations``) and
``blas.py`` (``addr``, ``addbmm``, ``chain_matmul``, in-place ``addmm_``...).
"""
import operator
import warnings

import numpy as np

from .. import _backend, _dtype
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Size, Tensor, _wrap, _wrap_dim, check_same_device, make_view
from ._util import broadcast_error, grad_for
from .arith import _bump
from .reduction import _reshape, sum as _sum
from .shape import _embed, _ints, squeeze, t, transpose, unsqueeze

_index = operator.index
_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _need_tensor(op, name, pos, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _same_device(op, a, b):
    xa, xb = a._data, b._data
    if type(xa) is not type(xb) or (type(xa) is not np.ndarray and xa.device != xb.device):
        check_same_device(op, a, b)


# ---- whole-tensor comparisons --------------------------------------------------------------------
def equal(input, other):
    """True when both tensors have the same shape and the same values (nan is never equal).

    Example::

        >>> zoo_core.equal(zoo_core.tensor([1, 2]), zoo_core.tensor([1., 2.]))
        True
    """
    _need_tensor("equal", "input", 1, input)
    _need_tensor("equal", "other", 2, other)
    _same_device("equal", input, other)
    a, b = input._data, other._data
    if a.shape != b.shape:
        return False
    if a.dtype != b.dtype:
        dt = _dtype.result_type(input, other).np
        a, b = a.astype(dt), b.astype(dt)
    return bool(_backend.array_module(a).array_equal(a, b))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (broadcast), as a bool tensor. Equal
    infinities are close; nan is close to nan only with ``equal_nan``. Both tensors must share a dtype.

    Example::

        >>> zoo_core.isclose(zoo_core.tensor([1., 1.1]), zoo_core.tensor([1.000001, 1.]))
        tensor([ True, False])
    """
    _need_tensor("isclose", "input", 1, input)
    _need_tensor("isclose", "other", 2, other)
    a, b = input._data, other._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"isclose: {_TORCH_NAMES[a.dtype.name]} did not match {_TORCH_NAMES[b.dtype.name]} "
                           f"(input is {input.dtype}, other is {other.dtype}); convert one with .to()")
    _same_device("isclose", input, other)
    if rtol < 0:
        raise RuntimeError(f"isclose: rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"isclose: atol must be greater than or equal to zero, but got {atol}")
    xp = _backend.array_module(a)
    try:
        close = a == b
    except ValueError:
        raise broadcast_error("isclose", a, b) from None
    kind = a.dtype.kind
    if equal_nan and kind == "f":
        close = close | (xp.isnan(a) & xp.isnan(b))
    if rtol == 0 and atol == 0:
        return _wrap(close)
    if kind != "f":   # integers compare in float64: no unsigned wrap-around in a - b
        a, b = a.astype(np.float64), b.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):   # inf - inf: those pairs are decided by ==
        actual = xp.abs(a - b)
        allowed = atol + xp.abs(rtol * b)
        close = close | (xp.isfinite(actual) & (actual <= allowed))
    return _wrap(close)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every element pair is ``isclose`` (broadcast).

    Example::

        >>> zoo_core.allclose(zoo_core.tensor([1., 2.]), zoo_core.tensor([1., 2.000001]))
        True
    """
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


# ---- predicates and functional forms -------------------------------------------------------------
def numel(input):
    """The number of elements of ``input``."""
    _need_tensor("numel", "input", 1, input)
    return input._data.size


def is_tensor(obj):
    """True when ``obj`` is a ``Tensor``."""
    return isinstance(obj, Tensor)


def is_floating_point(input):
    """True for float16/float32/float64 tensors."""
    _need_tensor("is_floating_point", "input", 1, input)
    return input._data.dtype.kind == "f"


def is_complex(input):
    """Always False: zoo_core has no complex dtypes."""
    _need_tensor("is_complex", "input", 1, input)
    return False


def is_nonzero(input):
    """The truth value of a one-element tensor (errors for any other size, as ``bool(t)``).

    Example::

        >>> zoo_core.is_nonzero(zoo_core.tensor([0.5]))
        True
    """
    _need_tensor("is_nonzero", "input", 1, input)
    n = input._data.size
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous (shape "
                           f"{list(input._data.shape)})")
    return bool(input._data.reshape(()))


def is_same_size(input, other):
    """True when both tensors have the same shape."""
    return input._data.shape == other._data.shape


def clone(input, *, memory_format=None):
    """A copy with its own storage (gradients flow back to ``input``)."""
    _need_tensor("clone", "input", 1, input)
    return input.clone()


def detach(input):
    """A tensor sharing ``input``'s storage, cut from the graph."""
    _need_tensor("detach", "input", 1, input)
    return input.detach()


# ---- Tensor.new_* ----------------------------------------------------------------------------------
def _new_like(self, make, size, dtype, device, requires_grad):
    from . import creation
    return getattr(creation, make)(*size, dtype=self.dtype if dtype is None else dtype,
                                   device=self.device if device is None else device, requires_grad=requires_grad)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """Zeros of ``size`` (ints or a tuple) with this tensor's dtype and device unless given."""
    return _new_like(self, "zeros", size, dtype, device, requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """Ones of ``size`` with this tensor's dtype and device unless given."""
    return _new_like(self, "ones", size, dtype, device, requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """An uninitialised tensor of ``size`` with this tensor's dtype and device unless given."""
    return _new_like(self, "empty", size, dtype, device, requires_grad)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None,
             pin_memory=False):
    """``size`` filled with ``fill_value``, with this tensor's dtype and device unless given."""
    from .creation import full
    return full(size, fill_value, dtype=self.dtype if dtype is None else dtype,
                device=self.device if device is None else device, requires_grad=requires_grad)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """A copy of ``data`` with this tensor's dtype and device unless given (never sharing memory)."""
    from .creation import tensor
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
                      "or sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "tensor.new_tensor(sourceTensor).", UserWarning, stacklevel=2)
        data = data.detach()
    return tensor(data, dtype=self.dtype if dtype is None else dtype,
                  device=self.device if device is None else device, requires_grad=requires_grad)


def new(self, *args, device=None):
    """The legacy constructor: ``x.new(2, 3)`` (uninitialised, like ``new_empty``), ``x.new([1, 2])``
    (data, in this tensor's dtype), ``x.new()`` (empty)."""
    from .creation import empty, tensor
    dev = self.device if device is None else device
    if not args:
        return empty(0, dtype=self.dtype, device=dev)
    if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args) or \
            (len(args) == 1 and isinstance(args[0], Size)):
        return empty(*args, dtype=self.dtype, device=dev)
    if len(args) == 1:
        return tensor(args[0].detach() if isinstance(args[0], Tensor) else args[0], dtype=self.dtype, device=dev)
    raise TypeError(f"new(): expected sizes (ints) or one sequence of data, got {args!r}")


# ---- select / sum_to_size -------------------------------------------------------------------------
def select(input, dim, index):
    """The slice at ``index`` along ``dim``, with that dim removed: a view (``x.select(0, i)`` is ``x[i]``).

    Example::

        >>> zoo_core.tensor([[1, 2], [3, 4]]).select(1, 0)
        tensor([1, 3])
    """
    x = input._data
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, x.ndim, "select")
    i = _index(index)
    n = x.shape[d]
    if not -n <= i < n:
        raise IndexError(f"select(): index {i} out of range for tensor of size {list(x.shape)} at dimension {d}")
    if i < 0:
        i += n
    # slicing then squeezing keeps an array view even when the result is 0-d (x[i] would be a scalar)
    arr = x[(slice(None),) * d + (slice(i, i + 1),)].squeeze(d)
    out = make_view(input, arr, lambda v: select(v, d, i))
    if input._rg and grad_mode.enabled:
        shape = x.shape
        record(out, "SelectBackward0", lambda g: (_embed(unsqueeze(g, d), shape, d, i),), (input,))
    return out


def sum_to_size(input, *size):
    """``input`` summed over broadcast dims down to ``size``, which must be expandable to its shape.

    Example::

        >>> zoo_core.ones(2, 3).sum_to_size(1, 3)
        tensor([[2., 2., 2.]])
    """
    if not size:
        raise TypeError('sum_to_size() missing 1 required positional arguments: "size"')
    size = _ints(size, "sum_to_size")
    shape = input._data.shape
    lead = len(shape) - len(size)
    if lead < 0 or any(s != shape[lead + k] and s != 1 for k, s in enumerate(size)):
        raise RuntimeError(f"sum_to_size: size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    if size == shape:
        return input
    # reduction.sum gives PyTorch's result dtypes (ints and bools sum to int64, float16 in float32)
    axes = tuple(range(lead)) + tuple(lead + k for k, s in enumerate(size) if s == 1 and shape[lead + k] != 1)
    return _reshape(_sum(input, axes, keepdim=True), size) if axes else _reshape(input, size)


# ---- in-place shape methods ------------------------------------------------------------------------
def _shape_inplace(name, view_op):
    """``x.op_()``: ``x`` itself becomes the view ``op(x)``: same storage, new shape/strides, its history
    moved onto the view's node (as PyTorch, the version counter is bumped).

    Limitation: a view taken of ``x`` *before* the call, when ``x`` requires grad, re-derives its history
    from ``x``'s new shape at its next use and fails with a shape error (PyTorch keeps it working)."""
    def method(self, *args):
        b = self._base
        diff_view = b is not None and self._view_fn is not None
        if grad_mode.enabled:
            if self._rg and self.grad_fn is None and not diff_view:
                raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an in-place "
                                   "operation.")
            if diff_view and b._rg and b.grad_fn is None:
                raise RuntimeError(f"{name}: a view of a leaf Variable that requires grad is being used in an "
                                   "in-place operation.")
        v = view_op(self, *args)
        self._data = v._data
        if b is not None:
            self._view_fn = v._view_fn
        if v.grad_fn is not None:
            self.grad_fn, self._out_idx = v.grad_fn, v._out_idx
        _bump(self)
        if b is not None:
            self._view_ver = b._ver
        return self
    method.__name__ = name
    method.__doc__ = f"In-place ``{name[:-1]}``: changes this tensor's shape (a view of the same storage)."
    return method


unsqueeze_ = _shape_inplace("unsqueeze_", unsqueeze)
squeeze_ = _shape_inplace("squeeze_", squeeze)
t_ = _shape_inplace("t_", t)
transpose_ = _shape_inplace("transpose_", transpose)


# ---- differences -----------------------------------------------------------------------------------
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference along ``dim`` (``out[i] = x[i + 1] - x[i]``), after joining
    ``prepend`` and ``append`` to ``input``; bool inputs give ``x[i + 1] != x[i]``.

    Example::

        >>> zoo_core.diff(zoo_core.tensor([1, 4, 9, 16]))
        tensor([3, 5, 7])
    """
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"diff expects n to be non-negative, got {n}")
    d = _wrap_dim(dim, nd, "diff")
    if prepend is not None or append is not None:
        from .join import cat
        input = cat([t for t in (prepend, input, append) if t is not None], d)
    lead = (slice(None),) * d
    for _ in range(n):
        if input._data.shape[d] == 0:
            break
        hi, lo = input[lead + (slice(1, None),)], input[lead + (slice(None, -1),)]
        input = hi != lo if input._data.dtype == np.bool_ else hi - lo
    return input


# ---- counting --------------------------------------------------------------------------------------
def bincount(input, weights=None, minlength=0):
    """Counts of each value in a 1-D tensor of non-negative integers (``weights`` sums weights instead);
    the result has ``max(input) + 1`` entries, at least ``minlength``.

    Unlike PyTorch (which has no derivative here), the result is differentiable in ``weights``.

    Example::

        >>> zoo_core.bincount(zoo_core.tensor([1, 1, 3]))
        tensor([0, 2, 0, 1])
    """
    _need_tensor("bincount", "input", 1, input)
    x = input._data
    if x.dtype.kind not in "iu":
        raise NotImplementedError(f"bincount: only integral inputs are supported, got {input.dtype}")
    xp = _backend.array_module(x)
    if x.ndim != 1 or (x.size and bool((x < 0).any())):
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs (got shape {list(x.shape)}"
                           f"{', with negative values' if x.ndim == 1 else ''})")
    minlength = _index(minlength)
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0 (got {minlength})")
    if weights is None:
        return _wrap(xp.bincount(x, minlength=minlength).astype(np.int64, copy=False))
    _need_tensor("bincount", "weights", 2, weights)
    w = weights._data
    if w.ndim != 1 or w.shape[0] != x.shape[0]:
        raise RuntimeError(f"bincount: weights should be 1-d and have the same length as input (weights "
                           f"{list(w.shape)}, input {list(x.shape)})")
    _same_device("bincount", input, weights)
    out_dt = w.dtype if w.dtype in (np.float32, np.float64) else np.dtype(np.float64)   # float16 too (PyTorch)
    y = _wrap(xp.bincount(x, weights=w, minlength=minlength).astype(out_dt, copy=False))
    if weights._rg and grad_mode.enabled:
        record(y, "BincountBackward0", lambda g: (None, grad_for(g[input.long()], weights)), (input, weights))
    return y


def _linspace_like_torch(xp, lo, hi, n, dt):
    """``n`` points from ``lo`` to ``hi`` computed in ``dt`` with PyTorch's scalar linspace formula (the
    first half counted from ``lo``, the second from ``hi``). PyTorch's CPU kernel vectorises it, so its
    edges can differ in the last bit depending on the SIMD width: a value lying exactly on an interior
    edge may then fall in the neighbouring bin."""
    lo, hi = dt.type(lo), dt.type(hi)
    step = (hi - lo) / dt.type(n - 1)
    i = xp.arange(n, dtype=dt)
    return xp.where(i < n // 2, lo + step * i, hi - step * (n - 1 - i)).astype(dt)


def histc(input, bins=100, min=0, max=0):
    """A histogram of ``bins`` equal-width bins over ``[min, max]`` (the data's range when both are
    equal); values outside the range (and nan) are ignored, ``max`` itself lands in the last bin.

    Example::

        >>> zoo_core.histc(zoo_core.tensor([1., 2., 1.]), bins=4, min=0, max=3)
        tensor([0., 2., 1., 0.])
    """
    _need_tensor("histc", "input", 1, input)
    x = input._data
    if x.dtype.kind != "f":
        raise NotImplementedError(f"histc: not implemented for '{_TORCH_NAMES[x.dtype.name]}'; convert the input "
                                  "to a floating dtype")
    bins = _index(bins)
    if bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins}")
    xp = _backend.array_module(x)
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo}, {hi}] is not finite")
    if lo > hi:
        raise RuntimeError(f"torch.histc: max must be larger than min (min={min}, max={max})")
    dt = x.dtype
    edges = _linspace_like_torch(xp, lo, hi, bins + 1, dt)
    v = x.reshape(-1)
    left, right = edges[0], edges[-1]
    v = v[(v >= left) & (v <= right)]                     # also drops nan
    # PyTorch's search: a linear guess, corrected against the neighbouring edges; the top edge closes the
    # last bin
    guess = ((v - left) * bins / (right - left)).astype(np.int64)
    xp.clip(guess, 0, bins, out=guess)
    pos = xp.maximum(guess - 1, 0) - 1
    for k in (-1, 0, 1):
        j = guess + k
        ok = (j >= xp.maximum(guess - 1, 0)) & (j <= bins)
        pos = pos + (ok & (edges[xp.clip(j, 0, bins)] <= v))
    xp.clip(pos, 0, bins - 1, out=pos)
    return _wrap(xp.bincount(pos, minlength=bins).astype(dt))


__all__ = ["equal", "allclose", "isclose", "numel", "is_tensor", "is_floating_point", "is_complex",
           "is_nonzero", "is_same_size", "clone", "detach", "select", "sum_to_size", "diff", "bincount", "histc"]

Tensor.equal, Tensor.allclose, Tensor.isclose = equal, allclose, isclose
Tensor.is_nonzero, Tensor.is_complex, Tensor.is_same_size = is_nonzero, is_complex, is_same_size
Tensor.new_zeros, Tensor.new_ones, Tensor.new_empty, Tensor.new_full = new_zeros, new_ones, new_empty, new_full
Tensor.new_tensor, Tensor.new = new_tensor, new
Tensor.select, Tensor.sum_to_size = select, sum_to_size
Tensor.unsqueeze_, Tensor.squeeze_, Tensor.t_ = unsqueeze_, squeeze_, t_
Tensor.transpose_ = Tensor.swapaxes_ = Tensor.swapdims_ = transpose_
Tensor.bincount, Tensor.histc, Tensor.diff = bincount, histc, diff

# the rest of the collection; these modules attach their own Tensor methods
from .ternary import *  # noqa: E402,F401,F403  (lerp, addcmul, addcdiv)
from .ternary import __all__ as _ternary_all  # noqa: E402
from .special import *  # noqa: E402,F401,F403  (erfinv, lgamma, digamma, polygamma, mvlgamma)
from .special import __all__ as _special_all  # noqa: E402
from .structure import *  # noqa: E402,F401,F403  (repeat_interleave, diag, meshgrid, cross...)
from .structure import __all__ as _structure_all, linalg_cross  # noqa: E402,F401
from .distance import *  # noqa: E402,F401,F403  (cdist, dist)
from .distance import __all__ as _distance_all  # noqa: E402
from .statistics import *  # noqa: E402,F401,F403  (quantile, nanmedian, mode, cov, histogram...)
from .statistics import __all__ as _statistics_all  # noqa: E402
from .combine import *  # noqa: E402,F401,F403  (kron, block_diag, cartesian_prod, combinations)
from .combine import __all__ as _combine_all  # noqa: E402
from .blas import *  # noqa: E402,F401,F403  (addr, addbmm, chain_matmul, in-place addmm_...)
from .blas import __all__ as _blas_all  # noqa: E402

__all__ += _ternary_all + _special_all + _structure_all + _distance_all + _statistics_all + _combine_all + _blas_all
