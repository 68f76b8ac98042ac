"""DataLoader with worker processes: ordering, seeding, worker info, errors, shutdown."""
import gc
import os
import random
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import zoo_core
from zoo_core.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info

# datasets live at module level so that they also pickle for the spawn context
class _Info(Dataset):
    """Each sample reports where and how it was loaded."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return {"i": i, "pid": os.getpid(), "id": -1 if info is None else info.id,
                "num_workers": 0 if info is None else info.num_workers,
                "seed": -1 if info is None else info.seed,
                "dataset_type": "" if info is None else type(info.dataset).__name__,
                "init_id": _INIT_ID}


_INIT_ID = -1


def _record_init(worker_id):
    global _INIT_ID
    _INIT_ID = worker_id


class _Random(Dataset):
    """Samples drawn from every RNG a worker seeds."""

    def __len__(self):
        return 6

    def __getitem__(self, i):
        return (np.random.randint(0, 2 ** 31), random.randint(0, 2 ** 31), zoo_core.rand(1).item())


class _Failing(Dataset):
    def __init__(self, exc=ValueError, at=3):
        self.exc, self.at = exc, at

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == self.at:
            raise self.exc(f"bad sample {i}")
        return i


class _NeedsTwoArgs(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


class _FailingTwoArgs(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 1:
            raise _NeedsTwoArgs("x", "y")
        return i


class _Slow(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(0.15 if i else 3.0)
        return i


class _Crashing(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 2:
            os._exit(7)
        return i


class _Shards(IterableDataset):
    """range(n), sharded across workers by id: worker k yields k, k + W, k + 2W, ..."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


class _Pid(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return os.getpid()


def _tensor_dataset(n=12):
    return TensorDataset(zoo_core.tensor(np.arange(n * 3, dtype=np.float32).reshape(n, 3)),
                         zoo_core.tensor(np.arange(n)))


def _alive(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return "zombie" not in f.read()
    except FileNotFoundError:
        return False


def _batches(loader):
    return [(x.numpy().copy(), y.tolist()) for x, y in loader]


# ---- ordering and determinism ------------------------------------------------------------------------
def test_in_order_batches_with_workers():
    loader = DataLoader(_tensor_dataset(11), batch_size=3, num_workers=2, timeout=20)
    assert [y for _, y in _batches(loader)] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10]]
    assert len(loader) == 4


def test_same_seed_same_batches_with_any_number_of_workers():
    runs = {}
    for workers in (0, 1, 2):
        zoo_core.manual_seed(123)
        runs[workers] = _batches(DataLoader(_tensor_dataset(), batch_size=5, shuffle=True,
                                            num_workers=workers, timeout=20))
    ys = [[y for _, y in runs[w]] for w in (0, 1, 2)]
    assert ys[0] == ys[1] == ys[2]
    assert sorted(sum(ys[0], [])) == list(range(12)) and sum(ys[0], []) != list(range(12))
    for w in (1, 2):
        for (x0, _), (xw, _) in zip(runs[0], runs[w]):
            np.testing.assert_array_equal(x0, xw)


def test_loader_generator_controls_shuffle_with_workers():
    def run(seed):
        g = zoo_core.Generator().manual_seed(seed)
        return [y for _, y in _batches(DataLoader(_tensor_dataset(), batch_size=4, shuffle=True,
                                                  num_workers=2, generator=g, timeout=20))]
    assert run(3) == run(3) != run(4)


def test_drop_last_and_batch_sampler_with_workers():
    loader = DataLoader(_tensor_dataset(10), batch_size=4, drop_last=True, num_workers=2, timeout=20)
    assert [y for _, y in _batches(loader)] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    loader = DataLoader(range(10), batch_sampler=[[9, 8], [1], [4, 5, 6]], num_workers=2, timeout=20)
    assert [b.tolist() for b in loader] == [[9, 8], [1], [4, 5, 6]]


def test_custom_collate_runs_in_workers():
    def collate(samples):
        return (os.getpid(), sorted(samples))
    out = list(DataLoader(range(6), batch_size=2, collate_fn=collate, num_workers=2, timeout=20))
    assert [b for _, b in out] == [[0, 1], [2, 3], [4, 5]]
    assert os.getpid() not in {pid for pid, _ in out} and len({pid for pid, _ in out}) == 2


def test_prefetch_factor_and_out_of_order_mode():
    loader = DataLoader(range(20), batch_size=2, num_workers=2, prefetch_factor=1, timeout=20)
    assert [b.tolist() for b in loader] == [[i, i + 1] for i in range(0, 20, 2)]
    loader = DataLoader(range(20), batch_size=2, num_workers=2, in_order=False, timeout=20)
    assert sorted(sum((b.tolist() for b in loader), [])) == list(range(20))


class _Counting(Dataset):
    """Counts fetched samples across processes (a shared counter inherited through fork)."""

    def __init__(self):
        import multiprocessing
        self.count = multiprocessing.get_context("fork").Value("i", 0)

    def __len__(self):
        return 100

    def __getitem__(self, i):
        with self.count.get_lock():
            self.count.value += 1
        return i


@pytest.mark.parametrize("prefetch_factor", [1, 3])
def test_prefetch_factor_bounds_batches_in_flight(prefetch_factor):
    ds = _Counting()
    it = iter(DataLoader(ds, batch_size=2, num_workers=2, prefetch_factor=prefetch_factor, timeout=20))
    deadline = time.monotonic() + 5
    while ds.count.value < 2 * 2 * prefetch_factor and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)                                   # would the workers fetch more? they must not
    assert ds.count.value == 2 * 2 * prefetch_factor  # batch_size * num_workers * prefetch_factor
    next(it)                                          # consuming one batch dispatches one more
    deadline = time.monotonic() + 5
    while ds.count.value < 2 * (2 * prefetch_factor + 1) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert ds.count.value == 2 * (2 * prefetch_factor + 1)
    del it


# ---- worker info and seeding ---------------------------------------------------------------------------
def test_worker_info_and_worker_init_fn():
    g = zoo_core.Generator().manual_seed(99)
    base = zoo_core.data.sampler._draw_seed(zoo_core.Generator().manual_seed(99))
    loader = DataLoader(_Info(), batch_size=None, num_workers=2, worker_init_fn=_record_init, generator=g,
                        timeout=20)
    samples = list(loader)
    assert [s["i"] for s in samples] == list(range(8))
    assert [s["id"] for s in samples] == [0, 1] * 4                 # round-robin dispatch
    assert all(s["init_id"] == s["id"] for s in samples)            # worker_init_fn(worker_id) ran there
    assert all(s["num_workers"] == 2 and s["dataset_type"] == "_Info" for s in samples)
    assert {s["id"]: s["seed"] for s in samples} == {0: base, 1: base + 1}
    assert os.getpid() not in {s["pid"] for s in samples} and len({s["pid"] for s in samples}) == 2
    assert get_worker_info() is None and _INIT_ID == -1             # nothing leaks into the main process


def test_workers_seed_numpy_random_and_zoo_rngs():
    def run():
        zoo_core.manual_seed(0)
        return list(DataLoader(_Random(), batch_size=None, num_workers=2, timeout=20))
    a, b = run(), run()
    assert a == b                                                    # reproducible
    w0, w1 = a[0::2], a[1::2]
    for k in range(3):                                               # every RNG differs across workers
        assert [s[k] for s in w0] != [s[k] for s in w1]
    zoo_core.manual_seed(1)
    assert list(DataLoader(_Random(), batch_size=None, num_workers=2, timeout=20)) != a


def test_worker_rng_streams_are_those_of_base_seed_plus_id():
    g = zoo_core.Generator().manual_seed(5)
    base = zoo_core.data.sampler._draw_seed(zoo_core.Generator().manual_seed(5))
    out = list(DataLoader(_Random(), batch_size=None, num_workers=2, generator=g, timeout=20))
    random.seed(base + 1)
    assert out[1][1] == random.randint(0, 2 ** 31)
    expected = zoo_core.rand(1, generator=zoo_core.Generator().manual_seed(base)).item()
    assert out[0][2] == pytest.approx(expected)


# ---- iterable datasets ---------------------------------------------------------------------------------
def test_iterable_dataset_sharded_across_two_workers():
    out = [b.tolist() for b in DataLoader(_Shards(10), batch_size=2, num_workers=2, timeout=20)]
    # worker 0 yields 0, 2, 4, 6, 8 and worker 1 yields 1, 3, 5, 7, 9; batches alternate between them
    assert out == [[0, 2], [1, 3], [4, 6], [5, 7], [8], [9]]


class _UnevenShards(IterableDataset):
    """Worker 0 runs out long before worker 1."""

    def __iter__(self):
        info = get_worker_info()
        return iter(range(info.id, 7 if info.id == 0 else 20, info.num_workers))


@pytest.mark.parametrize("drop_last, expected", [
    # what torch.utils.data.DataLoader gives for the same dataset (checked with torch 2.13)
    (False, [[0, 2, 4], [1, 3, 5], [6], [7, 9, 11], [13, 15, 17], [19]]),
    (True, [[0, 2, 4], [1, 3, 5], [7, 9, 11], [13, 15, 17]]),
])
def test_iterable_dataset_uneven_shards_match_torch(drop_last, expected):
    loader = DataLoader(_UnevenShards(), batch_size=3, num_workers=2, drop_last=drop_last, timeout=20)
    assert [b.tolist() for b in loader] == expected


def test_iterable_dataset_without_sharding_duplicates_like_torch():
    out = sorted(sum((b.tolist() for b in DataLoader(_Unsharded(), batch_size=2, num_workers=2,
                                                       timeout=20)), []))
    assert out == [0, 0, 1, 1, 2, 2]


class _Unsharded(IterableDataset):
    def __iter__(self):
        return iter(range(3))


# ---- errors --------------------------------------------------------------------------------------------
def test_worker_exception_reraised_with_traceback():
    loader = DataLoader(_Failing(), batch_size=2, num_workers=2, timeout=20)
    with pytest.raises(ValueError) as e:
        list(loader)
    msg = str(e.value)
    assert msg.startswith("Caught ValueError in DataLoader worker process 1.\nOriginal Traceback "
                          "(most recent call last):\n")
    assert "in __getitem__" in msg and "raise self.exc(f\"bad sample {i}\")" in msg
    assert msg.rstrip().endswith("ValueError: bad sample 3")


def test_worker_key_error_message_keeps_newlines():
    with pytest.raises(KeyError) as e:
        list(DataLoader(_Failing(KeyError, at=0), batch_size=1, num_workers=1, timeout=20))
    assert str(e.value).startswith("Caught KeyError in DataLoader worker process 0.\nOriginal Traceback")


def test_exception_with_unusual_constructor_becomes_runtime_error():
    with pytest.raises(RuntimeError, match="Caught _NeedsTwoArgs in DataLoader worker process 1"):
        list(DataLoader(_FailingTwoArgs(), num_workers=2, timeout=20))


def test_exception_in_worker_init_fn():
    with pytest.raises(ZeroDivisionError, match=r"Caught ZeroDivisionError in DataLoader worker process 0"):
        list(DataLoader(range(4), num_workers=1, worker_init_fn=lambda wid: 1 / 0, timeout=20))


def test_unpicklable_batch_is_reported_not_hung():
    with pytest.raises(Exception, match="while sending a batch to the main process"):
        list(DataLoader(range(4), batch_size=2, num_workers=1, collate_fn=lambda b: (lambda: b), timeout=20))


def test_timeout():
    loader = DataLoader(_Slow(), num_workers=1, timeout=0.3)
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.3 seconds"):
        next(iter(loader))
    assert time.monotonic() - t0 < 2.5


def test_dead_worker_is_detected():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+ \(exit code 7\)\) exited unexpectedly"):
        list(DataLoader(_Crashing(), num_workers=1, timeout=20))


# ---- lifetime ------------------------------------------------------------------------------------------
def test_persistent_workers_are_reused_across_epochs():
    loader = DataLoader(_Pid(), batch_size=2, num_workers=2, persistent_workers=True, timeout=20)
    first = {p for b in loader for p in b.tolist()}
    second = {p for b in loader for p in b.tolist()}
    assert len(first) == 2 and first == second
    # an abandoned epoch's batches are dropped: the next epoch starts from the beginning
    it = iter(loader)
    next(it)
    assert len(list(iter(loader))) == 3
    workers = list(loader._iterator._workers)
    del it, loader
    gc.collect()
    assert not any(w.pid and _alive(w.pid) for w in workers)


def test_non_persistent_workers_are_new_each_epoch():
    loader = DataLoader(_Pid(), batch_size=3, num_workers=1, timeout=20)
    first = {p for b in loader for p in b.tolist()}
    second = {p for b in loader for p in b.tolist()}
    assert first.isdisjoint(second)
    assert not any(_alive(p) for p in first | second)     # each epoch's worker exited at its end


def test_persistent_workers_reshuffle_each_epoch():
    loader = DataLoader(range(16), batch_size=16, shuffle=True, num_workers=2, persistent_workers=True,
                        timeout=20)
    a, b = next(iter(loader)).tolist(), next(iter(loader)).tolist()
    assert sorted(a) == sorted(b) == list(range(16)) and a != b


def test_iterator_deleted_mid_epoch_leaves_no_children():
    loader = DataLoader(_Pid(), batch_size=1, num_workers=2, timeout=20)
    it = iter(loader)
    pids = {next(it).item(), next(it).item()}
    assert len(pids) == 2 and all(_alive(p) for p in pids)
    del it
    gc.collect()
    assert not any(_alive(p) for p in pids)
    import multiprocessing
    assert not [c for c in multiprocessing.active_children() if c.name.startswith("zoo_data_worker")]


def test_interpreter_exit_with_live_workers_does_not_hang():
    script = textwrap.dedent("""
        import os
        from zoo_core.data import DataLoader, get_worker_info
        class PidDataset:
            def __len__(self):
                return 100
            def __getitem__(self, i):
                return os.getpid()
        persistent = iter(DataLoader(PidDataset(), num_workers=2, persistent_workers=True))
        mid_epoch = iter(DataLoader(PidDataset(), num_workers=1))
        pids = {next(persistent).item(), next(persistent).item(), next(mid_epoch).item()}
        print(" ".join(map(str, pids)), flush=True)
    """)
    env = dict(os.environ, PYTHONPATH=os.getcwd() + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, env=env)
    assert proc.returncode == 0, proc.stderr
    pids = [int(p) for p in proc.stdout.split()]
    assert len(pids) == 3
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids)


def test_spawn_context():
    loader = DataLoader(_tensor_dataset(6), batch_size=4, num_workers=1, multiprocessing_context="spawn",
                        timeout=60)
    assert [y for _, y in _batches(loader)] == [[0, 1, 2, 3], [4, 5]]


def test_spawn_with_unpicklable_collate_fn_explains():
    loader = DataLoader(range(4), num_workers=1, collate_fn=lambda b: b, multiprocessing_context="spawn")
    with pytest.raises(Exception) as e:
        iter(loader)
    assert any("make them picklable" in n for n in getattr(e.value, "__notes__", []))
    import multiprocessing
    assert not [c for c in multiprocessing.active_children() if c.name.startswith("zoo_data_worker")]


def test_iterator_collected_by_cyclic_gc_shuts_down_promptly():
    it = iter(DataLoader(_Pid(), batch_size=1, num_workers=2, timeout=20))
    pids = {next(it).item(), next(it).item()}
    it._cycle = it                       # only the cyclic GC can free it; its queues get finalised first
    del it
    t0 = time.monotonic()
    gc.collect()
    assert time.monotonic() - t0 < 1.0
    assert not any(_alive(p) for p in pids)
