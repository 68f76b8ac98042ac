"""The functional odds and ends: one_hot, normalize, cosine_similarity, pairwise_distance, linear, bilinear."""
import numpy as np
import pytest

import zoo_core
import zoo_core.nn.functional as F
from zoo_core.testing import OpCase, op_tests

CASES = [
    OpCase("normalize", lambda lib, x: lib.nn.functional.normalize(x), [(3, 4)]),
    OpCase("normalize_p1_dim0", lambda lib, x: lib.nn.functional.normalize(x, p=1.0, dim=0), [(3, 4)], avoid=[0.0]),
    OpCase("normalize_values", lambda lib, x: lib.nn.functional.normalize(x), arrays=[np.array([[3.0, 4.0]])],
           expected=[[0.6, 0.8]]),
    OpCase("cosine_similarity", lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b), [(3, 4), (3, 4)]),
    OpCase("cosine_similarity_bcast", lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b, dim=-1),
           [(2, 3, 4), (4,)]),
    # norms clamped to eps: the forward matches; the gradient deliberately ignores the clamp (as PyTorch's),
    # so it is no finite-difference gradient; test_cosine_similarity_clamped_gradient compares it with torch
    OpCase("cosine_similarity_clamped", lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b, eps=0.5),
           [(2, 3), (2, 3)], low=-0.2, high=0.2, grad=False),
    OpCase("cosine_values", lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b),
           arrays=[np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]])], expected=[2 ** -0.5]),
    OpCase("pairwise_distance", lambda lib, a, b: lib.nn.functional.pairwise_distance(a, b), [(3, 4), (3, 4)]),
    OpCase("pairwise_distance_p1_keepdim", lambda lib, a, b: lib.nn.functional.pairwise_distance(
        a, b, p=1.0, keepdim=True), [(3, 4), (4,)], gradgrad=False),
    OpCase("linear", lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), [(2, 3, 4), (5, 4), (5,)]),
    OpCase("bilinear", lambda lib, x1, x2, w, b: lib.nn.functional.bilinear(x1, x2, w, b),
           [(3, 2), (3, 4), (5, 2, 4), (5,)]),
]


test_forward, test_gradients, test_matches_torch = op_tests(CASES)


def test_cosine_similarity_of_a_zero_vector_matches_torch():
    torch = pytest.importorskip("torch")
    out = []
    for lib in (zoo_core, torch):
        a = lib.tensor([[0.0, 0.0], [1.0, 2.0]], requires_grad=True)
        b = lib.tensor([[1.0, 1.0], [0.0, 0.0]], requires_grad=True)
        y = lib.nn.functional.cosine_similarity(a, b)
        y.sum().backward()
        out.append((y.detach().numpy(), a.grad.numpy(), b.grad.numpy()))
    for u, v in zip(*out):
        np.testing.assert_allclose(u, v, atol=1e-6)


def test_cosine_similarity_clamped_gradient():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a0, b0 = rng.uniform(-0.2, 0.2, (2, 3)), rng.uniform(-0.2, 0.2, (2, 3))
    out = []
    for lib in (zoo_core, torch):
        a, b = lib.tensor(a0, requires_grad=True), lib.tensor(b0, requires_grad=True)
        lib.nn.functional.cosine_similarity(a, b, eps=0.5).sum().backward()
        out.append((a.grad.numpy(), b.grad.numpy()))
    np.testing.assert_allclose(out[0][0], out[1][0], atol=1e-12)
    np.testing.assert_allclose(out[0][1], out[1][1], atol=1e-12)


def test_normalize_zero_vector_is_zero():
    assert F.normalize(zoo_core.zeros(2, 3)).tolist() == [[0.0] * 3] * 2


def test_one_hot():
    y = F.one_hot(zoo_core.tensor([0, 2, 1]), 4)
    assert y.dtype == zoo_core.int64
    assert y.tolist() == [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]]
    assert F.one_hot(zoo_core.tensor([[1], [3]])).shape == (2, 1, 4)      # num_classes = max + 1
    assert F.one_hot(zoo_core.tensor([], dtype=zoo_core.int64), 3).shape == (0, 3)


def test_one_hot_errors():
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes."):
        F.one_hot(zoo_core.tensor([1, 5]), 3)
    with pytest.raises(RuntimeError, match="Class values must be non-negative."):
        F.one_hot(zoo_core.tensor([-1]), 3)
    with pytest.raises(RuntimeError, match="one_hot is only applicable to index tensor of type LongTensor."):
        F.one_hot(zoo_core.tensor([1], dtype=zoo_core.int32), 3)
    with pytest.raises(RuntimeError, match="Can not infer total number of classes from empty tensor."):
        F.one_hot(zoo_core.tensor([], dtype=zoo_core.int64))


def test_functional_namespace_has_the_torch_names():
    torch = pytest.importorskip("torch")
    names = ["relu", "relu_", "relu6", "elu", "elu_", "selu", "celu", "leaky_relu", "leaky_relu_", "prelu", "rrelu",
             "glu", "gelu", "logsigmoid", "hardshrink", "tanhshrink", "softsign", "softplus", "softmin", "softmax",
             "softshrink", "log_softmax", "tanh", "sigmoid", "hardsigmoid", "silu", "mish", "hardswish", "hardtanh",
             "hardtanh_", "threshold", "threshold_", "batch_norm", "instance_norm", "layer_norm", "group_norm",
             "rms_norm", "local_response_norm", "normalize", "linear", "bilinear", "dropout", "dropout1d",
             "dropout2d", "dropout3d", "alpha_dropout", "embedding", "one_hot", "pad", "interpolate", "upsample",
             "pixel_shuffle", "pixel_unshuffle", "cosine_similarity", "pairwise_distance", "conv1d", "conv2d",
             "conv_transpose1d", "conv_transpose2d", "unfold", "fold", "max_pool1d", "max_pool2d", "avg_pool1d",
             "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d",
             "adaptive_max_pool2d", "lp_pool2d"]
    for n in names:
        assert hasattr(torch.nn.functional, n), n
        assert callable(getattr(F, n, None)), n
