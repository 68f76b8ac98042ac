"""Shape ops that are views: ``view``, ``reshape``, ``flatten``, ``squeeze``/``unsqueeze``, ``permute``,
``transpose``, ``expand``, ``narrow``, ``movedim``... This module also re-exports the rest of the family:
``rearrange.py`` (copies that move elements: ``repeat``, ``tile``, ``flip``, ``roll``) and ``join.py``
(``cat``, ``stack``, ``split``, ``chunk``, ``unbind``).

Ops that are views in PyTorch return tensors made by ``make_view``: their array is a numpy/CuPy view of
the input's, so in-place ops on them write the base's storage and share its version counter. Each view
also carries a ``view_fn`` that re-derives it from a base-shaped tensor with these same ops; autograd
uses it to route gradients when a view is modified in place. ``view_fn`` uses ``reshape`` rather than
``view`` because it also runs on gradients, which may be laid out differently from the base.
"""
import operator

import numpy as np

from .. import _backend, _dtype
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Size, Tensor, _wrap, _wrap_dim, make_view, type_name
from ._util import sum_to

_index = operator.index


def _view(x, arr, name, backward, view_fn):
    """A view of ``x`` over ``arr`` (a view of ``x._data``), recording ``backward`` when needed."""
    out = make_view(x, arr, view_fn)
    if x._rg and grad_mode.enabled:
        record(out, name, backward, (x,))
    return out


def _ints(args, op, what="size"):
    """Sizes or dims given as ``f(2, 3)`` or ``f((2, 3))``, as a tuple of ints."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    try:
        return tuple([_index(a) for a in args])
    except TypeError:
        raise TypeError(f"{op}(): {what} must be ints or a tuple of ints, got {tuple(args)!r}") from None


def _infer_shape(shape, numel, op):
    """``shape`` with its -1 (at most one) resolved so that it holds ``numel`` elements."""
    known, infer = 1, -1
    for i, s in enumerate(shape):
        if s == -1:
            if infer >= 0:
                raise RuntimeError(f"{op}: only one dimension can be inferred (shape {list(shape)})")
            infer = i
        elif s < 0:
            raise RuntimeError(f"{op}: invalid shape dimension {s} in shape {list(shape)}")
        else:
            known *= s
    if infer >= 0:
        if known == 0:
            if numel == 0:
                raise RuntimeError(
                    f"{op}: cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                    "unspecified dimension size -1 can be any value and is ambiguous")
        elif numel % known == 0:
            return shape[:infer] + (numel // known,) + shape[infer + 1:]
    elif known == numel:
        return shape
    raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel}")


_NP_RESHAPE_COPY = np.lib.NumpyVersion(np.__version__) >= "2.1.0"   # reshape(copy=False) raises if it can't


def _reshape_array(arr, shape):
    """(``arr`` reshaped, whether it is a view). The array modules copy only when strides make a view
    impossible (the same rule as PyTorch's ``view``)."""
    if arr.flags.c_contiguous:
        return arr.reshape(shape), True
    if type(arr) is np.ndarray:
        if _NP_RESHAPE_COPY:
            try:
                return arr.reshape(shape, copy=False), True
            except ValueError:
                return arr.reshape(shape), False
        r = arr.reshape(shape)
        return r, np.may_share_memory(r, arr)   # a copy is a fresh allocation
    r = arr.reshape(shape)   # CuPy: a copy lives in a new allocation
    return r, r.data.ptr == arr.data.ptr


# ---- view / reshape ----------------------------------------------------------------------------
def view(input, *shape):
    """A view with a new shape (one size may be -1); the elements must be laid out compatibly.

    ``view(dtype)`` reinterprets the bytes as another dtype instead.

    Example::

        >>> zoo_core.arange(6).view(2, -1).shape
        zoo_core.Size([2, 3])
    """
    arr = input._data
    if len(shape) == 1 and isinstance(shape[0], (_dtype.dtype, np.dtype)):
        dt = _dtype.to_dtype(shape[0])
        if dt.np != arr.dtype:
            return _view_dtype(input, dt)
        shape = arr.shape
    shape = _infer_shape(_ints(shape, "view"), arr.size, "view")
    out, is_view = _reshape_array(arr, shape)
    if not is_view:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans "
            "across two contiguous subspaces). Use .reshape(...) instead. "
            f"(view: shape {list(arr.shape)} with strides {list(input.stride())} to {list(shape)})")
    src = arr.shape
    return _view(input, out, "ViewBackward0", lambda g: (g.reshape(src),), lambda t: t.reshape(shape))


def _view_dtype(input, dt):
    arr = input._data
    try:
        out = arr.view(dt.np)
    except ValueError as e:
        raise RuntimeError(f"view: cannot view a {input.dtype} tensor of shape {list(arr.shape)} as {dt}: "
                           f"{e}") from None
    return make_view(input, out, lambda t: t.view(dt))   # reinterpreting bits is not differentiable


def reshape(input, *shape):
    """``input``'s elements with a new shape: a view when the layout allows it, else a copy.

    Example::

        >>> zoo_core.arange(6).reshape(3, 2).shape
        zoo_core.Size([3, 2])
    """
    arr = input._data
    shape = _infer_shape(_ints(shape, "reshape"), arr.size, "reshape")
    return _reshape(input, arr, shape)


def _reshape(input, arr, shape):
    out, is_view = _reshape_array(arr, shape)
    src = arr.shape
    if is_view:
        return _view(input, out, "ViewBackward0", lambda g: (g.reshape(src),), lambda t: t.reshape(shape))
    y = _wrap(out)
    if input._rg and grad_mode.enabled:
        record(y, "UnsafeViewBackward0", lambda g: (g.reshape(src),), (input,))
    return y


def view_as(input, other):
    """``input.view(other.shape)``."""
    return view(input, other._data.shape)


def reshape_as(input, other):
    """``input.reshape(other.shape)``."""
    return reshape(input, other._data.shape)


def ravel(input):
    """The elements as a 1-D tensor (a view when possible).

    Example::

        >>> zoo_core.ones(2, 3).ravel().shape
        zoo_core.Size([6])
    """
    return _reshape(input, input._data, (input._data.size,))


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one (a view when possible).

    Example::

        >>> zoo_core.ones(2, 3, 4).flatten(1).shape
        zoo_core.Size([2, 12])
    """
    arr = input._data
    if arr.ndim == 0:
        _wrap_dim(start_dim, 0, "flatten")
        _wrap_dim(end_dim, 0, "flatten")
        return _reshape(input, arr, (1,))
    s = _wrap_dim(start_dim, arr.ndim, "flatten")
    e = _wrap_dim(end_dim, arr.ndim, "flatten")
    if s > e:
        raise RuntimeError(f"flatten() has invalid args: start_dim cannot come after end_dim "
                           f"(start_dim={start_dim}, end_dim={end_dim})")
    if s == e:
        return input
    shp = arr.shape
    merged = 1
    for n in shp[s:e + 1]:
        merged *= n
    return _reshape(input, arr, shp[:s] + (merged,) + shp[e + 1:])


def unflatten(input, dim, sizes):
    """Split dim ``dim`` into ``sizes`` (one may be -1); always a view.

    Example::

        >>> zoo_core.ones(2, 12).unflatten(1, (3, 4)).shape
        zoo_core.Size([2, 3, 4])
    """
    arr = input._data
    d = _wrap_dim(dim, arr.ndim, "unflatten")
    sizes = _ints((sizes,), "unflatten")
    n = arr.shape[d]
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        sizes = _infer_shape(sizes, n, "unflatten")
    except RuntimeError:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
                           f"{dim} ({n}) in the input tensor") from None
    return _reshape(input, arr, arr.shape[:d] + sizes + arr.shape[d + 1:])


# ---- squeeze / unsqueeze -----------------------------------------------------------------------
def squeeze(input, dim=None):
    """Drop size-1 dims (all of them, or those among ``dim``: an int or a tuple); always a view.

    Example::

        >>> zoo_core.ones(2, 1, 3).squeeze(1).shape
        zoo_core.Size([2, 3])
    """
    arr = input._data
    shp = arr.shape
    if dim is None:
        axes = tuple([i for i, n in enumerate(shp) if n == 1])
    else:
        dims = [_wrap_dim(_index(d), arr.ndim, "squeeze")
                for d in (dim if isinstance(dim, (tuple, list)) else (dim,))]
        if len(set(dims)) != len(dims):
            d = next(d for d in dims if dims.count(d) > 1)
            raise RuntimeError(f"squeeze: dim {d} appears multiple times in the list of dims {list(dims)}")
        axes = tuple(sorted(d for d in dims if arr.ndim and shp[d] == 1))
    out = arr.squeeze(axis=axes) if axes else arr.view()
    return _view(input, out, "SqueezeBackward0", lambda g: (g.reshape(shp),), lambda t: t.squeeze(axes))


def unsqueeze(input, dim):
    """Insert a size-1 dim at ``dim``; a view.

    Example::

        >>> zoo_core.ones(2, 3).unsqueeze(-1).shape
        zoo_core.Size([2, 3, 1])
    """
    arr = input._data
    d = _wrap_dim(_index(dim), arr.ndim + 1, "unsqueeze")
    shp = arr.shape
    out = arr.reshape(shp[:d] + (1,) + shp[d:])   # inserting a size-1 dim never needs a copy
    return _view(input, out, "UnsqueezeBackward0", lambda g: (g.squeeze(d),), lambda t: t.unsqueeze(d))


def atleast_1d(*tensors):
    """Views with at least 1 dim (one tensor in, one out; several in, a tuple out)."""
    return _atleast(tensors, lambda t: t.reshape(1) if t._data.ndim == 0 else t)


def atleast_2d(*tensors):
    """Views with at least 2 dims: () -> (1, 1), (n,) -> (1, n)."""
    return _atleast(tensors, lambda t: t.reshape(1, 1) if t._data.ndim == 0 else
                    unsqueeze(t, 0) if t._data.ndim == 1 else t)


def atleast_3d(*tensors):
    """Views with at least 3 dims: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1)."""
    def f(t):
        nd = t._data.ndim
        if nd == 0:
            return t.reshape(1, 1, 1)
        if nd == 1:
            return unsqueeze(unsqueeze(t, 0), 2)
        return unsqueeze(t, 2) if nd == 2 else t
    return _atleast(tensors, f)


def _atleast(tensors, f):
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        return tuple(f(t) for t in tensors[0])
    if len(tensors) == 1:
        return f(tensors[0])
    return tuple(f(t) for t in tensors)


# ---- permute / transpose / movedim -------------------------------------------------------------
def permute(input, *dims):
    """A view with the dims reordered: output dim i is input dim ``dims[i]``.

    Example::

        >>> zoo_core.ones(2, 3, 4).permute(2, 0, 1).shape
        zoo_core.Size([4, 2, 3])
    """
    arr = input._data
    nd = arr.ndim
    dims = _ints(dims, "permute", "dims")
    if len(dims) != nd:
        raise RuntimeError(
            f"permute: number of dimensions in the tensor input does not match the length of the desired "
            f"ordering of dimensions i.e. input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    dims = tuple([_wrap_dim(d, nd, "permute") for d in dims])
    if len(set(dims)) != nd:
        raise RuntimeError(f"permute(): duplicate dims are not allowed (dims {list(dims)}).")
    inv = [0] * nd
    for i, d in enumerate(dims):
        inv[d] = i
    return _view(input, arr.transpose(dims), "PermuteBackward0", lambda g: (g.permute(inv),),
                 lambda t: t.permute(dims))


def transpose(input, dim0, dim1):
    """A view with dims ``dim0`` and ``dim1`` swapped.

    Example::

        >>> zoo_core.ones(2, 3, 4).transpose(0, 2).shape
        zoo_core.Size([4, 3, 2])
    """
    arr = input._data
    d0 = _wrap_dim(dim0, arr.ndim, "transpose")
    d1 = _wrap_dim(dim1, arr.ndim, "transpose")
    out = arr.swapaxes(d0, d1) if d0 != d1 else arr.view()
    return _view(input, out, "TransposeBackward0", lambda g: (g.transpose(d0, d1),),
                 lambda t: t.transpose(d0, d1))


def t(input):
    """Transpose of a tensor with at most 2 dims (0-d and 1-d come back as views of themselves)."""
    arr = input._data
    if arr.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {arr.ndim}D "
                           f"(shape {list(arr.shape)}); use transpose(dim0, dim1) or mT")
    out = arr.T if arr.ndim == 2 else arr.view()
    return _view(input, out, "TBackward0", lambda g: (t(g),), t)


def _mT(input):
    if input._data.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {input._data.ndim}-D tensor.")
    return transpose(input, -2, -1)


def _T(input):
    nd = input._data.ndim
    return t(input) if nd <= 2 else permute(input, tuple(range(nd - 1, -1, -1)))


def adjoint(input):
    """Conjugate transpose of the last two dims (plain ``mT`` for real tensors)."""
    return _mT(input)


def _dim_list(d, nd, op):
    ds = d if isinstance(d, (tuple, list)) else (d,)
    return [_wrap_dim(_index(x), nd, op) for x in ds]


def movedim(input, source, destination):
    """A view with dims ``source`` moved to positions ``destination`` (ints or tuples).

    Example::

        >>> zoo_core.ones(2, 3, 4).movedim(0, -1).shape
        zoo_core.Size([3, 4, 2])
    """
    arr = input._data
    nd = arr.ndim
    src = _dim_list(source, nd, "movedim")
    dst = _dim_list(destination, nd, "movedim")
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({src} dims) should contain the same number "
            f"of dims as destination ({dst} dims)")
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({src})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({dst})")
    out = _backend.array_module(arr).moveaxis(arr, src, dst)
    return _view(input, out, "PermuteBackward0", lambda g: (movedim(g, dst, src),),
                 lambda x: movedim(x, src, dst))


# ---- expand ------------------------------------------------------------------------------------
def expand(input, *sizes):
    """A broadcast view: size-1 dims stretched to ``sizes`` (-1 keeps a dim), new dims added in front.

    The result shares one element among many positions, so it is read-only; ``clone()`` it to write.

    Example::

        >>> zoo_core.ones(3, 1).expand(2, -1, 4).shape
        zoo_core.Size([2, 3, 4])
    """
    arr = input._data
    sizes = _ints(sizes, "expand")
    shp = arr.shape
    nd, n = arr.ndim, len(sizes)
    if n < nd:
        raise RuntimeError(
            f"expand({type_name(input)}{{{list(shp)}}}, size={list(sizes)}): the number of sizes provided "
            f"({n}) must be greater or equal to the number of dimensions in the tensor ({nd})")
    lead = n - nd
    shape = list(sizes)
    overlap = False   # does some element get repeated? (then the view must be read-only)
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"expand: The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   f"non-existing dimension {i} (target sizes {list(sizes)})")
            overlap = overlap or s > 1
            continue
        cur = shp[i - lead]
        if s == -1:
            shape[i] = cur
        elif s != cur:
            if cur != 1 or s < 0:
                raise RuntimeError(
                    f"expand: The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                    f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(shp)}")
            overlap = overlap or s > 1
    shape = tuple(shape)
    if shape == shp:
        out = arr.view()
    elif overlap or arr.size == 0 or 0 in shape:
        out = _backend.array_module(arr).broadcast_to(arr, shape)
    else:
        out = arr.reshape(shape)   # only size-1 dims added: a writeable view, as in PyTorch
    return _view(input, out, "ExpandBackward0", lambda g: (sum_to(g, shp),), lambda x: expand(x, shape))


def expand_as(input, other):
    """``input.expand(other.shape)``."""
    return expand(input, other._data.shape)


def broadcast_to(input, size):
    """``input`` broadcast to ``size`` (``expand``).

    Example::

        >>> zoo_core.broadcast_to(zoo_core.ones(3), (2, 3)).shape
        zoo_core.Size([2, 3])
    """
    return expand(input, size)


def broadcast_shapes(*shapes):
    """The shape that ``shapes`` broadcast to, as ``Size``.

    Example::

        >>> zoo_core.broadcast_shapes((2, 1), (3,))
        zoo_core.Size([2, 3])
    """
    shapes = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    try:
        return Size(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError(f"broadcast_shapes: shapes {shapes} cannot be broadcast together") from None


def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape (views).

    Example::

        >>> [t.shape for t in zoo_core.broadcast_tensors(zoo_core.ones(2, 1), zoo_core.ones(3))]
        [zoo_core.Size([2, 3]), zoo_core.Size([2, 3])]
    """
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tensors[0]
    shape = broadcast_shapes(*[x._data.shape for x in tensors])
    return tuple(expand(x, shape) for x in tensors)


# ---- narrow ------------------------------------------------------------------------------------
def narrow(input, dim, start, length):
    """A view of ``length`` elements of dim ``dim`` from ``start``.

    Example::

        >>> zoo_core.arange(6).narrow(0, 2, 3)
        tensor([2, 3, 4])
    """
    arr = input._data
    if arr.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, arr.ndim, "narrow")
    size = arr.shape[d]
    start, length = _index(start), _index(length)
    if not -size <= start <= size:
        raise IndexError(f"narrow: start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    if start < 0:
        start += size
    if length < 0:
        raise RuntimeError(f"narrow(): length must be non-negative (got {length}).")
    if start + length > size:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension size ({size}) "
                           f"of dim {d} (shape {list(arr.shape)}).")
    out = arr[(slice(None),) * d + (slice(start, start + length),)]
    shp = arr.shape
    return _view(input, out, "SliceBackward0", lambda g: (_embed(g, shp, d, start),),
                 lambda x: narrow(x, d, start, length))


def _embed(g, shape, dim, start):
    """Zeros of ``shape`` holding ``g`` at ``start`` along ``dim``: narrow's backward (differentiable)."""
    a = g._data
    xp = _backend.array_module(a)
    out = xp.zeros(shape, dtype=a.dtype)
    n = a.shape[dim]
    out[(slice(None),) * dim + (slice(start, start + n),)] = a
    y = _wrap(out)
    if g._rg and grad_mode.enabled:
        record(y, "SliceBackwardBackward0", lambda gg: (narrow(gg, dim, start, n),), (g,))
    return y


# ---- unfold (Tensor method) -------------------------------------------------------------------
def unfold(input, dimension, size, step):
    """A view of all windows of ``size`` elements along ``dimension``, ``step`` apart: that dim becomes
    the window count and a last dim of ``size`` is added (``Tensor.unfold``; for image patches see
    ``nn.functional.unfold``).

    Example::

        >>> zoo_core.arange(5).unfold(0, 2, 2)
        tensor([[0, 1],
                [2, 3]])
    """
    arr = input._data
    d = _wrap_dim(dimension, arr.ndim, "unfold")
    size, step = _index(size), _index(step)
    n = arr.shape[d] if arr.ndim else 1
    if size < 0:
        raise RuntimeError(f"unfold: size is {size} but must be >= 0")
    if size > n:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    if arr.ndim == 0:
        out = arr.reshape((1,))[:size]
    else:
        count = (n - size) // step + 1
        st = arr.strides
        shape = arr.shape[:d] + (count,) + arr.shape[d + 1:] + (size,)
        strides = st[:d] + (st[d] * step,) + st[d + 1:] + (st[d],)
        out = _backend.array_module(arr).lib.stride_tricks.as_strided(arr, shape, strides)
    shp = arr.shape
    return _view(input, out, "UnfoldBackward0", lambda g: (_unfold_backward(g, shp, d, size, step),),
                 lambda x: unfold(x, d, size, step))


def _unfold_backward(g, shape, d, size, step):
    """Sum each window's gradient back into its positions (windows may overlap): a scatter-add."""
    from .indexing import _put
    if not shape:   # a 0-d input has one window of size 1 or 0
        return g.reshape(()) if size else g.sum()
    xp = _backend.array_module(g._data)
    count = g._data.shape[d]
    pos = xp.arange(count).reshape(count, 1) * step + xp.arange(size)   # (count, size): window positions
    zeros = _wrap(xp.zeros(shape, dtype=g._data.dtype))
    return _put(zeros, (slice(None),) * d + (pos,), movedim(g, -1, d + 1), accumulate=True)


__all__ = ["view", "reshape", "view_as", "reshape_as", "ravel", "flatten", "unflatten", "squeeze",
           "unsqueeze", "atleast_1d", "atleast_2d", "atleast_3d", "permute", "transpose", "swapaxes",
           "swapdims", "t", "adjoint", "movedim", "moveaxis", "expand", "expand_as", "broadcast_to",
           "broadcast_shapes", "broadcast_tensors", "narrow"]

swapaxes = swapdims = transpose
moveaxis = movedim

Tensor.view, Tensor.reshape, Tensor.view_as, Tensor.reshape_as = view, reshape, view_as, reshape_as
Tensor.ravel, Tensor.flatten, Tensor.unflatten = ravel, flatten, unflatten
Tensor.squeeze, Tensor.unsqueeze = squeeze, unsqueeze
Tensor.permute, Tensor.transpose, Tensor.swapaxes, Tensor.swapdims, Tensor.t = permute, transpose, transpose, \
    transpose, t
Tensor.T = property(_T)
Tensor.mT = Tensor.mH = property(_mT)
Tensor.adjoint = adjoint
Tensor.movedim = Tensor.moveaxis = movedim
Tensor.expand, Tensor.expand_as, Tensor.broadcast_to = expand, expand_as, broadcast_to
Tensor.narrow, Tensor.unfold = narrow, unfold

# the rest of the family; these modules use the helpers and methods defined above
from .rearrange import *  # noqa: E402,F401,F403  (repeat, tile, flip, roll)
from .rearrange import __all__ as _rearrange_all  # noqa: E402
from .join import *  # noqa: E402,F401,F403  (cat, stack, split, chunk, unbind...)
from .join import __all__ as _join_all  # noqa: E402

__all__ += _rearrange_all + _join_all
