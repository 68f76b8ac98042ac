"""Random numbers: seeding, generator states, sampling functions and in-place fills."""
import pickle

import numpy as np
import pytest

import zoo_core
from zoo_core import cuda as zcuda
from zoo_core import random as zr
from zoo_core.autograd import grad_mode
from zoo_core.random import (Generator, bernoulli, fork_rng, get_rng_state, initial_seed, manual_seed,
                             multinomial, normal, poisson, rand, rand_like, randint, randint_like, randn,
                             randn_like, randperm, seed, set_rng_state)

N = 200_000   # samples for the statistical checks: tolerances below are > 6 standard errors


def _np(t):
    return np.asarray(t._data.get() if t.is_cuda else t._data)


# ---- seeding and reproducibility ----------------------------------------------------------------
DRAWS = {
    "rand": lambda g: rand(3, 4, generator=g),
    "randn": lambda g: randn(5, generator=g),
    "randn64": lambda g: randn(5, dtype=zoo_core.float64, generator=g),
    "rand16": lambda g: rand(6, dtype=zoo_core.float16, generator=g),
    "randint": lambda g: randint(0, 100, (6,), generator=g),
    "randperm": lambda g: randperm(10, generator=g),
    "normal": lambda g: normal(2.0, 3.0, (4,), generator=g),
    "normal_tensor": lambda g: normal(zoo_core.zeros(4), zoo_core.ones(4), generator=g),
    "bernoulli": lambda g: bernoulli(zoo_core.full((8,), 0.5), generator=g),
    "multinomial": lambda g: multinomial(zoo_core.tensor([0.1, 0.2, 0.3, 0.4]), 3, generator=g),
    "multinomial_repl": lambda g: multinomial(zoo_core.tensor([0.1, 0.9]), 6, True, generator=g),
    "poisson": lambda g: poisson(zoo_core.full((5,), 3.0), generator=g),
    "uniform_": lambda g: zoo_core.empty(5).uniform_(-1, 1, generator=g),
    "normal_": lambda g: zoo_core.empty(5).normal_(1.0, 2.0, generator=g),
    "bernoulli_": lambda g: zoo_core.empty(5).bernoulli_(0.3, generator=g),
    "random_": lambda g: zoo_core.empty(5).random_(0, 50, generator=g),
    "exponential_": lambda g: zoo_core.empty(5).exponential_(2.0, generator=g),
    "geometric_": lambda g: zoo_core.empty(5).geometric_(0.3, generator=g),
    "cauchy_": lambda g: zoo_core.empty(5).cauchy_(generator=g),
    "log_normal_": lambda g: zoo_core.empty(5).log_normal_(generator=g),
}


@pytest.mark.parametrize("name", list(DRAWS))
def test_same_seed_same_numbers(name):
    draw = DRAWS[name]
    manual_seed(123)
    a = _np(draw(None))
    b = _np(draw(None))
    manual_seed(123)
    np.testing.assert_array_equal(_np(draw(None)), a)
    np.testing.assert_array_equal(_np(draw(None)), b)
    g1, g2 = Generator().manual_seed(7), Generator().manual_seed(7)
    np.testing.assert_array_equal(_np(draw(g1)), _np(draw(g2)))


@pytest.mark.parametrize("name", list(DRAWS))
def test_generator_state_round_trip(name):
    draw = DRAWS[name]
    g = Generator().manual_seed(5)
    draw(g)                       # advance past the seed's start
    state = g.get_state()
    a, b = _np(draw(g)), _np(draw(g))
    g.set_state(state)
    np.testing.assert_array_equal(_np(draw(g)), a)
    np.testing.assert_array_equal(_np(draw(g)), b)


def test_float32_draws_are_numpy_pcg64_in_the_target_dtype():
    # the documented stream: numpy's PCG64 seeded with the seed, sampled directly in float32
    manual_seed(42)
    ref = np.random.Generator(np.random.PCG64(42))
    np.testing.assert_array_equal(_np(randn(7)), ref.standard_normal(7, dtype=np.float32))
    np.testing.assert_array_equal(_np(rand(2, 3)), ref.random((2, 3), dtype=np.float32))


def test_different_seeds_differ():
    manual_seed(1)
    a = _np(randn(10))
    manual_seed(2)
    assert not np.array_equal(a, _np(randn(10)))


def test_generator_is_independent_of_the_global_one():
    g = Generator().manual_seed(9)
    a = _np(randn(5, generator=g))
    g.manual_seed(9)
    manual_seed(0)
    randn(100)                     # global draws in between do not move g
    np.testing.assert_array_equal(_np(randn(5, generator=g)), a)
    manual_seed(0)
    x = _np(rand(4))
    manual_seed(0)
    Generator().manual_seed(0)
    rand(10, generator=Generator().manual_seed(3))   # nor does g move the global one
    np.testing.assert_array_equal(_np(rand(4)), x)


def test_generator_api():
    g = Generator()
    assert g.device == zoo_core.device("cpu")
    assert g.initial_seed() == 67280421310721       # PyTorch's default seed for a new Generator
    assert g.manual_seed(11) is g
    assert g.initial_seed() == 11
    s = g.seed()
    assert isinstance(s, int) and 0 <= s < 2 ** 64 and g.initial_seed() == s
    assert g.manual_seed(-1).initial_seed() == 2 ** 64 - 1   # negative seeds wrap like PyTorch
    with pytest.raises(ValueError, match="seed"):
        g.manual_seed(2 ** 64)
    with pytest.raises(TypeError, match="seed"):
        g.manual_seed("abc")
    assert "cpu" in repr(g)


def test_global_seed_functions():
    gen = manual_seed(31)
    assert gen is zr.default_generator
    assert initial_seed() == 31
    s = seed()
    assert initial_seed() == s
    state = get_rng_state()
    assert state.dtype == zoo_core.uint8 and state.ndim == 1
    a = _np(randn(6))
    set_rng_state(state)
    np.testing.assert_array_equal(_np(randn(6)), a)


def test_state_formats_and_errors():
    g = Generator().manual_seed(3)
    randn(3, generator=g)
    st = g.get_state()
    expect = _np(randn(4, generator=g))
    for form in (st, _np(st), _np(st).tobytes(), bytearray(_np(st).tobytes())):
        assert g.set_state(form) is g
        np.testing.assert_array_equal(_np(randn(4, generator=g)), expect)
    with pytest.raises(TypeError, match="uint8"):
        g.set_state(zoo_core.zeros(56))
    with pytest.raises(RuntimeError, match="generator state"):
        g.set_state(b"garbage")
    with pytest.raises(TypeError):
        g.set_state([1, 2, 3])
    cuda_like = bytearray(_np(st).tobytes())
    cuda_like[5] = 1
    with pytest.raises(RuntimeError, match="cuda generator"):
        g.set_state(bytes(cuda_like))


def test_state_restores_the_seed_too():
    g = Generator().manual_seed(77)
    st = g.get_state()
    g.manual_seed(1)
    g.set_state(st)
    assert g.initial_seed() == 77


def test_generator_pickles_with_its_state():
    g = Generator().manual_seed(4)
    randn(2, generator=g)
    g2 = pickle.loads(pickle.dumps(g))
    np.testing.assert_array_equal(_np(randn(5, generator=g2)), _np(randn(5, generator=g)))


def test_fork_rng_restores_states():
    manual_seed(8)
    with fork_rng():
        randn(100)
    a = _np(randn(3))
    manual_seed(8)
    np.testing.assert_array_equal(_np(randn(3)), a)
    with fork_rng(enabled=False):
        randn(1)
    assert not np.array_equal(_np(randn(3)), a)


@pytest.mark.gpu
def test_fork_rng_restores_cuda_states_on_the_device():
    manual_seed(8)
    randn(4, device="cuda")                 # the cuda generator exists and has advanced
    with fork_rng(devices=["cuda"]):
        randn(100, device="cuda")
        manual_seed(99)                     # reseeding inside the block is undone too
    a = _np(randn(3, device="cuda"))
    manual_seed(8)
    randn(4, device="cuda")
    np.testing.assert_array_equal(_np(randn(3, device="cuda")), a)


def test_manual_seed_records_the_cuda_seed_without_cupy():
    manual_seed(1234)
    assert zr._cuda_seed[0] == 1234
    zcuda.manual_seed_all(99)
    assert zr._cuda_seed[0] == 99


# ---- shapes, dtypes, arguments -------------------------------------------------------------------
@pytest.mark.parametrize("fn", [rand, randn])
def test_size_forms(fn):
    for args, kw in [((2, 3), {}), (((2, 3),), {}), (([2, 3],), {}), ((zoo_core.Size([2, 3]),), {}),
                     ((), {"size": (2, 3)})]:
        t = fn(*args, **kw)
        assert t.shape == (2, 3) and t.dtype == zoo_core.float32 and t.is_leaf and not t.requires_grad
    assert fn(()).shape == ()
    assert fn(0).shape == (0,)
    with pytest.raises(RuntimeError, match="negative dimension"):
        fn(2, -1)


def test_float_dtypes_and_requires_grad():
    assert rand(2, dtype=zoo_core.float64).dtype == zoo_core.float64
    assert randn(2, dtype=zoo_core.float16).dtype == zoo_core.float16
    t = randn(3, requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.grad_fn is None
    with pytest.raises(RuntimeError, match="floating-point"):
        rand(2, dtype=zoo_core.int64)
    with pytest.raises(RuntimeError, match="floating-point"):
        randn(2, dtype=zoo_core.int32)
    zoo_core.set_default_dtype(zoo_core.float64)
    try:
        assert rand(2).dtype == zoo_core.float64 and randn(2).dtype == zoo_core.float64
        assert normal(0.0, 1.0, (2,)).dtype == zoo_core.float64
    finally:
        zoo_core.set_default_dtype(zoo_core.float32)


def test_out_argument():
    buf = zoo_core.zeros(2, 3)
    r = rand(2, 3, out=buf)
    assert r is buf and buf._version == 1 and float(_np(buf).min()) >= 0
    with pytest.raises(RuntimeError, match="shape"):
        randn(4, out=buf)


def test_randint_forms():
    assert randint(10, (3,)).dtype == zoo_core.int64
    assert randint(2, 5, (2, 2)).shape == (2, 2)
    assert randint(5, size=(4,)).shape == (4,)
    assert randint(low=2, high=4, size=(3,)).shape == (3,)
    assert randint(3, (0,)).shape == (0,)
    assert randint(0, 3, ()).shape == ()
    assert randint(0, 3, (3,), dtype=zoo_core.float32).dtype == zoo_core.float32
    with pytest.raises(RuntimeError, match="low=5 >= high=1"):
        randint(5, 1, (2,))
    with pytest.raises(TypeError, match="size"):
        randint(5)
    x = _np(randint(-3, 4, (N,)))
    assert set(np.unique(x).tolist()) == set(range(-3, 4))


def test_randperm():
    p = randperm(50)
    assert p.dtype == zoo_core.int64
    assert sorted(p.tolist()) == list(range(50))
    assert randperm(0).shape == (0,) and randperm(0).dtype == zoo_core.int64
    assert randperm(5, dtype=zoo_core.float32).dtype == zoo_core.float32
    # every position sees every value: a permutation, not a fixed order
    firsts = {randperm(4).tolist()[0] for _ in range(200)}
    assert firsts == {0, 1, 2, 3}
    with pytest.raises(RuntimeError, match="non-negative"):
        randperm(-1)


def test_like_functions():
    x = zoo_core.zeros(2, 3, dtype=zoo_core.float64)
    assert rand_like(x).shape == (2, 3) and rand_like(x).dtype == zoo_core.float64
    assert randn_like(x, dtype=zoo_core.float32).dtype == zoo_core.float32
    assert randn_like(x, requires_grad=True).requires_grad
    r = randint_like(x, 10)
    assert r.dtype == zoo_core.float64 and r.shape == (2, 3) and float(_np(r).max()) < 10
    r = randint_like(zoo_core.zeros(N, dtype=zoo_core.int64), 2, 4)
    assert set(np.unique(_np(r)).tolist()) == {2, 3}
    with pytest.raises(RuntimeError, match="floating-point"):
        rand_like(zoo_core.zeros(2, dtype=zoo_core.int64))


# ---- distributions -------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_rand_uniform_statistics(dtype):
    x = _np(rand(N, dtype=getattr(zoo_core, dtype))).astype(np.float64)
    assert x.min() >= 0 and x.max() < 1
    assert abs(x.mean() - 0.5) < 0.01 and abs(x.var() - 1 / 12) < 0.005


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_randn_statistics(dtype):
    x = _np(randn(N, dtype=getattr(zoo_core, dtype))).astype(np.float64)
    assert abs(x.mean()) < 0.02 and abs(x.std() - 1) < 0.02
    assert abs((np.abs(x) < 1).mean() - 0.6827) < 0.01


def test_normal_combinations():
    m = zoo_core.full((N,), 3.0)
    x = normal(m, 2.0)
    assert x.shape == (N,) and x.dtype == zoo_core.float32
    assert abs(_np(x).mean() - 3) < 0.05 and abs(_np(x).std() - 2) < 0.05
    x = _np(normal(-1.0, zoo_core.full((N,), 0.5)))
    assert abs(x.mean() + 1) < 0.02 and abs(x.std() - 0.5) < 0.02
    mean = zoo_core.tensor([[0.0], [100.0]])               # (2, 1) with (3,) broadcasts to (2, 3)
    std = zoo_core.tensor([0.0, 0.0, 1.0])
    x = normal(mean, std)
    assert x.shape == (2, 3)
    np.testing.assert_array_equal(_np(x)[:, :2], [[0, 0], [100, 100]])
    x = normal(5.0, 0.5, (N,))
    assert abs(_np(x).mean() - 5) < 0.01
    assert normal(zoo_core.zeros(3, dtype=zoo_core.float64), 1.0).dtype == zoo_core.float64
    assert normal(0.0, 1.0, (2,), dtype=zoo_core.float64).dtype == zoo_core.float64


def test_normal_errors():
    with pytest.raises(TypeError, match="size"):
        normal(0.0, 1.0)
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        normal(0.0, -1.0, (2,))
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        normal(zoo_core.zeros(2), zoo_core.tensor([1.0, -1.0]))
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        normal(zoo_core.zeros(2), -2.0)
    with pytest.raises(RuntimeError, match="broadcast"):
        normal(zoo_core.zeros(2), zoo_core.ones(3))
    with pytest.raises(TypeError, match="size"):
        normal(zoo_core.zeros(2), 1.0, (2,))


def test_normal_sends_zero_gradients_like_torch():
    m = zoo_core.zeros(3, requires_grad=True)
    s = zoo_core.ones(3, requires_grad=True)
    y = normal(m, s)
    assert y.grad_fn.name() == "NormalBackward3"
    y.backward(zoo_core.ones(3))
    np.testing.assert_array_equal(_np(m.grad), 0)
    np.testing.assert_array_equal(_np(s.grad), 0)
    assert normal(m, 1.0).grad_fn.name() == "NormalBackward1"
    assert normal(0.0, s).grad_fn.name() == "NormalBackward2"
    with grad_mode.no_grad():
        assert normal(m, s).grad_fn is None


def test_bernoulli():
    p = zoo_core.tensor([0.0, 1.0, 1.0, 0.0])
    assert bernoulli(p).tolist() == [0.0, 1.0, 1.0, 0.0]
    x = bernoulli(zoo_core.full((N,), 0.3, dtype=zoo_core.float64))
    assert x.dtype == zoo_core.float64 and set(np.unique(_np(x)).tolist()) == {0.0, 1.0}
    assert abs(_np(x).mean() - 0.3) < 0.01
    x = _np(bernoulli(zoo_core.zeros(N), 0.8))            # p given: input gives only shape and dtype
    assert abs(x.mean() - 0.8) < 0.01
    assert bernoulli(zoo_core.zeros(3, dtype=zoo_core.float16)).dtype == zoo_core.float16
    assert zoo_core.full((4,), 1.0).bernoulli().tolist() == [1.0] * 4
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        bernoulli(zoo_core.tensor([0.5, 1.5]))
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        bernoulli(zoo_core.zeros(2), 2.0)
    with pytest.raises(RuntimeError, match="floating-point"):
        bernoulli(zoo_core.tensor([0, 1]))
    q = zoo_core.full((3,), 0.5, requires_grad=True)
    y = bernoulli(q)
    assert y.grad_fn.name() == "BernoulliBackward0"


def test_poisson():
    lam = zoo_core.full((N,), 4.0)
    x = poisson(lam)
    assert x.dtype == zoo_core.float32
    assert abs(_np(x).mean() - 4) < 0.05 and abs(_np(x).var() - 4) < 0.15
    assert poisson(zoo_core.zeros(3)).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match=">= 0"):
        poisson(zoo_core.tensor([-1.0]))


# ---- multinomial ---------------------------------------------------------------------------------
def test_multinomial_shapes_and_dtype():
    p1 = zoo_core.tensor([0.2, 0.3, 0.5])
    assert multinomial(p1, 2).shape == (2,) and multinomial(p1, 2).dtype == zoo_core.int64
    p2 = zoo_core.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]])
    assert multinomial(p2, 3).shape == (2, 3)
    assert multinomial(p2, 7, replacement=True).shape == (2, 7)
    assert p1.multinomial(1).shape == (1,)


def test_multinomial_without_replacement_is_a_permutation_of_distinct_categories():
    p = rand(50, 6) + 0.01
    out = _np(multinomial(p, 6))
    for row in out:
        assert sorted(row.tolist()) == list(range(6))
    out = _np(multinomial(p, 4))
    assert all(len(set(row.tolist())) == 4 for row in out)


def test_multinomial_zero_probabilities():
    p = zoo_core.tensor([[0.0, 0.0, 1.0], [0.5, 0.0, 0.5]])
    out = _np(multinomial(p, 2))
    assert out[0, 0] == 2                            # the only positive category first, zeros last
    assert sorted(out[1].tolist()) == [0, 2]
    rep = _np(multinomial(zoo_core.tensor([0.0, 1.0, 0.0, 3.0, 0.0]), 5000, replacement=True))
    assert set(np.unique(rep).tolist()) == {1, 3}
    one = _np(multinomial(zoo_core.tensor([[0.0, 0.0, 2.0, 0.0]] * 100), 1))
    assert (one == 2).all()


@pytest.mark.parametrize("replacement", [True, False])
def test_multinomial_frequencies_follow_probabilities(replacement):
    probs = np.array([1.0, 2.0, 3.0, 4.0])      # unnormalised, as PyTorch allows
    rows = 20_000
    p = zoo_core.tensor(np.tile(probs, (rows, 1)))
    first = _np(multinomial(p, 1 if not replacement else 3, replacement=replacement))[:, 0]
    freq = np.bincount(first, minlength=4) / rows
    np.testing.assert_allclose(freq, probs / probs.sum(), atol=0.015)


def test_multinomial_with_replacement_many_samples_single_row():
    probs = np.array([0.05, 0.15, 0.3, 0.5])
    out = _np(multinomial(zoo_core.tensor(probs), N, replacement=True))
    np.testing.assert_allclose(np.bincount(out, minlength=4) / N, probs, atol=0.006)


def test_multinomial_second_draw_without_replacement():
    # P(second = j) for weights w: sum_i w_i/W * w_j/(W - w_i)
    w = np.array([1.0, 2.0, 7.0])
    W = w.sum()
    expect = [sum(w[i] / W * w[j] / (W - w[i]) for i in range(3) if i != j) for j in range(3)]
    out = _np(multinomial(zoo_core.tensor(np.tile(w, (40_000, 1))), 2))
    np.testing.assert_allclose(np.bincount(out[:, 1], minlength=3) / 40_000, expect, atol=0.012)


def test_multinomial_errors():
    with pytest.raises(RuntimeError, match="sum of probabilities <= 0"):
        multinomial(zoo_core.tensor([0.0, 0.0]), 1)
    for bad in ([-1.0, 2.0], [1.0, float("nan")], [1.0, float("inf")]):
        with pytest.raises(RuntimeError, match="`inf`, `nan` or element < 0"):
            multinomial(zoo_core.tensor(bad), 1)
    with pytest.raises(RuntimeError, match="without replacement"):
        multinomial(zoo_core.tensor([1.0, 2.0]), 3)
    with pytest.raises(RuntimeError, match="1 or 2 dim"):
        multinomial(zoo_core.ones(2, 2, 2), 1)
    with pytest.raises(RuntimeError, match="n_sample <= 0"):
        multinomial(zoo_core.ones(3), 0)
    with pytest.raises(RuntimeError, match="floating-point"):
        multinomial(zoo_core.tensor([1, 2]), 1)


# ---- in-place fills --------------------------------------------------------------------------------
INPLACE = {
    "uniform_": lambda t: t.uniform_(-2.0, 3.0),
    "normal_": lambda t: t.normal_(0.0, 0.02),
    "bernoulli_": lambda t: t.bernoulli_(0.5),
    "random_": lambda t: t.random_(0, 10),
    "exponential_": lambda t: t.exponential_(),
    "geometric_": lambda t: t.geometric_(0.5),
    "cauchy_": lambda t: t.cauchy_(),
    "log_normal_": lambda t: t.log_normal_(),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_writes_storage_and_bumps_version(name):
    t = zoo_core.zeros(4, 5)
    ptr, ver = t.data_ptr(), t._version
    assert INPLACE[name](t) is t
    assert t.data_ptr() == ptr and t._version == ver + 1
    assert t.shape == (4, 5) and t.dtype == zoo_core.float32
    assert np.isfinite(_np(t)).all() and len(np.unique(_np(t))) > 1


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_on_a_view_writes_into_the_base(name):
    base = zoo_core.zeros(6, 10)
    view = base[2:4] if hasattr(zoo_core.Tensor, "__getitem__") else None
    if view is None:
        pytest.skip("indexing not wired yet")
    INPLACE[name](view)
    b = _np(base)
    assert (b[:2] == 0).all() and (b[4:] == 0).all() and (b[2:4] != 0).any()
    assert base._version == 1


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_on_leaf_parameter(name):
    w = zoo_core.zeros(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        INPLACE[name](w)
    with grad_mode.no_grad():                  # as nn.init does
        INPLACE[name](w)
    assert w.requires_grad and w.is_leaf and w.grad_fn is None and (_np(w) != 0).any()


def test_inplace_on_non_leaf_cuts_gradient_like_torch():
    x = zoo_core.ones(3, requires_grad=True)
    y = x * 2
    y.normal_()
    assert y.grad_fn.name() == "NormalBackward0"
    (y * 1).backward(zoo_core.ones(3))
    np.testing.assert_array_equal(_np(x.grad), 0)


def test_inplace_statistics():
    t = zoo_core.empty(N)
    x = _np(t.uniform_(-2, 3))
    assert x.min() >= -2 and x.max() < 3 and abs(x.mean() - 0.5) < 0.03
    x = _np(t.normal_(1.0, 0.5))
    assert abs(x.mean() - 1) < 0.01 and abs(x.std() - 0.5) < 0.01
    x = _np(t.exponential_(4.0))
    assert x.min() >= 0 and abs(x.mean() - 0.25) < 0.005
    x = _np(t.bernoulli_(0.25))
    assert set(np.unique(x).tolist()) == {0.0, 1.0} and abs(x.mean() - 0.25) < 0.01
    x = _np(t.geometric_(0.25))
    assert x.min() == 1 and abs(x.mean() - 4) < 0.1
    x = _np(t.cauchy_(2.0, 1.0))
    assert abs(np.median(x) - 2) < 0.03 and abs(np.percentile(x, 75) - 3) < 0.05
    x = _np(t.log_normal_(0.5, 0.25))
    assert abs(np.median(np.log(x)) - 0.5) < 0.01 and abs(np.log(x).std() - 0.25) < 0.01
    x = _np(zoo_core.zeros(N, dtype=zoo_core.float64).uniform_())
    assert x.min() >= 0 and x.max() < 1
    p = zoo_core.tensor([0.0, 1.0, 0.0, 1.0])
    assert zoo_core.full((4,), 7.0).bernoulli_(p).tolist() == [0.0, 1.0, 0.0, 1.0]


def test_random_fill_ranges():
    x = _np(zoo_core.zeros(N).random_(3, 8))
    assert set(np.unique(x).tolist()) == {3.0, 4.0, 5.0, 6.0, 7.0}
    x = _np(zoo_core.zeros(N).random_(4))
    assert set(np.unique(x).tolist()) == {0.0, 1.0, 2.0, 3.0}
    x = _np(zoo_core.zeros(1000).random_())
    assert x.min() >= 0 and x.max() <= 2 ** 24 and x.max() > 2 ** 20
    x = _np(zoo_core.zeros(N, dtype=zoo_core.uint8).random_())
    assert x.min() == 0 and x.max() == 255
    x = _np(zoo_core.zeros(1000, dtype=zoo_core.bool).random_())
    assert set(np.unique(x).tolist()) == {False, True}
    x = _np(zoo_core.zeros(1000, dtype=zoo_core.int64).random_(-5, 5))
    assert x.min() == -5 and x.max() == 4
    x = _np(zoo_core.zeros(1000, dtype=zoo_core.int32).random_(**{"from": 2, "to": 4}))
    assert set(np.unique(x).tolist()) == {2, 3}
    assert zoo_core.zeros(3, dtype=zoo_core.int32).random_(0, 5).dtype == zoo_core.int32


def test_inplace_errors():
    with pytest.raises(RuntimeError, match=r"from=3 > to=1"):
        zoo_core.zeros(2).uniform_(3, 1)
    with pytest.raises(RuntimeError, match="floating-point"):
        zoo_core.zeros(2, dtype=zoo_core.int64).uniform_()
    with pytest.raises(RuntimeError, match="floating-point"):
        zoo_core.zeros(2, dtype=zoo_core.int64).normal_()
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        zoo_core.zeros(2).normal_(0, -1)
    with pytest.raises(RuntimeError, match="from=5 >= to=1"):
        zoo_core.zeros(2).random_(5, 1)
    with pytest.raises(RuntimeError, match="out of bounds"):
        zoo_core.zeros(2, dtype=zoo_core.uint8).random_(0, 300)
    with pytest.raises(RuntimeError, match=r"p to be in \[0, 1\]"):
        zoo_core.zeros(2).bernoulli_(1.5)
    with pytest.raises(RuntimeError, match="lambda > 0.0"):
        zoo_core.zeros(2).exponential_(0.0)
    with pytest.raises(RuntimeError, match=r"p to be in \(0, 1\)"):
        zoo_core.zeros(2).geometric_(1.5)
    with pytest.raises(TypeError, match="unexpected keyword"):
        zoo_core.zeros(2).uniform_(bogus=1)


def test_generator_arguments_reach_inplace_fills():
    g = Generator().manual_seed(10)
    a = _np(zoo_core.empty(6).normal_(generator=g))
    g.manual_seed(10)
    np.testing.assert_array_equal(_np(zoo_core.empty(6).normal_(generator=g)), a)


# ---- CUDA ----------------------------------------------------------------------------------------
@pytest.mark.gpu
def test_cuda_draws_reproducible_and_on_device():
    manual_seed(3)
    a = randn(1000, device="cuda")
    assert a.is_cuda and a.dtype == zoo_core.float32
    manual_seed(3)
    np.testing.assert_array_equal(_np(randn(1000, device="cuda")), _np(a))
    x = _np(rand(N, device="cuda", dtype=zoo_core.float64))
    assert x.min() >= 0 and x.max() < 1 and abs(x.mean() - 0.5) < 0.01
    x = _np(randn(N, device="cuda"))
    assert abs(x.mean()) < 0.02 and abs(x.std() - 1) < 0.02
    x = _np(randint(0, 7, (N,), device="cuda"))
    assert set(np.unique(x).tolist()) == set(range(7))
    assert sorted(randperm(100, device="cuda").tolist()) == list(range(100))


@pytest.mark.gpu
def test_cuda_state_round_trip_and_seeding():
    g = Generator("cuda").manual_seed(5)
    fresh = g.get_state()                           # before any draw: the seed alone
    a = _np(randn(3000, device="cuda", generator=g))
    g.set_state(fresh)
    np.testing.assert_array_equal(_np(randn(3000, device="cuda", generator=g)), a)
    mid = g.get_state()
    b = _np(rand(777, device="cuda", generator=g))
    c = _np(randint(0, 1000, (500,), device="cuda", generator=g))
    g.set_state(mid)
    np.testing.assert_array_equal(_np(rand(777, device="cuda", generator=g)), b)
    np.testing.assert_array_equal(_np(randint(0, 1000, (500,), device="cuda", generator=g)), c)
    # manual_seed reaches an existing default CUDA generator and zoo_core.cuda helpers agree
    manual_seed(21)
    x = _np(randn(10, device="cuda"))
    zcuda.manual_seed(21)
    np.testing.assert_array_equal(_np(randn(10, device="cuda")), x)
    st = zcuda.get_rng_state()
    y = _np(randn(10, device="cuda"))
    zcuda.set_rng_state(st)
    np.testing.assert_array_equal(_np(randn(10, device="cuda")), y)
    with pytest.raises(RuntimeError, match="cuda generator"):
        Generator().set_state(st)


@pytest.mark.gpu
def test_cuda_samplers_and_fills():
    p = zoo_core.tensor([[0.0, 1.0, 3.0], [2.0, 0.0, 2.0]], device="cuda")
    out = multinomial(p, 2)
    assert out.is_cuda and out.shape == (2, 2)
    o = _np(out)
    assert o[0, 0] in (1, 2) and sorted(o[1].tolist()) == [0, 2]
    rep = _np(multinomial(zoo_core.tensor([0.0, 1.0, 3.0], device="cuda"), N, replacement=True))
    np.testing.assert_allclose(np.bincount(rep, minlength=3) / N, [0, 0.25, 0.75], atol=0.01)
    m = normal(zoo_core.zeros(N, device="cuda"), 2.0)
    assert m.is_cuda and abs(_np(m).std() - 2) < 0.05
    b = _np(bernoulli(zoo_core.full((N,), 0.3, device="cuda")))
    assert abs(b.mean() - 0.3) < 0.01
    assert abs(_np(poisson(zoo_core.full((N,), 2.0, device="cuda"))).mean() - 2) < 0.05
    for name, fill in INPLACE.items():
        t = zoo_core.zeros(1000, device="cuda")
        ptr = t.data_ptr()
        assert fill(t) is t and t.data_ptr() == ptr and t._version == 1 and t.is_cuda, name
        assert (_np(t) != 0).any(), name
    with pytest.raises(RuntimeError, match="device type for generator"):
        rand(3, device="cuda", generator=Generator())
