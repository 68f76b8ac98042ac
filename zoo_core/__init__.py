"""Zoo: a PyTorch-compatible define-by-run deep-learning framework on numpy (CPU) and CuPy (GPU).

``import zoo_core as torch`` and most PyTorch code runs as is::

    >>> import zoo_core as torch
    >>> x = torch.randn(2, 2, requires_grad=True)
    >>> out = (x + 2).pow(2).mean()
    >>> out.backward()
"""
import warnings as _warnings

# numpy warns on floating-point specials (log(0), 0/0, exp overflow); PyTorch is silent and returns
# inf/nan. Silence them only where zoo_core's own code runs the ufunc, at no per-op cost.
_warnings.filterwarnings("ignore", message=r"(divide by zero|invalid value|overflow) encountered",
                         category=RuntimeWarning, module=r"zoo_core\.")

from . import _dtype  # noqa: E402
from ._backend import device, get_default_device, set_default_device
from ._dtype import (bfloat16, bool, double, dtype, finfo, float, float16, float32, float64, get_default_dtype, half,
                     iinfo, int, int8, int16, int32, int64, long, promote_types, set_default_dtype, short, uint8)
from .tensor import Size, Tensor, layout, sparse_coo, strided
from ._tensor_storage import (angle, as_strided, channels_last, channels_last_3d, conj, conj as conj_physical,
                              contiguous_format, is_conj, is_neg, memory_format, narrow_copy, nonzero_static,
                              preserve_format, resolve_conj, resolve_neg, unsafe_chunk, unsafe_split,
                              unsafe_split_with_sizes)
from . import autograd
from .autograd import Function, enable_grad, inference_mode, no_grad, set_grad_enabled
from .autograd.grad_mode import (is_anomaly_enabled, is_grad_enabled, is_inference_mode_enabled,
                                 set_detect_anomaly)
from .ops import arith as _arith, unary as _unary
from .ops.creation import (arange, as_tensor, asarray, empty, empty_like, empty_strided, eye, frombuffer,
                           from_numpy, full, full_like, linspace, logspace, ones, ones_like, range, scalar_tensor,
                           tensor, zeros, zeros_like)
from .ops.windows import bartlett_window, blackman_window, hamming_window, hann_window, kaiser_window
from .ops.arith import (add, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, clamp, clamp_max, clamp_min,
                        clip, div, divide, eq, float_power, floor_divide, fmax, fmin, fmod, ge, greater,
                        greater_equal, gt, le, less, less_equal, logical_and, logical_not, logical_or,
                        logical_xor, lt, maximum, minimum, mul, multiply, ne, neg, negative, not_equal, positive, pow,
                        remainder, rsub, sub, subtract, true_divide, where)
from .ops.unary import (abs, absolute, acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctan2,
                        arctanh, asin, asinh, atan, atan2, atanh, ceil, cos, cosh, erf, erfc, exp, exp2,
                        expm1, fix, floor, frac, gelu, isfinite, isinf, isnan, isneginf, isposinf, log,
                        log1p, log2, log10, logit, mish, nan_to_num, reciprocal, relu, round, rsqrt,
                        sigmoid, sign, sgn, silu, sin, sinh, softplus, sqrt, square, tan, tanh, trunc)
from .ops.binary_math import *  # noqa: F401,F403  (xlogy, hypot, copysign, ..., the torch.exp_-style functions)
from .ops.special_functions import i0, i0_, igamma, igammac
from .ops.reduction import *  # noqa: F401,F403
from .ops.linalg import *  # noqa: F401,F403
from .ops.shape import *  # noqa: F401,F403
from .ops.indexing import *  # noqa: F401,F403
from .ops.sorting import *  # noqa: F401,F403
from .ops.misc import *  # noqa: F401,F403
from .ops.linalg_decomp import *  # noqa: F401,F403  (after misc: structure and misc import each other)
from .ops.linalg_solve import *  # noqa: F401,F403

from . import random
from .random import (Generator, bernoulli, default_generator, get_rng_state, initial_seed, manual_seed,
                     multinomial, normal, poisson, rand, rand_like, randint, randint_like, randn, randn_like,
                     randperm, seed, set_rng_state)
from . import cuda, linalg, special
from .dlpack import from_dlpack
from ._torch_functions import *  # noqa: F401,F403  (result_type, can_cast, gradient, the *_copy view forms...)
from ._legacy import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor,
                      LongTensor, ShortTensor)
from ._tensor_str import get_printoptions, printoptions, set_printoptions
from ._runtime import (are_deterministic_algorithms_enabled, compile, get_float32_matmul_precision,
                       get_num_interop_threads, get_num_threads, is_deterministic_algorithms_warn_only_enabled,
                       is_warn_always_enabled, set_float32_matmul_precision, set_flush_denormal,
                       set_num_interop_threads, set_num_threads, set_warn_always, use_deterministic_algorithms)

__version__ = "0.1.0"
float = float32


def save(obj, f):
    """Save tensors, state dicts and nested containers to a safetensors file (atomically); see
    ``zoo_core.serialization.save``."""
    from .serialization import save as _save
    return _save(obj, f)


def load(f, map_location=None, weights_only=True, **kwargs):
    """Load a file saved by ``save``, any safetensors file, or a PyTorch checkpoint (never running code
    from it); see ``zoo_core.serialization.load``."""
    from .serialization import load as _load
    return _load(f, map_location=map_location, weights_only=weights_only, **kwargs)


# Subpackages load on first use, so `import zoo_core` stays close to `import numpy` in time; the plugin
# host and the hub in particular read no entry points and import no pluggy until asked.
_LAZY = ("nn", "optim", "data", "utils", "serialization", "hub", "plugins", "testing", "cli", "amp", "backends",
         "accelerator", "func", "distributed", "jit", "distributions", "profiler")


def __getattr__(name):
    if name == "hookimpl":
        from .plugins.hookspecs import hookimpl
        return hookimpl
    if name in _LAZY:
        import importlib
        return importlib.import_module(f".{name}", __name__)
    if name == "autocast":
        from .amp import autocast
        return autocast
    if name == "vmap":
        from .func import vmap
        return vmap
    if not name.startswith("_"):
        import importlib
        fn = importlib.import_module("._torch_nn_ops", __name__).lookup(name)
        if fn is not None:
            return fn
    raise AttributeError(f"module 'zoo_core' has no attribute {name!r}")


def __dir__():
    import importlib
    _torch_nn_ops = importlib.import_module("._torch_nn_ops", __name__)
    return sorted(set(globals()) | set(_LAZY) | {"hookimpl", "autocast", "vmap"} | _torch_nn_ops.SAME_AS_FUNCTIONAL
                  | _torch_nn_ops.ADAPTED)
