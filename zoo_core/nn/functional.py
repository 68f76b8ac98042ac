"""``zoo_core.nn.functional`` (``F``): the functional form of every layer, activation and loss."""
from ..ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d, fold, unfold  # noqa: F401
from ..ops.pool import *  # noqa: F401,F403
from ..ops.unary import gelu, mish, relu, sigmoid, silu, softplus, tanh  # noqa: F401
from ._functional.activation import *  # noqa: F401,F403
from ._functional.attention import *  # noqa: F401,F403
from ._functional.loss import *  # noqa: F401,F403
from ._functional.misc import *  # noqa: F401,F403
from ._functional.norm import *  # noqa: F401,F403
