"""``torch.autograd.profiler``: the older spelling of ``zoo_core.profiler`` (``profile``, ``record_function``)."""
from ..profiler import EventList, profile, record_function  # noqa: F401

__all__ = ["profile", "record_function", "EventList"]
