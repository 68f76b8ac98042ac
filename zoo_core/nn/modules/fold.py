"""``Fold`` and ``Unfold``: sliding blocks to columns and back (im2col / col2im as layers)."""
from .. import functional as F
from ..module import Module

__all__ = ["Fold", "Unfold"]


class Fold(Module):
    """Sum columns of sliding blocks ``(N, C*prod(kernel_size), L)`` back into ``(N, C, *output_size)``.

    Example::

        >>> nn.Fold((4, 5), 2)(zoo_core.randn(1, 3 * 4, 12)).shape
        zoo_core.Size([1, 3, 4, 5])
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return ("output_size={output_size}, kernel_size={kernel_size}, dilation={dilation}, padding={padding}, "
                "stride={stride}".format(**self.__dict__))


class Unfold(Module):
    """Extract sliding blocks of an ``(N, C, H, W)`` input as columns ``(N, C*prod(kernel_size), L)``.

    Example::

        >>> nn.Unfold(2)(zoo_core.randn(1, 3, 4, 5)).shape
        zoo_core.Size([1, 12, 12])
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return "kernel_size={kernel_size}, dilation={dilation}, padding={padding}, stride={stride}".format(
            **self.__dict__)
