"""More of the torch.* surface: top-level forms of nn ops, runtime switches, tensor metadata."""
import numpy as np
import pytest

import zoo_core as zoo


def _pair(shape, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype(np.float32)


def test_top_level_nn_ops_match_torch():
    torch = pytest.importorskip("torch")
    x, w, b = _pair((2, 3, 6, 6)), _pair((4, 3, 3, 3), 1), _pair((4,), 2)
    g, beta = np.abs(_pair((3,), 3)) + 0.5, _pair((3,), 4)
    table, idx = _pair((7, 5), 5), np.array([[1, 6], [0, 3]])
    cases = {
        "conv2d": lambda L, T: L.conv2d(T(x), T(w), T(b), 1, 1),
        "max_pool2d": lambda L, T: L.max_pool2d(T(x), 2),
        "avg_pool1d": lambda L, T: L.avg_pool1d(T(x[0]), 3, 2),
        "layer_norm": lambda L, T: L.layer_norm(T(x), (6,)),
        "group_norm": lambda L, T: L.group_norm(T(x), 3),
        "batch_norm": lambda L, T: L.batch_norm(T(x), T(g), T(beta), T(np.zeros(3, np.float32)),
                                                T(np.ones(3, np.float32)), True, 0.1, 1e-5, False),
        "instance_norm": lambda L, T: L.instance_norm(T(x), T(g), T(beta), None, None, True, 0.1, 1e-5,
                                                      False),
        "embedding": lambda L, T: L.embedding(T(table), T(idx)),
        "dropout_eval": lambda L, T: L.dropout(T(x), 0.3, False),
        "pixel_shuffle": lambda L, T: L.pixel_shuffle(T(_pair((1, 8, 2, 2))), 2),
        "cosine_similarity": lambda L, T: L.cosine_similarity(T(x), T(x[::-1].copy()), 1),
        "selu": lambda L, T: L.selu(T(x)),
        "threshold": lambda L, T: L.threshold(T(x), 0.1, -1.0),
        "prelu": lambda L, T: L.prelu(T(x), T(np.full(3, 0.2, np.float32))),
    }
    for name, fn in cases.items():
        ours = fn(zoo, zoo.tensor).detach().numpy()
        ref = fn(torch, torch.tensor).detach().numpy()
        np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-5, err_msg=name)


def test_top_level_names_are_listed_and_lazy():
    assert "conv2d" in dir(zoo) and "batch_norm" in dir(zoo)
    with pytest.raises(AttributeError, match="no attribute 'conv9d'"):
        zoo.conv9d


def test_runtime_switches():
    zoo.set_float32_matmul_precision("high")
    assert zoo.get_float32_matmul_precision() == "high"
    zoo.set_float32_matmul_precision("highest")
    with pytest.raises(RuntimeError, match="'highest', 'high' or 'medium'"):
        zoo.set_float32_matmul_precision("low")
    zoo.set_warn_always(True)
    assert zoo.is_warn_always_enabled()
    zoo.set_warn_always(False)
    assert zoo.set_flush_denormal(True) is False


def test_tensor_metadata():
    x = zoo.zeros(4, 5)
    assert x.get_device() == -1 and x.is_cpu and not x.is_sparse and not x.is_quantized
    assert x.layout == zoo.strided and repr(zoo.strided) == "torch.strided"
    assert x.is_signed() and not zoo.zeros(2, dtype=zoo.uint8).is_signed()
    assert not zoo.zeros(2, dtype=zoo.bool).is_signed()
    assert x[1:, 2:].storage_offset() == 7 and x.storage_offset() == 0
    assert x.t()[2].storage_offset() == 2
    assert x.output_nr == 0


def test_storage_offset_matches_torch():
    torch = pytest.importorskip("torch")
    views = [lambda t: t[2:, 1:], lambda t: t.t()[3], lambda t: t.narrow(1, 2, 2), lambda t: t[1].view(5),
             lambda t: t.reshape(-1)[7:], lambda t: t.unbind(0)[3]]
    for v in views:
        assert v(zoo.zeros(4, 5)).storage_offset() == v(torch.zeros(4, 5)).storage_offset()


def test_sdpa_backend_switches_keep_results():
    from zoo_core.nn.attention import SDPBackend, sdpa_kernel
    import zoo_core.nn.functional as F
    q = zoo.randn(1, 2, 4, 8)
    ref = F.scaled_dot_product_attention(q, q, q, is_causal=True)
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION]):
        same = F.scaled_dot_product_attention(q, q, q, is_causal=True)
    np.testing.assert_array_equal(same.numpy(), ref.numpy())
    with pytest.raises(AssertionError, match="SDPBackend"):
        with sdpa_kernel("flash"):
            pass
    cb = zoo.backends.cuda
    with cb.sdp_kernel(enable_flash=False, enable_mem_efficient=False):
        assert not cb.flash_sdp_enabled() and cb.math_sdp_enabled()
    assert cb.flash_sdp_enabled() and not cb.is_flash_attention_available()
    cb.enable_mem_efficient_sdp(False)
    assert not cb.mem_efficient_sdp_enabled()
    cb.enable_mem_efficient_sdp(True)
    assert int(cb.SDPBackend.FLASH_ATTENTION) == 1


def test_top_level_losses_and_dropouts_match_torch():
    torch = pytest.importorskip("torch")
    a, b = _pair((4, 5)), _pair((4, 5), 1)
    y01 = (np.random.RandomState(2).rand(4, 5) > 0.5).astype(np.float32)
    sign = np.where(np.random.RandomState(3).rand(4) > 0.5, 1.0, -1.0).astype(np.float32)
    lp = np.log(np.random.RandomState(4).dirichlet(np.ones(6), size=(7, 2))).astype(np.float32)
    cases = {
        "bce_logits": lambda L, T: L.binary_cross_entropy_with_logits(T(a), T(y01), None, None, 2),
        "kl_div": lambda L, T: L.kl_div(T(a), T(np.abs(b)), 0),
        "cosine_embedding": lambda L, T: L.cosine_embedding_loss(T(a), T(b), T(sign), 0.1, 1),
        "hinge_embedding": lambda L, T: L.hinge_embedding_loss(T(a), T(np.sign(b)), 1.0, 2),
        "margin_ranking": lambda L, T: L.margin_ranking_loss(T(a[:, 0]), T(b[:, 0]), T(sign), 0.2, 1),
        "poisson_nll": lambda L, T: L.poisson_nll_loss(T(a), T(np.abs(b)), True, False, 1e-8, 1),
        "triplet": lambda L, T: L.triplet_margin_loss(T(a), T(b), T(a[::-1].copy()), 1.0, 2.0, 1e-6, False, 0),
        "ctc": lambda L, T: L.ctc_loss(T(lp), L.tensor([[1, 2], [3, 3]]), [7, 6], [2, 2], 0, 1, False),
        "dropout_eval": lambda L, T: L.dropout_(T(a.copy()), 0.5, False),
        "feature_dropout_eval": lambda L, T: L.feature_dropout(T(a[None].copy()), 0.5, False),
        "max_pool1d_idx": lambda L, T: L.max_pool1d_with_indices(T(a[None]), 2)[1],
    }
    for name, fn in cases.items():
        ours, ref = fn(zoo, zoo.tensor), fn(torch, torch.tensor)
        np.testing.assert_allclose(ours.detach().numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    with pytest.raises(ValueError, match="reduction must be 0"):
        zoo.kl_div(zoo.ones(2), zoo.ones(2), "mean")
