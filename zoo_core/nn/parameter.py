"""``Parameter``: a leaf Tensor that a ``Module`` registers as learnable when assigned as an attribute."""
from ..tensor import Tensor, _new


class Parameter(Tensor):
    """A tensor that is a module parameter (``requires_grad=True`` by default).

    Example::

        >>> w = nn.Parameter(zoo_core.randn(3, 2))
        >>> w.requires_grad
        True
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter: expected a Tensor, got {type(data).__name__}")
        p = _new(cls)
        p._data = data._data
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        from ..tensor import _rebuild
        data = self._data.get() if hasattr(self._data, "get") else self._data
        return (_rebuild, (type(self), data, str(self.device), self._rg))


class Buffer(Tensor):
    """Marks a tensor to register as a buffer when assigned to a module attribute (``nn.Buffer``)."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        t = _new(cls)
        t._data = data._data
        t.persistent = persistent
        return t
