"""``Tensor``: one numpy/CuPy array plus the autograd state PyTorch users know.

A tensor keeps its array in ``_data`` (public, documented name: ``Tensor.array``); ``.data`` is, as in
PyTorch, a detached Tensor sharing that storage. Attributes that are usually at their default
(``grad``, ``grad_fn``, ``_base``...) live on the class, so making a tensor sets one attribute: the hot
path of every op. Op methods (``add``, ``sum``, ``view``...) are attached by the ``ops`` modules.
"""
import numpy as np

from . import _backend, _dtype
from .autograd import grad_mode, graph
from .autograd.graph import record

_new = object.__new__
_ndarray = np.ndarray
_BY_NP = _dtype.BY_NP


class _NamedConstant:
    """A PyTorch constant such as ``torch.strided``: one instance per name, printed and pickled by name."""
    __slots__ = ("name",)
    _instances = None   # per subclass: name -> instance

    def __new__(cls, name):
        if cls._instances is None:
            cls._instances = {}
        inst = cls._instances.get(name)
        if inst is None:
            inst = cls._instances[name] = object.__new__(cls)
            inst.name = name
        return inst

    def __repr__(self):
        return f"torch.{self.name}"

    def __reduce__(self):
        return (type(self), (self.name,))


class layout(_NamedConstant):
    """A memory layout (``zoo_core.strided``): Zoo tensors are always dense and strided."""
    __slots__ = ()


strided = layout("strided")
sparse_coo = layout("sparse_coo")


class Size(tuple):
    """A tensor's shape: a tuple of ints, as ``torch.Size``."""

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self):
        return f"zoo_core.Size([{', '.join(str(s) for s in self)}])"

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r


class Tensor:
    """A multi-dimensional array with autograd, on ``cpu`` (numpy) or ``cuda`` (CuPy).

    Example::

        >>> x = zoo_core.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([[2., 4.],
                [6., 8.]])
    """
    # defaults kept on the class: an instance stores only what differs
    _rg = False            # requires_grad
    _grad = None           # .grad (a property: assignments are checked as in PyTorch)
    grad_fn = None
    _out_idx = 0           # which output of grad_fn this tensor is
    _base = None           # the tensor whose storage this view shares (always the root base)
    _view_fn = None        # re-derives this view from its base: used to rebase in-place ops on views
    _view_ver = 0          # the base's version when this view's history was last derived
    _ver = 0               # version counter (of the root base for views), bumped by in-place ops
    _acc = None            # weakref to the AccumulateGrad node of a leaf
    _hooks = None          # leaf hooks
    _post_acc_hooks = None  # leaf hooks run after .grad was accumulated
    _retains_grad = False
    __array_ufunc__ = None  # make numpy defer to our reflected operators: ndarray + Tensor -> Tensor
    __array_priority__ = 1000

    def __new__(cls, *args, device=None):
        """``Tensor(2, 3)`` makes an uninitialised float tensor; ``Tensor([1, 2])`` copies data."""
        from .ops.creation import tensor as _tensor, empty
        if len(args) == 1 and not isinstance(args[0], int):
            t = _tensor(args[0], dtype=_dtype.get_default_dtype(), device=device)
        elif not args:
            t = empty(0, device=device)   # Tensor() is an empty 1-d float tensor
        else:
            t = empty(*args, device=device)
        if cls is not Tensor:
            o = _new(cls)
            o._data = t._data
            return o
        return t

    # ---- metadata -------------------------------------------------------------------------------
    @property
    def array(self):
        """The underlying numpy/CuPy array (shares memory; changes bypass autograd)."""
        return self._data

    @property
    def data(self):
        """A detached Tensor sharing this tensor's storage (as ``torch.Tensor.data``)."""
        return _wrap(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data: expected a Tensor, got {type(value).__name__}")
        self._data = value._data

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim, "size")]

    @property
    def dtype(self):
        return _BY_NP[self._data.dtype]

    @property
    def device(self):
        return _backend.device_of(self._data)

    @property
    def is_cuda(self):
        return _backend.is_cuda_array(self._data)

    @property
    def is_cpu(self):
        return not _backend.is_cuda_array(self._data)

    def get_device(self):
        """The CUDA device index, or -1 for a CPU tensor."""
        d = self._data
        return d.device.id if _backend.is_cuda_array(d) else -1

    # Zoo tensors are always dense, strided, unquantized and materialised
    is_sparse = is_sparse_csr = is_quantized = is_meta = is_nested = is_mkldnn = False

    @property
    def output_nr(self):
        return self._out_idx

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def stride(self, dim=None):
        d = self._data
        if d.size == 0 and d.base is None:   # a fresh empty array: numpy reports (0, ...), PyTorch contiguous
            st, n = [], 1
            for s in reversed(d.shape):
                st.append(n)
                n *= max(s, 1)
            st = tuple(reversed(st))
        else:
            st = tuple(s // d.itemsize for s in d.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim, "stride")]

    def is_contiguous(self, memory_format=None):
        if memory_format is None or memory_format is _memfmt.contiguous_format:
            return bool(self._data.flags.c_contiguous)
        return _memfmt.is_contiguous_as(self, memory_format)

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_signed(self):
        return self._data.dtype.kind in "fi"

    def storage_offset(self):
        """Elements between the start of the storage (the base tensor's memory) and this view's first one."""
        b = self._base
        if b is None:
            return 0
        return (self.data_ptr() - b.data_ptr()) // self._data.itemsize

    def data_ptr(self):
        d = self._data
        return d.ctypes.data if type(d) is np.ndarray else d.data.ptr

    def type(self, dtype=None, non_blocking=False):
        from . import _legacy
        if dtype is None:
            return _legacy.type_name(self)
        return _legacy.cast(self, dtype)

    # ---- autograd state -------------------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            _check_grad_assignment(self, value)
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def retains_grad(self):
        return self._retains_grad

    @property
    def _version(self):
        return graph.version(self)

    def requires_grad_(self, requires_grad=True):
        requires_grad = bool(requires_grad)
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a "
                    "computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach().")
            return self
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients (got {self.dtype})")
        self._rg = requires_grad
        return self

    def detach(self):
        """A new tensor sharing storage, cut from the graph."""
        t = _wrap(self._data)
        b = self._base
        t._base = self if b is None else b   # shares the version counter, as in PyTorch
        return t

    def detach_(self):
        if self._base is not None and self._base._rg:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._rg = False
        return self

    def retain_grad(self):
        """Keep ``.grad`` on a non-leaf tensor after backward."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        import weakref
        ref = weakref.ref(self)

        def keep(g):
            t = ref()
            if t is not None:
                t.grad = _wrap(g._data.copy()) if t.grad is None else t.grad + g
        keep._zoo_retain_grad = True
        self.grad_fn._add_pre_hook(self._out_idx, keep)
        self._retains_grad = True

    def register_hook(self, hook):
        """``hook(grad) -> Tensor or None`` runs when this tensor's gradient is computed."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._add_pre_hook(self._out_idx, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return graph._RemovableHandle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor) -> None`` runs after ``backward`` accumulated this leaf's ``.grad``."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._post_acc_hooks is None:
            self._post_acc_hooks = []
        self._post_acc_hooks.append(hook)
        return graph._RemovableHandle(self._post_acc_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor into the leaves' ``.grad``."""
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ---- conversion -----------------------------------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force=False):
        if self._rg and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if _backend.is_cuda_array(self._data):
            if force:
                return self._data.get()
            raise TypeError(
                f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to copy the "
                "tensor to host memory first.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        a = self.numpy(force=False) if not self._rg else self._data
        if _backend.is_cuda_array(a):
            raise TypeError(f"can't convert {self.device} tensor to a numpy array; call .cpu() first")
        return a if dtype is None else a.astype(dtype)

    def to(self, *args, **kwargs):
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(tensor)``; a no-op when nothing changes."""
        dev, dt, copy = _parse_to(args, kwargs)
        out = self
        if dt is not None and dt.np != self._data.dtype:
            out = _cast(out, dt)
        if dev is not None and dev != out.device:
            out = _move(out, dev)
        if copy and out is self:
            out = self.clone()
        return out

    def cuda(self, device=None, non_blocking=False):
        return self.to("cuda" if device is None else _backend.device(device if not isinstance(device, int) else f"cuda:{device}"))

    def cpu(self):
        return self.to("cpu")

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    def half(self):
        return self.to(_dtype.float16)

    def long(self):
        return self.to(_dtype.int64)

    def int(self):
        return self.to(_dtype.int32)

    def short(self):
        return self.to(_dtype.int16)

    def char(self):
        return self.to(_dtype.int8)

    def byte(self):
        return self.to(_dtype.uint8)

    def bool(self):
        return self.to(_dtype.bool)

    def type_as(self, other):
        return self.to(other.dtype)

    def contiguous(self, memory_format=None):
        if self._data.flags.c_contiguous:
            return self
        return self.clone()

    def clone(self, memory_format=None):
        """A copy with its own storage; gradients flow back to the original."""
        xp = _backend.array_module(self._data)
        out = _wrap(xp.array(self._data, copy=True, order="C"))
        if self._rg and grad_mode.enabled:
            record(out, "CloneBackward0", lambda g: (g,), (self,))
        return out

    # ---- Python protocol ------------------------------------------------------------------------
    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        if self._data.size != 1:
            what = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(
                f"Boolean value of Tensor with {what} is ambiguous (shape {list(self._data.shape)})")
        return bool(self._data.item())

    def __float__(self):
        return float(self._scalar())

    def __int__(self):
        return int(self._scalar())

    def _scalar(self):
        if self._data.size != 1:
            raise ValueError(f"only one element tensors can be converted to Python scalars (got "
                             f"{self._data.size} elements, shape {list(self._data.shape)})")
        return self._data.item()

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.item())

    def __complex__(self):
        return complex(self.item())

    __hash__ = object.__hash__

    def __repr__(self):
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, protocol):
        data = self._data.get() if _backend.is_cuda_array(self._data) else self._data
        return (_rebuild, (type(self), data, str(self.device), self._rg))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol "
                "at the moment.  If you were attempting to deepcopy a module, this may be because of a "
                "torch.nn.utils.weight_norm usage, see https://github.com/pytorch/pytorch/pull/103001")
        if id(self) in memo:
            return memo[id(self)]
        import copy
        new = _new(type(self))
        for k, v in self.__dict__.items():
            if k in ("_acc", "_base", "_view_fn", "_hooks", "_post_acc_hooks"):
                continue
            new.__dict__[k] = copy.deepcopy(v, memo) if k != "_data" else v.copy()
        memo[id(self)] = new
        return new


def _check_grad_assignment(t, g):
    if not isinstance(g, Tensor):
        raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(g).__name__}")
    if g._data.shape != t._data.shape:
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(g._data.shape)}' to a tensor of size "
            f"'{list(t._data.shape)}'. Please ensure that the gradient and the tensor are the same size")
    if g._data.dtype != t._data.dtype:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype {g.dtype} to a tensor with dtype {t.dtype}. "
            "Please ensure that the gradient and the tensor have the same dtype")
    if g.device != t.device:
        raise RuntimeError(
            f"attempting to assign a gradient on device {g.device} to a tensor on device {t.device}. "
            "Please ensure that the gradient and the tensor are on the same device")


def _rebuild(cls, data, dev, requires_grad):
    t = _new(cls)
    t._data = _backend.to_device(np.asarray(data), _backend.resolve_device(dev))
    if requires_grad:
        t._rg = True
    return t


def _wrap(arr):
    """A new Tensor over ``arr`` (no copy). Zero-dim numpy results come back from ufuncs as numpy
    scalars; they are turned back into arrays here so a tensor always holds an ndarray."""
    t = _new(Tensor)
    if type(arr) is not _ndarray and (isinstance(arr, np.generic) or not hasattr(arr, "ndim")):
        arr = np.asarray(arr)
    t._data = arr
    return t


def _wrap_dim(dim, ndim, op="dim"):
    n = ndim if ndim > 0 else 1
    if not -n <= dim < n:
        raise IndexError(
            f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def type_name(t):
    from ._legacy import type_name
    return type_name(t)


def _parse_to(args, kwargs):
    dev = kwargs.pop("device", None)
    dt = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dev, dt = a.device, a.dtype
        elif isinstance(a, (_dtype.dtype, _dtype._Unsupported, type)) or (isinstance(a, np.dtype)):
            dt = a
        elif isinstance(a, str) and a.split(".")[-1] in _dtype.BY_NAME.keys() | _dtype._UNSUPPORTED.keys():
            dt = a
        elif isinstance(a, (str, _backend.device, int)):
            dev = a
        elif isinstance(a, bool):
            pass
        else:
            raise TypeError(f"to() received an invalid argument {a!r}")
    if dt is not None:
        dt = _dtype.to_dtype(dt)
    if dev is not None:
        dev = _backend.resolve_device(dev)
    return dev, dt, copy


def _cast(t, dt):
    out = _wrap(t._data.astype(dt.np))
    if t._rg and grad_mode.enabled and dt.is_floating_point:
        src = t._data.dtype
        record(out, "ToCopyBackward0", lambda g: (g.to(_BY_NP[src]),), (t,))
    return out


def _move(t, dev):
    out = _wrap(_backend.to_device(t._data, dev))
    if t._rg and grad_mode.enabled:
        src = t.device
        record(out, "ToCopyBackward0", lambda g: (g.to(src),), (t,))
    return out


def check_same_device(op, a, b):
    """Raise a clear error when two tensors of ``op`` live on different devices."""
    da, db = a.device, b.device
    if da != db:
        raise RuntimeError(
            f"{op}: expected all tensors to be on the same device, but found at least two devices, "
            f"{da} and {db} (shapes {tuple(a._data.shape)} and {tuple(b._data.shape)}); move one with .to()")


def inplace_update(self, result, op):
    """Finish an in-place op: write ``result`` (computed out of place, with its graph) into ``self``.

    Bumps the version counter, and when ``result`` recorded a graph, rebases ``self``'s history onto it —
    through its base when ``self`` is a view, so the base's gradient sees the change (PyTorch's CopySlices).
    """
    b = self._base
    diff_view = b is not None and self._view_fn is not None   # detached aliases are not differentiable views
    if grad_mode.enabled:
        if self._rg and self.grad_fn is None and not diff_view:
            raise RuntimeError(
                f"{op}: a leaf Variable that requires grad is being used in an in-place operation.")
        if diff_view and b._rg and b.grad_fn is None:
            raise RuntimeError(
                f"{op}: a view of a leaf Variable that requires grad is being used in an in-place operation.")
    data = self._data
    r = result._data
    if r.dtype != data.dtype:
        if data.dtype.kind != "f" and r.dtype.kind == "f" and op not in ("copy_", "fill_", "setitem"):
            raise RuntimeError(
                f"{op}: result type {_BY_NP[r.dtype]} can't be cast to the desired output type {_BY_NP[data.dtype]}")
        r = r.astype(data.dtype)
    if r.shape != data.shape:
        xp = _backend.array_module(data)
        try:
            r = xp.broadcast_to(r, data.shape)
        except ValueError:
            raise RuntimeError(
                f"{op}: output with shape {list(data.shape)} doesn't match the broadcast shape "
                f"{list(r.shape)}") from None
    if not _backend.writeable(data):
        raise RuntimeError(
            f"{op}: unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location (an expanded tensor). Please clone() the tensor before performing "
            "the operation.")
    data[...] = r
    if b is None:
        self._ver += 1
    else:
        b._ver += 1
    if result.grad_fn is not None:
        if not diff_view:
            self.grad_fn = result.grad_fn
            self._out_idx = result._out_idx
            self._rg = True
        else:
            _rebase_view(self, b, result)
    return self


def _rebase_view(view, base, result):
    """``view`` (of ``base``) was overwritten by ``result``: base's new history routes the gradient of the
    view's region to ``result`` and the rest to base's old history."""
    view_fn = view._view_fn
    xp = _backend.array_module(base._data)
    mask_arr = xp.ones(base._data.shape, dtype=base._data.dtype)
    with grad_mode.no_grad():
        view_fn(_wrap(mask_arr))._data[...] = 0   # zero where the view is
    mask = _wrap(mask_arr)
    shape = view._data.shape

    def backward(g):
        gv = view_fn(g)
        return g * mask, gv.reshape(shape) if gv._data.shape != shape else gv

    new_base = _wrap(base._data)
    record(new_base, "CopySlices", backward, (base, result))
    base.grad_fn, base._out_idx, base._rg = new_base.grad_fn, 0, True
    # the view now derives from the new base history
    v = view_fn(base)
    view.grad_fn, view._out_idx, view._rg = v.grad_fn, v._out_idx, True
    view._view_ver = base._ver


def make_view(src, arr, view_fn):
    """A Tensor over ``arr`` that shares storage with ``src``; ``view_fn(t)`` re-derives it from a tensor
    shaped like ``src`` using Tensor ops (composed back to the root base)."""
    t = _new(Tensor)
    t._data = arr
    b = src._base
    if b is None:
        t._base = src
        t._view_fn = view_fn
        t._view_ver = src._ver
    else:
        t._base = b
        f = src._view_fn
        if f is not None:   # (a view of a detached alias is itself just an alias: no _view_fn)
            t._view_fn = lambda x: view_fn(f(x))
            t._view_ver = b._ver
    return t


def refresh_view(t):
    """A view whose base was modified in place since the view was recorded gets its history re-derived
    from the base (as PyTorch regenerates a view's grad_fn when the base's version moved)."""
    b = t._base
    if t._view_ver != b._ver and b._rg and t._view_fn is not None:
        prev = grad_mode.enabled
        grad_mode.enabled = True
        try:
            v = t._view_fn(b)
        finally:
            grad_mode.enabled = prev
        t.grad_fn, t._out_idx, t._rg = v.grad_fn, v._out_idx, True
    t._view_ver = b._ver


graph._Tensor = Tensor
graph._refresh_view = refresh_view


Tensor.layout = strided

from . import _tensor_storage as _memfmt  # noqa: E402  (attaches the memory methods; needs Tensor)
