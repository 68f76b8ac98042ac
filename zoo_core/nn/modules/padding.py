"""Padding layers: ``ZeroPad1d/2d/3d``, ``ConstantPad1d/2d/3d``, ``ReflectionPad1d/2d/3d``,
``ReplicationPad1d/2d/3d``, ``CircularPad1d/2d/3d``. ``padding`` is an int or a tuple in ``F.pad`` order
(left, right[, top, bottom[, front, back]])."""
from .. import functional as F
from ..module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


def _padding(padding, n):
    if isinstance(padding, int):
        return (padding,) * (2 * n)
    padding = tuple(padding)
    if len(padding) != 2 * n:
        raise ValueError(f"padding must be an int or a {2 * n}-tuple, got {padding}")
    return padding


class _PadNd(Module):
    _mode = "constant"
    _dims = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = _padding(padding, self._dims)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``.

    Example::

        >>> nn.ConstantPad1d((1, 2), 3.5)(zoo_core.zeros(1, 2)).tolist()
        [[3.5, 0.0, 0.0, 3.5, 3.5]]
    """


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``: ``padding = (left, right, top, bottom)``."""
    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``: ``padding = (left, right, top, bottom, front, back)``."""
    _dims = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dims with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dims with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pad the last dim with its reflection (the edge not repeated): [1, 2, 3] -> [3, 2, 1, 2, 3, 2, 1]."""
    _mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    """Pad the last two dims by reflection."""
    _dims = 2


class ReflectionPad3d(ReflectionPad1d):
    """Pad the last three dims by reflection."""
    _dims = 3


class ReplicationPad1d(_PadNd):
    """Pad the last dim by repeating the edge value."""
    _mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """Pad the last two dims by repeating the edge values."""
    _dims = 2


class ReplicationPad3d(ReplicationPad1d):
    """Pad the last three dims by repeating the edge values."""
    _dims = 3


class CircularPad1d(_PadNd):
    """Pad the last dim by wrapping around."""
    _mode = "circular"


class CircularPad2d(CircularPad1d):
    """Pad the last two dims by wrapping around."""
    _dims = 2


class CircularPad3d(CircularPad1d):
    """Pad the last three dims by wrapping around."""
    _dims = 3
