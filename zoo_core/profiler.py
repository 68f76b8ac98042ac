"""A CPU-side profiler with PyTorch's interface (``torch.profiler``): which ops and blocks took the time.

While a ``profile`` is active, every call into Zoo's op layer (``zoo_core.ops``, ``nn.functional``'s
implementations, the autograd engine's backward) and every ``record_function`` block is timed with
``sys.setprofile``; ``key_averages().table()`` lists calls, total and self time per name, as PyTorch's
does. Outside a profile nothing is hooked, so ops pay nothing. On CUDA the times are those of the host
(kernel launches are asynchronous; call ``zoo_core.cuda.synchronize()`` inside the block to attribute
device time).

Example::

    >>> from zoo_core.profiler import profile, record_function
    >>> with profile() as prof:
    ...     with record_function("forward"):
    ...         y = (zoo_core.randn(64, 64) @ zoo_core.randn(64, 64)).relu()
    >>> "matmul" in prof.key_averages().table()
    True
"""
import enum
import json
import os
import sys
import threading
import time

__all__ = ["profile", "record_function", "ProfilerActivity", "schedule", "tensorboard_trace_handler",
           "ProfilerAction"]

_OP_MODULES = ("zoo_core.ops.", "zoo_core.nn._functional.", "zoo_core.autograd.engine", "zoo_core.random",
               "zoo_core.func", "zoo_core.linalg", "zoo_core.special")
_active = []   # the profiles recording now


class ProfilerActivity(enum.Enum):
    CPU = 0
    CUDA = 1
    XPU = 2
    MTIA = 3


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(*, wait, warmup, active, repeat=0, skip_first=0):
    """PyTorch's step schedule: ``prof.step()`` moves through wait, warmup and active phases."""
    def action(step):
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        cycle = wait + warmup + active
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        pos = step % cycle
        if pos < wait:
            return ProfilerAction.NONE
        if pos < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD_AND_SAVE if pos == cycle - 1 else ProfilerAction.RECORD
    return action


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False):
    """An ``on_trace_ready`` handler writing a Chrome trace per active phase into ``dir_name``."""
    def handler(prof):
        os.makedirs(dir_name, exist_ok=True)
        name = worker_name or f"{os.uname().nodename}_{os.getpid()}"
        prof.export_chrome_trace(os.path.join(dir_name, f"{name}.{int(time.time() * 1000)}.pt.trace.json"))
    return handler


class _Event:
    __slots__ = ("name", "start", "end", "self_time", "depth", "shapes")

    def __init__(self, name, start, depth, shapes=None):
        self.name, self.start, self.depth, self.shapes = name, start, depth, shapes
        self.end = None
        self.self_time = 0.0


class FunctionEventAvg:
    """Totals for one name: ``count``, ``cpu_time_total`` and ``self_cpu_time_total`` (microseconds)."""

    def __init__(self, key):
        self.key, self.count, self.cpu_time_total, self.self_cpu_time_total = key, 0, 0.0, 0.0

    @property
    def cpu_time(self):
        return self.cpu_time_total / max(self.count, 1)

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total:.1f}us "
                f"cpu_time={self.cpu_time_total:.1f}us count={self.count}>")


class EventList(list):
    """Averages per name, with PyTorch's ``table()``."""

    def table(self, sort_by="cpu_time_total", row_limit=100, max_name_column_width=55, header=None, **kwargs):
        key = {"cpu_time_total": "cpu_time_total", "self_cpu_time_total": "self_cpu_time_total",
               "cpu_time": "cpu_time", "count": "count"}.get(sort_by, "cpu_time_total")
        rows = sorted(self, key=lambda e: getattr(e, key), reverse=True)
        if row_limit is not None and row_limit >= 0:
            rows = rows[:row_limit]
        total_self = sum(e.self_cpu_time_total for e in self) or 1.0
        w = max([len("Name")] + [min(len(e.key), max_name_column_width) for e in rows])
        line = "-" * (w + 2) + "  " + "  ".join(["-" * 12] * 5)
        out = [header] if header else []
        out += [line, f"{'Name':<{w + 2}}  {'Self CPU %':>12}  {'Self CPU':>12}  {'CPU total':>12}  "
                      f"{'CPU time avg':>12}  {'# of Calls':>12}", line]
        for e in rows:
            out.append(f"{e.key[:w]:<{w + 2}}  {100 * e.self_cpu_time_total / total_self:>11.2f}%  "
                       f"{_fmt(e.self_cpu_time_total):>12}  {_fmt(e.cpu_time_total):>12}  "
                       f"{_fmt(e.cpu_time):>12}  {e.count:>12}")
        out += [line, f"Self CPU time total: {_fmt(total_self)}"]
        return "\n".join(out)

    def __str__(self):
        return self.table()


def _fmt(us):
    return f"{us / 1e6:.3f}s" if us >= 1e6 else f"{us / 1e3:.3f}ms" if us >= 1e3 else f"{us:.3f}us"


class profile:
    """``with profile() as prof:`` records op and ``record_function`` times (see the module docstring).

    ``activities``, ``record_shapes``, ``profile_memory``, ``with_stack``, ``with_flops`` and
    ``with_modules`` are accepted; ``schedule`` and ``on_trace_ready`` work with ``prof.step()``.
    """

    def __init__(self, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False,
                 use_cuda=None, enabled=True):
        self.schedule, self.on_trace_ready, self.enabled = schedule, on_trace_ready, enabled
        self.record_shapes = record_shapes
        self.events = []
        self._stack = []
        self._step = 0
        self._recording = False
        self._prev_profile = None
        self._thread = None

    # ---- recording --------------------------------------------------------------------------------
    def _hook(self, frame, event, arg):
        if event == "call":
            mod = frame.f_globals.get("__name__", "")
            # private helpers and <lambda>/<genexpr>/<listcomp> frames are not ops (a generator's frame would
            # also count once per resumed item)
            if mod.startswith(_OP_MODULES) and frame.f_code.co_name[0] not in "_<":
                self._push(f"zoo::{frame.f_code.co_name}", frame)
        elif event == "return" and self._stack and self._stack[-1][1] is frame:
            self._pop()

    def _push(self, name, frame=None):
        ev = _Event(name, time.perf_counter(), len(self._stack))
        self._stack.append((ev, frame))
        self.events.append(ev)
        return ev

    def _pop(self):
        ev, _ = self._stack.pop()
        ev.end = time.perf_counter()
        dur = ev.end - ev.start
        ev.self_time += dur
        if self._stack:
            self._stack[-1][0].self_time -= dur

    def _start(self):
        if self._recording or not self.enabled:
            return
        self._recording = True
        self._thread = threading.get_ident()
        self._prev_profile = sys.getprofile()
        _active.append(self)
        sys.setprofile(self._hook)

    def _stop(self):
        if not self._recording:
            return
        while self._stack:
            self._pop()
        sys.setprofile(self._prev_profile)
        _active.remove(self)
        self._recording = False

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        if self.schedule is None or self.schedule(self._step) != ProfilerAction.NONE:
            self._start()

    def stop(self):
        # as PyTorch: leaving the profile in an active phase of a schedule hands that partial trace over
        action = None if self.schedule is None else self.schedule(self._step)
        self._stop()
        if self.on_trace_ready is not None and (
                action is None or action in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)):
            self.on_trace_ready(self)

    def step(self):
        """Advance the schedule by one step (start or stop recording, hand finished traces over)."""
        if self.schedule is None:
            return
        prev = self.schedule(self._step)
        self._step += 1
        now = self.schedule(self._step)
        if prev == ProfilerAction.RECORD_AND_SAVE:
            self._stop()
            if self.on_trace_ready is not None:
                self.on_trace_ready(self)
            self.events = []
        if now == ProfilerAction.NONE:
            self._stop()
        elif now == ProfilerAction.WARMUP:
            self._stop()
            self.events = []
        else:
            self._start()
            if prev in (ProfilerAction.WARMUP, ProfilerAction.NONE):
                self.events = []

    # ---- results ----------------------------------------------------------------------------------
    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        """One ``FunctionEventAvg`` per name (times in microseconds)."""
        by = {}
        for ev in self.events:
            if ev.end is None:
                continue
            avg = by.get(ev.name)
            if avg is None:
                avg = by[ev.name] = FunctionEventAvg(ev.name)
            avg.count += 1
            avg.cpu_time_total += (ev.end - ev.start) * 1e6
            avg.self_cpu_time_total += ev.self_time * 1e6
        return EventList(by.values())

    def export_chrome_trace(self, path):
        """Write the recorded events as a Chrome/Perfetto trace (JSON), atomically."""
        t0 = min((e.start for e in self.events), default=0.0)
        trace = {"traceEvents": [{"name": e.name, "ph": "X", "cat": "cpu_op", "pid": os.getpid(), "tid": 0,
                                  "ts": (e.start - t0) * 1e6, "dur": (e.end - e.start) * 1e6}
                                 for e in self.events if e.end is not None]}
        tmp = f"{path}.partial"
        with open(tmp, "w") as f:
            json.dump(trace, f)
        os.replace(tmp, path)


class record_function:
    """``with record_function("name"):`` (or as a decorator) makes the block one named event."""

    def __init__(self, name, args=None):
        self.name = name

    def __enter__(self):
        self._profs = [(p, p._push(self.name)) for p in _active if p._recording]
        return self

    def __exit__(self, *exc):
        for p, ev in self._profs:
            # ops that raised inside the block may have left frames open: close them with the block (by
            # identity: a block whose event a schedule step already closed must not close its parents')
            if any(e is ev for e, _ in p._stack):
                while p._stack[-1][0] is not ev:
                    p._pop()
                p._pop()
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with record_function(self.name):
                return fn(*args, **kwargs)
        return wrapper
