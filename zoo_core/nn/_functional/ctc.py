"""``ctc_loss``: the Connectionist Temporal Classification loss (Graves et al. 2006), as PyTorch computes it.

Forward is the alpha recursion in log space over the extended label sequence ``l'`` (a blank before, between
and after the labels; length ``S = 2 * max_target_length + 1``), vectorised over the batch and ``S``; only
time is a Python loop. Backward is the beta recursion and PyTorch's gradient formula (``ctc_loss_backward``)::

    grad[t, n, c] = exp(lp[t, n, c]) - exp(logsumexp_{s: l'[s] = c}(alpha + beta)[t, n, s] + nll[n] - lp[t, n, c])

which, like PyTorch's, is the gradient *through a log_softmax* (it assumes ``log_probs`` are normalised).
Both recursions use array code that runs on numpy and CuPy alike.
"""
import numpy as np

from ... import _backend
from ...autograd import grad_mode
from ...autograd.graph import record
from ...ops.indexing import _ufunc_at
from ...tensor import Tensor, _wrap
from .loss import _errstate, _reduction, _tname

__all__ = ["ctc_loss"]


def _host_lengths(v, name):
    """Lengths (a Tensor, list, tuple or int) as a host int64 array."""
    if isinstance(v, Tensor):
        a = v._data
        a = a.get() if hasattr(a, "get") else a
        if a.dtype.kind not in "iu":
            raise RuntimeError(f"ctc_loss: {name} must be an integer tensor (got {_tname(a)})")
        return np.asarray(a, dtype=np.int64).reshape(-1)
    return np.asarray(v, dtype=np.int64).reshape(-1)


def _lse3(xp, a, b, c):
    """Elementwise log(exp(a) + exp(b) + exp(c)); -inf where all three are -inf (no NaN)."""
    m = xp.maximum(xp.maximum(a, b), c)
    m = xp.where(m == -np.inf, 0, m)
    return m + xp.log(xp.exp(a - m) + xp.exp(b - m) + xp.exp(c - m))


def _shift(xp, a, k, ninf):
    """``a`` along its last axis shifted right by ``k`` (``k < 0``: left), filled with -inf."""
    out = xp.full(a.shape, ninf, dtype=a.dtype)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


def _extended_targets(xp, targets, tlen, blank, n, lmax):
    """(N, S) extended label sequences (blank, l1, blank, l2, ..., blank), padded with blanks."""
    tg = targets._data
    if tg.dtype.kind not in "iu":
        tg = tg.astype(np.int64)
    j = xp.arange(lmax)
    tl = xp.asarray(tlen)
    if tg.ndim == 2:
        lab = tg[:, :lmax].astype(np.int64)
    else:
        start = xp.asarray(np.concatenate([[0], np.cumsum(tlen)[:-1]]))
        idx = xp.minimum(start[:, None] + j[None, :], max(tg.shape[0] - 1, 0))
        lab = tg[idx].astype(np.int64) if tg.shape[0] else xp.zeros((n, lmax), np.int64)
    lab = xp.where(j[None, :] < tl[:, None], lab, blank)
    ext = xp.full((n, 2 * lmax + 1), blank, dtype=np.int64)
    ext[:, 1::2] = lab
    return ext, lab


def _check(log_probs, targets, ilen, tlen, blank):
    """PyTorch's argument checks, with its messages."""
    lp = log_probs._data
    if lp.dtype.kind != "f" or lp.dtype == np.float16:
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for '{_tname(lp)}'")
    if lp.ndim != 3:
        raise RuntimeError(f"ctc_loss: log_probs must be (T, N, C) or unbatched (T, C), got shape {tuple(lp.shape)}")
    t_max, n, c = lp.shape
    if not 0 <= blank < c:
        raise RuntimeError(f"blank must be in label range (blank={blank}, number of classes={c})")
    if ilen.shape[0] != n:
        raise RuntimeError(f"input_lengths must be of size batch_size (got {ilen.shape[0]}, batch_size={n})")
    if tlen.shape[0] != n:
        raise RuntimeError(f"target_lengths must be of size batch_size (got {tlen.shape[0]}, batch_size={n})")
    where = " (while checking arguments for ctc_loss_allocate_outputs)"
    for name, v in (("input_lengths", ilen), ("target_lengths", tlen)):
        if n and v.min() < 0:
            raise RuntimeError(f"Expected {name} to have value at least 0, but got value {int(v.min())}{where}")
    if n and ilen.max() > t_max:
        raise RuntimeError(f"Expected input_lengths to have value at most {t_max}, but got value "
                           f"{int(ilen.max())}{where}")
    tg = targets._data
    if tg.ndim == 1:
        if tg.shape[0] != int(tlen.sum()):
            raise RuntimeError(f"Expected tensor to have size {int(tlen.sum())} at dimension 0, but got size "
                               f"{tg.shape[0]} for argument #2 'targets'{where}")
    elif tg.ndim == 2:
        if tg.shape[0] != n:
            raise RuntimeError(f"Expected tensor to have size {n} at dimension 0, but got size {tg.shape[0]} "
                               f"for argument #2 'targets'{where}")
        if n and tg.shape[1] < tlen.max():
            raise RuntimeError(f"Expected tensor to have size at least {int(tlen.max())} at dimension 1, but got "
                               f"size {tg.shape[1]} for argument #2 'targets'{where}")
    else:
        raise RuntimeError(f"ctc_loss: targets must be 2-D (padded) or 1-D (concatenated), got shape "
                           f"{tuple(tg.shape)}")


def _ctc_node(log_probs, targets, ilen, tlen, blank, zero_infinity):
    """Per-sample negative log likelihoods (N,), one graph node."""
    lp = log_probs._data
    xp = _backend.array_module(lp)
    t_max, n, c = lp.shape
    lmax = int(tlen.max()) if n else 0
    s = 2 * lmax + 1
    ext, lab = _extended_targets(xp, targets, tlen, blank, n, lmax)
    if n and lmax and (int(lab.min()) < 0 or int(lab.max()) >= c):
        raise IndexError(f"ctc_loss: target labels must be in [0, {c}) (got values in "
                         f"[{int(lab.min())}, {int(lab.max())}])")
    ninf = -np.inf
    lpe = xp.take_along_axis(lp, xp.broadcast_to(ext[None], (t_max, n, s)), axis=2)   # (T, N, S)
    sidx = xp.arange(s)
    prev2 = _shift(xp, ext, 2, -1)
    skip = (sidx % 2 == 1) & (sidx >= 3) & (ext != prev2)        # (N, S): l'[s-2] -> l'[s] allowed
    tl = xp.asarray(tlen)
    il = xp.asarray(ilen)
    valid = sidx[None, :] < (2 * tl + 1)[:, None]
    alpha = xp.full((max(t_max, 1), n, s), ninf, dtype=lp.dtype)
    with _errstate(xp):
        if t_max:
            alpha[0, :, 0] = lpe[0, :, 0]
            if s > 1:
                alpha[0, :, 1] = xp.where(tl > 0, lpe[0, :, 1], ninf)
        for t in range(1, t_max):
            a = alpha[t - 1]
            a2 = xp.where(skip, _shift(xp, a, 2, ninf), ninf)
            alpha[t] = xp.where(valid, lpe[t] + _lse3(xp, a, _shift(xp, a, 1, ninf), a2), ninf)
        rows = xp.arange(n)
        last = alpha[xp.maximum(il - 1, 0), rows]                  # (N, S) alpha at t = T_n - 1
        end = last[rows, 2 * tl]
        end1 = xp.where(tl > 0, last[rows, xp.maximum(2 * tl - 1, 0)], ninf)
        ll = _lse3(xp, end, end1, xp.full_like(end, ninf))
        ll = xp.where(il == 0, xp.where(tl == 0, 0.0, ninf), ll).astype(lp.dtype)
    nll = -ll
    infinite = xp.isinf(nll)
    out = xp.where(infinite, 0, nll) if zero_infinity else nll
    y = _wrap(out)
    if log_probs._rg and grad_mode.enabled:
        def backward(g):
            gr = _wrap(_ctc_grad(xp, lp, lpe, alpha, ext, skip, valid, tl, il, nll, infinite, zero_infinity))
            if grad_mode.enabled:   # create_graph: PyTorch has no derivative of ctc_loss_backward either
                record(gr, "CtcLossBackwardBackward", _no_double_backward, (log_probs,))
            return (g.reshape(1, n, 1) * gr,)
        record(y, "CtcLossBackward0", backward, (log_probs,), (log_probs,))
    return y


def _no_double_backward(g):
    raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented")


def _ctc_grad(xp, lp, lpe, alpha, ext, skip, valid, tl, il, nll, infinite, zero_infinity):
    """PyTorch's gradient with respect to ``log_probs`` for a unit output gradient per sample: the beta
    recursion, then the class posteriors gathered from alpha * beta."""
    t_max, n, c = lp.shape
    s = ext.shape[1]
    ninf = -np.inf
    skip_up = _shift(xp, skip, -2, False)                        # l'[s] -> l'[s+2] allowed
    sidx = xp.arange(s)
    final = ((sidx[None, :] == 2 * tl[:, None]) | (sidx[None, :] == 2 * tl[:, None] - 1)) & valid
    beta = xp.full(alpha.shape, ninf, dtype=lp.dtype)
    with _errstate(xp):
        nxt = xp.full((n, s), ninf, dtype=lp.dtype)
        for t in range(t_max - 1, -1, -1):
            b2 = xp.where(skip_up, _shift(xp, nxt, -2, ninf), ninf)
            rec = xp.where(valid, lpe[t] + _lse3(xp, nxt, _shift(xp, nxt, -1, ninf), b2), ninf)
            init = xp.where(final, lpe[t], ninf)
            cur = xp.where((il == t + 1)[:, None], init, xp.where((il > t + 1)[:, None], rec, ninf))
            beta[t] = cur
            nxt = cur
        ab = alpha[:t_max] + beta                                # (T, N, S)
        m = ab.max(axis=2, keepdims=True)
        m = xp.where(m == -np.inf, 0, m)
        acc = xp.zeros((t_max * n * c,), dtype=lp.dtype)
        tn = xp.arange(t_max * n).reshape(t_max, n, 1)
        flat = (tn * c + ext[None]).reshape(-1)
        _ufunc_at(xp, np.add, acc, (flat,), xp.exp(ab - m).reshape(-1))
        lcab = xp.log(acc.reshape(t_max, n, c)) + m
        grad = xp.exp(lp) - xp.exp(lcab + nll[None, :, None] - lp)
    keep = xp.arange(t_max)[:, None] < il[None, :]              # (T, N): t < T_n
    if zero_infinity:
        keep = keep & ~infinite[None, :]
    return xp.where(keep[:, :, None], grad, 0).astype(lp.dtype)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    r"""Connectionist Temporal Classification loss: ``-log p(target | log_probs)`` summed over all alignments.

    Args:
        log_probs: ``(T, N, C)`` or unbatched ``(T, C)`` log-probabilities (e.g. ``log_softmax(2)`` output)
        targets: ``(N, S)`` padded, or the ``N`` targets concatenated into one 1-D tensor (class indices,
            never ``blank``); unbatched: ``(S,)``
        input_lengths, target_lengths: ``(N,)`` tensors, lists or tuples of ints (a 0-d tensor unbatched)
        blank: the blank label (default 0)
        reduction: ``'none'`` (per sample, ``(N,)``), ``'mean'`` (each loss divided by its target length,
            then averaged over the batch) or ``'sum'``
        zero_infinity: impossible alignments (infinite loss) give a zero loss and zero gradient

    The gradient is PyTorch's, i.e. the gradient through a ``log_softmax``: ``log_probs`` must be normalised.
    It has no derivative itself (double backward raises, as PyTorch).

    Example::

        >>> lp = zoo_core.randn(6, 2, 4).log_softmax(2)
        >>> F.ctc_loss(lp, zoo_core.tensor([[1, 2], [3, 3]]), [6, 5], [2, 2], reduction="none").shape
        zoo_core.Size([2])
    """
    red = _reduction(reduction)
    batched = log_probs.dim() == 3
    ilen = _host_lengths(input_lengths, "input_lengths")
    tlen = _host_lengths(target_lengths, "target_lengths")
    if log_probs.dim() == 2:   # unbatched: one sample
        log_probs = log_probs.unsqueeze(1)
        targets = targets.unsqueeze(0) if targets.dim() == 1 else targets
    _check(log_probs, targets, ilen, tlen, blank)
    if targets.device != log_probs.device:   # PyTorch accepts host targets with device log_probs
        targets = targets.to(log_probs.device)
    loss = _ctc_node(log_probs, targets, ilen, tlen, blank, zero_infinity)
    if red == "mean":
        den = _wrap(_backend.array_module(loss._data).asarray(np.maximum(tlen, 1).astype(loss._data.dtype)))
        loss = (loss / den).mean()
    elif red == "sum":
        loss = loss.sum()
    elif not batched:
        loss = loss.squeeze(0)
    return loss
