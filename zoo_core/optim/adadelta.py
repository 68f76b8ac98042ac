"""Adadelta: per-coordinate step sizes from running averages of squared gradients and squared updates."""
from .optimizer import _regularized
from .optimizer import Optimizer, _bump, _check_differentiable, _fix_steps, _scalar, _step_tensor, _zeros_like
from .optimizer import _check_nonnegative, _set_group_defaults

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012), following PyTorch's algorithm step for step.

    .. math::
        v_t = \rho v_{t-1} + (1-\rho) g_t^2, \quad
        \Delta x_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t, \quad
        u_t = \rho u_{t-1} + (1-\rho) \Delta x_t^2, \quad
        \theta_t = \theta_{t-1} - \gamma \Delta x_t

    ``weight_decay`` adds :math:`\lambda\theta` to the gradient; ``maximize`` negates the gradient.

    Args:
        params: parameters or parameter groups to optimize.
        lr (float): scales the update before it is applied (default 1.0).
        rho (float): decay of the running averages (default 0.9).
        eps (float): added inside both square roots (default 1e-6).
        weight_decay (float): L2 penalty (default 0).
        foreach, capturable: accepted for compatibility (one implementation serves all).
        maximize (bool): maximize the objective instead of minimizing it.

    State per parameter: ``step``, ``square_avg`` (:math:`v`), ``acc_delta`` (:math:`u`).

    Example::

        >>> opt = optim.Adadelta(model.parameters(), lr=1.0, rho=0.95)
        >>> model(zoo_core.ones(3, 4)).sum().backward(); opt.step()
        >>> sorted(opt.state[model.weight])
        ['acc_delta', 'square_avg', 'step']
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check_nonnegative(("learning rate", lr))
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonnegative(("epsilon value", eps), ("weight_decay value", weight_decay))
        _check_differentiable(differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        _set_group_defaults(self, foreach=None, maximize=False, differentiable=False, capturable=False)
        _fix_steps(self, lambda g: g["capturable"])

    def step(self, closure=None):
        """One Adadelta update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, rho, eps = _scalar(group["lr"]), _scalar(group["rho"]), _scalar(group["eps"])
            wd, maximize = _scalar(group["weight_decay"]), group["maximize"]
            for p, d, g, xp, state in self._with_grads(group):
                if len(state) == 0:
                    state["step"] = _step_tensor(0.0, d if group["capturable"] else None)
                    state["square_avg"] = _zeros_like(d)
                    state["acc_delta"] = _zeros_like(d)
                state["step"]._data += 1
                g = _regularized(g, d, maximize, wd)
                sq = state["square_avg"]._data
                acc = state["acc_delta"]._data
                tmp = xp.empty_like(d)
                sq *= rho                                    # v = rho v + (1 - rho) g^2
                xp.multiply(g, 1.0 - rho, out=tmp)
                tmp *= g
                sq += tmp
                std = xp.add(sq, eps, out=tmp)
                xp.sqrt(std, out=std)
                # out= keeps 0-d parameters as arrays (numpy returns scalars from 0-d ufuncs otherwise)
                delta = xp.add(acc, eps, out=xp.empty_like(d))  # sqrt(u + eps) / sqrt(v + eps) * g
                xp.sqrt(delta, out=delta)
                delta /= std
                delta *= g
                acc *= rho                                   # u = rho u + (1 - rho) delta^2
                xp.multiply(delta, 1.0 - rho, out=tmp)
                tmp *= delta
                acc += tmp
                delta *= -lr
                d += delta
                _bump(p)
        return loss
