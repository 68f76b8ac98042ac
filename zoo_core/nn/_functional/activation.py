"""Functional activations: ``relu6``, ``leaky_relu``, ``elu``, ``hardswish``, ``softmax``, ``glu`` ...

The elementwise ones are single graph nodes: ``forward(xp, x, ...)`` on the raw array and a backward
written with Tensor ops right below it (so double backward works). ``relu``, ``gelu``, ``silu``,
``mish``, ``softplus``, ``sigmoid`` and ``tanh`` live in ``zoo_core.ops.unary``; ``F`` re-exports them.
Every op with a ``*_`` form in PyTorch has it here too, built with ``ops._util.inplace_variant``.
"""
import warnings

from ... import _backend
from ...ops._util import inplace_variant
from ...autograd import grad_mode
from ...autograd.graph import record
from ...ops.arith import where
from ...ops.scan import log_softmax as _log_softmax, softmax as _softmax
from ...ops.unary import sigmoid, softplus, tanh
from ...tensor import Tensor, _wrap, inplace_update

__all__ = ["relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_", "elu", "elu_", "selu",
           "selu_", "celu", "celu_", "hardswish", "hardsigmoid", "hardtanh", "hardtanh_", "threshold",
           "threshold_", "softsign", "tanhshrink", "hardshrink", "softshrink", "logsigmoid", "glu", "softmax",
           "softmin", "log_softmax", "gumbel_softmax"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _float(input, op, ints=False):
    """The input's array; torch's NotImplementedError (a RuntimeError) for dtypes the op lacks: all but
    floats, or with ``ints`` all but bool."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    kind = input._data.dtype.kind
    if kind != "f" and not (ints and kind in "iu"):
        raise NotImplementedError(f"{op}: expected a floating point tensor, got {input.dtype.name}")
    return input._data


def _pointwise(name, node, forward, backward, ints=False):
    """``op(input, *params)``: ``forward(xp, x, *params)`` on arrays; ``backward(g, input, *params)``
    with Tensor ops. ``ints``: integer inputs are allowed too (as torch allows them)."""
    def op(input, *params):
        x = _float(input, name, ints)
        y = _wrap(forward(_backend.array_module(x), x, *params))
        if input._rg and grad_mode.enabled:
            record(y, node, lambda g: (backward(g, input, *params),), (input,), (input,))
        return y
    op.__name__ = name
    return op


def _maybe_inplace(fn, name, input, inplace, *args):
    return inplace_variant(name, fn)(input, *args) if inplace else fn(input, *args)


# ---- piecewise linear ---------------------------------------------------------------------------
def _hardtanh_fwd(xp, x, lo, hi):
    return xp.clip(x, lo, hi).astype(x.dtype, copy=False)


def _hardtanh_bwd(g, x, lo, hi):
    # PyTorch: zero gradient on the boundaries themselves
    return where((x > lo) & (x < hi), g, 0.0)


_hardtanh = _pointwise("hardtanh", "HardtanhBackward0", _hardtanh_fwd, _hardtanh_bwd, ints=True)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """``clamp(x, min_val, max_val)``; the gradient is zero outside (and on) the bounds.

    Example::

        >>> F.hardtanh(zoo_core.tensor([-2., 0.5, 3.]))
        tensor([-1.0000,  0.5000,  1.0000])
    """
    if max_val < min_val:
        raise ValueError(f"hardtanh: max_val ({max_val}) cannot be less than min_val ({min_val})")
    return _maybe_inplace(_hardtanh, "hardtanh_", input, inplace, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    """``min(max(0, x), 6)``.

    Example::

        >>> F.relu6(zoo_core.tensor([-1., 3., 8.]))
        tensor([0., 3., 6.])
    """
    return hardtanh(input, 0.0, 6.0, inplace)


def relu_(input):
    """In-place ``relu``."""
    return input.relu_()


def _leaky_fwd(xp, x, slope):
    return xp.where(x > 0, x, x * x.dtype.type(slope))


def _leaky_bwd(g, x, slope):
    return where(x > 0, g, g * slope)


_leaky_relu = _pointwise("leaky_relu", "LeakyReluBackward0", _leaky_fwd, _leaky_bwd)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    Example::

        >>> F.leaky_relu(zoo_core.tensor([-2., 3.]), 0.1)
        tensor([-0.2000,  3.0000])
    """
    return _maybe_inplace(_leaky_relu, "leaky_relu_", input, inplace, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def prelu(input, weight):
    """``x`` where positive, ``weight * x`` elsewhere; ``weight`` has 1 element or one per channel (dim 1).

    Example::

        >>> F.prelu(zoo_core.tensor([[-2., 3.]]), zoo_core.tensor([0.25]))
        tensor([[-0.5000,  3.0000]])
    """
    _float(input, "prelu")
    n = weight._data.size
    channels = input._data.shape[1] if input._data.ndim >= 2 else 1
    if n != 1 and n != channels:
        raise RuntimeError(f"prelu: Mismatch of parameter numbers and input channel size. Found parameter "
                           f"numbers = {n} and channel size = {channels}.")
    if input._data.ndim >= 2:
        w = weight.reshape((1, n) + (1,) * (input._data.ndim - 2))
    else:
        w = weight.reshape(())
    return where(input > 0, input, w * input)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: in training the negative slope is drawn from ``U(lower, upper)`` per element;
    in eval it is ``(lower + upper) / 2``."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    from ...random import rand
    x = _float(input, "rrelu")
    r = rand(tuple(x.shape), dtype=input.dtype, device=input.device)._data * (upper - lower) + lower
    noise = _wrap(_backend.array_module(x).where(x >= 0, 1, r).astype(x.dtype, copy=False))
    out = input * noise
    return inplace_update(input, out, "rrelu_") if inplace else out


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)


def _threshold_fwd(xp, x, threshold, value):
    # ``x <= threshold``, not ``x > threshold``: a NaN stays NaN (and passes its gradient), as in torch;
    # an int input compares with the threshold cast to its dtype, as torch's C++ does
    t = x.dtype.type
    return xp.where(x <= t(threshold), t(value), x)


def _threshold_bwd(g, x, threshold, value):
    return where(x <= threshold, 0.0, g)


_threshold = _pointwise("threshold", "ThresholdBackward0", _threshold_fwd, _threshold_bwd, ints=True)


def threshold(input, threshold, value, inplace=False):
    """``x`` where ``x > threshold``, else ``value``.

    Example::

        >>> F.threshold(zoo_core.tensor([0.5, 2.]), 1.0, -1.0)
        tensor([-1.,  2.])
    """
    return _maybe_inplace(_threshold, "threshold_", input, inplace, threshold, value)


def threshold_(input, threshold, value):
    return _maybe_inplace(_threshold, "threshold_", input, True, threshold, value)


# ---- exponential linear units -------------------------------------------------------------------
def _elu_fwd(xp, x, alpha, scale, input_scale):
    t = x.dtype.type
    neg = xp.expm1(xp.minimum(x, 0) * t(input_scale)) * t(alpha * scale)
    return xp.where(x > 0, x * t(scale), neg)


def _elu_bwd(g, x, alpha, scale, input_scale):
    neg = (x.clamp(max=0.0) * input_scale).exp() * (input_scale * alpha * scale)
    return where(x > 0, g * scale, g * neg)


_elu = _pointwise("elu", "EluBackward0", _elu_fwd, _elu_bwd)


def elu(input, alpha=1.0, inplace=False):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere.

    Example::

        >>> F.elu(zoo_core.tensor([-1., 2.]))
        tensor([-0.6321,  2.0000])
    """
    return _maybe_inplace(_elu, "elu_", input, inplace, alpha, 1.0, 1.0)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


def selu(input, inplace=False):
    """``scale * elu(x, alpha)`` with the self-normalising constants (alpha ~ 1.6733, scale ~ 1.0507)."""
    return _maybe_inplace(_elu, "selu_", input, inplace, _SELU_ALPHA, _SELU_SCALE, 1.0)


def selu_(input):
    return selu(input, inplace=True)


def celu(input, alpha=1.0, inplace=False):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu: alpha must not be 0")
    return _maybe_inplace(_elu, "celu_", input, inplace, alpha, 1.0, 1.0 / alpha)


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


# ---- hard approximations ------------------------------------------------------------------------
def _hardswish_fwd(xp, x):
    t = x.dtype.type
    return x * xp.clip(x + t(3), 0, 6) / t(6)


def _hardswish_bwd(g, x):
    # PyTorch: 0 up to -3, g from 3 on, g * (x / 3 + 0.5) between (and for NaN)
    return where(x <= -3, 0.0, where(x >= 3, g, g * (x / 3 + 0.5)))


_hardswish = _pointwise("hardswish", "HardswishBackward0", _hardswish_fwd, _hardswish_bwd)


def hardswish(input, inplace=False):
    """``x * relu6(x + 3) / 6`` (MobileNetV3).

    Example::

        >>> F.hardswish(zoo_core.tensor([-4., 0., 1., 4.]))
        tensor([-0.0000, 0.0000, 0.6667, 4.0000])
    """
    return _maybe_inplace(_hardswish, "hardswish_", input, inplace)


def _hardsigmoid_fwd(xp, x):
    t = x.dtype.type
    return xp.clip(x + t(3), 0, 6) / t(6)


def _hardsigmoid_bwd(g, x):
    return where((x > -3) & (x < 3), g / 6, 0.0)


_hardsigmoid = _pointwise("hardsigmoid", "HardsigmoidBackward0", _hardsigmoid_fwd, _hardsigmoid_bwd)


def hardsigmoid(input, inplace=False):
    """``relu6(x + 3) / 6``.

    Example::

        >>> F.hardsigmoid(zoo_core.tensor([-4., 0., 4.]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    return _maybe_inplace(_hardsigmoid, "hardsigmoid_", input, inplace)


def _shrink_check(lambd, op):
    if lambd < 0:
        raise RuntimeError(f"{op}: lambda must be greater or equal to 0, but found to be {lambd}.")


# NaN inputs stay NaN with a zero gradient, as in torch: the forward zeroes only [-lambd, lambd] and the
# backward passes only outside it
def _shrink_bwd(g, x, lambd, soft):
    return where((x > lambd) | (x < -lambd), g, 0.0)


def _shrink_fwd(xp, x, lambd, soft):
    t = x.dtype.type
    inside = (x >= t(-lambd)) & (x <= t(lambd))
    return xp.where(inside, t(0), x - xp.sign(x) * t(lambd) if soft else x)


_shrink = _pointwise("hardshrink", "HardshrinkBackward0", _shrink_fwd, _shrink_bwd)
_softshrink = _pointwise("softshrink", "SoftshrinkBackward0", _shrink_fwd, _shrink_bwd)


def hardshrink(input, lambd=0.5):
    """``x`` where ``|x| > lambd``, else 0.

    Example::

        >>> F.hardshrink(zoo_core.tensor([-1., 0.2, 0.7]))
        tensor([-1.0000,  0.0000,  0.7000])
    """
    return _shrink(input, lambd, False)


def softshrink(input, lambd=0.5):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0.

    Example::

        >>> F.softshrink(zoo_core.tensor([-1., 0.2, 0.7]))
        tensor([-0.5000,  0.0000,  0.2000])
    """
    _shrink_check(lambd, "softshrink")
    return _softshrink(input, lambd, True)


# ---- smooth, composed of Tensor ops -------------------------------------------------------------
def softsign(input):
    """``x / (1 + |x|)``."""
    return input / (input.abs() + 1)


def tanhshrink(input):
    """``x - tanh(x)``."""
    return input - tanh(input)


def logsigmoid(input):
    """``log(sigmoid(x))``, computed stably as ``-softplus(-x)``."""
    return -softplus(-input)


def glu(input, dim=-1):
    """Gated linear unit: ``a * sigmoid(b)`` where ``a, b`` are the halves of ``input`` along ``dim``.

    Example::

        >>> F.glu(zoo_core.tensor([[1., 2., 0., 0.]])).shape
        zoo_core.Size([1, 2])
    """
    if input._data.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim % input._data.ndim} is size {size}")
    a, b = input.chunk(2, dim)
    return a * sigmoid(b)


# ---- softmax family (delegating to zoo_core.ops) -------------------------------------------------
def _softmax_dim(name, ndim):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                  "dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim`` (computed stably).

    Example::

        >>> F.softmax(zoo_core.tensor([[0., 0.]]), dim=1)
        tensor([[0.5000, 0.5000]])
    """
    if dim is None:
        dim = _softmax_dim("softmax", input._data.ndim)
    return _softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(-x)`` along ``dim``."""
    if dim is None:
        dim = _softmax_dim("softmin", input._data.ndim)
    if dtype is not None:
        input = input.to(dtype)
    return _softmax(-input, dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``log(softmax(x))`` along ``dim`` (computed stably)."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input._data.ndim)
    return _log_softmax(input, dim, dtype=dtype)



def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """A sample of the Gumbel-softmax distribution: ``softmax((logits + g) / tau)`` with Gumbel(0, 1) noise
    ``g``; ``hard=True`` returns the one-hot argmax with the soft sample's gradient (straight through)."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    from ...ops.creation import empty_like, zeros_like
    gumbels = -empty_like(logits).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.argmax(dim, keepdim=True)
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
