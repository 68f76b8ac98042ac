"""Differential tests: indexing, gather/scatter, shape and view ops of zoo_core against PyTorch.

Every case runs the same lambda ``fn(lib, *tensors)`` on ``zoo_core`` and on ``torch`` and compares
values, dtypes, shapes, the exception type where torch raises, and (float64 cases) the gradients of a
weighted sum of the outputs. Inputs come from a fixed-seed RandomState, so the file is deterministic.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import zoo_core as zoo  # noqa: E402
from zoo_core.testing import OpCase, check_gradients  # noqa: E402

pytestmark = [pytest.mark.filterwarnings("ignore:indexing with dtype torch.uint8 is now deprecated"),
              pytest.mark.filterwarnings("ignore:Using a non-tuple sequence for multidimensional indexing"),
              pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")]

_RS = np.random.RandomState(1234)
X3 = _RS.randn(3, 4, 5)
X2 = _RS.randn(3, 4)
XI = _RS.randint(-5, 5, (3, 4))
_TOL = {"float16": 2e-3, "float32": 1e-5, "float64": 1e-10}


# ---- the comparison machinery ---------------------------------------------------------------------
def _dtype_name(dt):
    return str(dt).split(".")[-1]


def _is_tensor(x):
    return isinstance(x, (torch.Tensor, zoo.Tensor))


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.detach()._data)


def _assert_same(z, t, where="result"):
    if _is_tensor(t):
        assert _is_tensor(z), f"{where}: zoo returned {type(z).__name__}, torch a Tensor"
        assert _dtype_name(z.dtype) == _dtype_name(t.dtype), f"{where}: dtype {z.dtype} != {t.dtype}"
        assert tuple(z.shape) == tuple(t.shape), f"{where}: shape {tuple(z.shape)} != {tuple(t.shape)}"
        a, b = _np(z), _np(t)
        tol = _TOL.get(_dtype_name(t.dtype), 0)
        np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=tol, atol=tol, equal_nan=True,
                                   err_msg=where)
    elif isinstance(t, (tuple, list)):
        assert isinstance(z, (tuple, list)) and len(z) == len(t), f"{where}: {z!r} vs {t!r}"
        for i, (a, b) in enumerate(zip(z, t)):
            _assert_same(a, b, f"{where}[{i}]")
    else:
        assert z == t and type(z) is type(t), f"{where}: {z!r} != {t!r}"


def _outputs(r):
    return [o for o in (r if isinstance(r, (tuple, list)) else (r,)) if _is_tensor(o)]


def _run(lib, fn, arrays, grad):
    ins = [lib.tensor(a, requires_grad=grad and a.dtype.kind == "f") if isinstance(a, np.ndarray) else a
           for a in arrays]
    try:
        out = fn(lib, *ins)
    except Exception as e:   # noqa: BLE001 -- the exception is the result being compared
        return e, ins
    if grad:
        outs = [o for o in _outputs(out) if o.requires_grad]
        if outs:
            total = 0
            for o in outs:   # a weighted sum, so every output position gets a distinct gradient
                w = np.arange(1, o.numel() + 1, dtype=np.float64).reshape(tuple(o.shape)) / 7
                total = total + (o * lib.tensor(w)).sum()
            total.backward()
    return out, ins


def check(fn, *arrays, grad=False, errors=None):
    """``fn`` on zoo and torch: same values/dtypes/shapes (and input grads), or the same exception type
    (``errors``: a tuple of types accepted from zoo where torch's own type depends on its kernel)."""
    t, tin = _run(torch, fn, arrays, grad)
    z, zin = _run(zoo, fn, arrays, grad)
    if isinstance(t, Exception):
        want = errors or (type(t),)
        assert isinstance(z, Exception), f"torch raised {type(t).__name__}: {t}; zoo returned {z!r}"
        assert isinstance(z, want), f"torch raised {type(t).__name__}: {t}; zoo {type(z).__name__}: {z}"
        return
    if isinstance(z, Exception):
        raise z
    _assert_same(z, t)
    for i, (a, b) in enumerate(zip(zin, tin)):
        if _is_tensor(b) and b.requires_grad:
            if b.grad is None:
                assert a.grad is None, f"input {i}: torch has no grad, zoo has one"
            else:
                _assert_same(a.grad, b.grad, f"grad of input {i}")


def _ids(cases):
    return [c[0] for c in cases]


# ---- x[key] ---------------------------------------------------------------------------------------
E = Ellipsis
S = slice
GET_KEYS = [
    (0,), (-1,), (S(None, None, 2),), (E, 1), (None, 0), (0, None, E, None), ([0, 2],), ([[0, 1], [2, 0]],),
    (S(None), [0, 1]), ([0, 1], S(None), [1, 2]), ([0, 1], 1, [1, 2]), (0, S(None), [1, 2]),
    (S(None), [0, 1], [1, 2]), ([0], None, [1]), (None, [0, 1], None, [1, 2]), (E, [0, 1]), ([0, 1], E, [1, 2]),
    (1, [0, 1], [1, 2]), ([0, 1], [1, 2], 0), ([True, False, True],), (True,), (False,), (E, None),
    (S(1, None, 2), [0, 3], S(None, None, 3)), (-3,), (S(10, 20),), (S(-10, 2),), (0, 0, 0), (), ([],),
    ([0, 1], None, [1, 2]), (None, E, [0, 1], S(None), [1, 2]), ((0, 1),), ([0, 0, 2],), (1, S(None), [0, 0, 2]),
    (S(None), None, [0, 1], [2, 3]), (S(None), [[0], [3]], [1, 4]), ([-1, -3],), (E, [-5, 4]), (None, None),
    (E, None, 2, None), ([True, True, False], S(1, 3), [0, 0]), (S(None, None, 3), E, S(None, None, 2)),
]
GET_ERRORS = [(3,), (-4,), ([3],), ([-4],), (0, 0, 0, 0), (0, 5), (S(None, None, -1),), (S(None, None, 0),),
              ([True, False],), (1.5,), (E, [0, 5])]


def _key(lib, k):
    return tuple(lib.tensor(a) if isinstance(a, np.ndarray) else a for a in k)


@pytest.mark.parametrize("key", GET_KEYS, ids=repr)
@pytest.mark.parametrize("base", ["f64", "i64", "noncontig", "bool"])
def test_getitem(base, key):
    arr = {"f64": X3, "i64": (X3 * 4).astype(np.int64), "f16": X3.astype(np.float16), "bool": X3 > 0,
           "noncontig": np.ascontiguousarray(X3.transpose(2, 1, 0))}[base]
    if base == "noncontig":
        check(lambda lib, t: t.permute(2, 1, 0)[_key(lib, key)], arr, grad=True)
    else:
        check(lambda lib, t: t[_key(lib, key)], arr, grad=base == "f64")


@pytest.mark.parametrize("key", GET_ERRORS, ids=repr)
def test_getitem_errors(key):
    check(lambda lib, t: t[_key(lib, key)], X3)


INDEX_DTYPES = ["int64", "int32", "uint8", "bool", "int16", "int8", "float32"]


@pytest.mark.parametrize("dt", INDEX_DTYPES)
def test_getitem_index_tensor_dtypes(dt):
    check(lambda lib, t: t[lib.tensor([1, 0, 1]).to(getattr(lib, dt))], X3, grad=True)
    check(lambda lib, t: t[:, lib.tensor([[1, 0], [0, 1]]).to(getattr(lib, dt))], X3, grad=True)
    if dt not in ("bool", "float32"):   # a 0-d integer tensor acts as an int, whatever its width
        check(lambda lib, t: t[lib.tensor(1).to(getattr(lib, dt)), 2], X3, grad=True)


# torch 2.13 still reads a list holding a tensor, slice, None, ``...`` or a sequence as a tuple (deprecated);
# zoo_core deliberately follows the announced meaning (one index tensor), see tests/zoo_core/ops/test_indexing.py
LIST_KEYS = [
    ("plain_ints", lambda lib, t: t[[0, 2, 1]]), ("numpy_2d", lambda lib, t: t[np.array([[0, 1], [2, 0]])]),
    ("numpy_bool_scalar", lambda lib, t: t[np.bool_(True)]), ("numpy_ints", lambda lib, t: t[np.int64(1), np.int32(2)]),
]


@pytest.mark.parametrize("case", LIST_KEYS, ids=_ids(LIST_KEYS))
def test_getitem_list_keys(case):
    check(case[1], X2, grad=True)
    check(_setter(lambda lib: case[1](lib, _KeyProbe()), -1.0), X2, grad=True)


class _KeyProbe:
    """Records the key it is indexed with, so a getitem lambda can be replayed as a setitem."""
    def __getitem__(self, key):
        return key


MASK_CASES = [
    ("full", lambda lib, t: t[t > 0]),
    ("first_row", lambda lib, t: t[0][t[0] > 0]),
    ("middle_dim", lambda lib, t: t[:, t[0, :, 0] > 0]),
    ("2d_then_int", lambda lib, t: t[t[:, :, 0] > 0, 1]),
    ("2d_then_none", lambda lib, t: t[t[:, :, 0] > 0, :, None]),
    ("list_and_mask", lambda lib, t: t[[0, 1], t[0, :, 0] > 0]),
    ("0d_true", lambda lib, t: t[lib.tensor(True)]),
    ("0d_false", lambda lib, t: t[lib.tensor(False)]),
    ("0d_true_then_int", lambda lib, t: t[lib.tensor(True), 1]),
    ("mask_after_ellipsis", lambda lib, t: t[..., t[0, 0] > 0]),
    ("all_false", lambda lib, t: t[t > 100]),
    ("byte_mask", lambda lib, t: t[(t > 0).to(lib.uint8)]),
    ("bad_shape", lambda lib, t: t[lib.tensor([True, False])]),
    ("0d_input_mask", lambda lib, t: t[0, 0, 0][t[0, 0, 0] > 0]),
]


@pytest.mark.parametrize("case", MASK_CASES, ids=_ids(MASK_CASES))
def test_getitem_masks(case):
    check(case[1], X3, grad=True)


def _random_key(rs, shape, unique=False):
    """A random mix of ints, slices, None, ``...``, index lists/tensors and masks for ``shape``."""
    items, d, ell = [], 0, False
    nd = len(shape)
    while d < nd and rs.rand() < 0.85:
        r = rs.rand()
        s = shape[d]
        if r < 0.1:
            items.append(None)
            continue
        if r < 0.17 and not ell:
            ell = True
            items.append(E)
            d = max(d, nd - (len([i for i in items if i is not None and i is not E]) + rs.randint(0, 2)))
            continue
        if r < 0.35 and s:
            items.append(int(rs.randint(-s, s)))
        elif r < 0.6:
            a, b = rs.randint(-s - 1, s + 2, 2)
            items.append(slice(*rs.choice([None, int(a)], 1), *rs.choice([None, int(b)], 1),
                               rs.choice([None, 1, 2, 3])))
        elif r < 0.75 and s:
            n = rs.randint(0, min(s, 3) + 1) if unique else rs.randint(1, 4)
            idx = rs.permutation(s)[:n] if unique else rs.randint(-s, s, n)
            items.append([int(i) for i in idx])
        elif r < 0.85 and s and not unique:
            items.append(rs.randint(-s, s, (2, 2)))
        elif r < 0.85 and s:
            items.append(rs.permutation(s)[:1].reshape(1, 1))
        else:
            items.append(rs.rand(s) > 0.5)
        d += 1
    return tuple(items)


def _fuzz_cases(n, seed, unique):
    rs = np.random.RandomState(seed)
    out = []
    for i in range(n):
        shape = tuple(int(s) for s in rs.randint(1, 5, rs.randint(1, 5)))
        if i % 9 == 0:
            shape = shape[:-1] + (0,)
        out.append((f"{i}-{shape}", shape, _random_key(rs, shape, unique)))
    return out


GET_FUZZ = _fuzz_cases(70, 7, unique=False)


@pytest.mark.parametrize("case", GET_FUZZ, ids=_ids(GET_FUZZ))
def test_getitem_fuzz(case):
    _, shape, key = case
    x = np.random.RandomState(len(shape)).randn(*shape)
    check(lambda lib, t: t[_key(lib, key)], x, grad=True)
    check(lambda lib, t: t.t()[_key(lib, key)] if t.dim() == 2 else t.flip(0)[_key(lib, key)], x, grad=True)


# ---- x[key] = value -------------------------------------------------------------------------------
def _setter(key, value):
    def fn(lib, t, *vals):
        y = t * 1 if t.dtype.is_floating_point else t.clone()
        v = value(lib, *vals) if callable(value) else value
        y[key(lib) if callable(key) else key] = v
        return y
    return fn


SET_CASES = [
    ("int_scalar", 0, 1.5), ("int_row", (0, 1), lambda lib, v: v[:5]),
    ("slice_adv", (S(None), [0, 1]), lambda lib, v: v[:10].reshape(2, 5)),
    ("dup_first_same_value", ([0, 0, 1],), lambda lib, v: v[:1].reshape(1, 1, 1) * 0 + 2),
    ("split_adv", ([0, 1], S(None), [1, 2]), lambda lib, v: v[:8].reshape(2, 4)),
    ("split_adv_bcast", ([0, 1], S(None), [1, 2]), lambda lib, v: v[:4]),
    ("split_adv_wrong", ([0, 1], S(None), [1, 2]), lambda lib, v: v[:8].reshape(4, 2)),
    ("int_slice_adv", (0, S(None), [1, 2]), lambda lib, v: v[:8].reshape(4, 2)),
    ("int_slice_adv_transposed_value", (0, S(None), [1, 2]), lambda lib, v: v[:8].reshape(2, 4)),
    ("mask_scalar", lambda lib: lib.tensor(X3) > 0, 0.0),
    ("mask_0d_value", lambda lib: lib.tensor(X3) > 0, lambda lib, v: v[0]),
    ("mask_bcast", lambda lib: lib.tensor(X3[:, :, 0]) > 0, lambda lib, v: v[:5]),
    ("leading_ones", 0, lambda lib, v: v[:20].reshape(1, 1, 4, 5)),
    ("bad_leading", 0, lambda lib, v: v[:40].reshape(2, 4, 5)),
    ("bcast_col", 0, lambda lib, v: v[:4].reshape(4, 1)),
    ("bcast_bad", (E, 0), lambda lib, v: v[:12].reshape(3, 4, 1)),
    ("pairs", ([0, 1], [1, 2]), lambda lib, v: v[:10].reshape(2, 5)),
    ("step", (S(None, None, 2),), 9.0), ("0d_mask_true", lambda lib: lib.tensor(True), 2.0),
    ("0d_mask_false", lambda lib: lib.tensor(False), 2.0), ("none", (None, 0), lambda lib, v: v[:20].reshape(1, 4, 5)),
    ("empty_tuple", (), 5.0), ("ellipsis", E, lambda lib, v: v[:5]), ("oob", lambda lib: lib.tensor([[0, 5]]), 1.0),
    ("oob_neg", lambda lib: lib.tensor([-4]), 1.0), ("neg", lambda lib: lib.tensor([-3]), 1.0), ("nan", 0, float("nan")),
    ("2d_index", (S(None), [[0, 1], [2, 3]]), lambda lib, v: v[:20].reshape(2, 2, 5)),
    ("list_value", 0, [1.0] * 5), ("mask_and_slice", ([True, False, True], S(1, 3)), lambda lib, v: v[:5]),
    ("basic_value_other_dtype", (0, S(1, 3)), lambda lib, v: (v[:5] * 10).to(lib.int32)),
]


@pytest.mark.parametrize("case", SET_CASES, ids=_ids(SET_CASES))
def test_setitem(case):
    _, key, value = case
    check(_setter(key, value), X3, _RS.randn(40), grad=True)


SCALAR_CASES = [(np.int64, 2.7), (np.int64, -2.7), (np.int64, float("nan")), (np.int64, 1e30), (np.int64, True),
                (np.int8, 300), (np.int8, -128), (np.int8, 127.5), (np.uint8, -1), (np.uint8, -255), (np.uint8, -256),
                (np.uint8, 256), (np.uint8, 255.5), (np.uint8, -1.5), (np.float32, 1e300), (np.float32, -1e300),
                (np.float32, float("inf")), (np.float16, 1e5), (np.float16, 65519), (np.bool_, 5), (np.bool_, 0.5),
                (np.int32, 2 ** 31), (np.int32, -2 ** 31), (np.float64, 2 ** 62), (np.int64, 2 ** 63 - 1)]


@pytest.mark.parametrize("dt,value", SCALAR_CASES, ids=[f"{d.__name__}-{v!r}" for d, v in SCALAR_CASES])
def test_scalar_values_convert_like_torch(dt, value):
    """Storing a Python number: truncation, unsigned wrap-around, and torch's overflow errors."""
    x = np.zeros((2, 3), dt)
    check(lambda lib, t: t.clone().__setitem__(0, value) or t, x)   # the error, if any
    check(_setter((0, S(1, None)), value), x)
    check(_setter(lambda lib: lib.tensor([1, 0]), value), x)
    check(lambda lib, t: t.masked_fill(t == 0, value), x)
    check(lambda lib, t: t.index_fill(1, lib.tensor([0, 2]), value), x)
    check(lambda lib, t: t.scatter(1, lib.tensor([[0], [2]]), value), x)


SET_FUZZ = _fuzz_cases(60, 11, unique=True)


@pytest.mark.parametrize("case", SET_FUZZ, ids=_ids(SET_FUZZ))
def test_setitem_fuzz(case):
    """Random keys (no repeated positions) with a scalar, a full value tensor and a broadcast one."""
    _, shape, key = case
    rs = np.random.RandomState(len(shape))
    x = rs.randn(*shape)
    check(_setter(lambda lib: _key(lib, key), -3.5), x, grad=True)
    try:
        target = tuple(torch.zeros(shape)[_key(torch, key)].shape)
    except IndexError:   # an invalid key (index tensors that do not broadcast): the error was compared
        return
    full, row = rs.randn(*target), rs.randn(*target[-1:])
    check(_setter(lambda lib: _key(lib, key), lambda lib, v: v), x, full, grad=True)
    check(_setter(lambda lib: _key(lib, key), lambda lib, v: v), x, row, grad=True)


def test_setitem_on_views_updates_base_and_grads():
    def fn(lib, x, v):
        y = x * 1
        z = y.t()[1:]        # a view of a view
        z[0, [0, 2]] = v      # advanced setitem through the view
        y.view(-1)[::5] *= 2  # in place on a strided view of the flat base
        return y, z
    check(fn, X2, np.array([1.5, -2.0]), grad=True)


INPLACE_ON_VIEWS = [
    ("index_put_", lambda lib, v, s: v.index_put_((lib.tensor([0, 0]),), s[:1], accumulate=True)),
    ("scatter_", lambda lib, v, s: v.scatter_(0, lib.tensor([[2, 0, 1]]), s[:1])),
    ("scatter_add_", lambda lib, v, s: v.scatter_add_(1, lib.tensor([[0, 0], [1, 1], [2, 2], [0, 1]]), s[:, :2])),
    ("scatter_reduce_", lambda lib, v, s: v.scatter_reduce_(0, lib.tensor([[2, 0, 2]]), s[:1], "amax")),
    ("index_add_", lambda lib, v, s: v.index_add_(1, lib.tensor([2, 2]), s[:, :2], alpha=-1)),
    ("index_copy_", lambda lib, v, s: v.index_copy_(0, lib.tensor([3]), s[:1])),
    ("index_fill_", lambda lib, v, s: v.index_fill_(1, lib.tensor([1]), s[0, 0])),
    ("masked_fill_", lambda lib, v, s: v.masked_fill_(v > 0, s[0, 1])),
    ("masked_scatter_", lambda lib, v, s: v.masked_scatter_(v > 0, s)),
    ("put_", lambda lib, v, s: v.put_(lib.tensor([1, 5]), s[0, :2])),
    ("setitem_mask", lambda lib, v, s: v.__setitem__(v < 0, s[1, 1])),
]


@pytest.mark.parametrize("case", INPLACE_ON_VIEWS, ids=_ids(INPLACE_ON_VIEWS))
def test_inplace_family_on_views(case):
    """In-place index ops on a transposed view write the base and route gradients through it."""
    def fn(lib, x, s):
        y = x * 1
        v = y.t()            # (4, 3) view of the (3, 4) base
        case[1](lib, v, s * 1)
        return y, v
    check(fn, X2, _RS.randn(4, 3), grad=True)


def test_inplace_on_views_share_storage_and_version():
    for lib in (zoo, torch):
        x = lib.zeros(3, 4)
        v = x[1]
        t = x.t()
        v[2] = 5
        t[0].fill_(1)
        x.unfold(1, 2, 2)[2, 1] += 7
        assert x[1, 2].item() == 5 and x[:, 0].tolist() == [1, 1, 1] and x[2, 2].item() == 7, lib.__name__
        assert x._version == v._version == t._version >= 3, lib.__name__


# ---- index_put / gather / scatter / index_* / masked_* / take ---------------------------------------
IDX = np.array([[0, 1, 2, 0], [2, 2, 0, 1]])
BASES = {"f64": X2, "i64": XI, "i8": XI.astype(np.int8), "f16": X2.astype(np.float16), "bool": XI > 0,
         "u8": np.abs(XI).astype(np.uint8)}


def _family_cases():
    c = []
    for red in ["add", "multiply"]:
        c.append((f"scatter_reduce_kw_{red}", lambda lib, t, s, r=red: t.scatter(0, lib.tensor(IDX[:, :3]), s, reduce=r)))
        c.append((f"scatter_value_reduce_{red}", lambda lib, t, s, r=red: t.scatter(0, lib.tensor(IDX[:, :3]), 3,
                                                                                    reduce=r)))
    for red in ["sum", "prod", "mean", "amax", "amin", "max", "min"]:
        for inc in [True, False]:
            for d in [0, 1]:
                c.append((f"scatter_reduce_{red}_{inc}_dim{d}",
                          lambda lib, t, s, r=red, i=inc, d=d: t.scatter_reduce(d, lib.tensor(IDX[:, :3]), s, r,
                                                                                include_self=i)))
    return c + [
        ("gather", lambda lib, t, s: t.gather(0, lib.tensor(IDX[:, :3]))),
        ("gather_neg_dim", lambda lib, t, s: t.gather(-1, lib.tensor(IDX[:, :3]))),
        ("gather_small_index", lambda lib, t, s: t.gather(1, lib.tensor([[0], [1]]))),
        ("gather_int32_index", lambda lib, t, s: t.gather(1, lib.tensor([[0], [1]], dtype=lib.int32))),
        ("scatter", lambda lib, t, s: t.scatter(0, lib.tensor(IDX[:, :3]), s)),
        ("scatter_value", lambda lib, t, s: t.scatter(0, lib.tensor(IDX[:, :3]), 2)),
        ("scatter_value_float", lambda lib, t, s: t.scatter(0, lib.tensor(IDX[:, :3]), 2.5)),
        ("scatter_add", lambda lib, t, s: t.scatter_add(0, lib.tensor(IDX[:, :3]), s)),
        ("index_select", lambda lib, t, s: t.index_select(1, lib.tensor([3, 0, 0]))),
        ("index_select_int32", lambda lib, t, s: t.index_select(1, lib.tensor([3, 0, 0], dtype=lib.int32))),
        ("index_select_0d_index", lambda lib, t, s: t.index_select(1, lib.tensor(2))),
        ("index_add", lambda lib, t, s: t.index_add(1, lib.tensor([3, 0, 0]), s[:, :3].clone())),
        ("index_add_alpha", lambda lib, t, s: t.index_add(1, lib.tensor([3, 0, 0]), s[:, :3].clone(), alpha=2)),
        ("index_copy", lambda lib, t, s: t.index_copy(1, lib.tensor([3, 0, 1]), s[:, :3].clone())),
        ("index_fill", lambda lib, t, s: t.index_fill(1, lib.tensor([3, 0, 0]), 1)),
        ("index_fill_tensor", lambda lib, t, s: t.index_fill(1, lib.tensor([3, 0, 0]), lib.tensor(1))),
        ("masked_fill", lambda lib, t, s: t.masked_fill(lib.tensor(XI > 0), 1)),
        ("masked_fill_bcast", lambda lib, t, s: t.masked_fill(lib.tensor(XI[0] > 0), 2)),
        ("masked_fill_0d_tensor", lambda lib, t, s: t.masked_fill(lib.tensor(XI[0] > 0), lib.tensor(2.5))),
        ("masked_select", lambda lib, t, s: t.masked_select(lib.tensor(XI[0] > 0))),
        ("masked_select_bcast_self", lambda lib, t, s: t[0].masked_select(lib.tensor(XI > 0))),
        ("masked_scatter", lambda lib, t, s: t.masked_scatter(lib.tensor(XI > 0), s.flip(0))),
        ("take", lambda lib, t, s: t.take(lib.tensor([[0, 11], [-1, 3]]))),
        ("take_along_dim", lambda lib, t, s: t.take_along_dim(lib.tensor(IDX[:, :3]), 0)),
        ("take_along_dim_flat", lambda lib, t, s: t.take_along_dim(lib.tensor(IDX[:, :3]))),
        ("take_along_dim_bcast", lambda lib, t, s: t.take_along_dim(lib.tensor([[0], [1]]), 1)),
        ("nonzero", lambda lib, t, s: t.nonzero()),
        ("nonzero_tuple", lambda lib, t, s: t.nonzero(as_tuple=True)),
        ("argwhere", lambda lib, t, s: lib.argwhere(t)),
        ("index_put", lambda lib, t, s: t.index_put((lib.tensor([0, 2]), lib.tensor([1, 1])), s[0, :2].clone())),
        ("index_put_acc_dups", lambda lib, t, s: t.index_put((lib.tensor([0, 0]), lib.tensor([1, 1])), s[0, :2].clone(),
                                                             accumulate=True)),
        ("index_put_mask", lambda lib, t, s: t.index_put((t != t,), s[0, 0].clone())),
        ("index_put__", lambda lib, t, s: t.clone().index_put_((lib.tensor([2]),), s[0].clone(), accumulate=True)),
        ("take_along_dim_negative", lambda lib, t, s: t.take_along_dim(lib.tensor([[-1], [-4]]), 1)),
        ("take_along_dim_negative_flat", lambda lib, t, s: t.take_along_dim(lib.tensor([-1]))),
        ("gather_out", lambda lib, t, s: lib.gather(t, 0, lib.tensor([[1]]), out=lib.empty(0, dtype=t.dtype))),
        ("put", lambda lib, t, s: t.put(lib.tensor([0, -1, 5]), s[0, :3].clone())),
        ("put_accumulate", lambda lib, t, s: t.put(lib.tensor([0, 0, 5]), s[0, :3].clone(), accumulate=True)),
        ("put__", lambda lib, t, s: t.clone().put_(lib.tensor([[0], [7]]), s[:2, :1].clone())),
        ("put_oob", lambda lib, t, s: t.put(lib.tensor([12]), s[0, :1].clone())),
        ("put_size", lambda lib, t, s: t.put(lib.tensor([1, 2]), s[0, :1].clone())),
        ("select_scatter", lambda lib, t, s: lib.select_scatter(t, s[:, 0].clone(), 1, -1)),
        ("select_scatter_bad", lambda lib, t, s: lib.select_scatter(t, s[0].clone(), 1, 0)),
        ("slice_scatter", lambda lib, t, s: lib.slice_scatter(t, s[:, :2].clone(), 1, 0, 4, 2)),
        ("slice_scatter_default", lambda lib, t, s: t.slice_scatter(s.clone())),
        ("slice_scatter_bad", lambda lib, t, s: lib.slice_scatter(t, s[:, :3].clone(), 1, 0, 4, 2)),
        ("diagonal_scatter", lambda lib, t, s: lib.diagonal_scatter(t, s[0, :3].clone())),
        ("diagonal_scatter_offset", lambda lib, t, s: t.diagonal_scatter(s[0, :2].clone(), -1)),
        ("diagonal_scatter_bad", lambda lib, t, s: t.diagonal_scatter(s[0].clone())),
        *[(f"index_reduce_{r}_{inc}", lambda lib, t, s, r=r, inc=inc: t.index_reduce(
            0, lib.tensor([1, 2, 1]), s[[0, 1, 2]].clone(), r, include_self=inc))
          for r in ("prod", "mean", "amax", "amin") for inc in (True, False)],
    ]


FAMILY = _family_cases()


@pytest.mark.parametrize("base", list(BASES))
@pytest.mark.parametrize("case", FAMILY, ids=_ids(FAMILY))
def test_gather_scatter_family(case, base):
    arr = BASES[base]
    # torch's own backward fails for scatter with a src larger than index, or with reduce=: values only
    check(case[1], arr, arr[::-1].copy(), grad=base == "f64" and not case[0].startswith("scatter"))


FAMILY_ERRORS = [
    ("gather_oob", lambda lib, t: t.gather(0, lib.tensor([[5]]))),
    ("gather_negative_index", lambda lib, t: t.gather(0, lib.tensor([[-1]]))),
    ("gather_float_index", lambda lib, t: t.gather(0, lib.tensor([[1.]]))),
    ("gather_dim_oob", lambda lib, t: t.gather(2, lib.tensor([[1]]))),
    ("gather_index_ndim", lambda lib, t: t.gather(0, lib.tensor([1]))),
    ("gather_2d_0d_index", lambda lib, t: t.gather(0, lib.tensor(1))),
    ("scatter_oob", lambda lib, t: t.scatter(0, lib.tensor([[5]]), 1.0)),
    ("scatter_src_dtype", lambda lib, t: t.scatter(0, lib.tensor([[1]]), lib.ones(1, 1))),
    ("scatter_0d_src_dtype", lambda lib, t: t.scatter(0, lib.tensor([[1]]), lib.tensor(1.0))),
    ("scatter_add_src_dtype", lambda lib, t: t.scatter_add(0, lib.tensor([[1]]), lib.ones(1, 1))),
    ("scatter_reduce_src_dtype", lambda lib, t: t.scatter_reduce(0, lib.tensor([[1]]), lib.ones(1, 1), "sum")),
    ("scatter_bad_reduce", lambda lib, t: t.scatter(0, lib.tensor([[1]]), t, reduce="mean")),
    ("scatter_reduce_bad", lambda lib, t: t.scatter_reduce(0, lib.tensor([[1]]), t, "add")),
    ("scatter_reduce_mean_bool", lambda lib, t: (t > 0).scatter_reduce(0, lib.tensor([[1]]), t > 0, "mean")),
    ("index_select_oob", lambda lib, t: t.index_select(0, lib.tensor([3]))),
    ("index_select_2d_index", lambda lib, t: t.index_select(0, lib.tensor([[0]]))),
    ("index_select_float_index", lambda lib, t: t.index_select(0, lib.tensor([0.]))),
    ("index_add_dtype", lambda lib, t: t.index_add(0, lib.tensor([0]), lib.ones(1, 4))),
    ("index_add_shape", lambda lib, t: t.index_add(0, lib.tensor([0]), lib.ones(1, 3, dtype=lib.float64))),
    ("index_add_negative", lambda lib, t: t.index_add(1, lib.tensor([-1]), lib.ones(3, 1, dtype=lib.float64))),
    ("index_copy_dtype", lambda lib, t: t.index_copy(0, lib.tensor([0]), lib.ones(1, 4))),
    ("index_copy_negative", lambda lib, t: t.index_copy(1, lib.tensor([-1]), lib.ones(3, 1, dtype=lib.float64))),
    ("index_fill_oob", lambda lib, t: t.index_fill(1, lib.tensor([4]), 5.0)),
    ("index_fill_oob_negative", lambda lib, t: t.index_fill(1, lib.tensor([-5]), 5.0)),
    ("index_fill_negative", lambda lib, t: t.index_fill(1, lib.tensor([-1, 3, 0]), 5.0)),
    ("index_add_oob", lambda lib, t: t.index_add(1, lib.tensor([4]), lib.ones(3, 1, dtype=lib.float64))),
    ("masked_fill_int_mask", lambda lib, t: t.masked_fill(lib.tensor(XI), 1.0)),
    ("masked_fill_bad_bcast", lambda lib, t: t.masked_fill(lib.tensor([True, False]), 1.0)),
    ("masked_fill_1d_value", lambda lib, t: t.masked_fill(lib.tensor(XI > 0), lib.ones(1))),
    ("masked_scatter_short", lambda lib, t: t.masked_scatter(lib.tensor(XI > -10), lib.ones(3, dtype=lib.float64))),
    ("masked_scatter_dtype", lambda lib, t: t.masked_scatter(lib.tensor(XI > 0), lib.ones(12))),
    ("take_oob", lambda lib, t: t.take(lib.tensor([12]))),
    ("take_int32", lambda lib, t: t.take(lib.tensor([1], dtype=lib.int32))),
    ("take_along_dim_int32", lambda lib, t: t.take_along_dim(lib.tensor([[1]], dtype=lib.int32), 0)),
    ("index_put_oob", lambda lib, t: t.index_put((lib.tensor([5]),), lib.tensor(2.0, dtype=lib.float64))),
    ("index_put_float_index", lambda lib, t: t.index_put((lib.tensor([0.]),), lib.tensor(2.0, dtype=lib.float64))),
    ("index_put_number", lambda lib, t: t.index_put((lib.tensor([0]),), 2.0)),
    ("index_put_too_many", lambda lib, t: t.index_put((lib.tensor([0]),) * 3, lib.tensor(2.0, dtype=lib.float64))),
]


@pytest.mark.parametrize("case", FAMILY_ERRORS, ids=_ids(FAMILY_ERRORS))
def test_family_errors(case):
    check(case[1], X2)


def test_index_fill_negative_indices_fill_each_position_once():
    """torch wraps negative indices in index_fill (its backward then fails); the value's gradient counts a
    position named twice (-1 and 3) once."""
    v = zoo.tensor(2.0, dtype=zoo.float64, requires_grad=True)
    y = zoo.zeros(2, 4, dtype=zoo.float64).index_fill(1, zoo.tensor([-1, 0, 3]), v)
    assert y.tolist() == [[2.0, 0.0, 0.0, 2.0]] * 2
    y.sum().backward()
    assert v.grad.item() == 4.0


def test_index_select_rejects_negative_indices():
    # torch raises IndexError or RuntimeError depending on the kernel it picks for the layout
    for d in (0, 1):
        check(lambda lib, t: t.index_select(d, lib.tensor([-1])), X2, errors=(IndexError, RuntimeError))


ZERO_D = [
    ("gather", lambda lib, x: x.gather(0, lib.tensor([0, 0]))),
    ("gather_0d_index", lambda lib, x: x.gather(0, lib.tensor(0))),
    ("gather_1d_input_0d_index", lambda lib, x: lib.stack([x, x * 2]).gather(0, lib.tensor(1))),
    ("gather_oob", lambda lib, x: x.gather(0, lib.tensor([1]))),
    ("gather_dim1", lambda lib, x: x.gather(1, lib.tensor(0))),
    ("scatter", lambda lib, x: x.scatter(0, lib.tensor(0), 5.0)),
    ("scatter_src", lambda lib, x: x.scatter(0, lib.tensor([0]), x.reshape(1) * 3)),
    ("scatter_1d_0d_index", lambda lib, x: lib.stack([x, x]).scatter(0, lib.tensor(1), x * 4)),
    ("scatter_add", lambda lib, x: x.scatter_add(0, lib.tensor([0, 0]), lib.stack([x, x * 2]))),
    ("scatter_reduce", lambda lib, x: x.scatter_reduce(0, lib.tensor([0, 0]), lib.stack([x, x * 2]), "amax")),
    ("index_select", lambda lib, x: x.index_select(0, lib.tensor([0]))),
    ("index_select_0d_index", lambda lib, x: x.index_select(0, lib.tensor(0))),
    ("index_select_two", lambda lib, x: x.index_select(0, lib.tensor([0, 0]))),
    ("index_select_oob", lambda lib, x: x.index_select(0, lib.tensor([1]))),
    ("index_add", lambda lib, x: x.index_add(0, lib.tensor([0]), x * 2)),
    ("index_add_1d_source", lambda lib, x: x.index_add(0, lib.tensor([0]), x.reshape(1))),
    ("index_copy", lambda lib, x: x.index_copy(0, lib.tensor(0), x * 3)),
    ("index_copy_1d_source", lambda lib, x: x.index_copy(0, lib.tensor([0]), x.reshape(1) * 3)),
    ("index_fill", lambda lib, x: x.index_fill(0, lib.tensor([0, 0]), 3.0)),
    ("index_fill_oob", lambda lib, x: x.index_fill(0, lib.tensor([1]), 3.0)),
    ("masked_fill", lambda lib, x: x.masked_fill(x > 0, 3.0)),
    ("nonzero", lambda lib, x: x.nonzero()),
    ("nonzero_tuple", lambda lib, x: x.nonzero(as_tuple=True)),
    ("take", lambda lib, x: x.take(lib.tensor([0, 0]))),
]


@pytest.mark.parametrize("case", ZERO_D, ids=_ids(ZERO_D))
def test_zero_dim_inputs(case):
    check(case[1], np.array(1.25), grad=True)


# ---- shape and view ops ---------------------------------------------------------------------------
SHAPE_CASES = [
    ("view", lambda lib, t: t.view(-1, 4)), ("view_two_infer", lambda lib, t: t.view(-1, -1)),
    ("view_bad", lambda lib, t: t.view(5, -1)), ("view_noncontig", lambda lib, t: t.transpose(0, 1).view(-1)),
    ("view_noncontig_ok", lambda lib, t: t.transpose(1, 2).view(2, 4, 3)),
    ("view_split_dim", lambda lib, t: t.transpose(0, 2).view(4, 3, 2, 1)), ("view_neg", lambda lib, t: t.view(-2, 12)),
    ("view_empty", lambda lib, t: t[:0].view(0, -1)), ("view_empty_flat", lambda lib, t: t[:0].view(-1)),
    ("view_empty_3", lambda lib, t: t[:0].view(3, 0, -1)), ("view_dtype", lambda lib, t: t.view(lib.int64)),
    ("view_dtype_narrow", lambda lib, t: t.view(lib.float32)), ("view_float_size", lambda lib, t: t.view(2.0, 12)),
    ("view_tuple", lambda lib, t: t.view((24,))), ("view_size", lambda lib, t: t.view(t.shape)),
    ("view_0d", lambda lib, t: t[0, 0, 0].view(1, 1)), ("view_to_0d", lambda lib, t: t[0, 0, 0:1].view(())),
    ("reshape_noncontig", lambda lib, t: t.transpose(0, 2).reshape(-1)),
    ("reshape_empty", lambda lib, t: t[:, :0].reshape(2, -1)), ("reshape_empty_ambiguous", lambda lib, t: t[:, :0].reshape(0, -1)),
    ("flatten", lambda lib, t: t.flatten()), ("flatten_1", lambda lib, t: t.flatten(1)),
    ("flatten_neg", lambda lib, t: t.flatten(-2)), ("flatten_bad", lambda lib, t: t.flatten(2, 1)),
    ("flatten_0d", lambda lib, t: t[0, 0, 0].flatten()), ("flatten_0d_dims", lambda lib, t: t[0, 0, 0].flatten(0, -1)),
    ("flatten_0d_bad", lambda lib, t: t[0, 0, 0].flatten(1)),
    ("unflatten", lambda lib, t: t.unflatten(1, (3, 1))), ("unflatten_infer", lambda lib, t: t.unflatten(-1, (-1, 2))),
    ("unflatten_bad", lambda lib, t: t.unflatten(-1, (3, 2))), ("unflatten_list", lambda lib, t: t.unflatten(2, [2, 2])),
    ("squeeze", lambda lib, t: t[:, :1].squeeze()), ("squeeze_tuple", lambda lib, t: t[:1, :1].squeeze((0, 1))),
    ("squeeze_tuple_neg", lambda lib, t: t[:1, :1].squeeze((0, -2, 2))),
    ("squeeze_dup", lambda lib, t: t[:1, :1].squeeze((0, 0))), ("squeeze_oob", lambda lib, t: t.squeeze(3)),
    ("squeeze_0d", lambda lib, t: t[0, 0, 0].squeeze(0)), ("squeeze_0d_bad", lambda lib, t: t[0, 0, 0].squeeze(1)),
    ("squeeze_empty_tuple", lambda lib, t: t[:1].squeeze(())),
    ("unsqueeze", lambda lib, t: t.unsqueeze(3)), ("unsqueeze_neg", lambda lib, t: t.unsqueeze(-4)),
    ("unsqueeze_oob", lambda lib, t: t.unsqueeze(4)), ("unsqueeze_0d", lambda lib, t: t[0, 0, 0].unsqueeze(-1)),
    ("permute", lambda lib, t: t.permute(2, 0, 1)), ("permute_neg", lambda lib, t: t.permute(-1, 0, 1)),
    ("permute_tuple", lambda lib, t: t.permute((2, 0, 1))), ("permute_short", lambda lib, t: t.permute(2, 0)),
    ("permute_dup", lambda lib, t: t.permute(0, 0, 1)), ("permute_0d", lambda lib, t: t[0, 0, 0].permute(())),
    ("transpose_oob", lambda lib, t: t.transpose(0, 3)), ("transpose_0d", lambda lib, t: t[0, 0, 0].transpose(0, -1)),
    ("t_3d", lambda lib, t: t.t()), ("T", lambda lib, t: t.T), ("mT", lambda lib, t: t.mT),
    ("movedim", lambda lib, t: t.movedim((0, 1), (2, 0))), ("movedim_lists", lambda lib, t: t.movedim([0, 1], [-1, -2])),
    ("movedim_bad", lambda lib, t: t.movedim((0, 1), (2,))), ("movedim_dup", lambda lib, t: t.movedim((0, 0), (1, 2))),
    ("expand", lambda lib, t: t[:, :1].expand(2, 3, 4)), ("expand_keep", lambda lib, t: t[:, :1].expand(5, -1, 3, -1)),
    ("expand_bad", lambda lib, t: t.expand(2, 4, 4)), ("expand_fewer", lambda lib, t: t.expand(3, 4)),
    ("expand_lead_infer", lambda lib, t: t.expand(-1, 2, 3, 4)), ("expand_to_0", lambda lib, t: t[:, :1].expand(2, 0, 4)),
    ("expand_0d", lambda lib, t: t[0, 0, 0].expand(3, 2)), ("expand_as", lambda lib, t: t[:1].expand_as(t)),
    ("repeat", lambda lib, t: t.repeat(2, 1, 1, 2)), ("repeat_0", lambda lib, t: t.repeat(1, 0, 1)),
    ("repeat_fewer", lambda lib, t: t.repeat(2, 2)), ("repeat_neg", lambda lib, t: t.repeat(2, -1, 1)),
    ("repeat_0d", lambda lib, t: t[0, 0, 0].repeat(3)), ("tile", lambda lib, t: t.tile(2)),
    ("tile_more", lambda lib, t: t.tile(2, 1, 1, 1)), ("tile_empty", lambda lib, t: t.tile(())),
    ("flip", lambda lib, t: t.flip(0, 2)), ("flip_tuple", lambda lib, t: t.flip((0, -1))),
    ("flip_dup", lambda lib, t: t.flip(0, 0)), ("flip_none", lambda lib, t: t.flip(())),
    ("flip_0d", lambda lib, t: t[0, 0, 0].flip(0)), ("fliplr", lambda lib, t: t.fliplr()),
    ("roll", lambda lib, t: t.roll(1)), ("roll_neg", lambda lib, t: t.roll(-7)),
    ("roll_dims", lambda lib, t: t.roll((1, -1), (0, 2))), ("roll_dim_int", lambda lib, t: t.roll(2, 1)),
    ("roll_big", lambda lib, t: t.roll(100, -1)), ("roll_mismatch", lambda lib, t: t.roll((1, 2), 0)),
    ("roll_0d", lambda lib, t: t[0, 0, 0].roll(1)), ("roll_0d_dim", lambda lib, t: t[0, 0, 0].roll(1, 0)),
    ("roll_empty", lambda lib, t: t[:0].roll(1, 0)), ("roll_tuple_no_dims", lambda lib, t: t.roll((1, 2))),
    ("narrow", lambda lib, t: t.narrow(1, 1, 2)), ("narrow_neg", lambda lib, t: t.narrow(-1, -2, 2)),
    ("narrow_bad", lambda lib, t: t.narrow(1, 2, 2)), ("narrow_start_oob", lambda lib, t: t.narrow(1, 4, 0)),
    ("narrow_at_end", lambda lib, t: t.narrow(1, 3, 0)), ("narrow_tensor_start", lambda lib, t: t.narrow(1, lib.tensor(1), 2)),
    ("narrow_neg_length", lambda lib, t: t.narrow(1, 0, -1)),
    ("diagonal", lambda lib, t: t.diagonal()), ("diagonal_offset", lambda lib, t: t.diagonal(1, 1, 2)),
    ("diagonal_offset_neg", lambda lib, t: t.diagonal(-1, -1, 0)), ("diagonal_past_end", lambda lib, t: t.diagonal(10, 1, 2)),
    ("diagonal_past_start", lambda lib, t: t.diagonal(-10, 1, 2)), ("diagonal_same", lambda lib, t: t.diagonal(0, 1, 1)),
    ("diagonal_kw", lambda lib, t: lib.diagonal(t, offset=1, dim1=2, dim2=0)),
    ("unfold", lambda lib, t: t.unfold(2, 2, 1)), ("unfold_step", lambda lib, t: t.unfold(-1, 2, 2)),
    ("unfold_big_step", lambda lib, t: t.unfold(1, 1, 5)), ("unfold_0d", lambda lib, t: t[0, 0, 0].unfold(0, 1, 1)),
    ("unfold_0d_empty", lambda lib, t: t[0, 0, 0].unfold(0, 0, 1)), ("unfold_0d_bad", lambda lib, t: t[0, 0, 0].unfold(0, 2, 1)),
    ("unfold_too_big", lambda lib, t: t.unfold(1, 4, 1)), ("unfold_size0", lambda lib, t: t.unfold(1, 0, 1)),
    ("unfold_step0", lambda lib, t: t.unfold(1, 1, 0)), ("unfold_neg_size", lambda lib, t: t.unfold(1, -1, 1)),
    ("unfold_noncontig", lambda lib, t: t.transpose(0, 2).unfold(0, 3, 1)),
    ("unfold_twice", lambda lib, t: t.unfold(2, 3, 1).unfold(1, 2, 1)),
    ("unfold_dim_oob", lambda lib, t: t.unfold(3, 1, 1)),
]


@pytest.mark.parametrize("case", SHAPE_CASES, ids=_ids(SHAPE_CASES))
def test_shape_ops(case):
    check(case[1], _RS.randn(2, 3, 4), grad=True)
    check(case[1], np.arange(24).reshape(2, 3, 4))


JOIN_CASES = [
    ("split_int", lambda lib, t, u: t.split(3, 1)), ("split_big", lambda lib, t, u: t.split(10, 1)),
    ("split_list", lambda lib, t, u: t.split([1, 0, 5], 1)), ("split_tuple", lambda lib, t, u: t.split((2, 2))),
    ("split_list_bad", lambda lib, t, u: t.split([1, 2], 1)), ("split_0", lambda lib, t, u: t.split(0, 1)),
    ("split_neg", lambda lib, t, u: t.split(-1, 1)), ("split_empty_0", lambda lib, t, u: t[:0].split(0)),
    ("split_empty", lambda lib, t, u: t[:0].split(2)), ("split_0d", lambda lib, t, u: t[0, 0].split(1)),
    ("split_fn", lambda lib, t, u: lib.split(t, [1, 3])), ("chunk", lambda lib, t, u: t.chunk(4, 1)),
    ("chunk_5", lambda lib, t, u: t.chunk(5, 1)), ("chunk_big", lambda lib, t, u: t.chunk(10, 0)),
    ("chunk_0", lambda lib, t, u: t.chunk(0, 0)), ("chunk_empty", lambda lib, t, u: t[:0].chunk(3, 0)),
    ("chunk_0d", lambda lib, t, u: t[0, 0].chunk(1)), ("tensor_split", lambda lib, t, u: t.tensor_split(4, 1)),
    ("tensor_split_more", lambda lib, t, u: t.tensor_split(8, 1)),
    ("tensor_split_idx", lambda lib, t, u: t.tensor_split([1, 4], 1)),
    ("tensor_split_idx_rev", lambda lib, t, u: t.tensor_split([4, 1], 1)),
    ("tensor_split_idx_oob", lambda lib, t, u: t.tensor_split([1, 10], 1)),
    ("tensor_split_idx_neg", lambda lib, t, u: t.tensor_split([-2], 1)),
    ("tensor_split_tensor", lambda lib, t, u: t.tensor_split(lib.tensor([1, 3]), 1)),
    ("tensor_split_0d_tensor", lambda lib, t, u: t.tensor_split(lib.tensor(3), 1)),
    ("tensor_split_0", lambda lib, t, u: t.tensor_split(0, 1)),
    ("tensor_split_indices_kw", lambda lib, t, u: lib.tensor_split(t, indices=[1, 3], dim=1)),
    ("tensor_split_sections_kw", lambda lib, t, u: lib.tensor_split(t, sections=2, dim=1)),
    ("unbind", lambda lib, t, u: t.unbind(1)), ("unbind_neg", lambda lib, t, u: t.unbind(-1)),
    ("unbind_0d", lambda lib, t, u: t[0, 0].unbind(0)),
    ("unbind_empty", lambda lib, t, u: t[:0].unbind(0)),
    ("cat", lambda lib, t, u: lib.cat([t, t[:1]])), ("cat_promote", lambda lib, t, u: lib.cat([t, u])),
    ("cat_promote_bool", lambda lib, t, u: lib.cat([u, u > 0])),
    ("cat_promote_i8_u8", lambda lib, t, u: lib.cat([u.to(lib.int8), u.to(lib.uint8)])),
    ("cat_promote_f16_i64", lambda lib, t, u: lib.cat([u.to(lib.float16), u])),
    ("cat_skips_1d_empty", lambda lib, t, u: lib.cat([t, lib.zeros(0)])),
    ("cat_empty_2d", lambda lib, t, u: lib.cat([t, lib.zeros(0, 6, dtype=lib.float64)])),
    ("cat_empty_2d_bad", lambda lib, t, u: lib.cat([t, lib.zeros(0, 5, dtype=lib.float64)])),
    ("cat_all_empty", lambda lib, t, u: lib.cat([lib.zeros(0), lib.zeros(0)])),
    ("cat_neg_dim", lambda lib, t, u: lib.cat([t, t], -1)), ("cat_dim_oob", lambda lib, t, u: lib.cat([t, t], 2)),
    ("cat_0d", lambda lib, t, u: lib.cat([t[0, 0], t[0, 0]])), ("cat_empty_list", lambda lib, t, u: lib.cat([])),
    ("cat_tuple", lambda lib, t, u: lib.cat((t, t), dim=1)), ("cat_mismatch", lambda lib, t, u: lib.cat([t, t[:, :2]])),
    ("cat_ndim", lambda lib, t, u: lib.cat([t, t[0]])), ("stack", lambda lib, t, u: lib.stack([t, t], 2)),
    ("stack_neg", lambda lib, t, u: lib.stack([t, t], -3)), ("stack_oob", lambda lib, t, u: lib.stack([t, t], 3)),
    ("stack_promote", lambda lib, t, u: lib.stack([t, u])), ("stack_bad", lambda lib, t, u: lib.stack([t, t[:1]])),
    ("stack_0d", lambda lib, t, u: lib.stack([t[0, 0], t[1, 1]])), ("stack_empty_list", lambda lib, t, u: lib.stack([])),
    ("hstack", lambda lib, t, u: lib.hstack([t, t])), ("hstack_1d", lambda lib, t, u: lib.hstack([t[0], t[1]])),
    ("hstack_0d", lambda lib, t, u: lib.hstack([t[0, 0], t[1, 1]])), ("hstack_empty_list", lambda lib, t, u: lib.hstack([])),
    ("vstack", lambda lib, t, u: lib.vstack([t[0], t[1]])), ("vstack_mixed", lambda lib, t, u: lib.vstack([t, t[1]])),
    ("vstack_0d", lambda lib, t, u: lib.vstack([t[0, 0], t[1, 1]])), ("dstack", lambda lib, t, u: lib.dstack([t, t])),
    ("column_stack", lambda lib, t, u: lib.column_stack([t[0], t[1]])),
    ("column_stack_mixed", lambda lib, t, u: lib.column_stack([t, t[:, 0], t[0, 0].expand(4)])),
    ("column_stack_0d", lambda lib, t, u: lib.column_stack([t[0, 0], t[1, 1]])),
    ("hsplit", lambda lib, t, u: lib.hsplit(t, 2)), ("hsplit_1d", lambda lib, t, u: t[0].hsplit([1, 4])),
    ("hsplit_uneven", lambda lib, t, u: t.hsplit(4)), ("hsplit_0d", lambda lib, t, u: t[0, 0].hsplit(1)),
    ("vsplit", lambda lib, t, u: lib.vsplit(t, [1])), ("vsplit_1d", lambda lib, t, u: t[0].vsplit(1)),
    ("dsplit", lambda lib, t, u: lib.dsplit(t.unsqueeze(-1).expand(4, 6, 2), 2)),
    ("dsplit_2d", lambda lib, t, u: t.dsplit(1)), ("split_size_kw", lambda lib, t, u: t.split(split_size=4, dim=1)),
    ("stack_out", lambda lib, t, u: lib.stack([t, t], out=lib.empty(0, dtype=t.dtype))),
    ("cat_axis_kw", lambda lib, t, u: lib.cat([t, t], axis=1)),
]


@pytest.mark.parametrize("name,fn", JOIN_CASES)
def test_join_and_split(name, fn):
    check(fn, _RS.randn(4, 6), _RS.randint(0, 9, (4, 6)), grad=True)


VIEWS = [
    ("t", lambda t: t.t()), ("slice_step", lambda t: t[:, ::2]), ("expand", lambda t: t[:1].expand(3, 6)),
    ("unsqueeze", lambda t: t.unsqueeze(1)), ("diagonal", lambda t: t.diagonal()), ("narrow", lambda t: t.narrow(1, 1, 2)),
    ("permute", lambda t: t.unsqueeze(0).permute(2, 0, 1)), ("size1_t", lambda t: t[:1].t()), ("row", lambda t: t[-1]),
    ("split", lambda t: t.split(2, 1)[1]), ("unbind", lambda t: t.unbind(1)[2]), ("unfold", lambda t: t.unfold(1, 2, 2)),
    ("unfold_overlap", lambda t: t.unfold(1, 3, 1)), ("view", lambda t: t.view(2, 12)),
    ("squeeze", lambda t: t[:, :1].squeeze(1)), ("movedim", lambda t: t.movedim(0, 1)), ("0d", lambda t: t[0, 0]),
    ("expand_0d", lambda t: t[0, 0].expand(3)), ("transpose_size1", lambda t: t[:, :1].transpose(0, 1)),
    ("chunk", lambda t: t.chunk(2, 1)[1]), ("mT", lambda t: t.mT), ("view_of_t", lambda t: t.t()[1:].unsqueeze(0)),
]


@pytest.mark.parametrize("case", VIEWS, ids=_ids(VIEWS))
def test_view_strides_and_storage(case):
    """Views report torch's strides and contiguity, and share the base's storage."""
    f = case[1]
    check(lambda lib, t: (f(t).stride(), f(t).is_contiguous(), tuple(f(t).shape)), _RS.randn(4, 6))
    for lib in (zoo, torch):
        x = lib.arange(24.).reshape(4, 6)
        v = f(x)
        v0 = v.clone()
        x.mul_(-1)   # an in-place change of the base shows through the view
        assert (v == -v0).all(), lib.__name__


def test_flatten_of_a_view_is_a_copy_only_when_needed():
    for lib in (zoo, torch):
        x = lib.zeros(3, 4)
        x.t().flatten()[0] = 1       # a copy: the base stays
        x[:, :2].flatten(0, 0)[0, 0] = 2   # same dims: flatten returns the view itself
        x.unsqueeze(0).flatten(0, 1)[1, 1] = 3   # a view
        assert x.sum().item() == 5 and x[0, 0].item() == 2 and x[1, 1].item() == 3, lib.__name__


def test_storage_offset():
    check(lambda lib, t: (t[1:].storage_offset(), t[:, 2:].t().storage_offset()), X2)


def test_stride_of_empty_views():
    check(lambda lib, t: (t[:, :0].stride(), t.unsqueeze(1).expand(3, 0, 4).stride()), X2)


# ---- gradients of every family (float64, weighted outputs) -----------------------------------------
GRADS = [
    ("get_dup", lambda lib, x: x[lib.tensor([0, 0, 2, 0])], [(3, 4)]),
    ("get_split_adv", lambda lib, x: x[[0, 0, 1], :, [1, 1, 2]], [(3, 4, 5)]),
    ("get_mask_and_list", lambda lib, x: x[lib.tensor([True, False, True]), 1:, [0, 0]], [(3, 4, 5)]),
    ("set_dup_value", lambda lib, x, v: _setter(lambda l: l.tensor([0, 0, 2]), lambda l, w: w)(lib, x, v), [(3, 4), (3, 4)]),
    ("index_put_acc", lambda lib, x, v: x.index_put((lib.tensor([0, 0, 2]), lib.tensor([1, 1, 1])), v, accumulate=True),
     [(3, 4), (3,)]),
    ("index_put_acc_bcast", lambda lib, x, v: x.index_put((lib.tensor([0, 2, 0]),), v, accumulate=True), [(3, 4), (4,)]),
    ("gather_dups", lambda lib, x: x.gather(1, lib.tensor(IDX)), [(3, 4)]),
    ("scatter", lambda lib, x, s: x.scatter(0, lib.tensor([[0, 1, 2, 0]]), s), [(3, 4), (1, 4)]),
    ("scatter_add", lambda lib, x, s: x.scatter_add(0, lib.tensor(IDX), s), [(3, 4), (2, 4)]),
    *[(f"scatter_reduce_{r}_{inc}", lambda lib, x, s, r=r, inc=inc: x.scatter_reduce(0, lib.tensor(IDX), s, r,
                                                                                     include_self=inc), [(3, 4), (2, 4)])
      for r in ("sum", "mean", "amax", "amin", "prod") for inc in (True, False)],
    ("scatter_reduce_amax_ties", lambda lib, x, s: (x * 0).scatter_reduce(0, lib.tensor(IDX), s * 0, "amax"),
     [(3, 4), (2, 4)]),
    ("index_add_dups", lambda lib, x, s: x.index_add(1, lib.tensor([3, 0, 3]), s, alpha=2.5), [(3, 4), (3, 3)]),
    ("index_copy", lambda lib, x, s: x.index_copy(1, lib.tensor([3, 0, 1]), s), [(3, 4), (3, 3)]),
    ("index_fill_tensor", lambda lib, x, v: x.index_fill(1, lib.tensor([3, 0, 3]), v[0]), [(3, 4), (1,)]),
    ("masked_fill_tensor", lambda lib, x, v: x.masked_fill(x > 0, v.sum()), [(3, 4), (2,)]),
    ("masked_fill_bcast_self", lambda lib, x, v: x.masked_fill(v > 0, 2.0), [(4,), (3, 4)]),
    ("masked_select_bcast", lambda lib, x, v: x.masked_select(v > 0), [(4,), (3, 4)]),
    ("masked_scatter", lambda lib, x, s: x.masked_scatter(x > 0, s), [(3, 4), (13,)]),
    ("take", lambda lib, x: x.take(lib.tensor([[0, 11], [-1, 0]])), [(3, 4)]),
    ("take_along_dim_bcast", lambda lib, x: x.take_along_dim(lib.tensor([[0, 0, 1]]), 0), [(2, 3)]),
    ("unfold_overlap", lambda lib, x: x.unfold(1, 3, 1), [(3, 5)]),
    ("unfold_gaps", lambda lib, x: x.unfold(0, 2, 3), [(7, 2)]),
    ("unfold_noncontig", lambda lib, x: x.t().unfold(0, 2, 1).unfold(1, 2, 2), [(4, 5)]),
    ("set_through_unfold", lambda lib, x, v: _unfold_set(lib, x, v), [(3, 4), (2,)]),
    ("repeat", lambda lib, x: x.repeat(2, 1, 3), [(3, 2)]),
    ("roll", lambda lib, x: x.roll((1, -1), (0, 1)), [(3, 2)]),
    ("split_partial", lambda lib, x: x.split([1, 3], 1)[1], [(3, 4)]),
    ("unbind_partial", lambda lib, x: x.unbind(1)[2], [(3, 4)]),
    ("cat_with_empty", lambda lib, x, y: lib.cat([x, y]), [(3,), (0,)]),
    ("expand_then_index", lambda lib, x: x.expand(3, 4)[[0, 0, 2], [1, 1, 3]], [(1, 4)]),
    ("column_stack", lambda lib, x, y: lib.column_stack([x, y]), [(3,), (3, 2)]),
    ("put_accumulate", lambda lib, x, s: x.put(lib.tensor([0, 0, 5]), s, accumulate=True), [(3, 4), (3,)]),
    ("select_scatter", lambda lib, x, s: lib.select_scatter(x, s, 1, -1), [(3, 4), (3,)]),
    ("slice_scatter", lambda lib, x, s: lib.slice_scatter(x, s, 1, 1, None, 2), [(3, 4), (3, 2)]),
    ("diagonal_scatter_3d", lambda lib, x, s: lib.diagonal_scatter(x, s, 1, 0, 2), [(3, 2, 4), (2, 3)]),
    *[(f"index_reduce_{r}", lambda lib, x, s, r=r: x.index_reduce(0, lib.tensor([0, 2, 0]), s, r), [(3, 4), (3, 4)])
      for r in ("mean", "amax")],
    ("take_along_dim_negative", lambda lib, x: x.take_along_dim(lib.tensor([[-1], [-4]]), 1), [(2, 4)]),
]


def _unfold_set(lib, x, v):
    y = x * 1
    y.unfold(1, 2, 2)[0, 1] = v   # writes y[0, 2:4]
    return y


@pytest.mark.parametrize("case", GRADS, ids=_ids(GRADS))
def test_gradients_match_torch(case):
    rs = np.random.RandomState(3)
    check(case[1], *[rs.randn(*s) for s in case[2]], grad=True)


def test_scatter_reduce_prod_gradient_with_zeros():
    """The product's gradient skips zero factors: one zero gets the product of the rest, two give 0."""
    idx = np.array([[0, 1, 2, 0], [0, 2, 0, 1], [0, 0, 0, 0]])
    xm = np.array([[0., 1, 1, 1], [1, 0, 1, 1], [1, 1, 1, 1]])
    sm = np.array([[0., 1, 1, 1], [0, 1, 0, 1], [1, 0, 1, 1]])
    for inc in (True, False):
        check(lambda lib, x, s: (x * lib.tensor(xm)).scatter_reduce(0, lib.tensor(idx), s * lib.tensor(sm), "prod",
                                                                    include_self=inc),
              _RS.randn(3, 4), _RS.randn(3, 4), grad=True)


# ---- gradcheck (+ gradgradcheck) on every device for the paths this file added ----------------------
DEVICE_CASES = [
    OpCase("unfold_overlap", lambda lib, x: x.unfold(1, 3, 1), [(3, 5)]),
    OpCase("unfold_step", lambda lib, x: x.unfold(0, 2, 3), [(7, 2)]),
    OpCase("scatter_reduce_prod", lambda lib, x, s: x.scatter_reduce(
        1, lib.tensor([[0, 0, 2], [1, 1, 1]], device=x.device), s, "prod"), [(2, 4), (2, 3)]),
    OpCase("scatter_reduce_prod_noself", lambda lib, x, s: x.scatter_reduce(
        0, lib.tensor([0, 0, 2, 0], device=x.device), s, "prod", include_self=False), [(3,), (4,)]),
    OpCase("gather_0d", lambda lib, x: x.gather(0, lib.tensor([0, 0], device=x.device)), [()]),
    OpCase("index_select_0d", lambda lib, x: x.index_select(0, lib.tensor(0, device=x.device)), [()]),
    OpCase("index_add_0d", lambda lib, x, s: x.index_add(0, lib.tensor([0], device=x.device), s), [(), ()]),
    OpCase("column_stack", lambda lib, x, y: lib.column_stack([x, y]), [(3,), (3, 2)]),
    OpCase("put_accumulate", lambda lib, x, s: x.put(lib.tensor([0, 0, -1], device=x.device), s, accumulate=True),
           [(3, 4), (3,)]),
    OpCase("diagonal_scatter", lambda lib, x, s: lib.diagonal_scatter(x, s, 1, 0, 2), [(3, 2, 4), (2, 3)]),
    OpCase("slice_scatter", lambda lib, x, s: lib.slice_scatter(x, s, 1, 1, None, 2), [(3, 4), (3, 2)]),
    OpCase("index_reduce_mean", lambda lib, x, s: x.index_reduce(0, lib.tensor([0, 2, 0], device=x.device), s,
                                                                 "mean"), [(3, 4), (3, 4)]),
    OpCase("take_along_dim_negative", lambda lib, x: x.take_along_dim(lib.tensor([[-1], [-4]], device=x.device), 1),
           [(2, 4)]),
]


def test_amax_tie_with_excluded_self_gives_src_the_whole_gradient():
    """Deliberate deviation: with include_self=False the result does not depend on self where src lands,
    so a src value tied with self gets the whole gradient (torch also counts self in the tie, losing half)."""
    x = zoo.tensor([1.0, 5.0], dtype=zoo.float64, requires_grad=True)
    s = zoo.tensor([1.0], dtype=zoo.float64, requires_grad=True)
    x.scatter_reduce(0, zoo.tensor([0]), s, "amax", include_self=False).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0] and s.grad.tolist() == [1.0]


@pytest.mark.parametrize("case", DEVICE_CASES, ids=str)
def test_device_gradients(case, device):
    check_gradients(case, device)
