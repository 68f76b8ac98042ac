"""``zoo_core.cuda.amp``: the older spelling of ``zoo_core.amp`` for CUDA (``torch.cuda.amp``)."""
from .. import amp as _amp

__all__ = ["GradScaler", "autocast", "custom_bwd", "custom_fwd"]


class autocast(_amp.autocast):
    """``torch.cuda.amp.autocast(...)`` = ``torch.autocast("cuda", ...)`` (precision is not lowered)."""

    def __init__(self, enabled=True, dtype=None, cache_enabled=True):
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_amp.GradScaler):
    """``torch.cuda.amp.GradScaler(...)`` = ``torch.amp.GradScaler("cuda", ...)``."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


custom_fwd, custom_bwd = _amp.custom_fwd, _amp.custom_bwd
