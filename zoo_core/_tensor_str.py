"""How tensors print: ``repr(t)`` gives exactly what PyTorch prints for the same values.

The layout rules are PyTorch's (``torch/_tensor_str.py``): one width for every element, chosen from the
nonzero finite values; integer-valued floats print as ``1.``; scientific notation when the values span
more than three decades, exceed 1e8 or go below 1e-4; ``...`` past ``threshold`` elements; a dtype suffix
only when it is not the default for its kind. Formatting works on a host copy of the array; for a
summarised tensor only the edge items are copied (``_edges``), so printing a large CUDA tensor stays cheap.

Example::

    >>> zoo_core.tensor([[0.1234, -1.5], [2., 3.]])
    tensor([[ 0.1234, -1.5000],
            [ 2.0000,  3.0000]])
"""
import dataclasses
import math

import numpy as np

from . import _backend, _dtype


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4          # digits after the decimal point
    threshold: float = 1000     # more elements than this are summarised with "..."
    edgeitems: int = 3          # items kept at each end of a summarised dimension
    linewidth: int = 80         # characters per line before wrapping a 1-D row
    sci_mode: object = None     # True/False forces scientific notation on/off; None chooses


PRINT_OPTS = _PrintOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """Set how tensors print (PyTorch's ``set_printoptions``; ``profile`` is default, short or full).

    Example::

        >>> zoo_core.set_printoptions(precision=2)
        >>> zoo_core.tensor([1.12345])
        tensor([1.12])
        >>> zoo_core.set_printoptions(profile="default")
    """
    if profile is not None:
        presets = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, math.inf, 3, 80)}
        if profile not in presets:
            raise ValueError(f"set_printoptions: unknown profile {profile!r}; expected default, short or full")
        (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems,
         PRINT_OPTS.linewidth) = presets[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    # as in PyTorch, every call resets sci_mode (None: chosen from the values)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current print options as a dict that ``set_printoptions(**opts)`` accepts."""
    return dataclasses.asdict(PRINT_OPTS)


class printoptions:
    """Context manager that sets print options and restores the previous ones on exit."""

    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def __enter__(self):
        self.old = get_printoptions()
        set_printoptions(**self.kwargs)

    def __exit__(self, *exc):
        set_printoptions(**self.old)


class _Formatter:
    """Chooses one element width (and int/sci mode for floats) from the values that will be shown."""

    def __init__(self, arr):
        self.floating = arr.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = arr.reshape(-1)
        p = PRINT_OPTS.precision
        if not self.floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(f"{v}"))
            return
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return
        absd = np.abs(vals).astype(np.float64)   # float64: float16 would overflow at 1e8
        lo, hi = absd.min(), absd.max()
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        vlist = vals.tolist()
        if self.sci_mode:
            widths = (len(f"{v:.{p}e}") for v in vlist)
        elif self.int_mode:
            # a trailing "." marks integer-valued floats
            widths = (len(f"{v:.0f}") + 1 for v in vlist)
        else:
            widths = (len(f"{v:.{p}f}") for v in vlist)
        self.max_width = max(self.max_width, max(widths))

    def format(self, value):
        if self.floating:
            if self.sci_mode:
                s = f"{value:{self.max_width}.{PRINT_OPTS.precision}e}"
            elif self.int_mode:
                s = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    s += "."
            else:
                s = f"{value:.{PRINT_OPTS.precision}f}"
        else:
            s = f"{value}"
        return (self.max_width - len(s)) * " " + s


def _vector_str(arr, full_len, indent, summarize, fmt):
    element_length = fmt.max_width + 2
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    e = PRINT_OPTS.edgeitems
    if summarize and not e:
        data = ["..."]
    elif summarize and full_len > 2 * e:
        vals = arr.tolist()
        data = [fmt.format(v) for v in vals[:e]] + [" ..."] + [fmt.format(v) for v in vals[len(vals) - e:]]
    else:
        data = [fmt.format(v) for v in arr.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _format(arr, shape, indent, summarize, fmt):
    """Nested-bracket text for ``arr``: the host array, cut to its edge items when summarising;
    ``shape`` is the full (uncut) shape, which decides where ``...`` goes."""
    ndim = len(shape)
    if ndim == 0:
        return fmt.format(arr.item())
    if ndim == 1:
        return _vector_str(arr, shape[0], indent, summarize, fmt)
    e = PRINT_OPTS.edgeitems
    n = arr.shape[0]
    if summarize and shape[0] > 2 * e:
        slices = ([_format(arr[i], shape[1:], indent + 1, summarize, fmt) for i in range(min(e, n))]
                  + ["..."]
                  + [_format(arr[i], shape[1:], indent + 1, summarize, fmt) for i in range(max(n - e, e), n)])
    else:
        slices = [_format(arr[i], shape[1:], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _edges(arr, e):
    """Keep only the first and last ``e`` items of every dimension longer than ``2 * e`` (on the array's
    own device, before copying to the host)."""
    xp = _backend.array_module(arr)
    for axis, n in enumerate(arr.shape):
        if n > 2 * e:
            idx = list(range(e)) + list(range(n - e, n))
            arr = xp.take(arr, xp.asarray(idx, dtype=np.int64), axis=axis)
    return arr


def _tensor_str(arr, indent):
    if arr.size == 0:
        return "[]"
    summarize = arr.size > PRINT_OPTS.threshold
    shape = arr.shape
    if summarize:
        arr = _edges(arr, PRINT_OPTS.edgeitems)
    host = _backend.to_device(arr, _backend.CPU)
    return _format(host, shape, indent, summarize, _Formatter(host))


def _add_suffixes(text, suffixes, indent):
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t):
    """PyTorch's ``repr`` of a tensor (used by ``Tensor.__repr__`` and ``__str__``)."""
    cls = type(t).__name__
    prefix = "tensor(" if cls in ("Tensor", "Parameter") else cls + "("
    indent = len(prefix)
    arr = t._data
    dt = _dtype.BY_NP[arr.dtype]
    default_float = _dtype.get_default_dtype()
    suffixes = []
    if _backend.is_cuda_array(arr):
        suffixes.append(f"device='{t.device}'")
    if arr.size == 0:
        # no elements to infer the dtype from, so any non-default dtype is shown (int64 included)
        if arr.ndim != 1:
            suffixes.append("size=" + str(tuple(arr.shape)))
        if dt is not default_float:
            suffixes.append(f"dtype={dt!r}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + str(tuple(arr.shape)))
        if dt not in (default_float, _dtype.int64, _dtype.bool):
            suffixes.append(f"dtype={dt!r}")
        body = _tensor_str(arr, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._rg:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)


__all__ = ["set_printoptions", "get_printoptions", "printoptions"]
