"""Convolution layers: ``Conv1d/2d/3d``, ``ConvTranspose1d/2d/3d``.

Hyperparameters are stored as tuples (``kernel_size=(3, 3)``) exactly as PyTorch does, so ``repr`` and
``state_dict`` match. Non-zero ``padding_mode`` pads with ``F.pad`` first, then convolves unpadded.
"""
import math

from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter
from ...ops.conv import conv3d, conv_transpose3d
from ...ops.creation import empty

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]


def _ntuple(v, n):
    if isinstance(v, (tuple, list)):
        return tuple(v)
    return (v,) * n


def _reverse_repeat(t):
    """(a, b) -> [b, b, a, a]: F.pad's last-dim-first order."""
    return [p for v in reversed(t) for p in (v, v)]


class _ConvNd(Module):
    _dims = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, transposed,
                 output_padding, groups, bias, padding_mode, device=None, dtype=None):
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        modes = ("zeros", "reflect", "replicate", "circular")
        if padding_mode not in modes:
            raise ValueError(f"padding_mode must be one of {set(modes)}, but got padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        self.transposed, self.output_padding, self.groups = transposed, output_padding, groups
        self.padding_mode = padding_mode
        if isinstance(padding, str):
            # the F.pad amounts of 'same' (extra padding on the right/bottom), for non-zero padding modes
            self._reversed_padding_repeated_twice = [0, 0] * len(kernel_size)
            if padding == "same":
                for d, k, i in zip(dilation, kernel_size, range(len(kernel_size) - 1, -1, -1)):
                    total = d * (k - 1)
                    self._reversed_padding_repeated_twice[2 * i] = total // 2
                    self._reversed_padding_repeated_twice[2 * i + 1] = total - total // 2
        else:
            self._reversed_padding_repeated_twice = _reverse_repeat(padding)
        shape = ((in_channels, out_channels // groups) if transposed else (out_channels, in_channels // groups))
        self.weight = Parameter(empty(*shape, *kernel_size, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        # PyTorch's default: kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)), same for the bias
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.padding):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "padding_mode"):
            self.padding_mode = "zeros"


class _Conv(_ConvNd):
    """A (non-transposed) convolution: ints become tuples; forward is one ``F.conv1d/2d/3d``."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        n = self._dims
        super().__init__(in_channels, out_channels, _ntuple(kernel_size, n), _ntuple(stride, n),
                         padding if isinstance(padding, str) else _ntuple(padding, n), _ntuple(dilation, n),
                         False, _ntuple(0, n), groups, bias, padding_mode, device, dtype)

    def _conv_forward(self, input, weight, bias):
        conv = F.conv2d if self._dims == 2 else F.conv1d if self._dims == 1 else conv3d
        if self.padding_mode != "zeros":
            input = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(input, weight, bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class Conv2d(_Conv):
    r"""2-D convolution (cross-correlation) over an (N, C_in, H, W) input.

    Args:
        in_channels, out_channels: channels of the input and output
        kernel_size, stride, dilation: an int or a pair
        padding: an int, a pair, ``"valid"`` or ``"same"`` (default 0)
        groups: split channels into blocked connections (default 1)
        bias: learn an additive bias (default True)
        padding_mode: ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``

    Shape: input ``(N, C_in, H, W)`` or ``(C_in, H, W)``, output ``(N, C_out, H_out, W_out)`` with
    :math:`H_{out} = \lfloor (H + 2p - d (k - 1) - 1) / s + 1 \rfloor`.
    Initialisation (as PyTorch): ``W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, ``fan_in = C_in/groups * kh * kw``.

    Example::

        >>> m = nn.Conv2d(3, 8, 3, padding=1)
        >>> m(zoo_core.randn(2, 3, 16, 16)).shape
        zoo_core.Size([2, 8, 16, 16])
    """


class Conv3d(_Conv):
    r"""3-D convolution (cross-correlation) over an (N, C_in, D, H, W) input.

    Args:
        in_channels, out_channels: channels of the input and output
        kernel_size, stride, dilation: an int or a triple
        padding: an int, a triple, ``"valid"`` or ``"same"`` (default 0)
        groups: split channels into blocked connections (default 1)
        bias: learn an additive bias (default True)
        padding_mode: ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``

    Shape: input ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)``, output ``(N, C_out, D_out, H_out, W_out)``
    with :math:`D_{out} = \lfloor (D + 2p - d (k - 1) - 1) / s + 1 \rfloor` (likewise H, W).
    Initialisation (as PyTorch): ``W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))``,
    ``fan_in = C_in/groups * kd * kh * kw``.

    Example::

        >>> m = nn.Conv3d(2, 4, 3, padding=1)
        >>> m(zoo_core.randn(1, 2, 4, 6, 6)).shape
        zoo_core.Size([1, 4, 4, 6, 6])
    """
    _dims = 3


class Conv1d(_Conv):
    r"""1-D convolution over an (N, C_in, L) input; arguments as ``Conv2d`` with ints or 1-tuples.

    Example::

        >>> nn.Conv1d(4, 6, 3)(zoo_core.randn(2, 4, 10)).shape
        zoo_core.Size([2, 6, 8])
    """
    _dims = 1


class _ConvTransposeNd(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        n = self._dims
        super().__init__(in_channels, out_channels, _ntuple(kernel_size, n), _ntuple(stride, n),
                         _ntuple(padding, n), _ntuple(dilation, n), True, _ntuple(output_padding, n), groups,
                         bias, padding_mode, device, dtype)

    def _output_padding(self, input, output_size):
        """The output_padding that makes the output ``output_size`` (PyTorch's rule and error)."""
        n = self._dims
        if output_size is None:
            return self.output_padding
        non_spatial = 2 if input.dim() == n + 2 else 1
        output_size = list(output_size)
        if len(output_size) == non_spatial + n:
            output_size = output_size[non_spatial:]
        if len(output_size) != n:
            raise ValueError(f"ConvTranspose{n}D: for {input.dim()}D input, output_size must have {n} or "
                             f"{non_spatial + n} elements (got {len(output_size)})")
        lo, hi = [], []
        for d in range(n):
            size = ((input.shape[d + non_spatial] - 1) * self.stride[d] - 2 * self.padding[d]
                    + self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            lo.append(size)
            hi.append(size + self.stride[d] - 1)
        for size, a, b in zip(output_size, lo, hi):
            if size < a or size > b:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes range from {lo} to "
                                 f"{hi} (for an input of {list(input.shape[non_spatial:])})")
        return tuple(o - a for o, a in zip(output_size, lo))


class ConvTranspose2d(_ConvTransposeNd):
    r"""Transposed 2-D convolution (the gradient of ``Conv2d`` with respect to its input).

    Args as ``Conv2d`` plus ``output_padding`` (extra size on one side of the output); ``forward`` takes an
    optional ``output_size`` that picks the output_padding. Weight ``(C_in, C_out/groups, kh, kw)``.

    Example::

        >>> m = nn.ConvTranspose2d(8, 3, 3, stride=2, padding=1)
        >>> m(zoo_core.randn(1, 8, 5, 5), output_size=(10, 10)).shape
        zoo_core.Size([1, 3, 10, 10])
    """

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)


class ConvTranspose3d(_ConvTransposeNd):
    r"""Transposed 3-D convolution (the gradient of ``Conv3d`` with respect to its input).

    Args as ``Conv3d`` plus ``output_padding``; ``forward`` takes an optional ``output_size`` (3 or 5
    elements) that picks the output_padding. Weight ``(C_in, C_out/groups, kd, kh, kw)``.

    Example::

        >>> m = nn.ConvTranspose3d(4, 2, 3, stride=2, padding=1)
        >>> m(zoo_core.randn(1, 4, 2, 3, 3), output_size=(4, 6, 5)).shape
        zoo_core.Size([1, 2, 4, 6, 5])
    """
    _dims = 3

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size)
        return conv_transpose3d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    r"""Transposed 1-D convolution; see ``ConvTranspose2d``."""
    _dims = 1

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size)
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)
