"""nn.RNN / LSTM / GRU and their cells: torch parity (state dicts loaded from torch, outputs and every
gradient compared), packed sequences, gradcheck, argument errors."""
import math
import warnings

import numpy as np
import pytest
import torch

import zoo_core
from zoo_core import nn
from zoo_core.autograd import gradcheck, gradgradcheck
from zoo_core.nn._functional.rnn import rnn_layers
from zoo_core.nn.utils import rnn as zrnn

pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")
IN, H = 3, 4
MODES = {
    "rnn_tanh": ("RNN", {}),
    "rnn_relu": ("RNN", {"nonlinearity": "relu"}),
    "lstm": ("LSTM", {}),
    "lstm_proj": ("LSTM", {"proj_size": 2}),
    "gru": ("GRU", {}),
}


def _np(t):
    return np.asarray(t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else t.detach().cpu())


def _pair(mode, dtype="float64", device="cpu", **kwargs):
    """A torch module and a Zoo module loaded with the same (torch-initialised) weights."""
    cls, extra = MODES[mode]
    kwargs = {**extra, **kwargs}
    tm = getattr(torch.nn, cls)(IN, H, **kwargs).to(getattr(torch, dtype))
    zm = getattr(nn, cls)(IN, H, **kwargs).to(getattr(zoo_core, dtype))
    state = {k: zoo_core.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()}
    assert list(state) == list(zm.state_dict())
    zm.load_state_dict(state)
    return zm.to(device), tm


def _run(lib, m, x_np, hx_np, lengths, batch_first, packed, weights, device="cpu"):
    """Forward + a weighted-sum backward; returns outputs, hidden states and all gradients as arrays."""
    rnn_utils = zrnn if lib is zoo_core else torch.nn.utils.rnn
    kw = {"device": device} if lib is zoo_core else {}
    x = lib.tensor(x_np, requires_grad=True, **kw)
    hx = [lib.tensor(a, requires_grad=True, **kw) for a in hx_np]
    inp = rnn_utils.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=False) if packed else x
    h_arg = None if not hx else (tuple(hx) if len(hx) == 2 else hx[0])
    out, hidden = m(inp, h_arg)
    if packed:
        out, out_lengths = rnn_utils.pad_packed_sequence(out, batch_first=batch_first)
        assert out_lengths.tolist() == list(lengths)
    hidden = list(hidden) if isinstance(hidden, tuple) else [hidden]
    results = [out] + hidden
    if weights is None:
        rng = np.random.default_rng(1)
        weights = [rng.standard_normal(tuple(r.shape)) for r in results]
    loss = sum((r * lib.tensor(w, dtype=r.dtype, **kw)).sum() for r, w in zip(results, weights))
    loss.backward()
    grads = {"x": x.grad, **{f"hx{i}": t.grad for i, t in enumerate(hx)}}
    grads.update({k: p.grad for k, p in m.named_parameters()})
    return [_np(r) for r in results], {k: _np(g) for k, g in grads.items()}, weights


def _compare(zm, tm, x_np, hx_np, lengths=None, batch_first=False, packed=False, tol=1e-9, device="cpu"):
    z_res, z_grads, weights = _run(zoo_core, zm, x_np, hx_np, lengths, batch_first, packed, None, device)
    t_res, t_grads, _ = _run(torch, tm, x_np, hx_np, lengths, batch_first, packed, weights)
    assert len(z_res) == len(t_res)
    for a, b in zip(z_res, t_res):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    assert z_grads.keys() == t_grads.keys()
    for k in t_grads:
        np.testing.assert_allclose(z_grads[k], t_grads[k], rtol=tol, atol=tol, err_msg=k)


def _inputs(mode, T, N, num_layers, bidirectional, batch_first, with_hx=True, seed=0):
    rng = np.random.default_rng(seed)
    D = 2 if bidirectional else 1
    x = rng.standard_normal((N, T, IN) if batch_first else (T, N, IN))
    if not with_hx:
        return x, []
    hout = 2 if mode == "lstm_proj" else H
    hx = [rng.standard_normal((num_layers * D, N, hout))]
    if mode.startswith("lstm"):
        hx.append(rng.standard_normal((num_layers * D, N, H)))
    return x, hx


# ---- torch parity: every combination of layers, direction, layout and packing -------------------
@pytest.mark.parametrize("packed", [False, True], ids=["padded", "packed"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["tm", "bf"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("mode", list(MODES))
def test_torch_parity(mode, num_layers, bidirectional, batch_first, packed, device):
    zm, tm = _pair(mode, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, device=device)
    x, hx = _inputs(mode, 4, 3, num_layers, bidirectional, batch_first)
    _compare(zm, tm, x, hx, lengths=[2, 4, 1] if packed else None, batch_first=batch_first, packed=packed,
             device=device)


@pytest.mark.parametrize("mode", list(MODES))
def test_torch_parity_float32(mode):
    zm, tm = _pair(mode, dtype="float32", num_layers=2, bidirectional=True)
    x, hx = _inputs(mode, 5, 2, 2, True, False)
    _compare(zm, tm, x.astype(np.float32), [h.astype(np.float32) for h in hx], tol=2e-5)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("mode", list(MODES))
def test_default_hidden_and_unbatched(mode, batch_first):
    zm, tm = _pair(mode, num_layers=2, bidirectional=True, batch_first=batch_first)
    x, _ = _inputs(mode, 4, 2, 2, True, batch_first, with_hx=False)
    _compare(zm, tm, x, [], batch_first=batch_first)          # hx omitted: zeros
    x, hx = _inputs(mode, 4, 1, 2, True, False)
    _compare(zm, tm, x[:, 0], [h[:, 0] for h in hx])         # unbatched (L, H_in) with 2-D hx
    _compare(zm, tm, x[:, 0], [])


@pytest.mark.parametrize("mode", list(MODES))
def test_packed_output_fields_match_torch(mode):
    """The PackedSequence itself (data, batch_sizes, indices) and h_n, for sorted and unsorted batches."""
    zm, tm = _pair(mode, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(3)
    seqs = [rng.standard_normal((n, IN)) for n in (3, 5, 1, 5)]
    for enforce_sorted, order in ((False, [0, 1, 2, 3]), (True, [1, 3, 0, 2])):
        z_out, z_h = zm(zrnn.pack_sequence([zoo_core.tensor(seqs[i]) for i in order], enforce_sorted))
        t_out, t_h = tm(torch.nn.utils.rnn.pack_sequence([torch.tensor(seqs[i]) for i in order], enforce_sorted))
        np.testing.assert_allclose(_np(z_out.data), _np(t_out.data), rtol=1e-9, atol=1e-9)
        assert z_out.batch_sizes.tolist() == t_out.batch_sizes.tolist()
        assert str(z_out.batch_sizes.dtype) == "zoo_core.int64" and z_out.batch_sizes.device.type == "cpu"
        for a, b in (("sorted_indices", "sorted_indices"), ("unsorted_indices", "unsorted_indices")):
            za, ta = getattr(z_out, a), getattr(t_out, b)
            assert (za is None) == (ta is None) and (za is None or za.tolist() == ta.tolist())
        z_h = z_h if isinstance(z_h, tuple) else (z_h,)
        t_h = t_h if isinstance(t_h, tuple) else (t_h,)
        for a, b in zip(z_h, t_h):
            np.testing.assert_allclose(_np(a), _np(b), rtol=1e-9, atol=1e-9)


def test_state_dict_loads_into_torch():
    zm = nn.LSTM(IN, H, num_layers=2, bidirectional=True, proj_size=3).double()
    tm = torch.nn.LSTM(IN, H, num_layers=2, bidirectional=True, proj_size=3).double()
    tm.load_state_dict({k: torch.from_numpy(_np(v).copy()) for k, v in zm.state_dict().items()})
    x, _ = _inputs("lstm", 3, 2, 2, True, False, with_hx=False)
    np.testing.assert_allclose(_np(zm(zoo_core.tensor(x))[0]), _np(tm(torch.tensor(x))[0]), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("mode", list(MODES))
def test_parameter_names_shapes_and_init(mode):
    zm, tm = _pair(mode, num_layers=2, bidirectional=True, dtype="float32")
    fresh = getattr(nn, MODES[mode][0])(IN, H, num_layers=2, bidirectional=True, **MODES[mode][1])
    assert [(k, tuple(v.shape)) for k, v in fresh.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
    bound = 1 / math.sqrt(H)
    for p in fresh.parameters():
        assert float(p.abs().max()) <= bound and p.dtype == zoo_core.float32
    assert fresh._flat_weights_names == tm._flat_weights_names
    assert [[tuple(w.shape) for w in ws] for ws in fresh.all_weights] == \
        [[tuple(w.shape) for w in ws] for ws in tm.all_weights]
    fresh.flatten_parameters()


def test_no_bias():
    for mode in MODES:
        zm, tm = _pair(mode, num_layers=2, bias=False, bidirectional=True)
        assert not any("bias" in k for k in zm.state_dict())
        x, hx = _inputs(mode, 3, 2, 2, True, False)
        _compare(zm, tm, x, hx)


@pytest.mark.parametrize("kwargs, text", [
    ({}, "LSTM(3, 4)"),
    ({"num_layers": 2, "dropout": 0.5, "bidirectional": True}, None),
    ({"proj_size": 2, "bias": False, "batch_first": True}, None),
])
def test_repr_matches_torch(kwargs, text):
    for cls in ("RNN", "LSTM", "GRU"):
        if cls != "LSTM" and "proj_size" in kwargs:
            continue
        assert repr(getattr(nn, cls)(IN, H, **kwargs)) == repr(getattr(torch.nn, cls)(IN, H, **kwargs))
    if text:
        assert repr(nn.LSTM(IN, H, **kwargs)) == text
    assert repr(nn.RNNCell(IN, H, bias=False, nonlinearity="relu")) == "RNNCell(3, 4, bias=False, nonlinearity=relu)"
    assert repr(nn.GRUCell(IN, H)) == repr(torch.nn.GRUCell(IN, H))
    assert repr(nn.LSTMCell(IN, H, bias=False)) == repr(torch.nn.LSTMCell(IN, H, bias=False))


# ---- dropout between layers ------------------------------------------------------------------------
def test_dropout_one_zeroes_the_next_layers_input_like_torch():
    """With p=1 the second layer sees zeros: deterministic, so comparable with torch in training mode."""
    for mode in ("lstm", "gru", "rnn_tanh"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            zm, tm = _pair(mode, num_layers=2, dropout=1.0, bidirectional=True)
        x, hx = _inputs(mode, 3, 2, 2, True, False)
        _compare(zm, tm, x, hx)
        zm.eval(), tm.eval()
        _compare(zm, tm, x, hx)


def test_dropout_training_only_and_seeded():
    m = nn.GRU(IN, H, num_layers=3, dropout=0.5).double()
    x = zoo_core.randn(4, 2, IN, dtype=zoo_core.float64)
    zoo_core.manual_seed(5)
    a = m(x)[0]
    zoo_core.manual_seed(5)
    b = m(x)[0]
    c = m(x)[0]
    np.testing.assert_array_equal(_np(a), _np(b))
    assert not np.allclose(_np(a), _np(c))
    m.eval()
    np.testing.assert_array_equal(_np(m(x)[0]), _np(m(x)[0]))
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(IN, H, dropout=0.2)


# ---- double backward (the cells' create_graph path) ------------------------------------------------
@pytest.mark.parametrize("mode", list(MODES))
def test_double_backward_matches_torch(mode):
    zm, tm = _pair(mode, num_layers=1, bidirectional=True)
    x_np, hx_np = _inputs(mode, 3, 2, 1, True, False)
    results = {}
    for lib, m in ((zoo_core, zm), (torch, tm)):
        x = lib.tensor(x_np, requires_grad=True)
        hx = [lib.tensor(a, requires_grad=True) for a in hx_np]
        out, _ = m(x, tuple(hx) if len(hx) == 2 else hx[0])
        (gx,) = (zoo_core if lib is zoo_core else torch).autograd.grad(out.tanh().sum(), x, create_graph=True)
        (gx * gx).sum().backward()
        results[lib.__name__] = [_np(gx), _np(x.grad)] + [_np(p.grad) for p in m.parameters()]
    for a, b in zip(results["zoo_core"], results["torch"]):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


# ---- cells ---------------------------------------------------------------------------------------
CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}), ("GRUCell", {}),
         ("GRUCell", {"bias": False})]


def _cell_pair(name, kwargs):
    tm = getattr(torch.nn, name)(IN, H, **kwargs).double()
    zm = getattr(nn, name)(IN, H, **kwargs).double()
    zm.load_state_dict({k: zoo_core.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    return zm, tm


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_hx", [True, False])
@pytest.mark.parametrize("name, kwargs", CELLS)
def test_cell_torch_parity(name, kwargs, with_hx, batched):
    zm, tm = _cell_pair(name, kwargs)
    rng = np.random.default_rng(0)
    lead = (2,) if batched else ()
    x_np = rng.standard_normal(lead + (IN,))
    n_states = 2 if name == "LSTMCell" else 1
    hx_np = [rng.standard_normal(lead + (H,)) for _ in range(n_states)] if with_hx else []
    res = {}
    for lib, m in ((zoo_core, zm), (torch, tm)):
        x = lib.tensor(x_np, requires_grad=True)
        hx = [lib.tensor(a, requires_grad=True) for a in hx_np]
        out = m(x, (tuple(hx) if n_states == 2 else hx[0]) if hx else None)
        outs = list(out) if isinstance(out, tuple) else [out]
        sum(((o * (k + 1.5)).sin()).sum() for k, o in enumerate(outs)).backward()
        res[lib.__name__] = [_np(o) for o in outs] + [_np(x.grad)] + [_np(h.grad) for h in hx] + \
            [_np(p.grad) for p in m.parameters()]
    assert len(res["zoo_core"]) == len(res["torch"])
    for a, b in zip(res["zoo_core"], res["torch"]):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name, kwargs", CELLS)
def test_cell_gradcheck_and_gradgradcheck(name, kwargs):
    m = getattr(nn, name)(2, 3, **kwargs).double()
    x = zoo_core.randn(2, 2, dtype=zoo_core.float64, requires_grad=True)
    h = zoo_core.randn(2, 3, dtype=zoo_core.float64, requires_grad=True)
    c = zoo_core.randn(2, 3, dtype=zoo_core.float64, requires_grad=True)

    def fn(x, h, c, w_hh):         # w_hh is the module's own parameter: gradcheck perturbs it in place
        return m(x, (h, c)) if name == "LSTMCell" else m(x, h)
    inputs = (x, h, c, m.weight_hh)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_cell_errors():
    cell = nn.LSTMCell(4, 5)
    with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 3 expected 4"):
        cell(zoo_core.randn(3, 3))
    with pytest.raises(RuntimeError, match="Input batch size 3 doesn't match hidden0 batch size 2"):
        cell(zoo_core.randn(3, 4), (zoo_core.randn(2, 5), zoo_core.randn(2, 5)))
    with pytest.raises(RuntimeError, match="hidden1 has inconsistent hidden_size: got 6, expected 5"):
        cell(zoo_core.randn(3, 4), (zoo_core.randn(3, 5), zoo_core.randn(3, 6)))
    with pytest.raises(ValueError, match=r"LSTMCell: Expected input to be 1D or 2D, got 3D instead"):
        cell(zoo_core.randn(1, 3, 4))
    with pytest.raises(ValueError, match=r"GRUCell: Expected hidden to be 1D or 2D, got 3D instead"):
        nn.GRUCell(4, 5)(zoo_core.randn(3, 4), zoo_core.randn(1, 3, 5))
    with pytest.raises(RuntimeError, match="Unknown nonlinearity: gelu"):
        nn.RNNCell(4, 5, nonlinearity="gelu")(zoo_core.randn(3, 4))


# ---- gradcheck of whole recurrences -------------------------------------------------------------
def _functional_inputs(mode, T, N, in_size, hid, num_layers, D, seed=0):
    gen = np.random.default_rng(seed)

    def t(*shape):
        return zoo_core.tensor(gen.standard_normal(shape) * 0.5, requires_grad=True)
    g = {"LSTM": 4, "GRU": 3}.get(mode, 1) * hid
    weights = []
    for layer in range(num_layers):
        for _ in range(D):
            n_in = in_size if layer == 0 else hid * D
            weights.append((t(g, n_in), t(g, hid), t(g), t(g), None))
    x = t(T, N, in_size)
    hx = [t(num_layers * D, N, hid)] + ([t(num_layers * D, N, hid)] if mode == "LSTM" else [])
    return x, hx, weights


@pytest.mark.parametrize("packed", [False, True], ids=["padded", "packed"])
def test_gradcheck_two_layer_bidirectional_lstm(packed):
    x, hx, weights = _functional_inputs("LSTM", 3, 2, 2, 2, 2, 2)
    chosen = [weights[0][0], weights[1][1], weights[2][2], weights[3][3], weights[3][0]]   # a few parameters
    batch_sizes = [2, 2, 1] if packed else None

    def fn(x, h0, c0, *ws):
        data = x.reshape(6, 2)[:5] if packed else x          # the packed layout: 2 + 2 + 1 rows
        out, h_n, c_n = rnn_layers("LSTM", data, (h0, c0), weights, 2, True, 0.0, False, 0, batch_sizes)
        return out, h_n, c_n
    assert gradcheck(fn, (x, hx[0], hx[1], *chosen))


@pytest.mark.parametrize("mode", ["GRU", "RNN_TANH"])
def test_gradcheck_gru_and_rnn(mode):
    x, hx, weights = _functional_inputs(mode, 3, 2, 2, 2, 2, 2)
    chosen = [weights[0][1], weights[2][3], weights[3][2]]

    def fn(x, h0, *ws):
        return rnn_layers(mode, x, h0, weights, 2, True, 0.0, False)[:2]
    assert gradcheck(fn, (x, hx[0], *chosen))


# ---- argument errors -------------------------------------------------------------------------------
def test_forward_errors():
    lstm = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(ValueError, match="LSTM: Expected input to be 2D or 3D, got 4D instead"):
        lstm(zoo_core.randn(1, 2, 3, 3))
    with pytest.raises(ValueError, match="RNN: Expected input to be 2D or 3D, got 1D tensor instead"):
        nn.RNN(3, 4)(zoo_core.randn(3))
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 3, got 5"):
        lstm(zoo_core.randn(2, 2, 5))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(2, 2, 4\), got \[1, 2, 4\]"):
        lstm(zoo_core.randn(2, 2, 3), (zoo_core.randn(1, 2, 4), zoo_core.randn(2, 2, 4)))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size \(2, 2, 4\), got \[2, 2, 5\]"):
        lstm(zoo_core.randn(2, 2, 3), (zoo_core.randn(2, 2, 4), zoo_core.randn(2, 2, 5)))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 2, 4\), got \[1, 3, 4\]"):
        nn.GRU(3, 4)(zoo_core.randn(2, 2, 3), zoo_core.randn(1, 3, 4))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx should also be 3-D but got 2-D tensor"):
        nn.GRU(3, 4)(zoo_core.randn(2, 2, 3), zoo_core.randn(2, 4))
    with pytest.raises(RuntimeError, match=r"For unbatched 2-D input, hx and cx should also be 2-D but got "
                                           r"\(3-D, 3-D\) tensors"):
        lstm(zoo_core.randn(2, 3), (zoo_core.randn(2, 1, 4), zoo_core.randn(2, 1, 4)))
    with pytest.raises(ValueError, match=r"RNN input dtype \(zoo_core.float64\) does not match weight dtype"):
        lstm(zoo_core.randn(2, 2, 3, dtype=zoo_core.float64))


def test_constructor_errors():
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.LSTM(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.GRU(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'gelu'"):
        nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(TypeError, match="input_size should be of type int, got: float"):
        nn.GRU(3.0, 4)
    with pytest.raises(ValueError, match="num_layers must be greater than zero"):
        nn.RNN(3, 4, num_layers=0)
    assert nn.RNN(3, 4, 2, "relu").mode == "RNN_RELU"      # nonlinearity as 4th positional, like torch


def test_empty_sequence_and_empty_batch():
    with pytest.raises(RuntimeError, match="Expected sequence length to be larger than 0 in RNN"):
        nn.GRU(3, 4)(zoo_core.randn(0, 2, 3))
    out, (h, c) = nn.LSTM(3, 4, bidirectional=True)(zoo_core.randn(2, 0, 3))
    assert out.shape == (2, 0, 8) and h.shape == (2, 0, 4) and c.shape == (2, 0, 4)


def test_utils_namespace():
    assert nn.utils.rnn.PackedSequence is zrnn.PackedSequence
    for name in ("clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters",
                 "get_total_norm", "clip_grads_with_norm_"):
        assert callable(getattr(nn.utils, name))


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_gradgradcheck_packed_bidirectional(mode):
    """Double backward through the recurrence op (its create_graph path), packed, both directions."""
    x, hx, weights = _functional_inputs(mode, 3, 2, 2, 2, 1, 2, seed=1)
    data = x.detach().reshape(6, 2)[:5].clone().requires_grad_()     # batch_sizes 2, 2, 1
    hx = tuple(h.detach()[:, :2].clone().requires_grad_() for h in hx)

    def fn(data, w, *hx):
        out, h_n, c_n = rnn_layers(mode, data, hx if mode == "LSTM" else hx[0], weights, 1, True, 0.0, False, 0,
                                   [2, 2, 1])
        return (out, h_n) if c_n is None else (out, h_n, c_n)
    inputs = (data, weights[1][1], *hx)
    assert gradgradcheck(fn, inputs)
    # the create_graph path's first-order values equal the fast path's
    outs = fn(*inputs)
    loss = sum((o * o.detach().sin()).sum() for o in outs)
    fast = zoo_core.autograd.grad(loss, inputs, retain_graph=True)
    recorded = zoo_core.autograd.grad(loss, inputs, create_graph=True)
    for a, b in zip(fast, recorded):
        assert b.requires_grad
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-12, atol=1e-12)


def test_inplace_weight_change_before_backward_is_caught():
    m = nn.LSTM(3, 4)
    out, _ = m(zoo_core.randn(2, 1, 3))
    with zoo_core.no_grad():
        m.weight_hh_l0.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_no_grad_records_nothing():
    m = nn.GRU(3, 4, num_layers=2, bidirectional=True)
    with zoo_core.no_grad():
        out, h = m(zoo_core.randn(3, 2, 3))
    assert out.grad_fn is None and h.grad_fn is None
    out, h = m(zoo_core.randn(3, 2, 3))
    assert out.grad_fn is not None and out.requires_grad
