"""The recurrences behind ``nn.RNN``, ``nn.LSTM``, ``nn.GRU`` and their cells (not part of ``F``).

A layer runs in two steps per direction: the input projection ``x W_ih^T + b`` for all time steps at
once (one ``linear``), then the scan over time, recorded as ONE op whose backward is a hand-written
backpropagation through time. The scan and its backward are written once, over an ``ops`` object that
is either ``_ArrayOps`` (raw numpy/CuPy arrays: the fast path, nothing recorded per step) or
``_TensorOps`` (differentiable Tensor ops). Under ``create_graph`` the backward recomputes the scan with
``_TensorOps`` from the op's inputs and differentiates it with the same code, so double backward works.
The single-step cells use the same cell math.

Gate layouts follow PyTorch: LSTM ``i, f, g, o``; GRU ``r, z, n`` with ``b_hn`` inside ``r * (...)``.
"""
from ... import _backend
from ...autograd import grad_mode
from ...autograd.graph import record
from ...ops.join import cat, stack
from ...tensor import _wrap
from .dropout import dropout
from .misc import linear


class _ArrayOps:
    """The handful of ops the recurrences use, on raw arrays (no graph)."""

    def __init__(self, xp):
        self.xp = xp

    def sig(self, x):          # sigmoid via tanh: no overflow warnings, one transcendental
        return 0.5 * self.xp.tanh(0.5 * x) + 0.5

    def tanh(self, x):
        return self.xp.tanh(x)

    def act(self, x, relu):
        return self.xp.maximum(x, 0) if relu else self.xp.tanh(x)

    def act_grad(self, g, y, relu):
        return g * (y > 0) if relu else g * (1 - y * y)

    def linear(self, x, w, b=None):
        y = x @ w.T
        if b is not None:
            y += b
        return y

    def mm(self, a, w):        # a @ w: the gradient of ``a @ w.T`` with respect to ``a``
        return a @ w

    def tmm(self, a, b):       # a^T @ b: a weight gradient summed over rows
        return a.T @ b

    def cat(self, parts, dim=0):
        return parts[0] if len(parts) == 1 else self.xp.concatenate(parts, axis=dim)

    def stack(self, parts, dim):
        return self.xp.stack(parts, axis=dim)

    def steps(self, a, n_steps, time_dim, batch_sizes):
        """Views of ``a`` per time step: packed rows, or slices along ``time_dim``."""
        if batch_sizes is not None:
            out, start = [], 0
            for b in batch_sizes:
                out.append(a[start:start + b])
                start += b
            return out
        return [a[t] for t in range(n_steps)] if time_dim == 0 else [a[:, t] for t in range(n_steps)]


class _TensorOps:
    """The same ops on Tensors, recorded: used by backward under ``create_graph``."""

    @staticmethod
    def sig(x):
        return x.sigmoid()

    @staticmethod
    def tanh(x):
        return x.tanh()

    @staticmethod
    def act(x, relu):
        return x.relu() if relu else x.tanh()

    @staticmethod
    def act_grad(g, y, relu):      # relu's mask is piecewise constant, so a constant factor here
        return g * _wrap((y._data > 0).astype(y._data.dtype)) if relu else g * (1 - y * y)

    linear = staticmethod(linear)

    @staticmethod
    def mm(a, w):
        return a @ w

    @staticmethod
    def tmm(a, b):
        return a.mT @ b

    @staticmethod
    def cat(parts, dim=0):
        return parts[0] if len(parts) == 1 else cat(parts, dim)

    stack = staticmethod(stack)

    @staticmethod
    def steps(t, n_steps, time_dim, batch_sizes):
        return t.split(batch_sizes) if batch_sizes is not None else t.unbind(time_dim)


# ---- cell math (arrays or Tensors) ---------------------------------------------------------------
def _lstm_forward(xg, hg, c, ops):
    gates = xg + hg                                   # (N, 4H): i, f, g, o
    H = c.shape[-1]
    i_f = ops.sig(gates[..., :2 * H])
    i, f = i_f[..., :H], i_f[..., H:]
    g, o = ops.tanh(gates[..., 2 * H:3 * H]), ops.sig(gates[..., 3 * H:])
    c2 = f * c + i * g
    return i, f, g, o, c2, ops.tanh(c2)


def _lstm_backward(gh, gc, c, i, f, g, o, tc, ops):
    """Gradients of the gates (N, 4H) and of ``c`` from those of ``h = o * tanh(c')`` and ``c'``."""
    gc = gc + gh * o * (1 - tc * tc)                  # all the gradient reaching c'
    d_gates = ops.cat([gc * g * i * (1 - i), gc * c * f * (1 - f), gc * i * (1 - g * g), gh * tc * o * (1 - o)], -1)
    return d_gates, gc * f


def _gru_forward(xg, hg, h, ops):
    H = h.shape[-1]
    rz = ops.sig(xg[..., :2 * H] + hg[..., :2 * H])
    r, z = rz[..., :H], rz[..., H:]
    hn = hg[..., 2 * H:]                              # W_hn h + b_hn, gated by r
    n = ops.tanh(xg[..., 2 * H:] + r * hn)
    return r, z, n, hn, n + z * (h - n)


def _gru_backward(g, h, r, z, n, hn, ops):
    """Gradients of ``xg``, ``hg`` (both (N, 3H)) and the direct one of ``h``."""
    dn = g * (1 - z) * (1 - n * n)
    dr = dn * hn * r * (1 - r)
    dz = g * (h - n) * z * (1 - z)
    return ops.cat([dr, dz, dn], -1), ops.cat([dr, dz, dn * r], -1), g * z


# ---- single-step cells (nn.LSTMCell, nn.GRUCell, nn.RNNCell) -----------------------------------
def lstm_cell(xg, hg, c):
    """One LSTM step from gate pre-activations ``xg + hg`` (N, 4H) and the cell state ``c`` (N, H).

    Returns ``(o * tanh(c'), c')``.
    """
    ops = _ArrayOps(_backend.array_module(c._data))
    i, f, g, o, c2, tc = _lstm_forward(xg._data, hg._data, c._data, ops)
    h_out, c_out = _wrap(o * tc), _wrap(c2)
    if grad_mode.enabled and (xg._rg or hg._rg or c._rg):
        c_arr = c._data

        def backward(grads):
            gh, gc = grads
            if grad_mode.enabled:     # create_graph: differentiate a recorded recomputation
                ti, tf, tg, to, _, ttc = _lstm_forward(xg, hg, c, _TensorOps)
                d_gates, dc = _lstm_backward(gh, gc, c, ti, tf, tg, to, ttc, _TensorOps)
                return d_gates, d_gates, dc
            d_gates, dc = _lstm_backward(gh._data, gc._data, c_arr, i, f, g, o, tc, ops)
            d_gates = _wrap(d_gates)
            return d_gates, d_gates, _wrap(dc)
        record((h_out, c_out), "LstmCellBackward0", backward, (xg, hg, c), (c,))
    return h_out, c_out


def gru_cell(xg, hg, h):
    """One GRU step from ``xg = x W_ih^T + b_ih`` and ``hg = h W_hh^T + b_hh`` (N, 3H) and ``h`` (N, H)."""
    ops = _ArrayOps(_backend.array_module(h._data))
    r, z, n, hn, h2 = _gru_forward(xg._data, hg._data, h._data, ops)
    out = _wrap(h2)
    if grad_mode.enabled and (xg._rg or hg._rg or h._rg):
        h_arr = h._data

        def backward(g):
            if grad_mode.enabled:
                return _gru_backward(g, h, *_gru_forward(xg, hg, h, _TensorOps)[:4], _TensorOps)
            return tuple(_wrap(d) for d in _gru_backward(g._data, h_arr, r, z, n, hn, ops))
        record(out, "GruCellBackward0", backward, (xg, hg, h), (h,))
    return out


def rnn_cell(xg, hg, relu=False):
    """``tanh(xg + hg)`` (or ``relu``) as one op."""
    ops = _ArrayOps(_backend.array_module(xg._data))
    y = ops.act(xg._data + hg._data, relu)
    out = _wrap(y)
    if grad_mode.enabled and (xg._rg or hg._rg):
        def backward(g):
            if grad_mode.enabled:
                d = _TensorOps.act_grad(g, _TensorOps.act(xg + hg, relu), relu)
            else:
                d = _wrap(ops.act_grad(g._data, y, relu))
            return d, d
        record(out, "ReluBackward0" if relu else "TanhBackward0", backward, (xg, hg))
    return out


# ---- the scan over time (one layer, one direction) ----------------------------------------------
def _scan(ops, mode, xs, h0, c0, w_hh, b_hh, w_hr, order, bsz):
    """Run the cells over the projected inputs ``xs`` (one per step) in ``order``.

    ``bsz[t]`` is the batch at step t. Packed input shrinks it as sequences end (forward direction: the
    ended rows' states are set aside for ``h_n``) and grows it as they start (reverse direction: their
    start states come from ``h0``). Returns the step outputs, the final ``h``, ``c`` and a tape of what
    the backward needs per processed step.
    """
    N = h0.shape[0]
    first = bsz[order[0]]
    h = h0 if first == N else h0[:first]
    c = c0 if c0 is None or first == N else c0[:first]
    outs, tape = [None] * len(xs), []
    ended_h, ended_c = [], []
    relu = mode == "RNN_RELU"
    for t in order:
        b, cur = bsz[t], h.shape[0]
        if b < cur:
            ended_h.append(h[b:])
            h = h[:b]
            if c is not None:
                ended_c.append(c[b:])
                c = c[:b]
        elif b > cur:
            h = ops.cat([h, h0[cur:b]])
            if c is not None:
                c = ops.cat([c, c0[cur:b]])
        hg = ops.linear(h, w_hh, b_hh)
        if mode == "LSTM":
            i, f, g, o, c2, tc = _lstm_forward(xs[t], hg, c, ops)
            hc = o * tc
            tape.append((h, c, i, f, g, o, tc, hc))
            h2 = hc if w_hr is None else ops.linear(hc, w_hr)
            c = c2
        elif mode == "GRU":
            r, z, n, hn, h2 = _gru_forward(xs[t], hg, h, ops)
            tape.append((h, r, z, n, hn))
        else:
            h2 = ops.act(xs[t] + hg, relu)
            tape.append((h, h2))
        outs[t] = h = h2
    if ended_h:     # ended rows come in order of decreasing batch index
        h = ops.cat([h] + ended_h[::-1])
        if c is not None:
            c = ops.cat([c] + ended_c[::-1])
    return outs, h, c, tape


def _scan_backward(ops, mode, tape, order, bsz, g_outs, g_h, g_c, w_hh, b_hh, w_hr, need_w):
    """Backpropagation through time for ``_scan``: gradients of the step inputs (a list per step),
    ``h0``, ``c0``, ``w_hh``, ``b_hh`` and ``w_hr`` (the last three only when ``need_w``)."""
    N = g_h.shape[0]
    last = bsz[order[-1]]
    dh = g_h if last == N else g_h[:last]
    dc = g_c if g_c is None or last == N else g_c[:last]
    d_xs = [None] * len(order)
    d_hgs, h_ins, d_hr, hcs = [], [], [], []
    h0_parts, c0_parts = [], []               # (first row, gradient) pieces of h0's / c0's gradient
    relu = mode == "RNN_RELU"
    for k in range(len(order) - 1, -1, -1):
        t = order[k]
        dh = dh + g_outs[t]
        if mode == "LSTM":
            h_in, c_in, i, f, g, o, tc, hc = tape[k]
            if w_hr is not None:
                d_hr.append(dh)
                hcs.append(hc)
                dh = ops.mm(dh, w_hr)
            d_x, dc = _lstm_backward(dh, dc, c_in, i, f, g, o, tc, ops)
            d_hg, dh_direct = d_x, None
        elif mode == "GRU":
            h_in, r, z, n, hn = tape[k]
            d_x, d_hg, dh_direct = _gru_backward(dh, h_in, r, z, n, hn, ops)
        else:
            h_in, y = tape[k]
            d_x = d_hg = ops.act_grad(dh, y, relu)
            dh_direct = None
        d_xs[t] = d_x
        d_hgs.append(d_hg)
        h_ins.append(h_in)
        dh = ops.mm(d_hg, w_hh)
        if dh_direct is not None:
            dh = dh + dh_direct
        if k == 0:
            continue
        b, prev = bsz[t], bsz[order[k - 1]]     # undo the batch change made before this step
        if b < prev:      # rows b..prev ended here: their gradient comes from h_n
            dh = ops.cat([dh, g_h[b:prev]])
            if dc is not None:
                dc = ops.cat([dc, g_c[b:prev]])
        elif b > prev:    # rows prev..b started here from h0
            h0_parts.append((prev, dh[prev:]))
            dh = dh[:prev]
            if dc is not None:
                c0_parts.append((prev, dc[prev:]))
                dc = dc[:prev]
    h0_parts.append((0, dh))
    dh0 = ops.cat([p for _, p in sorted(h0_parts, key=lambda e: e[0])])
    dc0 = None
    if dc is not None:
        c0_parts.append((0, dc))
        dc0 = ops.cat([p for _, p in sorted(c0_parts, key=lambda e: e[0])])
    dw_hh = db_hh = dw_hr = None
    if need_w:
        d_hg_all = ops.cat(d_hgs[::-1])
        dw_hh = ops.tmm(d_hg_all, ops.cat(h_ins[::-1]))   # one matmul for the whole sequence
        db_hh = None if b_hh is None else d_hg_all.sum(0)
        if w_hr is not None:
            dw_hr = ops.tmm(ops.cat(d_hr[::-1]), ops.cat(hcs[::-1]))
    return d_xs, dh0, dc0, dw_hh, db_hh, dw_hr


def _data(t):
    return None if t is None else t._data


def recurrence(mode, proj, h0, c0, w_hh, b_hh, w_hr, reverse=False, time_dim=0, batch_sizes=None):
    """One layer in one direction over the projected inputs ``proj`` as one recorded op.

    ``proj`` is ``(T, N, G)`` / ``(N, T, G)`` (``time_dim`` 0 / 1) or packed ``(sum(batch_sizes), G)``;
    ``h0``/``c0`` are ``(N, H_out)``/``(N, H)``; ``b_hh`` is applied inside the hidden matmul (GRU needs
    it there; RNN/LSTM fold it into ``proj``). Returns ``(output, h_n, c_n)``; ``c_n`` None but for LSTM.
    """
    xp = _backend.array_module(proj._data)
    ops = _ArrayOps(xp)
    packed = batch_sizes is not None
    T = len(batch_sizes) if packed else proj.shape[time_dim]
    bsz = batch_sizes if packed else [h0.shape[0]] * T
    order = range(T - 1, -1, -1) if reverse else range(T)
    xs = ops.steps(proj._data, T, time_dim, batch_sizes)
    outs, h, c, tape = _scan(ops, mode, xs, h0._data, _data(c0), w_hh._data, _data(b_hh), _data(w_hr), order, bsz)
    out = _wrap(ops.cat(outs) if packed else ops.stack(outs, time_dim))
    outputs = (out, _wrap(h)) + ((_wrap(c),) if mode == "LSTM" else ())
    inputs = (proj, h0, c0, w_hh, b_hh, w_hr)
    if grad_mode.enabled and any(x is not None and x._rg for x in inputs):
        need_w = any(x is not None and x._rg for x in inputs[3:])

        def join(parts, o):
            return o.cat(parts) if packed else o.stack(parts, time_dim)

        def backward(grads):
            g_out, g_h = grads[0], grads[1]
            g_c = grads[2] if mode == "LSTM" else None
            if grad_mode.enabled:     # create_graph: differentiate a recorded recomputation
                t_ops = _TensorOps
                _, _, _, t_tape = _scan(t_ops, mode, t_ops.steps(proj, T, time_dim, batch_sizes), h0, c0, w_hh,
                                        b_hh, w_hr, order, bsz)
                g_outs = t_ops.steps(g_out, T, time_dim, batch_sizes)
                d_xs, *rest = _scan_backward(t_ops, mode, t_tape, order, bsz, g_outs, g_h, g_c, w_hh, b_hh, w_hr,
                                              need_w)
                return (join(d_xs, t_ops),) + tuple(rest)
            g_outs = ops.steps(g_out._data, T, time_dim, batch_sizes)
            d_xs, *rest = _scan_backward(ops, mode, tape, order, bsz, g_outs, g_h._data, _data(g_c), w_hh._data,
                                         b_hh, _data(w_hr), need_w)
            return (_wrap(join(d_xs, ops)),) + tuple(None if r is None else _wrap(r) for r in rest)
        saved = tuple(x for x in (h0, c0, w_hh, b_hh, w_hr) if x is not None)
        record(outputs, {"LSTM": "LstmBackward0", "GRU": "GruBackward0"}.get(mode, "RnnBackward0"), backward,
               inputs, saved)
    return outputs if mode == "LSTM" else outputs + (None,)


# ---- layers ------------------------------------------------------------------------------------
def rnn_layers(mode, input, hx, weights, num_layers, bidirectional, p, training, time_dim=0, batch_sizes=None):
    """Run a stacked (bi)directional recurrence as ``nn.RNN``/``nn.LSTM``/``nn.GRU`` do.

    Args:
        mode: ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``
        input: ``(T, N, H_in)`` (``time_dim=0``), ``(N, T, H_in)`` (``time_dim=1``), or the packed data
            ``(sum(batch_sizes), H_in)`` when ``batch_sizes`` (a list of ints) is given
        hx: ``h0`` of shape ``(D * num_layers, N, H_out)``, for LSTM ``(h0, c0)``
        weights: per layer and direction, ``(w_ih, w_hh, b_ih, b_hh, w_hr)`` (None where absent)
        p, training: dropout probability on every layer's output but the last, applied when ``training``

    Returns ``(output, h_n, c_n)`` (``c_n`` None except for LSTM); ``output`` is laid out like ``input``.
    """
    lstm = mode == "LSTM"
    D = 2 if bidirectional else 1
    h0s = (hx[0] if lstm else hx).unbind(0)
    c0s = hx[1].unbind(0) if lstm else [None] * len(h0s)
    x = input
    h_n, c_n = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(D):
            k = layer * D + d
            w_ih, w_hh, b_ih, b_hh, w_hr = weights[k]
            if mode == "GRU" or b_ih is None:
                proj = linear(x, w_ih, b_ih)
            else:                     # b_hh adds to the gates like b_ih: fold it into the projection
                proj = linear(x, w_ih, b_ih + b_hh)
            out, h, c = recurrence(mode, proj, h0s[k], c0s[k], w_hh, b_hh if mode == "GRU" else None, w_hr,
                                   d == 1, time_dim, batch_sizes)
            outs.append(out)
            h_n.append(h)
            c_n.append(c)
        x = outs[0] if D == 1 else cat(outs, -1)
        if p and training and layer < num_layers - 1:    # dropout between layers
            x = dropout(x, p)
    return x, stack(h_n), (stack(c_n) if lstm else None)
