"""RAdam: Adam whose adaptive step is switched on only once the variance of its estimate is tractable."""
from .optimizer import _regularized
from .optimizer import (Optimizer, _bump, _check_differentiable, _fix_steps, _lerp_, _scalar, _step_tensor,
                        _zeros_like)
from .optimizer import _check_betas, _check_nonnegative, _set_group_defaults

__all__ = ["RAdam"]


class RAdam(Optimizer):
    r"""RAdam (Liu et al., 2019), following PyTorch's algorithm step for step.

    .. math::
        \rho_\infty = \frac{2}{1-\beta_2} - 1, \quad
        \rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t}, \quad
        \hat m_t = \frac{m_t}{1-\beta_1^t}, \\
        \theta_t = \theta_{t-1} - \gamma\,\hat m_t\, r_t \frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t}+\epsilon}
        \ \text{if}\ \rho_t > 5, \quad \text{else}\quad \theta_t = \theta_{t-1} - \gamma \hat m_t

    with :math:`r_t = \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}` and
    :math:`m_t, v_t` Adam's moment estimates. ``weight_decay`` adds :math:`\lambda\theta` to the gradient, or
    with ``decoupled_weight_decay=True`` scales :math:`\theta` by :math:`1-\gamma\lambda` first; ``maximize``
    negates the gradient.

    Args:
        params: parameters or parameter groups to optimize.
        lr (float): learning rate (default 1e-3).
        betas (tuple[float, float]): decay rates of the moment estimates (default (0.9, 0.999)).
        eps (float): added to the denominator (default 1e-8).
        weight_decay (float): weight decay (default 0).
        decoupled_weight_decay (bool), maximize (bool): see above.
        foreach, capturable: accepted for compatibility (one implementation serves all).

    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq``.

    Example::

        >>> opt = optim.RAdam(model.parameters(), lr=1e-3, weight_decay=1e-2, decoupled_weight_decay=True)
        >>> model(zoo_core.ones(3, 4)).sum().backward(); opt.step()
        >>> opt.state[model.weight]["step"].item()
        1.0
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_nonnegative(("learning rate", lr), ("epsilon value", eps))
        _check_betas(betas)
        _check_nonnegative(("weight_decay value", weight_decay))
        _check_differentiable(differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        _set_group_defaults(self, foreach=None, maximize=False, differentiable=False, decoupled_weight_decay=False,
                                  capturable=False)
        _fix_steps(self, lambda g: g["capturable"])

    def step(self, closure=None):
        """One RAdam update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = (_scalar(b) for b in group["betas"])
            lr, eps, wd = _scalar(group["lr"]), _scalar(group["eps"]), _scalar(group["weight_decay"])
            maximize, decoupled = group["maximize"], group["decoupled_weight_decay"]
            rho_inf = 2 / (1 - beta2) - 1
            for p, d, g, xp, state in self._with_grads(group):
                if len(state) == 0:
                    state["step"] = _step_tensor(0.0, d if group["capturable"] else None)
                    state["exp_avg"] = _zeros_like(d)
                    state["exp_avg_sq"] = _zeros_like(d)
                st = state["step"]._data
                st += 1
                step = float(st)
                g = _regularized(g, d, maximize, wd, lr, decoupled)
                m = state["exp_avg"]._data
                v = state["exp_avg_sq"]._data
                tmp = xp.empty_like(d)
                _lerp_(m, g, 1.0 - beta1, tmp)
                v *= beta2                                   # v = beta2 v + (1 - beta2) g^2
                xp.multiply(g, 1.0 - beta2, out=tmp)
                tmp *= g
                v += tmp
                bc1 = 1 - beta1 ** step
                bc2 = 1 - beta2 ** step
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
                update = xp.divide(m, bc1)                   # m_hat * lr [* adaptive lr * rectification]
                update *= lr
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    denom = xp.sqrt(v, out=tmp)
                    denom += eps
                    xp.divide(bc2 ** 0.5, denom, out=denom)
                    update *= denom
                    update *= rect
                d -= update
                _bump(p)
        return loss
