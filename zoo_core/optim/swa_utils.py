"""Stochastic Weight Averaging and EMA of weights, as ``torch.optim.swa_utils``: ``AveragedModel`` keeps a
running average of a model's parameters, ``SWALR`` anneals the lr to a constant SWA lr, and ``update_bn``
recomputes BatchNorm statistics for the averaged weights."""
from copy import deepcopy
import itertools
import math

from ..autograd.grad_mode import no_grad
from ..nn.module import Module
from ..nn.modules.normalization import _BatchNorm
from ..ops.creation import tensor
from ..tensor import Tensor
from .lr_scheduler import LRScheduler, _format_param, _warn_get_lr_called_within_step

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn", "get_ema_avg_fn",
           "get_swa_avg_fn"]


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def get_ema_multi_avg_fn(decay=0.999):
    """An in-place EMA over lists of parameters, for ``AveragedModel(multi_avg_fn=...)``:
    ``ema = decay * ema + (1 - decay) * current``.

    Example::

        >>> import zoo_core
        >>> ema, cur = [zoo_core.zeros(2)], [zoo_core.ones(2)]
        >>> zoo_core.optim.swa_utils.get_ema_multi_avg_fn(0.75)(ema, cur, 1); ema[0]
        tensor([0.2500, 0.2500])
    """
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _):
        with no_grad():
            if ema_param_list[0].is_floating_point() or ema_param_list[0].is_complex():
                for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
                    p_ema.lerp_(p_model, 1 - decay)
            else:
                for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
                    p_ema.copy_(p_ema * decay + p_model * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """An in-place equal-weight running average over lists of parameters: after ``n`` models,
    ``avg += (current - avg) / (n + 1)``.

    Example::

        >>> import zoo_core
        >>> avg, cur = [zoo_core.zeros(2)], [zoo_core.ones(2)]
        >>> zoo_core.optim.swa_utils.get_swa_multi_avg_fn()(avg, cur, 3); avg[0]
        tensor([0.2500, 0.2500])
    """
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        with no_grad():
            if averaged_param_list[0].is_floating_point() or averaged_param_list[0].is_complex():
                # PyTorch's lerp weight 1 / (n + 1): a float32 number when n is an int64 tensor
                weight = 1 / (num_averaged + 1)
                weight = weight.item() if isinstance(weight, Tensor) else weight
                for p_avg, p_model in zip(averaged_param_list, current_param_list, strict=True):
                    p_avg.lerp_(p_model, weight)
            else:
                for p_avg, p_model in zip(averaged_param_list, current_param_list, strict=True):
                    p_avg.copy_(p_avg + (p_model - p_avg) / (num_averaged + 1))
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """The EMA of one parameter, for ``AveragedModel(avg_fn=...)``: returns ``decay * ema + (1 - decay) * current``.

    Example::

        >>> import zoo_core
        >>> zoo_core.optim.swa_utils.get_ema_avg_fn(0.5)(zoo_core.zeros(2), zoo_core.ones(2), 1)
        tensor([0.5000, 0.5000])
    """
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """The equal-weight running average of one parameter: returns ``avg + (current - avg) / (n + 1)``.

    Example::

        >>> import zoo_core
        >>> zoo_core.optim.swa_utils.get_swa_avg_fn()(zoo_core.zeros(2), zoo_core.ones(2), 1)
        tensor([0.5000, 0.5000])
    """
    def swa_update(averaged_param, current_param, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    r"""A copy of ``model`` whose parameters are a running average of ``model``'s, for Stochastic Weight
    Averaging (SWA, Izmailov et al. 2018) or an exponential moving average (EMA) of the weights.

    Call ``update_parameters(model)`` after optimizer steps: the first call copies the weights, later ones
    average them in with ``avg_fn(avg, current, n_averaged)`` (returns the new value) or
    ``multi_avg_fn(avg_list, current_list, n_averaged)`` (in place); neither gives the equal-weight average.
    The buffers are copied from ``model`` unless ``use_buffers=True``, which averages them too.

    Args:
        model (Module): the model to average (deep-copied).
        device: where to keep the averaged copy (default: where ``model`` is).
        avg_fn, multi_avg_fn: the averaging rule (at most one), e.g. ``get_ema_multi_avg_fn(0.999)``.
        use_buffers (bool): average the buffers as well (default False).

    Its ``state_dict`` holds ``module.*`` (the averaged model's) and ``n_averaged``, as PyTorch's.

    Example::

        >>> import zoo_core
        >>> model = zoo_core.nn.Linear(2, 1)
        >>> swa = zoo_core.optim.swa_utils.AveragedModel(model)
        >>> swa.update_parameters(model); int(swa.n_averaged)
        1
        >>> sorted(swa.state_dict())
        ['module.bias', 'module.weight', 'n_averaged']
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype="int64", device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        """Average ``model``'s current parameters (and buffers with ``use_buffers``) into this copy."""
        with no_grad():
            self._update_parameters(model)

    def _update_parameters(self, model):
        if self.use_buffers:
            self_param = itertools.chain(self.module.parameters(), self.module.buffers())
            model_param = itertools.chain(model.parameters(), model.buffers())
        else:
            self_param, model_param = self.parameters(), model.parameters()
        averaged, current = [], []
        first = int(self.n_averaged) == 0
        for p_avg, p_model in zip(self_param, model_param):
            p_model_ = p_model.detach().to(p_avg.device)
            averaged.append(p_avg.detach())
            current.append(p_model_)
            if first:
                p_avg.detach().copy_(p_model_)
        if not first:
            if self.multi_avg_fn is not None or self.avg_fn is None:
                for (device, _), (avgs, curs) in _group_by_device_and_dtype(averaged, current).items():
                    n = self.n_averaged.to(device)
                    if self.multi_avg_fn is not None:
                        self.multi_avg_fn(avgs, curs, n)
                    elif device.type == "cuda":          # PyTorch's foreach (lerp) path on accelerators
                        get_swa_multi_avg_fn()(avgs, curs, n)
                    else:
                        avg_fn = get_swa_avg_fn()
                        for p_avg, p_model in zip(avgs, curs):
                            p_avg.copy_(avg_fn(p_avg, p_model, n))
            else:
                for p_avg, p_model in zip(averaged, current):
                    p_avg.copy_(self.avg_fn(p_avg, p_model, self.n_averaged.to(p_avg.device)))
        if not self.use_buffers:
            # the buffers (e.g. BatchNorm running statistics) follow the model's
            for b_swa, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                b_swa.detach().copy_(b_model.detach().to(b_swa.device))
        self.n_averaged += 1


def _group_by_device_and_dtype(averaged, current):
    groups = {}
    for a, c in zip(averaged, current):
        avgs, curs = groups.setdefault((a.device, str(a.dtype)), ([], []))
        avgs.append(a)
        curs.append(c)
    return groups


def update_bn(loader, model, device=None):
    """Recompute the BatchNorm running statistics of ``model`` with one pass over ``loader``.

    Each batch is a tensor or a list/tuple whose first element is the input. The statistics are reset and
    accumulated as a cumulative average (momentum None) in training mode; the momenta and the training
    mode are restored afterwards. A model without BatchNorm is left untouched.

    Example::

        >>> import zoo_core
        >>> model = zoo_core.nn.Sequential(zoo_core.nn.Linear(3, 4), zoo_core.nn.BatchNorm1d(4))
        >>> zoo_core.optim.swa_utils.update_bn([zoo_core.randn(8, 3) for _ in range(2)], model)
        >>> int(model[1].num_batches_tracked)
        2
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for input in loader:
            if isinstance(input, (list, tuple)):
                input = input[0]
            if device is not None:
                input = input.to(device)
            model(input)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    r"""Anneal each group's lr to a constant ``swa_lr`` over ``anneal_epochs`` epochs (cosine or linear),
    then hold it: the scheduler of the SWA phase.

    Args:
        optimizer (Optimizer): the wrapped optimizer.
        swa_lr (float or list): the SWA lr, for all groups or one per group (stored as ``group["swa_lr"]``).
        anneal_epochs (int): epochs of the annealing phase (default 10).
        anneal_strategy (str): ``"cos"`` (default) or ``"linear"``.
        last_epoch (int): the index of the last epoch (default -1).

    Example::

        >>> import zoo_core
        >>> opt = zoo_core.optim.SGD([zoo_core.nn.Parameter(zoo_core.zeros(1))], lr=1.0)
        >>> sched = zoo_core.optim.swa_utils.SWALR(opt, swa_lr=0.1, anneal_epochs=2, anneal_strategy="linear")
        >>> lrs = []
        >>> for _ in range(3):
        ...     opt.step(); sched.step(); lrs.append(round(sched.get_last_lr()[0], 4))
        >>> lrs
        [0.55, 0.1, 0.1]
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        swa_lrs = _format_param("swa_lr", optimizer, swa_lr)
        for lr, group in zip(swa_lrs, optimizer.param_groups, strict=True):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        """Interpolate each group's lr towards ``group["swa_lr"]`` (recovering the lr the annealing started
        from out of the current one), then hold ``swa_lr`` once ``anneal_epochs`` have passed."""
        _warn_get_lr_called_within_step(self)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
                    for group in self.optimizer.param_groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [group["swa_lr"] * alpha + lr * (1 - alpha)
                for group, lr in zip(self.optimizer.param_groups, prev_lrs, strict=True)]

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def state_dict(self):
        """Every attribute except the optimizer and the annealing function (rebuilt on load)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        """Restore the attributes saved by ``state_dict()``."""
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
