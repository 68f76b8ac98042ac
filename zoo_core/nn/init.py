"""``zoo_core.nn.init``: in-place initialisers, with PyTorch's formulas (fans, gains, bounds).

Every function fills its tensor in place under ``no_grad`` (so it works on parameters that require grad),
bumps its version counter and returns it. ``generator=`` draws from a given ``zoo_core.Generator``.

Example::

    >>> w = zoo_core.empty(3, 5)
    >>> nn.init.xavier_uniform_(w, gain=nn.init.calculate_gain("relu")) is w
    True
"""
import math
import warnings

import numpy as np

from .. import _backend
from ..autograd.grad_mode import no_grad
from ..tensor import _wrap

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_",
           "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
           "sparse_",
           # deprecated aliases, as in PyTorch
           "uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal", "kaiming_uniform",
           "kaiming_normal", "orthogonal", "sparse"]

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity: 1 for linear/conv/sigmoid, 5/3 for tanh, sqrt(2) for relu,
    sqrt(2 / (1 + slope^2)) for leaky_relu (``param`` = negative slope, default 0.01), 3/4 for selu.

    Example::

        >>> round(nn.init.calculate_gain("leaky_relu", 0.2), 4)
        1.3868
    """
    if nonlinearity in _LINEAR_FNS:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):   # True is an int
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4   # found empirically by PyTorch (pytorch/pytorch#50664)
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    """``(fan_in, fan_out)`` of a weight ``(out, in, *kernel)``: in/out feature maps times the kernel size."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid = ["fan_in", "fan_out"]
    if mode not in valid:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b).

    Example::

        >>> bool((nn.init.uniform_(zoo_core.empty(3, 5), -1, 1).abs() <= 1).all())
        True
    """
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std^2).

    Example::

        >>> nn.init.normal_(zoo_core.empty(3, 5), 0.0, 0.02).shape
        zoo_core.Size([3, 5])
    """
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def _norm_cdf(x):
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def _draw(shape, dtype, xp, fill):
    """A fresh array of ``shape`` filled by ``fill(tensor)`` (a sampling method of a scratch tensor)."""
    return fill(_wrap(xp.empty(shape, dtype=dtype)))._data


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with N(mean, std^2) truncated to [a, b]: every value lies in [a, b], none is clipped.

    Like PyTorch, values outside [a, b] are redrawn when [a, b] holds much of the mass (p > 0.3); otherwise
    uniform proposals on [a, b] are accepted with probability pdf(x) / max pdf (rejection sampling), so even
    a window far in a tail gives the exact truncated distribution.

    Example::

        >>> w = nn.init.trunc_normal_(zoo_core.empty(100), std=0.02, a=-0.04, b=0.04)
        >>> bool(((w >= -0.04) & (w <= 0.04)).all())
        True
    """
    if not std > 0:
        raise RuntimeError(f"trunc_normal_ expects std > 0.0, but found std={std}")
    if a > b:
        raise RuntimeError(f"trunc_normal_ expects a <= b, but found a={a} > b={b}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    xp = _backend.array_module(tensor._data)
    npdt = tensor._data.dtype
    if npdt.kind != "f":
        raise RuntimeError(f"trunc_normal_: expected a floating-point tensor, got {tensor.dtype}")
    lo, hi = npdt.type(a), npdt.type(b)   # the bounds in the tensor's dtype, so no rounded value escapes them
    mass = _norm_cdf((b - mean) / std) - _norm_cdf((a - mean) / std)
    if mass > 0.3:
        def propose(n):   # normal draws, kept when inside [a, b]
            c = _draw(n, npdt, xp, lambda t: t.normal_(mean, std, generator=generator))
            return c, (c >= lo) & (c <= hi)
    else:
        mode = max(a, min(mean, b))
        log_peak = -0.5 * ((mode - mean) / std) ** 2

        def propose(n):   # uniform draws on [a, b], kept with probability pdf / peak pdf
            c = _draw(n, npdt, xp, lambda t: t.uniform_(a, b, generator=generator))
            u = _draw(n, np.float64, xp, lambda t: t.uniform_(generator=generator))
            z = (c.astype(np.float64) - mean) / std
            return c, (xp.log(u) <= -0.5 * z * z - log_peak) & (c >= lo) & (c <= hi)
    out = xp.empty(tensor.numel(), dtype=npdt)
    todo = None   # flat indices still to fill; None means all of them
    while True:
        n = out.size if todo is None else int(todo.size)
        if n == 0:
            break
        cand, keep = propose(n)
        if todo is None:
            out[...] = cand
            todo = xp.flatnonzero(~keep)
        else:
            out[todo[keep]] = cand[keep]   # redraw only the rejected entries
            todo = todo[~keep]
    with no_grad():
        return tensor.copy_(_wrap(out.reshape(tuple(tensor.shape))))


def constant_(tensor, val):
    """Fill with ``val``.

    Example::

        >>> nn.init.constant_(zoo_core.empty(2), 0.5)
        tensor([0.5000, 0.5000])
    """
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    """Fill with ones.

    Example::

        >>> nn.init.ones_(zoo_core.empty(2))
        tensor([1., 1.])
    """
    with no_grad():
        return tensor.fill_(1)


def zeros_(tensor):
    """Fill with zeros.

    Example::

        >>> nn.init.zeros_(zoo_core.empty(2))
        tensor([0., 0.])
    """
    with no_grad():
        return tensor.zero_()


def eye_(tensor):
    """The identity matrix (2-D tensors; a rectangular one keeps as many inputs as it can).

    Example::

        >>> nn.init.eye_(zoo_core.empty(2, 3))
        tensor([[1., 0., 0.],
                [0., 1., 0.]])
    """
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    xp = _backend.array_module(tensor._data)
    with no_grad():
        return tensor.copy_(_wrap(xp.eye(*tensor.shape, dtype=tensor._data.dtype)))


def dirac_(tensor, groups=1):
    """The Dirac delta for conv weights ``(out, in/groups, *kernel)`` of 3-5 dims: a convolution with it
    passes its input channels through (per group, as many as there are output channels).

    Example::

        >>> w = nn.init.dirac_(zoo_core.empty(2, 2, 3))
        >>> w[0, 0].tolist(), w[0, 1].tolist()
        ([0.0, 1.0, 0.0], [0.0, 0.0, 0.0])
    """
    d = tensor.dim()
    if d not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tuple(tensor.shape)
    if sizes[0] % groups != 0:
        raise ValueError(f"dim 0 must be divisible by groups (dim 0 is {sizes[0]}, groups={groups})")
    out_per_group = sizes[0] // groups
    min_dim = min(out_per_group, sizes[1])
    xp = _backend.array_module(tensor._data)
    a = xp.zeros(sizes, dtype=tensor._data.dtype)
    i = np.arange(min_dim)
    rows = (np.arange(groups)[:, None] * out_per_group + i).ravel()   # output channel g * per_group + i
    cols = np.tile(i, groups)                                         # ... reads input channel i
    a[(xp.asarray(rows), xp.asarray(cols)) + tuple(s // 2 for s in sizes[2:])] = 1   # at the kernel centre
    with no_grad():
        return tensor.copy_(_wrap(a))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010).

    Example::

        >>> w = nn.init.xavier_uniform_(zoo_core.empty(3, 5))
        >>> bool((w.abs() <= 1.0).all())   # sqrt(6 / 8) < 1
        True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std   # PyTorch's rounding of the same bound
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)) (Glorot & Bengio, 2010).

    Example::

        >>> nn.init.xavier_normal_(zoo_core.empty(3, 5)).shape
        zoo_core.Size([3, 5])
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-bound, bound) with bound = gain * sqrt(3 / fan) (He et al., 2015); ``a`` is the leaky_relu slope.

    Example::

        >>> w = nn.init.kaiming_uniform_(zoo_core.empty(3, 6), nonlinearity="relu")
        >>> bool((w.abs() <= 1.0).all())   # sqrt(2) * sqrt(3 / 6) = 1
        True
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std^2) with std = gain / sqrt(fan) (He et al., 2015); ``a`` is the leaky_relu slope.

    Example::

        >>> nn.init.kaiming_normal_(zoo_core.empty(3, 5), mode="fan_out", nonlinearity="relu").shape
        zoo_core.Size([3, 5])
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor, gain=1, generator=None):
    """A (semi-)orthogonal matrix times ``gain``, from the QR decomposition of a normal matrix (Saxe et al.,
    2013); dims after the first are flattened, so rows (or columns, when fewer) are orthonormal.

    Example::

        >>> w = nn.init.orthogonal_(zoo_core.empty(3, 5))
        >>> bool(((w @ w.T) - zoo_core.eye(3)).abs().max() < 1e-5)
        True
    """
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    xp = _backend.array_module(tensor._data)
    flat = _draw((rows, cols), tensor._data.dtype, xp, lambda t: t.normal_(0, 1, generator=generator))
    if rows < cols:
        flat = flat.T
    q, r = xp.linalg.qr(flat.astype(np.float64))   # float64 so a float32/16 result is orthogonal to its precision
    q = q * xp.sign(xp.diagonal(r))   # fix the signs so Q is Haar-distributed (Mezzadri, math-ph/0609050)
    if rows < cols:
        q = q.T
    with no_grad():
        return tensor.copy_(_wrap((q * gain).reshape(tuple(tensor.shape)).astype(tensor._data.dtype)))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """A 2-D matrix with ``ceil(sparsity * rows)`` zeros in every column (at random rows), the rest
    N(0, std^2) (Martens, 2010).

    Example::

        >>> w = nn.init.sparse_(zoo_core.empty(10, 3), sparsity=0.2)
        >>> (w == 0).sum(0).tolist()
        [2, 2, 2]
    """
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    if not 0 <= sparsity <= 1:
        raise ValueError(f"sparse_: sparsity must be in [0, 1], got {sparsity}")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    xp = _backend.array_module(tensor._data)
    vals = _draw((rows, cols), tensor._data.dtype, xp, lambda t: t.normal_(0, std, generator=generator))
    if num_zeros and cols:
        # argsort of uniform keys is an independent random permutation of the rows in every column
        keys = _draw((rows, cols), np.float64, xp, lambda t: t.uniform_(generator=generator))
        zero_rows = xp.argsort(keys, axis=0)[:num_zeros]   # (num_zeros, cols)
        vals[zero_rows, xp.arange(cols)] = 0
    with no_grad():
        return tensor.copy_(_wrap(vals))


def _make_deprecate(meth):
    new_name = meth.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.",
                      FutureWarning, stacklevel=2)
        return meth(*args, **kwargs)

    deprecated_init.__name__ = old_name
    deprecated_init.__doc__ = f"{old_name}(...): deprecated, use ``nn.init.{new_name}``."
    return deprecated_init


uniform = _make_deprecate(uniform_)
normal = _make_deprecate(normal_)
constant = _make_deprecate(constant_)
eye = _make_deprecate(eye_)
dirac = _make_deprecate(dirac_)
xavier_uniform = _make_deprecate(xavier_uniform_)
xavier_normal = _make_deprecate(xavier_normal_)
kaiming_uniform = _make_deprecate(kaiming_uniform_)
kaiming_normal = _make_deprecate(kaiming_normal_)
orthogonal = _make_deprecate(orthogonal_)
sparse = _make_deprecate(sparse_)
