"""``zoo_core.nn.functional`` (``F``): the functional form of every layer, activation and loss."""
from ..ops.conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,  # noqa: F401
                       conv_transpose3d, fold, unfold)
from ..ops.pool import *  # noqa: F401,F403
from ..ops import unary as _unary
from ..ops.unary import gelu, sigmoid, softplus, tanh  # noqa: F401
from ._functional.activation import *  # noqa: F401,F403
from ._functional.attention import *  # noqa: F401,F403
from ._functional.loss import *  # noqa: F401,F403
from ._functional.loss_margin import *  # noqa: F401,F403
from ._functional.dropout import *  # noqa: F401,F403
from ._functional.misc import *  # noqa: F401,F403
from ._functional.resize import *  # noqa: F401,F403
from ._functional.sparse import *  # noqa: F401,F403
from ._functional.grid import *  # noqa: F401,F403
from ._functional.embedding_bag import *  # noqa: F401,F403
from ._functional.unpool import *  # noqa: F401,F403
from ._functional.norm import *  # noqa: F401,F403
from ._functional.ctc import *  # noqa: F401,F403
from ._functional.fractional import *  # noqa: F401,F403


def relu(input, inplace=False):
    """``max(x, 0)``; ``inplace=True`` overwrites ``input``."""
    return input.relu_() if inplace else _unary.relu(input)


def silu(input, inplace=False):
    """``x * sigmoid(x)`` (swish)."""
    return _unary.silu_(input) if inplace else _unary.silu(input)


def mish(input, inplace=False):
    """``x * tanh(softplus(x))``."""
    return _unary.mish_(input) if inplace else _unary.mish(input)
