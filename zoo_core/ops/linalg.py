"""Matrix products and norms: ``matmul`` (``@``), ``mm``, ``bmm``, ``dot``, ``outer``, ``einsum``,
``tensordot``, ``addmm``/``baddbmm``/``addmv``, and the ``zoo_core.linalg`` norms.

``matmul`` is on the hot path of every model: one ``xp.matmul`` call forward, and a backward of
``g @ b.mT`` / ``a.mT @ g`` with the batch reduction folded into the GEMM where that saves memory.
``einsum`` differentiates through einsum itself: the gradient of an operand is the einsum of the output
gradient with the other operands.
"""
import collections
import functools
import math
import string

import numpy as np

from .. import _backend
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap, _wrap_dim, check_same_device
from ._util import as_operand, broadcast_to, grad_for, sum_to
from .moments import vector_norm
from .reduction import _keep_shape, _permute, _reduced_shape, _reshape, amax, amin, sum
from .unary import abs as _abs


def _mT(t):
    """Differentiable transpose of the last two dims (a view)."""
    out = _wrap(t._data.swapaxes(-1, -2))
    if t._rg and grad_mode.enabled:
        record(out, "TransposeBackward0", lambda g: (_mT(g),), (t,))
    return out


# ---- matmul and friends -------------------------------------------------------------------------
def matmul(input, other, *, out=None):
    """Matrix product with PyTorch's rules: 1-D @ 1-D is a dot product, a 1-D operand is a row (left)
    or column (right) vector that is removed from the result, and batch dims broadcast.

    Example::

        >>> a = zoo_core.ones(2, 3); b = zoo_core.ones(3, 4)
        >>> (a @ b).shape
        zoo_core.Size([2, 4])
    """
    xa, xb = input._data, other._data
    if xa.dtype != xb.dtype or xa.dtype == np.bool_:
        _check_product_dtypes("matmul", input, other)
    if type(xa) is not type(xb) or (type(xa) is not np.ndarray and xa.device != xb.device):
        check_same_device("matmul", input, other)
    try:
        r = _wrap(_backend.array_module(xa).matmul(xa, xb))
    except ValueError:
        raise _product_error("matmul", xa.shape, xb.shape) from None
    if grad_mode.enabled and (input._rg or other._rg):
        record(r, "MmBackward0" if xa.ndim == 2 and xb.ndim == 2 else "MatmulBackward0",
               lambda g: _matmul_backward(g, input, other), (input, other), (input, other))
    if out is not None:
        from .arith import _out
        return _out(r, out)
    return r


def _check_product_dtypes(op, a, b):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{op}: expected both operands to have the same dtype, but got "
                           f"{a.dtype.name} and {b.dtype.name}")
    if a._data.dtype == np.bool_:       # as PyTorch, which has no bool GEMM
        raise NotImplementedError(f"{op}: not implemented for bool tensors; convert with .int() or .float()")


def _product_error(op, sa, sb):
    sa, sb = tuple(sa), tuple(sb)
    if not sa or not sb:
        return RuntimeError(f"{op}: both arguments need to be at least 1D, but they are {len(sa)}D and "
                            f"{len(sb)}D (shapes {sa} and {sb})")
    ka, kb = sa[-1], sb[-2] if len(sb) > 1 else sb[0]
    if ka != kb:
        return RuntimeError(f"{op}: shapes {sa} and {sb} cannot be multiplied ({ka} != {kb})")
    return RuntimeError(f"{op}: batch dimensions {sa[:-2]} and {sb[:-2]} cannot be broadcast together "
                        f"(shapes {sa} and {sb})")


def _matmul_backward(g, a, b):
    ra, rb = a._rg, b._rg
    na, nb = a._data.ndim, b._data.ndim
    ga = gb = None
    if na >= 2 and nb >= 2:
        if ra:
            ga = sum_to(matmul(g, _mT(b)), a._data.shape)
        if rb:
            if nb == 2 and na > 2:
                # fold a's batch into one GEMM: (k, B*n) @ (B*n, m) instead of B products summed later
                k, m = a._data.shape[-1], b._data.shape[-1]
                gb = matmul(_mT(_reshape(a, (-1, k))), _reshape(g, (-1, m)))
            else:
                gb = sum_to(matmul(_mT(a), g), b._data.shape)
        return ga, gb
    if na == 1 and nb == 1:                       # dot: g is 0-d
        return (g * b if ra else None), (g * a if rb else None)
    if na == 1:                                   # (k,) @ (..., k, m) -> (..., m)
        k, m = b._data.shape[-2], b._data.shape[-1]
        if ra:
            ga = matmul(b, g) if nb == 2 else _reshape(sum_to(matmul(b, _reshape(g, g._data.shape + (1,))), (k, 1)), (k,))
        if rb:
            gb = _reshape(a, (k, 1)) * _reshape(g, g._data.shape[:-1] + (1, m))
        return ga, gb
    k = a._data.shape[-1]                         # (..., n, k) @ (k,) -> (..., n)
    if ra:
        ga = _reshape(g, g._data.shape + (1,)) * b
    if rb:
        gb = matmul(_reshape(g, (-1,)), _reshape(a, (-1, k)))
    return ga, gb


def mm(input, mat2, *, out=None):
    """Product of two 2-D tensors (no broadcasting).

    Example::

        >>> zoo_core.mm(zoo_core.eye(2), zoo_core.ones(2, 3)).shape
        zoo_core.Size([2, 3])
    """
    if input._data.ndim != 2 or mat2._data.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got {input._data.ndim}-D and {mat2._data.ndim}-D "
                           f"(shapes {tuple(input._data.shape)} and {tuple(mat2._data.shape)})")
    if input._data.shape[1] != mat2._data.shape[0]:
        raise _product_error("mm", input._data.shape, mat2._data.shape)
    return matmul(input, mat2, out=out)


def bmm(input, mat2, *, out=None):
    """Batched product of two 3-D tensors with equal batch sizes (no broadcasting).

    Example::

        >>> zoo_core.bmm(zoo_core.ones(5, 2, 3), zoo_core.ones(5, 3, 4)).shape
        zoo_core.Size([5, 2, 4])
    """
    sa, sb = tuple(input._data.shape), tuple(mat2._data.shape)
    if len(sa) != 3 or len(sb) != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got {len(sa)}-D and {len(sb)}-D (shapes {sa} and {sb})")
    if sa[0] != sb[0]:
        raise RuntimeError(f"bmm: batch sizes {sa[0]} and {sb[0]} do not match (shapes {sa} and {sb})")
    if sa[2] != sb[1]:
        raise _product_error("bmm", sa, sb)
    return matmul(input, mat2, out=out)


def dot(input, other):
    """Dot product of two 1-D tensors of the same size and dtype.

    Example::

        >>> zoo_core.dot(zoo_core.tensor([1., 2.]), zoo_core.tensor([3., 4.]))
        tensor(11.)
    """
    sa, sb = tuple(input._data.shape), tuple(other._data.shape)
    if len(sa) != 1 or len(sb) != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {len(sa)}D and {len(sb)}D tensors")
    if sa != sb:
        raise RuntimeError(f"dot: inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have "
                           f"the same number of elements, but got {sa[0]} and {sb[0]} elements respectively")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"dot: expected both vectors to have the same dtype, but found {input.dtype.name} "
                           f"and {other.dtype.name}")
    return matmul(input, other)


vdot = dot      # real dtypes only: no conjugation needed


def outer(input, vec2):
    """Outer product of two 1-D tensors: ``out[i, j] = input[i] * vec2[j]``."""
    if input._data.ndim != 1 or vec2._data.ndim != 1:
        raise RuntimeError(f"outer: expected 1-D tensors, got shapes {tuple(input._data.shape)} and "
                           f"{tuple(vec2._data.shape)}")
    return _reshape(input, (-1, 1)) * vec2


ger = outer


def inner(input, other):
    """Sum of products over the last dims: ``out[i..., j...] = sum_k input[i..., k] * other[j..., k]``
    (a 0-d operand multiplies elementwise).

    Example::

        >>> zoo_core.inner(zoo_core.tensor([1., 2.]), zoo_core.tensor([3., 4.]))
        tensor(11.)
    """
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    ka, kb = input._data.shape[-1], other._data.shape[-1]
    if ka != kb:
        raise RuntimeError(f"inner: last dimensions must match, got shapes {tuple(input._data.shape)} and "
                           f"{tuple(other._data.shape)} ({ka} != {kb})")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"inner: expected both inputs to have the same dtype, got {input.dtype.name} and "
                           f"{other.dtype.name}")
    return tensordot(input, other, ([-1], [-1]))


def mv(input, vec):
    """Matrix-vector product of a 2-D ``input`` and a 1-D ``vec``.

    Example::

        >>> zoo_core.mv(zoo_core.eye(2), zoo_core.tensor([3., 4.]))
        tensor([3., 4.])
    """
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"mv: expected a 2-D matrix and a 1-D vector, got shapes {tuple(input._data.shape)} "
                           f"and {tuple(vec._data.shape)}")
    return matmul(input, vec)


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)`` (with ``beta=0``, ``input`` is ignored)."""
    return _maybe_out(_add_scaled(input, mm(mat1, mat2), beta, alpha), out)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    return _maybe_out(_add_scaled(input, bmm(batch1, batch2), beta, alpha), out)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat @ vec)`` for a 2-D ``mat`` and 1-D ``vec``."""
    if mat._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"addmv: expected a 2-D matrix and a 1-D vector, got shapes "
                           f"{tuple(mat._data.shape)} and {tuple(vec._data.shape)}")
    return _maybe_out(_add_scaled(input, matmul(mat, vec), beta, alpha), out)


def _maybe_out(r, out):
    if out is None:
        return r
    from .arith import _out
    return _out(r, out)


def _add_scaled(input, prod, beta, alpha):
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:            # PyTorch ignores input's values then (even NaNs); its gradient is zero
        if not (input._rg and grad_mode.enabled):
            return prod
        out = _wrap(prod._data)
        record(out, "AddmmBackward0", lambda g: (g, grad_for(g * 0, input)), (prod, input))
        return out
    return prod + (input if beta == 1 else input * beta)


# ---- einsum -------------------------------------------------------------------------------------
_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum("bij,bjk->bik", a, b)``; operands may also come as one list.
    Supports implicit output, ``...`` (broadcast) and repeated subscripts (diagonals, traces).

    Example::

        >>> zoo_core.einsum("ii", zoo_core.eye(3))
        tensor(3.)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError("einsum(): the sublist format is not supported; pass an equation string")
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): operand {i} must be a Tensor, got {type(t).__name__}")
    arrays = [t._data for t in operands]
    dt = arrays[0].dtype
    for t in operands[1:]:
        if t._data.dtype != dt:
            raise RuntimeError("einsum(): expected all operands to have the same dtype, but got "
                               + ", ".join(o.dtype.name for o in operands))
        if dt == np.bool_:
            _check_product_dtypes("einsum", operands[0], t)
        if type(t._data) is not type(arrays[0]):
            check_same_device("einsum", operands[0], t)
    specs, out = _parse_einsum(equation, tuple(a.shape for a in arrays))
    xp = _backend.array_module(arrays[0])
    eq = ",".join(specs) + "->" + out
    if xp is np:
        # optimize: contract pairs with BLAS (tensordot) instead of numpy's plain einsum loops
        r = np.einsum(eq, *arrays, optimize=len(arrays) > 1)
    else:
        r = xp.einsum(eq, *arrays)
    if len(arrays) == 1:
        if xp.may_share_memory(r, arrays[0]):
            r = r.copy()                  # numpy returns views for transposes/diagonals: keep outputs fresh
        elif r.dtype.kind in "iub" and r.dtype != np.int64 and set(specs[0]) - set(out):
            r = xp.einsum(eq, arrays[0].astype(np.int64))   # a sum of ints/bools is int64 (as torch.sum)
    y = _wrap(r)
    if grad_mode.enabled and any(t._rg for t in operands):
        record(y, "EinsumBackward0", lambda g: _einsum_backward(g, specs, out, operands), operands, operands)
    return y



@functools.lru_cache(maxsize=1024)
def _parse_einsum(equation, shapes):
    """(canonical subscripts per operand, output subscripts): '...' replaced by letters unused in the
    equation, right-aligned across operands (broadcasting), and the implicit output made explicit."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    if "->" in rhs:
        raise RuntimeError(f"einsum(): more than one '->' in the equation {equation!r}")
    for i, c in enumerate(eq):
        if not (c in _LETTERS or c in ",.->"):
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation string "
                               f"{equation!r}, subscripts must be in [a-zA-Z]")
    specs = lhs.split(",")
    if len(specs) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation "
                           f"({equation!r}: {len(specs)} subscripts, {len(shapes)} operands)")
    if len(specs) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation "
                           f"({equation!r}: {len(specs)} subscripts, {len(shapes)} operands)")
    parts = []
    n_ell = 0
    for i, (spec, shape) in enumerate(zip(specs, shapes)):
        pre, ell, post = spec.partition("...")
        if "." in pre or "." in post:
            raise RuntimeError(f"einsum(): found '.' for operand {i} that is not part of any ellipsis")
        n = len(shape) - len(pre) - len(post)
        if (ell and n < 0) or (not ell and n != 0):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(pre) + len(post)}) does not match "
                f"the number of dimensions ({len(shape)}) for operand {i}"
                + ("" if ell else " and no ellipsis was given"))
        parts.append((pre, post, n))
        n_ell = max(n_ell, n)
    free = [c for c in _LETTERS if c not in eq]
    ell_letters = "".join(free[:n_ell])
    canon = tuple(pre + ell_letters[n_ell - n:] + post for pre, post, n in parts)
    if not arrow:
        counts = collections.Counter("".join(pre + post for pre, post, _ in parts))
        out = ell_letters + "".join(sorted(c for c, k in counts.items() if k == 1))
    else:
        pre, ell, post = rhs.partition("...")
        if "." in pre or "." in post:
            raise RuntimeError("einsum(): found '.' for output but an ellipsis ('...') was expected")
        out = pre + (ell_letters if ell else "") + post
        lhs_letters = set("".join(canon))
        for c in pre + post:
            if c not in lhs_letters:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any "
                                   "input operand")
            if (pre + post).count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
    sizes = {}
    for i, (spec, shape) in enumerate(zip(canon, shapes)):
        own = {}
        for c, s in zip(spec, shape):
            if own.setdefault(c, s) != s:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {i} but the sizes don't "
                                   f"match, {own[c]} != {s}")
            prev = sizes.get(c)
            if prev is None or prev == 1:
                sizes[c] = s
            elif s != 1 and s != prev:
                raise RuntimeError(f"einsum(): operands do not broadcast with remapped shapes: subscript {c} has "
                                   f"size {s} for operand {i} which does not broadcast with previously seen size "
                                   f"{prev} (equation {equation!r}, shapes {list(shapes)})")
    return canon, out


def _einsum_backward(g, specs, out, operands):
    return tuple(_einsum_grad(g, specs, out, operands, i) if x._rg else None for i, x in enumerate(operands))


def _einsum_grad(g, specs, out, operands, i):
    """Gradient of operand i: ``einsum("out,others->spec_i", g, *others)``, then expanded along subscripts
    only operand i has (summed inside it), put back on the diagonal for repeated subscripts, and summed
    over broadcast size-1 dims."""
    spec, x = specs[i], operands[i]
    xshape = x._data.shape
    other_specs = [s for j, s in enumerate(specs) if j != i]
    others = [o for j, o in enumerate(operands) if j != i]
    avail = set(out).union(*other_specs)
    uniq = "".join(dict.fromkeys(spec))
    keep = "".join(c for c in uniq if c in avail)
    r = einsum(",".join([out] + other_specs) + "->" + keep, g, *others)
    if len(keep) < len(uniq):
        # subscripts summed inside operand i alone: the gradient is constant along them
        got = dict(zip(keep, r._data.shape))
        r = _reshape(r, tuple(got.get(c, 1) for c in uniq))
        r = broadcast_to(r, tuple(got.get(c, xshape[spec.index(c)]) for c in uniq))
    if len(uniq) < len(spec):
        # a repeated subscript reads a diagonal: the gradient lives on that diagonal (times identities)
        used = set("".join(specs) + out)
        fresh = iter(c for c in _LETTERS if c not in used)
        xp = _backend.array_module(g._data)
        full, eye_specs, eyes, seen = [], [], [], set()
        for p, c in enumerate(spec):
            if c in seen:
                f = next(fresh)
                full.append(f)
                eye_specs.append(c + f)
                eyes.append(_wrap(xp.eye(xshape[p], dtype=g._data.dtype)))
            else:
                seen.add(c)
                full.append(c)
        r = einsum(",".join([uniq] + eye_specs) + "->" + "".join(full), r, *eyes)
    return grad_for(r, x)


def tensordot(a, b, dims=2):
    """Contract the last ``dims`` dims of ``a`` with the first ``dims`` of ``b`` (or the dims listed in
    ``dims=([a dims], [b dims])``)."""
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > na or dims > nb:
            raise RuntimeError(f"tensordot expects dims <= ndim of both operands, but got dims={dims} for shapes "
                               f"{tuple(a._data.shape)} and {tuple(b._data.shape)}")
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
        if len(da) != len(db):
            raise RuntimeError(f"tensordot: both dimension lists should have same length, got {da} and {db}")
    da = [_wrap_dim(d, na, "tensordot") for d in da]
    db = [_wrap_dim(d, nb, "tensordot") for d in db]
    la = list(_LETTERS[:na])
    lb = list(_LETTERS[na:na + nb])
    for x, y in zip(da, db):
        if a._data.shape[x] != b._data.shape[y]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has size "
                               f"{a._data.shape[x]} in dim {x} and second has size {b._data.shape[y]} in dim {y}")
        lb[y] = la[x]
    out = [c for k, c in enumerate(la) if k not in da] + [c for k, c in enumerate(lb) if k not in db]
    return einsum("".join(la) + "," + "".join(lb) + "->" + "".join(out), a, b)


# ---- norms (zoo_core.linalg) --------------------------------------------------------------------
def _svdvals(A):
    """Singular values of the (..., m, n) tensor ``A``, descending. The gradient U diag(g) Vh treats the
    singular vectors as constants, so second derivatives are not exact."""
    xp = _backend.array_module(A._data)
    if not (A._rg and grad_mode.enabled):
        return _wrap(xp.linalg.svd(A._data, compute_uv=False))
    u, s, vh = xp.linalg.svd(A._data, full_matrices=False)
    out = _wrap(s)
    k = s.shape[-1]
    record(out, "LinalgSvdBackward0",
           lambda g: (matmul(_wrap(u) * _reshape(g, g._data.shape[:-1] + (1, k)), _wrap(vh)),), (A,), (A,))
    return out


def svdvals(A):
    """Singular values of a (batch of) matrices, in descending order."""
    if A._data.ndim < 2 or A._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.svdvals: expected a floating point tensor with at least 2 dims, got "
                           f"{A.dtype.name} of shape {tuple(A._data.shape)}")
    return _svdvals(A)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """Matrix norm over the two dims ``dim``: ``"fro"``, ``"nuc"``, ``inf``, ``-inf``, ``1``, ``-1``,
    ``2``, ``-2`` (largest/smallest singular value).

    Example::

        >>> zoo_core.linalg.matrix_norm(zoo_core.tensor([[1., -2.], [3., 4.]]), ord=1)
        tensor(6.)
    """
    if dtype is not None:
        A = A.to(dtype)
    nd = A._data.ndim
    if A._data.dtype.kind != "f":
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor as input. "
                           f"Got {A.dtype.name}")
    if nd < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions "
                           f"(got shape {tuple(A._data.shape)})")
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {tuple(dim)}")
    d0, d1 = _wrap_dim(dim[0], nd, "linalg.matrix_norm"), _wrap_dim(dim[1], nd, "linalg.matrix_norm")
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    shape = A._data.shape
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord == "nuc" or (not isinstance(ord, str) and ord in (2, -2)):
        rest = [i for i in range(nd) if i not in (d0, d1)]
        At = A if (d0, d1) == (nd - 2, nd - 1) else _permute(A, rest + [d0, d1])
        sv = _svdvals(At)
        r = sum(sv, -1) if ord == "nuc" else (amax(sv, -1) if ord == 2 else amin(sv, -1))
        return _reshape(r, _keep_shape(shape, (d0, d1))) if keepdim else r
    if isinstance(ord, str) or ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    inner, outer_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
    s = sum(_abs(A), inner, True)
    r = amax(s, outer_dim, True) if ord > 0 else amin(s, outer_dim, True)
    return r if keepdim else _reshape(r, _reduced_shape(shape, (d0, d1)))


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """``zoo_core.linalg.norm``: a vector norm over one dim (or the flattened tensor), a matrix norm over
    two dims. With ``ord`` and no ``dim`` the input must be 1-D or 2-D.

    Example::

        >>> zoo_core.linalg.norm(zoo_core.tensor([[3., 4.]]))
        tensor(5.)
    """
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        if isinstance(ord, str):
            raise RuntimeError(f"linalg.norm: ord {ord!r} needs a 2-D input or two dims")
        return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    nd = A._data.ndim
    if nd == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    if nd == 1 and not isinstance(ord, str):
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {nd}D.")


def vecdot(x, y, *, dim=-1):
    """Dot products of vectors along ``dim`` (broadcasting the other dims)."""
    return sum(x * y, dim)


__all__ = ["matmul", "mm", "bmm", "dot", "vdot", "outer", "ger", "inner", "mv", "einsum", "tensordot", "addmm",
           "baddbmm", "addmv"]


def _matmul_op(self, other):
    if not isinstance(other, Tensor):
        if isinstance(other, (np.ndarray, list, tuple)) or _backend.is_cuda_array(other):
            other = as_operand(other, self, "matmul")
        else:
            return NotImplemented
    return matmul(self, other)


def _rmatmul_op(self, other):
    if not isinstance(other, Tensor):
        if isinstance(other, (np.ndarray, list, tuple)) or _backend.is_cuda_array(other):
            other = as_operand(other, self, "matmul")
        else:
            return NotImplemented
    return matmul(other, self)


Tensor.matmul, Tensor.mm, Tensor.bmm, Tensor.dot, Tensor.vdot = matmul, mm, bmm, dot, vdot
Tensor.outer, Tensor.ger, Tensor.addmm, Tensor.baddbmm, Tensor.addmv = outer, ger, addmm, baddbmm, addmv
Tensor.__matmul__, Tensor.__rmatmul__ = _matmul_op, _rmatmul_op
Tensor.inner, Tensor.mv = inner, mv

# square-matrix algebra (inverse, det, slogdet, solve) lives in decomp.py; the torch-level names come from here
from .decomp import det, inverse, logdet, slogdet  # noqa: E402,F401
__all__ += ["inverse", "det", "logdet", "slogdet"]
