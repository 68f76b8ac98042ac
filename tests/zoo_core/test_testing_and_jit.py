"""zoo_core.testing.assert_close/make_tensor (torch.testing) and the eager zoo_core.jit."""
import numpy as np
import pytest

import zoo_core as zoo
from zoo_core.testing import assert_allclose, assert_close, make_tensor


def test_assert_close_passes_and_fails_like_torch():
    torch = pytest.importorskip("torch")
    cases = [
        (lambda L: L.tensor([1.0, 2.0]), lambda L: L.tensor([1.0, 2.0 + 1e-6])),
        (lambda L: L.tensor([1.0, 2.0]), lambda L: L.tensor([1.0, 2.1])),
        (lambda L: L.tensor([1.0, float("nan")]), lambda L: L.tensor([1.0, float("nan")])),
        (lambda L: L.tensor([1, 2]), lambda L: L.tensor([1, 3])),
        (lambda L: L.tensor([1.0]), lambda L: L.tensor([1.0], dtype=L.float64)),
        (lambda L: L.ones(2, 3), lambda L: L.ones(3, 2)),
        (lambda L: L.tensor([1.0, 2.0], dtype=L.float16), lambda L: L.tensor([1.0, 2.001], dtype=L.float16)),
        (lambda L: [L.tensor(1.0), {"a": L.tensor([2.0])}], lambda L: [L.tensor(1.0), {"a": L.tensor([2.5])}]),
        (lambda L: 1.0, lambda L: 1.0 + 1e-9),
        (lambda L: 1, lambda L: 1.0),
        (lambda L: L.zeros(100), lambda L: L.arange(100.0) * 1e-6),
    ]
    for a, e in cases:
        outcome = []
        for lib, fn in ((zoo, assert_close), (torch, torch.testing.assert_close)):
            try:
                fn(a(lib), e(lib))
                outcome.append("ok")
            except AssertionError as err:
                outcome.append(str(err).split("\n")[0].replace("torch.", "").replace("zoo_core.", ""))
        assert outcome[0] == outcome[1], outcome


def test_assert_close_message_and_options():
    with pytest.raises(AssertionError, match=r"Mismatched elements: 1 / 3 \(33.3%\)") as info:
        assert_close(zoo.tensor([1.0, 2.0, 3.0]), zoo.tensor([1.0, 2.5, 3.0]))
    assert "at index (1,)" in str(info.value)
    assert_close(zoo.tensor([1.0]), zoo.tensor([1.0], dtype=zoo.float64), check_dtype=False)
    assert_close(zoo.tensor([1.0]), zoo.tensor([1.1]), rtol=0.2, atol=0.0)
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol'"):
        assert_close(zoo.ones(1), zoo.ones(1), rtol=0.1)
    with pytest.raises(AssertionError, match="custom"):
        assert_close(zoo.ones(1), zoo.zeros(1), msg="custom")
    assert_allclose(zoo.tensor([1.0, 2.0]), [1.0, 2.0])


def test_make_tensor():
    t = make_tensor(3, 4, dtype=zoo.float32, low=-1, high=1)
    assert t.shape == (3, 4) and t.dtype == zoo.float32 and float(t.abs().max()) <= 1
    i = make_tensor((50,), dtype=zoo.int64, exclude_zero=True)
    assert i.dtype == zoo.int64 and int((i == 0).sum()) == 0 and int(i.min()) >= -9 and int(i.max()) < 10
    nc = make_tensor(2, 3, dtype=zoo.float64, noncontiguous=True, requires_grad=True)
    assert not nc.is_contiguous() and nc.requires_grad and nc.shape == (2, 3)
    assert make_tensor(4, dtype=zoo.bool).dtype == zoo.bool
    with pytest.raises(ValueError, match="low must be less than or equal to high"):
        make_tensor(2, dtype=zoo.float32, low=2, high=1)


def test_jit_is_eager():
    m = zoo.nn.Linear(2, 2)
    assert zoo.jit.script(m) is m and zoo.jit.trace(m, zoo.ones(1, 2)) is m
    assert not zoo.jit.is_scripting() and not zoo.jit.is_tracing()

    @zoo.jit.ignore
    def f(x):
        return x + 1

    @zoo.jit.unused
    def g(x):
        return x

    @zoo.jit.ignore(drop=True)
    def h(x):
        return x * 2
    assert f(1) == 2 and g(3) == 3 and h(2) == 4
    assert zoo.jit.wait(zoo.jit.fork(lambda a: a * 3, 2)) == 6
    assert not isinstance(m, zoo.jit.ScriptModule)
    with pytest.raises(RuntimeError, match="no TorchScript archives"):
        zoo.jit.save(m, "m.pt")
    with pytest.raises(RuntimeError, match="TorchScript archive"):
        zoo.jit.load("m.pt")


def test_review_assert_close_opposite_infinities_and_type_mismatch():
    import pytest
    import zoo_core
    from zoo_core.testing import assert_close
    inf = float("inf")
    assert_close(zoo_core.tensor([inf, -inf]), zoo_core.tensor([inf, -inf]))
    with pytest.raises(AssertionError, match="not close"):
        assert_close(zoo_core.tensor([inf]), zoo_core.tensor([-inf]))
    with pytest.raises(AssertionError, match="not close"):
        assert_close(zoo_core.tensor([inf]), zoo_core.tensor([1.0]), rtol=1.0, atol=1.0)
    with pytest.raises(TypeError, match="No comparison pair"):
        assert_close(zoo_core.tensor([1.0]), [1.0])
