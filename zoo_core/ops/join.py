"""Joining and splitting: ``cat``, ``stack`` (and ``hstack``/``vstack``/``dstack``), ``split``, ``chunk``,
``tensor_split``, ``unbind``.

Splitting returns views of the input (``make_view``), recorded as one multi-output node whose backward
builds the input's gradient once (``cat``/``stack`` of the output gradients; the engine fills zeros for
outputs that got none). Joining copies; its backward hands each input a view of the output gradient.
Imported by ``shape.py``, which re-exports these names.
"""
import operator

from .. import _backend, _dtype
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap, _wrap_dim, check_same_device, make_view
from .shape import atleast_1d, atleast_2d, atleast_3d   # shape.py imports this module after defining them

_index = operator.index
_BY_NP = _dtype.BY_NP


def _tensor_list(tensors, op):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}(): argument 'tensors' must be a tuple or list of Tensors, not Tensor")
    if type(tensors) is not list and type(tensors) is not tuple:
        tensors = list(tensors)
    if not tensors:
        if op == "cat":
            raise ValueError("cat(): expected a non-empty list of Tensors")
        raise RuntimeError(f"{op} expects a non-empty TensorList")
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}(): expected a sequence of Tensors, but element {i} is a "
                            f"{type(x).__name__}")
    return tensors


def _promoted_arrays(tensors, op):
    """The inputs' arrays in their common (PyTorch-promoted) dtype, checked to share one device."""
    arrays = [x._data for x in tensors]
    first = arrays[0]
    dt = first.dtype
    if any(a.dtype != dt for a in arrays):
        dt = _dtype.result_type(*tensors).np
        arrays = [a if a.dtype == dt else a.astype(dt) for a in arrays]
    if any(type(a) is not type(first) for a in arrays) or _backend.is_cuda_array(first):
        for x in tensors[1:]:
            check_same_device(op, tensors[0], x)
    return arrays


def _grads_for(tensors):
    """(requires_grad, dtype) per input: what backward needs, without holding the inputs."""
    return [(x._rg, x._data.dtype) for x in tensors]


def _cast(g, dt):
    return g if g._data.dtype == dt else g.to(_BY_NP[dt])


# ---- cat / stack -------------------------------------------------------------------------------
def cat(tensors, dim=0, *, axis=None, out=None):
    """Concatenate ``tensors`` along an existing dim ``dim`` (dtypes promoted as in PyTorch).

    Example::

        >>> zoo_core.cat([zoo_core.zeros(2, 3), zoo_core.ones(1, 3)]).shape
        zoo_core.Size([3, 3])
    """
    tensors = _tensor_list(tensors, "cat")
    if axis is not None:   # numpy's spelling, which PyTorch accepts too
        dim = axis
    # PyTorch (legacy) skips 1-D empty tensors, whatever the others' shapes
    parts = [x for x in tensors if x._data.shape != (0,)] or [tensors[0]]
    shp = parts[0]._data.shape
    nd = len(shp)
    for i, x in enumerate(tensors):
        if x._data.ndim == 0:
            raise RuntimeError(f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated")
    d = _wrap_dim(dim, nd, "cat")
    for i, x in enumerate(tensors):
        s = x._data.shape
        if s == (0,) and nd != 1:
            continue
        if len(s) != nd:
            raise RuntimeError(f"cat: Tensors must have same number of dimensions: got {nd} and {len(s)} "
                               f"(shapes {tuple(shp)} and {tuple(s)} at position {i})")
        for k in range(nd):
            if k != d and s[k] != shp[k]:
                raise RuntimeError(
                    f"cat: Sizes of tensors must match except in dimension {d}. Expected size {shp[k]} but got "
                    f"size {s[k]} for tensor number {i} in the list (shapes {tuple(shp)} and {tuple(s)})")
    arrays = _promoted_arrays(tensors, "cat")
    used = [nd == 1 or x._data.shape != (0,) for x in tensors]
    kept = arrays if len(parts) == len(tensors) else [a for a, u in zip(arrays, used) if u]
    xp = _backend.array_module(arrays[0])
    y = _wrap(xp.concatenate(kept, axis=d))
    if grad_mode.enabled and any(x._rg for x in tensors):
        info = [(rg, dt, u, x._data.shape[d] if u else 0)
                for (rg, dt), u, x in zip(_grads_for(tensors), used, tensors)]

        def backward(g):
            out, off = [], 0
            for rg, dt, used, n in info:
                if not used:     # a skipped empty input
                    out.append(_wrap(_backend.array_module(g._data).zeros((0,), dtype=dt)) if rg else None)
                    continue
                out.append(_cast(g.narrow(d, off, n), dt) if rg else None)
                off += n
            return tuple(out)
        record(y, "CatBackward0", backward, tuple(tensors))
    if out is not None:
        from .arith import _out
        return _out(y, out)
    return y


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    """Join equally shaped ``tensors`` along a new dim ``dim``.

    Example::

        >>> zoo_core.stack([zoo_core.zeros(2, 3), zoo_core.ones(2, 3)], dim=1).shape
        zoo_core.Size([2, 2, 3])
    """
    tensors = _tensor_list(tensors, "stack")
    shp = tensors[0]._data.shape
    for i, x in enumerate(tensors):
        if x._data.shape != shp:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shp)} at entry 0 "
                               f"and {list(x._data.shape)} at entry {i}")
    d = _wrap_dim(dim, len(shp) + 1, "stack")
    arrays = _promoted_arrays(tensors, "stack")
    y = _wrap(_backend.array_module(arrays[0]).stack(arrays, axis=d))
    if grad_mode.enabled and any(x._rg for x in tensors):
        info = _grads_for(tensors)

        def backward(g):
            return tuple(_cast(gi, dt) if rg else None for gi, (rg, dt) in zip(unbind(g, d), info))
        record(y, "StackBackward0", backward, tuple(tensors))
    if out is not None:
        from .arith import _out
        return _out(y, out)
    return y


def hstack(tensors):
    """Concatenate column-wise: along dim 0 for 1-D inputs, dim 1 otherwise."""
    tensors = atleast_1d(_tensor_list(tensors, "hstack"))
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors):
    """Concatenate row-wise (1-D inputs become rows)."""
    return cat(atleast_2d(_tensor_list(tensors, "vstack")), 0)


def dstack(tensors):
    """Concatenate depth-wise, along dim 2 (inputs made at least 3-D)."""
    return cat(atleast_3d(_tensor_list(tensors, "dstack")), 2)


row_stack = vstack


def column_stack(tensors):
    """Stack as columns: 0-d and 1-d inputs become (n, 1) columns, then all are joined along dim 1.

    Example::

        >>> zoo_core.column_stack([zoo_core.tensor([1, 2]), zoo_core.tensor([3, 4])])
        tensor([[1, 3],
                [2, 4]])
    """
    tensors = _tensor_list(tensors, "column_stack")
    return cat([x.reshape(x._data.size, 1) if x._data.ndim <= 1 else x for x in tensors], 1)


# ---- split / chunk / unbind --------------------------------------------------------------------
def _narrow_fn(d, start, n):
    return lambda t: t.narrow(d, start, n)


def _split(input, sizes, d):
    """Views of consecutive pieces of ``sizes`` along ``d``; one node whose backward cats the grads."""
    arr = input._data
    pre = (slice(None),) * d
    outs, off = [], 0
    for n in sizes:
        outs.append(make_view(input, arr[pre + (slice(off, off + n),)], _narrow_fn(d, off, n)))
        off += n
    outs = tuple(outs)
    if input._rg and grad_mode.enabled:
        record(outs, "SplitWithSizesBackward0", lambda gs: (cat(gs, d),), (input,))
    return outs


def _dim_of(input, dim, op):
    if input._data.ndim == 0:   # IndexError for unbind, RuntimeError elsewhere, as PyTorch
        exc = IndexError if op == "unbind" else RuntimeError
        raise exc(f"{op}: Dimension specified as {dim} but tensor has no dimensions")
    return _wrap_dim(dim, input._data.ndim, op)


def split(tensor, split_size_or_sections=None, dim=0, *, split_size=None):
    """Views of pieces along ``dim``: of ``split_size`` each (the last may be smaller), or of the sizes
    in a list.

    Example::

        >>> [p.shape[0] for p in zoo_core.arange(5).split(2)]
        [2, 2, 1]
    """
    if split_size is not None:   # Tensor.split's name for it
        split_size_or_sections = split_size
    d = _dim_of(tensor, dim, "split")
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [_index(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension "
                f"{d}), but got split_sizes={sizes}")
        return _split(tensor, sizes, d)
    s = _index(split_size_or_sections)
    if s < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={s}")
    if s == 0:
        if n != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        return _split(tensor, [0], d)
    k = max((n + s - 1) // s, 1)
    return _split(tensor, [s] * (k - 1) + [n - s * (k - 1)], d)


def split_with_sizes(input, split_sizes, dim=0):
    """``split`` with a list of sizes."""
    return split(input, list(split_sizes), dim)


def chunk(input, chunks, dim=0):
    """Split into ``chunks`` views of ``ceil(size / chunks)`` elements (fewer when they run out).

    Example::

        >>> [p.shape[0] for p in zoo_core.arange(5).chunk(3)]
        [2, 2, 1]
    """
    chunks = _index(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _dim_of(input, dim, "chunk")
    n = input._data.shape[d]
    if n == 0:   # keep the number of chunks: that many empty pieces
        return _split(input, [0] * chunks, d)
    return split(input, (n + chunks - 1) // chunks, d)


def tensor_split(input, indices_or_sections=None, dim=0, *, indices=None, sections=None):
    """Split into ``sections`` views of near-equal size (the first ``size % sections`` one longer), or
    at the given indices.

    Example::

        >>> [p.shape[0] for p in zoo_core.arange(7).tensor_split(3)]
        [3, 2, 2]
        >>> [p.tolist() for p in zoo_core.arange(5).tensor_split([1, 3])]
        [[0], [1, 2], [3, 4]]
    """
    given = [a for a in (indices_or_sections, indices, sections) if a is not None]
    if len(given) != 1:
        raise TypeError("tensor_split(): pass exactly one of indices_or_sections, indices= or sections=")
    ios = given[0]
    if indices is not None:
        ios = list(ios)
    if isinstance(ios, Tensor):
        if ios._data.ndim > 1 or ios._data.dtype.kind not in "iu":
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional integer tensor, but got a tensor with {ios._data.ndim} dims "
                               f"of dtype {ios.dtype}")
        ios = ios.tolist()
    d = _dim_of(input, dim, "tensor_split")
    n = input._data.shape[d]
    if not isinstance(ios, (list, tuple)):
        s = _index(ios)
        if s <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {s}")
        q, r = divmod(n, s)
        return _split(input, [q + 1] * r + [q] * (s - r), d)
    bounds = []
    start = 0
    for idx in list(ios) + [n]:
        a, b, _ = slice(start, _index(idx)).indices(n)
        bounds.append((a, max(a, b)))
        start = _index(idx)
    if all(bounds[i][1] == bounds[i + 1][0] for i in range(len(bounds) - 1)) and bounds[0][0] == 0 \
            and bounds[-1][1] == n:
        return _split(input, [b - a for a, b in bounds], d)
    return tuple(input.narrow(d, a, b - a) for a, b in bounds)   # unordered indices: pieces may overlap


def _nsplit(op, input, ios, dim, min_ndim):
    nd = input._data.ndim
    if nd < min_ndim:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {min_ndim} dimension, but got a tensor "
                           f"with {nd} dimensions!")
    if not isinstance(ios, (list, tuple, Tensor)):
        n = input._data.shape[dim]
        s = _index(ios)
        if s == 0 or n % s:
            raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {n} is not divisible by the split_size {s}!")
    return tensor_split(input, ios, dim)


def hsplit(input, indices_or_sections):
    """``tensor_split`` along dim 1 (dim 0 for 1-D input); an int must divide the size evenly.

    Example::

        >>> [p.shape for p in zoo_core.ones(2, 4).hsplit(2)]
        [zoo_core.Size([2, 2]), zoo_core.Size([2, 2])]
    """
    return _nsplit("hsplit", input, indices_or_sections, 1 if input._data.ndim > 1 else 0, 1)


def vsplit(input, indices_or_sections):
    """``tensor_split`` along dim 0 of a tensor with at least 2 dims; an int must divide the size evenly."""
    return _nsplit("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):
    """``tensor_split`` along dim 2 of a tensor with at least 3 dims; an int must divide the size evenly."""
    return _nsplit("dsplit", input, indices_or_sections, 2, 3)


def _select_fn(d, i):
    return lambda t: t.narrow(d, i, 1).squeeze(d)


def unbind(input, dim=0):
    """The slices along ``dim``, as a tuple of views.

    Example::

        >>> a, b = zoo_core.tensor([[1, 2], [3, 4]]).unbind(1)
        >>> a
        tensor([1, 3])
    """
    d = _dim_of(input, dim, "unbind")
    arr = input._data
    pre = (slice(None),) * d
    # the trailing Ellipsis keeps a 0-d result an array view (not a numpy scalar)
    outs = tuple([make_view(input, arr[pre + (i, Ellipsis)], _select_fn(d, i)) for i in range(arr.shape[d])])
    if outs and input._rg and grad_mode.enabled:
        record(outs, "UnbindBackward0", lambda gs: (stack(gs, d),), (input,))
    return outs


__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack", "row_stack", "column_stack", "split", "hsplit", "vsplit", "dsplit",
           "split_with_sizes", "chunk", "tensor_split", "unbind"]

Tensor.split, Tensor.split_with_sizes, Tensor.chunk = split, split_with_sizes, chunk
Tensor.tensor_split, Tensor.unbind = tensor_split, unbind
Tensor.hsplit, Tensor.vsplit, Tensor.dsplit = hsplit, vsplit, dsplit
