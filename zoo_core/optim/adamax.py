"""Adamax: Adam with the infinity norm of past gradients in place of their root mean square."""
from .optimizer import _regularized
from .optimizer import (Optimizer, _bump, _check_differentiable, _fix_steps, _lerp_, _scalar, _step_tensor,
                        _zeros_like)
from .optimizer import _check_betas, _check_nonnegative, _set_group_defaults

__all__ = ["Adamax"]


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, 2015, section 7), following PyTorch's algorithm step for step.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon), \quad
        \theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,\frac{m_t}{u_t}

    ``weight_decay`` adds :math:`\lambda\theta` to the gradient; ``maximize`` negates the gradient.

    Args:
        params: parameters or parameter groups to optimize.
        lr (float): learning rate (default 2e-3).
        betas (tuple[float, float]): decay rates of the first moment and of the infinity norm
            (default (0.9, 0.999)).
        eps (float): added to :math:`|g_t|` (default 1e-8).
        weight_decay (float): L2 penalty (default 0).
        foreach, capturable: accepted for compatibility (one implementation serves all).
        maximize (bool): maximize the objective instead of minimizing it.

    State per parameter: ``step``, ``exp_avg`` (:math:`m`), ``exp_inf`` (:math:`u`).

    Example::

        >>> opt = optim.Adamax(model.parameters(), lr=2e-3)
        >>> model(zoo_core.ones(3, 4)).sum().backward(); opt.step()
        >>> opt.state[model.bias]["exp_inf"].shape
        zoo_core.Size([2])
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_nonnegative(("learning rate", lr), ("epsilon value", eps))
        _check_betas(betas)
        _check_nonnegative(("weight_decay value", weight_decay))
        _check_differentiable(differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        _set_group_defaults(self, foreach=None, maximize=False, differentiable=False, capturable=False)
        _fix_steps(self, lambda g: g["capturable"])

    def step(self, closure=None):
        """One Adamax update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = (_scalar(b) for b in group["betas"])
            lr, eps, wd = _scalar(group["lr"]), _scalar(group["eps"]), _scalar(group["weight_decay"])
            maximize = group["maximize"]
            for p, d, g, xp, state in self._with_grads(group):
                if len(state) == 0:
                    state["step"] = _step_tensor(0.0, d if group["capturable"] else None)
                    state["exp_avg"] = _zeros_like(d)
                    state["exp_inf"] = _zeros_like(d)
                st = state["step"]._data
                st += 1
                g = _regularized(g, d, maximize, wd)
                m = state["exp_avg"]._data
                u = state["exp_inf"]._data
                tmp = xp.empty_like(d)
                _lerp_(m, g, 1.0 - beta1, tmp)
                u *= beta2                                   # u = max(beta2 u, |g| + eps)
                xp.abs(g, out=tmp)
                tmp += eps
                xp.maximum(u, tmp, out=u)
                clr = lr / (1.0 - beta1 ** float(st))
                xp.divide(m, u, out=tmp)
                tmp *= -clr
                d += tmp
                _bump(p)
        return loss
