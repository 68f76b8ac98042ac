"""Tensor methods about memory rather than math: memory formats, ``resize_``, ``share_memory_``,
``pin_memory``, ``apply_``, ``dim_order``, ``as_subclass`` and the real-dtype forms of ``H``/``real``/``imag``.

Memory formats: Zoo keeps tensors row-major, so ``to(memory_format=channels_last)`` changes no values;
``is_contiguous(memory_format=...)`` still answers from the actual strides, as PyTorch does.
"""
import mmap

import numpy as np

from . import _backend
from .autograd import grad_mode
from .autograd.graph import record
from .tensor import Tensor, _NamedConstant, _new, _wrap, make_view


class memory_format(_NamedConstant):
    """``zoo_core.contiguous_format``, ``channels_last``, ``channels_last_3d``, ``preserve_format``."""
    __slots__ = ()


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")


def is_contiguous_as(t, fmt):
    """Whether ``t``'s strides are those of ``fmt`` (channels_last: N, H, W, C from slowest to fastest)."""
    if fmt is preserve_format:
        raise RuntimeError("is_contiguous: preserve_format is not a valid memory format to check")
    ndim = 4 if fmt is channels_last else 5
    if t.ndim != ndim:
        return False
    order = (0,) + tuple(range(2, ndim)) + (1,)   # dims from the slowest to the fastest
    expected, run = {}, 1
    for d in reversed(order):
        expected[d] = run
        run *= max(t.shape[d], 1)
    st = t.stride()
    return all(st[d] == expected[d] or t.shape[d] == 1 for d in range(ndim))


# ---- methods ------------------------------------------------------------------------------------
def dim_order(self):
    """The dimensions from the outermost (largest stride) to the innermost."""
    st = self.stride()
    return tuple(sorted(range(self.ndim), key=lambda d: -st[d]))


def resize_(self, *sizes, memory_format=None):
    """Give the tensor a new shape in place, keeping its elements in row-major order (new ones are
    uninitialised, as in PyTorch)."""
    if self._rg:
        raise RuntimeError("cannot resize variables that require grad")
    shape = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else tuple(sizes)
    if tuple(int(s) for s in shape) == tuple(self.shape):
        return self   # a no-op, as PyTorch's (keeps views and strides; the common ``out.resize_(shape)``)
    if self._base is not None:
        raise RuntimeError("resize_: cannot resize a view of another tensor (its storage is shared); "
                           "call .clone() first")
    if any(int(s) < 0 for s in shape):
        raise RuntimeError(f"resize_: Trying to create tensor with negative dimension: {list(shape)}")
    xp = _backend.array_module(self._data)
    flat = xp.ravel(self._data)
    n = int(np.prod(shape, dtype=np.int64))
    new = xp.empty(n, dtype=self._data.dtype)
    k = min(n, flat.size)
    new[:k] = flat[:k]
    self._data = new.reshape(shape)
    self._ver += 1
    return self


def resize_as_(self, other, memory_format=None):
    return resize_(self, tuple(other.shape))


def share_memory_(self):
    """Move a CPU tensor's storage into anonymous shared memory, so processes forked afterwards (DataLoader
    workers, ``multiprocessing`` with the fork start method) see each other's writes. CUDA tensors are
    returned as they are (device memory is not copied on fork)."""
    if _backend.is_cuda_array(self._data) or is_shared(self):
        return self
    if self._base is not None:
        raise RuntimeError("share_memory_: cannot move the storage of a view; call it on the base tensor")
    arr = self._data
    buf = mmap.mmap(-1, max(arr.nbytes, 1))
    shared = np.frombuffer(buf, dtype=arr.dtype, count=arr.size).reshape(arr.shape)
    shared[...] = arr
    self._data = shared
    return self


def is_shared(self):
    d = self._data
    while isinstance(d, np.ndarray):
        d = d.base
    return isinstance(getattr(d, "obj", d), mmap.mmap)   # frombuffer arrays end in a memoryview of it


def pin_memory(self, device=None):
    """A copy in page-locked host memory (faster, asynchronous host-to-GPU copies); needs CUDA."""
    from . import cuda
    if not cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    if _backend.is_cuda_array(self._data):
        raise RuntimeError(f"cannot pin '{self.type()}' only dense CPU tensors can be pinned")
    import cupyx
    pinned = cupyx.empty_pinned(self._data.shape, dtype=self._data.dtype)
    pinned[...] = self._data
    return _wrap(pinned)


def is_pinned(self, device=None):
    d = self._data
    if _backend.is_cuda_array(d) or not isinstance(d, np.ndarray):
        return False
    while isinstance(d, np.ndarray):
        d = d.base
    return type(getattr(d, "obj", d)).__name__ == "PinnedMemoryPointer"   # cupyx.empty_pinned's buffer


def apply_(self, callable):
    """Apply a Python function to every element, in place (CPU tensors only; slow, as in PyTorch)."""
    if _backend.is_cuda_array(self._data):
        raise TypeError("apply_ is only implemented on CPU tensors")
    flat = self._data.reshape(-1) if self._data.flags.c_contiguous else None
    vals = [callable(v) for v in self._data.ravel().tolist()]
    new = np.asarray(vals, dtype=self._data.dtype).reshape(self._data.shape)
    if flat is not None:
        flat[...] = new.reshape(-1)
    else:
        self._data[...] = new
    self._ver += 1
    return self


def map_(self, tensor, callable):
    """``self[i] = callable(self[i], tensor[i])`` for every element, in place (CPU only)."""
    if _backend.is_cuda_array(self._data):
        raise TypeError("map_ is only implemented on CPU tensors")
    other = np.broadcast_to(tensor._data, self._data.shape)
    vals = [callable(a, b) for a, b in zip(self._data.ravel().tolist(), other.ravel().tolist())]
    self._data[...] = np.asarray(vals, dtype=self._data.dtype).reshape(self._data.shape)
    self._ver += 1
    return self


def as_subclass(self, cls):
    """The same tensor (storage and autograd history) seen as an instance of ``cls``."""
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError(f"as_subclass: cls must be a subclass of Tensor, got {cls!r}")
    o = _new(cls)
    o.__dict__.update(self.__dict__)
    return o


def _positions(xp, shape, strides, offset):
    """The storage position of every element of a strided view, shaped like the view."""
    pos = xp.full(tuple(shape), offset, dtype=xp.int64)
    for d, (n, st) in enumerate(zip(shape, strides)):
        idx = xp.arange(n, dtype=xp.int64) * st
        pos = pos + idx.reshape((n,) + (1,) * (len(shape) - d - 1))
    return pos


def _strided_gather(t, in_geom, size, stride, offset):
    """``as_strided`` re-derived from ``t`` (shaped like the original input): a real view when ``t`` has the
    input's storage layout, else a differentiable gather of the same elements (``t`` is then e.g. a
    gradient with another layout, where storage offsets/strides would read the wrong elements)."""
    shape, in_stride, in_offset, n_storage = in_geom
    root = t if t._base is None else t._base
    if (root._data.flags.c_contiguous and root._data.size == n_storage and t.stride() == in_stride
            and t.storage_offset() == in_offset):
        return as_strided(t, size, stride, offset)   # same storage layout: a real view (writes go through)
    xp = _backend.array_module(t._data)
    in_pos = _positions(xp, shape, in_stride, in_offset).reshape(-1)
    inv = xp.full(n_storage, -1, dtype=xp.int64)
    inv[in_pos] = xp.arange(in_pos.size, dtype=xp.int64)
    idx = inv[_positions(xp, size, stride, offset)]
    if int((idx < 0).sum()):
        raise RuntimeError("as_strided: an in-place operation on this view cannot be rebased: the view reads "
                           "storage outside the tensor it was taken from")
    return t.reshape(-1)[_wrap(idx)]


def as_strided(input, size, stride, storage_offset=None):
    """A view of ``input``'s storage with the given sizes, strides and offset (in elements), as PyTorch's.
    Gradients flow back to ``input`` (summed where the view reads one element several times).

    Example::

        >>> x = zoo_core.arange(6.)
        >>> x.as_strided((3, 2), (2, 1))   # 3 rows of 2 over the same storage
        tensor([[0., 1.],
                [2., 3.],
                [4., 5.]])
    """
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"as_strided: mismatch in length of strides and shape ({len(size)} sizes, "
                           f"{len(stride)} strides)")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(stride)}")
    base = input if input._base is None else input._base
    data = base._data
    if not data.flags.c_contiguous:
        raise RuntimeError(f"as_strided: the storage of this tensor (shape {list(data.shape)}) is not "
                           "contiguous; call .contiguous() first")
    offset = input.storage_offset() if storage_offset is None else int(storage_offset)
    need = offset + 1 + sum((n - 1) * st for n, st in zip(size, stride)) if all(size) else 0
    if need > data.size or offset < 0:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {data.itemsize} requiring a storage size of {need * data.itemsize} are out "
                           f"of bounds for storage of size {data.size * data.itemsize}")
    xp = _backend.array_module(data)
    flat = data.reshape(-1)
    arr = xp.lib.stride_tricks.as_strided(flat[offset:] if data.size else flat, size,
                                          tuple(st * data.itemsize for st in stride))
    in_geom = (tuple(input.shape), input.stride(), input.storage_offset(), data.size)
    out = make_view(input, arr, lambda t: _strided_gather(t, in_geom, size, stride, offset))
    if input._rg and grad_mode.enabled:
        in_pos = _positions(xp, input.shape, input.stride(), input.storage_offset())
        out_pos = _positions(xp, size, stride, offset)
        n_storage = data.size

        def backward(g):
            from .ops.creation import zeros
            store = zeros(n_storage, dtype=g.dtype, device=g.device)
            store = store.index_add(0, _wrap(out_pos.reshape(-1)), g.reshape(-1))
            return (store[_wrap(in_pos)],)
        record(out, "AsStridedBackward0", backward, (input,))
    return out


def _real(self):
    return self


def _imag(self):
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


def _H(self):
    if self.ndim > 2:
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor.")
    return self.t()


# ---- forms that only matter for complex, sparse or CUDA-stream code: exact for Zoo's dense real tensors --
def conj(input):
    """The complex conjugate: the tensor itself for real dtypes."""
    return input


def resolve_conj(input):
    return input


def resolve_neg(input):
    return input


def is_conj(input):
    return False


def is_neg(input):
    return False


def narrow_copy(input, dim, start, length):
    """``narrow`` into new storage."""
    return input.narrow(dim, start, length).clone()


def nonzero_static(input, *, size, fill_value=-1):
    """``nonzero()`` padded with ``fill_value`` (or cut) to exactly ``size`` rows."""
    from .ops.creation import full
    from .ops.join import cat
    nz = input.nonzero()
    if nz.shape[0] >= size:
        return nz[:size]
    pad = full((size - nz.shape[0], nz.shape[1]), fill_value, dtype=nz.dtype, device=nz.device)
    return cat([nz, pad])


def unsafe_chunk(input, chunks, dim=0):
    return input.chunk(chunks, dim)


def unsafe_split(input, split_size, dim=0):
    return input.split(split_size, dim)


def unsafe_split_with_sizes(input, split_sizes, dim=0):
    return input.split(list(split_sizes), dim)


def _record_stream(self, stream):
    """Nothing to do: CuPy's memory pool is stream-ordered for the stream that freed the block."""


def _to_dense(self, dtype=None, *, masked_grad=None):
    return self if dtype is None else self.to(dtype)


def _new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False, layout=None,
                       pin_memory=False):
    from .ops.creation import empty_strided
    return empty_strided(size, stride, dtype=self.dtype if dtype is None else dtype,
                         device=self.device if device is None else device, requires_grad=requires_grad)


def _fill_diagonal_(self, fill_value, wrap=False):
    """Fill the main diagonal in place (all dims equal for >2-D; ``wrap`` restarts it every ``ncols + 1``
    rows of a tall matrix, as numpy's ``fill_diagonal``)."""
    shape = tuple(self.shape)
    if self.ndim < 2:
        raise RuntimeError(f"fill_diagonal_: dimensions must larger than 1 (got shape {list(shape)})")
    if self.ndim > 2 and len(set(shape)) != 1:
        raise RuntimeError(f"fill_diagonal_: all dimensions of input must be of equal length (got {list(shape)})")
    xp = _backend.array_module(self._data)
    mask = xp.zeros(shape, dtype=bool)
    if self.ndim > 2:
        i = xp.arange(shape[0])
        mask[(i,) * self.ndim] = True
    else:
        rows, cols = shape
        step_rows = rows if wrap else min(rows, cols)
        r = xp.arange(step_rows)
        r = r[(r % (cols + 1)) < cols] if wrap and rows > cols else r
        mask[r, r % (cols + 1) if wrap and rows > cols else r] = True
    return self.masked_fill_(_wrap(mask), fill_value)


def angle(input):
    """The argument of a real number: pi where negative, 0 elsewhere, NaN for NaN; integers give the
    default float dtype. Its gradient is zero, as PyTorch's for real inputs."""
    import math
    from . import _dtype
    from .ops.creation import zeros_like
    x = input._data
    xp = _backend.array_module(x)
    dt = x.dtype if x.dtype.kind == "f" else _dtype.get_default_dtype().np
    r = xp.where(x < 0, math.pi, 0.0).astype(dt)
    if x.dtype.kind == "f":
        r = xp.where(xp.isnan(x), x, r)
    out = _wrap(r)
    if input._rg and grad_mode.enabled:
        record(out, "AngleBackward0", lambda g: (zeros_like(input),), (input,))
    return out


def _is_set_to(self, tensor):
    return (self.data_ptr() == tensor.data_ptr() and tuple(self.shape) == tuple(tensor.shape)
            and self.stride() == tensor.stride())


Tensor.fill_diagonal_ = _fill_diagonal_
Tensor.angle = angle
Tensor.is_set_to = _is_set_to
Tensor.const_data_ptr = Tensor.data_ptr
Tensor.is_distributed = lambda self: False
for _name in ("is_mps", "is_xpu", "is_xla", "is_ipu", "is_maia", "is_mtia", "is_vulkan"):
    setattr(Tensor, _name, False)
def _functional():
    from .nn import functional   # nn loads on first use, not with zoo_core
    return functional


Tensor.hardshrink = lambda self, lambd=0.5: _functional().hardshrink(self, lambd)
Tensor.prelu = lambda self, weight: _functional().prelu(self, weight)
Tensor.conj_physical = Tensor.conj = conj
Tensor.conj_physical_ = lambda self: self
for _f in (resolve_conj, resolve_neg, is_conj, is_neg, narrow_copy, nonzero_static, unsafe_chunk, unsafe_split,
           unsafe_split_with_sizes):
    setattr(Tensor, _f.__name__, _f)
Tensor.record_stream = _record_stream
Tensor.to_dense = _to_dense
Tensor.new_empty_strided = _new_empty_strided

for _f in (dim_order, resize_, resize_as_, share_memory_, is_shared, pin_memory, is_pinned, apply_, map_,
           as_subclass, as_strided):
    setattr(Tensor, _f.__name__, _f)
Tensor.real = property(_real)
Tensor.imag = property(_imag)
Tensor.H = property(_H)
Tensor.mH = property(lambda self: self.mT)   # real dtypes: the conjugate transpose is the transpose
Tensor.adjoint = lambda self: self.mT
