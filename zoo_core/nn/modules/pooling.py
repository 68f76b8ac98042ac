"""Pooling layers: ``MaxPool1d/2d/3d``, ``AvgPool1d/2d/3d``, ``AdaptiveAvgPool1d/2d/3d``,
``AdaptiveMaxPool1d/2d/3d``,
``LPPool1d/2d/3d``,
``FractionalMaxPool2d/3d``. Thin wrappers over ``zoo_core.ops.pool``; arguments stored (and printed) as PyTorch does."""
from .. import functional as F
from ..module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d",
           "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
           "LPPool1d", "LPPool2d", "LPPool3d", "FractionalMaxPool2d", "FractionalMaxPool3d"]


class _MaxPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    r"""2-D max pooling over an (N, C, H, W) or (C, H, W) input.

    Args:
        kernel_size: window size (int or pair); stride: default ``kernel_size``; padding: implicit -inf
            padding on both sides; dilation: spacing of window elements
        return_indices: also return the flat (H*W) argmax positions (for ``MaxUnpool2d``)
        ceil_mode: round the output size up (windows may start inside the right padding)

    Example::

        >>> nn.MaxPool2d(2)(zoo_core.randn(1, 3, 8, 8)).shape
        zoo_core.Size([1, 3, 4, 4])
    """

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool3d(_MaxPoolNd):
    r"""3-D max pooling over an (N, C, D, H, W) or (C, D, H, W) input; arguments as ``MaxPool2d`` with ints or
    triples (``return_indices`` gives flat D*H*W positions, for ``MaxUnpool3d``).

    Example::

        >>> nn.MaxPool3d(2)(zoo_core.randn(1, 3, 4, 8, 8)).shape
        zoo_core.Size([1, 3, 2, 4, 4])
    """

    def forward(self, input):
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling over an (N, C, L) or (C, L) input; see ``MaxPool2d``."""

    def forward(self, input):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class _AvgPoolNd(Module):
    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


def _single(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


class AvgPool1d(_AvgPoolNd):
    """1-D average pooling; ``kernel_size``, ``stride``, ``padding`` are stored as 1-tuples (as PyTorch).

    Example::

        >>> nn.AvgPool1d(3, stride=2)(zoo_core.tensor([[[1., 2, 3, 4, 5, 6, 7]]]))
        tensor([[[2., 4., 6.]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


class _AvgPoolDivisor(_AvgPoolNd):
    """2-D and 3-D average pooling (arguments kept as given; they also take ``divisor_override``)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return self._pool(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)


class AvgPool2d(_AvgPoolDivisor):
    """2-D average pooling; ``count_include_pad`` counts the zero padding, ``divisor_override`` replaces
    the window size as divisor.

    Example::

        >>> nn.AvgPool2d(2)(zoo_core.ones(1, 1, 4, 4)).shape
        zoo_core.Size([1, 1, 2, 2])
    """
    _pool = staticmethod(F.avg_pool2d)


class AvgPool3d(_AvgPoolDivisor):
    """3-D average pooling over an (N, C, D, H, W) or (C, D, H, W) input; arguments as ``AvgPool2d`` with
    ints or triples.

    Example::

        >>> nn.AvgPool3d(2, stride=1)(zoo_core.ones(1, 1, 3, 4, 4)).shape
        zoo_core.Size([1, 1, 2, 3, 3])
    """
    _pool = staticmethod(F.avg_pool3d)


class _AdaptivePoolNd(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Average pooling to a fixed ``output_size`` (an int, a pair, None keeps that dim).

    Example::

        >>> nn.AdaptiveAvgPool2d((1, 1))(zoo_core.randn(2, 5, 7, 7)).shape
        zoo_core.Size([2, 5, 1, 1])
    """

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool3d(_AdaptivePoolNd):
    """Average pooling of an (N, C, D, H, W) input to a fixed ``output_size`` (an int or a triple; None keeps
    that dim).

    Example::

        >>> nn.AdaptiveAvgPool3d((1, None, 2))(zoo_core.randn(2, 5, 3, 4, 6)).shape
        zoo_core.Size([2, 5, 1, 4, 2])
    """

    def forward(self, input):
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """Average pooling of an (N, C, L) input to a fixed length."""

    def forward(self, input):
        return F.adaptive_avg_pool1d(input, self.output_size)


class _AdaptiveMaxPoolNd(_AdaptivePoolNd):
    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed ``output_size``; ``return_indices`` also returns the flat argmax positions."""

    def forward(self, input):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling of an (N, C, D, H, W) input to a fixed ``output_size``; ``return_indices`` also returns
    the flat (D*H*W) argmax positions.

    Example::

        >>> nn.AdaptiveMaxPool3d(2)(zoo_core.randn(1, 3, 5, 5, 4)).shape
        zoo_core.Size([1, 3, 2, 2, 2])
    """

    def forward(self, input):
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling of an (N, C, L) input to a fixed length."""

    def forward(self, input):
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class _LPPoolNd(Module):
    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool2d(_LPPoolNd):
    r"""Power-average pooling :math:`(\sum_{window} x^p)^{1/p}`."""

    def forward(self, input):
        return F.lp_pool2d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool1d(_LPPoolNd):
    r"""1-D power-average pooling; see ``LPPool2d``."""

    def forward(self, input):
        return F.lp_pool1d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool3d(_LPPoolNd):
    r"""3-D power-average pooling of an (N, C, D, H, W) input; see ``LPPool2d``."""

    def forward(self, input):
        return F.lp_pool3d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class _FractionalMaxPoolNd(Module):
    _dims = 2

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                 _random_samples=None):
        super().__init__()
        n = self._dims
        tup = (lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * n)
        self.kernel_size = tup(kernel_size)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = tup(output_size) if output_size is not None else None
        self.output_ratio = tup(output_ratio) if output_ratio is not None else None
        name = type(self).__name__
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input):
        f = F.fractional_max_pool2d if self._dims == 2 else F.fractional_max_pool3d
        return f(input, self.kernel_size, self.output_size, self.output_ratio, return_indices=self.return_indices,
                 _random_samples=self._random_samples)


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    r"""Fractional max pooling over an (N, C, H, W) or (C, H, W) input (see ``F.fractional_max_pool2d``):
    ``kernel_size`` windows at pseudo-random fractional strides, to ``output_size`` or ``output_ratio``
    times the input size; new window positions each call unless ``_random_samples`` is given.

    Example::

        >>> m = nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.5))
        >>> m(zoo_core.randn(2, 4, 10, 12)).shape
        zoo_core.Size([2, 4, 5, 6])
    """


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """Fractional max pooling over an (N, C, D, H, W) or (C, D, H, W) input; see ``FractionalMaxPool2d``."""
    _dims = 3
