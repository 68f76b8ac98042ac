"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""
from .optimizer import _regularized
from .optimizer import Optimizer, _bump, _check_differentiable, _fix_steps, _lerp_, _scalar, _step_tensor, _zeros_like
from .optimizer import _check_nonnegative, _set_group_defaults

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (Hinton), as PyTorch implements it.

    .. math::
        v_t = \alpha v_{t-1} + (1-\alpha) g_t^2, \quad
        \tilde v_t = v_t - \bar g_t^2 \text{ if centered}, \quad
        \theta_t = \theta_{t-1} - \gamma\, g_t / (\sqrt{\tilde v_t} + \epsilon)

    where :math:`\bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g_t`; with ``momentum`` :math:`\mu`, the step
    goes through a buffer :math:`b_t = \mu b_{t-1} + g_t/(\sqrt{\tilde v_t}+\epsilon)`.

    Args:
        params: parameters or parameter groups to optimize.
        lr (float): learning rate (default 1e-2).
        alpha (float): smoothing constant (default 0.99).
        eps (float): added to the denominator (default 1e-8).
        weight_decay (float): L2 penalty (default 0).
        momentum (float): momentum factor (default 0).
        centered (bool): normalise by an estimate of the gradient's variance (default False).
        maximize (bool): maximize the objective instead of minimizing it.
        capturable, foreach: accepted for compatibility.

    State per parameter: ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0), ``grad_avg`` (centered).

    Example::

        >>> opt = optim.RMSprop(model.parameters(), lr=1e-3, momentum=0.9)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_nonnegative(("learning rate", lr), ("epsilon value", eps), ("momentum value", momentum), ("weight_decay value", weight_decay), ("alpha value", alpha))
        _check_differentiable(differentiable)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        _set_group_defaults(self, momentum=0, centered=False, foreach=None, maximize=False, differentiable=False,
                                  capturable=False)
        _fix_steps(self, lambda g: g["capturable"])

    def step(self, closure=None):
        """One RMSprop update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, alpha, eps = _scalar(group["lr"]), _scalar(group["alpha"]), _scalar(group["eps"])
            wd, momentum = _scalar(group["weight_decay"]), _scalar(group["momentum"])
            centered, maximize = group["centered"], group["maximize"]
            for p, d, g, xp, state in self._with_grads(group):
                if len(state) == 0:
                    state["step"] = _step_tensor(0.0, d if group["capturable"] else None)
                    state["square_avg"] = _zeros_like(d)
                    if momentum > 0:
                        state["momentum_buffer"] = _zeros_like(d)
                    if centered:
                        state["grad_avg"] = _zeros_like(d)
                state["step"]._data += 1
                g = _regularized(g, d, maximize, wd)
                sq = state["square_avg"]._data
                tmp = xp.empty_like(d)
                sq *= alpha                                  # sq = alpha sq + (1 - alpha) g^2
                xp.multiply(g, 1.0 - alpha, out=tmp)
                tmp *= g
                sq += tmp
                if centered:
                    ga = state["grad_avg"]._data
                    _lerp_(ga, g, 1.0 - alpha, tmp)
                    xp.multiply(ga, -1.0, out=tmp)           # avg = sqrt(sq - ga^2)
                    tmp *= ga
                    tmp += sq
                    avg = xp.sqrt(tmp, out=tmp)
                else:
                    avg = xp.sqrt(sq, out=tmp)
                avg += eps
                if momentum > 0:
                    b = state["momentum_buffer"]._data
                    b *= momentum
                    xp.divide(g, avg, out=tmp)
                    b += tmp
                    xp.multiply(b, lr, out=tmp)
                    d -= tmp
                else:
                    xp.divide(g, avg, out=tmp)
                    tmp *= -lr
                    d += tmp
                _bump(p)
        return loss
