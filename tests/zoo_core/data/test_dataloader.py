"""DataLoader in the main process: batching, arguments, len, collate."""
import numpy as np
import pytest

import zoo_core
from zoo_core.data import (BatchSampler, DataLoader, IterableDataset, SequentialSampler, TensorDataset,
                           default_collate)


class _Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def _dataset(n=10):
    return TensorDataset(zoo_core.tensor(np.arange(n * 2, dtype=np.float32).reshape(n, 2)),
                         zoo_core.tensor(np.arange(n)))


def test_batches_in_order():
    batches = list(DataLoader(_dataset(10), batch_size=4))
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    x, y = batches[0]
    assert x.shape == (4, 2) and x.dtype == zoo_core.float32 and y.dtype == zoo_core.int64
    np.testing.assert_array_equal(x.numpy(), np.arange(8, dtype=np.float32).reshape(4, 2))


@pytest.mark.parametrize("drop_last, lens", [(False, [3, 3, 3, 1]), (True, [3, 3, 3])])
def test_drop_last_and_len(drop_last, lens):
    loader = DataLoader(_dataset(10), batch_size=3, drop_last=drop_last)
    assert [len(b[1]) for b in loader] == lens and len(loader) == len(lens)


def test_default_batch_size_is_one():
    loader = DataLoader(range(3))
    assert [b.tolist() for b in loader] == [[0], [1], [2]] and len(loader) == 3


def test_batch_size_none_disables_batching():
    out = list(DataLoader([np.arange(2), np.arange(2, 4)], batch_size=None))
    assert isinstance(out[0], zoo_core.Tensor) and out[1].tolist() == [2, 3]    # default_convert


def test_shuffle_is_a_permutation_and_seeded():
    zoo_core.manual_seed(5)
    a = [y.item() for _, y in DataLoader(_dataset(20), shuffle=True)]
    zoo_core.manual_seed(5)
    b = [y.item() for _, y in DataLoader(_dataset(20), shuffle=True)]
    assert sorted(a) == list(range(20)) and a == b and a != list(range(20))
    g = zoo_core.Generator().manual_seed(1)
    c = [y.tolist() for _, y in DataLoader(_dataset(20), batch_size=5, shuffle=True, generator=g)]
    g = zoo_core.Generator().manual_seed(1)
    d = [y.tolist() for _, y in DataLoader(_dataset(20), batch_size=5, shuffle=True, generator=g)]
    assert c == d


def test_each_epoch_reshuffles():
    loader = DataLoader(range(30), batch_size=30, shuffle=True)
    assert next(iter(loader)).tolist() != next(iter(loader)).tolist()


def test_batch_sampler_argument():
    bs = [[3, 1], [0], [2, 4, 5]]
    loader = DataLoader(range(10, 16), batch_sampler=bs)
    assert [b.tolist() for b in loader] == [[13, 11], [10], [12, 14, 15]]
    assert len(loader) == 3 and loader.batch_size is None
    sampler_based = DataLoader(range(5), batch_sampler=BatchSampler(SequentialSampler(range(5)), 2, True))
    assert [b.tolist() for b in sampler_based] == [[0, 1], [2, 3]]


def test_custom_collate_fn():
    def collate(samples):
        xs, ys = zip(*samples)
        return {"n": len(samples), "y": list(int(y) for y in ys)}
    out = list(DataLoader(_dataset(5), batch_size=2, collate_fn=collate))
    assert out == [{"n": 2, "y": [0, 1]}, {"n": 2, "y": [2, 3]}, {"n": 1, "y": [4]}]


def test_custom_sampler():
    loader = DataLoader(range(10), sampler=[9, 0, 5], batch_size=2)
    assert [b.tolist() for b in loader] == [[9, 0], [5]]


def test_getitems_is_used_for_batches():
    class Batched:
        def __init__(self):
            self.calls = 0

        def __len__(self):
            return 6

        def __getitem__(self, i):
            raise AssertionError("__getitems__ should be used")

        def __getitems__(self, idx):
            self.calls += 1
            return [i * 2 for i in idx]

    ds = Batched()
    assert [b.tolist() for b in DataLoader(ds, batch_size=4)] == [[0, 2, 4, 6], [8, 10]]
    assert ds.calls == 2


def test_iterable_dataset_batches_and_len():
    loader = DataLoader(_Stream(7), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(loader) == 3
    assert [b.tolist() for b in DataLoader(_Stream(7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert [b for b in DataLoader(_Stream(3), batch_size=None)] == [0, 1, 2]


def test_iterable_dataset_len_mismatch_warns():
    class Lying(_Stream):
        def __len__(self):
            return 2
    loader = DataLoader(Lying(4), batch_size=1)
    assert len(loader) == 2
    with pytest.warns(UserWarning, match="was reported to be 2"):
        list(loader)


@pytest.mark.parametrize("kwargs, exc, msg", [
    (dict(num_workers=-1), ValueError, "num_workers option should be non-negative"),
    (dict(timeout=-1), ValueError, "timeout option should be non-negative"),
    (dict(prefetch_factor=2), ValueError, "prefetch_factor option could only be specified in multiprocessing"),
    (dict(num_workers=1, prefetch_factor=-1), ValueError, "prefetch_factor option should be non-negative"),
    (dict(persistent_workers=True), ValueError, "persistent_workers option needs num_workers > 0"),
    (dict(sampler=[0, 1], shuffle=True), ValueError, "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), ValueError, "batch_sampler option is mutually exclusive with "
                                                          "batch_size, shuffle, sampler, and drop_last"),
    (dict(batch_sampler=[[0]], shuffle=True), ValueError, "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], sampler=[0]), ValueError, "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], drop_last=True), ValueError, "batch_sampler option is mutually exclusive"),
    (dict(batch_size=None, drop_last=True), ValueError, "batch_size=None option disables auto-batching and is "
                                                        "mutually exclusive with drop_last"),
    (dict(multiprocessing_context="fork"), ValueError, "multiprocessing_context can only be used with "
                                                       "multi-process loading"),
    (dict(num_workers=1, multiprocessing_context="nope"), ValueError, "should specify a valid start method"),
    (dict(num_workers=1, multiprocessing_context=3), TypeError, "should be a valid context object"),
    (dict(batch_size=0), ValueError, "batch_size should be a positive integer value, but got batch_size=0"),
])
def test_argument_errors(kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        DataLoader(range(4), **kwargs)


@pytest.mark.parametrize("kwargs, msg", [
    (dict(shuffle=True), "expected unspecified shuffle option, but got shuffle=True"),
    (dict(sampler=[0]), "expected unspecified sampler option"),
    (dict(batch_sampler=[[0]]), "expected unspecified batch_sampler option"),
])
def test_iterable_dataset_argument_errors(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        DataLoader(_Stream(3), **kwargs)


def test_attributes_frozen_after_init():
    loader = DataLoader(range(4), batch_size=2)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
        loader.batch_size = 3
    loader.num_workers = 0      # other attributes stay settable, as in torch


def test_dataset_errors_propagate_unwrapped():
    class Bad:
        def __len__(self):
            return 2

        def __getitem__(self, i):
            raise KeyError(i)

    with pytest.raises(KeyError):
        list(DataLoader(Bad()))


def test_default_collate_is_default():
    loader = DataLoader(range(3), batch_size=2)
    assert loader.collate_fn is default_collate
