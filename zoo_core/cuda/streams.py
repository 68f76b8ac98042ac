"""CUDA streams and events (``torch.cuda.Stream``, ``torch.cuda.Event``) over CuPy's.

The usual GPU timing idiom works as in PyTorch::

    start, end = zoo_core.cuda.Event(enable_timing=True), zoo_core.cuda.Event(enable_timing=True)
    start.record(); y = model(x); end.record()
    zoo_core.cuda.synchronize(); print(start.elapsed_time(end), "ms")

``with zoo_core.cuda.stream(s):`` makes ``s`` CuPy's current stream, so every kernel Zoo launches inside
the block goes to it.
"""
from .. import _backend


def _cp(op):
    from . import _require
    return _require(op)


class Stream:
    """A CUDA stream: ``Stream()`` makes a new one on the current device (``priority`` is accepted)."""

    def __init__(self, device=None, priority=0, *, _cupy_stream=None):
        cp = _cp("Stream")
        if _cupy_stream is not None:
            self._s = _cupy_stream
        else:
            from . import _index
            with cp.cuda.Device(_index(device, "Stream")):
                # CuPy >= 12 takes priority (lower = higher priority); 0 is CUDA's default, not passed
                self._s = (cp.cuda.Stream(non_blocking=True, priority=priority) if priority
                           else cp.cuda.Stream(non_blocking=True))
        self.priority = priority
        self._prev = []

    @property
    def device(self):
        from . import current_device
        idx = getattr(self._s, "device_id", None)   # -1 for CuPy's singletons (Stream.null, Stream.ptds)
        return _backend.device("cuda", current_device() if idx is None or idx < 0 else idx)

    @property
    def cuda_stream(self):
        return self._s.ptr

    def synchronize(self):
        """Wait until all work queued on this stream is done."""
        self._s.synchronize()

    def query(self):
        """Whether all work queued on this stream is done."""
        return bool(self._s.done)

    def wait_event(self, event):
        """Make future work on this stream wait for ``event``."""
        self._s.wait_event(event._e)

    def wait_stream(self, stream):
        """Make future work on this stream wait for the work queued on ``stream`` so far."""
        self.wait_event(stream.record_event())

    def record_event(self, event=None):
        """Record ``event`` (a new one when None) on this stream; returns it."""
        event = Event() if event is None else event
        event.record(self)
        return event

    def __enter__(self):
        # a stack, so that nested ``with s:`` blocks on the same stream restore the right one
        self._prev.append(_cp("Stream").cuda.get_current_stream())
        self._s.use()
        return self

    def __exit__(self, *exc):
        self._prev.pop().use()
        return False

    def __eq__(self, other):
        return isinstance(other, Stream) and self._s.ptr == other._s.ptr

    def __hash__(self):
        return hash(self._s.ptr)

    def __repr__(self):
        return f"<zoo_core.cuda.Stream cuda_stream={hex(self._s.ptr)}>"


class Event:
    """A CUDA event: a marker in a stream, for synchronisation and (``enable_timing=True``) timing."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False, external=False):
        cp = _cp("Event")
        self.enable_timing = enable_timing
        self._e = cp.cuda.Event(block=blocking, disable_timing=not enable_timing, interprocess=interprocess)
        self._recorded = False

    def record(self, stream=None):
        """Record the event on ``stream`` (default: the current stream)."""
        self._e.record(None if stream is None else stream._s)
        self._recorded = True

    def wait(self, stream=None):
        """Make future work on ``stream`` (default: the current one) wait for this event."""
        s = current_stream() if stream is None else stream
        s.wait_event(self)

    def query(self):
        """Whether the work captured by this event has completed."""
        return bool(self._e.done)

    def synchronize(self):
        """Block until the work captured by this event has completed."""
        self._e.synchronize()

    def elapsed_time(self, end_event):
        """Milliseconds between this event and ``end_event`` (both recorded, with timing enabled)."""
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("Both events must be created with argument 'enable_timing=True'.")
        if not (self._recorded and end_event._recorded):
            raise RuntimeError("Both events must be recorded before calculating elapsed time.")
        return float(_cp("Event.elapsed_time").cuda.get_elapsed_time(self._e, end_event._e))

    def __repr__(self):
        return f"<zoo_core.cuda.Event enable_timing={self.enable_timing}>"


def current_stream(device=None):
    """The stream Zoo's kernels go to now."""
    return Stream(_cupy_stream=_cp("current_stream").cuda.get_current_stream())


def default_stream(device=None):
    """The device's default (null) stream."""
    return Stream(_cupy_stream=_cp("default_stream").cuda.Stream.null)


def set_stream(stream):
    """Make ``stream`` the current stream."""
    if stream is not None:
        stream._s.use()


class StreamContext:
    """``with stream(s):``: run the block with ``s`` as the current stream (None: no change)."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        if self.stream is not None:
            self.stream.__enter__()
        return self.stream

    def __exit__(self, *exc):
        if self.stream is not None:
            self.stream.__exit__(*exc)
        return False


def stream(stream):
    return StreamContext(stream)
