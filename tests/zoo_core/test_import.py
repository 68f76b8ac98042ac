"""``import zoo_core`` stays light, and PyTorch's first examples run unchanged after ``import zoo_core as torch``.

Each check runs in a fresh interpreter, so what other tests imported does not matter.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEAVY = ["cupy", "PIL", "tokenizers", "zoo_vision", "zoo_text", "torch"]
MARK = "@@@values@@@"


def _run(code):
    env = dict(os.environ, PYTHONPATH=ROOT)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=180)
    assert r.returncode == 0, f"subprocess failed:\n{r.stderr}"
    return r.stdout


def test_import_zoo_core_loads_no_heavy_module():
    out = _run("import sys, json\nimport zoo_core\n"
               f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    assert json.loads(out) == []


def test_namespace_has_random_cuda_dlpack_and_printing():
    out = _run("import zoo_core as torch\n"
               "names = ['rand', 'randn', 'randint', 'randperm', 'rand_like', 'randn_like', 'randint_like',\n"
               "         'normal', 'bernoulli', 'multinomial', 'poisson', 'manual_seed', 'seed', 'initial_seed',\n"
               "         'get_rng_state', 'set_rng_state', 'Generator', 'default_generator', 'from_dlpack',\n"
               "         'set_printoptions', 'cuda', 'random']\n"
               "print([n for n in names if not hasattr(torch, n)])\n"
               "print(torch.cuda.is_available() in (True, False), torch.random.fork_rng is not None)")
    assert out.split("\n")[:2] == ["[]", "True True"]


def _example(source):
    """Run PyTorch example code with ``import zoo_core as torch``; returns (printed text, x values)."""
    out = _run("import zoo_core as torch\n" + source + "\n"
               f"import json\nprint({MARK!r} + json.dumps(x.detach().tolist()))")
    printed, _, values = out.rpartition(MARK)
    return printed.rstrip("\n"), json.loads(values)


def _as_torch_text(t):
    return str(t).replace("torch.", "zoo_core.")


def test_autograd_example_runs_unchanged():
    torch = pytest.importorskip("torch")
    printed, xs = _example("x = torch.randn(2, 2, requires_grad=True)\n"
                           "y = x + 2\n"
                           "z = y * y * 3\n"
                           "out = z.mean()\n"
                           "out.backward()\n"
                           "print(x.grad)")
    # the same computation in PyTorch on the same x prints the same text
    x = torch.tensor(xs, dtype=torch.float32, requires_grad=True)
    ((x + 2) * (x + 2) * 3).mean().backward()
    assert printed == _as_torch_text(x.grad)
    np.testing.assert_allclose(x.grad.numpy(), 1.5 * (np.array(xs, np.float32) + 2), rtol=1e-6)
    assert printed.startswith("tensor([[") and printed.count("\n") == 1


def test_arithmetic_example_runs_unchanged():
    torch = pytest.importorskip("torch")
    printed, xs = _example("x = torch.randn(3, 3)\n"
                           "y = x * 2 + 3\n"
                           "print(y)")
    y = torch.tensor(xs, dtype=torch.float32) * 2 + 3
    assert printed == _as_torch_text(y)
    assert printed.count("\n") == 2


def test_examples_are_reproducible_with_a_seed():
    code = ("import zoo_core as torch\ntorch.manual_seed(0)\nx = torch.randn(3, 3)\nprint(x * 2 + 3)\n"
            "torch.manual_seed(0)\nprint(torch.randn(3, 3) * 2 + 3)")
    out = _run(code).strip().split("\n")
    assert out[:3] == out[3:]
