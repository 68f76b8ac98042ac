"""Collation: turn a list of samples into a batch, as ``torch.utils.data.default_collate``.

``default_collate`` walks the structure of the first sample (tensors, numpy arrays, numbers, strings,
and dicts / namedtuples / tuples / lists of these) and merges the same field of every sample: tensors
and arrays are stacked along a new first dimension, Python floats become a float64 tensor and ints an
int64 tensor (as torch), strings stay a list. ``default_convert`` is the un-batched counterpart used
when automatic batching is off (``batch_size=None``): numpy arrays become tensors, nothing is stacked.
"""
import collections.abc
import copy
import re

import numpy as np

from .. import _backend, _dtype
from ..autograd import grad_mode
from ..ops.creation import as_tensor, tensor
from ..tensor import Tensor, _wrap

__all__ = ["collate", "default_collate", "default_collate_fn_map", "default_convert"]

# numpy dtypes that cannot become a tensor: bytes, str and object arrays
_np_str_obj = re.compile(r"[SaUO]")

_err_format = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
               "found {}")


def default_convert(data):
    """Convert every numpy array (or numpy scalar) inside ``data`` into a Tensor; keep the structure.

    Example::

        >>> default_convert(np.array([0, 1]))
        tensor([0, 1])
        >>> default_convert({"x": np.zeros(2), "name": "a"})
        {'x': tensor([0., 0.], dtype=zoo_core.float64), 'name': 'a'}
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and not isinstance(data, (np.str_, np.bytes_)):
        if isinstance(data, np.ndarray) and _np_str_obj.search(data.dtype.str) is not None:
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # torch returns a list here too
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


def _rebuild_mapping(elem, values):
    """A mapping of ``elem``'s type holding ``values`` (a plain dict when the type can't be rebuilt)."""
    try:
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)     # keeps extra state of dict subclasses (e.g. OrderedDict order)
            clone.update(values)
            return clone
        return type(elem)(values)
    except TypeError:
        return values


def _rebuild_sequence(elem, values):
    """A sequence of ``elem``'s type holding ``values`` (a list when the type can't be rebuilt)."""
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            for i, v in enumerate(values):
                clone[i] = v
            return clone
        return type(elem)(values)
    except TypeError:
        return values


def collate(batch, *, collate_fn_map=None):
    """Collate ``batch`` (a list of samples) by the structure of its first sample.

    ``collate_fn_map`` maps element types (or tuples of types) to ``fn(batch, *, collate_fn_map)``;
    an exact type match wins, then the first ``isinstance`` match in insertion order. Containers
    (mappings, namedtuples, sequences) are handled here by recursing into their fields.

    Example::

        >>> def collate_tensor(batch, *, collate_fn_map=None):
        ...     return zoo_core.stack(batch, 0)
        >>> collate([zoo_core.zeros(2), zoo_core.ones(2)], collate_fn_map={Tensor: collate_tensor})
        tensor([[0., 0.],
                [1., 1.]])
    """
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        fn = collate_fn_map.get(elem_type)
        if fn is not None:
            return fn(batch, collate_fn_map=collate_fn_map)
        for collate_type, fn in collate_fn_map.items():
            if isinstance(elem, collate_type):
                return fn(batch, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        return _rebuild_mapping(
            elem, {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        for i, other in enumerate(batch):
            if len(other) != size:
                raise RuntimeError(
                    "each element in list of batch should be of equal size "
                    f"(element 0 has {size} fields, element {i} has {len(other)})")
        transposed = [collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return transposed   # torch returns a list for tuples (backwards compatibility)
        return _rebuild_sequence(elem, transposed)
    raise TypeError(_err_format.format(elem_type))


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """Stack tensors along a new first dimension; the shapes must match."""
    elem = batch[0]
    shape = elem._data.shape
    dtype_np = elem._data.dtype
    dev = elem.device
    same_dtype = True
    needs_grad = False
    for i, t in enumerate(batch):
        if t._data.shape != shape:
            raise RuntimeError(
                f"default_collate: stack expects each tensor to be equal size, but got {list(shape)} at "
                f"entry 0 and {list(t._data.shape)} at entry {i}")
        if t.device != dev:
            raise RuntimeError(
                "default_collate: expected all tensors to be on the same device, but found at least two "
                f"devices, {dev} (entry 0) and {t.device} (entry {i})")
        same_dtype = same_dtype and t._data.dtype == dtype_np
        needs_grad = needs_grad or t._rg
    if (needs_grad and grad_mode.enabled) or not same_dtype:
        # rare: keep autograd history / torch's type promotion through the differentiable op
        from .. import stack
        return stack(batch, 0)
    # the common case (data, no graph): one array-level stack, no autograd bookkeeping
    xp = _backend.array_module(elem._data)
    return _wrap(xp.stack([t._data for t in batch]))


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    elem = batch[0]
    if _np_str_obj.search(elem.dtype.str) is not None:
        raise TypeError(_err_format.format(elem.dtype))
    return collate_tensor_fn([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    return as_tensor(np.array(batch))


def collate_float_fn(batch, *, collate_fn_map=None):
    return tensor(batch, dtype=_dtype.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    return tensor(batch)   # int64, or bool for a batch of bools, as torch


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """Merge a list of samples into a batch with a new leading dimension (``DataLoader``'s default).

    Tensors and numpy arrays are stacked, floats become a float64 tensor, ints an int64 tensor,
    strings stay a list; dicts, namedtuples, tuples and lists are collated field by field (tuples
    come back as lists, as in torch).

    Example::

        >>> default_collate([0, 1, 2, 3])
        tensor([0, 1, 2, 3])
        >>> default_collate([{"A": 0, "B": 1}, {"A": 100, "B": 100}])
        {'A': tensor([  0, 100]), 'B': tensor([  1, 100])}
        >>> default_collate([(zoo_core.zeros(2), 0), (zoo_core.ones(2), 1)])
        [tensor([[0., 0.],
                [1., 1.]]), tensor([0, 1])]
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
