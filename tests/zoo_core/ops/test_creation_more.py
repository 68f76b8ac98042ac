"""Window functions, scalar_tensor, range, empty_strided, frombuffer against PyTorch and closed forms."""
import warnings

import numpy as np
import pytest

import zoo_core as zoo

WINDOWS = [("hann_window", {}), ("hamming_window", {}), ("hamming_window", {"alpha": 0.5, "beta": 0.4}),
           ("blackman_window", {}), ("bartlett_window", {}), ("kaiser_window", {}),
           ("kaiser_window", {"beta": 5.0})]


@pytest.mark.parametrize("name,kw", WINDOWS)
@pytest.mark.parametrize("n", [0, 1, 2, 5, 16])
@pytest.mark.parametrize("periodic", [True, False])
def test_windows_match_torch(name, kw, n, periodic):
    torch = pytest.importorskip("torch")
    ours = getattr(zoo, name)(n, periodic, **kw, dtype=zoo.float64)
    ref = getattr(torch, name)(n, periodic, **kw, dtype=torch.float64)
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-12, atol=1e-12)


def test_window_closed_form_and_errors(device):
    w = zoo.hann_window(4, device=device)
    assert w.dtype == zoo.float32 and w.device.type == device
    np.testing.assert_allclose(w.cpu().numpy(), [0.0, 0.5, 1.0, 0.5], atol=1e-7)
    np.testing.assert_allclose(zoo.bartlett_window(5, periodic=False).numpy(), [0, 0.5, 1, 0.5, 0])
    with pytest.raises(RuntimeError, match="floating point"):
        zoo.hann_window(4, dtype=zoo.int64)
    with pytest.raises(RuntimeError, match="non-negative window length"):
        zoo.hann_window(-1)


def test_scalar_tensor_range_empty_strided():
    s = zoo.scalar_tensor(3)
    assert s.shape == () and s.dtype == zoo.float32 and s.item() == 3.0
    assert zoo.scalar_tensor(2, dtype=zoo.int64).dtype == zoo.int64
    np.testing.assert_allclose(zoo.range(1, 2, 0.25).numpy(), [1.0, 1.25, 1.5, 1.75, 2.0])
    assert zoo.range(3).tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        zoo.range(3, 1)
    e = zoo.empty_strided((2, 3), (1, 2))
    assert e.shape == (2, 3) and e.stride() == (1, 2)
    with pytest.raises(RuntimeError, match="mismatch in length"):
        zoo.empty_strided((2, 3), (1,))


def test_frombuffer_shares_memory():
    buf = bytearray(np.arange(4, dtype=np.int32).tobytes())
    t = zoo.frombuffer(buf, dtype=zoo.int32, count=2, offset=4)
    assert t.tolist() == [1, 2]
    buf[4] = 9
    assert t.tolist() == [9, 2]
    with pytest.raises(ValueError, match="frombuffer: cannot read"):
        zoo.frombuffer(b"abc", dtype=zoo.int32)


def test_range_matches_torch():
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for args in [(1, 4), (0, 1, 0.1), (2, -1, -0.5)]:
            np.testing.assert_allclose(zoo.range(*args).numpy(), torch.range(*args).numpy(), rtol=1e-6)
            assert str(zoo.range(*args).dtype).split(".")[1] == str(torch.range(*args).dtype).split(".")[1]
