"""``zoo_core.cuda``: lazy CuPy import, availability that never raises, device helpers and CUDA seeding."""
import os
import subprocess
import sys

import numpy as np
import pytest

from zoo_core import _backend
from zoo_core import cuda
from zoo_core import random as zr

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(code):
    env = dict(os.environ, PYTHONPATH=ROOT)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_importing_cuda_and_seeding_do_not_import_cupy():
    out = _run("import sys, zoo_core.cuda as c, zoo_core.random as r\n"
               "r.manual_seed(5); c.manual_seed_all(6); c.empty_cache()\n"
               "print('cupy' in sys.modules, r._cuda_seed[0], c.memory_allocated())")
    assert out == "False 6 0"


@pytest.fixture
def no_cupy(monkeypatch):
    """Pretend CuPy cannot be imported (whatever this machine has)."""
    def fail():
        raise RuntimeError("CUDA tensors need CuPy: install it with `pip install zoo[cuda]`")
    monkeypatch.setattr(_backend, "cupy", fail)
    monkeypatch.setattr(_backend, "_cupy", None)
    monkeypatch.setattr(cuda, "_available", None)
    yield
    cuda._available = None


def test_is_available_false_without_cupy(no_cupy):
    assert cuda.is_available() is False
    assert cuda.device_count() == 0


def test_is_available_never_raises(monkeypatch):
    class Broken:
        class cuda:
            class runtime:
                @staticmethod
                def getDeviceCount():
                    raise OSError("cudaErrorNoDevice: no CUDA-capable device is detected")
    monkeypatch.setattr(_backend, "cupy", lambda: Broken)
    monkeypatch.setattr(cuda, "_available", None)
    assert cuda.is_available() is False
    monkeypatch.setattr(cuda, "_available", None)


def test_is_available_is_cached(monkeypatch):
    calls = []

    def counting():
        calls.append(1)
        raise RuntimeError("no cupy")
    monkeypatch.setattr(_backend, "cupy", counting)
    monkeypatch.setattr(cuda, "_available", None)
    assert cuda.is_available() is False and cuda.is_available() is False
    assert len(calls) == 1
    monkeypatch.setattr(cuda, "_available", None)


def test_device_functions_explain_when_cuda_is_missing(no_cupy):
    for fn in (cuda.current_device, cuda.synchronize, cuda.get_device_name, cuda.initial_seed,
               cuda.get_rng_state, lambda: cuda.set_device(0), lambda: cuda.set_rng_state(b"")):
        with pytest.raises(RuntimeError, match="no CUDA device is available"):
            fn()
    assert cuda.get_rng_state_all() == []


def test_seeding_without_cuda_is_silent(no_cupy):
    cuda.manual_seed(3)          # ignored, as in PyTorch
    cuda.seed()
    cuda.manual_seed_all(17)
    assert zr._cuda_seed[0] == 17
    cuda.seed_all()
    with pytest.raises(ValueError, match="seed"):
        cuda.manual_seed_all(2 ** 70)


def test_memory_helpers_are_no_ops_before_cupy_loads(no_cupy):
    cuda.empty_cache()
    assert cuda.memory_allocated() == 0 and cuda.memory_reserved() == 0


def test_manual_seed_all_reseeds_existing_cuda_generators(monkeypatch):
    # a fake CUDA generator (no GPU needed): manual_seed_all must reach generators already made
    g = zr.Generator.__new__(zr.Generator)
    g.device, g._seed, g._bits_ = _backend.device("cuda", 0), 1, object()
    monkeypatch.setitem(zr._cuda_generators, 0, g)
    cuda.manual_seed_all(44)
    assert g.initial_seed() == 44 and g._bits_ is None


def test_cuda_device_type_errors():
    with pytest.raises(ValueError, match="expected a cuda device"):
        cuda._index("cpu", "synchronize")
    assert cuda._index(3, "x") == 3
    assert cuda._index("cuda:2", "x") == 2


# ---- on a GPU -------------------------------------------------------------------------------------
@pytest.mark.gpu
def test_device_queries():
    assert cuda.is_available() is True
    n = cuda.device_count()
    assert n >= 1
    assert cuda.current_device() == 0
    name = cuda.get_device_name()
    assert isinstance(name, str) and name
    assert cuda.get_device_name(0) == name and cuda.get_device_name("cuda:0") == name
    major, minor = cuda.get_device_capability()
    assert major >= 3
    cuda.set_device(0)
    cuda.set_device("cuda:0")
    cuda.synchronize()
    cuda.synchronize(0)
    with cuda.device(0):
        assert cuda.current_device() == 0
    assert cuda.current_device() == 0


@pytest.mark.gpu
@pytest.mark.cuda_hw
def test_memory_pool_helpers():
    import zoo_core
    before = cuda.memory_allocated()
    x = zoo_core.zeros(1 << 20, device="cuda")   # 4 MiB
    assert cuda.memory_allocated() >= before + 4 * (1 << 20)
    assert cuda.memory_reserved() >= cuda.memory_allocated()
    del x
    cuda.empty_cache()
    assert cuda.memory_allocated() <= before


@pytest.mark.gpu
def test_cuda_seeding_reproduces():
    import zoo_core
    cuda.manual_seed(12)
    assert cuda.initial_seed() == 12
    a = zoo_core.random.randn(100, device="cuda")._data.get()
    cuda.manual_seed_all(12)
    b = zoo_core.random.randn(100, device="cuda")._data.get()
    np.testing.assert_array_equal(a, b)
    states = cuda.get_rng_state_all()
    assert len(states) == cuda.device_count()
    c = zoo_core.random.rand(50, device="cuda")._data.get()
    cuda.set_rng_state_all(states)
    np.testing.assert_array_equal(zoo_core.random.rand(50, device="cuda")._data.get(), c)
