"""In-place forms of the ops in ``arith.py`` (``add_``, ``mul_``, ``clamp_``, ``eq_``, ``logical_and_``, ...),
``copy_``/``fill_``/``zero_``, the augmented-assignment operators, and the ``torch.<op>_`` functions.

Imported at the end of ``arith.py`` (always through it: it builds on the out-of-place ops)."""
from .. import _backend, _dtype
from ..autograd import grad_mode
from ..autograd.graph import record
from ..tensor import Tensor, _wrap, inplace_update
from ._util import wrap_int
from ._util import inplace_variant
from .arith import (_TORCH_NAMES, _check_sub_bool, _rg, add, bitwise_and, bitwise_not, bitwise_or, bitwise_xor,
                    clamp, clamp_max, clamp_min, div, eq, floor_divide, fmod, ge, gt, le, logical_and, logical_not,
                    logical_or, logical_xor, lt, mul, ne, neg, pow, remainder, sub)


def _bump(t):
    b = t._base
    if b is None:
        t._ver += 1
    else:
        b._ver += 1


def _check_inplace_promotion(name, self, args, kwargs=None):
    """PyTorch refuses an in-place op whose promoted result type is of a higher category than the tensor
    (an int tensor with a float operand, a bool tensor with an int operand), before running the kernel."""
    operands = [a for a in (*args, *(kwargs or {}).values()) if isinstance(a, (Tensor, int, float))]
    if not operands:
        return
    rt = _dtype.result_type(self, *operands)
    if rt.category > _dtype.BY_NP[self._data.dtype].category:
        raise RuntimeError(f"{name}: result type {_TORCH_NAMES[rt.name]} can't be cast to the desired output "
                           f"type {_TORCH_NAMES[self._data.dtype.name]}")


def _inplace(name, op, ufunc=None):
    """``x.op_(...)``: writes into x's storage. When recording, computed out of place on a clone and
    rebased (so saved values stay valid); otherwise, with a matching ufunc, written with ``out=``."""
    def method(self, *args, **kwargs):
        if self._data.dtype.kind != "f":
            _check_inplace_promotion(name, self, args, kwargs)
        if grad_mode.enabled and (self._rg or any(_rg(a) for a in args) or any(_rg(v) for v in kwargs.values())):
            return inplace_update(self, op(self.clone(), *args, **kwargs), name)
        if ufunc is not None and not kwargs and len(args) == 1:
            other = args[0]
            xo = other._data if isinstance(other, Tensor) else other
            x = self._data
            if not _backend.writeable(x):
                return inplace_update(self, op(self, *args), name)
            if isinstance(other, Tensor) and type(xo) is not type(x):
                from ..tensor import check_same_device
                check_same_device(name, self, other)
            if x.dtype.kind != "f":   # (the result type was checked above)
                xo = wrap_int(x, xo)
            try:
                getattr(_backend.array_module(x), ufunc)(x, xo, out=x, casting="unsafe")
            except ValueError as e:
                raise RuntimeError(
                    f"{name}: output with shape {list(x.shape)} doesn't match the broadcast shape "
                    f"(other has shape {list(getattr(xo, 'shape', ()))}): {e}") from None
            _bump(self)
            return self
        return inplace_update(self, op(self, *args, **kwargs), name)
    method.__name__ = name
    method.__doc__ = f"In-place ``{name[:-1]}``."
    return method


mul_ = _inplace("mul_", mul, "multiply")
pow_ = _inplace("pow_", pow)
clamp_ = _inplace("clamp_", clamp)
clamp_min_ = _inplace("clamp_min_", clamp_min)
clamp_max_ = _inplace("clamp_max_", clamp_max)
neg_ = _inplace("neg_", neg)
remainder_ = _inplace("remainder_", remainder)
floor_divide_ = _inplace("floor_divide_", floor_divide)
fmod_ = _inplace("fmod_", fmod)
clip_ = clamp_


_plain_add_ = _inplace("add_", add, "add")
_plain_sub_ = _inplace("sub_", sub, "subtract")
_plain_div_ = _inplace("div_", div, "true_divide")


def add_(self, other, *, alpha=1):
    """In-place ``add``."""
    if grad_mode.enabled and (self._rg or _rg(other)):
        return inplace_update(self, add(self.clone(), other, alpha=alpha), "add_")
    if alpha != 1 and self._data.dtype.kind != "f":   # integer/bool alpha rules live in add()
        _check_inplace_promotion("add_", self, (other,))
        return inplace_update(self, add(self, other, alpha=alpha), "add_")
    return _plain_add_(self, other if alpha == 1 else other * alpha)


def sub_(self, other, *, alpha=1):
    """In-place ``sub``."""
    if grad_mode.enabled and (self._rg or _rg(other)):
        return inplace_update(self, sub(self.clone(), other, alpha=alpha), "sub_")
    if self._data.dtype.kind == "b" or type(other) is bool or \
            (isinstance(other, Tensor) and other._data.dtype.kind == "b"):
        _check_sub_bool(self, other)
    if alpha != 1 and self._data.dtype.kind != "f":
        _check_inplace_promotion("sub_", self, (other,))
        return inplace_update(self, sub(self, other, alpha=alpha), "sub_")
    return _plain_sub_(self, other if alpha == 1 else other * alpha)


def div_(self, other, *, rounding_mode=None):
    """In-place ``div``."""
    if self._data.dtype.kind != "f":
        _check_inplace_promotion("div_", self, (other,))
    if rounding_mode is None and not (grad_mode.enabled and (self._rg or _rg(other))) \
            and self._data.dtype.kind == "f":
        return _plain_div_(self, other)
    return inplace_update(self, div(self.clone() if self._rg else self, other, rounding_mode=rounding_mode),
                          "div_")


def copy_(self, src, non_blocking=False):
    """Copy ``src`` into ``self`` (broadcast, cast and moved across devices as needed)."""
    if not isinstance(src, Tensor):
        from .creation import tensor
        src = tensor(src)
    r = src
    if r._data.dtype != self._data.dtype:
        r = r.to(self.dtype)
    if r.device != self.device:
        r = r.to(self.device)
    if grad_mode.enabled:
        if r._rg:
            from ._util import broadcast_to
            r = broadcast_to(r, self._data.shape)   # a node, so self's history is rebased onto src
            if self._rg:   # self's old history gets a zero gradient (PyTorch's CopyBackwards)
                src_r = r
                r = _wrap(src_r._data)
                record(r, "CopyBackwards", lambda g: (g * 0, g), (self, src_r))
        elif self._rg:
            r = _detached_result(self, r)
    return inplace_update(self, r, "copy_")


def _detached_result(self, r):
    """A result whose graph sends zero gradient to ``self``'s old history (its values were overwritten)."""
    out = _wrap(r._data)
    record(out, "CopyBackwards", lambda g: (g * 0,), (self,))
    return out


def fill_(self, value):
    """Fill ``self`` with ``value`` (a number or a one-element tensor)."""
    xp = _backend.array_module(self._data)
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        if grad_mode.enabled and (value._rg or self._rg):
            from ._util import broadcast_to
            r = broadcast_to(value.to(self.dtype), self._data.shape)
            if not value._rg:
                r = _detached_result(self, r)
            return inplace_update(self, r, "fill_")
        value = value.item()
    value = wrap_int(self._data, value, "fill_")
    if grad_mode.enabled and self._rg:
        return inplace_update(self, _detached_result(self, _wrap(xp.full(self._data.shape, value, self._data.dtype))),
                              "fill_")
    if not _backend.writeable(self._data):
        return inplace_update(self, _wrap(xp.full(self._data.shape, value, self._data.dtype)), "fill_")
    self._data.fill(value)
    _bump(self)
    return self


def zero_(self):
    """Fill ``self`` with zeros."""
    return fill_(self, 0)


def _predicate_inplace(name, op):
    """``x.eq_(y)``, ``x.logical_and_(y)``...: the boolean result written into x's own dtype (1/0). Its
    gradient is zero (PyTorch's rule), so x's old history is cut off."""
    def method(self, *args):
        r = op(self, *args)
        if self._rg and grad_mode.enabled:
            r = _detached_result(self, r.to(self.dtype))
        return inplace_update(self, r, name)
    method.__name__ = name
    method.__doc__ = f"In-place ``{name[:-1]}`` (the result is stored in ``self``'s dtype)."
    return method


eq_ = _predicate_inplace("eq_", eq)
ne_ = not_equal_ = _predicate_inplace("ne_", ne)
lt_ = less_ = _predicate_inplace("lt_", lt)
le_ = less_equal_ = _predicate_inplace("le_", le)
gt_ = greater_ = _predicate_inplace("gt_", gt)
ge_ = greater_equal_ = _predicate_inplace("ge_", ge)
logical_and_ = _predicate_inplace("logical_and_", logical_and)
logical_or_ = _predicate_inplace("logical_or_", logical_or)
logical_xor_ = _predicate_inplace("logical_xor_", logical_xor)
logical_not_ = _predicate_inplace("logical_not_", logical_not)
bitwise_and_ = _inplace("bitwise_and_", bitwise_and)
bitwise_or_ = _inplace("bitwise_or_", bitwise_or)
bitwise_xor_ = _inplace("bitwise_xor_", bitwise_xor)
bitwise_not_ = inplace_variant("bitwise_not_", bitwise_not)


def _iop(fn):
    def method(self, other):
        return fn(self, other)
    return method


Tensor.add_, Tensor.sub_, Tensor.mul_, Tensor.div_, Tensor.pow_ = add_, sub_, mul_, div_, pow_
Tensor.subtract_, Tensor.multiply_, Tensor.divide_, Tensor.true_divide_ = sub_, mul_, div_, div_
Tensor.clamp_ = Tensor.clip_ = clamp_
Tensor.clamp_min_, Tensor.clamp_max_ = clamp_min_, clamp_max_
Tensor.neg_, Tensor.negative_ = neg_, neg_
Tensor.remainder_, Tensor.floor_divide_, Tensor.fmod_ = remainder_, floor_divide_, fmod_
Tensor.copy_, Tensor.fill_, Tensor.zero_ = copy_, fill_, zero_
Tensor.__iadd__ = _iop(add_)
Tensor.__isub__ = _iop(sub_)
Tensor.__imul__ = _iop(mul_)
Tensor.__itruediv__ = _iop(div_)
Tensor.__ipow__ = _iop(pow_)
Tensor.__imod__ = _iop(remainder_)
Tensor.__ifloordiv__ = _iop(floor_divide_)
Tensor.__iand__ = _inplace("__iand__", bitwise_and)
Tensor.__ior__ = _inplace("__ior__", bitwise_or)
Tensor.__ixor__ = _inplace("__ixor__", bitwise_xor)
Tensor.eq_, Tensor.ne_, Tensor.lt_, Tensor.le_, Tensor.gt_, Tensor.ge_ = eq_, ne_, lt_, le_, gt_, ge_
Tensor.not_equal_, Tensor.less_, Tensor.less_equal_, Tensor.greater_, Tensor.greater_equal_ = ne_, lt_, le_, gt_, ge_
Tensor.logical_and_, Tensor.logical_or_, Tensor.logical_xor_ = logical_and_, logical_or_, logical_xor_
Tensor.logical_not_ = logical_not_
Tensor.bitwise_and_, Tensor.bitwise_or_, Tensor.bitwise_xor_ = bitwise_and_, bitwise_or_, bitwise_xor_
Tensor.bitwise_not_ = bitwise_not_
