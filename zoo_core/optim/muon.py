"""Muon: momentum SGD whose update is orthogonalised by a Newton-Schulz iteration (2-D parameters only)."""
import math

import numpy as np

from .. import _backend
from .optimizer import Optimizer, _bump, _lerp_, _scalar, _zeros_like

__all__ = ["Muon"]

EPS = 1e-7
DEFAULT_A = 3.4445
DEFAULT_B = -4.7750
DEFAULT_C = 2.0315
DEFAULT_NS_STEPS = 5


def _bf16(a):
    """Round a float32 array to bfloat16 precision in place (round to nearest even; finite values).

    PyTorch runs the Newton-Schulz iteration in bfloat16. Zoo has no bfloat16 storage, so the iteration
    computes in float32 and rounds every intermediate result to bfloat16's 8 significand bits, where
    PyTorch stores a bfloat16 tensor: the values are bfloat16 values, as PyTorch's.
    """
    xp = _backend.array_module(a)
    bits = a.view(np.uint32)
    bits += xp.uint32(0x7FFF) + ((bits >> 16) & 1)
    bits &= xp.uint32(0xFFFF0000)
    return a


def _zeropower_via_newtonschulz(grad, ns_coefficients, ns_steps, eps):
    """Approximately orthogonalise the 2-D array ``grad`` (``U S V^T -> U S' V^T``, :math:`S'_{ii}` near 1)
    with ``ns_steps`` quintic Newton-Schulz iterations, in bfloat16 precision; returns a float32 array."""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if grad.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = (float(v) for v in ns_coefficients)
    xp = _backend.array_module(grad)
    # float64 -> bfloat16 goes through float32 in PyTorch too
    x = _bf16(grad.astype(np.float32))
    tall = grad.shape[0] > grad.shape[1]
    if tall:
        x = xp.ascontiguousarray(x.T)                   # iterate on the wide orientation: smaller Gram matrix
    norm = _bf16(xp.sqrt(xp.vdot(x.reshape(-1), x.reshape(-1))).reshape(1))
    xp.maximum(norm, np.float32(eps), out=norm)
    _bf16(norm)
    x /= norm
    _bf16(x)
    for _ in range(ns_steps):
        gram = _bf16(x @ x.T)
        update = gram @ gram                            # addmm(gram, gram, gram, beta=b, alpha=c)
        update *= np.float32(c)
        update += np.float32(b) * gram
        _bf16(update)
        new = update @ x                                # addmm(x, update, x, beta=a)
        new += np.float32(a) * x
        x = _bf16(new)
    return x.T if tall else x


def _adjust_lr(lr, adjust_lr_fn, param_shape):
    """Scale the lr so that the orthogonalised update has a consistent RMS across matrix shapes."""
    A, B = param_shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        ratio = math.sqrt(max(1, A / B))
    elif adjust_lr_fn == "match_rms_adamw":
        ratio = 0.2 * math.sqrt(max(A, B))
    else:
        ratio = 1.0
    return lr * ratio


class Muon(Optimizer):
    r"""Muon (Jordan et al., 2024), as PyTorch implements it: for the 2-D weights of hidden layers.

    .. math::
        B_t = \mu B_{t-1} + g_t, \quad \tilde B_t = g_t + \mu B_t \text{ (nesterov) or } B_t, \quad
        \theta_t = \theta_{t-1}(1 - \gamma\lambda) - \gamma'\, \mathrm{NS}_k(\tilde B_t)

    (the buffer is kept as PyTorch keeps it, ``B.lerp_(g, 1 - mu)``). :math:`\mathrm{NS}_k` is ``ns_steps``
    quintic Newton-Schulz iterations with coefficients :math:`(a, b, c)` on the normalised update, run in
    bfloat16 precision as PyTorch does; :math:`\gamma' = \gamma\sqrt{\max(1, A/B)}` for an :math:`A \times B`
    weight (``adjust_lr_fn="original"``, the default) or :math:`0.2\gamma\sqrt{\max(A, B)}`
    (``"match_rms_adamw"``). Optimise biases, embeddings and other non-2-D parameters with e.g. AdamW.

    Args:
        params: 2-D parameters or parameter groups to optimize.
        lr (float): learning rate (default 1e-3).
        weight_decay (float): decoupled weight decay (default 0.1).
        momentum (float): momentum factor (default 0.95).
        nesterov (bool): Nesterov momentum (default True).
        ns_coefficients (tuple[float, float, float]): (a, b, c) (default (3.4445, -4.7750, 2.0315)).
        eps (float): floor of the norm the update is divided by (default 1e-7).
        ns_steps (int): Newton-Schulz iterations (default 5).
        adjust_lr_fn (str | None): ``"original"`` (None) or ``"match_rms_adamw"``.

    State per parameter: ``momentum_buffer``.

    Example::

        >>> import zoo_core
        >>> w = zoo_core.nn.Parameter(zoo_core.eye(2))
        >>> opt = zoo_core.optim.Muon([w], lr=0.1, weight_decay=0.0)
        >>> w.grad = zoo_core.tensor([[1.0, 0.0], [0.0, 0.5]]); opt.step()
        >>> [round(v, 2) for v in w.diagonal().tolist()]
        [0.93, 0.89]
    """

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(DEFAULT_A, DEFAULT_B, DEFAULT_C), eps=EPS, ns_steps=DEFAULT_NS_STEPS,
                 adjust_lr_fn=None):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ("original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                        ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps, adjust_lr_fn=adjust_lr_fn)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(
                        f"Muon only supports 2D parameters whereas we found a parameter with size: {p.size()}")

    def step(self, closure=None):
        """One Muon update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, wd, momentum = _scalar(group["lr"]), _scalar(group["weight_decay"]), _scalar(group["momentum"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                d = p._data
                g = p.grad._data
                if d.dtype.kind == "c":
                    raise RuntimeError("Muon does not support complex parameters")
                if g.ndim != 2:
                    raise ValueError("Param gradient must be a 2D matrix")
                xp = _backend.array_module(d)
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = _zeros_like(g)
                buf = state["momentum_buffer"]._data
                tmp = xp.empty_like(g)
                _lerp_(buf, g, 1 - momentum, tmp)
                if group["nesterov"]:
                    update = g.copy()                        # grad.lerp(buf, momentum)
                    _lerp_(update, buf, momentum, tmp)
                else:
                    update = buf
                ortho = _zeropower_via_newtonschulz(update, group["ns_coefficients"], group["ns_steps"],
                                                    _scalar(group["eps"]))
                adjusted_lr = _adjust_lr(lr, group["adjust_lr_fn"], d.shape)
                d *= 1 - lr * wd
                step = ortho.astype(d.dtype)
                step *= -adjusted_lr
                d += step
                _bump(p)
        return loss
