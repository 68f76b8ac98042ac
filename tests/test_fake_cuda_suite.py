"""The ``gpu`` half of the suite on machines without a GPU, through the strict CuPy stand-in.

Every test marked ``gpu`` (the cuda half of the ``device`` fixture, tests/zoo_core/test_cuda_parity.py,
random, printing, serialization on cuda), and the porting programs (which then select "cuda"), run in a
child pytest with ``ZOO_FAKE_CUPY=1``, where
tests/_fakecupy.py plays CuPy: numpy arrays behind CuPy's stricter rules (no implicit host conversion,
no numpy/device mixing, 0-d results, wrapping indices, CuPy's API only). It catches numpy-only code in
the CUDA path before a GPU session does. With a real GPU the gpu tests run for real and this is skipped.
"""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _real_gpu():
    from zoo_core.testing import cuda_available
    return cuda_available()


@pytest.mark.skipif(os.environ.get("ZOO_FAKE_CUPY") == "1", reason="already running under the stand-in")
def test_gpu_tests_pass_on_the_cupy_stand_in():
    if _real_gpu():
        pytest.skip("a real GPU is present: the gpu tests run on it directly")
    env = dict(os.environ, ZOO_FAKE_CUPY="1", PYTHONPATH=ROOT)
    # the gpu-marked tests, then the porting programs, which pick "cuda" when it is available
    for selection in (["-m", "gpu", "tests"], ["tests/zoo_core/porting"]):
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "-W", "error::pytest.PytestUnraisableExceptionWarning", *selection],
                           capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
        tail = (r.stdout + r.stderr)[-6000:]
        assert r.returncode == 0, tail
        assert " passed" in tail and "failed" not in tail.splitlines()[-1], tail
