"""Random numbers: per-device generators, seeding, sampling functions and the in-place fills.

A ``Generator`` owns one bit generator on one device: numpy's PCG64 on ``cpu``, CuPy's cuRAND XORWOW
(``cupy.random.Generator``) on ``cuda:N``. CuPy reduces the 64-bit seed to a 32-bit cuRAND seed (through a
``SeedSequence``), so on CUDA distinct seeds can, rarely, give the same stream. Both expose the same methods (``random``, ``standard_normal``,
``integers``, ``standard_exponential``...), so every sampler below runs one code path on either device.
Values are drawn directly in the target dtype (``standard_normal(dtype=float32)``), so a seed fixes the
numbers. The streams differ from PyTorch's (different algorithms); the distributions and the API match.

``manual_seed(s)`` seeds the CPU generator and every CUDA generator; CUDA generators are created on
first use, so seeding never imports CuPy. ``get_state()`` returns a uint8 tensor that ``set_state()``
restores exactly (checkpoints rely on this).

Example::

    >>> g = zoo_core.Generator().manual_seed(0)
    >>> state = g.get_state()
    >>> a = zoo_core.randn(2, generator=g)
    >>> b = zoo_core.randn(2, generator=g.set_state(state))
    >>> a.tolist() == b.tolist()
    True
"""
import contextlib
import math
import os

import numpy as np

from . import _backend, _dtype
from .autograd import grad_mode
from .autograd.graph import record
from .ops.creation import _finish, _size, zeros
from .tensor import Tensor, _wrap, inplace_update

_DEFAULT_SEED = 67280421310721   # PyTorch's seed for a new Generator and for the CUDA default generators
_CUDA_STATES = 1 << 17           # cuRAND states per CUDA generator: fixed, so streams don't depend on the GPU
_MAGIC = b"ZRNG"
_VERSION = 1
_KINDS = ("cpu", "cuda")


def _check_seed(seed, op):
    try:
        s = int(seed)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: seed must be an int, got {type(seed).__name__}") from None
    if not -(1 << 63) <= s < (1 << 64):
        raise ValueError(f"{op}: seed must be in [-2**63, 2**64), got {s}")
    return s % (1 << 64)   # negative seeds wrap to uint64, as in PyTorch


def _entropy_seed():
    return int.from_bytes(os.urandom(8), "little")


def _make_bits(dev, seed):
    """The numpy/CuPy generator of ``dev`` seeded with ``seed``."""
    if dev.type == "cpu":
        return np.random.Generator(np.random.PCG64(seed))
    cp = _backend.cupy()
    with cp.cuda.Device(dev.index):
        try:
            bits = cp.random.XORWOW(seed, size=_CUDA_STATES)
        except TypeError:   # a CuPy without the size argument: one state per resident thread
            bits = cp.random.XORWOW(seed)
        return cp.random.Generator(bits)


class Generator:
    """A random number generator on one device (PyTorch's ``torch.Generator``).

    Example::

        >>> g = zoo_core.Generator().manual_seed(42)
        >>> zoo_core.randn(2, generator=g).shape
        zoo_core.Size([2])
    """

    def __init__(self, device="cpu"):
        dev = _backend.device(device)
        if dev.type == "cuda" and dev.index is None:
            dev = _backend.resolve_device(dev)
        self.device = dev
        self._seed = _DEFAULT_SEED
        self._bits_ = None   # built from _seed on first draw (a CUDA state costs memory and a kernel)

    def manual_seed(self, seed):
        """Seed the generator; returns the generator."""
        self._seed = _check_seed(seed, "manual_seed")
        self._bits_ = None
        return self

    def seed(self):
        """Seed from OS entropy; returns the seed."""
        s = _entropy_seed()
        self.manual_seed(s)
        return s

    def initial_seed(self):
        """The seed this generator was last seeded with."""
        return self._seed

    def _bits(self):
        b = self._bits_
        if b is None:
            b = self._bits_ = _make_bits(self.device, self._seed)
        return b

    def get_state(self):
        """The full state as a uint8 tensor (on cpu); ``set_state`` restores the exact stream."""
        kind = _KINDS.index(self.device.type)
        payload = b""
        if kind == 0:
            st = self._bits().bit_generator.state
            payload = (st["state"]["state"].to_bytes(16, "little") + st["state"]["inc"].to_bytes(16, "little")
                       + int(st["has_uint32"]).to_bytes(4, "little") + int(st["uinteger"]).to_bytes(4, "little"))
        elif self._bits_ is not None:
            payload = self._bits_.bit_generator._state.get().tobytes()
        head = _MAGIC + bytes([_VERSION, kind, 1 if payload else 0, 0]) + self._seed.to_bytes(8, "little")
        return _wrap(np.frombuffer(head + payload, dtype=np.uint8).copy())

    def set_state(self, new_state):
        """Restore a state from ``get_state`` (a uint8 tensor, numpy array or bytes); returns the generator."""
        raw = _state_bytes(new_state)
        if len(raw) < 16 or raw[:4] != _MAGIC or raw[4] != _VERSION:
            raise RuntimeError(
                f"set_state: not a zoo_core generator state ({len(raw)} bytes); pass what get_state() returned")
        kind = _KINDS[raw[5]] if raw[5] < len(_KINDS) else "?"
        if kind != self.device.type:
            raise RuntimeError(
                f"set_state: the state comes from a {kind} generator and cannot be restored into a "
                f"{self.device.type} generator")
        seed, payload = int.from_bytes(raw[8:16], "little"), raw[16:]
        if kind == "cpu":
            if len(payload) != 40:
                raise RuntimeError(f"set_state: expected a cpu state of 56 bytes, got {len(raw)}")
            self.manual_seed(seed)
            self._bits().bit_generator.state = {
                "bit_generator": "PCG64",
                "state": {"state": int.from_bytes(payload[:16], "little"),
                          "inc": int.from_bytes(payload[16:32], "little")},
                "has_uint32": int.from_bytes(payload[32:36], "little"),
                "uinteger": int.from_bytes(payload[36:40], "little")}
            return self
        self.manual_seed(seed)
        if raw[6]:
            cp = _backend.cupy()
            with cp.cuda.Device(self.device.index):
                dst = self._bits().bit_generator._state
                if dst.nbytes != len(payload):
                    raise RuntimeError(
                        f"set_state: the cuda state has {len(payload)} bytes but this generator's has "
                        f"{dst.nbytes}")
                dst[...] = cp.asarray(np.frombuffer(payload, dtype=dst.dtype))
        return self

    def _snapshot(self):
        """The state, kept where it lives: a device copy of the cuRAND states on CUDA (about 6 MiB, no
        host round trip), ``get_state()`` on the CPU. ``_restore`` puts it back."""
        if self.device.type == "cpu":
            return self.get_state()
        return self._seed, None if self._bits_ is None else self._bits_.bit_generator._state.copy()

    def _restore(self, snap):
        if self.device.type == "cpu":
            self.set_state(snap)
            return
        seed, states = snap
        self.manual_seed(seed)
        if states is not None:
            self._bits().bit_generator._state[...] = states

    def __getstate__(self):
        return {"device": str(self.device), "state": self.get_state()._data.tobytes()}

    def __setstate__(self, d):
        self.__init__(d["device"])
        self.set_state(d["state"])

    def __repr__(self):
        return f"<zoo_core.Generator object at {hex(id(self))}, device={self.device}>"


def _state_bytes(s):
    if isinstance(s, Tensor):
        if s._data.dtype != np.uint8:
            raise TypeError(f"set_state: RNG state must be a zoo_core.uint8 tensor, got {s.dtype}")
        s = _backend.to_device(s._data, _backend.CPU)
    if isinstance(s, np.ndarray):
        return s.astype(np.uint8, copy=False).tobytes()
    if isinstance(s, (bytes, bytearray, memoryview)):
        return bytes(s)
    raise TypeError(f"set_state: RNG state must be a uint8 tensor or bytes, got {type(s).__name__}")


# ---- default generators and seeding --------------------------------------------------------------
default_generator = Generator("cpu").manual_seed(_entropy_seed())   # as PyTorch: unseeded runs differ
_cuda_generators = {}            # device index -> Generator, created on first use
_cuda_seed = [_DEFAULT_SEED]     # the seed new CUDA generators start from


def _default_for(dev):
    if dev.type == "cpu":
        return default_generator
    g = _cuda_generators.get(dev.index)
    if g is None:
        g = _cuda_generators[dev.index] = Generator(dev).manual_seed(_cuda_seed[0])
    return g


def _seed_cuda(seed):
    """Seed every CUDA generator, including those not created yet (no CuPy import)."""
    _cuda_seed[0] = seed
    for g in _cuda_generators.values():
        g.manual_seed(seed)


def manual_seed(seed):
    """Seed the CPU and all CUDA generators; returns the CPU generator.

    Example::

        >>> _ = zoo_core.manual_seed(0); a = zoo_core.rand(2)
        >>> _ = zoo_core.manual_seed(0); bool((zoo_core.rand(2) == a).all())
        True
    """
    s = _check_seed(seed, "manual_seed")
    default_generator.manual_seed(s)
    _seed_cuda(s)
    return default_generator


def seed():
    """Seed every generator from OS entropy; returns the seed."""
    s = default_generator.seed()
    _seed_cuda(s)
    return s


def initial_seed():
    """The seed of the CPU generator."""
    return default_generator.initial_seed()


def get_rng_state():
    """The CPU generator's state (a uint8 tensor)."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restore the CPU generator's state from ``get_rng_state()``."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True):
    """Run a block with the generators' states saved and restored afterwards (``torch.random.fork_rng``)."""
    if not enabled:
        yield
        return
    cpu = default_generator.get_state()
    cuda_seed = _cuda_seed[0]
    if devices is not None:
        for d in devices:
            _default_for(_backend.resolve_device(d))
    before = dict(_cuda_generators)
    saved = [(g, g._snapshot()) for g in before.values()]
    try:
        yield
    finally:
        default_generator.set_state(cpu)
        _cuda_seed[0] = cuda_seed
        for g, s in saved:
            g._restore(s)
        for i in [i for i in _cuda_generators if i not in before]:
            del _cuda_generators[i]   # made inside the block: the next use starts afresh from the seed


# ---- drawing ------------------------------------------------------------------------------------
def _draw(generator, dev, op, fn):
    """``fn(bits, xp)`` with ``generator`` (the default of ``dev`` when None), on its device."""
    g = _default_for(dev) if generator is None else generator
    if g.device.type != dev.type:
        raise RuntimeError(
            f"{op}: Expected a '{dev.type}' device type for generator but found '{g.device.type}'")
    if dev.type == "cpu":
        return fn(g._bits(), np)
    cp = _backend.cupy()
    with cp.cuda.Device(g.device.index):
        arr = fn(g._bits(), cp)
    return _backend.to_device(arr, dev)


def _uniform(bits, shape, npdt):
    if npdt == np.float16:
        # 11 random bits make every float16 in [0, 1) reachable without rounding up to 1.0
        r = (bits.random(size=shape, dtype=np.float32) * 2048).astype(np.int32)
        return (r * np.float32(1 / 2048)).astype(np.float16)
    return bits.random(size=shape, dtype=npdt)


def _normal(bits, shape, npdt):
    if npdt == np.float16:
        return bits.standard_normal(size=shape, dtype=np.float32).astype(np.float16)
    return bits.standard_normal(size=shape, dtype=npdt)


def _exponential(bits, shape, npdt):
    wide = np.float32 if npdt == np.float16 else npdt
    return bits.standard_exponential(size=shape, dtype=wide).astype(npdt, copy=False)


def _integers(bits, low, high_inclusive, shape):
    return bits.integers(low, high_inclusive, size=shape, dtype=np.int64, endpoint=True)


def _float_dtype(dtype, op):
    dt = _dtype.to_dtype(dtype)
    if not dt.is_floating_point:
        raise RuntimeError(f"{op}: expected a floating-point dtype, got {dt}")
    return dt


def _shape(args, size, op):
    if size is not None:
        if args:
            raise TypeError(f"{op}(): got sizes both positionally {args} and as size={size}")
        args = (size,)
    return _size(args, op)


def _out(r, out, op):
    if out is None:
        return r
    if tuple(out.shape) != tuple(r.shape):
        raise RuntimeError(f"{op}: out has shape {list(out.shape)} but the result has {list(r.shape)}")
    return inplace_update(out, r, op)


def _zero_grad(out, name, inputs):
    """Sampling is not differentiable, yet PyTorch records a node (``grad_fn`` shows) that sends zeros."""
    if grad_mode.enabled and any(isinstance(x, Tensor) and x._rg for x in inputs):
        specs = [(x.shape, x.dtype, x.device) if isinstance(x, Tensor) and x._rg else None for x in inputs]
        record(out, name, lambda g: tuple(None if s is None else zeros(s[0], dtype=s[1], device=s[2])
                                          for s in specs), inputs)
    return out


# ---- sampling functions -------------------------------------------------------------------------
def rand(*args, size=None, generator=None, dtype=None, device=None, requires_grad=False, out=None,
         layout=None, pin_memory=False):
    """Uniform samples in [0, 1): ``rand(2, 3)`` or ``rand((2, 3))``.

    Example::

        >>> x = zoo_core.rand(2, 3)
        >>> bool(((x >= 0) & (x < 1)).all())
        True
    """
    shape, dt = _shape(args, size, "rand"), _float_dtype(dtype, "rand")
    dev = _backend.resolve_device(device)
    arr = _draw(generator, dev, "rand", lambda b, xp: _uniform(b, shape, dt.np))
    return _out(_finish(arr, requires_grad), out, "rand")


def randn(*args, size=None, generator=None, dtype=None, device=None, requires_grad=False, out=None,
          layout=None, pin_memory=False):
    """Standard normal samples: ``randn(2, 3)``.

    Example::

        >>> zoo_core.randn(4, 5).shape
        zoo_core.Size([4, 5])
    """
    shape, dt = _shape(args, size, "randn"), _float_dtype(dtype, "randn")
    dev = _backend.resolve_device(device)
    arr = _draw(generator, dev, "randn", lambda b, xp: _normal(b, shape, dt.np))
    return _out(_finish(arr, requires_grad), out, "randn")


def randint(*args, size=None, low=None, high=None, generator=None, dtype=None, device=None,
            requires_grad=False, out=None, layout=None, pin_memory=False):
    """Integers uniform in [low, high): ``randint(10, (3,))``, ``randint(2, 10, (3,))`` (int64 by default).

    Example::

        >>> x = zoo_core.randint(2, 5, (100,))
        >>> (int(x.min()) >= 2, int(x.max()) < 5, x.dtype)
        (True, True, zoo_core.int64)
    """
    args = list(args)
    if size is None:
        if not args or isinstance(args[-1], int):
            raise TypeError("randint(): missing the size argument, e.g. randint(low, high, (2, 3))")
        size = args.pop()
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        if high is None:
            high = args[0]
        else:
            low = args[0]
    elif args:
        raise TypeError(f"randint(): expected (high, size) or (low, high, size), got {len(args) + 1} arguments")
    low = 0 if low is None else int(low)
    if high is None:
        raise TypeError("randint(): missing the high argument")
    high = int(high)
    if low >= high:
        raise RuntimeError(f"randint: expected 'low' to be less than 'high', but got low={low} >= high={high}")
    shape = _size((size,), "randint")
    dt = _dtype.int64 if dtype is None else _dtype.to_dtype(dtype)
    dev = _backend.resolve_device(device)
    arr = _draw(generator, dev, "randint", lambda b, xp: _integers(b, low, high - 1, shape))
    return _out(_finish(arr.astype(dt.np, copy=False), requires_grad), out, "randint")


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, out=None, layout=None,
             pin_memory=False):
    """A random permutation of ``0 .. n-1`` (int64 by default).

    Example::

        >>> sorted(zoo_core.randperm(5).tolist())
        [0, 1, 2, 3, 4]
    """
    n = int(n)
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    dt = _dtype.int64 if dtype is None else _dtype.to_dtype(dtype)
    dev = _backend.resolve_device(device)

    def perm(b, xp):
        if hasattr(b, "permutation"):
            return xp.asarray(b.permutation(n), dtype=np.int64)
        return xp.argsort(b.random(size=(n,), dtype=np.float64))   # CuPy generators lack permutation
    arr = _draw(generator, dev, "randperm", perm)
    return _out(_finish(arr.astype(dt.np, copy=False), requires_grad), out, "randperm")


def _like_args(input, dtype, device):
    return (input.dtype if dtype is None else dtype), (input.device if device is None else device)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None, layout=None,
              generator=None):
    """``rand`` with the shape (and by default dtype and device) of ``input``."""
    dt, dev = _like_args(input, dtype, device)
    return rand(input.shape, dtype=dt, device=dev, requires_grad=requires_grad, generator=generator)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None, layout=None,
               generator=None):
    """``randn`` with the shape (and by default dtype and device) of ``input``."""
    dt, dev = _like_args(input, dtype, device)
    return randn(input.shape, dtype=dt, device=dev, requires_grad=requires_grad, generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False,
                 memory_format=None, layout=None, generator=None):
    """``randint`` with the shape of ``input``: ``randint_like(x, 10)`` or ``randint_like(x, 2, 10)``."""
    if high is None:
        low, high = 0, low
    dt, dev = _like_args(input, dtype, device)
    return randint(low, high, input.shape, dtype=dt, device=dev, requires_grad=requires_grad,
                   generator=generator)


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, device=None,
           requires_grad=False, layout=None, pin_memory=False):
    """Normal samples with the given ``mean`` and ``std``, tensors (broadcast) or floats.

    ``normal(mean_tensor, std_tensor)``, ``normal(mean_tensor, 1.0)``, ``normal(0.0, std_tensor)``, or
    ``normal(0.0, 1.0, size)``. No gradient flows to ``mean``/``std`` (zeros, as in PyTorch).

    Example::

        >>> zoo_core.normal(zoo_core.zeros(3), 1.0).shape
        zoo_core.Size([3])
    """
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not (mt or st):
        if size is None:
            raise TypeError("normal(): with a float mean and std, give a size: normal(mean, std, size)")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        shape, dt = _size((size,), "normal"), _float_dtype(dtype, "normal")
        dev = _backend.resolve_device(device)
        z = _draw(generator, dev, "normal", lambda b, xp: _normal(b, shape, dt.np))
        arr = z if (mean == 0 and std == 1) else (z * std + mean).astype(dt.np, copy=False)
        return _out(_finish(arr, requires_grad), out, "normal")
    if size is not None:
        raise TypeError("normal(): size is only accepted with a float mean and std; with tensors the "
                        "shape is their broadcast shape")
    ref = mean if mt else std
    dt = _dtype.result_type(*(x for x in (mean, std) if isinstance(x, Tensor)))
    if not dt.is_floating_point:
        raise RuntimeError(f"normal: expected floating-point mean and std, got {dt}")
    xm = mean._data if mt else mean
    xs = std._data if st else std
    if st:
        if std.device != ref.device:
            raise RuntimeError(f"normal: mean and std are on different devices ({mean.device} and {std.device})")
        if not _backend.is_cuda_array(xs) and bool((xs < 0).any()):   # no check (device sync) on CUDA
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    try:
        shape = np.broadcast_shapes(np.shape(xm), np.shape(xs))
    except ValueError:
        raise RuntimeError(f"normal: mean shape {list(np.shape(xm))} and std shape {list(np.shape(xs))} "
                           "cannot be broadcast together") from None
    z = _draw(generator, ref.device, "normal", lambda b, xp: _normal(b, shape, dt.np))
    r = _wrap((xm + xs * z).astype(dt.np, copy=False))
    name = "NormalBackward3" if mt and st else ("NormalBackward1" if mt else "NormalBackward2")
    return _out(_zero_grad(r, name, (mean, std)), out, "normal")


def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples, 1 with probability ``input`` (or ``p`` when given), in ``input``'s dtype.

    Example::

        >>> zoo_core.bernoulli(zoo_core.tensor([0., 1., 1.]))
        tensor([0., 1., 1.])
    """
    arr = input._data
    if arr.dtype.kind != "f":
        raise RuntimeError(f"bernoulli: expected a floating-point probability tensor, got {input.dtype}")
    if p is None:
        probs = arr
        if not _backend.is_cuda_array(arr) and arr.size and not bool(((arr >= 0) & (arr <= 1)).all()):
            raise RuntimeError("bernoulli: expected all probabilities of input to be in [0, 1]")
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli expects p to be in [0, 1], but got p={p}")
        probs = p
    wide = np.float64 if arr.dtype == np.float64 else np.float32
    r = _draw(generator, input.device, "bernoulli", lambda b, xp: _uniform(b, arr.shape, wide) < probs)
    return _out(_zero_grad(_wrap(r.astype(arr.dtype)), "BernoulliBackward0", (input,)), out, "bernoulli")


def poisson(input, generator=None):
    """Poisson samples with rates ``input`` (in ``input``'s dtype)."""
    arr = input._data
    if arr.dtype.kind != "f":
        raise RuntimeError(f"poisson: expected a floating-point rate tensor, got {input.dtype}")
    if not _backend.is_cuda_array(arr) and arr.size and not bool((arr >= 0).all()):
        raise RuntimeError("poisson: expected all rates of input to be >= 0")
    lam = arr.astype(np.float64, copy=False)
    r = _draw(generator, input.device, "poisson", lambda b, xp: b.poisson(lam))
    return _zero_grad(_wrap(r.astype(arr.dtype)), "PoissonBackward0", (input,))


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Category indices drawn with the (unnormalised) row probabilities of ``input`` (1-D or 2-D).

    Without replacement each row's draws are distinct (categories of zero probability come last).

    Example::

        >>> zoo_core.multinomial(zoo_core.tensor([0., 0., 1.]), 1)
        tensor([2])
    """
    arr = input._data
    op = "multinomial"
    if arr.ndim not in (1, 2):
        raise RuntimeError(f"{op}: prob_dist must be 1 or 2 dim, got shape {list(arr.shape)}")
    if arr.dtype.kind != "f":
        raise RuntimeError(f"{op}: only floating-point probabilities are supported, got {input.dtype}")
    k = arr.shape[-1]
    n = int(num_samples)
    if k == 0:
        raise RuntimeError(f"{op}: number of categories cannot be zero (shape {list(arr.shape)})")
    if n <= 0:
        raise RuntimeError(f"{op}: cannot sample n_sample <= 0 samples (got num_samples={n})")
    if not replacement and n > k:
        raise RuntimeError(f"{op}: cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                           f"(n_sample={n}, size(-1)={k})")
    xp = _backend.array_module(arr)
    p = arr.reshape(-1, k).astype(np.float64)
    rows = p.shape[0]
    total = p.sum(axis=1)
    # one host transfer for both checks (a device sync on CUDA, as PyTorch's checks are)
    bad, empty = xp.stack([xp.any(~xp.isfinite(p) | (p < 0)), xp.any(total <= 0)]).tolist()
    if bad:
        raise RuntimeError(f"{op}: probability tensor contains either `inf`, `nan` or element < 0")
    if empty:
        raise RuntimeError(f"{op}: invalid multinomial distribution (sum of probabilities <= 0)")

    def sample(b, xp):
        if not replacement or n == 1:
            # the largest p / Exp(1) keys are a weighted sample without replacement (PyTorch's method)
            keys = p / b.standard_exponential(size=p.shape, dtype=np.float64)
            if n == 1:
                return xp.argmax(keys, axis=1)[:, None]
            return xp.argsort(-keys, axis=1)[:, :n]   # CuPy argsort takes no kind=
        # inverse CDF; the rows are shifted to [r, r + 1] so one searchsorted serves them all
        cdf = xp.cumsum(p, axis=1)
        cdf /= cdf[:, -1:]
        offs = xp.arange(rows, dtype=np.float64)[:, None]
        u = b.random(size=(rows, n), dtype=np.float64)
        pos = xp.searchsorted((cdf + offs).ravel(), (u + offs).ravel(), side="right").reshape(rows, n)
        idx = pos - xp.arange(rows, dtype=np.int64)[:, None] * k
        last = k - 1 - xp.argmax(p[:, ::-1] > 0, axis=1)   # rounding may overshoot: stay on a category
        return xp.minimum(xp.maximum(idx, 0), last[:, None])
    r = _draw(generator, input.device, op, sample).astype(np.int64, copy=False)
    return _out(_wrap(r.reshape(n) if arr.ndim == 1 else r), out, op)


# ---- in-place fills (Tensor methods) --------------------------------------------------------------
def _fill(self, arr, name, node):
    """Write sampled ``arr`` into ``self``: version bump, view handling and the leaf check of in-place ops
    (so they run on parameters under ``no_grad``, as ``nn.init`` does)."""
    r = _wrap(arr)
    if grad_mode.enabled and self._rg:
        _zero_grad(r, node, (self,))
    return inplace_update(self, r, name)


def _float_self(self, op):
    if self._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating-point tensor, got {self.dtype}")
    return self._data.dtype


def _from_to(kwargs, op):
    """``(from, to)`` of ``uniform_(from, to)`` / ``random_(to)`` / ``random_(from, to)``: ``from`` is a
    Python keyword, so it arrives through ``**kwargs``."""
    f, t = kwargs.pop("from", None), kwargs.pop("to", None)
    if kwargs:
        raise TypeError(f"{op}() got unexpected keyword arguments {sorted(kwargs)}")
    return f, t


def uniform_(self, *args, generator=None, **kwargs):
    """Fill with uniform samples in [from, to) (default [0, 1))."""
    f, t = _from_to(kwargs, "uniform_")
    a = args[0] if len(args) > 0 else (0.0 if f is None else f)
    b = args[1] if len(args) > 1 else (1.0 if t is None else t)
    npdt = _float_self(self, "uniform_")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    wide = np.float32 if npdt == np.float16 else npdt
    shape = self._data.shape
    arr = _draw(generator, self.device, "uniform_", lambda bits, xp: _uniform(bits, shape, wide))
    if a != 0 or b != 1:
        arr = arr * (b - a) + a
    return _fill(self, arr.astype(npdt, copy=False), "uniform_", "UniformBackward0")


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with normal samples of the given ``mean`` and ``std``."""
    npdt = _float_self(self, "normal_")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    shape = self._data.shape
    arr = _draw(generator, self.device, "normal_", lambda bits, xp: _normal(bits, shape, npdt))
    if mean != 0 or std != 1:
        arr = (arr * std + mean).astype(npdt, copy=False)
    return _fill(self, arr, "normal_", "NormalBackward0")


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 0/1, each 1 with probability ``p`` (a float or a tensor broadcast to ``self``)."""
    shape = self._data.shape
    if isinstance(p, Tensor):
        probs = p._data
        if p.device != self.device:
            raise RuntimeError(f"bernoulli_: p is on {p.device} but the tensor is on {self.device}")
        if probs.dtype.kind != "f":
            raise RuntimeError(f"bernoulli_: expected a floating-point probability tensor, got {p.dtype}")
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        probs = p
    wide = np.float64 if self._data.dtype == np.float64 else np.float32
    r = _draw(generator, self.device, "bernoulli_", lambda bits, xp: _uniform(bits, shape, wide) < probs)
    return _fill(self, r.astype(self._data.dtype), "bernoulli_", "BernoulliBackward1")


def _dtype_max(npdt):
    if npdt == np.bool_:
        return 1
    if npdt.kind == "f":
        return 1 << (np.finfo(npdt).nmant + 1)   # every integer up to 2**digits is representable
    return int(np.iinfo(npdt).max)


def random_(self, *args, generator=None, **kwargs):
    """Fill with integers uniform in [from, to - 1]: ``random_()``, ``random_(to)``, ``random_(from, to)``."""
    f, t = _from_to(kwargs, "random_")
    if len(args) > 2:
        raise TypeError(f"random_() takes at most 2 positional arguments (from, to), got {len(args)}")
    if len(args) == 2:
        f, t = args
    elif args and f is None and t is None:
        t = args[0]   # random_(to)
    elif args:
        f, t = (args[0], t) if f is None else (f, args[0])
    npdt = self._data.dtype
    lo = 0 if f is None else int(f)
    hi = _dtype_max(npdt) if t is None else int(t) - 1
    if t is not None and lo >= int(t):
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={int(t)}")
    if npdt.kind in "iub" and (lo < (0 if npdt == np.bool_ else np.iinfo(npdt).min) or hi > _dtype_max(npdt)):
        raise RuntimeError(f"random_: [{lo}, {hi}] is out of bounds for {self.dtype}")
    shape = self._data.shape
    arr = _draw(generator, self.device, "random_", lambda bits, xp: _integers(bits, lo, hi, shape))
    return _fill(self, arr.astype(npdt), "random_", "RandomBackward0")


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with exponential samples of rate ``lambd``."""
    npdt = _float_self(self, "exponential_")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    shape = self._data.shape
    arr = _draw(generator, self.device, "exponential_", lambda bits, xp: _exponential(bits, shape, npdt))
    if lambd != 1:
        arr = (arr / lambd).astype(npdt, copy=False)
    return _fill(self, arr, "exponential_", "ExponentialBackward0")


def geometric_(self, p, *, generator=None):
    """Fill with the number of Bernoulli(``p``) trials up to the first success (1, 2, ...)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    shape = self._data.shape
    p = float(p)   # CuPy accepts a Python float or an array, not a numpy scalar
    arr = _draw(generator, self.device, "geometric_", lambda bits, xp: bits.geometric(p, size=shape))
    return _fill(self, arr.astype(self._data.dtype), "geometric_", "GeometricBackward0")


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with Cauchy samples: ``median + sigma * tan(pi * (U - 1/2))``."""
    npdt = _float_self(self, "cauchy_")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    shape = self._data.shape
    u = _draw(generator, self.device, "cauchy_", lambda bits, xp: bits.random(size=shape, dtype=np.float64))
    xp = _backend.array_module(u)
    arr = (median + sigma * xp.tan(math.pi * (u - 0.5))).astype(npdt)
    return _fill(self, arr, "cauchy_", "CauchyBackward0")


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with ``exp(N(mean, std))`` samples."""
    npdt = _float_self(self, "log_normal_")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    shape = self._data.shape
    z = _draw(generator, self.device, "log_normal_",
              lambda bits, xp: bits.standard_normal(size=shape, dtype=np.float64))
    xp = _backend.array_module(z)
    return _fill(self, xp.exp(z * std + mean).astype(npdt), "log_normal_", "LogNormalBackward0")


def _bernoulli_method(self, p=None, *, generator=None):
    return bernoulli(self, p, generator=generator)


for _name in ("uniform_", "normal_", "bernoulli_", "random_", "exponential_", "geometric_", "cauchy_",
              "log_normal_", "multinomial"):
    setattr(Tensor, _name, globals()[_name])
Tensor.bernoulli = _bernoulli_method

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "fork_rng", "rand", "randn", "randint", "randperm", "rand_like", "randn_like",
           "randint_like", "normal", "bernoulli", "poisson", "multinomial"]
