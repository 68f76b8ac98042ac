"""Adagrad: per-coordinate learning rates scaled by the accumulated squared gradients."""
import numpy as np

from .optimizer import _regularized
from .optimizer import Optimizer, _bump, _check_differentiable, _fix_steps, _scalar, _step_tensor, _zeros_like
from .optimizer import _check_nonnegative, _set_group_defaults

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al., 2011), as PyTorch implements it.

    .. math::
        \tilde\gamma = \frac{\gamma}{1 + (t-1)\eta}, \quad s_t = s_{t-1} + g_t^2, \quad
        \theta_t = \theta_{t-1} - \tilde\gamma\, g_t / (\sqrt{s_t} + \epsilon)

    Args:
        params: parameters or parameter groups to optimize.
        lr (float): learning rate :math:`\gamma` (default 1e-2).
        lr_decay (float): learning-rate decay :math:`\eta` (default 0).
        weight_decay (float): L2 penalty (default 0).
        initial_accumulator_value (float): starting value of :math:`s` (default 0).
        eps (float): added to the denominator (default 1e-10).
        maximize (bool): maximize the objective instead of minimizing it.
        foreach, fused: accepted for compatibility.

    State per parameter (created at construction, as PyTorch): ``step`` and ``sum``.

    Example::

        >>> opt = optim.Adagrad(model.parameters(), lr=0.1)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_nonnegative(("learning rate", lr), ("lr_decay value", lr_decay), ("weight_decay value", weight_decay), ("initial_accumulator_value value", initial_accumulator_value), ("epsilon value", eps))
        _check_differentiable(differentiable)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p, group):
        state = self.state[p]
        state["step"] = _step_tensor(0.0, p._data if group["fused"] else None)
        s = _zeros_like(p._data)
        init = group["initial_accumulator_value"]
        if init != 0:
            s._data.fill(init)
        state["sum"] = s
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        _set_group_defaults(self, foreach=None, maximize=False, differentiable=False, fused=None)
        _fix_steps(self, lambda g: g["fused"])

    def step(self, closure=None):
        """One Adagrad update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, lr_decay = _scalar(group["lr"]), _scalar(group["lr_decay"])
            wd, eps, maximize = _scalar(group["weight_decay"]), _scalar(group["eps"]), group["maximize"]
            for p, d, g, xp, state in self._with_grads(group):
                if len(state) == 0:     # a group added after construction
                    state = self._init_state(p, group)
                st = state["step"]._data
                st += 1
                if group["fused"] and type(st) is not np.ndarray:
                    # capturable/fused: no sync; bias corrections in the wider of the step's and param's dtype
                    step = st.astype(np.promote_types(st.dtype, d.dtype))
                else:
                    step = float(st)
                g = _regularized(g, d, maximize, wd)
                clr = lr / (1 + (step - 1) * lr_decay)
                s = state["sum"]._data
                tmp = xp.multiply(g, g, out=xp.empty_like(d))   # out=: 0-d params stay arrays on numpy
                s += tmp
                std = xp.sqrt(s, out=tmp)
                std += eps
                xp.divide(g, std, out=tmp)
                tmp *= -clr
                d += tmp
                _bump(p)
        return loss
