"""Zoo: a PyTorch-compatible define-by-run deep-learning framework on numpy (CPU) and CuPy (GPU).

``import zoo_core as torch`` and most PyTorch code runs as is::

    >>> import zoo_core as torch
    >>> x = torch.randn(2, 2, requires_grad=True)
    >>> out = (x + 2).pow(2).mean()
    >>> out.backward()
"""
from . import _dtype
from ._backend import device
from ._dtype import (bool, double, dtype, float, float16, float32, float64, get_default_dtype, half, int,
                     int8, int16, int32, int64, long, promote_types, set_default_dtype, short, uint8)
from .tensor import Size, Tensor
from . import autograd
from .autograd import Function, enable_grad, inference_mode, no_grad, set_grad_enabled
from .autograd.grad_mode import (is_anomaly_enabled, is_grad_enabled, is_inference_mode_enabled,
                                 set_detect_anomaly)
from .ops import arith as _arith, unary as _unary
from .ops.creation import (arange, as_tensor, asarray, empty, empty_like, eye, from_numpy, full, full_like,
                           linspace, logspace, ones, ones_like, tensor, zeros, zeros_like)
from .ops.arith import (add, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, clamp, clamp_max, clamp_min,
                        clip, div, divide, eq, float_power, floor_divide, fmax, fmin, fmod, ge, greater,
                        greater_equal, gt, le, less, less_equal, logical_and, logical_not, logical_or,
                        logical_xor, lt, maximum, minimum, mul, multiply, ne, neg, negative, not_equal, pow,
                        remainder, rsub, sub, subtract, true_divide, where)
from .ops.unary import (abs, absolute, acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctan2,
                        arctanh, asin, asinh, atan, atan2, atanh, ceil, cos, cosh, erf, erfc, exp, exp2,
                        expm1, fix, floor, frac, gelu, isfinite, isinf, isnan, isneginf, isposinf, log,
                        log1p, log2, log10, logit, mish, nan_to_num, reciprocal, relu, round, rsqrt,
                        sigmoid, sign, sgn, silu, sin, sinh, softplus, sqrt, square, tan, tanh, trunc)
from .ops.reduction import *  # noqa: F401,F403
from .ops.linalg import *  # noqa: F401,F403
from .ops.shape import *  # noqa: F401,F403
from .ops.indexing import *  # noqa: F401,F403
from .ops.sorting import *  # noqa: F401,F403

from . import random
from .random import (Generator, bernoulli, default_generator, get_rng_state, initial_seed, manual_seed,
                     multinomial, normal, poisson, rand, rand_like, randint, randint_like, randn, randn_like,
                     randperm, seed, set_rng_state)
from . import cuda, linalg, nn, optim
from .dlpack import from_dlpack
from ._tensor_str import get_printoptions, printoptions, set_printoptions
from . import data, utils
from . import serialization
from .serialization import load, save

__version__ = "0.1.0"
float = float32


def __getattr__(name):
    # The plugin host and the hub load on first use: `import zoo_core` reads no entry points, imports no
    # pluggy and no plugin (``zoo_core.hookimpl`` is what plugin entry modules import).
    if name == "hookimpl":
        from .plugins.hookspecs import hookimpl
        return hookimpl
    if name in ("hub", "plugins"):
        import importlib
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'zoo_core' has no attribute {name!r}")
