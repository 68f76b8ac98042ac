"""Lazy modules: layers whose input size (``in_features``, ``in_channels``, ``num_features``) is inferred from
the first input, as PyTorch's ``LazyLinear``, ``LazyConv*``, ``LazyConvTranspose*``, ``LazyBatchNorm*`` and
``LazyInstanceNorm*``.

Until then the parameters are ``UninitializedParameter`` (and the running statistics ``UninitializedBuffer``):
empty placeholders that ``is_lazy`` recognises. The first forward materialises them with the inferred shapes,
initialises them as the plain layer does, and the module becomes its plain class (``cls_to_become``: a
``LazyConv2d`` is then a ``Conv2d``). Loading a checkpoint before the first forward materialises the
placeholders with the checkpoint's shapes (and sets the inferred size attribute from them).
"""
import itertools

from ..parameter import Parameter
from ...autograd.grad_mode import no_grad
from ...ops.creation import empty
from ...tensor import Tensor, _new
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d,
                            InstanceNorm3d)

__all__ = ["UninitializedParameter", "UninitializedBuffer", "LazyLinear",
           "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
           "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d",
           "LazyInstanceNorm2d", "LazyInstanceNorm3d"]


class _UninitializedMixin:
    """An empty placeholder that knows the device and dtype it will be created with."""
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        """Give the placeholder storage of ``shape`` (uninitialised values) and turn it into a plain
        ``cls_to_become`` (same object, so references to it stay valid)."""
        device = self.device if device is None else device
        dtype = self.dtype if dtype is None else dtype
        self._data = empty(tuple(shape), device=device, dtype=dtype)._data
        self.__class__ = self.cls_to_become

    def __repr__(self):
        return f"<{type(self).__name__}>"

    def __reduce_ex__(self, protocol):
        return (type(self), (self._rg, str(self.device), self.dtype))


class UninitializedParameter(_UninitializedMixin, Parameter):
    """A parameter whose shape is not known yet (``materialize(shape)`` creates it); it becomes a
    ``Parameter``. Lazy modules hold these until their first forward.

    Example::

        >>> p = nn.UninitializedParameter()
        >>> nn.modules.lazy.is_lazy(p), p.materialize((2, 3)), type(p).__name__, tuple(p.shape)
        (True, None, 'Parameter', (2, 3))
    """
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        p = _new(cls)
        p._data = empty(0, device=device, dtype=dtype)._data
        if requires_grad:
            p.requires_grad_(True)
        return p


class UninitializedBuffer(_UninitializedMixin, Tensor):
    """A buffer whose shape is not known yet; ``materialize(shape)`` turns it into a plain Tensor."""
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        t = _new(cls)
        t._data = empty(0, device=device, dtype=dtype)._data
        t.persistent = persistent
        if requires_grad:
            t.requires_grad_(True)
        return t


def is_lazy(param):
    """Whether ``param`` is an ``UninitializedParameter`` or ``UninitializedBuffer`` (as
    ``torch.nn.parameter.is_lazy``)."""
    return isinstance(param, _UninitializedMixin)


class LazyModuleMixin:
    """Shared machinery of the lazy modules: ``has_uninitialized_params``, inference on the first forward
    (``initialize_parameters(input)``, then the class becomes ``cls_to_become``), and checkpoint loading
    before the first forward."""
    cls_to_become = None

    def has_uninitialized_params(self):
        """Whether any parameter or buffer is still a placeholder."""
        return any(is_lazy(t) for t in itertools.chain(self._parameters.values(), self._buffers.values()))

    def initialize_parameters(self, input):
        raise NotImplementedError

    def _sizes_from(self, name, shape):
        """Set the inferred size attribute from a loaded entry's shape (subclasses)."""

    def forward(self, input, *args, **kwargs):
        if self.has_uninitialized_params():
            with no_grad():
                self.initialize_parameters(input)
        self.__class__ = self.cls_to_become
        return self.forward(input, *args, **kwargs)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # a checkpoint gives the shapes: materialise the placeholders with them (as PyTorch's _lazy_load_hook)
        for name, t in itertools.chain(self._parameters.items(), self._buffers.items()):
            value = state_dict.get(prefix + name)
            if is_lazy(t) and isinstance(value, Tensor) and not is_lazy(value):
                with no_grad():
                    t.materialize(value.shape)
                self._sizes_from(name, tuple(value.shape))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


# ---- Linear --------------------------------------------------------------------------------------------
class LazyLinear(LazyModuleMixin, Linear):
    """A ``Linear`` whose ``in_features`` is inferred from the first input (``input.shape[-1]``).

    Example::

        >>> m = nn.LazyLinear(4)
        >>> m(zoo_core.randn(2, 3)).shape, type(m).__name__, m.in_features
        (zoo_core.Size([2, 4]), 'Linear', 3)
    """
    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, 0, False, device, dtype)
        self.out_features = out_features
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        self.in_features = input.shape[-1]
        self.weight.materialize((self.out_features, self.in_features))
        if self.bias is not None:
            self.bias.materialize((self.out_features,))
        self.reset_parameters()

    def _sizes_from(self, name, shape):
        if name == "weight" and len(shape) == 2:
            self.in_features = shape[1]


# ---- convolutions ---------------------------------------------------------------------------------------
class _LazyConvMixin(LazyModuleMixin):
    def _lazy_init(self, bias, device, dtype):
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def _in_channels(self, input):
        n = self._dims
        if input.dim() not in (n + 1, n + 2):
            raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to "
                               f"{type(self).__name__}, but got input of size: {list(input.shape)}")
        return input.shape[1] if input.dim() == n + 2 else input.shape[0]

    def initialize_parameters(self, input):
        self.in_channels = self._in_channels(input)
        if self.in_channels % self.groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if self.transposed:
            shape = (self.in_channels, self.out_channels // self.groups)
        else:
            shape = (self.out_channels, self.in_channels // self.groups)
        self.weight.materialize(shape + tuple(self.kernel_size))
        if self.bias is not None:
            self.bias.materialize((self.out_channels,))
        self.reset_parameters()

    def _sizes_from(self, name, shape):
        if name == "weight" and len(shape) == self._dims + 2:
            self.in_channels = shape[0] if self.transposed else shape[1] * self.groups


def _lazy_conv(base, doc):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        # in_channels=0 until the first input (the placeholders replace the empty weight)
        base.__init__(self, 0, out_channels, kernel_size, stride, padding, dilation, groups, False, padding_mode,
                      device, dtype)
        self._lazy_init(bias, device, dtype)
    return type(f"Lazy{base.__name__}", (_LazyConvMixin, base),
                {"__init__": __init__, "cls_to_become": base, "__doc__": doc, "__module__": __name__})


def _lazy_conv_transpose(base, doc):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                 dilation=1, padding_mode="zeros", device=None, dtype=None):
        base.__init__(self, 0, out_channels, kernel_size, stride, padding, output_padding, groups, False, dilation,
                      padding_mode, device, dtype)
        self._lazy_init(bias, device, dtype)
    return type(f"Lazy{base.__name__}", (_LazyConvMixin, base),
                {"__init__": __init__, "cls_to_become": base, "__doc__": doc, "__module__": __name__})


LazyConv1d = _lazy_conv(Conv1d, "A ``Conv1d`` whose ``in_channels`` is inferred from ``input.shape[1]``.")
LazyConv2d = _lazy_conv(Conv2d, """A ``Conv2d`` whose ``in_channels`` is inferred from ``input.shape[1]``
(``shape[0]`` unbatched); it becomes a ``Conv2d`` after the first forward.

Example::

    >>> m = nn.LazyConv2d(8, 3)
    >>> m(zoo_core.randn(1, 3, 6, 6)).shape, type(m).__name__, m.in_channels
    (zoo_core.Size([1, 8, 4, 4]), 'Conv2d', 3)
""")
LazyConv3d = _lazy_conv(Conv3d, "A ``Conv3d`` whose ``in_channels`` is inferred from ``input.shape[1]``.")
LazyConvTranspose1d = _lazy_conv_transpose(ConvTranspose1d, "A ``ConvTranspose1d`` with inferred ``in_channels``.")
LazyConvTranspose2d = _lazy_conv_transpose(ConvTranspose2d, "A ``ConvTranspose2d`` with inferred ``in_channels``.")
LazyConvTranspose3d = _lazy_conv_transpose(ConvTranspose3d, "A ``ConvTranspose3d`` with inferred ``in_channels``.")


# ---- normalisation --------------------------------------------------------------------------------------
class _LazyNormMixin(LazyModuleMixin):
    def _lazy_init(self, affine, track_running_stats, device, dtype):
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        self.num_features = input.shape[1]   # PyTorch uses dim 1 for every lazy norm
        for t in (self.weight, self.bias, self.running_mean, self.running_var):
            if is_lazy(t):
                t.materialize((self.num_features,))
        self.reset_parameters()

    def _sizes_from(self, name, shape):
        if name in ("weight", "bias", "running_mean", "running_var") and len(shape) == 1:
            self.num_features = shape[0]


def _lazy_norm(base, default_affine, default_track):
    def __init__(self, eps=1e-5, momentum=0.1, affine=default_affine, track_running_stats=default_track,
                 device=None, dtype=None):
        base.__init__(self, 0, eps, momentum, affine, track_running_stats, device, dtype)
        self._lazy_init(affine, track_running_stats, device, dtype)
    doc = (f"A ``{base.__name__}`` whose ``num_features`` is inferred from ``input.shape[1]``; it becomes a "
           f"``{base.__name__}`` after the first forward.")
    return type(f"Lazy{base.__name__}", (_LazyNormMixin, base),
                {"__init__": __init__, "cls_to_become": base, "__doc__": doc, "__module__": __name__})


LazyBatchNorm1d = _lazy_norm(BatchNorm1d, True, True)
LazyBatchNorm2d = _lazy_norm(BatchNorm2d, True, True)
LazyBatchNorm3d = _lazy_norm(BatchNorm3d, True, True)
# as PyTorch, the lazy instance norms default to affine=True, track_running_stats=True (unlike InstanceNorm*d)
LazyInstanceNorm1d = _lazy_norm(InstanceNorm1d, True, True)
LazyInstanceNorm2d = _lazy_norm(InstanceNorm2d, True, True)
LazyInstanceNorm3d = _lazy_norm(InstanceNorm3d, True, True)
