"""Graph nodes and how ops record them.

Every differentiable op, when grad mode is on and an input requires grad, calls ``record`` with its
output, a ``backward(grad)`` closure written with Tensor ops, the inputs it differentiates with respect to,
and the tensors whose values the closure reads (checked against in-place changes at backward time).
A node is one screen of state: the closure, edges to the inputs' nodes, saved versions, output shapes.
"""
import itertools
import traceback
import weakref

from . import grad_mode

_seq = itertools.count()
_new = object.__new__


class Node:
    """A recorded op (``y.grad_fn``); ``backward_fn`` is dropped once used unless ``retain_graph``."""
    # rarely-set attributes are class defaults: recording an op sets only what it must
    saved = versions = ()
    shapes = None          # per-output (shape, dtype, device) of a multi-output node
    hooks = pre_hooks = None
    trace = None           # forward traceback, kept in anomaly mode

    def name(self):
        return self._name

    @property
    def next_functions(self):
        return tuple((None, 0) if e is None else e for e in self.edges)

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` after this node's backward ran."""
        if self.hooks is None:
            self.hooks = []
        self.hooks.append(fn)
        return _RemovableHandle(self.hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` before this node's backward runs; may return replacement grads."""
        return self._add_pre_hook(None, lambda grads: fn(grads))

    def _add_pre_hook(self, index, fn):
        if self.pre_hooks is None:
            self.pre_hooks = []
        entry = (index, fn)
        self.pre_hooks.append(entry)
        return _RemovableHandle(self.pre_hooks, entry)

    def __repr__(self):
        return f"<{self._name} object at {hex(id(self))}>"

    __str__ = __repr__


class AccumulateGrad:
    """The node that ends at a leaf: sums incoming gradients into ``variable.grad``."""
    __slots__ = ("variable", "seq", "__weakref__")
    edges = ()
    pre_hooks = hooks = shapes = None
    _name = "AccumulateGrad"

    @property
    def out_shape(self):
        return self.variable._data.shape

    def __init__(self, variable):
        self.variable = variable
        self.seq = -1

    def name(self):
        return self._name

    next_functions = ()

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"


class _RemovableHandle:
    __slots__ = ("lst", "item")

    def __init__(self, lst, item):
        self.lst, self.item = lst, item

    def remove(self):
        try:
            self.lst.remove(self.item)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def edge(t):
    """The (node, output index) a gradient for tensor ``t`` flows into, or None."""
    b = t._base
    if b is not None and t._view_ver != b._ver:
        _refresh_view(t)
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._out_idx)
    if t._rg:
        ref = t._acc
        acc = ref() if ref is not None else None
        if acc is None:
            acc = AccumulateGrad(t)
            t._acc = weakref.ref(acc)
        return (acc, 0)
    return None


def version(t):
    if type(t) is weakref.ref:
        t = t()
    b = t._base
    return t._ver if b is None else b._ver


def record(out, name, backward_fn, inputs, saved=()):
    """Attach a node to ``out`` (one Tensor, or a tuple of Tensors for multi-output ops).

    ``backward_fn(grad)`` returns one gradient per entry of ``inputs`` (None where there is none); for a
    multi-output op it gets a list of output grads (zeros where an output got none).
    """
    node = _new(Node)
    node.backward_fn = backward_fn
    edges = []
    for x in inputs:
        if isinstance(x, _Tensor) and x._rg:
            fn = x.grad_fn
            # the common case inline: a recorded non-view tensor
            edges.append((fn, x._out_idx) if fn is not None and x._base is None else edge(x))
        else:
            edges.append(None)
    node.edges = edges
    if saved:
        node.saved = saved
        versions = []
        for t in saved:
            if type(t) is weakref.ref:
                versions.append(version(t))
            else:
                b = t._base
                versions.append(t._ver if b is None else b._ver)
        node.versions = versions
    node.seq = next(_seq)
    node._name = name
    if grad_mode.anomaly:
        node.trace = traceback.format_stack()[:-2]
    if type(out) is tuple:
        node.shapes = tuple([(o._data.shape, o._data.dtype, o.device) for o in out])
        for i, o in enumerate(out):
            o.grad_fn = node
            o._out_idx = i
            o._rg = True
    else:
        node.out_shape = out._data.shape
        out.grad_fn = node
        out._rg = True
    return node


_Tensor = None  # set by zoo_core.tensor to break the import cycle
_refresh_view = None
