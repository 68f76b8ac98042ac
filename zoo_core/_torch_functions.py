"""The remaining ``torch.*`` functions that are not one op family's: dtype queries (``result_type``,
``can_cast``, ``is_signed``), ``gradient`` (finite differences, as ``numpy.gradient``), the ``*_copy``
forms of view ops, and small utilities (``typename``, ``get_device``, ``fill``, ``empty_permuted``...).

Example::

    >>> zoo_core.gradient(zoo_core.tensor([1., 4., 9., 16.]))
    (tensor([3., 4., 6., 7.]),)
    >>> zoo_core.can_cast(zoo_core.float64, zoo_core.int32)
    False
"""
import numbers

from . import _dtype
from .tensor import Tensor

__all__ = ["result_type", "can_cast", "is_signed", "is_storage", "typename", "get_device", "fill", "detach_",
           "real", "imag", "gradient", "empty_permuted", "get_device_module", "set_default_tensor_type",
           "set_anomaly_enabled", "is_anomaly_check_nan_enabled", "set_deterministic_debug_mode",
           "get_deterministic_debug_mode"]


# ---- dtype queries ----------------------------------------------------------------------------------
def result_type(tensor1, tensor2):
    """The dtype an arithmetic op on the two operands (tensors or numbers) would give."""
    return _dtype.result_type(tensor1, tensor2)


def can_cast(from_, to):
    """Whether PyTorch's casting rules allow ``from_`` -> ``to`` in ops with ``out=``/in-place: never
    to a lower category (float -> int, int -> bool)."""
    return _dtype.to_dtype(from_).category <= _dtype.to_dtype(to).category


def is_signed(input):
    return input.is_signed()


def is_storage(obj):
    """False: Zoo has no storage objects (tensors own their arrays)."""
    return False


def typename(obj):
    """``'torch.FloatTensor'`` for tensors (PyTorch's names), the qualified class name otherwise."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = type(obj).__module__
    return type(obj).__qualname__ if module in ("builtins", None) else f"{module}.{type(obj).__qualname__}"


def get_device(input):
    return input.get_device()


def fill(input, value):
    """A new tensor like ``input`` filled with ``value`` (the out-of-place ``fill_``)."""
    return input.clone().fill_(value)


def detach_(input):
    return input.detach_()


def real(input):
    return input.real


def imag(input):
    return input.imag


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad=False,
                   pin_memory=False):
    """An uninitialised tensor of logical ``size`` whose memory is laid out in ``physical_layout`` order."""
    from .ops.creation import empty
    size = tuple(size)
    order = tuple(physical_layout)
    if sorted(order) != list(range(len(size))):
        raise RuntimeError(f"empty_permuted: physical_layout {list(order)} is not a permutation of the "
                           f"{len(size)} dims of size {list(size)}")
    inverse = [order.index(i) for i in range(len(size))]
    t = empty(tuple(size[i] for i in order), dtype=dtype, device=device).permute(*inverse)
    return t.requires_grad_(True) if requires_grad else t


def get_device_module(device=None):
    """``zoo_core.cuda`` for cuda devices (and by default, as PyTorch's current accelerator)."""
    from . import _backend, cuda
    d = _backend.device(device) if device is not None else _backend.device("cuda")
    if d.type == "cuda":
        return cuda
    raise RuntimeError(f"get_device_module: no device module for {d.type!r} (Zoo has cpu and cuda)")


def set_default_tensor_type(t):
    """The deprecated way to set the default float dtype (``torch.DoubleTensor`` or its name)."""
    from . import _legacy
    name = t if isinstance(t, str) else getattr(t, "__name__", str(t))
    dt_name = {v: k for k, v in _legacy.NAMES.items()}.get(name.rsplit(".", 1)[-1])
    dt = getattr(_dtype, dt_name) if dt_name else None
    if dt is None or not dt.is_floating_point:
        raise TypeError(f"set_default_tensor_type: only floating-point types are supported as the default "
                        f"type, got {name}")
    _dtype.set_default_dtype(dt)


_check_nan = [True]   # PyTorch's flag (True by default, whether or not anomaly mode is on)


def set_anomaly_enabled(enabled, check_nan=True):
    """Switch anomaly detection on or off for good (``set_detect_anomaly`` as a plain call)."""
    from .autograd import grad_mode
    grad_mode.set_detect_anomaly(enabled, check_nan)
    _check_nan[0] = bool(check_nan)


def is_anomaly_check_nan_enabled():
    """The ``check_nan`` flag last given to ``set_anomaly_enabled`` (True by default)."""
    return _check_nan[0]


_debug_mode = [0]


def set_deterministic_debug_mode(debug_mode):
    """``"default"``/0, ``"warn"``/1, ``"error"``/2, recorded (Zoo's CPU ops are deterministic)."""
    modes = {"default": 0, "warn": 1, "error": 2}
    m = modes.get(debug_mode, debug_mode)
    if m not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected one of default, warn, error, got {debug_mode!r}")
    _debug_mode[0] = m


def get_deterministic_debug_mode():
    return _debug_mode[0]


# ---- gradient: finite differences -------------------------------------------------------------------
def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Estimate the derivative of ``input`` along each ``dim`` by central differences in the interior and
    one-sided differences of order ``edge_order`` (1 or 2) at the ends, as ``numpy.gradient``.
    ``spacing``: one number for all dims, one number per dim, or one coordinate tensor per dim."""
    nd = input.ndim
    dims = list(range(nd)) if dim is None else ([dim] if isinstance(dim, int) else list(dim))
    dims = [d % nd for d in dims] if nd else dims
    if edge_order not in (1, 2):
        raise RuntimeError(f"torch.gradient only supports edge_order=1 and edge_order=2, got {edge_order}")
    if isinstance(spacing, (numbers.Number, Tensor)) and not (isinstance(spacing, Tensor) and spacing.ndim):
        spacing = [spacing] * len(dims)
    spacing = list(spacing)
    if len(spacing) != len(dims):
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or its length to "
                           f"match the number of dims ({len(dims)}), got {len(spacing)}")
    x = input if input.is_floating_point() else input.to(_dtype.get_default_dtype())
    out = []
    for d, h in zip(dims, spacing):
        if input.shape[d] < edge_order + 1:
            raise RuntimeError(f"torch.gradient expected each dimension size to be at least edge_order+1 "
                               f"(got size {input.shape[d]} on dim {d}, edge_order={edge_order})")
        out.append(_gradient_1d(x, d, h, edge_order))
    return tuple(out)


def _gradient_1d(f, d, h, edge_order):
    from .ops.join import cat

    def s(a, b=None):   # f sliced along dim d
        return f.narrow(d, a, (f.shape[d] if b is None else b) - a) if a >= 0 else \
            f.narrow(d, f.shape[d] + a, 1 if b is None else b - a)

    n = f.shape[d]
    if isinstance(h, Tensor) and h.ndim:      # coordinates: non-uniform spacing
        shape = [1] * f.ndim
        shape[d] = -1
        x = h.to(f.dtype).reshape(shape)
        dx = x.narrow(d, 1, n - 1) - x.narrow(d, 0, n - 1)
        hs, hd = dx.narrow(d, 0, n - 2), dx.narrow(d, 1, n - 2)
        interior = (hs ** 2 * s(2) + (hd ** 2 - hs ** 2) * s(1, n - 1) - hd ** 2 * s(0, n - 2)) / (hs * hd * (hd + hs))
        if edge_order == 1:
            first = (s(1, 2) - s(0, 1)) / dx.narrow(d, 0, 1)
            last = (s(-1) - s(-2, -1)) / dx.narrow(d, n - 2, 1)
        else:
            d1, d2 = dx.narrow(d, 0, 1), dx.narrow(d, 1, 1)
            first = (-(2 * d1 + d2) / (d1 * (d1 + d2)) * s(0, 1) + (d1 + d2) / (d1 * d2) * s(1, 2)
                     - d1 / (d2 * (d1 + d2)) * s(2, 3))
            e1, e2 = dx.narrow(d, n - 3, 1), dx.narrow(d, n - 2, 1)
            last = (e2 / (e1 * (e1 + e2)) * s(-3, -2) - (e2 + e1) / (e1 * e2) * s(-2, -1)
                    + (2 * e2 + e1) / (e2 * (e1 + e2)) * s(-1))
    else:
        h = float(h.item() if isinstance(h, Tensor) else h)
        interior = (s(2) - s(0, n - 2)) / (2 * h)
        if edge_order == 1:
            first, last = (s(1, 2) - s(0, 1)) / h, (s(-1) - s(-2, -1)) / h
        else:
            first = (-3 * s(0, 1) + 4 * s(1, 2) - s(2, 3)) / (2 * h)
            last = (3 * s(-1) - 4 * s(-2, -1) + s(-3, -2)) / (2 * h)
    return cat([first, interior, last], d)


# ---- the *_copy forms of view ops: the view, then a copy with its own storage ----------------------------
def _copy_form(name, view_name):
    def fn(input, *args, **kwargs):
        r = getattr(input, view_name)(*args, **kwargs)
        return tuple(t.clone() for t in r) if isinstance(r, (tuple, list)) else r.clone()
    fn.__name__ = f"{name}_copy"
    fn.__doc__ = f"``{view_name}`` into new storage."
    return fn


# torch.<name>_copy -> the Tensor view method it copies (narrow_copy lives with the storage methods)
_VIEW_OPS = {"view": "view", "permute": "permute", "t": "t", "transpose": "transpose", "unsqueeze": "unsqueeze",
             "squeeze": "squeeze", "select": "select", "split": "split", "split_with_sizes": "split",
             "unbind": "unbind", "unfold": "unfold", "expand": "expand", "diagonal": "diagonal",
             "detach": "detach", "as_strided": "as_strided"}
for _name, _view in _VIEW_OPS.items():
    globals()[f"{_name}_copy"] = _copy_form(_name, _view)
    __all__.append(f"{_name}_copy")


def alias_copy(input):
    return input.clone()


def slice_copy(input, dim=0, start=None, end=None, step=1):
    idx = [slice(None)] * input.ndim
    idx[dim] = slice(start, end, step)
    return input[tuple(idx)].clone()


__all__ += ["slice_copy", "alias_copy"]
