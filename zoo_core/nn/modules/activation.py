"""Activation layers: ``ReLU``, ``GELU``, ``SiLU``, ``Softmax``, ``PReLU``, ... (PyTorch's names, arguments
and ``repr``). Each forward is one call into ``F``; ``inplace=True`` writes into the input."""
import warnings

from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter
from ...ops.creation import empty

__all__ = ["ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
           "Hardswish", "Hardsigmoid", "Hardtanh", "Sigmoid", "Tanh", "Softplus", "Softmax", "Softmin",
           "LogSoftmax", "Softmax2d", "Softsign", "Tanhshrink", "Threshold", "GLU", "LogSigmoid", "Hardshrink",
           "Softshrink"]


class _Inplace(Module):
    """An activation with only an ``inplace`` flag."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class ReLU(_Inplace):
    r"""Rectified linear unit :math:`\max(0, x)`.

    Args:
        inplace: overwrite the input (default False)

    Shape: any, output the same shape.

    Example::

        >>> nn.ReLU()(zoo_core.tensor([-1., 2.]))
        tensor([0., 2.])
    """

    def forward(self, input):
        return F.relu_(input) if self.inplace else F.relu(input)


class SELU(_Inplace):
    r"""Scaled ELU with the self-normalising constants (alpha ~ 1.6733, scale ~ 1.0507)."""

    def forward(self, input):
        return F.selu(input, self.inplace)


class SiLU(_Inplace):
    r""":math:`x \sigma(x)` (swish)."""

    def forward(self, input):
        return F.silu(input, inplace=self.inplace)


class Mish(_Inplace):
    r""":math:`x \tanh(\mathrm{softplus}(x))`."""

    def forward(self, input):
        return F.mish(input, inplace=self.inplace)


class Hardswish(_Inplace):
    r""":math:`x \cdot \mathrm{relu6}(x + 3) / 6` (MobileNetV3)."""

    def forward(self, input):
        return F.hardswish(input, self.inplace)

    def extra_repr(self):   # PyTorch prints no arguments for these two
        return ""


class Hardsigmoid(_Inplace):
    r""":math:`\mathrm{relu6}(x + 3) / 6`."""

    def forward(self, input):
        return F.hardsigmoid(input, self.inplace)

    def extra_repr(self):
        return ""


class LeakyReLU(Module):
    r""":math:`x` where positive, ``negative_slope`` :math:`\cdot x` elsewhere.

    Args:
        negative_slope: slope for negative inputs (default 0.01)
        inplace: overwrite the input (default False)
    """

    def __init__(self, negative_slope=1e-2, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}{', inplace=True' if self.inplace else ''}"


class PReLU(Module):
    r"""Leaky ReLU with a learnt slope: one shared (``num_parameters=1``) or one per channel (dim 1).

    Initialisation (as PyTorch): every slope is ``init`` (default 0.25).

    Example::

        >>> m = nn.PReLU(3)
        >>> m(zoo_core.randn(2, 3, 4)).shape
        zoo_core.Size([2, 3, 4])
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomized leaky ReLU: slopes drawn from ``U(lower, upper)`` in training, their mean in eval."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}{', inplace=True' if self.inplace else ''}"


class ELU(Module):
    r""":math:`x` where positive, :math:`\alpha (e^x - 1)` elsewhere."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}{', inplace=True' if self.inplace else ''}"


class CELU(ELU):
    r""":math:`\max(0, x) + \min(0, \alpha (e^{x/\alpha} - 1))`."""

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)


class GELU(Module):
    r"""Gaussian error linear unit :math:`x \Phi(x)`; ``approximate="tanh"`` uses the tanh formula."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Hardtanh(Module):
    r"""``clamp(x, min_val, max_val)``."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None):
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to `min_val`", FutureWarning,
                          stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to `max_val`", FutureWarning,
                          stacklevel=2)
            max_val = max_value
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace
        if self.max_val <= self.min_val:
            raise AssertionError(f"max_val ({self.max_val}) must be greater than min_val ({self.min_val})")

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}{', inplace=True' if self.inplace else ''}"


class ReLU6(Hardtanh):
    r""":math:`\min(\max(0, x), 6)`."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value``."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}{', inplace=True' if self.inplace else ''}"


class Sigmoid(Module):
    r""":math:`1 / (1 + e^{-x})`."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    r""":math:`\tanh(x)`."""

    def forward(self, input):
        return F.tanh(input)


class LogSigmoid(Module):
    r""":math:`\log \sigma(x)`."""

    def forward(self, input):
        return F.logsigmoid(input)


class Softsign(Module):
    r""":math:`x / (1 + |x|)`."""

    def forward(self, input):
        return F.softsign(input)


class Tanhshrink(Module):
    r""":math:`x - \tanh(x)`."""

    def forward(self, input):
        return F.tanhshrink(input)


class Softplus(Module):
    r""":math:`\log(1 + e^{\beta x}) / \beta`, linear above ``threshold``."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardshrink(Module):
    """``x`` where ``|x| > lambd``, else 0."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.hardshrink(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """Shrink towards 0 by ``lambd``; 0 inside ``[-lambd, lambd]``."""

    def forward(self, input):
        return F.softshrink(input, self.lambd)


class _SoftmaxBase(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_SoftmaxBase):
    r""":math:`e^{x_i} / \sum_j e^{x_j}` along ``dim``.

    Example::

        >>> nn.Softmax(dim=1)(zoo_core.zeros(1, 4))
        tensor([[0.2500, 0.2500, 0.2500, 0.2500]])
    """

    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)


class Softmin(_SoftmaxBase):
    r"""``softmax(-x)`` along ``dim``."""

    def forward(self, input):
        return F.softmin(input, self.dim, _stacklevel=5)


class LogSoftmax(_SoftmaxBase):
    r""":math:`\log \mathrm{softmax}(x)` along ``dim``."""

    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)


class Softmax2d(Module):
    """Softmax over the channels of a (N, C, H, W) or (C, H, W) input."""

    def forward(self, input):
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3, _stacklevel=5)


class GLU(Module):
    r"""Gated linear unit :math:`a \otimes \sigma(b)` with ``a, b`` the halves of the input along ``dim``."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"
