"""Loss functions, with PyTorch's semantics and messages: ``cross_entropy``, ``nll_loss``,
``binary_cross_entropy`` (and ``_with_logits``), ``mse_loss``, ``l1_loss``, ``smooth_l1_loss``, ``huber_loss``,
``kl_div``, the margin/embedding losses, ``poisson_nll_loss`` and ``gaussian_nll_loss``.

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
from ...ops.arith import minimum, where
from ...ops.creation import ones_like
from ...ops.reduction import norm
from ...ops.scan import log_softmax, softmax
from ...ops.unary import exp, log, log1p, sigmoid, softplus
from ...tensor import _wrap, check_same_device

__all__ = ["cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "mse_loss",
           "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "cosine_embedding_loss", "margin_ranking_loss",
           "hinge_embedding_loss", "soft_margin_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
           "poisson_nll_loss", "gaussian_nll_loss", "multi_margin_loss", "multilabel_soft_margin_loss"]

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


# ---- margin and embedding losses ----------------------------------------------------------------
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """``1 - cos(x1, x2)`` where ``y == 1``, ``max(0, cos(x1, x2) - margin)`` where ``y == -1``.

    Example::

        >>> F.cosine_embedding_loss(zoo_core.tensor([[1., 0.]]), zoo_core.tensor([[0., 1.]]), zoo_core.tensor([1]))
        tensor(1.)
    """
    red = _reduction(reduction, size_average, reduce)
    td = target.dim()
    if td > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.dim() != td + 1 or input2.dim() != td + 1:
        raise RuntimeError(f"{td}D target tensor expects {td + 1}D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    eps = 1e-12                 # torch's EPSILON, added to the squared norms
    cos = (input1 * input2).sum(td) / (((input1 * input1).sum(td) + eps) * ((input2 * input2).sum(td) + eps)).sqrt()
    loss = where(target == 1, 1 - cos, 0.0) + where(target == -1, (cos - margin).clamp_min(0), 0.0)
    return _reduce(loss, red)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """``max(0, -y * (x1 - x2) + margin)``.

    Example::

        >>> F.margin_ranking_loss(zoo_core.tensor([1., 2.]), zoo_core.tensor([2., 1.]), zoo_core.tensor([1., 1.]))
        tensor(0.5000)
    """
    red = _reduction(reduction, size_average, reduce)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), red)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """``x`` where ``y == 1``, ``max(0, margin - x)`` where ``y == -1``.

    Example::

        >>> F.hinge_embedding_loss(zoo_core.tensor([0.3, 0.2]), zoo_core.tensor([1., -1.]))
        tensor(0.5500)
    """
    red = _reduction(reduction, size_average, reduce)
    loss = where(target != 1, (margin - input).clamp_min(0), 0.0) + where(target != -1, input, 0.0)
    return _reduce(loss, red)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Logistic loss ``log(1 + exp(-y * x))`` (computed stably).

    Example::

        >>> F.soft_margin_loss(zoo_core.tensor([0.]), zoo_core.tensor([1.]))
        tensor(0.6931)
    """
    red = _reduction(reduction, size_average, reduce)
    return _reduce(softplus(-input * target), red)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """One-vs-all logistic loss averaged over the C classes of the last dim: ``(N, C) -> (N,)`` before the
    reduction.

    Example::

        >>> F.multilabel_soft_margin_loss(zoo_core.tensor([[0., 0.]]), zoo_core.tensor([[1., 0.]]))
        tensor(0.6931)
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    # -(t * logsigmoid(x) + (1 - t) * logsigmoid(-x)), with logsigmoid(z) = -softplus(-z)
    loss = target * softplus(-input) + (1 - target) * softplus(input)
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(input.dim() - 1) / input.shape[-1]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """Multi-class hinge loss: ``sum_{j != y} weight[y] * max(0, margin - x[y] + x[j]) ** p / C`` per sample.

    Example::

        >>> F.multi_margin_loss(zoo_core.tensor([[0.1, 0.2, 0.4, 0.8]]), zoo_core.tensor([3]))
        tensor(0.3250)
    """
    red = _reduction(reduction, size_average, reduce)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    x, t = input._data, target._data
    nd = x.ndim
    if not ((nd == 2 and x.shape[1] != 0) or (nd == 1 and x.shape[0] != 0) or nd == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(x.shape)}")
    n = x.shape[0] if nd == 2 else 1
    n_classes = x.shape[-1] if nd else 1
    if t.ndim > 1 or t.size != n:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{n}], but got {list(t.shape)}. "
                           f"Input has shape {list(x.shape)}.")
    if t.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {_tname(t)}")
    if weight is not None and weight.numel() != n_classes:
        raise RuntimeError(f"inconsistent weight size, expected {n_classes} but got {list(weight.shape)}")
    if bool(((t < 0) | (t >= n_classes)).any()):
        raise RuntimeError("target out of range")
    xp = _backend.array_module(x)
    ts = t.reshape(n, 1)
    x2 = input.reshape(n, n_classes)
    z = (x2 - x2.gather(1, target.reshape(n, 1)) + margin).clamp_min(0)   # (N, C)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight[target.reshape(n)].reshape(n, 1)
    z = where(_wrap(xp.arange(n_classes).reshape(1, n_classes) == ts), 0.0, z)   # j == y does not count
    loss = z.sum(1) / n_classes
    return _reduce(loss.reshape(t.shape) if nd < 2 else loss, red)


def _pairwise_distance(x1, x2, p, eps):
    """torch's ``pairwise_distance``: the p-norm of ``x1 - x2 + eps`` over the last dim."""
    return norm(x1 - x2 + eps, p, max(x1.dim(), x2.dim()) - 1)


def _check_triplet_dims(anchor, positive, negative):
    a, p, n = anchor.dim(), positive.dim(), negative.dim()
    if not (a == p and p == n):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {p}D, and negative {n}D inputs")


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the p-norm distance (``swap``: use ``d(p, n)``
    when it is smaller).

    Example::

        >>> a, pos, neg = zoo_core.zeros(1, 2), zoo_core.zeros(1, 2), zoo_core.ones(1, 2)
        >>> F.triplet_margin_loss(a, pos, neg, margin=2.)
        tensor(0.5858)
    """
    red = _reduction(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = minimum(d_neg, _pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), red)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
                                      swap=False, reduction="mean"):
    """``triplet_margin_loss`` with any ``distance_function(x1, x2)`` (default: the pairwise 2-norm)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    dist = distance_function or (lambda a, b: _pairwise_distance(a, b, 2.0, 1e-6))
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = minimum(d_neg, dist(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


# ---- likelihood losses --------------------------------------------------------------------------
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """Poisson negative log likelihood: ``exp(x) - t * x`` (``log_input``) or ``x - t * log(x + eps)``;
    ``full`` adds the Stirling term ``t log t - t + 0.5 log(2 pi t)`` where ``t > 1``.

    Example::

        >>> F.poisson_nll_loss(zoo_core.tensor([0.]), zoo_core.tensor([1.]))
        tensor(1.)
    """
    red = _reduction(reduction, size_average, reduce)
    if log_input:
        loss = exp(input) - target * input
    else:
        loss = input - target * log(input + eps)
    if full:
        big = target > 1
        tb = where(big, target, 1.0)            # keeps log() away from t <= 1, where the term is 0 anyway
        loss = loss + where(big, tb * log(tb) - tb + 0.5 * log(2 * math.pi * tb), 0.0)
    return _reduce(loss, red)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log likelihood ``0.5 * (log(var) + (x - t) ** 2 / var)``; ``var`` is a tensor
    (one per element, or one fewer dim / one size-1 dim: homoscedastic) or a number; it is clamped at
    ``eps`` for stability (the clamp is not differentiated, as in PyTorch).

    Example::

        >>> F.gaussian_nll_loss(zoo_core.tensor([1.]), zoo_core.tensor([1.]), zoo_core.tensor([1.]))
        tensor(0.)
    """
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * ones_like(input)
    elif bool((var._data < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (input.dim() == var.dim()
                  and sum(b for a, b in zip(input.shape, var.shape) if a != b) == 1):
            raise ValueError("var is of incorrect size")
    if reduction != "none" and reduction != "mean" and reduction != "sum":
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with grad_mode.no_grad():
        var.clamp_(min=eps)
    d = input - target
    loss = 0.5 * (log(var) + d * d / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)

