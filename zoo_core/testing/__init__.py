"""Test helpers: the declarative op-test harness (``zoo_core.testing.ops``)."""
from .ops import OpCase, check_forward, check_gradients, check_torch, cuda_available, make_arrays

__all__ = ["OpCase", "check_forward", "check_gradients", "check_torch", "cuda_available", "make_arrays"]
