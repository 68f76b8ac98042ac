"""NAdam: Adam with Nesterov momentum, and the momentum schedule of Dozat (2016)."""
from ..tensor import Tensor
from .optimizer import _regularized
from .optimizer import (Optimizer, _bump, _check_differentiable, _fix_steps, _lerp_, _scalar, _step_tensor,
                        _zeros_like)
from .optimizer import _check_betas, _check_nonnegative, _set_group_defaults

__all__ = ["NAdam"]


class NAdam(Optimizer):
    r"""NAdam (Dozat, 2016), following PyTorch's algorithm step for step.

    .. math::
        \mu_t = \beta_1\bigl(1 - \tfrac12\, 0.96^{t\psi}\bigr), \quad
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \\
        \theta_t = \theta_{t-1} - \gamma\Bigl(\frac{(1-\mu_t)\, g_t}{1-\prod_{i\le t}\mu_i}
                   + \frac{\mu_{t+1} m_t}{1-\prod_{i\le t+1}\mu_i}\Bigr) \Big/
                   \Bigl(\sqrt{v_t/(1-\beta_2^t)} + \epsilon\Bigr)

    with :math:`\psi` the ``momentum_decay``. ``weight_decay`` adds :math:`\lambda\theta` to the gradient, or
    with ``decoupled_weight_decay=True`` (NAdamW) scales :math:`\theta` by :math:`1-\gamma\lambda` first;
    ``maximize`` negates the gradient.

    Args:
        params: parameters or parameter groups to optimize.
        lr (float): learning rate (default 2e-3).
        betas (tuple[float, float]): decay rates of the moment estimates (default (0.9, 0.999)).
        eps (float): added to the denominator (default 1e-8).
        weight_decay (float): weight decay (default 0).
        momentum_decay (float): :math:`\psi` above (default 4e-3).
        decoupled_weight_decay (bool), maximize (bool): see above.
        foreach, capturable: accepted for compatibility (one implementation serves all).

    State per parameter: ``step``, ``mu_product`` (0-d tensors like ``step``), ``exp_avg``, ``exp_avg_sq``.

    Example::

        >>> opt = optim.NAdam(model.parameters(), lr=2e-3, momentum_decay=4e-3)
        >>> model(zoo_core.ones(3, 4)).sum().backward(); opt.step()
        >>> round(opt.state[model.weight]["mu_product"].item(), 4)
        0.4501
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_nonnegative(("learning rate", lr), ("epsilon value", eps))
        _check_betas(betas)
        _check_nonnegative(("weight_decay value", weight_decay), ("momentum_decay value", momentum_decay))
        _check_differentiable(differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        _set_group_defaults(self, maximize=False, foreach=None, capturable=False, differentiable=False,
                                  decoupled_weight_decay=False)
        for group in self.param_groups:
            for p in group["params"]:          # old checkpoints kept mu_product as a Python float
                st = self.state.get(p)
                if st and "mu_product" in st and not isinstance(st["mu_product"], Tensor):
                    st["mu_product"] = _step_tensor(float(st["mu_product"]),
                                                    p._data if group["capturable"] else None)
        _fix_steps(self, lambda g: g["capturable"])

    def step(self, closure=None):
        """One NAdam update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = (_scalar(b) for b in group["betas"])
            lr, eps, wd = _scalar(group["lr"]), _scalar(group["eps"]), _scalar(group["weight_decay"])
            psi, maximize = _scalar(group["momentum_decay"]), group["maximize"]
            decoupled = group["decoupled_weight_decay"]
            for p, d, g, xp, state in self._with_grads(group):
                if len(state) == 0:
                    on_device = d if group["capturable"] else None
                    state["step"] = _step_tensor(0.0, on_device)
                    state["mu_product"] = _step_tensor(1.0, on_device)
                    state["exp_avg"] = _zeros_like(d)
                    state["exp_avg_sq"] = _zeros_like(d)
                st = state["step"]._data
                st += 1
                step = float(st)
                g = _regularized(g, d, maximize, wd, lr, decoupled)
                bc2 = 1.0 - beta2 ** step
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
                # the product lives in the state tensor's dtype (float32 by default), as in PyTorch
                mp_arr = state["mu_product"]._data
                mp_arr *= mu
                mu_product = float(mp_arr)
                mu_product_next = mu_product * mu_next
                m = state["exp_avg"]._data
                v = state["exp_avg_sq"]._data
                tmp = xp.empty_like(d)
                _lerp_(m, g, 1.0 - beta1, tmp)
                v *= beta2                                   # v = beta2 v + (1 - beta2) g^2
                xp.multiply(g, 1.0 - beta2, out=tmp)
                tmp *= g
                v += tmp
                denom = xp.divide(v, bc2, out=xp.empty_like(d))  # sqrt(v / bc2) + eps (out=: 0-d stays an array)
                xp.sqrt(denom, out=denom)
                denom += eps
                xp.divide(g, denom, out=tmp)                 # the Nesterov gradient term, then the momentum term
                tmp *= -lr * (1.0 - mu) / (1.0 - mu_product)
                d += tmp
                xp.divide(m, denom, out=tmp)
                tmp *= (-lr * mu_next) / (1.0 - mu_product_next)
                d += tmp
                _bump(p)
        return loss
