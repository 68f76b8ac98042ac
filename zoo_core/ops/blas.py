"""BLAS-style fused products ``beta * input + alpha * (product)`` beyond ``addmm``/``addmv``/``baddbmm``
(in ``linalg.py``): ``addr``, ``addbmm``, the in-place forms ``addmm_``, ``addmv_``, ``baddbmm_``,
``addr_``, ``addbmm_``, and the deprecated ``chain_matmul``.

All are compositions of differentiable ops (products, sums, ``_add_scaled``). Names are re-exported by
``ops/misc.py``.
"""
import warnings

import numpy as np

from ..autograd import grad_mode
from ..tensor import Tensor, _wrap, inplace_update
from .arith import _out
from .linalg import _add_scaled, addmm, addmv, baddbmm, bmm, mm, outer
from .misc import _need_tensor


def _check_scalars(op, input, beta, alpha):
    if input._data.dtype.kind in "iub" and input._data.dtype != np.bool_:
        for name, v in (("beta", beta), ("alpha", alpha)):
            if isinstance(v, float):
                raise RuntimeError(f"{op}: For integral input tensors, argument {name} must not be a floating point "
                                   f"number (got {name}={v})")


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * outer(vec1, vec2)`` (bool tensors: ``(beta and input) or (alpha and
    outer)``); with ``beta=0``, ``input`` is ignored.

    Example::

        >>> zoo_core.addr(zoo_core.zeros(2, 2), zoo_core.tensor([1., 2.]), zoo_core.tensor([1., 3.]))
        tensor([[1., 3.],
                [2., 6.]])
    """
    _need_tensor("addr", "input", 1, input)
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        _need_tensor("addr", name, 2 if name == "vec1" else 3, v)
        if v._data.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v._data.ndim}-D")
    _check_scalars("addr", input, beta, alpha)
    shape = (vec1._data.shape[0], vec2._data.shape[0])
    if all(t._data.dtype == np.bool_ for t in (input, vec1, vec2)):
        o = vec1._data[:, None] & vec2._data[None, :]
        r = _wrap((o & bool(alpha)) | (input._data & bool(beta)))
    else:
        r = _add_scaled(input, outer(vec1, vec2), beta, alpha)
    if tuple(r._data.shape) != shape:
        raise RuntimeError(f"addr: the size of input {list(input._data.shape)} cannot be broadcast to the outer "
                           f"product's size {list(shape)}")
    return _out(r, out)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]`` (3-D batches, the sum over the batch).

    Example::

        >>> zoo_core.addbmm(zoo_core.zeros(2, 2), zoo_core.ones(3, 2, 4), zoo_core.ones(3, 4, 2))
        tensor([[12., 12.],
                [12., 12.]])
    """
    _need_tensor("addbmm", "input", 1, input)
    for name, b in (("batch1", batch1), ("batch2", batch2)):
        _need_tensor("addbmm", name, 2 if name == "batch1" else 3, b)
        if b._data.ndim != 3:
            raise RuntimeError(f"addbmm: {name} must be a 3D tensor (got shape {list(b._data.shape)})")
    n1, n2 = batch1._data.shape[0], batch2._data.shape[0]
    if n1 != n2:
        raise RuntimeError(f"addbmm: batch1 and batch2 must have same number of batches, got {n1} and {n2}")
    _check_scalars("addbmm", input, beta, alpha)
    return _out(_add_scaled(input, bmm(batch1, batch2).sum(0), beta, alpha), out)


def _inplace(name, fn):
    def method(self, *args, **kwargs):
        # a backward that read ``self`` would see the written values: differentiate a copy instead
        r = fn(self.clone() if self._rg and grad_mode.enabled else self, *args, **kwargs)
        if r._data.shape != self._data.shape:
            raise RuntimeError(f"{name}: Bad in-place call: input tensor size {list(self._data.shape)} and output "
                               f"tensor size {list(r._data.shape)} should match")
        return inplace_update(self, r, name)
    method.__name__ = name
    method.__doc__ = f"In-place ``{name[:-1]}``."
    return method


addmm_, addmv_, baddbmm_ = _inplace("addmm_", addmm), _inplace("addmv_", addmv), _inplace("baddbmm_", baddbmm)
addr_, addbmm_ = _inplace("addr_", addr), _inplace("addbmm_", addbmm)


def chain_matmul(*matrices, out=None):
    """The product of 2-D ``matrices`` (deprecated in PyTorch: use ``linalg.multi_dot``).

    Example::

        >>> import warnings; warnings.simplefilter("ignore")
        >>> zoo_core.chain_matmul(zoo_core.ones(2, 3), zoo_core.ones(3, 1))
        tensor([[3.],
                [3.]])
    """
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                  "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than "
                  "multiple parameters.", UserWarning, stacklevel=2)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for i, m in enumerate(matrices):
        _need_tensor("chain_matmul", f"matrices[{i}]", i + 1, m)
        if m._data.ndim != 2:
            raise RuntimeError(f"chain_matmul: Tensor dimension is {m._data.ndim}, expected 2 instead "
                               f"(matrix {i} has shape {list(m._data.shape)})")
    if len(matrices) == 1:
        return _out(matrices[0].clone(), out)
    if len(matrices) == 2:
        return _out(mm(*matrices), out)
    from .linalg_solve import multi_dot
    return _out(multi_dot(matrices), out)


__all__ = ["addr", "addbmm", "chain_matmul"]

Tensor.addr, Tensor.addbmm, Tensor.addr_, Tensor.addbmm_ = addr, addbmm, addr_, addbmm_
Tensor.addmm_, Tensor.addmv_, Tensor.baddbmm_ = addmm_, addmv_, baddbmm_
