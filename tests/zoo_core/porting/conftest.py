"""Fixtures for the porting tests: the framework a program runs on (Zoo under test, or PyTorch as reference).

One ``lib`` fixture serves both mechanisms kept from the original text and vision suites (see ``_helpers``):
a test decorated with ``@both()`` parametrizes ``lib`` indirectly and gets the vision-style namespace
(PyTorch single-threaded while it runs); any other test gets the fixture's own ``["zoo", "torch"]``
parametrization and the text-style namespace (seeded; ``@zoo_xfail`` honoured).
"""
import random

import pytest

import zoo_core as torch
from tests.zoo_core.porting._helpers import _real, _torch_lib, _zoo, _zoo_lib, real_torch


def _text_lib(request):
    random.seed(0)
    if request.param == "zoo":
        reason = getattr(request.function, "_zoo_xfail", None)
        if reason:
            request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
        torch.manual_seed(0)
        return _zoo_lib()
    return _torch_lib()


def _vision_lib(request):
    if request.param == "zoo":
        yield _zoo()
        return
    ns = _real()
    threads = real_torch.get_num_threads()
    real_torch.set_num_threads(1)  # small convs: oversubscribed threads make PyTorch 5x slower on shared CPUs
    try:
        yield ns
    finally:
        real_torch.set_num_threads(threads)


@pytest.fixture(params=["zoo", "torch"])
def lib(request):
    """The framework the program runs on: Zoo (under test) or real PyTorch (reference).

    ``@both()`` tests override the params through indirect parametrization.
    """
    if getattr(request.function, "_porting_both", False):
        yield from _vision_lib(request)
    else:
        yield _text_lib(request)
