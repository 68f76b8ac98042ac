"""torch.cuda streams, events and memory statistics (on CuPy; the stand-in checks the API paths)."""
import pytest

import zoo_core as zoo

gpu = pytest.mark.gpu


def test_without_cuda_the_functions_say_so():
    if zoo.cuda.is_available():
        pytest.skip("CUDA is available")
    assert not zoo.cuda.is_initialized() or zoo.cuda.is_initialized()   # never raises
    for fn in (zoo.cuda.Event, zoo.cuda.Stream, zoo.cuda.current_stream, zoo.cuda.max_memory_allocated,
               zoo.cuda.mem_get_info, zoo.cuda.reset_peak_memory_stats):
        with pytest.raises(RuntimeError, match="no CUDA device is available"):
            fn()
    assert issubclass(zoo.cuda.OutOfMemoryError, MemoryError)


@gpu
def test_event_timing():
    start, end = zoo.cuda.Event(enable_timing=True), zoo.cuda.Event(enable_timing=True)
    start.record()
    x = zoo.randn(256, 256, device="cuda")
    y = x @ x
    end.record()
    end.synchronize()
    ms = start.elapsed_time(end)
    assert isinstance(ms, float) and ms >= 0
    assert end.query() and y.shape == (256, 256)
    plain = zoo.cuda.Event()
    plain.record()
    with pytest.raises(RuntimeError, match="enable_timing=True"):
        start.elapsed_time(plain)
    with pytest.raises(RuntimeError, match="must be recorded"):
        zoo.cuda.Event(enable_timing=True).elapsed_time(end)


@gpu
def test_stream_context_and_waits():
    s = zoo.cuda.Stream()
    before = zoo.cuda.current_stream()
    with zoo.cuda.stream(s):
        assert zoo.cuda.current_stream() == s
        y = zoo.ones(4, device="cuda") * 2
        e = s.record_event()
    assert zoo.cuda.current_stream() == before
    before.wait_stream(s)
    e.wait()
    s.synchronize()
    assert s.query() and y.sum().item() == 8.0
    assert zoo.cuda.default_stream() == zoo.cuda.default_stream()
    assert s.device.type == "cuda"
    with zoo.cuda.stream(None):   # None: no change, as PyTorch
        assert zoo.cuda.current_stream() == before


@gpu
def test_memory_stats_api():
    zoo.cuda.reset_peak_memory_stats()
    for fn in (zoo.cuda.max_memory_allocated, zoo.cuda.max_memory_reserved, zoo.cuda.memory_allocated):
        assert isinstance(fn(), int) and fn() >= 0
    free, total = zoo.cuda.mem_get_info()
    assert 0 < free <= total
    stats = zoo.cuda.memory_stats()
    assert stats["allocated_bytes.all.peak"] >= stats["allocated_bytes.all.current"]
    assert "allocated_bytes.all.peak" in zoo.cuda.memory_summary()
    with pytest.raises(ValueError, match="Allowed range: 0~1"):
        zoo.cuda.set_per_process_memory_fraction(1.5)
    assert zoo.cuda.is_initialized()
    import cupy
    assert zoo.cuda.OutOfMemoryError is cupy.cuda.memory.OutOfMemoryError


@gpu
@pytest.mark.cuda_hw
def test_peak_memory_follows_allocations():
    zoo.cuda.empty_cache()
    zoo.cuda.reset_peak_memory_stats()
    base = zoo.cuda.max_memory_allocated()
    x = zoo.empty(64 * 2 ** 20 // 4, device="cuda")   # 64 MiB
    assert zoo.cuda.max_memory_allocated() >= base + 64 * 2 ** 20
    del x
    assert zoo.cuda.memory_allocated() < zoo.cuda.max_memory_allocated()
    zoo.cuda.reset_peak_memory_stats()
    assert zoo.cuda.max_memory_allocated() == zoo.cuda.memory_allocated()


@gpu
def test_review_nested_with_same_stream_and_singleton_device():
    import types
    before = zoo.cuda.current_stream()
    s = zoo.cuda.Stream()
    with s:
        with s:
            assert zoo.cuda.current_stream() == s
        assert zoo.cuda.current_stream() == s
    assert zoo.cuda.current_stream() == before
    # CuPy's singleton streams (Stream.null, Stream.ptds) report device_id -1
    single = zoo.cuda.Stream(_cupy_stream=types.SimpleNamespace(device_id=-1, ptr=0))
    assert single.device == zoo.device("cuda", zoo.cuda.current_device())
