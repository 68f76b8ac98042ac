"""Variable-length sequences for recurrent layers: padding and packing (as ``torch.nn.utils.rnn``).

A ``PackedSequence`` stores the time steps of a batch back to back, longest sequences first:
``data`` is ``(sum(lengths), *)``, ``batch_sizes[t]`` says how many sequences are still running at step
``t``. Packing and padding are one differentiable ``index_select`` each over precomputed row indices,
so gradients flow back to the padded input (and padding rows get none).

Example::

    >>> from zoo_core.nn.utils.rnn import pack_sequence, pad_packed_sequence
    >>> packed = pack_sequence([zoo_core.tensor([1, 2, 3]), zoo_core.tensor([4, 5]), zoo_core.tensor([6])])
    >>> packed.data, packed.batch_sizes
    (tensor([1, 4, 6, 2, 5, 3]), tensor([3, 2, 1]))
    >>> pad_packed_sequence(packed, batch_first=True)[0]
    tensor([[1, 2, 3],
            [4, 5, 0],
            [6, 0, 0]])
"""
from collections import namedtuple
from collections.abc import Iterable

import numpy as np

from ... import _backend, _dtype
from ...ops.join import cat
from ...tensor import Tensor, _wrap

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


def _on(arr, dev):
    """A Tensor of the numpy array ``arr`` on device ``dev``."""
    return _wrap(_backend.to_device(arr, dev))


def _host(t):
    """A tensor's values as a numpy array (copied from the GPU when needed)."""
    a = t._data
    return a.get() if _backend.is_cuda_array(a) else np.asarray(a)


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """A packed batch of variable-length sequences; made by ``pack_padded_sequence``/``pack_sequence``.

    Fields: ``data`` (``(sum(lengths), *)``, time step after time step), ``batch_sizes`` (CPU int64:
    how many sequences run at each step), ``sorted_indices`` / ``unsorted_indices`` (int64 on ``data``'s
    device, or None: the permutation from the caller's batch order to the length-sorted one and back).
    """
    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        if batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should never be created "
                "manually. They should be instantiated by functions like pack_sequence and pack_padded_sequences "
                "in nn.utils.rnn.")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """Convert ``data`` like ``Tensor.to``; the indices follow ``data`` to its device."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self

        def move(t):
            return None if t is None else t.to(data.device)
        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cuda(self, device=None):
        return self.to("cuda" if device is None else device)

    def cpu(self):
        return self.to("cpu")

    def double(self):
        return self.to(dtype=_dtype.float64)

    def float(self):
        return self.to(dtype=_dtype.float32)

    def half(self):
        return self.to(dtype=_dtype.float16)

    def long(self):
        return self.to(dtype=_dtype.int64)

    def int(self):
        return self.to(dtype=_dtype.int32)

    def short(self):
        return self.to(dtype=_dtype.int16)

    def char(self):
        return self.to(dtype=_dtype.int8)

    def byte(self):
        return self.to(dtype=_dtype.uint8)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def invert_permutation(permutation):
    """The inverse of a 1-D index permutation (None for None)."""
    if permutation is None:
        return None
    p = permutation._data
    xp = _backend.array_module(p)
    out = xp.empty_like(p)
    out[p] = xp.arange(p.shape[0], dtype=p.dtype)
    return _wrap(out)


def _lengths_array(lengths):
    if isinstance(lengths, Tensor):
        if lengths.device.type != "cpu" or lengths.dim() != 1:
            raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {lengths.dim()}D "
                               f"{lengths.device} {str(lengths.dtype).split('.')[-1]} tensor")
        return np.asarray(lengths._data).astype(np.int64)
    lens = np.asarray([int(v) for v in lengths], dtype=np.int64)
    return lens


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch ``(T, B, *)`` (``batch_first``: ``(B, T, *)``) of sequences of ``lengths``.

    With ``enforce_sorted`` the lengths must be in decreasing order; otherwise the batch is sorted here
    and ``sorted_indices`` records how (``pad_packed_sequence`` restores the order).

    Example::

        >>> x = zoo_core.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]])
        >>> p = pack_padded_sequence(x, [2, 1, 3], batch_first=True, enforce_sorted=False)
        >>> p.data, p.batch_sizes, p.sorted_indices
        (tensor([4, 1, 3, 5, 2, 6]), tensor([3, 2, 1]), tensor([2, 0, 1]))
    """
    lens = _lengths_array(lengths)
    if input.dim() < 2:
        raise RuntimeError(f"pack_padded_sequence: expected a padded input of at least 2 dimensions (T, B, *), "
                           f"got shape {tuple(input.shape)}")
    shape = tuple(input.shape)
    T, B = (shape[1], shape[0]) if batch_first else (shape[0], shape[1])
    if lens.shape[0] != B:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lens.shape[0]} "
                           f"(batch_size={B})")
    if enforce_sorted:
        order = None
        if np.any(lens[1:] > lens[:-1]):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
                "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement "
                "if you do not need ONNX exportability.")
    else:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
    if B == 0 or lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if lens[0] > T:
        raise RuntimeError(f"pack_padded_sequence: the longest length {int(lens[0])} exceeds the padded input's "
                           f"{T} time steps (input shape {shape}, batch_first={batch_first})")
    batch_sizes = (lens[None, :] > np.arange(lens[0])[:, None]).sum(1)      # (T_max,)
    cols = np.arange(B) if order is None else order
    steps = np.repeat(np.arange(lens[0]), batch_sizes)                         # the step of each packed row
    seqs = np.concatenate([cols[:b] for b in batch_sizes])                     # its batch column
    rows = seqs * T + steps if batch_first else steps * B + seqs
    flat = input.reshape((T * B,) + shape[2:])
    data = flat.index_select(0, _on(rows, input.device))
    sorted_indices = None if order is None else _on(order.astype(np.int64), input.device)
    return PackedSequence(data, _wrap(batch_sizes.astype(np.int64)), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo ``pack_padded_sequence``: returns ``(padded, lengths)`` in the caller's batch order.

    ``padded`` is ``(T, B, *)`` (``batch_first``: ``(B, T, *)``) with ``T`` the longest length or
    ``total_length``; ``lengths`` is an int64 CPU tensor.

    Example::

        >>> p = pack_sequence([zoo_core.tensor([1., 2.]), zoo_core.tensor([3.])])
        >>> pad_packed_sequence(p, padding_value=-1.0)
        (tensor([[ 1.,  3.],
                [ 2., -1.]]), tensor([2, 1]))
    """
    data, batch_sizes, sorted_indices, unsorted_indices = sequence
    bs = np.asarray(batch_sizes._data).astype(np.int64)
    T = bs.shape[0]
    if total_length is not None:
        if total_length < T:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {T}")
        T = int(total_length)
    B = int(bs[0])
    P = data.shape[0]
    offsets = np.concatenate([[0], np.cumsum(bs)[:-1]])
    j = np.arange(B)[None, :]
    bs_t = np.concatenate([bs, np.zeros(T - bs.shape[0], np.int64)])[:, None]
    off_t = np.concatenate([offsets, np.zeros(T - bs.shape[0], np.int64)])[:, None]
    src = np.where(j < bs_t, off_t + j, P)                   # (T, B) row of data, or P: the padding row
    lengths = (bs[None, :] > np.arange(B)[:, None]).sum(1)   # per sorted batch position
    if unsorted_indices is not None:
        unsort = _host(unsorted_indices)
        src, lengths = src[:, unsort], lengths[unsort]
    if batch_first:
        src = src.T
    xp = _backend.array_module(data._data)
    rest = tuple(data.shape[1:])
    pad = _wrap(xp.full((1,) + rest, padding_value, dtype=data._data.dtype))
    padded = cat([data, pad]).index_select(0, _on(np.ascontiguousarray(src).ravel(), data.device))
    return padded.reshape(src.shape + rest), _wrap(lengths.astype(np.int64))


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences ``(L_i, *)`` into ``(T, B, *)`` (``batch_first``: ``(B, T, *)``), padded with
    ``padding_value`` on the ``padding_side`` (``"right"`` or ``"left"``) to the longest length ``T``.

    Example::

        >>> pad_sequence([zoo_core.ones(3, 2), zoo_core.ones(1, 2)]).shape
        zoo_core.Size([3, 2, 2])
    """
    if not isinstance(sequences, Iterable):
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    rest = None
    for i, s in enumerate(sequences):
        if not isinstance(s, Tensor):
            raise TypeError(f"pad_sequence: expected a sequence of Tensors, but element {i} is a {type(s).__name__}")
        if s.dim() == 0:
            raise RuntimeError(f"pad_sequence: sequence {i} is 0-dimensional; each sequence must be (L, *)")
        if rest is None:
            rest = tuple(s.shape[1:])
        elif tuple(s.shape[1:]) != rest:
            raise RuntimeError(f"pad_sequence: sequence {i} has shape {tuple(s.shape)} but sequence 0 has trailing "
                               f"dims {rest}; all sequences must share the dims after the first")
    lens = np.asarray([s.shape[0] for s in sequences], dtype=np.int64)
    T, P = int(lens.max()), int(lens.sum())
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    t = np.arange(T)[:, None]
    if padding_side == "left":
        t = t - (T - lens)[None, :]                           # per column: where its sequence begins
        valid = t >= 0
    else:
        valid = t < lens[None, :]
    src = np.where(valid, starts[None, :] + t, P)             # (T, B)
    if batch_first:
        src = src.T
    first = sequences[0]
    xp = _backend.array_module(first._data)
    flat = cat(sequences)
    pad = _wrap(xp.full((1,) + rest, padding_value, dtype=flat._data.dtype))
    out = cat([flat, pad]).index_select(0, _on(np.ascontiguousarray(src).ravel(), first.device))
    return out.reshape(src.shape + rest)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into a list of sequences of ``lengths`` (the inverse of ``pad_sequence``).

    Example::

        >>> seqs = unpad_sequence(pad_sequence([zoo_core.ones(3), zoo_core.ones(1)]), zoo_core.tensor([3, 1]))
        >>> [s.shape[0] for s in seqs]
        [3, 1]
    """
    lens = [int(v) for v in (lengths.tolist() if isinstance(lengths, Tensor) else lengths)]
    out = []
    for i, n in enumerate(lens):
        seq = padded_sequences[i] if batch_first else padded_sequences[:, i]
        out.append(seq[:n])
    return out


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences ``(L_i, *)`` (decreasing lengths unless ``enforce_sorted=False``).

    Example::

        >>> pack_sequence([zoo_core.tensor([1, 2, 3]), zoo_core.tensor([4, 5]), zoo_core.tensor([6])]).data
        tensor([1, 4, 6, 2, 5, 3])
    """
    sequences = list(sequences)
    lengths = [s.shape[0] if isinstance(s, Tensor) and s.dim() else 0 for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences in a ``PackedSequence`` (the inverse of ``pack_sequence``).

    Example::

        >>> seqs = unpack_sequence(pack_sequence([zoo_core.tensor([1, 2]), zoo_core.tensor([3])]))
        >>> [s.tolist() for s in seqs]
        [[1, 2], [3]]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
