"""DLPack exchange: zero-copy in both directions with numpy, PyTorch and (on a GPU) CuPy."""
import numpy as np
import pytest

import zoo_core
from zoo_core.dlpack import from_dlpack, to_dlpack

torch = pytest.importorskip("torch")

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


def _sample(dtype, shape=(2, 3)):
    a = np.arange(int(np.prod(shape))).reshape(shape) % 5
    return a.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_to_zoo_shares_memory(dtype):
    a = _sample(dtype)
    t = from_dlpack(a)
    assert t.dtype == getattr(zoo_core, dtype) and t.shape == (2, 3)
    assert t.data_ptr() == a.ctypes.data
    a[0, 0] = 1 if dtype != "bool" else True
    a[1, 2] = 0 if dtype != "bool" else False
    np.testing.assert_array_equal(np.asarray(t._data), a)
    t._data[0, 1] = 3 if dtype != "bool" else True     # and the other way
    assert a[0, 1] == t._data[0, 1]


@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_round_trip_shares_memory(dtype):
    src = torch.from_numpy(_sample(dtype))
    t = from_dlpack(src)
    assert t.dtype == getattr(zoo_core, dtype)
    assert t.data_ptr() == src.data_ptr()
    src[0, 0] = 4 if dtype != "bool" else True
    assert t.tolist() == src.tolist()
    back = torch.from_dlpack(t)                        # zoo -> torch through Tensor.__dlpack__
    assert back.data_ptr() == src.data_ptr() and back.dtype == src.dtype
    back[1, 1] = 2 if dtype != "bool" else False
    assert t.tolist() == src.tolist()


@pytest.mark.parametrize("dtype", DTYPES)
def test_zoo_to_numpy_and_torch(dtype):
    z = zoo_core.from_numpy(_sample(dtype, (4,)))
    n = np.from_dlpack(z)
    assert n.dtype == np.dtype(dtype) and n.ctypes.data == z.data_ptr()
    tt = torch.from_dlpack(z)
    assert tt.data_ptr() == z.data_ptr() and tt.tolist() == z.tolist()
    tt[0] = 1 if dtype != "bool" else True
    assert bool(z._data[0]) == bool(tt[0])


def test_protocol_methods():
    z = zoo_core.tensor([1.0, 2.0])
    assert z.__dlpack_device__() == (1, 0)
    assert "dltensor" in repr(z.__dlpack__())
    assert "dltensor" in repr(z.__dlpack__(stream=None, max_version=(1, 0)))


def test_zero_dim_and_non_contiguous():
    a = np.arange(12.0).reshape(3, 4)[:, ::2]          # strided view
    t = from_dlpack(a)
    assert t.shape == (3, 2) and t.stride() == (4, 2)
    a[2, 1] = -1.0
    assert t.tolist()[2][1] == -1.0
    s = from_dlpack(torch.tensor(2.5, dtype=torch.float64))
    assert s.shape == () and s.item() == 2.5
    tt = torch.from_dlpack(zoo_core.from_numpy(np.arange(6.0).reshape(2, 3).T))
    assert tt.shape == (3, 2) and tt.stride() == (1, 3)


def test_legacy_capsules():
    src = torch.arange(5, dtype=torch.int32)
    t = from_dlpack(src.__dlpack__())
    src[0] = 42
    assert t.tolist() == [42, 1, 2, 3, 4] and t.dtype == zoo_core.int32
    a = np.array([True, False, True])
    tb = from_dlpack(a.__dlpack__())
    assert tb.tolist() == [True, False, True] and tb.data_ptr() == a.ctypes.data
    z = zoo_core.tensor([3.0, 4.0])
    back = torch.utils.dlpack.from_dlpack(to_dlpack(z))
    assert back.data_ptr() == z.data_ptr()


def test_capsule_can_be_consumed_once():
    cap = np.arange(3.0).__dlpack__()
    from_dlpack(cap)
    with pytest.raises(BufferError, match="once"):
        from_dlpack(cap)


def test_from_dlpack_of_a_zoo_tensor_shares_memory():
    z = zoo_core.tensor([1, 2, 3])
    t = from_dlpack(z)
    assert t is not z and t.data_ptr() == z.data_ptr()


def test_errors():
    with pytest.raises(TypeError, match="__dlpack__"):
        from_dlpack([1, 2, 3])
    with pytest.raises(TypeError, match="unsupported dtype"):
        from_dlpack(np.array([1, 2], dtype=np.uint16))
    z = zoo_core.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="require gradient"):
        torch.from_dlpack(z)
    assert torch.from_dlpack(z.detach()).tolist() == [1.0]

    class FakeDevice:
        def __dlpack__(self, **kw):
            raise AssertionError("not reached")

        def __dlpack_device__(self):
            return (14, 0)      # kDLOneAPI
    with pytest.raises(RuntimeError, match="device type 14"):
        from_dlpack(FakeDevice())


# ---- CUDA ----------------------------------------------------------------------------------------
@pytest.mark.gpu
@pytest.mark.cuda_hw
@pytest.mark.parametrize("dtype", DTYPES)
def test_cupy_round_trip_shares_memory(dtype):
    import cupy as cp
    a = cp.asarray(_sample(dtype))
    t = from_dlpack(a)
    assert t.is_cuda and t.device == zoo_core.device("cuda", 0) and t.dtype == getattr(zoo_core, dtype)
    assert t.data_ptr() == a.data.ptr
    a[0, 0] = 1
    assert t.tolist() == a.tolist()
    assert t.__dlpack_device__() == (2, 0)
    b = cp.from_dlpack(t)
    assert b.data.ptr == a.data.ptr
    b[1, 2] = 0
    assert t.tolist() == a.tolist()
    legacy = from_dlpack(cp.asarray(_sample(dtype)).__dlpack__())   # a legacy capsule
    assert legacy.is_cuda and legacy.tolist() == _sample(dtype).tolist()
