"""``torch.nn.utils.stateless.functional_call`` (the older home of ``zoo_core.func.functional_call``)."""
from ...func import functional_call

__all__ = ["functional_call"]
