"""Shared helpers for the porting tests (tutorial-style PyTorch programs run unchanged on Zoo and on PyTorch).

Two ways of running a program on both frameworks live side by side (the ``lib`` fixture in ``conftest.py``
dispatches between them):

* text / sequence programs (``lib`` fixture parametrized over ``["zoo", "torch"]``): the namespace has
  ``name, torch, nn, F, optim, DataLoader, Dataset``; ``random`` and the framework are seeded with 0 before
  each run; ``@zoo_xfail(reason)`` marks only the Zoo run as a strict xfail.
* vision / classic training programs (``@both()``): the namespace has ``torch, nn, F, optim, data,
  DataLoader, Dataset, TensorDataset, random_split``; PyTorch runs single-threaded; ``@both(xfail=reason)``
  marks only the Zoo run as a strict xfail (drop the ``xfail=`` argument when the cause is fixed).
"""
import math
import types

import numpy as np
import pytest

import zoo_core as torch
import zoo_core.nn as nn
import zoo_core.nn.functional as F
from zoo_core import optim
from zoo_core.utils.data import DataLoader, Dataset

try:
    import torch as real_torch  # (`import torch.x` here would rebind the name `torch` to PyTorch)
except ImportError:  # pragma: no cover - torch is only a reference
    real_torch = None


# --------------------------------------------------------------------------------------------------------
# Text programs: ``lib`` parametrized by the fixture itself, ``@zoo_xfail``
# --------------------------------------------------------------------------------------------------------

def _zoo_lib():
    return types.SimpleNamespace(name="zoo", torch=torch, nn=nn, F=F, optim=optim,
                                 DataLoader=DataLoader, Dataset=Dataset)


def _torch_lib():
    real = pytest.importorskip("torch")
    import torch.nn as tnn
    import torch.nn.functional as tF
    from torch import optim as toptim
    from torch.utils.data import DataLoader as TDataLoader, Dataset as TDataset
    real.manual_seed(0)
    return types.SimpleNamespace(name="torch", torch=real, nn=tnn, F=tF, optim=toptim,
                                 DataLoader=TDataLoader, Dataset=TDataset)


def zoo_xfail(reason):
    """Expect the Zoo run of this program to fail (strictly) for ``reason``; the torch run must pass."""
    def deco(fn):
        fn._zoo_xfail = reason
        return fn
    return deco


def _decreased(losses, factor=0.9):
    """Mean of the last few losses is clearly below the mean of the first few."""
    k = max(1, len(losses) // 5)
    first, last = sum(losses[:k]) / k, sum(losses[-k:]) / k
    assert math.isfinite(last), losses
    assert last < factor * first, (first, last, losses)


# --------------------------------------------------------------------------------------------------------
# Vision programs: ``lib`` parametrized indirectly by ``@both()``
# --------------------------------------------------------------------------------------------------------

def _namespace(t, n, f, o, d):
    return types.SimpleNamespace(torch=t, nn=n, F=f, optim=o, data=d, DataLoader=d.DataLoader,
                                 Dataset=d.Dataset, TensorDataset=d.TensorDataset, random_split=d.random_split)


def _zoo():
    import zoo_core.utils.data as zdata
    return _namespace(torch, nn, F, optim, zdata)


def _real():
    if real_torch is None:
        pytest.skip("PyTorch (reference) is not installed")
    return _namespace(real_torch, real_torch.nn, real_torch.nn.functional, real_torch.optim,
                      real_torch.utils.data)


def both(xfail=None):
    """Parametrize a test over Zoo and PyTorch; ``xfail`` (a root cause) marks the Zoo run strict xfail."""
    zoo_marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    mark = pytest.mark.parametrize("lib", [pytest.param("zoo", marks=zoo_marks, id="zoo"),
                                           pytest.param("torch", id="torch")], indirect=True)

    def deco(fn):
        fn._porting_both = True  # tells the ``lib`` fixture to build the vision-style namespace
        return mark(fn)
    return deco


def make_images(n=64, c=1, h=28, w=28, num_classes=10, seed=0):
    """numpy float32 images whose class shows as a brighter horizontal band, and int64 labels."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % num_classes
    rng.shuffle(labels)
    x = rng.standard_normal((n, c, h, w)).astype(np.float32) * 0.5
    band = max(1, h // num_classes)
    for i, y in enumerate(labels):
        x[i, :, y * band:(y + 1) * band, :] += 2.0
    return x, labels.astype(np.int64)
