"""Test helpers: the declarative op-test harness (``zoo_core.testing.ops``) and plugin helpers
(``zoo_core.testing.plugins``: ``temporary_plugin``, the ``zoo_plugin`` fixture, ``check_plugin``)."""
from .ops import OpCase, check_device, check_forward, check_gradients, check_torch, cuda_available, make_arrays, op_tests
from .plugins import PluginCheck, check_plugin, temporary_plugin
from ._comparison import assert_allclose, assert_close, make_tensor

__all__ = ["OpCase", "check_device", "check_forward", "check_gradients", "check_torch", "cuda_available", "make_arrays", "op_tests",
           "PluginCheck", "check_plugin", "temporary_plugin", "zoo_plugin", "assert_close", "assert_allclose",
           "make_tensor"]


def __getattr__(name):
    if name == "zoo_plugin":   # a pytest fixture: built on first use so that pytest is not imported here
        from . import plugins
        return plugins.zoo_plugin
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
