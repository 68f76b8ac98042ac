"""Stochastic gradient descent, optionally with momentum (heavy-ball or Nesterov) and weight decay."""
from ..tensor import _wrap
from .optimizer import Optimizer, _bump, _check_differentiable, _scalar

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent (PyTorch's formulation of momentum).

    .. math::
        g_t = \nabla f(\theta_{t-1}) + \lambda\theta_{t-1}, \quad
        b_t = \mu b_{t-1} + (1 - \tau) g_t, \quad
        \theta_t = \theta_{t-1} - \gamma\,(g_t + \mu b_t \text{ if nesterov else } b_t)

    with :math:`b_1 = g_1`; ``maximize`` negates the gradient.

    Args:
        params: parameters or parameter groups to optimize.
        lr (float): learning rate :math:`\gamma` (default 1e-3).
        momentum (float): momentum factor :math:`\mu` (default 0).
        dampening (float): dampening :math:`\tau` for momentum (default 0).
        weight_decay (float): L2 penalty :math:`\lambda` (default 0).
        nesterov (bool): Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize (bool): maximize the objective instead of minimizing it.
        foreach, fused: accepted for compatibility (one implementation serves all).

    Example::

        >>> opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()   # doctest: +SKIP
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        _check_differentiable(differentiable)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def step(self, closure=None):
        """One SGD update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _scalar(group["lr"])
            wd = _scalar(group["weight_decay"])
            momentum = _scalar(group["momentum"])
            dampening = _scalar(group["dampening"])
            nesterov, maximize = group["nesterov"], group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                d = p._data
                g = p.grad._data
                owned = False           # whether g is a temporary we may overwrite
                if maximize:
                    g = -g
                    owned = True
                if wd != 0:
                    if owned:
                        g += wd * d
                    else:
                        g = g + wd * d
                        owned = True
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = _wrap(g.copy())
                        state["momentum_buffer"] = buf
                    else:
                        b = buf._data
                        b *= momentum
                        b += g if dampening == 0 else (1.0 - dampening) * g
                    if nesterov:
                        if owned:
                            g += momentum * buf._data
                        else:
                            g = g + momentum * buf._data
                            owned = True
                    else:
                        g = buf._data
                        owned = False
                if owned:
                    g *= lr
                    d -= g
                else:
                    d -= lr * g
                _bump(p)
        return loss
