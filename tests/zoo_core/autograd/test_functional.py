"""zoo_core.autograd.functional: jacobian/hessian/vjp/jvp/hvp/vhp against closed forms and PyTorch."""
import numpy as np
import pytest

import zoo_core as zoo
from zoo_core.autograd import functional as AF


def _np(t):
    return t.detach().cpu().numpy()


def f_single(lib, x):
    return (x ** 2).sin() * x.sum()


def f_multi(lib, x, y):
    return x * y.exp(), (x @ y).tanh()


def f_scalar(lib, x, y=None):
    r = (x ** 3).sum() + (x[0] * x[1]).sin()
    return r if y is None else r + (x * y).sum() ** 2


def _inputs(lib, *shapes, seed=0):
    rs = np.random.RandomState(seed)
    return tuple(lib.tensor(rs.randn(*s), dtype=lib.float64) for s in shapes)


def test_jacobian_closed_form():
    x = zoo.tensor([1.0, 2.0, 3.0], dtype=zoo.float64)
    j = AF.jacobian(lambda t: t ** 2, x)
    np.testing.assert_allclose(_np(j), np.diag([2.0, 4.0, 6.0]))
    assert not j.requires_grad


def test_hessian_closed_form():
    x = zoo.tensor([1.0, 2.0], dtype=zoo.float64)
    h = AF.hessian(lambda t: (t ** 3).sum() + t[0] * t[1], x)
    np.testing.assert_allclose(_np(h), [[6.0, 1.0], [1.0, 12.0]])


def test_jvp_equals_jacobian_times_v():
    x, v = _inputs(zoo, (4,), (4,))
    out, jv = AF.jvp(lambda t: f_single(zoo, t), x, v)
    j = AF.jacobian(lambda t: f_single(zoo, t), x)
    np.testing.assert_allclose(_np(jv), _np(j) @ _np(v), rtol=1e-10)
    np.testing.assert_allclose(_np(out), _np(f_single(zoo, x)))


def test_errors():
    x = zoo.ones(3)
    with pytest.raises(RuntimeError, match="v can only be None"):
        AF.vjp(lambda t: t * 2, x)
    with pytest.raises(RuntimeError, match="single Tensor with a single element"):
        AF.hessian(lambda t: t * 2, x)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.jacobian(lambda a, b: a * 2, (x, zoo.ones(2)), strict=True)
    with pytest.raises(RuntimeError, match=r"v\[0\] has shape \(2,\)"):
        AF.vjp(lambda t: t * 2, x, zoo.ones(2))
    with pytest.raises(TypeError, match="element 0 is a list"):
        AF.jacobian(lambda t: t, ([1.0],))


def test_create_graph_allows_differentiating_the_result():
    x = zoo.tensor([0.5, -1.0], dtype=zoo.float64, requires_grad=True)
    j = AF.jacobian(lambda t: t ** 3, x, create_graph=True)
    assert j.requires_grad
    j.sum().backward()   # d/dx sum(diag(3x^2)) = 6x
    np.testing.assert_allclose(_np(x.grad), [3.0, -6.0])


def test_unused_input_gives_zeros():
    a, b = zoo.ones(2, dtype=zoo.float64), zoo.ones(3, dtype=zoo.float64)
    ja, jb = AF.jacobian(lambda p, q: p * 2, (a, b))
    np.testing.assert_allclose(_np(jb), np.zeros((2, 3)))
    np.testing.assert_allclose(_np(ja), 2 * np.eye(2))


@pytest.mark.parametrize("name", ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"])
def test_matches_torch(name):
    torch = pytest.importorskip("torch")
    TAF = torch.autograd.functional
    results = []
    for lib, F in ((zoo, AF), (torch, TAF)):
        x, y = _inputs(lib, (3,), (3,))
        v3, = _inputs(lib, (3,), seed=1)
        if name == "jacobian":
            r = F.jacobian(lambda a, b: f_multi(lib, a, b), (x, y))
            flat = [t for row in r for t in row]
            flat.append(F.jacobian(lambda a: f_single(lib, a), x))
        elif name == "hessian":
            r = F.hessian(lambda a, b: f_scalar(lib, a, b), (x, y))
            flat = [t for row in r for t in row] + [F.hessian(lambda a: f_scalar(lib, a), x)]
        elif name == "vjp":
            out, r = F.vjp(lambda a, b: f_multi(lib, a, b), (x, y), (v3, lib.tensor(0.7, dtype=lib.float64)))
            flat = list(out) + list(r)
        elif name == "jvp":
            out, r = F.jvp(lambda a, b: f_multi(lib, a, b), (x, y), (v3, y * 2))
            flat = list(out) + list(r)
        else:
            out, r = getattr(F, name)(lambda a, b: f_scalar(lib, a, b), (x, y), (v3, y - 1))
            flat = [out] + list(r)
        results.append([t.detach().numpy() for t in flat])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
