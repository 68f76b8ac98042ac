"""SparseAdam: Adam that updates only the rows a sparse gradient touches (``torch.optim.SparseAdam``).

Zoo has no sparse tensors (``Tensor.is_sparse`` is always False, and ``nn.Embedding(sparse=True)`` produces a
dense gradient), so ``step()`` raises PyTorch's error for dense gradients, exactly as PyTorch would on the same
gradients. The masked update itself is written (``_sparse_adam_``, on the coalesced indices and values of a
sparse gradient) and tested against PyTorch, ready for a sparse gradient type.
"""
import math

from .. import _backend
from .optimizer import Optimizer, _bump, _scalar, _zeros_like

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    r"""Adam for parameters with sparse gradients: only the moments and parameter entries present in the
    gradient are updated (a masked Adam step with bias corrections :math:`1-\beta_1^t`, :math:`1-\beta_2^t`).

    Zoo has no sparse gradients, and PyTorch's SparseAdam rejects dense ones: ``step()`` with a gradient
    raises ``RuntimeError`` like PyTorch's; use :class:`Adam` (or :class:`AdamW`) instead. The class exists so
    that code and checkpoints naming it load (its ``state_dict`` layout is PyTorch's).

    Args:
        params: parameters or parameter groups to optimize.
        lr (float): learning rate (default 1e-3).
        betas (tuple[float, float]): decay rates of the moment estimates (default (0.9, 0.999)).
        eps (float): added to the denominator (default 1e-8).
        maximize (bool): maximize the objective instead of minimizing it.

    State per parameter: ``step`` (a Python int, as PyTorch), ``exp_avg``, ``exp_avg_sq``.

    Example::

        >>> import zoo_core
        >>> w = zoo_core.nn.Parameter(zoo_core.zeros(3))
        >>> opt = zoo_core.optim.SparseAdam([w])
        >>> w.grad = zoo_core.ones(3)
        >>> opt.step()
        Traceback (most recent call last):
          ...
        RuntimeError: SparseAdam does not support dense gradients, please consider Adam instead
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for i in (0, 1):
            if not 0.0 <= betas[i] < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
        defaults = dict(lr=lr, betas=betas, eps=eps, maximize=maximize)
        super().__init__(params, defaults)
        complex_params = [[i, j] for i, group in enumerate(self.param_groups)
                          for j, p in enumerate(group["params"]) if p.is_complex()]
        if complex_params:
            raise ValueError(f"Complex params at indices {complex_params}: SparseAdam does not support complex "
                             "parameters")

    def step(self, closure=None):
        """One SparseAdam update; raises for the dense gradients zoo produces (see the class docs)."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = (_scalar(b) for b in group["betas"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                if not grad.is_sparse:
                    raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["exp_avg"] = _zeros_like(p._data)
                    state["exp_avg_sq"] = _zeros_like(p._data)
                state["step"] += 1
                grad = grad.coalesce()       # the update is non-linear: indices must be unique
                _sparse_adam_(p._data, state["exp_avg"]._data, state["exp_avg_sq"]._data, state["step"],
                              grad._indices()._data, grad._values()._data, lr=_scalar(group["lr"]), beta1=beta1,
                              beta2=beta2, eps=_scalar(group["eps"]), maximize=group.get("maximize", False))
                _bump(p)
        return loss


def _sparse_adam_(param, exp_avg, exp_avg_sq, step, indices, values, *, lr, beta1, beta2, eps, maximize):
    """SparseAdam's update on arrays: ``indices`` (sparse_dims, nnz) unique, ``values`` (nnz, *dense_dims).

    Only the entries ``param[tuple(indices)]`` (and the moments there) change, as in PyTorch.
    """
    if values.size == 0:
        return
    xp = _backend.array_module(param)
    key = tuple(indices[i] for i in range(indices.shape[0]))
    if maximize:
        values = -values
    # old <- b * old + (1 - b) * new, written as old += (1 - b) * (new - old) on the touched entries
    old_m = exp_avg[key]
    m_update = (values - old_m) * (1 - beta1)
    exp_avg[key] = old_m + m_update
    old_v = exp_avg_sq[key]
    v_update = (values * values - old_v) * (1 - beta2)
    exp_avg_sq[key] = old_v + v_update
    numer = m_update + old_m
    denom = xp.sqrt(v_update + old_v) + eps
    step_size = lr * math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
    param[key] = param[key] + (-step_size) * (numer / denom)
