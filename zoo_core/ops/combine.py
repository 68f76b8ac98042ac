"""Ops that assemble a larger structured tensor from smaller ones: ``kron``, ``block_diag``,
``cartesian_prod`` and ``combinations``.

All are compositions of differentiable Tensor ops (broadcast multiply, reshape, cat, gather), so their
gradients of any order come from those ops. Names are re-exported by ``ops/misc.py``.
"""
import functools
import itertools

import numpy as np

from .. import _backend, _dtype
from ..tensor import Tensor, _wrap
from .misc import _need_tensor, _same_device


def kron(input, other, *, out=None):
    """The Kronecker product: for ``input`` of shape ``(a0, a1, ...)`` and ``other`` of ``(b0, b1, ...)``
    (the shorter shape padded with leading 1s), the ``(a0*b0, a1*b1, ...)`` tensor of blocks
    ``input[i] * other``.

    Example::

        >>> zoo_core.kron(zoo_core.tensor([1, 2]), zoo_core.tensor([1, 10]))
        tensor([ 1, 10,  2, 20])
    """
    _need_tensor("kron", "input", 1, input)
    _need_tensor("kron", "other", 2, other)
    _same_device("kron", input, other)
    sa, sb = tuple(input._data.shape), tuple(other._data.shape)
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    a = input.reshape([v for s in sa for v in (s, 1)])            # (a0, 1, a1, 1, ...)
    b = other.reshape([v for s in sb for v in (1, s)])            # (1, b0, 1, b1, ...)
    r = (a * b).reshape([x * y for x, y in zip(sa, sb)])
    if out is not None:
        from .arith import _out
        return _out(r, out)
    return r


def block_diag(*tensors):
    """The block-diagonal matrix of ``tensors`` (each 0-d, 1-d (one row) or 2-d), zeros elsewhere; the
    dtype is promoted over all of them.

    Example::

        >>> zoo_core.block_diag(zoo_core.tensor([[1, 2]]), zoo_core.tensor(3))
        tensor([[1, 2, 0],
                [0, 0, 3]])
    """
    from .creation import zeros
    from .join import cat
    blocks = []
    for i, t in enumerate(tensors):
        _need_tensor("block_diag", f"tensors[{i}]", i + 1, t)
        nd = t._data.ndim
        if nd > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{nd} dimensions")
        if i:
            _same_device("block_diag", tensors[0], t)
        blocks.append(t.reshape(1, -1) if nd == 1 else t.reshape(1, 1) if nd == 0 else t)
    if not blocks:
        return zeros(1, 0)
    dt = functools.reduce(_dtype.promote_types, [t.dtype for t in blocks])
    dev = blocks[0].device
    cols = sum(t._data.shape[1] for t in blocks)
    rows, left = [], 0
    for t in blocks:
        r, c = t._data.shape
        rows.append(cat([zeros(r, left, dtype=dt, device=dev), t.to(dt),
                         zeros(r, cols - left - c, dtype=dt, device=dev)], 1))
        left += c
    return cat(rows, 0)


def _vector(op, t, i):
    _need_tensor(op, "tensors" if op == "cartesian_prod" else "input", i + 1, t)
    if t._data.ndim != 1:
        raise RuntimeError(f"{op}: Expect a 1D vector, but got shape {list(t._data.shape)}")


def cartesian_prod(*tensors):
    """All tuples of one element from each 1-D tensor, as the rows of a ``(N, len(tensors))`` tensor in
    lexicographic order (one tensor: itself).

    Example::

        >>> zoo_core.cartesian_prod(zoo_core.tensor([1, 2]), zoo_core.tensor([3, 4]))
        tensor([[1, 3],
                [1, 4],
                [2, 3],
                [2, 4]])
    """
    from .join import stack
    from .structure import meshgrid
    for i, t in enumerate(tensors):
        _vector("cartesian_prod", t, i)
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """The length-``r`` combinations of the elements of a 1-D tensor, as the rows of a ``(N, r)`` tensor
    in lexicographic order of positions (``with_replacement``: an element may repeat).

    Example::

        >>> zoo_core.combinations(zoo_core.tensor([1, 2, 3]))
        tensor([[1, 2],
                [1, 3],
                [2, 3]])
    """
    _vector("combinations", input, 0)
    if r < 0:
        raise RuntimeError(f"combinations: Expect a non-negative number, but got {r}")
    xp = _backend.array_module(input._data)
    if r == 0:
        return _wrap(input._data[:0].copy())
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(pick(range(input._data.shape[0]), r)), dtype=np.int64).reshape(-1, r)   # (N, r)
    return input[_wrap(xp.asarray(idx))]


__all__ = ["kron", "block_diag", "cartesian_prod", "combinations"]

Tensor.kron = kron
