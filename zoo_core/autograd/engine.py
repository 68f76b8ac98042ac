"""The backward pass: run recorded nodes from the outputs back to the leaves.

Nodes are taken in decreasing creation order (a heap on ``seq``): every consumer of a tensor was recorded
after it, so when a node is popped all gradients for its outputs have arrived. Leaf gradients are summed
and applied last, so tensor hooks see the total gradient as in PyTorch.
"""
import heapq
import weakref

from . import grad_mode
from .._backend import array_module
from .graph import AccumulateGrad, edge, version


def _check_grad(node, i, g, shape, target):
    if g._data.shape != shape:
        raise RuntimeError(
            f"Function {node._name} returned an invalid gradient at index {i} - got {list(g._data.shape)} "
            f"but expected shape compatible with {list(shape)} (the shape of the input of {target})")


def _expected_shape(e):
    node, idx = e
    if type(node) is AccumulateGrad:
        return node.variable._data.shape
    if node.shapes is None:
        return node.out_shape
    return node.shapes[idx][0]


def _saved_error(node, i, t, expected):
    from ..tensor import type_name
    where = "output 0 of " + t.grad_fn._name if t.grad_fn is not None else "a leaf tensor"
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[{type_name(t)} {list(t._data.shape)}], which is {where}, is at version {version(t)}; "
        f"expected version {expected} instead. Hint: the saved tensor belongs to {node._name}; avoid "
        "modifying it in place (use an out-of-place op or .clone()).")


def _freed_error(node):
    return RuntimeError(
        f"Trying to backward through the graph a second time (or directly access saved tensors after they "
        f"have already been freed) in {node._name}. Saved intermediate values of the graph are freed when "
        "you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through "
        "the graph a second time or if you need to access saved tensors after calling backward.")


def _anomaly_check(node, grads):
    for i, g in enumerate(grads):
        if g is not None and bool(array_module(g._data).isnan(g._data).any()):
            trace = "".join(node.trace) if node.trace else (
                "  (not recorded: the forward op ran before anomaly detection was enabled)\n")
            raise RuntimeError(
                f"Function '{node._name}' returned nan values in its {i}th output.\n"
                f"Traceback of the forward call that created the node:\n{trace}")


def _check_versions(node):
    for i, (t, v) in enumerate(zip(node.saved, node.versions)):
        if type(t) is weakref.ref:   # a saved output, held weakly to avoid a cycle
            t = t()
            if t is None:
                continue
        if version(t) != v:
            raise _saved_error(node, i, t, v)


def _fill_missing(node, buf):
    """Zeros for the outputs of a multi-output node that received no gradient."""
    from ..ops.creation import _zeros_array
    from ..tensor import _wrap
    for i, (shape, dt, dev) in enumerate(node.shapes):
        if buf[i] is None:
            buf[i] = _wrap(_zeros_array(shape, dt, dev))


def _prune(roots, targets):
    """Nodes that must run for ``grad``: those with a target strictly below them."""
    below = {}   # node -> whether a target is reachable through its edges
    stack = [(n, False) for n in roots]
    while stack:
        node, done = stack.pop()
        if done:
            below[node] = any(e is not None and (e[0] in targets or below.get(e[0], False))
                              for e in node.edges)
            continue
        if node in below:
            continue
        below[node] = False
        stack.append((node, True))
        for e in node.edges:
            if e is not None and e[0] not in below:
                stack.append((e[0], False))
    return {n for n, keep in below.items() if keep}


def run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=None, accumulate=True,
                 allow_unused=False):
    """Backpropagate ``grad_outputs`` from ``outputs``.

    With ``accumulate`` (``Tensor.backward``), leaf gradients are added to ``.grad``; otherwise
    (``autograd.grad``) the gradients of ``inputs`` are returned and nothing is accumulated.
    """
    from ..tensor import Tensor, _wrap
    buffers = {}    # node -> grad Tensor, or list of grads for multi-output nodes
    heap = []
    leaf_grads = {}  # AccumulateGrad -> summed grad

    def add(e, g):
        node, idx = e
        if type(node) is AccumulateGrad:
            prev = leaf_grads.get(node)
            leaf_grads[node] = g if prev is None else prev + g
            return
        shapes = node.shapes
        if shapes is None:
            prev = buffers.get(node)
            if prev is None:
                buffers[node] = g
                heapq.heappush(heap, (-node.seq, node))
            else:
                buffers[node] = prev + g
        else:
            buf = buffers.get(node)
            if buf is None:
                buf = buffers[node] = [None] * len(shapes)
                heapq.heappush(heap, (-node.seq, node))
            buf[idx] = g if buf[idx] is None else buf[idx] + g

    captured = None
    keep = None
    if inputs is not None:
        targets = {}
        for i, t in enumerate(inputs):
            e = edge(t)
            if e is None:
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {i}) does not require grad; "
                    "set requires_grad=True on it")
            targets.setdefault(e[0], []).append((i, e[1]))
        captured = [None] * len(inputs)
        keep = _prune([edge(o)[0] for o in outputs if edge(o) is not None], targets)

    prev_mode = grad_mode.enabled
    grad_mode.enabled = create_graph
    try:
        for i, (o, g) in enumerate(zip(outputs, grad_outputs)):
            e = edge(o)
            if e is None:
                raise RuntimeError(
                    f"element {i} of tensors does not require grad and does not have a grad_fn")
            add(e, g)

        anomaly = grad_mode.anomaly
        heappop, heappush = heapq.heappop, heapq.heappush
        while heap:
            node = heappop(heap)[1]
            buf = buffers.pop(node)
            if node.pre_hooks:
                buf = _run_pre_hooks(node, buf)
            if captured is not None:
                hit = targets.get(node)
                if hit:
                    for i, idx in hit:
                        captured[i] = buf if node.shapes is None else buf[idx]
                if node not in keep:
                    continue
            fn = node.backward_fn
            if fn is None:
                raise _freed_error(node)
            saved = node.saved
            if saved:   # saved tensors unchanged since the forward? (inline: this runs for most nodes)
                for t, v in zip(saved, node.versions):
                    if type(t) is weakref.ref:
                        t = t()
                        if t is None:
                            continue
                    b = t._base
                    if (t._ver if b is None else b._ver) != v:
                        _check_versions(node)   # raises, with the full message
            if node.shapes is not None:
                _fill_missing(node, buf)
            grads = fn(buf)
            if not retain_graph:
                node.backward_fn = None
                node.saved = ()
            if anomaly:
                _anomaly_check(node, grads)
            if node.hooks:
                for h in node.hooks:
                    h(grads, buf if isinstance(buf, list) else (buf,))
            i = -1
            for e, g in zip(node.edges, grads):
                i += 1
                if e is None or g is None:
                    continue
                nxt = e[0]
                if nxt.shapes is None:   # the common case, inlined: a single-output node or a leaf
                    if g._data.shape != nxt.out_shape:
                        _check_grad(node, i, g, _expected_shape(e), nxt._name)
                    if type(nxt) is AccumulateGrad:
                        prev = leaf_grads.get(nxt)
                        leaf_grads[nxt] = g if prev is None else prev + g
                        continue
                    prev = buffers.get(nxt)
                    if prev is None:
                        buffers[nxt] = g
                        heappush(heap, (-nxt.seq, nxt))
                    else:
                        buffers[nxt] = prev + g
                else:
                    shape = _expected_shape(e)
                    if g._data.shape != shape:
                        _check_grad(node, i, g, shape, nxt._name)
                    add(e, g)
    finally:
        grad_mode.enabled = prev_mode

    if captured is not None:
        for acc, g in leaf_grads.items():
            hooks = acc.variable._hooks
            if hooks:
                for h in hooks:
                    r = h(g)
                    if r is not None:
                        g = r
            for i, idx in targets.get(acc, ()):
                captured[i] = g
        for i, g in enumerate(captured):
            if g is None and not allow_unused and edge(inputs[i]) is not None:
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {i}) appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
        return captured

    prev_mode = grad_mode.enabled
    grad_mode.enabled = create_graph
    try:
        for acc, g in leaf_grads.items():
            _accumulate(acc.variable, g, create_graph)
    finally:
        grad_mode.enabled = prev_mode
    return None


def _run_pre_hooks(node, buf):
    # PyTorch runs the retain_grad hook after all user hooks
    hooks = sorted(node.pre_hooks, key=lambda h: getattr(h[1], "_zoo_retain_grad", False))
    for index, fn in hooks:
        if index is None:
            grads = buf if isinstance(buf, list) else [buf]
            r = fn(tuple(grads))
            if r is not None:
                buf = list(r) if isinstance(buf, list) else r[0]
        elif isinstance(buf, list):
            if buf[index] is not None:
                r = fn(buf[index])
                if r is not None:
                    buf[index] = r
        else:
            r = fn(buf)
            if r is not None:
                buf = r
    return buf


def _accumulate(t, g, create_graph, run_hooks=True):
    from ..tensor import _wrap
    hooks = t._hooks
    if hooks and run_hooks:
        for h in hooks:
            r = h(g)
            if r is not None:
                g = r
    if t._data.dtype != g._data.dtype:
        g = g.to(t.dtype)
    old = t._grad
    if old is None:
        # copy: g may alias another leaf's grad, a view of one, or the caller's grad_outputs
        t._grad = g.clone() if create_graph else _wrap(g._data.copy())
    elif create_graph:
        t._grad = old + g
    else:
        old._data += g._data
    if t._post_acc_hooks:
        for h in t._post_acc_hooks:
            if h(t) is not None:
                raise RuntimeError("Tensor post accumulate grad hooks should return None.")
