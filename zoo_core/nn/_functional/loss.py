"""Loss functions, with PyTorch's semantics and messages: ``cross_entropy``, ``nll_loss``,
``binary_cross_entropy`` (and ``_with_logits``), ``mse_loss``, ``l1_loss``, ``smooth_l1_loss``, ``huber_loss``
and ``kl_div`` (the margin, embedding and likelihood losses are in ``loss_margin.py``).

``cross_entropy`` with class indices and ``nll_loss`` are single graph nodes (they run in every classifier's
training step): one stable log-softmax on arrays, a gather of the target entries, torch's reductions fused in
(a weighted mean divides by the summed weights of the non-ignored targets). Their plain backward is array code
written in place (``(softmax * qsum - q) * grad``, q the smoothed, weighted one-hot); while a graph of the
backward is built (``create_graph``) the same formula runs with Tensor ops, so double backward works.
``binary_cross_entropy`` and its logits form are single elementwise nodes with Tensor-op backwards. The rest
are compositions of differentiable ops, as they are in PyTorch.
"""
import contextlib
import math
import warnings

import numpy as np

from ... import _backend
from ...autograd import grad_mode
from ...autograd.graph import record
from ...ops._util import broadcast_to, grad_for
from ...ops.arith import where
from ...ops.scan import log_softmax, softmax
from ...ops.unary import exp, log, log1p, sigmoid, softplus
from ...tensor import _wrap, check_same_device

__all__ = ["cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "mse_loss",
           "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div"]

_TORCH_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "int8": "Char", "int16": "Short",
                "int32": "Int", "int64": "Long", "uint8": "Byte", "bool": "Bool"}


def _tname(arr):
    """PyTorch's name of an array's dtype, as its error messages spell it (``Long``, ``Float``)."""
    return _TORCH_NAMES.get(arr.dtype.name, arr.dtype.name)


def _errstate(xp):
    """log(0) and 0/0 are expected here (clamped or masked afterwards, or NaN as in PyTorch): no numpy warning."""
    return np.errstate(divide="ignore", invalid="ignore") if xp is np else contextlib.nullcontext()


# ---- reductions ---------------------------------------------------------------------------------
def _legacy_reduction(size_average, reduce):
    """torch's mapping of the deprecated ``size_average``/``reduce`` flags, with its warning."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    r = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{r}' instead.",
                  stacklevel=3)
    return r


def _reduction(reduction, size_average=None, reduce=None):
    """The reduction to apply: ``"none"``, ``"mean"`` or ``"sum"`` (the legacy flags win when given)."""
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    if reduction == "mean" or reduction == "sum" or reduction == "none":
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
                      stacklevel=3)
        return "mean"
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _float_input(input, op):
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{op}\" not implemented for '{_tname(input._data)}' "
                                  "(the input must be floating point; convert it with .float())")


# ---- cross_entropy and nll_loss with class-index targets ------------------------------------------
def _class_targets(input, target, weight):
    """Check a class-index target against ``input`` as torch's ``nll_loss_nd`` does. Returns the class
    axis, the int64 target array (an unbatched ``(1,)`` target becomes 0-d), C and the weight array."""
    x, t = input._data, target._data
    if x.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {x.ndim})")
    if x.ndim != 1 and (t.ndim == 0 or x.shape[0] != t.shape[0]):
        raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
                         f"({t.shape[0] if t.ndim else 0}).")
    if t.dtype != np.int64 and t.dtype != np.uint8:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_tname(t)}")
    if type(t) is not type(x):
        check_same_device("nll_loss", input, target)
    ca = 0 if x.ndim == 1 else 1
    n_classes = x.shape[ca]
    if x.ndim <= 2:
        if t.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if x.ndim == 1 and t.ndim == 1:
            if t.shape[0] != 1:
                raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {t.shape[0]}")
            t = t.reshape(())
    else:
        if x.ndim == 4 and t.ndim != 3:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got targets of "
                               f"dimension: {t.ndim}")
        want = (x.shape[0],) + x.shape[2:]
        if t.shape != want:
            if x.ndim == 4:     # torch's message, its stray space and missing parenthesis included
                raise RuntimeError(f"size mismatch (got input: {list(x.shape)} , target: {list(t.shape)}")
            raise RuntimeError(f"Expected target size {list(want)}, got {list(t.shape)}")
    w = None
    if weight is not None:
        w = weight._data
        if w.ndim != 1 or w.shape[0] != n_classes:
            if x.ndim <= 2:
                raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes or no "
                                   f"classes but got weight tensor of shape: {list(w.shape)}")
            raise RuntimeError("weight tensor should be defined either for all or no classes")
        if type(w) is not type(x):
            check_same_device("nll_loss", input, weight)
        if w.dtype != x.dtype:
            w = w.astype(x.dtype)
        if weight._rg and grad_mode.enabled:
            raise RuntimeError("The function 'nll_loss_forward' is not differentiable with respect to argument "
                               "'weight'. This input cannot have requires_grad True.")
    return ca, t.astype(np.int64, copy=False), n_classes, w


def _target_key(xp, t, ca):
    """The fancy index of the target entries: ``x[key]`` has the target's shape."""
    key = [xp.arange(n).reshape((1,) * i + (n,) + (1,) * (t.ndim - i - 1)) for i, n in enumerate(t.shape)]
    key.insert(ca, t)
    return tuple(key)


def _class_prep(input, target, weight, ignore_index):
    """(class axis, C, weight array, valid mask as floats, picked weight per target, target key)."""
    ca, t, n_classes, w = _class_targets(input, target, weight)
    x = input._data
    xp = _backend.array_module(x)
    valid = t != ignore_index
    bad = (t < 0) | (t >= n_classes)
    bad &= valid
    if bool(bad.any()):
        raise IndexError(f"Target {int(t[bad][0])} is out of bounds.")
    ts = xp.where(valid, t, 0)              # ignored targets point at class 0, with weight 0
    vf = valid.astype(x.dtype)
    wy = vf if w is None else xp.asarray(w[ts] * vf)
    return ca, n_classes, w, vf, wy, _target_key(xp, ts, ca)


def _class_reduce(xp, loss, wy, reduction):
    """torch's reduction of per-target losses: the mean divides by the summed target weights (NaN when
    every target is ignored). Returns (output, the denominator made safe for backward, or None)."""
    if reduction == "none":
        return loss, None
    if reduction == "sum":
        return loss.sum(), None
    den = wy.sum()
    if xp is np and den == 0:
        with _errstate(xp):     # every target ignored: 0/0 = NaN as in torch, without numpy's warning
            out = loss.sum() / den
        return out, np.ones((), den.dtype)
    return loss.sum() / den, den if xp is np else den + (den == 0)     # (on a device: no host round trip)


def _per_target(g, reduction, den):
    """The upstream gradient for each target entry (array g; 0-d for "sum"/"mean", broadcast by its users)."""
    return g / den if reduction == "mean" else g


def _per_target_t(g, reduction, den, tshape):
    """The upstream gradient for each target entry, with Tensor ops (for a graph of the backward)."""
    if reduction == "none":
        return g
    return broadcast_to(g if reduction == "sum" else g / _wrap(den), tshape)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log likelihood: ``-weight[t] * input[n, t]`` per target, for log-probabilities ``input`` of
    shape ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``; a weighted mean divides by the summed target weights.

    Example::

        >>> F.nll_loss(zoo_core.tensor([[-1., -2.], [-3., -0.5]]), zoo_core.tensor([0, 1]))
        tensor(0.7500)
    """
    red = _reduction(reduction, size_average, reduce)
    _float_input(input, "nll_loss")
    ca, _, _, vf, wy, key = _class_prep(input, target, weight, ignore_index)
    x = input._data
    xp = _backend.array_module(x)
    out, den = _class_reduce(xp, -wy * x[key], wy, red)
    y = _wrap(out)
    if input._rg and grad_mode.enabled:
        shape, tshape = x.shape, vf.shape

        def backward(g):
            if grad_mode.enabled:       # a graph of the backward (create_graph): linear in g
                q = xp.zeros(shape, x.dtype)
                q[key] = wy
                return (-(_per_target_t(g, red, den, tshape).unsqueeze(ca) * _wrap(q)),)
            r = xp.zeros(shape, g._data.dtype)
            r[key] = -(_per_target(g._data, red, den) * wy)
            return (_wrap(r),)
        record(y, "NllLossBackward0", backward, (input,))
    return y


def _cross_entropy_indices(input, target, weight, ignore_index, red, ls):
    """One node: log-softmax, pick, label smoothing, weights, reduction."""
    _float_input(input, "cross_entropy")
    ca, n_classes, w, vf, wy, key = _class_prep(input, target, weight, ignore_index)
    x = input._data
    xp = _backend.array_module(x)
    with _errstate(xp):
        logp = x - x.max(axis=ca, keepdims=True)            # shifted by the max: exp cannot overflow
        logp -= xp.log(xp.exp(logp).sum(axis=ca, keepdims=True))
    loss = -wy * logp[key]
    qsum = wy                                                # sum over classes of the target weights q
    wb = None
    if ls > 0:
        # torch: (1 - ls) * nll + ls / C * sum_c w_c * -logp_c, both over the non-ignored targets
        wb = None if w is None else w.reshape([n_classes if i == ca else 1 for i in range(x.ndim)])
        smooth = -(logp.sum(axis=ca) if wb is None else (logp * wb).sum(axis=ca)) * vf
        loss = loss * (1 - ls) + smooth * (ls / n_classes)
        qsum = wy * (1 - ls) + vf * (ls / n_classes * (n_classes if w is None else w.sum()))
    out, den = _class_reduce(xp, loss, wy, red)
    y = _wrap(out)
    if input._rg and grad_mode.enabled:
        shape, tshape = x.shape, vf.shape
        kshape = tshape[:ca] + (1,) + tshape[ca:]           # a per-target array, broadcast over the classes

        def backward(g):
            if grad_mode.enabled:       # a graph of the backward (create_graph): Tensor ops, softmax of input
                q = xp.zeros(shape, x.dtype)
                q[key] = wy * (1 - ls)
                if ls > 0:
                    q += (vf * (ls / n_classes)).reshape(kshape) * (1 if wb is None else wb)
                gk = _per_target_t(g, red, den, tshape).unsqueeze(ca)
                return (gk * (softmax(input, ca) * _wrap(qsum.reshape(kshape)) - _wrap(q)),)
            gt = _per_target(g._data, red, den)
            r = xp.exp(logp)
            r *= (gt * qsum).reshape(kshape)
            if ls > 0:
                r -= (gt * vf * (ls / n_classes)).reshape(kshape) * (1 if wb is None else wb)
            r[key] -= gt * wy * (1 - ls)
            return (_wrap(r),)
        record(y, "CrossEntropyLossBackward0", backward, (input,))
    return y


def _cross_entropy_probs(input, target, weight, red, ls):
    """Class-probability targets (same shape as input): composed of Tensor ops, so the target and weight
    get gradients too; the mean divides by the number of samples ``numel / C``, weighted or not (torch)."""
    x, t = input._data, target._data
    if t.dtype.kind != "f":
        raise RuntimeError(f"Expected floating point type for target with class probabilities, got {_tname(t)}")
    if x.ndim == 0:
        raise IndexError("cross_entropy: Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    ca = 0 if x.ndim == 1 else 1
    n_classes = x.shape[ca]
    if weight is not None and (weight._data.ndim != 1 or weight._data.shape[0] != n_classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {n_classes} classes "
                           f"or no classes but got weight tensor of shape: {list(weight.shape)}")
    if ls > 0:
        target = target * (1 - ls) + ls / n_classes
    prod = log_softmax(input, ca) * target
    if weight is not None:
        prod = prod * weight.reshape([n_classes if i == ca else 1 for i in range(x.ndim)])
    if red == "none":
        return -prod.sum(ca)
    total = -prod.sum()
    if red == "sum":
        return total
    return total / (x.size // n_classes) if x.size else total * math.nan


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross entropy between logits ``input`` (``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``) and either class
    indices (int64, the input's shape without C) or class probabilities (float, the input's shape).

    ``weight`` rescales each class; targets equal to ``ignore_index`` add nothing (a weighted mean divides by
    the summed weights of the other targets); ``label_smoothing`` mixes the target with the uniform
    distribution, exactly as PyTorch.

    Example::

        >>> F.cross_entropy(zoo_core.tensor([[2., 0.], [0., 2.]]), zoo_core.tensor([0, 1]))
        tensor(0.1269)
    """
    red = _reduction(reduction, size_average, reduce)
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input._data.shape == target._data.shape:
        if ignore_index >= 0:
            if target._data.dtype.kind != "f":
                raise RuntimeError("Expected floating point type for target with class probabilities, got "
                                   f"{_tname(target._data)}")
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_probs(input, target, weight, red, max(label_smoothing, 0.0))
    return _cross_entropy_indices(input, target, weight, ignore_index, red, max(label_smoothing, 0.0))


# ---- binary cross entropy -----------------------------------------------------------------------
def _elementwise_weight(w, x, op):
    """A weight tensor's array in ``x``'s dtype; it must broadcast to ``x``'s shape (torch expands it)."""
    if w is None:
        return None
    a = w._data
    if np.broadcast_shapes(a.shape, x.shape) != x.shape:
        raise RuntimeError(f"{op}: the weight of shape {list(a.shape)} cannot be broadcast to the input shape "
                           f"{list(x.shape)}")
    return a if a.dtype == x.dtype else a.astype(x.dtype)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """``-weight * (t * log(x) + (1 - t) * log(1 - x))`` for probabilities ``x``; each log is clamped at -100
    (as PyTorch), so that ``x`` of exactly 0 or 1 gives a finite loss.

    Example::

        >>> F.binary_cross_entropy(zoo_core.tensor([0.8, 0.2]), zoo_core.tensor([1., 0.]))
        tensor(0.2231)
    """
    red = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    _float_input(input, "binary_cross_entropy")
    x, t = input._data, target._data
    if t.dtype != x.dtype:
        raise RuntimeError(f"Found dtype {_tname(t)} but expected {_tname(x)}")
    w = _elementwise_weight(weight, x, "binary_cross_entropy")
    xp = _backend.array_module(x)
    if not bool(((x >= 0) & (x <= 1)).all()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if not bool(((t >= 0) & (t <= 1)).all()):
        raise RuntimeError("all elements of target should be between 0 and 1")
    with _errstate(xp):
        loss = -(t * xp.maximum(xp.log(x), -100) + (1 - t) * xp.maximum(xp.log1p(-x), -100))
    if w is not None:
        loss *= w
    y = _wrap(loss)
    if grad_mode.enabled and (input._rg or target._rg):
        def backward(g):
            gw = g if weight is None else g * weight
            # torch's formula: the clamp of the forward's logs is not differentiated
            gx = gw * (input - target) / (input * (1 - input)).clamp_min(1e-12) if input._rg else None
            gt = gw * (log1p(-input) - log(input)) if target._rg else None
            return gx, gt
        record(y, "BinaryCrossEntropyBackward0", backward, (input, target), (input, target))
    return _reduce(y, red)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """``binary_cross_entropy(sigmoid(x), t)`` computed stably from logits ``x``:
    ``(1 - t) * x - (1 + (pos_weight - 1) * t) * logsigmoid(x)``, times ``weight``.

    ``pos_weight`` (broadcast along the last dims, e.g. one per class) weighs the positive term.

    Example::

        >>> F.binary_cross_entropy_with_logits(zoo_core.tensor([3., -1.]), zoo_core.tensor([1., 0.]))
        tensor(0.1809)
    """
    red = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    _float_input(input, "binary_cross_entropy_with_logits")
    x, t = input._data, target._data
    if t.dtype.kind != "f":
        raise RuntimeError(f"result type {_tname(x)} can't be cast to the desired output type {_tname(t)}")
    if t.dtype != x.dtype:
        dt = np.promote_types(x.dtype, t.dtype)
        x, t = x.astype(dt, copy=False), t.astype(dt, copy=False)
    w = _elementwise_weight(weight, x, "binary_cross_entropy_with_logits")
    pw = _elementwise_weight(pos_weight, x, "binary_cross_entropy_with_logits")
    xp = _backend.array_module(x)
    logsig = xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))      # log(sigmoid(x)), never overflows
    loss = (1 - t) * x
    loss -= logsig if pw is None else logsig * ((pw - 1) * t + 1)
    if w is not None:
        loss *= w
    y = _wrap(loss)
    if grad_mode.enabled and (input._rg or target._rg):
        def backward(g):
            gw = g if weight is None else g * weight
            if pos_weight is None:
                gx = gw * (sigmoid(input) - target) if input._rg else None
                gt = gw * -input if target._rg else None
            else:
                gx = gw * (((pos_weight - 1) * target + 1) * sigmoid(input) - pos_weight * target) \
                    if input._rg else None
                gt = gw * (-input + (pos_weight - 1) * softplus(-input)) if target._rg else None
            return grad_for(gx, input) if gx is not None else None, grad_for(gt, target) if gt is not None else None
        record(y, "BinaryCrossEntropyWithLogitsBackward0", backward, (input, target), (input, target))
    return _reduce(y, red)


# ---- regression losses --------------------------------------------------------------------------
def _size_warning(input, target):
    if input.shape != target.shape:
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size "
                      f"({input.size()}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


def _weighted(loss, weight, input, red, mean_by_weight=True):
    """torch's optional elementwise ``weight`` of mse/l1/huber: its mean divides by ``weight.sum()``
    (mse, l1) or by the element count (huber)."""
    if weight is None:
        return _reduce(loss, red)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if red == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, red)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error ``(x - y) ** 2`` (broadcast, with a warning when the shapes differ).

    Example::

        >>> F.mse_loss(zoo_core.tensor([1., 2.]), zoo_core.tensor([0., 0.]))
        tensor(2.5000)
    """
    _size_warning(input, target)
    red = _reduction(reduction, size_average, reduce)
    d = input - target
    return _weighted(d * d, weight, input, red)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|x - y|``.

    Example::

        >>> F.l1_loss(zoo_core.tensor([1., -2.]), zoo_core.tensor([0., 0.]))
        tensor(1.5000)
    """
    _size_warning(input, target)
    red = _reduction(reduction, size_average, reduce)
    return _weighted((input - target).abs(), weight, input, red)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``0.5 * d ** 2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta`` (``beta=0``: L1).

    Example::

        >>> F.smooth_l1_loss(zoo_core.tensor([0.5, 3.]), zoo_core.tensor([0., 0.]))
        tensor(1.3125)
    """
    _size_warning(input, target)
    red = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = input - target
    ad = d.abs()
    if beta == 0:
        return _reduce(ad, red)
    return _reduce(where(ad < beta, d * d * (0.5 / beta), ad - 0.5 * beta), red)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 * d ** 2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 * delta)``.

    Example::

        >>> F.huber_loss(zoo_core.tensor([0.5, 3.]), zoo_core.tensor([0., 0.]), delta=2.)
        tensor(2.0625)
    """
    _size_warning(input, target)
    red = _reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = input - target
    ad = d.abs()
    loss = where(ad < delta, d * d * 0.5, (ad - 0.5 * delta) * delta)
    return _weighted(loss, weight, input, red, mean_by_weight=False)


# ---- kl_div -------------------------------------------------------------------------------------
def _xlogx(t):
    """``xlogy(t, t)``: 0 where ``t == 0``, NaN below 0; its gradient ``log(t) + 1`` is NaN at 0 (as torch's)."""
    a = t._data
    if a.dtype.kind != "f":
        t = t.float()
        a = t._data
    xp = _backend.array_module(a)
    pos = a > 0
    r = xp.where(pos, a * xp.log(xp.where(pos, a, 1)), xp.where(a == 0, 0, xp.nan)).astype(a.dtype, copy=False)
    y = _wrap(r)
    if t._rg and grad_mode.enabled:
        def backward(g):
            p = t > 0
            return (where(p, g * (log(where(p, t, 1.0)) + 1), math.nan),)
        record(y, "XlogyBackward0", backward, (t,), (t,))
    return y


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL divergence ``target * (log(target) - input)`` for log-probabilities ``input`` (and
    log-probabilities ``target`` when ``log_target``). ``reduction="batchmean"`` divides the sum by the batch
    size (the true KL divergence); ``"mean"`` divides by the element count and warns, as PyTorch.

    Example::

        >>> F.kl_div(zoo_core.tensor([0.5, 0.5]).log(), zoo_core.tensor([0.5, 0.5]), reduction="sum")
        tensor(0.)
    """
    if size_average is not None or reduce is not None:
        red = _legacy_reduction(size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                          "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                          "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                          stacklevel=2)
        red = "sum" if reduction == "batchmean" else _reduction(reduction)
    if log_target:
        loss = exp(target) * (target - input)
    else:
        loss = _xlogx(target) - target * input
    out = _reduce(loss, red)
    if reduction == "batchmean" and input.dim() != 0:
        out = out / input.shape[0]
    return out
