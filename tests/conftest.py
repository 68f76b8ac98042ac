import os

import pytest

os.environ.setdefault("ZOO_STRICT_PLUGINS", "1")

if os.environ.get("ZOO_FAKE_CUPY") == "1":
    # the cuda half of the suite on CPU, through a strict CuPy stand-in (tests/_fakecupy.py)
    from tests import _fakecupy
    _fakecupy.install()


def _cuda():
    try:
        from zoo_core.testing import cuda_available
        return cuda_available()
    except Exception:
        return False


def pytest_collection_modifyitems(config, items):
    has_gpu = _cuda()
    run_slow = os.environ.get("ZOO_RUN_SLOW") == "1"
    fake = os.environ.get("ZOO_FAKE_CUPY") == "1"
    for item in items:
        if "cuda_hw" in item.keywords and fake:
            item.add_marker(pytest.mark.skip(reason="needs real CUDA hardware, not the CuPy stand-in"))
        if "gpu" in item.keywords and not has_gpu:
            item.add_marker(pytest.mark.skip(reason="needs a CUDA device with CuPy"))
        if "slow" in item.keywords and not run_slow:
            item.add_marker(pytest.mark.skip(reason="slow; set ZOO_RUN_SLOW=1"))


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
def device(request):
    """Run a test on every device: cpu always, cuda when present."""
    return request.param


@pytest.fixture(autouse=True)
def _seed():
    import zoo_core
    if hasattr(zoo_core, "manual_seed"):
        zoo_core.manual_seed(0)
    yield
