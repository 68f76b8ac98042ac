import numpy as np
import pytest

import zoo_core
from zoo_core.testing import OpCase, check_forward, check_gradients, check_torch

A = [(2, 3, 4)]
CASES = [
    # views
    OpCase("view", lambda lib, x: x.view(4, 6), A, noncontig=False),   # torch refuses too
    OpCase("view_infer", lambda lib, x: x.view(-1, 4), A, noncontig=False),
    OpCase("view_tuple", lambda lib, x: x.view((3, 2, 4)), A, noncontig=False),
    OpCase("view_split_dim", lambda lib, x: x.view(2, 3, 2, 2), A),   # splitting a dim is a view in any layout
    OpCase("view_as", lambda lib, x, y: x.view_as(y) * y, [(2, 3), (3, 2)], noncontig=False),
    OpCase("reshape", lambda lib, x: lib.reshape(x, (4, -1)), A),
    OpCase("reshape_method", lambda lib, x: x.reshape(6, 4), A),
    OpCase("reshape_of_transpose", lambda lib, x: x.transpose(0, 2).reshape(-1), A),
    OpCase("reshape_as", lambda lib, x, y: x.reshape_as(y), [(2, 3), (6,)]),
    OpCase("ravel", lambda lib, x: x.ravel(), A),
    OpCase("ravel_fn", lambda lib, x: lib.ravel(x.transpose(0, 1)), A),
    OpCase("flatten", lambda lib, x: lib.flatten(x), A),
    OpCase("flatten_range", lambda lib, x: x.flatten(1, 2), A),
    OpCase("flatten_0d", lambda lib, x: lib.flatten(x), [()]),
    OpCase("unflatten", lambda lib, x: x.unflatten(2, (2, -1)), A),
    OpCase("unflatten_fn", lambda lib, x: lib.unflatten(x, -1, (2, 2)), A),
    OpCase("squeeze_all", lambda lib, x: x.squeeze(), [(2, 1, 3, 1)]),
    OpCase("squeeze_dim", lambda lib, x: lib.squeeze(x, 1), [(2, 1, 3, 1)]),
    OpCase("squeeze_dims", lambda lib, x: x.squeeze((1, -1)), [(2, 1, 3, 1)]),
    OpCase("squeeze_noop", lambda lib, x: x.squeeze(0), [(2, 1, 3)]),
    OpCase("unsqueeze", lambda lib, x: x.unsqueeze(1), A),
    OpCase("unsqueeze_neg", lambda lib, x: lib.unsqueeze(x, -1), A),
    OpCase("unsqueeze_0d", lambda lib, x: x.unsqueeze(0), [()]),
    OpCase("permute", lambda lib, x: x.permute(2, 0, 1), A),
    OpCase("permute_tuple_neg", lambda lib, x: lib.permute(x, (-1, 0, 1)), A),
    OpCase("transpose", lambda lib, x: x.transpose(0, 2), A),
    OpCase("transpose_fn_neg", lambda lib, x: lib.transpose(x, -1, 1), A),
    OpCase("transpose_same", lambda lib, x: x.transpose(1, 1), A),
    OpCase("swapaxes", lambda lib, x: lib.swapaxes(x, 0, 1), A),
    OpCase("swapdims", lambda lib, x: x.swapdims(2, 0), A),
    OpCase("t", lambda lib, x: x.t(), [(2, 3)]),
    OpCase("t_1d", lambda lib, x: lib.t(x), [(3,)]),
    OpCase("T", lambda lib, x: x.T, [(2, 3)]),
    OpCase("mT", lambda lib, x: x.mT, A),
    OpCase("mH", lambda lib, x: x.mH, A),
    OpCase("adjoint", lambda lib, x: x.adjoint(), A),
    OpCase("movedim", lambda lib, x: x.movedim(0, -1), A),
    OpCase("movedim_tuples", lambda lib, x: lib.movedim(x, (0, 1), (2, 0)), A),
    OpCase("moveaxis", lambda lib, x: lib.moveaxis(x, 2, 0), A),
    OpCase("expand", lambda lib, x: x.expand(2, -1, 4), [(3, 1)]),
    OpCase("expand_tuple", lambda lib, x: x.expand((3, 2, 4)), [(2, 1)]),
    OpCase("expand_noop", lambda lib, x: x.expand(2, 3) * 1, [(2, 3)]),
    OpCase("expand_as", lambda lib, x, y: x.expand_as(y) * y, [(1, 3), (2, 3)]),
    OpCase("broadcast_to", lambda lib, x: lib.broadcast_to(x, (2, 4, 3)), [(4, 1)]),
    OpCase("broadcast_tensors", lambda lib, x, y: lib.broadcast_tensors(x, y), [(2, 1), (3,)]),
    OpCase("narrow", lambda lib, x: x.narrow(1, 1, 2), A),
    OpCase("narrow_neg_start", lambda lib, x: lib.narrow(x, -1, -3, 2), A),
    OpCase("narrow_then_mul", lambda lib, x: x.narrow(0, 1, 1) * x.narrow(0, 0, 1), A),
    OpCase("atleast_1d", lambda lib, x: lib.atleast_1d(x) * 2, [()]),
    OpCase("atleast_2d", lambda lib, x, y: lib.atleast_2d(x, y), [(), (3,)]),
    OpCase("atleast_3d", lambda lib, x, y, z: lib.atleast_3d([x, y, z]), [(), (3,), (2, 3)]),
    # copies
    OpCase("repeat", lambda lib, x: x.repeat(2, 1, 3), [(2, 3)]),
    OpCase("repeat_same_ndim", lambda lib, x: x.repeat(3, 2), [(2, 3)]),
    OpCase("repeat_ones", lambda lib, x: x.repeat(1, 1), [(2, 3)]),
    OpCase("repeat_0d", lambda lib, x: x.repeat(3), [()]),
    OpCase("tile", lambda lib, x: x.tile(2), [(2, 3)]),
    OpCase("tile_fn", lambda lib, x: lib.tile(x, (2, 1, 2)), [(2, 3)]),
    OpCase("flip", lambda lib, x: lib.flip(x, [0, 2]), A),
    OpCase("flip_method", lambda lib, x: x.flip(-1), A),
    OpCase("fliplr", lambda lib, x: lib.fliplr(x), A),
    OpCase("flipud", lambda lib, x: x.flipud(), A),
    OpCase("roll", lambda lib, x: lib.roll(x, 2, 1), A),
    OpCase("roll_multi", lambda lib, x: x.roll((1, -2), (0, 2)), A),
    OpCase("roll_flat", lambda lib, x: x.roll(5), A),
    # join / split
    OpCase("cat", lambda lib, x, y: lib.cat([x, y]), [(2, 3), (1, 3)]),
    OpCase("cat_dim", lambda lib, x, y, z: lib.cat((x, y, z), dim=-1), [(2, 3), (2, 1), (2, 2)]),
    OpCase("concat", lambda lib, x, y: lib.concat([x, y], 1), [(2, 3, 2), (2, 1, 2)]),
    OpCase("concatenate", lambda lib, x, y: lib.concatenate([x, y], 2), [(2, 3, 2), (2, 3, 1)]),
    OpCase("cat_same_input", lambda lib, x: lib.cat([x, x * 2, x]), [(2, 3)]),
    OpCase("stack", lambda lib, x, y: lib.stack([x, y]), [(2, 3), (2, 3)]),
    OpCase("stack_dim", lambda lib, x, y: lib.stack((x, y), dim=-1), [(2, 3), (2, 3)]),
    OpCase("stack_mid", lambda lib, x, y, z: lib.stack([x, y, z], 1), [(2, 3), (2, 3), (2, 3)]),
    OpCase("hstack", lambda lib, x, y: lib.hstack([x, y]), [(2, 3), (2, 1)]),
    OpCase("hstack_1d", lambda lib, x, y: lib.hstack([x, y]), [(2,), (3,)]),
    OpCase("vstack", lambda lib, x, y: lib.vstack([x, y]), [(3,), (2, 3)]),
    OpCase("dstack", lambda lib, x, y: lib.dstack([x, y]), [(2, 3), (2, 3)]),
    OpCase("split", lambda lib, x: lib.split(x, 2, dim=1), [(2, 5)]),
    OpCase("split_method", lambda lib, x: x.split(1), [(3, 2)]),
    OpCase("split_sizes", lambda lib, x: x.split([1, 3, 1], 1), [(2, 5)]),
    OpCase("split_big", lambda lib, x: x.split(7), [(3, 2)]),
    OpCase("split_partial_use", lambda lib, x: x.split(2)[1] * 3, [(5, 2)]),
    OpCase("chunk", lambda lib, x: x.chunk(3), [(5, 2)]),
    OpCase("chunk_dim", lambda lib, x: lib.chunk(x, 4, dim=1), [(2, 6)]),
    OpCase("chunk_few", lambda lib, x: x.chunk(4, 0), [(2, 3)]),
    OpCase("tensor_split", lambda lib, x: x.tensor_split(3), [(7, 2)]),
    OpCase("tensor_split_idx", lambda lib, x: lib.tensor_split(x, [1, 3], dim=1), [(2, 5)]),
    OpCase("tensor_split_overlap", lambda lib, x: x.tensor_split([3, 1]), [(5,)]),
    OpCase("unbind", lambda lib, x: x.unbind(), [(3, 2)]),
    OpCase("unbind_dim", lambda lib, x: lib.unbind(x, -1), A),
    OpCase("unbind_1d", lambda lib, x: x.unbind(0), [(3,)]),
    OpCase("unbind_partial_use", lambda lib, x: x.unbind(1)[2] * 2, A),
    # chains mixing views and copies
    OpCase("chain", lambda lib, x: lib.cat([
        x.t().reshape(2, 3).expand(2, 2, 3).flip(0),
        x.permute(1, 0).unsqueeze(0).narrow(2, 0, 1).expand(2, 3, 3).mT], 1), [(2, 3)]),
]

VALUE_CASES = [
    OpCase("view_values", lambda lib, x: x.view(3, 2), arrays=[np.arange(6.0).reshape(2, 3)],
           expected=np.arange(6.0).reshape(3, 2), noncontig=False),
    OpCase("t_values", lambda lib, x: x.t(), arrays=[np.array([[1.0, 2.0], [3.0, 4.0]])],
           expected=[[1.0, 3.0], [2.0, 4.0]]),
    OpCase("roll_values", lambda lib, x: x.roll(1), arrays=[np.array([1.0, 2.0, 3.0, 4.0])],
           expected=[4.0, 1.0, 2.0, 3.0]),
    OpCase("repeat_values", lambda lib, x: x.repeat(2, 2), arrays=[np.array([1.0, 2.0])],
           expected=[[1.0, 2.0, 1.0, 2.0], [1.0, 2.0, 1.0, 2.0]]),
    OpCase("chunk_values", lambda lib, x: x.chunk(3), arrays=[np.arange(5.0)],
           expected=([0.0, 1.0], [2.0, 3.0], [4.0])),
    OpCase("tensor_split_values", lambda lib, x: x.tensor_split(3), arrays=[np.arange(7.0)],
           expected=([0.0, 1.0, 2.0], [3.0, 4.0], [5.0, 6.0])),
]


@pytest.mark.parametrize("case", CASES + VALUE_CASES, ids=str)
def test_forward(case):
    check_forward(case)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients(case, device):
    check_gradients(case, device)


@pytest.mark.parametrize("case", CASES + VALUE_CASES, ids=str)
def test_matches_torch(case):
    check_torch(case)


# ---- results PyTorch defines beyond values -------------------------------------------------------
def test_chunk_sizes_follow_torch():
    torch = pytest.importorskip("torch")
    for n in range(0, 9):
        for k in range(1, 6):
            want = [tuple(p.shape) for p in torch.zeros(n, 2).chunk(k)]
            assert [tuple(p.shape) for p in zoo_core.zeros(n, 2).chunk(k)] == want, (n, k)
            want = [tuple(p.shape) for p in torch.zeros(n, 2).tensor_split(k)]
            assert [tuple(p.shape) for p in zoo_core.zeros(n, 2).tensor_split(k)] == want, (n, k)
        for s in range(1, 5):
            want = [tuple(p.shape) for p in torch.zeros(n).split(s)]
            assert [tuple(p.shape) for p in zoo_core.zeros(n).split(s)] == want, (n, s)


def test_outputs_are_tuples():
    x = zoo_core.zeros(4, 2)
    for r in (x.split(2), x.chunk(2), x.unbind(), x.tensor_split(2)):
        assert type(r) is tuple


def test_cat_promotes_dtypes():
    a = zoo_core.ones(2, dtype=zoo_core.int64)
    b = zoo_core.ones(1, dtype=zoo_core.float32)
    c = zoo_core.ones(1, dtype=zoo_core.float64)
    assert zoo_core.cat([a, b]).dtype == zoo_core.float32
    assert zoo_core.cat([a, b, c]).dtype == zoo_core.float64
    assert zoo_core.cat([a, a]).dtype == zoo_core.int64
    assert zoo_core.stack([b, c]).dtype == zoo_core.float64
    assert zoo_core.cat([zoo_core.ones(1, dtype=zoo_core.bool), a]).tolist() == [1, 1, 1]


def test_cat_grad_cast_to_input_dtype():
    a = zoo_core.ones(2, dtype=zoo_core.float32, requires_grad=True)
    b = zoo_core.ones(3, dtype=zoo_core.float64, requires_grad=True)
    out = zoo_core.cat([a, b])
    out.backward(zoo_core.arange(5, dtype=zoo_core.float64))
    assert a.grad.dtype == zoo_core.float32 and a.grad.tolist() == [0.0, 1.0]
    assert b.grad.dtype == zoo_core.float64 and b.grad.tolist() == [2.0, 3.0, 4.0]


def test_cat_skips_legacy_empty():
    x = zoo_core.ones(2, 3, requires_grad=True)
    e = zoo_core.zeros(0, requires_grad=True)
    out = zoo_core.cat([e, x, e])
    assert out.shape == (2, 3)
    out.backward(zoo_core.ones(2, 3))
    assert x.grad.tolist() == [[1.0] * 3] * 2 and e.grad.shape == (0,)


def test_stack_values_and_grads():
    x = zoo_core.tensor([1.0, 2.0], requires_grad=True)
    y = zoo_core.tensor([3.0, 4.0])
    s = zoo_core.stack([x, y], 1)
    assert s.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    s.backward(zoo_core.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert x.grad.tolist() == [1.0, 3.0]


def test_split_is_one_node():
    x = zoo_core.ones(6, 2, requires_grad=True)
    parts = x.split(2)
    assert len({id(p.grad_fn) for p in parts}) == 1
    assert [p._out_idx for p in parts] == [0, 1, 2]
    parts[1].backward(zoo_core.ones(2, 2))
    assert x.grad.tolist() == [[0.0, 0.0]] * 2 + [[1.0, 1.0]] * 2 + [[0.0, 0.0]] * 2


def test_iteration_unbinds():
    x = zoo_core.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert [r.tolist() for r in x] == [[1.0, 2.0], [3.0, 4.0]]


def test_flatten_no_op_returns_input():
    x = zoo_core.ones(2, 3)
    assert x.flatten(1, 1) is x
    assert zoo_core.ones(()).flatten().shape == (1,)


def test_broadcast_shapes():
    assert zoo_core.broadcast_shapes((2, 1), (3,), ()) == (2, 3)
    with pytest.raises(RuntimeError, match=r"broadcast_shapes"):
        zoo_core.broadcast_shapes((2,), (3,))


def test_view_dtype_reinterprets_bits():
    x = zoo_core.tensor([1.0, 2.0])
    v = x.view(zoo_core.int32)
    assert v.dtype == zoo_core.int32
    np.testing.assert_array_equal(v.numpy(), x.numpy().view(np.int32))
    assert x.view(zoo_core.float16).shape == (4,)
    w = zoo_core.ones(2, requires_grad=True)
    assert w.view(zoo_core.float32).grad_fn is not None     # same dtype: an ordinary differentiable view


def test_grad_fn_names():
    x = zoo_core.ones(2, 3, requires_grad=True)
    assert x.view(6).grad_fn.name() == "ViewBackward0"
    assert x.t().reshape(6).grad_fn.name() == "UnsafeViewBackward0"
    assert x.t().grad_fn.name() == "TBackward0"
    assert x.expand(2, 2, 3).grad_fn.name() == "ExpandBackward0"
    assert zoo_core.cat([x, x]).grad_fn.name() == "CatBackward0"


# ---- errors ------------------------------------------------------------------------------------
def _raises(exc, match, fn):
    with pytest.raises(exc, match=match):
        fn()


@pytest.mark.parametrize("fn,exc,match", [
    (lambda x: x.view(4, 4), RuntimeError, r"shape '\[4, 4\]' is invalid for input of size 6"),
    (lambda x: x.reshape(-1, 4), RuntimeError, r"shape '\[-1, 4\]' is invalid for input of size 6"),
    (lambda x: x.view(-1, -1), RuntimeError, r"only one dimension can be inferred"),
    (lambda x: x.view(2, -2), RuntimeError, r"invalid shape dimension -2"),
    (lambda x: x.t().view(6), RuntimeError,
     r"view size is not compatible with input tensor's size and stride \(at least one dimension spans across "
     r"two contiguous subspaces\)\. Use \.reshape\(\.\.\.\) instead\."),
    (lambda x: x.view(2.0, 3), TypeError, r"view\(\): size must be ints"),
    (lambda x: x.squeeze(2), IndexError, r"squeeze: Dimension out of range \(expected to be in range of "
                                         r"\[-2, 1\], but got 2\)"),
    (lambda x: x.unsqueeze(3), IndexError, r"unsqueeze: Dimension out of range \(expected to be in range of "
                                           r"\[-3, 2\], but got 3\)"),
    (lambda x: x.unsqueeze(-4), IndexError, r"\[-3, 2\], but got -4"),
    (lambda x: x.permute(0, 0), RuntimeError, r"duplicate dims are not allowed"),
    (lambda x: x.permute(0, 1, 2), RuntimeError, r"input.dim\(\) = 2 is not equal to len\(dims\) = 3"),
    (lambda x: x.transpose(0, 2), IndexError, r"transpose: Dimension out of range"),
    (lambda x: x.unsqueeze(0).t(), RuntimeError, r"t\(\) expects a tensor with <= 2 dimensions, but self is 3D"),
    (lambda x: x.flatten().mT, RuntimeError,
     r"tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor."),
    (lambda x: x.expand(2, 4), RuntimeError,
     r"The expanded size of the tensor \(4\) must match the existing size \(3\) at non-singleton dimension 1.  "
     r"Target sizes: \[2, 4\].  Tensor sizes: \[2, 3\]"),
    (lambda x: x.expand(-1, 2, 3), RuntimeError, r"isn't allowed in a leading, non-existing dimension 0"),
    (lambda x: x.expand(3), RuntimeError, r"the number of sizes provided \(1\) must be greater or equal"),
    (lambda x: x.narrow(0, 1, 2), RuntimeError, r"start \(1\) \+ length \(2\) exceeds dimension size \(2\)"),
    (lambda x: x.narrow(1, 5, 0), IndexError, r"start out of range \(expected to be in range of \[-3, 3\], "
                                              r"but got 5\)"),
    (lambda x: x.narrow(1, 0, -1), RuntimeError, r"length must be non-negative"),
    (lambda x: x.repeat(2), RuntimeError, r"Number of dimensions of repeat dims can not be smaller"),
    (lambda x: x.flip(0, 0), RuntimeError, r"dim 0 appears multiple times in the list of dims"),
    (lambda x: x.flatten().fliplr(), RuntimeError, r"Input must be >= 2-d"),
    (lambda x: x.roll(1, (0, 1)), RuntimeError, r"shifts and dimensions must align. shifts: 1, dims:2"),
    (lambda x: x.flatten(1, 0), RuntimeError, r"start_dim cannot come after end_dim"),
    (lambda x: x.unflatten(1, (2, 2)), RuntimeError,
     r"unflatten: Provided sizes \[2, 2\] don't multiply up to the size of dim 1 \(3\) in the input tensor"),
    (lambda x: x.movedim((0, 1), (1,)), RuntimeError, r"movedim: Invalid source or destination dims"),
    (lambda x: x.movedim((0, 0), (1, 0)), RuntimeError, r"movedim: repeated dim in `source` \(\[0, 0\]\)"),
    (lambda x: x.split([2, 3], 1), RuntimeError, r"split_with_sizes expects split_sizes to sum exactly to 3 "
                                                 r"\(input tensor's size at dimension 1\), but got "
                                                 r"split_sizes=\[2, 3\]"),
    (lambda x: x.split(0), RuntimeError, r"split_size can only be 0 if dimension size is 0"),
    (lambda x: x.chunk(0), RuntimeError, r"chunk expects `chunks` to be greater than 0, got: 0"),
    (lambda x: x.tensor_split(0), RuntimeError, r"number of sections must be larger than 0"),
    (lambda x: zoo_core.zeros(()).unbind(0), IndexError,
     r"Dimension specified as 0 but tensor has no dimensions"),
    (lambda x: zoo_core.cat([x, zoo_core.zeros(2, 4)]), RuntimeError,
     r"Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor number 1 "
     r"in the list \(shapes \(2, 3\) and \(2, 4\)\)"),
    (lambda x: zoo_core.cat([x, zoo_core.zeros(2, 3, 1)]), RuntimeError,
     r"Tensors must have same number of dimensions: got 2 and 3"),
    (lambda x: zoo_core.cat([x, x], 2), IndexError, r"cat: Dimension out of range"),
    (lambda x: zoo_core.cat([]), ValueError, r"cat\(\): expected a non-empty list of Tensors"),
    (lambda x: zoo_core.cat(x), TypeError, r"must be a tuple or list of Tensors"),
    (lambda x: zoo_core.cat([x, 1]), TypeError, r"element 1 is a int"),
    (lambda x: zoo_core.cat([zoo_core.zeros(()), x]), RuntimeError,
     r"zero-dimensional tensor \(at position 0\) cannot be concatenated"),
    (lambda x: zoo_core.stack([x, zoo_core.zeros(2, 4)]), RuntimeError,
     r"stack expects each tensor to be equal size, but got \[2, 3\] at entry 0 and \[2, 4\] at entry 1"),
])
def test_errors(fn, exc, match):
    _raises(exc, match, lambda: fn(zoo_core.zeros(2, 3)))


def test_cat_zero_sized_inputs():
    x = zoo_core.ones(2, 3)
    assert zoo_core.cat([x, zoo_core.zeros(0, 3)]).shape == (2, 3)
    assert zoo_core.cat([zoo_core.zeros(0), zoo_core.zeros(0)]).shape == (0,)


@pytest.mark.parametrize("new_numpy", [True, False])
def test_reshape_view_detection(monkeypatch, new_numpy):
    from zoo_core.ops import shape
    monkeypatch.setattr(shape, "_NP_RESHAPE_COPY", new_numpy and shape._NP_RESHAPE_COPY)
    x = zoo_core.arange(24.0).reshape(2, 3, 4).transpose(1, 2)      # (2, 4, 3), non-contiguous
    assert x.reshape(2, 2, 2, 3)._base is not None                  # splitting a dim: a view
    assert x.reshape(2, 12)._base is None                           # merging across the transpose: a copy
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.view(2, 12)
    np.testing.assert_array_equal(x.reshape(2, 12).numpy(), np.arange(24.0).reshape(2, 3, 4).swapaxes(1, 2)
                                  .reshape(2, 12))
