"""Adam and AdamW (decoupled weight decay), with the AMSGrad variant."""
import numpy as np

from ..tensor import Tensor
from .optimizer import _regularized
from .optimizer import Optimizer, _bump, _check_differentiable, _lerp_, _scalar, _step_tensor, _zeros_like, _fix_steps
from .optimizer import _check_betas, _check_nonnegative, _set_group_defaults

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), following PyTorch's algorithm step for step.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad
        \theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,
                   \frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    ``weight_decay`` adds :math:`\lambda\theta` to the gradient (L2), or with
    ``decoupled_weight_decay=True`` (AdamW) scales :math:`\theta` by :math:`1-\gamma\lambda` first;
    ``amsgrad`` uses the running maximum of :math:`v_t`; ``maximize`` negates the gradient.

    Args:
        params: parameters or parameter groups to optimize.
        lr (float): learning rate (default 1e-3).
        betas (tuple[float, float]): decay rates of the moment estimates (default (0.9, 0.999)).
        eps (float): added to the denominator (default 1e-8).
        weight_decay (float): weight decay (default 0).
        amsgrad (bool): use AMSGrad (default False).
        maximize (bool), decoupled_weight_decay (bool): see above.
        foreach, capturable, fused: accepted for compatibility (one implementation serves all).

    State per parameter: ``step`` (0-d float32 tensor), ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq``.

    Example::

        >>> opt = optim.Adam(model.parameters(), lr=3e-4)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        _check_nonnegative(("learning rate", lr), ("epsilon value", eps))
        _check_betas(betas)
        _check_nonnegative(("weight_decay value", weight_decay))
        _check_differentiable(differentiable)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        _set_group_defaults(self, amsgrad=False, maximize=False, foreach=None, capturable=False,
                                  differentiable=False, decoupled_weight_decay=False, fused=None)
        _fix_steps(self, lambda g: g["capturable"] or g["fused"])

    def step(self, closure=None):
        """One Adam update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            beta1, beta2 = _scalar(beta1), _scalar(beta2)
            lr, eps, wd = _scalar(group["lr"]), _scalar(group["eps"]), _scalar(group["weight_decay"])
            amsgrad, maximize = group["amsgrad"], group["maximize"]
            decoupled = group.get("decoupled_weight_decay", False)
            on_device = group["capturable"] or group["fused"]
            for p, d, g, xp, state in self._with_grads(group):
                if len(state) == 0:
                    state["step"] = _step_tensor(0.0, d if on_device else None)
                    state["exp_avg"] = _zeros_like(d)
                    state["exp_avg_sq"] = _zeros_like(d)
                    if amsgrad:
                        state["max_exp_avg_sq"] = _zeros_like(d)
                st = state["step"]._data
                st += 1
                if on_device and type(st) is not np.ndarray:
                    # capturable/fused: no sync; bias corrections in the wider of the step's and param's dtype
                    step = st.astype(np.promote_types(st.dtype, d.dtype))
                else:
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
                step_size = lr / (1.0 - beta1 ** step)
                bc2_sqrt = (1.0 - beta2 ** step) ** 0.5
                if amsgrad:
                    if "max_exp_avg_sq" not in state:
                        state["max_exp_avg_sq"] = _zeros_like(d)
                    mx = state["max_exp_avg_sq"]._data
                    xp.maximum(mx, v, out=mx)
                    v = mx
                denom = xp.sqrt(v, out=tmp)                  # sqrt(v) / sqrt(bc2) + eps
                denom /= bc2_sqrt
                denom += eps
                xp.divide(m, denom, out=tmp)
                tmp *= -step_size
                d += tmp
                _bump(p)
        return loss


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter): :math:`\theta \leftarrow \theta(1-\gamma\lambda)`
    before the Adam update, so the decay does not pass through the moment estimates.

    Same arguments as :class:`Adam`, with ``weight_decay`` defaulting to 1e-2.

    Example::

        >>> opt = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
