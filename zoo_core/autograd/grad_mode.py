"""Grad mode: whether ops record the graph. Context managers that also work as decorators.

The flag is process-global (not per thread): ops read ``grad_mode.enabled`` on their hot path.
"""
import functools
import inspect

enabled = True
inference = False
anomaly = False


class _Mode:
    """Base for context managers usable as decorators (``@no_grad()`` and ``@no_grad``)."""

    def __new__(cls, *args, **kwargs):
        # ``@no_grad`` without parentheses: the function arrives as the only argument
        if len(args) == 1 and not kwargs and callable(args[0]) and cls._takes_no_args:
            return cls()(args[0])
        return super().__new__(cls)

    _takes_no_args = True

    def __call__(self, fn):
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def gen_wrapper(*args, **kwargs):
                gen = fn(*args, **kwargs)
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        gen.close()
                        raise
                    with self.clone():
                        try:
                            response = gen.send(request)
                        except StopIteration as e:
                            return e.value
            return gen_wrapper

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return type(self)()


class no_grad(_Mode):
    """Ops inside record no graph: ``with zoo_core.no_grad(): y = model(x)``."""

    def __enter__(self):
        global enabled
        self.prev = enabled
        enabled = False

    def __exit__(self, *exc):
        global enabled
        enabled = self.prev


class enable_grad(_Mode):
    """Turn recording back on inside a ``no_grad`` block."""

    def __enter__(self):
        global enabled
        self.prev = enabled
        enabled = True

    def __exit__(self, *exc):
        global enabled
        enabled = self.prev


class set_grad_enabled(_Mode):
    """``set_grad_enabled(False)`` switches recording off; as a context manager it restores the old mode."""
    _takes_no_args = False

    def __init__(self, mode):
        global enabled
        self.prev = enabled
        self.mode = bool(mode)
        enabled = self.mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        global enabled
        enabled = self.prev

    def __call__(self, fn):
        # used as a decorator: the mode applies inside calls only, not from decoration on
        global enabled
        enabled = self.prev
        return super().__call__(fn)

    def clone(self):
        return set_grad_enabled(self.mode)


class inference_mode(_Mode):
    """Like ``no_grad`` (tensors made inside never record); ``inference_mode(False)`` is a no-op."""
    _takes_no_args = True

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def __enter__(self):
        global enabled, inference
        self.prev = (enabled, inference)
        if self.mode:
            enabled, inference = False, True

    def __exit__(self, *exc):
        global enabled, inference
        enabled, inference = self.prev

    def clone(self):
        return inference_mode(self.mode)


def is_grad_enabled():
    return enabled


def is_inference_mode_enabled():
    return inference


class set_detect_anomaly(_Mode):
    """``set_detect_anomaly(True)``: every backward op checks its gradients for NaN/Inf, and the error
    shows the traceback of the forward op that created the offending node."""
    _takes_no_args = False

    def __init__(self, mode, check_nan=True):
        global anomaly
        self.prev = anomaly
        self.mode = bool(mode)
        anomaly = self.mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        global anomaly
        anomaly = self.prev

    def __call__(self, fn):
        global anomaly
        anomaly = self.prev
        return super().__call__(fn)

    def clone(self):
        return set_detect_anomaly(self.mode)


class detect_anomaly(set_detect_anomaly):
    """Context manager form: ``with detect_anomaly(): loss.backward()``."""

    def __init__(self, check_nan=True):
        super().__init__(True)


def is_anomaly_enabled():
    return anomaly
