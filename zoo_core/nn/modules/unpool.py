"""Max unpooling layers: ``MaxUnpool1d/2d/3d``, the partial inverses of ``MaxPool1d/2d/3d(return_indices=True)``.
Thin wrappers over ``zoo_core.nn._functional.unpool``; arguments stored (and printed) as PyTorch does."""
from .._functional.unpool import max_unpool1d, max_unpool2d, max_unpool3d
from ..module import Module
from ...ops.conv import _pair, _triple

__all__ = ["MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]


class _MaxUnpoolNd(Module):
    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool2d(_MaxUnpoolNd):
    r"""Put the maxima of ``MaxPool2d(return_indices=True)`` back where they came from; zeros elsewhere.

    Args:
        kernel_size, stride, padding: those of the pooling being undone (``stride`` defaults to ``kernel_size``)

    Shape: input and indices ``(N, C, H_in, W_in)`` or ``(C, H_in, W_in)``; output ``(N, C, H_out, W_out)``
    with ``H_out = (H_in - 1) * stride - 2 * padding + kernel_size``, or ``forward``'s ``output_size``
    (which must be within one stride of that: pooling may have dropped a remainder).

    Example::

        >>> pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
        >>> x = zoo_core.arange(16.).view(1, 1, 4, 4)
        >>> unpool(*pool(x))[0, 0]
        tensor([[ 0.,  0.,  0.,  0.],
                [ 0.,  5.,  0.,  7.],
                [ 0.,  0.,  0.,  0.],
                [ 0., 13.,  0., 15.]])
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _pair(kernel_size, "kernel_size", "MaxUnpool2d")
        self.stride = _pair(stride if stride is not None else kernel_size, "stride", "MaxUnpool2d")
        self.padding = _pair(padding, "padding", "MaxUnpool2d")

    def forward(self, input, indices, output_size=None):
        return max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool3d(_MaxUnpoolNd):
    r"""Put the maxima of ``MaxPool3d(return_indices=True)`` back where they came from; see ``MaxUnpool2d``.

    Shape: input and indices ``(N, C, D_in, H_in, W_in)`` or ``(C, D_in, H_in, W_in)``; output
    ``(N, C, D_out, H_out, W_out)``, ``D_out = (D_in - 1) * stride - 2 * padding + kernel_size`` (per dim)
    or ``output_size``.

    Example::

        >>> pool, unpool = nn.MaxPool3d(2, return_indices=True), nn.MaxUnpool3d(2)
        >>> unpool(*pool(zoo_core.arange(16.).view(1, 1, 2, 2, 4))).flatten().tolist()
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 13.0, 0.0, 15.0]
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _triple(kernel_size, "kernel_size", "MaxUnpool3d")
        self.stride = _triple(stride if stride is not None else kernel_size, "stride", "MaxUnpool3d")
        self.padding = _triple(padding, "padding", "MaxUnpool3d")

    def forward(self, input, indices, output_size=None):
        return max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool1d(_MaxUnpoolNd):
    r"""Put the maxima of ``MaxPool1d(return_indices=True)`` back where they came from; see ``MaxUnpool2d``.

    Shape: input and indices ``(N, C, L_in)`` or ``(C, L_in)``; output ``(N, C, L_out)``,
    ``L_out = (L_in - 1) * stride - 2 * padding + kernel_size`` or ``output_size``.

    Example::

        >>> pool, unpool = nn.MaxPool1d(2, return_indices=True), nn.MaxUnpool1d(2)
        >>> x = zoo_core.tensor([[[1., 2, 3, 4, 5, 6, 7, 8, 9]]])
        >>> unpool(*pool(x), output_size=x.size())
        tensor([[[0., 2., 0., 4., 0., 6., 0., 8., 0.]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)

    def forward(self, input, indices, output_size=None):
        return max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


def _single(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)
