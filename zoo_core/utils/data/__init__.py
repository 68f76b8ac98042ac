"""``torch.utils.data`` spelling of :mod:`zoo_core.data`: ``from zoo_core.utils.data import DataLoader``."""
import sys as _sys

from ...data import *  # noqa: F401,F403
from ...data import __all__  # noqa: F401
from ...data import collate, dataloader, dataset, sampler

# `from zoo_core.utils.data.dataloader import default_collate` works as with torch: the submodules are
# the same module objects under both names
for _m in (collate, dataloader, dataset, sampler):
    _sys.modules[f"{__name__}.{_m.__name__.rpartition('.')[2]}"] = _m
del _m
