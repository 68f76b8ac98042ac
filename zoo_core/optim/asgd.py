"""ASGD: stochastic gradient descent with a decaying step size and a running (Polyak) average of the iterates."""
import numpy as np

from .. import _backend, _dtype
from ..tensor import Tensor, _wrap
from .optimizer import _regularized
from .optimizer import Optimizer, _bump, _check_differentiable, _scalar, _zeros_like
from .optimizer import _check_nonnegative, _set_group_defaults

__all__ = ["ASGD"]


def _scalar_state(value, like):
    """A 0-d state tensor on ``like``'s device, in PyTorch's scalar dtype for optimizer state (float64 under
    a float64 default dtype, else float32): ASGD keeps ``step``, ``eta`` and ``mu`` on the parameter's device."""
    dt = np.float64 if _dtype.get_default_dtype().np == np.float64 else np.float32
    xp = _backend.array_module(like)
    if xp is np:
        return _wrap(np.array(value, dtype=dt))
    with like.device:
        return _wrap(xp.asarray(np.array(value, dtype=dt)))


class ASGD(Optimizer):
    r"""Averaged SGD (Polyak & Juditsky, 1992), following PyTorch's algorithm step for step.

    .. math::
        \theta_t = (1 - \lambda\eta_t)\,\theta_{t-1} - \eta_t g_t, \quad
        \bar\theta_t = \bar\theta_{t-1} + \mu_t(\theta_t - \bar\theta_{t-1}), \\
        \eta_{t+1} = \frac{\gamma}{(1 + \lambda\gamma t)^\alpha}, \quad
        \mu_{t+1} = \frac{1}{\max(1, t - t_0)}

    The average :math:`\bar\theta` is kept in the state (``ax``); the parameters themselves follow the SGD
    iterates. ``weight_decay`` adds :math:`w\theta` to the gradient; ``maximize`` negates the gradient.

    Args:
        params: parameters or parameter groups to optimize.
        lr (float): learning rate :math:`\gamma` (default 1e-2).
        lambd (float): decay term :math:`\lambda` (default 1e-4).
        alpha (float): power of the step-size decay (default 0.75).
        t0 (float): step at which averaging starts (default 1e6).
        weight_decay (float): L2 penalty (default 0).
        foreach, capturable: accepted for compatibility (one implementation serves all).
        maximize (bool): maximize the objective instead of minimizing it.

    State per parameter: ``step``, ``eta``, ``mu`` (0-d tensors on the parameter's device), ``ax``.

    Example::

        >>> opt = optim.ASGD(model.parameters(), lr=0.01, t0=100)
        >>> model(zoo_core.ones(3, 4)).sum().backward(); opt.step()
        >>> opt.state[model.bias]["mu"].item(), round(opt.state[model.bias]["eta"].item(), 8)
        (1.0, 0.00999999)
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        _check_nonnegative(("learning rate", lr), ("weight_decay value", weight_decay))
        _check_differentiable(differentiable)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        _set_group_defaults(self, foreach=None, maximize=False, differentiable=False, capturable=False)
        for group in self.param_groups:
            for p in group["params"]:          # old checkpoints kept these as Python numbers
                st = self.state.get(p)
                for key in ("step", "eta", "mu"):
                    if st and key in st and not isinstance(st[key], Tensor):
                        st[key] = _scalar_state(float(st[key]), p._data)

    def step(self, closure=None):
        """One ASGD update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._closure_loss(closure)
        rounded = _dtype.get_default_dtype().np.type
        for group in self.param_groups:
            lr, lambd, alpha = _scalar(group["lr"]), _scalar(group["lambd"]), _scalar(group["alpha"])
            t0, wd, maximize = _scalar(group["t0"]), _scalar(group["weight_decay"]), group["maximize"]
            for p, d, g, xp, state in self._with_grads(group):
                if len(state) == 0:
                    state["step"] = _scalar_state(0.0, d)
                    state["eta"] = _scalar_state(lr, d)
                    state["mu"] = _scalar_state(1.0, d)
                    state["ax"] = _zeros_like(d)
                st = state["step"]._data
                st += 1
                g = _regularized(g, d, maximize, wd)
                eta_arr, mu_arr = state["eta"]._data, state["mu"]._data
                eta = float(eta_arr)
                d *= 1.0 - lambd * eta                       # decay, then the SGD step
                tmp = xp.multiply(g, -eta, out=xp.empty_like(d))   # out=: 0-d params stay arrays on numpy
                d += tmp
                ax = state["ax"]._data
                if float(mu_arr) != 1:
                    xp.subtract(d, ax, out=tmp)              # ax += mu (theta - ax)
                    tmp *= mu_arr
                    ax += tmp
                else:
                    ax[...] = d
                step = float(st)
                # PyTorch makes the new values with torch.as_tensor (default dtype) before copying them into
                # the state, so they are rounded to the default dtype even in float64 state
                eta_arr[...] = rounded(lr / ((1 + lambd * lr * step) ** alpha))
                mu_arr[...] = rounded(1 / max(1, step - t0))
                _bump(p)
        return loss
