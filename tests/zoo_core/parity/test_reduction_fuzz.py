"""Differential tests of reductions, scans, sorting and linear algebra against PyTorch (the oracle).

Every case is ``fn(lib)``, run once with ``lib=zoo_core`` and once with ``lib=torch`` on the same fixed
arrays: results must agree in type (namedtuple fields too), dtype, shape and values, and where torch raises,
Zoo must raise the same exception type. Gradient cases compare float64 ``.grad`` after a weighted sum.
Ties in topk/kthvalue indices are left out: torch documents no rule for which tied index it returns.
"""
import warnings
import zlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import zoo_core as zoo  # noqa: E402

INF, NAN = float("inf"), float("nan")
_rs = np.random.RandomState(1234)


def _rand(*shape, dtype=np.float32, scale=1.0):
    """Normal samples, the same for the same shape (so a case can build them inside its lambda)."""
    rs = np.random.RandomState(zlib.crc32(repr(shape).encode()))
    return (rs.randn(*shape) * scale).astype(dtype)


def _dname(d):
    return str(d).split(".")[-1]


def T(lib, a, rg=False):
    """A tensor of ``lib`` holding a copy of the numpy array ``a``."""
    t = lib.tensor(np.array(a, copy=True))
    return t.requires_grad_(True) if rg else t


def _compare(z, t, path="out", rtol=1e-5, atol=1e-6):
    if isinstance(t, torch.Tensor):
        assert isinstance(z, zoo.Tensor), f"{path}: got {type(z).__name__}, torch gives a Tensor"
        assert _dname(z.dtype) == _dname(t.dtype), f"{path}: dtype {z.dtype} vs torch {t.dtype}"
        assert tuple(z.shape) == tuple(t.shape), f"{path}: shape {tuple(z.shape)} vs torch {tuple(t.shape)}"
        zn, tn = z.detach().numpy(), t.detach().numpy()
        if tn.dtype.kind == "f":
            tol = dict(rtol=2e-3, atol=2e-3) if tn.dtype == np.float16 else dict(rtol=rtol, atol=atol)
            np.testing.assert_allclose(zn.astype(np.float64), tn.astype(np.float64), equal_nan=True,
                                       err_msg=path, **tol)
        else:
            np.testing.assert_array_equal(zn, tn, err_msg=path)
    elif isinstance(t, (tuple, list)):
        assert isinstance(z, (tuple, list)) and len(z) == len(t), f"{path}: {type(z).__name__} vs {t!r}"
        if hasattr(t, "_fields"):
            assert getattr(z, "_fields", None) == t._fields, f"{path}: fields {getattr(z, '_fields', None)}"
        for i, (a, b) in enumerate(zip(z, t)):
            _compare(a, b, f"{path}[{i}]", rtol, atol)
    else:
        assert type(z) is type(t) and (z == t or (z != z and t != t)), f"{path}: {z!r} vs torch {t!r}"


def _run(lib, fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return None, fn(lib)
        except Exception as e:            # noqa: BLE001 -- the exception type is what is compared
            return e, None


def check(fn, rtol=1e-5, atol=1e-6):
    ez, rz = _run(zoo, fn)
    et, rt = _run(torch, fn)
    if et is not None:
        assert ez is not None, f"torch raised {type(et).__name__}({et}) but zoo returned {rz!r}"
        if type(et).__name__.endswith("LinAlgError"):      # torch._C._LinAlgError: zoo.linalg.LinAlgError
            assert isinstance(ez, zoo.linalg.LinAlgError) and isinstance(ez, RuntimeError), repr(ez)
            return
        assert isinstance(ez, type(et)), (f"zoo raised {type(ez).__name__}({ez}), "
                                          f"torch {type(et).__name__}({et})")
        return
    if ez is not None:
        raise AssertionError(f"zoo raised {type(ez).__name__}: {ez}; torch gave {rt!r}") from ez
    _compare(rz, rt, rtol=rtol, atol=atol)


def check_grad(arrays, fn, rtol=1e-6, atol=1e-8):
    """``fn(lib, *leaves)`` on float64 leaves; compares the output and the leaves' gradients."""
    res = []
    for lib in (zoo, torch):
        leaves = [T(lib, np.asarray(a, np.float64), rg=True) for a in arrays]
        xs = [x * 1 for x in leaves]          # non-leaves: their .grad is the op's backward output, uncast
        for x in xs:
            x.retain_grad()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = fn(lib, *xs)
            y = y[0] if isinstance(y, tuple) else y
            w = np.random.RandomState(7).randn(*tuple(y.shape))
            (y * lib.tensor(w)).sum().backward()
        res.append((y, [x.grad for x in xs]))
    (yz, gz), (yt, gt) = res
    _compare(yz, yt)
    for i, (a, b) in enumerate(zip(gz, gt)):
        if b is None:          # torch leaves no graph where the gradient is identically 0 (ord-0 norms)
            assert a is None or not a.detach().numpy().any(), f"grad[{i}]: zoo {a!r} vs torch None"
        else:
            assert a is not None, f"grad[{i}]: zoo None vs torch {b!r}"
            _compare(a, b, f"grad[{i}]", rtol, atol)


# ---- forward cases ------------------------------------------------------------------------------
FWD = {}


def case(name, fn, **kw):
    assert name not in FWD, name
    FWD[name] = (fn, kw)


_F = _rand(3, 4)
_NAN = _F.copy()
_NAN[1, 2] = _NAN[0, 0] = NAN
_INFS = _F.copy()
_INFS[0, 1], _INFS[2, 3] = INF, -INF
INPUTS = {
    "f32": _F, "f64": _F.astype(np.float64), "f16": _rand(3, 4, dtype=np.float16),
    "i8": _rs.randint(-5, 5, (3, 4)).astype(np.int8), "u8": _rs.randint(0, 255, (3, 4)).astype(np.uint8),
    "i32": _rs.randint(-50, 50, (3, 4)).astype(np.int32), "i64": _rs.randint(-9, 9, (3, 4)).astype(np.int64),
    "bool": _rs.rand(3, 4) > 0.5, "empty": np.zeros((0, 3), np.float32), "empty2": np.zeros((2, 0), np.float32),
    "0d": np.array(2.5, np.float32), "0d_int": np.array(3, np.int64), "nan": _NAN, "inf": _INFS,
    "negzero": np.array([[0.0, -0.0], [-0.0, 0.0]], np.float32),
}
_UNARY = {   # applied to every input above
    "sum": lambda L, x: x.sum(), "sum0": lambda L, x: x.sum(0), "sum_keep": lambda L, x: x.sum(-1, keepdim=True),
    "sum_tuple": lambda L, x: x.sum((0, -1)), "sum_empty_dims": lambda L, x: x.sum(()),
    "sum_f64": lambda L, x: x.sum(dtype=L.float64), "sum_i32": lambda L, x: x.sum(0, dtype=L.int32),
    "sum_dim_oob": lambda L, x: x.sum(5),
    "mean": lambda L, x: x.mean(), "mean0": lambda L, x: x.mean(0), "mean_f64": lambda L, x: x.mean(dtype=L.float64),
    "prod": lambda L, x: x.prod(), "prod0": lambda L, x: x.prod(0), "prod_i16": lambda L, x: x.prod(-1, dtype=L.int16),
    "max": lambda L, x: x.max(), "max0": lambda L, x: x.max(0), "min_keep": lambda L, x: x.min(-1, keepdim=True),
    "amax": lambda L, x: x.amax(), "amax_tuple": lambda L, x: x.amax((0, -1)), "amin1": lambda L, x: x.amin(-1),
    "argmax": lambda L, x: x.argmax(), "argmax_keep": lambda L, x: x.argmax(keepdim=True),
    "argmin0": lambda L, x: x.argmin(0), "argmin_keep": lambda L, x: x.argmin(-1, keepdim=True),
    "aminmax": lambda L, x: L.aminmax(x), "aminmax0": lambda L, x: L.aminmax(x, dim=0),
    "var": lambda L, x: x.var(), "var0": lambda L, x: x.var(0), "var_c0": lambda L, x: x.var(0, correction=0),
    "var_c2": lambda L, x: x.var(-1, correction=2), "var_c5": lambda L, x: x.var(-1, correction=5),
    "std_biased": lambda L, x: x.std(0, unbiased=False), "std_tuple": lambda L, x: x.std((0, -1), keepdim=True),
    "var_mean": lambda L, x: L.var_mean(x, -1), "std_mean": lambda L, x: L.std_mean(x, (0,), correction=0),
    # (torch's var_mean gives mean nan for a lane with inf, an artefact of its one-pass algorithm: not compared)
    "logsumexp": lambda L, x: L.logsumexp(x, -1), "logsumexp_all": lambda L, x: L.logsumexp(x, (0, -1)),
    "all": lambda L, x: x.all(), "any0": lambda L, x: x.any(0), "all_keep": lambda L, x: x.all(-1, keepdim=True),
    "count_nonzero": lambda L, x: L.count_nonzero(x), "count_nonzero0": lambda L, x: L.count_nonzero(x, 0),
    "count_nonzero_tuple": lambda L, x: L.count_nonzero(x, (0, -1)),
    "cumsum": lambda L, x: x.cumsum(0), "cumsum_f64": lambda L, x: x.cumsum(-1, dtype=L.float64),
    "cumsum_i32": lambda L, x: x.cumsum(-1, dtype=L.int32), "cumprod": lambda L, x: x.cumprod(-1),
    "cummax0": lambda L, x: L.cummax(x, 0), "cummin_last": lambda L, x: x.cummin(-1),
    "median": lambda L, x: x.median(), "median_values0": lambda L, x: x.median(0).values,
    "median_keep_values": lambda L, x: x.median(-1, keepdim=True).values,
    "norm": lambda L, x: x.norm(), "norm1": lambda L, x: x.norm(1, dim=0),
    "vnorm_inf": lambda L, x: L.linalg.vector_norm(x, INF),
    "vnorm_ninf1": lambda L, x: L.linalg.vector_norm(x, -INF, dim=-1),
    "vnorm_inf0": lambda L, x: L.linalg.vector_norm(x, INF, dim=0),
    "vnorm_0": lambda L, x: L.linalg.vector_norm(x, 0, dim=-1),
    "vnorm_p": lambda L, x: L.linalg.vector_norm(x, 3.5, keepdim=True),
    "sort": lambda L, x: x.sort(), "sort_desc0": lambda L, x: x.sort(0, descending=True),
    "sort_stable": lambda L, x: x.sort(dim=-1, descending=True, stable=True),
    "argsort_desc": lambda L, x: x.argsort(descending=True),
    "topk_values": lambda L, x: x.topk(1, dim=0, largest=False).values,
    "kthvalue_values": lambda L, x: x.kthvalue(1, 0).values,
    "unique": lambda L, x: L.unique(x, return_inverse=True, return_counts=True),
    "unique_dim0": lambda L, x: L.unique(x, dim=0, return_inverse=True, return_counts=True),
    "unique_consecutive": lambda L, x: L.unique_consecutive(x, return_inverse=True, return_counts=True),
    "unique_consecutive_dim0": lambda L, x: L.unique_consecutive(x, dim=0, return_counts=True),
    "unique_consecutive_dim1": lambda L, x: L.unique_consecutive(x, dim=-1, return_inverse=True),
    "trace": lambda L, x: L.trace(x),
    "nansum": lambda L, x: L.nansum(x), "nansum0_keep": lambda L, x: x.nansum(0, keepdim=True),
    "nansum_f64": lambda L, x: L.nansum(x, dtype=L.float64), "nanmean": lambda L, x: L.nanmean(x),
    "nanmean_last": lambda L, x: x.nanmean(-1), "nanmean_f32": lambda L, x: L.nanmean(x, (0, -1), dtype=L.float32),
    "diff": lambda L, x: L.diff(x), "diff2_dim0": lambda L, x: x.diff(2, 0), "diff0": lambda L, x: L.diff(x, 0),
    "diff_prepend": lambda L, x: L.diff(x, dim=-1, prepend=x, append=x[..., :1]),
    "inner_self": lambda L, x: L.inner(x, x), "mv_ones": lambda L, x: L.mv(x, L.ones(x.shape[-1], dtype=x.dtype)),
    "softmax": lambda L, x: L.softmax(x, -1), "softmax0": lambda L, x: x.softmax(0),
    "softmax_f64": lambda L, x: L.softmax(x, -1, dtype=L.float64), "log_softmax": lambda L, x: L.log_softmax(x, -1),
    "log_softmax0_f64": lambda L, x: x.log_softmax(0, dtype=L.float64), "softmax_dim_oob": lambda L, x: L.softmax(x, 3),
    "isclose_self_nan": lambda L, x: L.isclose(x, x, equal_nan=True),
    "isclose_one": lambda L, x: L.isclose(x, L.tensor(1)),
    "allclose_self": lambda L, x: L.allclose(x, x), "equal_self": lambda L, x: L.equal(x, x),
    "equal_double": lambda L, x: L.equal(x, x.double()), "select_last": lambda L, x: x.select(0, -1),
    "select_oob": lambda L, x: x.select(0, 5), "is_nonzero": lambda L, x: x.is_nonzero(),
    "histc4": lambda L, x: L.histc(x, 4), "sum_to_size": lambda L, x: x.sum_to_size(1, 4),
}
_TORCH_QUIRKS = {"var_mean[inf]", "std_mean[inf]",        # see above
                 "unique_dim0[nan]"}                       # torch sorts NaN rows with '<': order undefined

# stride tricks: transposed, expanded (stride 0), stepped and flipped views
_VIEWS = {"t": lambda L: T(L, _F).t(), "expand": lambda L: T(L, _F[:1]).expand(3, 4),
          "step": lambda L: T(L, _F)[:, ::2], "flip": lambda L: T(L, _F).flip(1)}
for _vname, _v in _VIEWS.items():
    for _oname, _op in {"sum0": lambda x: x.sum(0), "cumsum": lambda x: x.cumsum(1), "cumprod": lambda x: x.cumprod(0),
                        "sort": lambda x: x.sort(0), "max": lambda x: x.max(1), "var": lambda x: x.var(1),
                        "argmax": lambda x: x.argmax(), "topk": lambda x: x.topk(2, 0).values,
                        "mm": lambda x: x @ x.t(), "unique_dim": lambda x: x.unique(dim=1),
                        "logsumexp": lambda x: x.logsumexp(0), "norm": lambda x: x.norm(dim=0)}.items():
        case(f"{_oname}[view_{_vname}]", lambda L, v=_v, op=_op: op(v(L)))

# dims: every reduction on a 2-d input with out-of-range, repeated and negative dims
for _d in [2, -3, (0, 2), (0, 0), (0, -2)]:
    for _oname in ["sum", "mean", "amax", "amin", "std", "var", "nansum_skip"]:
        if _oname.endswith("skip"):
            continue
        case(f"{_oname}_dim{_d}", lambda L, d=_d, o=_oname: getattr(T(L, _F), o)(d))
    case(f"logsumexp_dim{_d}", lambda L, d=_d: L.logsumexp(T(L, _F), d))
    case(f"count_nonzero_dim{_d}", lambda L, d=_d: L.count_nonzero(T(L, _F), d))
    case(f"norm_dim{_d}", lambda L, d=_d: T(L, _F).norm(dim=d))
for _d in [2, -3]:
    for _oname in ["max", "argmax", "cumsum", "cumprod", "sort", "argsort", "median", "prod"]:
        case(f"{_oname}_dim{_d}", lambda L, d=_d, o=_oname: getattr(T(L, _F), o)(d))
    case(f"topk_dim{_d}", lambda L, d=_d: T(L, _F).topk(1, d))
    case(f"kthvalue_dim{_d}", lambda L, d=_d: T(L, _F).kthvalue(1, d))
    case(f"unique_dim{_d}", lambda L, d=_d: T(L, _F).unique(dim=d))

# 0-d tensors take dim 0 and -1
for _iname in ["0d", "0d_int"]:
    for _d in [0, -1]:
        for _oname, _op in {"sum": lambda x, d: x.sum(d, keepdim=True), "max": lambda x, d: x.max(d),
                            "amax": lambda x, d: x.amax(d), "argmax": lambda x, d: x.argmax(d, keepdim=True),
                            "cumsum": lambda x, d: x.cumsum(d), "cumprod": lambda x, d: x.cumprod(d),
                            "cummax": lambda x, d: x.cummax(d), "sort": lambda x, d: x.sort(d),
                            "topk": lambda x, d: x.topk(1, d),
                            "kthvalue": lambda x, d: x.kthvalue(1, d, True), "median": lambda x, d: x.median(d),
                            "std": lambda x, d: x.std(d, correction=0), "all": lambda x, d: x.all(d),
                            "unique": lambda x, d: x.unique(dim=d), "prod": lambda x, d: x.prod(d),
                            "aminmax": lambda x, d: x.aminmax(dim=d)}.items():
            case(f"{_oname}_0d_dim{_d}[{_iname}]", lambda L, a=INPUTS[_iname], d=_d, op=_op: op(T(L, a), d))

# empty inputs: which reductions have an identity, which raise, and with which exception type
for _iname in ["empty", "empty2"]:
    for _d in [0, 1]:
        for _oname, _op in {"max": lambda x, d: x.max(d), "argmax": lambda x, d: x.argmax(d),
                            "argmax_keep": lambda x, d: x.argmax(d, keepdim=True), "median": lambda x, d: x.median(d),
                            "aminmax": lambda x, d: x.aminmax(dim=d), "sort": lambda x, d: x.sort(d),
                            "topk0": lambda x, d: x.topk(0, d), "cumsum": lambda x, d: x.cumsum(d),
                            "cumprod": lambda x, d: x.cumprod(d), "kthvalue": lambda x, d: x.kthvalue(1, d),
                            "var": lambda x, d: x.var(d), "unique": lambda x, d: x.unique(dim=d),
                            "unique_consecutive": lambda x, d: x.unique_consecutive(dim=d),
                            "amax": lambda x, d: x.amax(d), "amin_keep": lambda x, d: x.amin(d, keepdim=True),
                            "prod": lambda x, d: x.prod(d), "logsumexp": lambda x, d: x.logsumexp(d),
                            "vnorm_inf": lambda x, d: zoo.linalg.vector_norm(x, INF, d) if isinstance(x, zoo.Tensor)
                            else torch.linalg.vector_norm(x, INF, d)}.items():
            case(f"{_oname}_empty_dim{_d}[{_iname}]", lambda L, a=INPUTS[_iname], d=_d, op=_op: op(T(L, a), d))

# values that stress the rules: overflow, float16 accumulation, NaN handling, arguments and overloads
_BIG = np.array([2 ** 62, 2 ** 62, 2 ** 62], np.int64)
_H = _rand(1000, dtype=np.float16, scale=100.0)
_LONG_INT = _rs.randint(0, 20, (3, 37))
_SQ = _rand(3, 3) + 3 * np.eye(3, dtype=np.float32)
_SQB = _rand(2, 3, 3, dtype=np.float64)
_MISC = {
    "sum_int64_wraps": lambda L: T(L, _BIG).sum(), "prod_int64_wraps": lambda L: T(L, _BIG).prod(),
    "cumsum_int8_dtype": lambda L: T(L, np.array([100, 100, 100], np.int8)).cumsum(0, dtype=L.int8),
    "sum_int8_to_int64": lambda L: T(L, np.array([100, 100, 100], np.int8)).sum(),
    "sum_bool_dtype_bool": lambda L: T(L, INPUTS["bool"]).sum(dtype=L.bool),
    "mean_int_error": lambda L: T(L, np.array([1, 2, 3])).mean(),
    "var_int_error": lambda L: T(L, np.array([1, 2, 3])).var(),
    "norm_int_error": lambda L: T(L, np.array([3, 4])).norm(),
    "vector_norm_int_dtype_error": lambda L: L.linalg.vector_norm(T(L, np.array([3, 4])), dtype=L.float32),
    "logsumexp_int": lambda L: L.logsumexp(T(L, np.array([1, 2, 3])), 0),
    "logsumexp_bool": lambda L: L.logsumexp(T(L, np.array([True, False])), 0),
    "logsumexp_ninf_row": lambda L: L.logsumexp(T(L, np.array([[-INF, -INF], [0.0, -INF]])), 1),
    "logsumexp_inf": lambda L: L.logsumexp(T(L, np.array([[INF, 1.0], [INF, -INF]])), 1),
    "sum_f16_1000": lambda L: T(L, _H).sum(), "mean_f16_1000": lambda L: T(L, _H).mean(),
    "cumsum_f16_1000": lambda L: T(L, _H).cumsum(0), "var_f16_1000": lambda L: T(L, _H).var(),
    "std_f16_1000": lambda L: T(L, _H).std(), "norm_f16_1000": lambda L: T(L, _H).norm(),
    "vector_norm3_f16_1000": lambda L: L.linalg.vector_norm(T(L, _H), 3),
    "logsumexp_f16_1000": lambda L: L.logsumexp(T(L, _H), 0),
    "max_binary": lambda L: T(L, _F).max(T(L, _F[::-1].copy())),
    "max_binary_promote": lambda L: T(L, _F).max(T(L, np.arange(4))),
    "sum_dim_list": lambda L: T(L, _F).sum([0, 1]), "mean_dim_list": lambda L: T(L, _F).mean([1]),
    "sum_kwargs": lambda L: L.sum(T(L, _F), dim=1, keepdim=True),
    "var_positional_unbiased": lambda L: T(L, _F).var(0, False), "var_bool_overload": lambda L: T(L, _F).var(False),
    "std_bool_overload": lambda L: L.std(T(L, _F), True),
    "var_float_correction": lambda L: T(L, _F).var(1, correction=0.5),
    "var_unbiased_and_correction": lambda L: T(L, _F).var(1, unbiased=True, correction=1),
    "std_mean_unbiased_pos": lambda L: L.std_mean(T(L, _F), 1, False),
    "all_uint8": lambda L: T(L, np.array([1, 0, 2], np.uint8)).all(),
    "any_int8": lambda L: T(L, np.array([1, 0, 2], np.int8)).any(0),
    "count_nonzero_negzero_nan": lambda L: L.count_nonzero(T(L, np.array([-0.0, NAN]))),
    "median_even_lower": lambda L: T(L, np.array([4.0, 1.0, 3.0, 2.0])).median(),
    "median_int": lambda L: T(L, np.array([4, 1, 3, 2])).median(0),
    "median_nan_lane": lambda L: T(L, np.array([[3, NAN, 1, 2], [1, 2, 3, 4]])).median(1),
    "max_nan_lane": lambda L: T(L, np.array([[3, NAN, 1, NAN]])).max(1),
    "argmin_nan": lambda L: T(L, np.array([[3, NAN, 1, NAN]])).argmin(1),
    "amax_nan": lambda L: T(L, np.array([[1.0, NAN], [NAN, 2]])).amax(1),
    "sort_nan_desc": lambda L: T(L, np.array([3, NAN, 1, NAN, -INF])).sort(descending=True),
    "topk_nan": lambda L: T(L, np.array([3, NAN, 1, NAN, -INF])).topk(3),
    "topk_nan_smallest": lambda L: T(L, np.array([3, NAN, 1, NAN])).topk(2, largest=False),
    "kthvalue_nan": lambda L: T(L, np.array([3, NAN, 1, NAN, -INF])).kthvalue(4),
    "msort": lambda L: L.msort(T(L, _F)),
    "cummax_ties_nan": lambda L: L.cummax(T(L, np.array([1, 3, 3, NAN, 2, NAN, 5])), 0),
    "cummin_ties_nan": lambda L: L.cummin(T(L, np.array([4, 1, 1, 2, NAN, 0])), 0),
    "cummax_long_ties": lambda L: T(L, _LONG_INT).cummax(1),
    "cummin_long_dim0": lambda L: T(L, _LONG_INT.T.astype(np.float32)).cummin(0),
    "cummax_dim_oob": lambda L: T(L, _F).cummax(2),
    "argsort_stable_desc": lambda L: T(L, np.array([2, 1, 2, 1, 2])).argsort(stable=True, descending=True),
    "sort_int8_desc": lambda L: T(L, np.array([2, 1, 2, 1, 2], np.int8)).sort(descending=True),
    "sort_bool": lambda L: T(L, np.array([True, False, True])).sort(),
    "sort_uint8_desc": lambda L: T(L, np.array([200, 1, 255], np.uint8)).sort(descending=True),
    "topk_uint8": lambda L: T(L, np.array([200, 1, 255], np.uint8)).topk(2),
    "topk_unsorted": lambda L: T(L, np.array([1.0, 5, 3, 4])).topk(2, sorted=False).values.sort().values,
    "topk_big_partial": lambda L: T(L, _rand(3, 200)).topk(5, dim=1),
    "topk_k_too_big": lambda L: T(L, _F).topk(5), "topk_k_negative": lambda L: T(L, _F).topk(-1),
    "kthvalue_k0": lambda L: T(L, _F).kthvalue(0),
    "unique_nan_distinct": lambda L: L.unique(T(L, np.array([1, NAN, 2, NAN, 1])), return_counts=True),
    "unique_bool": lambda L: L.unique(T(L, np.array([True, False, True]))),
    "unique_unsorted": lambda L: L.unique(T(L, np.array([3, 1, 3])), sorted=False).sort().values,
    "unique_dim1_inverse": lambda L: L.unique(T(L, np.array([[1, 2, 1], [3, 0, 3]])), dim=1, return_inverse=True),
    "unique_consecutive_rows": lambda L: L.unique_consecutive(T(L, np.array([[1, 2], [1, 2], [0, 5], [1, 2]])),
                                                                 dim=0, return_inverse=True, return_counts=True),
    "unique_consecutive_2d_flat": lambda L: L.unique_consecutive(T(L, np.array([[1, 1], [1, 2]])), return_inverse=True),
    "norm_fro_dim": lambda L: T(L, _F).norm("fro", dim=1), "norm_nuc": lambda L: T(L, _F).norm("nuc"),
    "norm_fro_dims": lambda L: T(L, _F).norm("fro", dim=(0, 1)), "norm_inf": lambda L: T(L, _F).norm(INF),
    "norm_dtype": lambda L: T(L, _F).norm(dtype=L.float64),
    "linalg_norm": lambda L: L.linalg.norm(T(L, _F)), "linalg_norm_2": lambda L: L.linalg.norm(T(L, _F), 2),
    "linalg_norm_vec2": lambda L: L.linalg.norm(T(L, _F[0]), 2),
    "linalg_norm_vec_fro_error": lambda L: L.linalg.norm(T(L, _F[0]), "fro"),
    "linalg_norm_3d_ord_error": lambda L: L.linalg.norm(T(L, _F[None]), 2),
    "linalg_norm_3d": lambda L: L.linalg.norm(T(L, _F[None])),
    "linalg_norm_nuc_dim": lambda L: L.linalg.norm(T(L, _F[None]), "nuc", dim=(1, 2)),
    "linalg_norm_ninf": lambda L: L.linalg.norm(T(L, _F), -INF),
    "matrix_norm_batch": lambda L: L.linalg.matrix_norm(T(L, np.stack([_F, 2 * _F]))),
    "matrix_norm_keepdim": lambda L: L.linalg.matrix_norm(T(L, np.stack([_F, 2 * _F])), 1, keepdim=True),
    "matrix_norm_dims": lambda L: L.linalg.matrix_norm(T(L, np.stack([_F, 2 * _F])), INF, dim=(0, 2)),
    "matrix_norm_bad_ord": lambda L: L.linalg.matrix_norm(T(L, _F), 3),
    "matrix_norm_1d_error": lambda L: L.linalg.matrix_norm(T(L, _F[0])),
    "matrix_norm_int_error": lambda L: L.linalg.matrix_norm(T(L, np.ones((2, 2), np.int64))),
    "vector_norm_dtype": lambda L: L.linalg.vector_norm(T(L, _F), dtype=L.float64),
    "vector_norm_neg_p": lambda L: L.linalg.vector_norm(T(L, _F), -2, dim=1),
    "vector_norm_neg_p_zero": lambda L: L.linalg.vector_norm(T(L, np.array([0.0, 1.0])), -1),
    "svdvals": lambda L: L.linalg.svdvals(T(L, _F)),
    "svdvals_batch": lambda L: L.linalg.svdvals(T(L, np.stack([_F, _F]))),
    "vecdot": lambda L: L.linalg.vecdot(T(L, _F), T(L, _F[0])),
    "inv": lambda L: L.linalg.inv(T(L, _SQ)), "inv_batch_f64": lambda L: L.linalg.inv(T(L, _SQB)),
    "inv_singular_error": lambda L: L.linalg.inv(T(L, np.ones((3, 3), np.float32))),
    "inv_nonsquare_error": lambda L: L.linalg.inv(T(L, _F)),
    "inv_int_error": lambda L: L.linalg.inv(T(L, np.eye(2, dtype=np.int64))),
    "inv_1d_error": lambda L: L.linalg.inv(T(L, _F[0])),
    "inv_empty": lambda L: L.linalg.inv(T(L, np.zeros((0, 2, 2), np.float32))),
    "inverse_method": lambda L: T(L, _SQ).inverse(),
    "det": lambda L: L.linalg.det(T(L, _SQ)), "det_batch": lambda L: T(L, _SQB).det(),
    "det_singular": lambda L: L.det(T(L, np.ones((3, 3), np.float32))),
    "det_int_error": lambda L: L.det(T(L, np.eye(2, dtype=np.int64))),
    "det_empty_matrix": lambda L: L.linalg.det(T(L, np.zeros((2, 0, 0)))),
    "slogdet": lambda L: L.linalg.slogdet(T(L, _SQB)), "slogdet_singular": lambda L: L.slogdet(T(L, np.ones((2, 2)))),
    "logdet_negative": lambda L: L.logdet(T(L, np.array([[0.0, 1.0], [1.0, 0.0]]))),
    "logdet_singular": lambda L: L.logdet(T(L, np.ones((2, 2)))), "logdet": lambda L: T(L, _SQ @ _SQ.T).logdet(),
    "solve": lambda L: L.linalg.solve(T(L, _SQ), T(L, _F[:, :2].copy())),
    "solve_vector": lambda L: L.linalg.solve(T(L, _SQ), T(L, _F[0, :3].copy())),
    "solve_batch_vector": lambda L: L.linalg.solve(T(L, _SQB), T(L, _SQB[:, 0].copy())),
    "solve_batch_broadcast": lambda L: L.linalg.solve(T(L, _SQB), T(L, _SQB[0, :, :2].copy())),
    "solve_right": lambda L: L.linalg.solve(T(L, _SQ), T(L, _F[:2, :3].copy()), left=False),
    "solve_shape_error": lambda L: L.linalg.solve(T(L, _SQ), T(L, _F)),
    "solve_dtype_error": lambda L: L.linalg.solve(T(L, _SQ), T(L, _F[:, :2].astype(np.float64))),
    "solve_singular_error": lambda L: L.linalg.solve(T(L, np.ones((3, 3), np.float32)), T(L, _F[:, :2].copy())),
    "inner_size_error": lambda L: L.inner(T(L, _AF), T(L, _AF[:, :2])),
    "inner_dtype_error": lambda L: L.inner(T(L, _A), T(L, _AF)),
    "inner_3d": lambda L: L.inner(T(L, _X3), T(L, _BF.T.copy())),
    "mv_shape_error": lambda L: L.mv(T(L, _AF), T(L, _AF)),
    "mv_int": lambda L: L.mv(T(L, _A), T(L, _A[0])),
    "diff_0d_error": lambda L: L.diff(T(L, np.array(1.0))), "diff_negative_n": lambda L: L.diff(T(L, _F), -1),
    "diff_bool": lambda L: L.diff(T(L, np.array([True, False, False, True]))),
    "diff_uint8": lambda L: L.diff(T(L, np.array([1, 2, 0], np.uint8))),
    "diff_n_too_big": lambda L: L.diff(T(L, np.array([1.0, 2.0], np.float32)), 5),
    "nanmean_int_error": lambda L: L.nanmean(T(L, np.array([1, 2]))),
    "nanmean_int_dtype_error": lambda L: L.nanmean(T(L, np.array([1, 2])), dtype=L.float32),
    "nanmean_all_nan_lane": lambda L: L.nanmean(T(L, np.array([[NAN, NAN], [1.0, NAN]])), 1),
    "vecdot_dim": lambda L: L.linalg.vecdot(T(L, _F), T(L, _F), dim=0),
}
for _name, _fn in _MISC.items():
    case(_name, _fn)

# products: dtypes (ints multiply exactly, mixed dtypes raise), 1-d operands, batch broadcasting
_A, _B = _rs.randint(-4, 4, (2, 3)), _rs.randint(-4, 4, (3, 4))
_AF, _BF = _rand(2, 3), _rand(3, 4)
_PAIRS = {"i64": (_A, _B), "i32": (_A.astype(np.int32), _B.astype(np.int32)),
          "i8": (_A.astype(np.int8), _B.astype(np.int8)),
          "u8": (_A.astype(np.uint8), _B.astype(np.uint8)), "f32": (_AF, _BF),
          "f16": (_AF.astype(np.float16), _BF.astype(np.float16)), "f32_i64": (_AF, _B),
          "f32_f64": (_AF, _BF.astype(np.float64)),
          "bool": (_A > 0, _B > 0)}
_PRODUCTS = {
    "mm": lambda L, a, b: L.mm(a, b), "matmul": lambda L, a, b: a @ b, "matmul_vec_mat": lambda L, a, b: a[0] @ b,
    "matmul_vec_vec": lambda L, a, b: a[0] @ b[:, 0], "matmul_mat_vec": lambda L, a, b: a @ b[:, 0],
    "bmm": lambda L, a, b: L.bmm(a[None], b[None]), "dot": lambda L, a, b: L.dot(a[0], b[:, 0]),
    "outer": lambda L, a, b: L.outer(a[0], b[0]), "einsum": lambda L, a, b: L.einsum("ij,jk->ik", a, b),
    "tensordot": lambda L, a, b: L.tensordot(a, b, 1), "trace": lambda L, a, b: L.trace(b),
    "addmm": lambda L, a, b: L.addmm(b[0], a, b),
}
for _pname, (_a, _b) in _PAIRS.items():
    for _oname, _op in _PRODUCTS.items():
        case(f"{_oname}[pair_{_pname}]", lambda L, a=_a, b=_b, op=_op: op(L, T(L, a), T(L, b)))
_X3, _Y3, _V3, _V4 = _rand(2, 3, 4), _rand(4), _rand(3, 3), _rand(3, 3, 2)
_PRODUCT_MISC = {
    "mm_shape_error": lambda L: L.mm(T(L, _AF), T(L, _AF)),
    "matmul_0d_error": lambda L: L.matmul(T(L, np.float32(1)), T(L, _AF)),
    "matmul_empty_k": lambda L: L.matmul(T(L, np.zeros((2, 0), np.float32)), T(L, np.zeros((0, 3), np.float32))),
    "matmul_batch_error": lambda L: L.matmul(T(L, np.zeros((2, 2, 3), np.float32)),
                                             T(L, np.zeros((3, 3, 4), np.float32))),
    "matmul_batch_broadcast": lambda L: L.matmul(T(L, _rand(2, 1, 5, 3)), T(L, _rand(4, 3, 2))),
    "bmm_batch_error": lambda L: L.bmm(T(L, np.zeros((2, 2, 3), np.float32)), T(L, np.zeros((3, 3, 4), np.float32))),
    "bmm_2d_error": lambda L: L.bmm(T(L, _AF), T(L, _BF)),
    "dot_size_error": lambda L: L.dot(T(L, _AF[0]), T(L, _BF[0])),
    "dot_2d_error": lambda L: L.dot(T(L, _AF), T(L, _AF)),
    "dot_dtype_error": lambda L: L.dot(T(L, _AF[0]), T(L, _AF[0].astype(np.float64))),
    "vdot": lambda L: L.vdot(T(L, _AF[0]), T(L, _AF[1])), "vdot_int": lambda L: L.vdot(T(L, _A[0]), T(L, _A[1])),
    "einsum_trace": lambda L: L.einsum("ii", T(L, _V3)),
    "einsum_shape_error": lambda L: L.einsum("ij,jk", T(L, _AF), T(L, _AF)),
    "einsum_ellipsis": lambda L: L.einsum("...i,...i->...", T(L, _AF), T(L, _AF)),
    "einsum_ellipsis_broadcast": lambda L: L.einsum("b...,...->b...", T(L, _X3), T(L, _Y3)),
    "einsum_spaces": lambda L: L.einsum("i j , j k -> i k", T(L, _AF), T(L, _BF)),
    "einsum_0d": lambda L: L.einsum("...,...", T(L, np.float32(2)), T(L, _AF)),
    "einsum_implicit_order": lambda L: L.einsum("ji,kj", T(L, _BF), T(L, _AF)),
    "einsum_uppercase": lambda L: L.einsum("iJ,Jk->ik", T(L, _AF), T(L, _BF)),
    "einsum_mixed_dtype": lambda L: L.einsum("ij,jk->ik", T(L, _AF), T(L, _BF.astype(np.float64))),
    "einsum_iij": lambda L: L.einsum("iij,j->i", T(L, _V4), T(L, _V4[0, 0])),
    "tensordot_size_error": lambda L: L.tensordot(T(L, _AF), T(L, _BF), 2),
    "tensordot_dims_over_ndim": lambda L: L.tensordot(T(L, _AF), T(L, _BF), 3),
    "tensordot_dims_lists_mismatch": lambda L: L.tensordot(T(L, _AF), T(L, _BF), dims=([1, 0], [0])),
    "einsum_sum_int32": lambda L: L.einsum("ij->", T(L, _A.astype(np.int32))),
    "einsum_trace_int32": lambda L: L.einsum("ii", T(L, _V3.astype(np.int32))),
    "einsum_diag_int32": lambda L: L.einsum("ii->i", T(L, _V3.astype(np.int32))),
    "einsum_transpose_int8": lambda L: L.einsum("ij->ji", T(L, _A.astype(np.int8))),
    "einsum_sum_bool": lambda L: L.einsum("ij->j", T(L, _A > 0)),
    "einsum_repeated_output_error": lambda L: L.einsum("ij->ii", T(L, _AF)),
    "einsum_operand_count_error": lambda L: L.einsum("ij,jk->ik", T(L, _AF)),
    "einsum_rank_error": lambda L: L.einsum("ijk->i", T(L, _AF)),
    "einsum_unknown_output_error": lambda L: L.einsum("ij->k", T(L, _AF)),
    "einsum_ellipsis_middle": lambda L: L.einsum("i...k->ki...", T(L, _X3)),
    "einsum_three_operands": lambda L: L.einsum("ij,jk,k->i", T(L, _AF), T(L, _BF), T(L, _BF[0])),
    "einsum_0d_operands": lambda L: L.einsum(",->", T(L, np.float32(3)), T(L, np.float32(2))),
    "mm_int8_wraps": lambda L: L.mm(T(L, np.full((2, 3), 100, np.int8)), T(L, np.full((3, 2), 100, np.int8))),
    "matmul_f16_large": lambda L: T(L, (_AF * 100).astype(np.float16)) @ T(L, (_BF * 100).astype(np.float16)),
    "matmul_out": lambda L: L.matmul(T(L, _AF), T(L, _BF), out=L.empty(2, 4)),
    "matmul_empty_vectors": lambda L: T(L, np.zeros(0, np.float32)) @ T(L, np.zeros(0, np.float32)),
    "outer_int_float": lambda L: L.outer(T(L, np.arange(3)), T(L, _AF[0])),
    "outer_2d_error": lambda L: L.outer(T(L, _AF), T(L, _AF[0])),
    "addmm_beta0_ignores_nan": lambda L: L.addmm(T(L, np.full((2, 4), NAN, np.float32)), T(L, _AF), T(L, _BF), beta=0),
    "addmm_int_scalars": lambda L: L.addmm(T(L, np.ones((2, 4), np.int64)), T(L, _A), T(L, _B), beta=2, alpha=3),
    "addmv_shape_error": lambda L: L.addmv(T(L, _AF[0]), T(L, _AF), T(L, _AF[0])),
    "tensordot_negative_dims": lambda L: L.tensordot(T(L, _AF), T(L, _BF), ([-1], [0])),
    "tensordot_lists": lambda L: L.tensordot(T(L, _X3), T(L, _X3.transpose(2, 1, 0).copy()), ([1, 2], [1, 0])),
    "cross_default_dim": lambda L: L.cross(T(L, _V3), T(L, _V3.T.copy())),
    "cross_size_error": lambda L: L.cross(T(L, _rand(4, 2)), T(L, _rand(4, 2))),
    "trace_3d_error": lambda L: L.trace(T(L, _rand(2, 2, 2))), "trace_rect": lambda L: L.trace(T(L, _AF)),
    "trace_bool": lambda L: L.trace(T(L, _A > 0)),
}
for _name, _fn in _PRODUCT_MISC.items():
    case(_name, _fn)

# searchsorted / bucketize / histc / bincount / cdist
_SEQ = np.array([1, 3, 5, 7, 9], np.float32)
_VALS = np.array([[0, 3, 6], [9, 10, 5]], np.float32)
_ROWS, _RVALS = np.sort(_rand(2, 5), 1), _rand(2, 3)
for _right in [False, True]:
    for _name, _fn in {
        "searchsorted": lambda L, r: L.searchsorted(T(L, _SEQ), T(L, _VALS), right=r),
        "searchsorted_int32": lambda L, r: L.searchsorted(T(L, _SEQ), T(L, _VALS), right=r, out_int32=True),
        "searchsorted_side": lambda L, r: L.searchsorted(T(L, _SEQ), T(L, _VALS), side="right" if r else "left"),
        "searchsorted_scalar": lambda L, r: L.searchsorted(T(L, _SEQ), 5.0, right=r),
        "searchsorted_rows": lambda L, r: L.searchsorted(T(L, _ROWS), T(L, _RVALS), right=r),
        "searchsorted_int_rows": lambda L, r: L.searchsorted(T(L, np.array([[1, 3, 3], [2, 2, 8]])),
                                                             T(L, np.array([[3, 0], [2, 9]])), right=r),
        "bucketize": lambda L, r: L.bucketize(T(L, _VALS), T(L, _SEQ), right=r),
        "bucketize_scalar": lambda L, r: L.bucketize(3, T(L, _SEQ), right=r),
    }.items():
        case(f"{_name}[right={_right}]", lambda L, f=_fn, r=_right: f(L, r))
_HX = _rand(50)
for _name, _fn in {
    "searchsorted_sorter": lambda L: L.searchsorted(T(L, np.array([5, 1, 3.0])), T(L, np.array([2.0, 4.0])),
                                                    sorter=T(L, np.array([1, 2, 0]))),
    "searchsorted_mixed_dtype": lambda L: L.searchsorted(T(L, _SEQ), T(L, np.array([2, 4]))),
    "searchsorted_side_error": lambda L: L.searchsorted(T(L, _SEQ), T(L, _VALS), side="middle"),
    "searchsorted_0d": lambda L: L.searchsorted(T(L, _SEQ), T(L, np.float32(4))),
    "bucketize_0d": lambda L: L.bucketize(T(L, np.float32(4)), T(L, _SEQ)),
    "bucketize_int": lambda L: L.bucketize(T(L, np.array([1, 4, 9])), T(L, np.array([2, 4, 6]))),
    "bucketize_2d_boundaries_error": lambda L: L.bucketize(T(L, _VALS), T(L, _ROWS)),
    "histc": lambda L: L.histc(T(L, _HX), bins=7), "histc_range": lambda L: L.histc(T(L, _HX), bins=5, min=-1, max=1),
    "histc_constant": lambda L: L.histc(T(L, np.ones(4, np.float32)), bins=4),
    "histc_int_error": lambda L: L.histc(T(L, np.array([1, 2, 3])), bins=3),
    "histc_f64": lambda L: L.histc(T(L, _HX.astype(np.float64)), bins=3),
    "histc_bad_range": lambda L: L.histc(T(L, _HX), bins=3, min=2, max=1),
    "histc_empty": lambda L: L.histc(T(L, np.zeros(0, np.float32)), bins=3),
    "histc_inf": lambda L: L.histc(T(L, np.array([1.0, INF, 2.0], np.float32)), bins=3, min=0, max=3),
    "histc_2d": lambda L: L.histc(T(L, _HX.reshape(5, 10)), bins=4, min=-2, max=2),
    "bincount": lambda L: L.bincount(T(L, np.array([1, 1, 3]))),
    "bincount_weights": lambda L: L.bincount(T(L, np.array([1, 1, 3])), T(L, np.array([0.5, 1, 2], np.float32)),
                                             minlength=6),
    "bincount_int_weights": lambda L: L.bincount(T(L, np.array([1, 1, 3])), T(L, np.array([1, 2, 3]))),
    "bincount_negative_error": lambda L: L.bincount(T(L, np.array([1, -1, 3]))),
    "bincount_empty": lambda L: L.bincount(T(L, np.zeros(0, np.int64))),
    "bincount_float_error": lambda L: L.bincount(T(L, np.array([1.0, 2.0]))),
    "bincount_uint8": lambda L: L.bincount(T(L, np.array([1, 2], np.uint8))),
    "cdist": lambda L: L.cdist(T(L, _rand(3, 2)), T(L, _rand(4, 2))),
    "cdist_batch_broadcast": lambda L: L.cdist(T(L, _rand(2, 3, 2, dtype=np.float64)),
                                               T(L, _rand(1, 4, 2, dtype=np.float64))),
    "cdist_size_error": lambda L: L.cdist(T(L, _rand(3, 2)), T(L, _rand(4, 3))),
    "cdist_negative_p_error": lambda L: L.cdist(T(L, _rand(3, 2)), T(L, _rand(4, 2)), p=-1),
    "cdist_empty": lambda L: L.cdist(T(L, np.zeros((0, 2), np.float32)), T(L, _rand(4, 2))),
    "cdist_int_error": lambda L: L.cdist(T(L, _A), T(L, _A)),
    "dist_p0": lambda L: L.dist(T(L, _rand(3, 2)), T(L, _rand(2)), p=0),
    "dist_inf": lambda L: L.dist(T(L, _rand(3, 2)), T(L, _rand(2)), p=INF),
    "dist_int_error": lambda L: L.dist(T(L, _A), T(L, _A)),
    "bincount_weights_f16": lambda L: L.bincount(T(L, np.array([1, 2])), T(L, np.array([1.0, 2.0], np.float16))),
    "bincount_weights_bool": lambda L: L.bincount(T(L, np.array([1, 2])), T(L, np.array([True, False]))),
    "bincount_weights_length_error": lambda L: L.bincount(T(L, np.array([1, 2])), T(L, np.array([1.0]))),
    "isclose_mixed_dtype": lambda L: L.isclose(T(L, _F), T(L, _F.astype(np.float64))),
    "isclose_infs": lambda L: L.isclose(T(L, np.array([INF, -INF, INF, 1])), T(L, np.array([INF, INF, 1, INF]))),
    "isclose_int_atol": lambda L: L.isclose(T(L, np.array([1, 2])), T(L, np.array([2, 2])), atol=1.5),
    "isclose_negative_rtol": lambda L: L.isclose(T(L, np.array([1.0, 2.0])), T(L, np.array([2.0, 2.0])), rtol=-1),
    "allclose_broadcast": lambda L: L.allclose(T(L, _F), T(L, _F[0])),
    "equal_shapes_differ": lambda L: L.equal(T(L, _F), T(L, _F[0])),
    "equal_nan": lambda L: L.equal(T(L, np.array([NAN])), T(L, np.array([NAN]))),
    "is_nonzero_two_elements": lambda L: T(L, np.array([1, 2])).is_nonzero(),
    "sum_to_size_error": lambda L: T(L, _F).sum_to_size(2, 4),
    "histc_edges": lambda L: L.histc(T(L, np.array([0.0, 1.0, 2.0, 3.0], np.float32)), 3, min=0, max=3),
    "histc_degenerate_range": lambda L: L.histc(T(L, np.array([2.0, 2.0], np.float32)), 3, min=2, max=2),
}.items():
    case(_name, _fn)


@pytest.mark.parametrize("op", sorted(_UNARY))
def test_op_on_every_input_dtype(op):
    """One op on every entry of INPUTS (dtypes, empty, 0-d, NaN/inf, -0.0); reports all failing inputs."""
    failures = []
    for iname, arr in INPUTS.items():
        if f"{op}[{iname}]" in _TORCH_QUIRKS:
            continue
        try:
            check(lambda L: _UNARY[op](L, T(L, arr)))
        except AssertionError as e:
            failures.append(f"{op}[{iname}]: {str(e).strip().splitlines()[0] if str(e).strip() else e!r}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", sorted(FWD))
def test_forward_matches_torch(name):
    fn, kw = FWD[name]
    check(fn, **kw)


# ---- gradients (float64) ------------------------------------------------------------------------
GRAD = {}
_G = _rs.randn(3, 4)
_GTIE = np.array([[1, 3, 3, 0], [2, 2, 2, 2], [0, -1, -1, 5]], float)
_GZ = _G.copy()
_GZ[0, 1] = _GZ[1, 0] = _GZ[1, 2] = 0
_GZ[2, :3] = 0
_GINPUTS = {"rand": _G, "ties": _GTIE, "zeros": _GZ, "allzero": np.zeros((3, 4))}
_GOPS = {
    "sum": lambda L, x: x.sum((0, 1)), "mean": lambda L, x: x.mean(-1, keepdim=True), "prod": lambda L, x: x.prod(),
    "prod1": lambda L, x: x.prod(1), "max": lambda L, x: x.max(), "max1": lambda L, x: x.max(1),
    "amax1": lambda L, x: x.amax(1), "amin_all": lambda L, x: x.amin((0, 1)), "median": lambda L, x: x.median(),
    "var1": lambda L, x: x.var(1), "var": lambda L, x: x.var(), "var_c4_dof0": lambda L, x: x.var(1, correction=4),
    "var_c6_dofneg": lambda L, x: x.var(1, correction=6), "var_all_c12": lambda L, x: x.var(correction=12),
    "var_all_c13": lambda L, x: x.var(correction=13), "std0": lambda L, x: x.std(0),
    "std0_c0": lambda L, x: x.std(0, correction=0),
    "std0_c3_dof0": lambda L, x: x.std(0, correction=3), "std0_c5_dofneg": lambda L, x: x.std(0, correction=5),
    "std_all_c13": lambda L, x: x.std(correction=13),
    "var_mean": lambda L, x: L.var_mean(x, 1)[0] + L.var_mean(x, 1)[1],
    "std_mean": lambda L, x: L.std_mean(x, 1)[0] * L.std_mean(x, 1)[1],
    "norm": lambda L, x: x.norm(), "norm_dim": lambda L, x: x.norm(dim=1),
    "logsumexp": lambda L, x: L.logsumexp(x, 1), "cumsum": lambda L, x: x.cumsum(1),
    "cummax1": lambda L, x: x.cummax(1).values, "cummin0": lambda L, x: L.cummin(x, 0).values,
    "cumprod1": lambda L, x: x.cumprod(1), "cumprod0": lambda L, x: x.cumprod(0),
    "sort": lambda L, x: x.sort(1).values, "trace": lambda L, x: L.trace(x),
    "svdvals": lambda L, x: L.linalg.svdvals(x),
    "linalg_norm": lambda L, x: L.linalg.norm(x), "linalg_norm_2_dim": lambda L, x: L.linalg.norm(x, 2, dim=1),
}
for _p in [1, 3, 0.5, INF, -INF, 0, 1.5]:
    _GOPS[f"vector_norm_{_p}"] = lambda L, x, p=_p: L.linalg.vector_norm(x, p, dim=1)
for _o in ["fro", "nuc", 1, -1, 2, -2, INF, -INF]:
    _GOPS[f"matrix_norm_{_o}"] = lambda L, x, o=_o: L.linalg.matrix_norm(x, o)
for _iname, _arr in _GINPUTS.items():
    for _oname, _op in _GOPS.items():
        if _oname in ("svdvals", "matrix_norm_2", "matrix_norm_-2", "matrix_norm_nuc") and _iname != "rand":
            continue          # singular values with repeated/zero values have no unique gradient
        GRAD[f"{_oname}[{_iname}]"] = ([_arr], _op)
for _name, (_arrs, _fn) in {
    "topk": ([_G], lambda L, x: x.topk(2).values), "kthvalue": ([_G], lambda L, x: x.kthvalue(2, 1).values),
    "median_dim": ([_G], lambda L, x: x.median(1).values),
    "logsumexp_ninf_row": ([np.array([[-INF, -INF], [1.0, -INF]])], lambda L, x: L.logsumexp(x, 1)),
    "logsumexp_ninf_all": ([np.full((2, 2), -INF)], lambda L, x: L.logsumexp(x, (0, 1))),
    "logsumexp_inf": ([np.array([[INF, 1.0], [1.0, 2.0]])], lambda L, x: L.logsumexp(x, 1)),
    "norm_at_zero": ([np.zeros(3)], lambda L, x: x.norm()),
    "vector_norm3_at_zero": ([np.zeros(3)], lambda L, x: L.linalg.vector_norm(x, 3)),
    "vector_norm_half_with_zero": ([np.array([0.0, 1.0, 2.0])], lambda L, x: L.linalg.vector_norm(x, 0.5)),
    "std_constant": ([np.ones((2, 3))], lambda L, x: x.std(1)),
    "var_0d": ([np.array(2.0)], lambda L, x: x.var()), "std_0d": ([np.array(2.0)], lambda L, x: x.std(correction=0)),
    "var_single": ([np.array([2.0])], lambda L, x: x.var()),
    "matmul_vec_vec": ([_rs.randn(3), _rs.randn(3)], lambda L, a, b: L.matmul(a, b)),
    "matmul_vec_batch": ([_rs.randn(3), _rs.randn(2, 3, 4)], lambda L, a, b: L.matmul(a, b)),
    "matmul_batch_vec": ([_rs.randn(2, 5, 3), _rs.randn(3)], lambda L, a, b: L.matmul(a, b)),
    "matmul_broadcast": ([_rs.randn(2, 1, 5, 3), _rs.randn(4, 3, 2)], lambda L, a, b: L.matmul(a, b)),
    "matmul_vec_mat": ([_rs.randn(3), _rs.randn(3, 4)], lambda L, a, b: L.matmul(a, b)),
    "matmul_batch1": ([_rs.randn(2, 5, 3), _rs.randn(1, 3, 2)], lambda L, a, b: L.matmul(a, b)),
    "bmm": ([_rs.randn(2, 5, 3), _rs.randn(2, 3, 2)], lambda L, a, b: L.bmm(a, b)),
    "dot": ([_rs.randn(3), _rs.randn(3)], lambda L, a, b: L.dot(a, b)),
    "vdot": ([_rs.randn(3), _rs.randn(3)], lambda L, a, b: L.vdot(a, b)),
    "outer": ([_rs.randn(3), _rs.randn(4)], lambda L, a, b: L.outer(a, b)),
    "einsum_trace": ([_rs.randn(3, 3)], lambda L, a: L.einsum("ii->", a)),
    "einsum_diag": ([_rs.randn(3, 3)], lambda L, a: L.einsum("ii->i", a)),
    "einsum_iii": ([_rs.randn(2, 2, 2)], lambda L, a: L.einsum("iii->i", a)),
    "einsum_iij": ([_rs.randn(3, 3, 2), _rs.randn(2)], lambda L, a, b: L.einsum("iij,j->i", a, b)),
    "einsum_ellipsis": ([_rs.randn(2, 3, 4), _rs.randn(2, 4, 5)], lambda L, a, b: L.einsum("...ij,...jk->...ik", a, b)),
    "einsum_ellipsis_vec": ([_rs.randn(2, 3, 4), _rs.randn(4)], lambda L, a, b: L.einsum("...j,j", a, b)),
    "einsum_broadcast": ([_rs.randn(2, 1, 4), _rs.randn(3, 4)], lambda L, a, b: L.einsum("...j,...j->...", a, b)),
    "einsum_outer": ([_rs.randn(3), _rs.randn(2)], lambda L, a, b: L.einsum("i,j", a, b)),
    "einsum_list": ([_rs.randn(3, 2), _rs.randn(2, 4)], lambda L, a, b: L.einsum("ij,jk->ki", [a, b])),
    "tensordot": ([_rs.randn(2, 3, 4), _rs.randn(3, 4, 5)], lambda L, a, b: L.tensordot(a, b)),
    "tensordot_lists": ([_rs.randn(2, 3, 4), _rs.randn(4, 3, 5)], lambda L, a, b: L.tensordot(a, b, ([1, 2], [1, 0]))),
    "tensordot0": ([_rs.randn(2, 3), _rs.randn(4)], lambda L, a, b: L.tensordot(a, b, 0)),
    "cross": ([_rs.randn(4, 3), _rs.randn(4, 3)], lambda L, a, b: L.cross(a, b, dim=1)),
    "linalg_cross_broadcast": ([_rs.randn(4, 3), _rs.randn(1, 3)], lambda L, a, b: L.linalg.cross(a, b)),
    "cdist": ([_rs.randn(4, 3), _rs.randn(5, 3)], lambda L, a, b: L.cdist(a, b)),
    "inv": ([_rs.randn(2, 3, 3)], lambda L, a: L.linalg.inv(a)),
    "det": ([_rs.randn(3, 3)], lambda L, a: L.linalg.det(a)),
    "det_batch": ([_rs.randn(2, 3, 3)], lambda L, a: a.det()),
    "slogdet": ([_rs.randn(2, 3, 3)], lambda L, a: L.linalg.slogdet(a).logabsdet),
    "logdet": ([_rs.randn(3, 3) + 4 * np.eye(3)], lambda L, a: L.logdet(a)),
    "solve": ([_rs.randn(3, 3), _rs.randn(3, 2)], lambda L, a, b: L.linalg.solve(a, b)),
    "solve_vector_batch": ([_rs.randn(2, 3, 3), _rs.randn(2, 3)], lambda L, a, b: L.linalg.solve(a, b)),
    "solve_broadcast": ([_rs.randn(2, 3, 3), _rs.randn(3, 2)], lambda L, a, b: L.linalg.solve(a, b)),
    "solve_right": ([_rs.randn(3, 3), _rs.randn(2, 3)], lambda L, a, b: L.linalg.solve(a, b, left=False)),
    "inner": ([_rs.randn(2, 3), _rs.randn(4, 3)], lambda L, a, b: L.inner(a, b)),
    "inner_0d": ([_rs.randn(2, 3), np.array(1.5)], lambda L, a, b: L.inner(a, b)),
    "mv": ([_rs.randn(2, 3), _rs.randn(3)], lambda L, a, b: L.mv(a, b)),
    "diff": ([_rs.randn(3, 5)], lambda L, a: L.diff(a, 2, dim=1)),
    "diff_prepend_append": ([_rs.randn(3, 5), _rs.randn(3, 1), _rs.randn(3, 2)],
                            lambda L, a, b, c: L.diff(a, prepend=b, append=c)),
    "nansum": ([np.array([[1.0, NAN, 3.0], [NAN, NAN, NAN]])], lambda L, a: L.nansum(a, 1)),
    "nanmean": ([np.array([[1.0, NAN, 3.0], [NAN, 2.0, NAN]])], lambda L, a: L.nanmean(a, 1)),
    "cdist_p1_batch": ([_rs.randn(2, 4, 3), _rs.randn(2, 5, 3)], lambda L, a, b: L.cdist(a, b, p=1)),
    "cdist_inf": ([_rs.randn(4, 3), _rs.randn(5, 3)], lambda L, a, b: L.cdist(a, b, p=INF)),
    "cdist_same_points": ([np.ones((2, 3)), np.ones((2, 3))], lambda L, a, b: L.cdist(a, b)),
    "dist3": ([_rs.randn(4, 3), _rs.randn(4, 3)], lambda L, a, b: L.dist(a, b, 3)),
    "dist_at_zero": ([np.ones(3), np.ones(3)], lambda L, a, b: L.dist(a, b)),
    "addmm": ([_rs.randn(2, 4), _rs.randn(2, 3), _rs.randn(3, 4)],
              lambda L, a, b, c: L.addmm(a, b, c, beta=0.5, alpha=2)),
    "addmv": ([_rs.randn(2), _rs.randn(2, 3), _rs.randn(3)], lambda L, a, b, c: L.addmv(a, b, c, beta=0.5, alpha=2)),
    "baddbmm": ([_rs.randn(2, 2, 4), _rs.randn(2, 2, 3), _rs.randn(2, 3, 4)],
                lambda L, a, b, c: L.baddbmm(a, b, c, beta=0.5, alpha=2)),
}.items():
    GRAD[_name] = (_arrs, _fn)


@pytest.mark.parametrize("name", sorted(GRAD))
def test_gradient_matches_torch(name):
    arrays, fn = GRAD[name]
    check_grad(arrays, fn)


# ---- ops added with these tests: gradcheck + gradgradcheck (float64) on every device ---------------
from zoo_core.testing import OpCase, op_tests  # noqa: E402

_WELL = np.array([[2.0, 0.5, 0.1], [0.3, 1.5, -0.2], [0.1, 0.4, 1.8]])   # well conditioned
NEW_OPS = [
    OpCase("cummax", lambda lib, x: lib.cummax(x, 1).values, [(3, 6)]),
    OpCase("cummin_dim0", lambda lib, x: x.cummin(0).values, [(5, 2)]),
    OpCase("diff", lambda lib, x: lib.diff(x, 2, dim=0), [(5, 3)]),
    OpCase("diff_append", lambda lib, x, y: lib.diff(x, append=y), [(2, 4), (2, 1)]),
    OpCase("inner", lambda lib, x, y: lib.inner(x, y), [(2, 3), (4, 3)]),
    OpCase("mv", lambda lib, x, y: lib.mv(x, y), [(2, 3), (3,)]),
    OpCase("nansum", lambda lib, x: lib.nansum(x, 1), arrays=[np.array([[1.0, NAN, 2.0], [0.5, -1.0, NAN]])],
           torch=False),
    OpCase("nanmean", lambda lib, x: lib.nanmean(x, 1), arrays=[np.array([[1.0, NAN, 2.0], [0.5, -1.0, NAN]])],
           torch=False),
    OpCase("inv", lambda lib, x: lib.linalg.inv(x), arrays=[_WELL]),
    OpCase("det", lambda lib, x: lib.linalg.det(x), arrays=[np.stack([_WELL, _WELL.T * 0.5])]),
    OpCase("slogdet", lambda lib, x: lib.linalg.slogdet(x).logabsdet, arrays=[_WELL]),
    OpCase("logdet", lambda lib, x: lib.logdet(x), arrays=[_WELL]),
    OpCase("solve", lambda lib, a, b: lib.linalg.solve(a, b), arrays=[_WELL, np.arange(6.0).reshape(3, 2)]),
    OpCase("solve_vector_left_false", lambda lib, a, b: lib.linalg.solve(a, b, left=False),
           arrays=[_WELL, np.array([[1.0, -2.0, 0.5]])]),
]
test_new_forward, test_new_gradients, test_new_matches_torch = op_tests(NEW_OPS)


def test_cross_bool_raises_like_torch():
    check(lambda L: L.cross(T(L, np.array([[True, False, True]])), T(L, np.array([[True, True, False]])), dim=1))
