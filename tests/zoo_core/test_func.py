"""zoo_core.func (torch.func): functional_call, grad, vjp, jacrev/jacfwd/hessian, vmap."""
import numpy as np
import pytest

import zoo_core as zoo
import zoo_core.nn as nn
from zoo_core import func as zf


def _np(t):
    return t.detach().numpy()


def test_functional_call_swaps_and_restores():
    lin = nn.Linear(3, 2)
    w = zoo.ones(2, 3)
    out = zf.functional_call(lin, {"weight": w, "bias": zoo.zeros(2)}, (zoo.ones(1, 3),))
    np.testing.assert_allclose(_np(out), [[3.0, 3.0]])
    assert isinstance(lin.weight, nn.Parameter) and lin.weight is not w
    # partial dicts keep the other parameters; a list of dicts is merged
    out2 = zf.functional_call(lin, [{"weight": w}, {"bias": zoo.ones(2)}], zoo.ones(1, 3))
    np.testing.assert_allclose(_np(out2), [[4.0, 4.0]])
    with pytest.raises(RuntimeError, match="missing keys"):
        zf.functional_call(lin, {"weight": w}, (zoo.ones(1, 3),), strict=True)
    with pytest.raises(AttributeError, match="no parameter or buffer named 'wieght'"):
        zf.functional_call(lin, {"wieght": w}, (zoo.ones(1, 3),))


def test_functional_call_nested_and_buffers():
    m = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    m.eval()
    d = {"1.running_mean": zoo.tensor([1.0, 1.0]), "0.weight": zoo.eye(2), "0.bias": zoo.zeros(2)}
    out = zf.functional_call(m, d, (zoo.tensor([[3.0, 5.0]]),))
    np.testing.assert_allclose(_np(out), [[2.0, 4.0]], rtol=1e-4)
    assert m[1].running_mean.tolist() == [0.0, 0.0]


def test_grad_nests_and_has_aux():
    f = lambda x: (x ** 3).sum()
    x = zoo.tensor([1.0, 2.0], dtype=zoo.float64)
    np.testing.assert_allclose(_np(zf.grad(f)(x)), [3.0, 12.0])
    g2 = zf.grad(lambda t: zf.grad(f)(t).sum())(x)   # d/dx sum(3x^2) = 6x
    np.testing.assert_allclose(_np(g2), [6.0, 12.0])
    g, aux = zf.grad(lambda t: ((t * 2).sum(), "aux"), has_aux=True)(x)
    assert aux == "aux"
    ga, gb = zf.grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(x, x + 1)
    np.testing.assert_allclose(_np(ga), [2.0, 3.0])
    np.testing.assert_allclose(_np(gb), [1.0, 2.0])
    with pytest.raises(RuntimeError, match="return a scalar Tensor"):
        zf.grad(lambda t: t * 2)(x)


def test_grad_over_parameter_dict():
    # the meta-learning idiom: gradients w.r.t. a dict of parameters through functional_call
    lin = nn.Linear(3, 1)
    params = {k: v.detach() for k, v in lin.named_parameters()}
    x = zoo.ones(4, 3)
    loss = lambda p: zf.functional_call(lin, p, (x,)).sum()
    g = zf.grad(loss)(params)
    np.testing.assert_allclose(_np(g["weight"]), np.full((1, 3), 4.0))
    np.testing.assert_allclose(_np(g["bias"]), [4.0])


def test_vjp_and_jacobians():
    x = zoo.tensor([1.0, 2.0, 3.0], dtype=zoo.float64)
    out, fn = zf.vjp(lambda t: t ** 2, x)
    np.testing.assert_allclose(_np(fn(zoo.ones(3, dtype=zoo.float64))[0]), [2.0, 4.0, 6.0])
    np.testing.assert_allclose(_np(zf.jacrev(lambda t: t ** 2)(x)), np.diag([2.0, 4.0, 6.0]))
    np.testing.assert_allclose(_np(zf.jacfwd(lambda t: t.sin())(x)), np.diag(np.cos([1.0, 2.0, 3.0])))
    np.testing.assert_allclose(_np(zf.hessian(lambda t: (t ** 3).sum())(x)), np.diag([6.0, 12.0, 18.0]))


def test_vmap_dims_and_errors():
    a = zoo.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(_np(zf.vmap(lambda v: v.sum())(a)), [3.0, 12.0])
    np.testing.assert_allclose(_np(zoo.vmap(lambda v: v.sum(), in_dims=1)(a)), [3.0, 5.0, 7.0])
    mv = zf.vmap(lambda m, v: m @ v, in_dims=(None, 0))
    np.testing.assert_allclose(_np(mv(a, zoo.ones(4, 3))), np.full((4, 2), [3.0, 12.0]))
    s, d = zf.vmap(lambda v: (v.sum(), v * 2), out_dims=(0, 1))(a)
    assert tuple(d.shape) == (3, 2)
    with pytest.raises(ValueError, match="same size in the mapped dimension"):
        zf.vmap(lambda x, y: x + y)(zoo.ones(2), zoo.ones(3))
    with pytest.raises(ValueError, match="every in_dim is None"):
        zf.vmap(lambda x: x, in_dims=None)(zoo.ones(2))


def test_per_sample_gradients_match_torch():
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(0)
    w0, x0, y0 = rs.randn(2, 3), rs.randn(5, 3), rs.randn(5, 2)
    res = []
    for lib, F in ((zoo, zf), (torch, torch.func)):
        w = lib.tensor(w0)
        loss = lambda w, x, y: ((x @ w.T - y) ** 2).sum()
        res.append(F.vmap(F.grad(loss), in_dims=(None, 0, 0))(w, lib.tensor(x0), lib.tensor(y0)))
    np.testing.assert_allclose(_np(res[0]), res[1].numpy(), rtol=1e-10)


# ---- regression tests from review -----------------------------------------------------------------
def test_review_grad_has_aux_is_detached_at_top_level():
    from zoo_core.func import grad
    x, y = zoo.tensor([1., 2.]), zoo.tensor([3., 4.])
    (gx, gy), aux = grad(lambda a, b: ((a * b).sum(), a * 2), argnums=(0, 1), has_aux=True)(x, y)
    assert gx.tolist() == [3., 4.] and gy.tolist() == [1., 2.]
    assert aux.tolist() == [2., 4.] and not aux.requires_grad


def test_review_jacrev_tuple_outputs_and_dict_inputs():
    from zoo_core.func import jacrev
    x, y = zoo.tensor([1., 2.]), zoo.tensor([3., 4.])
    (jxx, jxy), (jsx, jsy) = jacrev(lambda a, b: (a * b, a.sum()), argnums=(0, 1))(x, y)
    assert jxx.tolist() == [[3., 0.], [0., 4.]] and jxy.tolist() == [[1., 0.], [0., 2.]]
    assert jsx.tolist() == [1., 1.] and jsy.tolist() == [0., 0.]
    j = jacrev(lambda d: d["a"] * d["b"])({"a": x, "b": y})
    assert j["a"].tolist() == [[3., 0.], [0., 4.]] and j["b"].tolist() == [[1., 0.], [0., 2.]]


def test_review_vmap_nested_prefix_in_dims_and_non_tensor_output():
    from zoo_core.func import vmap
    a, b = zoo.randn(3, 2), zoo.randn(2, 3)
    out = vmap(lambda t: t[0][0] + t[0][1] + t[1], in_dims=((0, 1),))(((a, a), b))
    assert out.shape == (3, 2)
    assert zoo.allclose(out, 2 * a + b.t())
    with pytest.raises(ValueError, match="must only return Tensors"):
        vmap(lambda t: 1.0)(a)
    assert vmap(lambda t: (t * 2, "tag"), out_dims=(0, None))(a)[1] == "tag"


def test_review_vjp_aux_detached_and_grad_non_tensor_output():
    from zoo_core.func import grad, vjp
    out, fn, aux = vjp(lambda x: (x * 2, x * 3), zoo.tensor([1., 2.]), has_aux=True)
    assert not aux.requires_grad and aux.tolist() == [3., 6.]
    assert fn(zoo.ones(2))[0].tolist() == [2., 2.]
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a Tensor"):
        grad(lambda x: 1.0)(zoo.tensor(1.))
