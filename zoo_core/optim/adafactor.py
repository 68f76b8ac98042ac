"""Adafactor: Adam-like steps with a factored (row x column) second moment, as ``torch.optim.Adafactor``."""
import numpy as np

from .. import _backend
from .optimizer import Optimizer, _bump, _fix_steps, _lerp_, _scalar, _set_group_defaults, _step_tensor

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    r"""Adafactor (Shazeer & Stern, 2018), with PyTorch's (2.5+) formulation.

    .. math::
        \hat\beta_{2,t} = 1 - t^{\tau}, \quad \rho_t = \min(\gamma, 1/\sqrt t), \quad
        \alpha_t = \max(\epsilon_2, \mathrm{RMS}(\theta_{t-1}))\,\rho_t, \quad
        U_t = G_t / \max(\sqrt{\hat V_t}, \epsilon_1), \quad
        \theta_t = \theta_{t-1}(1-\gamma\lambda) - \alpha_t\, U_t / \max(1, \mathrm{RMS}(U_t)/d)

    For parameters of 2 or more dimensions the second moment is factored over the last two: a row
    factor :math:`R_t` (mean of :math:`G^2` over the last dim) and a column factor :math:`C_t` (over the
    second to last), both running averages with weight :math:`\hat\beta_{2,t}`, and
    :math:`\hat V_t = R_t C_t / \max(\mathrm{mean}(R_t), \epsilon_1)`. Vectors and scalars keep a full
    running average :math:`\hat V_t` of :math:`G^2`.

    Args:
        params: parameters or parameter groups to optimize.
        lr (float): learning rate :math:`\gamma`, also the cap of the relative step :math:`\rho_t` (default 1e-2).
        beta2_decay (float): :math:`\tau`, the decay exponent of :math:`\hat\beta_2` (default -0.8).
        eps (tuple[float | None, float]): :math:`(\epsilon_1, \epsilon_2)`; :math:`\epsilon_1` None means
            the machine epsilon of the (first) parameter's dtype (default (None, 1e-3)).
        d (float): clipping threshold of the update's RMS (default 1.0).
        weight_decay (float): decoupled weight decay :math:`\lambda` (default 0).
        maximize (bool): maximize the objective instead of minimizing it.
        foreach: accepted for compatibility.

    State per parameter: ``step``, and ``row_var`` (shape ``[..., m, 1]``) and ``col_var`` (``[..., 1, n]``)
    for parameters of 2+ dims, or ``variance`` (the parameter's shape) otherwise.

    Example::

        >>> import zoo_core
        >>> w = zoo_core.nn.Parameter(zoo_core.ones(2, 3))
        >>> opt = zoo_core.optim.Adafactor([w], lr=0.1)
        >>> w.grad = zoo_core.ones(2, 3); opt.step()
        >>> sorted(opt.state[w]), tuple(opt.state[w]["row_var"].shape)
        (['col_var', 'row_var', 'step'], (2, 1))
    """

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        _set_group_defaults(self, foreach=None)
        _fix_steps(self)

    def step(self, closure=None):
        """One Adafactor update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            eps1, eps2 = group["eps"]
            eps2 = _scalar(eps2)
            lr, tau, clip_d = _scalar(group["lr"]), _scalar(group["beta2_decay"]), _scalar(group["d"])
            wd = _scalar(group["weight_decay"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                d = p._data
                g = p.grad._data
                xp = _backend.array_module(d)
                if d.dtype.kind == "c":
                    raise RuntimeError("Adafactor does not support complex parameters")
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor(0.0)
                    if g.ndim > 1:
                        state["row_var"] = _zeros(xp, g.shape[:-1] + (1,), g)
                        state["col_var"] = _zeros(xp, g.shape[:-2] + (1, g.shape[-1]), g)
                    else:
                        state["variance"] = _zeros(xp, g.shape, g)
                if eps1 is None:
                    # PyTorch takes the epsilon of the first parameter's dtype for the whole group
                    eps1 = float(np.finfo(d.dtype).eps)
                eps1 = _scalar(eps1)
                st = state["step"]._data
                st += 1
                t = float(st)
                one_minus_beta2 = t ** tau
                rho = min(lr, 1 / (t ** 0.5))
                alpha = max(eps2, _rms(xp, d)) * rho
                if wd != 0:
                    d *= 1 - lr * wd
                if group["maximize"]:
                    g = -g
                if g.ndim > 1:
                    row_var, col_var = state["row_var"]._data, state["col_var"]._data
                    gg = g * g
                    row_mean = gg.sum(axis=-1, keepdims=True)         # (..., m, 1)
                    row_mean /= g.shape[-1]
                    _lerp_(row_var, row_mean, one_minus_beta2, xp.empty_like(row_var))
                    col_mean = gg.sum(axis=-2, keepdims=True)         # (..., 1, n)
                    col_mean /= g.shape[-2]
                    _lerp_(col_var, col_mean, one_minus_beta2, xp.empty_like(col_var))
                    var = xp.matmul(row_var, col_var)                 # (..., m, n)
                    var /= xp.maximum(row_var.mean(axis=-2, keepdims=True), eps1)
                else:
                    variance = state["variance"]._data
                    _lerp_(variance, g * g, one_minus_beta2, xp.empty_like(variance))
                    var = variance.copy()
                # eps1 squared: the square root below brings it back to eps1's magnitude
                xp.maximum(var, eps1 * eps1, out=var)
                update = xp.sqrt(var, out=var)
                xp.divide(g, update, out=update)
                denom = max(1.0, _rms(xp, update) / clip_d)
                update *= -alpha / denom
                d += update
                _bump(p)
        return loss


def _zeros(xp, shape, like):
    from ..tensor import _wrap
    if xp is np:
        return _wrap(np.zeros(shape, like.dtype))
    with like.device:
        return _wrap(xp.zeros(shape, like.dtype))


def _rms(xp, a):
    """The root mean square of an array, as a Python float (``a.norm() / sqrt(a.numel())``)."""
    if a.size == 0:
        return float("nan")                           # 0 / 0, as PyTorch
    flat = a.reshape(-1)
    return float(xp.sqrt(xp.vdot(flat, flat))) / a.size ** 0.5
