"""Rprop: resilient backpropagation, per-coordinate step sizes driven by the sign of the gradient."""
from .optimizer import Optimizer, _bump, _check_differentiable, _fix_steps, _scalar, _set_group_defaults, _step_tensor
from .optimizer import _check_nonnegative, _zeros_like

__all__ = ["Rprop"]


class Rprop(Optimizer):
    r"""Rprop (Riedmiller & Braun, 1993), as PyTorch implements it.

    Each coordinate keeps its own step size :math:`\eta`: when the gradient keeps its sign it grows
    (:math:`\eta \leftarrow \min(\eta\,\eta_+, \Gamma_{max})`), when it flips it shrinks
    (:math:`\eta \leftarrow \max(\eta\,\eta_-, \Gamma_{min})`) and that coordinate skips this step (its
    gradient is taken as 0); the parameter moves by :math:`-\eta\,\mathrm{sign}(g)`.

    Args:
        params: parameters or parameter groups to optimize.
        lr (float): initial step size of every coordinate (default 1e-2).
        etas (tuple[float, float]): :math:`(\eta_-, \eta_+)`, shrink and growth factors (default (0.5, 1.2)).
        step_sizes (tuple[float, float]): :math:`(\Gamma_{min}, \Gamma_{max})` (default (1e-6, 50)).
        maximize (bool): maximize the objective instead of minimizing it.
        capturable (bool): keep ``step`` on the parameter's device.
        foreach: accepted for compatibility (one implementation serves all).

    State per parameter: ``step``, ``prev`` (the last gradient used) and ``step_size``.

    Example::

        >>> import zoo_core
        >>> w = zoo_core.nn.Parameter(zoo_core.tensor([1.0, -2.0]))
        >>> opt = zoo_core.optim.Rprop([w], lr=0.1)
        >>> w.grad = zoo_core.tensor([0.5, -0.5]); opt.step()
        >>> w
        Parameter containing:
        tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        _check_nonnegative(("learning rate", lr))
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        _check_differentiable(differentiable)
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        _set_group_defaults(self, foreach=None, maximize=False, differentiable=False, capturable=False)
        _fix_steps(self, lambda g: g["capturable"])

    def step(self, closure=None):
        """One Rprop update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            etaminus, etaplus = (_scalar(e) for e in group["etas"])
            smin, smax = (_scalar(s) for s in group["step_sizes"])
            for p, d, g, xp, state in self._with_grads(group):
                if len(state) == 0:
                    state["step"] = _step_tensor(0.0, d if group["capturable"] else None)
                    state["prev"] = _zeros_like(d)
                    step_size = _zeros_like(g)
                    step_size._data.fill(_scalar(group["lr"]))
                    state["step_size"] = step_size
                state["step"]._data += 1
                prev, step_size = state["prev"]._data, state["step_size"]._data
                # work on arrays (not numpy scalars, which 0-d ufunc results would be) for the masked writes
                g = xp.negative(g, out=xp.empty_like(g)) if group["maximize"] else g.copy()
                # the factor by which each step size changes: eta+ where the gradient kept its sign, eta- where
                # it flipped, 1 where either is 0 (written in this order, as PyTorch, so NaN stays NaN)
                sign = xp.multiply(g, prev, out=xp.empty_like(g))
                xp.sign(sign, out=sign)
                sign[sign > 0] = etaplus
                sign[sign < 0] = etaminus
                sign[sign == 0] = 1
                step_size *= sign
                xp.clip(step_size, smin, smax, out=step_size)
                g[sign == etaminus] = 0                      # a flipped sign skips this step
                xp.sign(g, out=sign)
                sign *= step_size
                d -= sign
                prev[...] = g
                _bump(p)
        return loss
