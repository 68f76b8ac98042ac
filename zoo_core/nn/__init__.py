"""``zoo_core.nn``: modules, layers, losses, ``functional``, ``init`` and ``utils`` (as ``torch.nn``)."""
from . import attention, functional, init, utils
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .module import Module, register_module_forward_hook, register_module_forward_pre_hook
from .parameter import Buffer, Parameter
from . import parallel
from .parallel import DataParallel
from .modules.activation import *  # noqa: F401,F403
from .modules.adaptive import *  # noqa: F401,F403
from .modules.container import *  # noqa: F401,F403
from .modules.conv import *  # noqa: F401,F403
from .modules.distance import *  # noqa: F401,F403
from .modules.dropout import *  # noqa: F401,F403
from .modules.embedding_bag import *  # noqa: F401,F403
from .modules.fold import *  # noqa: F401,F403
from .modules.lazy import *  # noqa: F401,F403
from .modules.linear import *  # noqa: F401,F403
from .modules.loss import *  # noqa: F401,F403
from .modules.normalization import *  # noqa: F401,F403
from .modules.padding import *  # noqa: F401,F403
from .modules.pooling import *  # noqa: F401,F403
from .modules.rnn import *  # noqa: F401,F403
from .modules.sparse import *  # noqa: F401,F403
from .modules.transformer import *  # noqa: F401,F403
from .modules.unpool import *  # noqa: F401,F403
from .modules.upsampling import *  # noqa: F401,F403

# torch.nn.parameter also holds the lazy placeholders and is_lazy (defined in modules/lazy.py, which imports
# parameter.py, so they are attached here rather than imported there)
from . import parameter as _parameter  # noqa: E402
from .modules import lazy as _lazy  # noqa: E402
_parameter.UninitializedParameter = _lazy.UninitializedParameter
_parameter.UninitializedBuffer = _lazy.UninitializedBuffer
_parameter.is_lazy = _lazy.is_lazy
