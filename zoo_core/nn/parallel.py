"""``nn.DataParallel`` (``torch.nn.parallel``): the wrapper older training scripts put around a model.

Zoo runs a model on one device, so ``DataParallel`` calls the wrapped module directly (what PyTorch does
with zero or one visible GPU); it keeps PyTorch's ``.module`` attribute and ``module.``-prefixed
``state_dict`` keys, so checkpoints saved through the wrapper load in either library.

Example::

    >>> net = nn.DataParallel(nn.Linear(3, 2))
    >>> list(net.state_dict())
    ['module.weight', 'module.bias']
    >>> net(zoo_core.ones(4, 3)).shape
    zoo_core.Size([4, 2])
"""
from .module import Module

__all__ = ["DataParallel"]


class DataParallel(Module):
    """Run ``module`` on its device; batches are not split across GPUs (see the module docstring)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = list(device_ids) if device_ids is not None else []
        self.output_device = output_device
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
