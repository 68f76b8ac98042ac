"""Order statistics and data summaries: ``quantile``/``nanquantile``, ``nanmedian``, ``mode``, ``cov``,
``corrcoef``, ``histogram`` and ``histogramdd``.

``quantile`` and ``cov``/``corrcoef`` are compositions of differentiable Tensor ops (sort, gather,
arithmetic, matmul), so their gradients of any order come from those ops. ``nanmedian`` and ``mode``
select one element per lane and send the gradient back to its index. Histograms are not differentiable
(as in PyTorch). Names are re-exported by ``ops/misc.py``.
"""
import math
import numbers
import warnings

import numpy as np

from .. import _backend
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap, _wrap_dim
from .arith import _out, where
from .misc import _TORCH_NAMES, _linspace_like_torch, _need_tensor, _same_device
from .reduction import _INT, _keep_shape, _return_type, _select_backward

_nanmedian_t, _mode_t = _return_type("nanmedian"), _return_type("mode")
_histogram_t = _return_type("histogram", ("hist", "bin_edges"))
_histogramdd_t = _return_type("histogramdd", ("hist", "bin_edges"))
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


# ---- quantile, nanquantile -----------------------------------------------------------------------
def _q_array(q, input, xp, op):
    """``q`` as an array in ``input``'s dtype (0-d or 1-d), checked like PyTorch."""
    dt = input._data.dtype
    if isinstance(q, Tensor):
        qa = q._data
        if qa.ndim > 1:
            raise RuntimeError(f"{op}() q must be a scalar or 1D tensor (got shape {list(qa.shape)})")
        if qa.dtype != dt:
            raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor (q is {q.dtype}, input "
                               f"is {input.dtype})")
        _same_device(op, input, q)
        if qa.size and not bool(((qa >= 0) & (qa <= 1)).all()):
            raise RuntimeError(f"{op}() q values must be in the range [0, 1] (got {qa.tolist()})")
        return qa
    if not isinstance(q, numbers.Real):
        raise TypeError(f"{op}(): argument 'q' must be a float or a Tensor, not {type(q).__name__}")
    if not 0 <= q <= 1:
        raise RuntimeError(f"{op}() q must be in the range [0, 1] but got {q}")
    return xp.asarray(q, dtype=dt)


def _quantile(input, q, dim, keepdim, interpolation, out, ignore_nan, op):
    _need_tensor(op, "input", 1, input)
    x = input._data
    if x.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype (got {input.dtype})")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{op}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    xp = _backend.array_module(x)
    qa = _q_array(q, input, xp, op)
    if dim is None:
        work = input.reshape(-1)                                  # (n,)
        rest = (1,) * x.ndim if keepdim else ()
    else:
        d = _wrap_dim(dim, x.ndim, op)
        work = input.movedim(d, -1) if x.ndim else input.reshape(1)     # (*other, n)
        rest = x.shape[:d] + ((1,) if keepdim else ()) + x.shape[d + 1:] if x.ndim else ()
    if x.size == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty (got shape {list(x.shape)})")
    srt = work.sort(-1).values                                     # NaN sorts last
    sa = srt._data
    nan = xp.isnan(sa)
    n = sa.shape[-1]
    qv = qa.reshape(-1)                                            # (nq,)
    # ranks in the input dtype, as PyTorch computes them
    if ignore_nan:
        last = ((~nan).sum(axis=-1, keepdims=True) - 1).astype(x.dtype)
        ranks = qv * last
        ranks = xp.where(ranks < 0, 0, ranks).astype(x.dtype)     # all-NaN lane: rank 0 (a NaN)
    else:
        ranks = xp.broadcast_to(qv * x.dtype.type(n - 1), sa.shape[:-1] + qv.shape)
        ranks = xp.where(nan.any(axis=-1, keepdims=True), x.dtype.type(n - 1), ranks).astype(x.dtype)
    if interpolation == "lower":
        ranks = xp.floor(ranks)
    elif interpolation == "higher":
        ranks = xp.ceil(ranks)
    elif interpolation == "nearest":
        ranks = xp.round(ranks)                                    # half to even, as PyTorch
    below = ranks.astype(_INT)
    r = srt.gather(-1, _wrap(below))                               # (*other, nq)
    if interpolation in ("linear", "midpoint"):
        above = srt.gather(-1, _wrap(xp.ceil(ranks).astype(_INT)))
        w = xp.full(ranks.shape, 0.5, x.dtype) if interpolation == "midpoint" else (ranks - below).astype(x.dtype)
        diff = above - r
        wt = _wrap(w)
        # PyTorch's lerp: counted from the nearer end
        r = where(_wrap(w < 0.5), r + wt * diff, above - diff * (1 - wt))
    if qa.ndim:
        r = r.movedim(-1, 0).reshape(qv.shape + rest)
    else:
        r = r.reshape(rest)
    return _out(r, out)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """The ``q``-th quantiles (``q`` a float or a 1-D tensor in [0, 1]) of ``input`` over ``dim`` (or of
    all elements). Between two data points, ``interpolation`` picks ``linear``, ``lower``, ``higher``,
    ``midpoint`` or ``nearest`` (ties to even). A lane holding NaN gives NaN; with a 1-D ``q`` the
    quantiles make the first dim of the result.

    Example::

        >>> zoo_core.quantile(zoo_core.tensor([0., 1., 2., 3.]), zoo_core.tensor([0.25, 0.5]))
        tensor([0.7500, 1.5000])
    """
    return _quantile(input, q, dim, keepdim, interpolation, out, False, "quantile")


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """``quantile`` ignoring NaN values (a lane of only NaN gives NaN).

    Example::

        >>> zoo_core.nanquantile(zoo_core.tensor([1., float("nan"), 3.]), 0.5)
        tensor(2.)
    """
    return _quantile(input, q, dim, keepdim, interpolation, out, True, "nanquantile")


# ---- nanmedian, mode -----------------------------------------------------------------------------
def _even_split(input, v, node):
    """The 0-d result ``v`` of a whole-tensor selection; the gradient is shared by the elements equal to
    it (NaN counting as equal to NaN), as PyTorch's ``median()``."""
    y = _wrap(v)
    if input._rg and grad_mode.enabled:
        def backward(g):
            xa = input._data
            xp = _backend.array_module(xa)
            mask = (xa == v) | (xp.isnan(xa) & xp.isnan(v))
            return (where(_wrap(mask), g / _wrap(mask.sum().astype(xa.dtype)), 0.0),)
        record(y, node, backward, (input,), (input,))
    return y


def _picked(input, idx_keep, ax, keepdim, node, result_type):
    """``(values, indices)`` of the elements at ``idx_keep`` (keepdim int64 indices) along ``ax``."""
    x = input._data
    xp = _backend.array_module(x)
    if x.ndim == 0:
        return result_type(input * 1, _wrap(xp.zeros((), _INT)))
    vals = xp.take_along_axis(x, idx_keep, axis=ax)
    values = _wrap(vals if keepdim else vals.squeeze(ax))
    if input._rg and grad_mode.enabled:
        shape = x.shape
        record(values, node, lambda g: (_select_backward(g, idx_keep, shape, ax, keepdim),), (input,))
    return result_type(values, _wrap(idx_keep if keepdim else idx_keep.squeeze(ax)))


def _lane_checks(input, dim, op):
    x = input._data
    if x.dtype == np.bool_ and op != "mode":
        raise NotImplementedError(f"{op}(): not implemented for bool tensors; convert with .int() or .float()")
    ax = _wrap_dim(dim, x.ndim, op)
    if x.ndim and x.shape[ax] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {ax} to have non-zero size (shape {list(x.shape)})")
    return x, ax


def nanmedian(input, dim=None, keepdim=False):
    """The lower median ignoring NaN values; ``nanmedian(x, dim)`` gives ``(values, indices)``. A lane of
    only NaN gives NaN.

    Example::

        >>> zoo_core.nanmedian(zoo_core.tensor([1., float("nan"), 3., 2.]))
        tensor(2.)
    """
    _need_tensor("nanmedian", "input", 1, input)
    if input._data.dtype.kind != "f":
        from .reduction import median
        return median(input) if dim is None else _nanmedian_t(*median(input, dim, keepdim))
    if dim is None:
        x = input._data
        xp = _backend.array_module(x)
        flat = x.reshape(-1)
        v = xp.sort(flat[~xp.isnan(flat)])
        k = v.shape[0]
        return _even_split(input, v[(k - 1) // 2] if k else xp.asarray(float("nan"), x.dtype), "NanmedianBackward0")
    x, ax = _lane_checks(input, dim, "nanmedian")
    xp = _backend.array_module(x)
    if x.ndim == 0:
        return _picked(input, xp.zeros((), _INT), 0, True, "NanmedianBackward1", _nanmedian_t)
    order = xp.argsort(x, axis=ax, kind="stable")                    # NaN last, ties in index order
    k = (~xp.isnan(x)).sum(axis=ax, keepdims=True)
    pos = xp.maximum(k - 1, 0) // 2
    idx = xp.take_along_axis(order, pos, axis=ax).astype(_INT, copy=False)
    return _picked(input, idx, ax, keepdim, "NanmedianBackward1", _nanmedian_t)


def mode(input, dim=-1, keepdim=False):
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest one when several are
    equally frequent) and the index of its last occurrence. NaNs count as one value, sorted last.

    Example::

        >>> zoo_core.mode(zoo_core.tensor([3, 1, 3, 1, 2]))
        zoo_core.return_types.mode(
        values=tensor(1),
        indices=tensor(3))
    """
    _need_tensor("mode", "input", 1, input)
    x, ax = _lane_checks(input, dim, "mode")
    xp = _backend.array_module(x)
    if x.ndim == 0:
        return _picked(input, xp.zeros((), _INT), 0, True, "ModeBackward0", _mode_t)
    n = x.shape[ax]
    lanes = xp.moveaxis(x, ax, -1)
    other = lanes.shape[:-1]
    if lanes.size == 0:
        return _picked(input, xp.zeros(_keep_shape(x.shape, (ax,)), _INT), ax, keepdim, "ModeBackward0", _mode_t)
    rows = lanes.reshape(-1, n)                                               # (L, n)
    order = xp.argsort(rows, axis=-1, kind="stable")
    s = xp.take_along_axis(rows, order, axis=-1)
    new = s[:, 1:] != s[:, :-1]
    if s.dtype.kind == "f":
        new &= ~(xp.isnan(s[:, 1:]) & xp.isnan(s[:, :-1]))
    new = xp.concatenate([xp.ones((s.shape[0], 1), dtype=bool), new], axis=1)   # every lane starts a run
    run = xp.cumsum(new.reshape(-1)) - 1                                      # global run ids
    freq = xp.bincount(run)[run].reshape(s.shape)
    start = xp.argmax(freq, axis=-1)[:, None]       # the first longest run: the smallest most-frequent value
    end = start + xp.take_along_axis(freq, start, axis=-1) - 1
    idx = xp.take_along_axis(order, end, axis=-1).reshape(other).astype(_INT, copy=False)   # its last index
    return _picked(input, xp.expand_dims(idx, ax), ax, keepdim, "ModeBackward0", _mode_t)


# ---- cov, corrcoef -------------------------------------------------------------------------------
def _check_weights(w, name, n, integral, input):
    _need_tensor("cov", name, 0, w)
    a = w._data
    if a.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                           f"{a.ndim} dimensions")
    if integral and a.dtype.kind not in "iu":
        raise RuntimeError(f"cov(): expected {name} to have integral dtype but got {name} with "
                           f"{_TORCH_NAMES.get(a.dtype.name, a.dtype.name)} dtype")
    if not integral and a.dtype.kind != "f":
        raise RuntimeError(f"cov(): expected {name} to have floating point dtype but got {name} with "
                           f"{_TORCH_NAMES.get(a.dtype.name, a.dtype.name)} dtype")
    if a.size != n:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the "
                           f"input but got {a.size} != {n}")
    _same_device("cov", input, w)
    if a.size and bool((a < 0).any()):
        raise RuntimeError(f"cov(): {name} cannot be negative")
    return w.reshape(-1)


def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of ``input`` (observations in the columns; a
    1-D input is one variable). ``fweights`` (integer repeat counts) and ``aweights`` (float importance
    weights) weight the observations; ``correction=1`` is Bessel's correction. One variable gives a 0-d
    result.

    Example::

        >>> zoo_core.cov(zoo_core.tensor([[0., 1., 2.], [2., 1., 0.]]))
        tensor([[ 1., -1.],
                [-1.,  1.]])
    """
    _need_tensor("cov", "input", 1, input)
    x = input
    if x._data.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{x._data.ndim} dimensions")
    if x._data.ndim < 2:
        x = x.reshape(1, -1)
    n = x._data.shape[1]
    w = None
    if fweights is not None:
        w = _check_weights(fweights, "fweights", n, True, input)
    if aweights is not None:
        aw = _check_weights(aweights, "aweights", n, False, input)
        w = aw if w is None else w * aw
    if w is None:
        w_sum = n
        avg = x.sum(1) / n
        norm = n - correction
    else:
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
        norm = w_sum - correction * (w * aw).sum() / w_sum if aweights is not None and correction != 0 \
            else w_sum - correction
    if float(norm) <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number "
                      f"of observations (got correction={correction} with {n} observations).", UserWarning,
                      stacklevel=2)
        norm = norm * 0 if isinstance(norm, Tensor) else 0
    xc = x - avg.unsqueeze(1)
    c = xc.matmul((xc if w is None else xc * w).t())               # (vars, vars)
    return (c / norm).squeeze()


def corrcoef(input):
    """The Pearson correlation coefficients of the variables in the rows of ``input`` (``cov`` normalised
    by the standard deviations, clipped to [-1, 1]).

    Example::

        >>> zoo_core.corrcoef(zoo_core.tensor([[0., 1., 2.], [2., 1., 0.]]))
        tensor([[ 1., -1.],
                [-1.,  1.]])
    """
    _need_tensor("corrcoef", "input", 1, input)
    if input._data.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got an input with "
                           f"{input._data.ndim} dimensions")
    c = cov(input)
    if c._data.ndim == 0:
        return c / c
    std = c.diagonal().sqrt()
    c = c / std.reshape(-1, 1)
    c = c / std.reshape(1, -1)
    return c.clip(-1, 1)


# ---- histogram, histogramdd ----------------------------------------------------------------------
def _histdd(input, bins, range, weight, density, op):
    """(hist, [edges]) of the points in the rows of ``input`` (``(..., D)``)."""
    _need_tensor(op, "input", 1, input)
    x = input._data
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"{op}\" not implemented for '{_TORCH_NAMES.get(x.dtype.name, x.dtype.name)}'")
    xp = _backend.array_module(x)
    dt = x.dtype
    ndim = x.shape[-1] if x.ndim else 1
    pts = x.reshape(-1, ndim)
    if isinstance(bins, Tensor) or (isinstance(bins, (list, tuple)) and bins and isinstance(bins[0], Tensor)):
        edges = [bins] if isinstance(bins, Tensor) else list(bins)
        if len(edges) != ndim:
            raise RuntimeError(f"torch.{op}: expected {ndim} sequences of bin edges for each dimension, but got "
                               f"{len(edges)}")
        for i, e in enumerate(edges):
            if e._data.ndim != 1 or e._data.shape[0] < 1:
                raise RuntimeError(f"torch.{op}: bins tensor should have one dimension and at least 1 element, "
                                   f"but got {e._data.ndim} dimensions and {e._data.size} elements for dim {i}")
            if e._data.dtype != dt:
                raise RuntimeError(f"torch.{op}: input tensor and bins tensors should have the same dtype, but got "
                                   f"input {input.dtype} and bins {e.dtype}")
            _same_device(op, input, e)
        edges = [e._data for e in edges]
    else:
        counts = [bins] * ndim if isinstance(bins, numbers.Integral) else [int(b) for b in bins]
        if len(counts) != ndim:
            raise RuntimeError(f"torch.{op}: expected {ndim} bin counts, but got {len(counts)}")
        if range is not None and len(range) != 2 * ndim:
            raise RuntimeError(f"torch.{op}: expected {2 * ndim} range values (min and max per dimension), but got "
                               f"{len(range)}")
        edges = []
        for i, nb in enumerate(counts):
            if nb <= 0:
                raise RuntimeError(f"torch.{op}(): bins must be > 0, but got {nb} for dimension {i}")
            if range is not None:
                lo, hi = float(range[2 * i]), float(range[2 * i + 1])
            elif pts.shape[0]:
                lo, hi = float(pts[:, i].min()), float(pts[:, i].max())
            else:
                lo, hi = 0.0, 1.0
            if lo > hi:
                raise RuntimeError(f"torch.{op}: min should not exceed max, but got min {lo:g} max {hi:g} for "
                                   f"dimension {i}")
            if not (math.isfinite(lo) and math.isfinite(hi)):
                raise RuntimeError(f"torch.{op}: dimension {i}'s range [{lo:g}, {hi:g}] is not finite")
            if lo == hi:
                lo, hi = lo - 0.5, hi + 0.5
            edges.append(_linspace_like_torch(xp, lo, hi, nb + 1, dt))
    w = None
    if weight is not None:
        _need_tensor(op, "weight", 0, weight)
        if tuple(weight._data.shape) != tuple(x.shape[:-1]):
            raise RuntimeError(f"torch.{op}: if weight tensor is provided, it should have the same shape as the "
                               f"input tensor excluding its innermost dimension (weight {list(weight._data.shape)}, "
                               f"input {list(x.shape)})")
        if weight._data.dtype != dt:
            raise RuntimeError(f"torch.{op}: if weight tensor is provided, input tensor and weight tensor should "
                               f"have the same dtype (got {input.dtype} and {weight.dtype})")
        _same_device(op, input, weight)
        w = weight._data.reshape(-1)
    nbins = [e.shape[0] - 1 for e in edges]
    keep = xp.ones(pts.shape[0], dtype=bool)
    flat = xp.zeros(pts.shape[0], dtype=_INT)
    for i, e in enumerate(edges):
        v = pts[:, i]
        nb = max(nbins[i], 1)
        keep &= (v >= e[0]) & (v <= e[-1])                         # drops NaN too
        # the last edge closes the last bin
        pos = xp.clip(xp.searchsorted(e, v, side="right") - 1, 0, nb - 1)
        flat = flat * nb + pos
    total = math.prod(max(b, 1) for b in nbins)
    hist = xp.bincount(flat[keep], weights=None if w is None else w[keep], minlength=total)
    hist = hist.astype(dt)[:math.prod(nbins)].reshape(nbins)
    if density:
        hist = hist / hist.sum()
        for i, e in enumerate(edges):
            widths = e[1:] - e[:-1]
            hist = hist / widths.reshape([-1 if j == i else 1 for j in _builtin_range(ndim)])
        hist = hist.astype(dt)
    return _wrap(hist), [_wrap(e.copy()) for e in edges]


_builtin_range = range


def histogram(input, bins, *, range=None, weight=None, density=False, out=None):
    """``(hist, bin_edges)``: the histogram of the values of ``input``. ``bins`` is a number of
    equal-width bins over ``range`` (default the data's min and max) or a 1-D tensor of increasing edges;
    ``weight`` weighs each value, ``density`` normalises to a probability density. Bins are closed on the
    left; the last one also on the right.

    Example::

        >>> zoo_core.histogram(zoo_core.tensor([1., 2., 1.]), bins=4, range=(0., 3.)).hist
        tensor([0., 2., 1., 0.])
    """
    _need_tensor("histogram", "input", 1, input)
    if isinstance(weight, Tensor) and weight._data.shape != input._data.shape:
        raise RuntimeError(f"torch.histogram: if weight tensor is provided it should have the same shape as the input "
                           f"tensor (weight {list(weight._data.shape)}, input {list(input._data.shape)})")
    hist, edges = _histdd(input.reshape(-1, 1), bins, range,
                          weight.reshape(-1) if isinstance(weight, Tensor) else weight, density, "histogram")
    if out is not None:
        hist_out, edges_out = out
        hist, edges[0] = _out(hist, hist_out), _out(edges[0], edges_out)
    return _histogram_t(hist, edges[0])


def histogramdd(input, bins=10, *, range=None, weight=None, density=False):
    """``(hist, bin_edges)``: the D-dimensional histogram of the points in the rows of ``input``
    (shape ``(..., D)``); ``bins`` is one count, D counts or D edge tensors; ``range`` is
    ``[min_0, max_0, min_1, max_1, ...]``.

    Example::

        >>> zoo_core.histogramdd(zoo_core.tensor([[0., 0.], [1., 1.], [1., 0.]]), bins=2).hist
        tensor([[1., 0.],
                [1., 1.]])
    """
    hist, edges = _histdd(input, bins, range, weight, density, "histogramdd")
    return _histogramdd_t(hist, tuple(edges))


__all__ = ["quantile", "nanquantile", "nanmedian", "mode", "cov", "corrcoef", "histogram", "histogramdd"]

Tensor.quantile, Tensor.nanquantile, Tensor.nanmedian, Tensor.mode = quantile, nanquantile, nanmedian, mode
Tensor.cov, Tensor.corrcoef, Tensor.histogram = cov, corrcoef, histogram
