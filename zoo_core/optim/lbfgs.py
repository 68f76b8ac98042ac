"""L-BFGS: a limited-memory quasi-Newton method driven by a closure, with an optional strong-Wolfe line search.

Vectors (the flat gradient, directions, the curvature history) are arrays on the parameters' device; the
scalars (dot products, step lengths) come to the host as numpy scalars of the parameters' dtype, which mix
with Python floats the way PyTorch's 0-d tensors do, so float32 problems keep float32 arithmetic.
"""
import numpy as np

from .. import _backend
from ..autograd import grad_mode
from ..tensor import Tensor, _wrap
from .optimizer import Optimizer, _bump, _scalar
from .optimizer import _check_nonnegative

__all__ = ["LBFGS"]


def _item(a):
    """A 0-d array or numpy scalar as a host numpy scalar of its dtype (syncs once on the GPU)."""
    return a.dtype.type(a.item())


def _abs_max(xp, v):
    return _item(xp.max(xp.abs(v)))


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimizer of the cubic through two points with values ``f`` and slopes ``g``, clipped to
    ``bounds`` (default: the interval between the points); the midpoint when the cubic has no minimum."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Line search along ``d`` for a step ``t`` meeting the strong Wolfe conditions (sufficient decrease
    ``c1``, curvature ``c2``): bracket a step, then zoom in by cubic interpolation. Returns
    ``(f_new, g_new, t, evaluations)``. Follows minFunc and PyTorch's ``_strong_wolfe`` exactly."""
    xp = _backend.array_module(d)
    d_norm = _abs_max(xp, d)
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = _item(xp.dot(g_new, d))
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:                  # bracketing phase
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)   # extrapolate
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = _item(xp.dot(g_new, d))
        ls_iter += 1
    if ls_iter == max_ls:                    # reached the evaluation budget
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # zoom phase: a point satisfying the conditions lies in the bracket
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        # keep away from the bracket's ends, unless the last step already made too little progress
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = _item(xp.dot(g_new, d))
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos], bracket_gtd[high_pos] = bracket_g[low_pos], bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


def _host(v, dt):
    """A saved state scalar (0-d tensor or Python number) as a host scalar of dtype ``dt``."""
    if v is None:
        return None
    return dt.type(v.item() if isinstance(v, Tensor) else v)


class LBFGS(Optimizer):
    r"""L-BFGS (Nocedal, 1980), following PyTorch's implementation (after minFunc) step for step.

    Each ``step(closure)`` runs up to ``max_iter`` iterations: the search direction is the negative gradient
    multiplied by an inverse-Hessian estimate built from the last ``history_size`` pairs of parameter and
    gradient changes (two-loop recursion); the step length is ``lr`` (the first one scaled down to at most
    ``lr / sum|g|``), or comes from a strong-Wolfe line search. ``closure`` must clear the gradients,
    recompute the loss, call ``backward()`` and return the loss.

    There is only one parameter group, and all parameters must live on one device and share a dtype.

    Args:
        params: parameters to optimize.
        lr (float): learning rate (default 1).
        max_iter (int): iterations per ``step`` (default 20).
        max_eval (int): function evaluations per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad (float): stop when :math:`\max|g| \le` this (default 1e-7).
        tolerance_change (float): stop when the loss or the step change by less (default 1e-9).
        history_size (int): curvature pairs kept (default 100).
        line_search_fn (str): ``"strong_wolfe"`` or None (default None).

    State (on the first parameter): ``func_evals``, ``n_iter``, ``d``, ``t``, ``old_dirs``, ``old_stps``,
    ``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss`` and ``al``, as in PyTorch.

    Example::

        >>> x = nn.Parameter(zoo_core.tensor([-1.5, 2.0], dtype=zoo_core.float64))
        >>> opt = optim.LBFGS([x], lr=1, max_iter=100, line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2    # Rosenbrock
        ...     loss.backward()
        ...     return loss
        >>> _ = opt.step(closure)
        >>> [round(v, 4) for v in x.tolist()]
        [1.0, 1.0]
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        _check_nonnegative(("learning rate", lr))
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size,
                        line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]
        self._numel_cache = None

    def __setstate__(self, state):
        super().__setstate__(state)
        self._params = self.param_groups[0]["params"]     # also after unpickling, unlike PyTorch
        self._numel_cache = None

    def add_param_group(self, param_group):
        super().add_param_group(param_group)
        if len(self.param_groups) > 1:
            self.param_groups.pop()
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")

    # ---- flat views of the parameters ---------------------------------------------------------------
    def _numel(self):
        if self._numel_cache is None:
            self._numel_cache = sum(p.numel() for p in self._params)
        return self._numel_cache

    def _gather_flat_grad(self):
        """All gradients as one new flat array (zeros for parameters without a gradient)."""
        xp = _backend.array_module(self._params[0]._data)
        views = [xp.zeros_like(p._data).reshape(-1) if p.grad is None else p.grad._data.reshape(-1)
                 for p in self._params]
        return xp.concatenate(views)

    def _add_grad(self, step_size, update):
        """``params += step_size * update``, with ``update`` flat."""
        offset = 0
        for p in self._params:
            n = p._data.size
            p._data += (update[offset:offset + n] * step_size).reshape(p._data.shape)
            offset += n
            _bump(p)

    def _clone_param(self):
        return [p._data.copy() for p in self._params]

    def _set_param(self, params_data):
        for p, x in zip(self._params, params_data):
            p._data[...] = x
            _bump(p)

    def _evaluate(self, closure):
        with grad_mode.enable_grad():
            return closure()

    def _directional_evaluate(self, closure, x, t, d):
        """Loss and flat gradient at ``x + t d``; the parameters are restored to ``x`` after."""
        self._add_grad(t, d)
        loss = float(self._evaluate(closure))
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # ---- the optimization ---------------------------------------------------------------------------
    def step(self, closure):
        """Run up to ``max_iter`` L-BFGS iterations; returns the loss of the first ``closure()`` call."""
        with np.errstate(all="ignore"):     # inf/nan in the host scalars propagate silently, as in PyTorch
            return self._step(closure)

    def _step(self, closure):
        group = self.param_groups[0]
        lr = _scalar(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = self._evaluate(closure)
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        xp = _backend.array_module(flat_grad)
        dt = flat_grad.dtype
        if _abs_max(xp, flat_grad) <= tolerance_grad:
            return orig_loss

        # the state from the previous step (Tensors, as PyTorch saves them) as arrays and host scalars
        def arr(v):
            return None if v is None else v._data
        d, prev_flat_grad = arr(state.get("d")), arr(state.get("prev_flat_grad"))
        t = state.get("t")
        t = None if t is None else _host(t, dt)
        old_dirs = [v._data for v in state.get("old_dirs", [])]
        old_stps = [v._data for v in state.get("old_stps", [])]
        ro = [_host(v, dt) for v in state.get("ro", [])]
        H_diag = _host(state.get("H_diag"), dt)
        prev_loss = state.get("prev_loss")
        al = [_host(v, dt) for v in state["al"]] if "al" in state else None

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            # the descent direction
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = dt.type(1)
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = _item(xp.dot(y, s))
                if ys > 1e-10:               # keep the pair only when the curvature is positive
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / _item(xp.dot(y, y))
                num_old = len(old_dirs)
                if al is None:
                    al = [None] * history_size
                # two-loop recursion: d = -H g
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = _item(xp.dot(old_stps[i], q)) * ro[i]
                    q += old_dirs[i] * -al[i]
                d = r = q * H_diag
                for i in range(num_old):
                    be_i = _item(xp.dot(old_dirs[i], r)) * ro[i]
                    r += old_stps[i] * (al[i] - be_i)

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                prev_flat_grad[...] = flat_grad
            prev_loss = loss

            # the step length
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / _item(xp.sum(xp.abs(flat_grad)))) * lr
            else:
                t = lr
            gtd = _item(xp.dot(flat_grad, d))
            if gtd > -tolerance_change:      # not a descent direction
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = self._clone_param()

                def obj_func(x, t, d):
                    return self._directional_evaluate(closure, x, t, d)
                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = _abs_max(xp, flat_grad) <= tolerance_grad
            else:
                self._add_grad(t, d)
                if n_iter != max_iter:       # re-evaluate, unless this was the last iteration
                    loss = float(self._evaluate(closure))
                    flat_grad = self._gather_flat_grad()
                    opt_cond = _abs_max(xp, flat_grad) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            # stopping conditions
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if _abs_max(xp, d * t) <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        def scalar_tensor(v):
            return None if v is None else _wrap(np.asarray(v, dtype=dt))
        state["d"] = None if d is None else _wrap(d)          # None only with max_iter=0
        state["t"] = None if t is None else float(t)
        state["old_dirs"] = [_wrap(v) for v in old_dirs]
        state["old_stps"] = [_wrap(v) for v in old_stps]
        state["ro"] = [scalar_tensor(v) for v in ro]
        state["H_diag"] = scalar_tensor(H_diag)
        state["prev_flat_grad"] = None if prev_flat_grad is None else _wrap(prev_flat_grad)
        state["prev_loss"] = prev_loss
        if al is not None:
            state["al"] = [scalar_tensor(v) for v in al]
        return orig_loss
