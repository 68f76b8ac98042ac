import numpy as np
import pytest

import zoo_core
from zoo_core.data import (BatchSampler, RandomSampler, SequentialSampler, SubsetRandomSampler,
                           WeightedRandomSampler)


def test_sequential_sampler():
    s = SequentialSampler(range(5))
    assert list(s) == [0, 1, 2, 3, 4] and len(s) == 5


def test_random_sampler_is_a_permutation_each_epoch():
    s = RandomSampler(range(20))
    a, b = list(s), list(s)
    assert sorted(a) == sorted(b) == list(range(20)) and len(s) == 20
    assert a != b                              # reshuffled every epoch


def test_random_sampler_generator_and_global_seed_determinism():
    g1, g2 = zoo_core.Generator().manual_seed(3), zoo_core.Generator().manual_seed(3)
    assert list(RandomSampler(range(30), generator=g1)) == list(RandomSampler(range(30), generator=g2))
    zoo_core.manual_seed(11)
    a = list(RandomSampler(range(30)))
    zoo_core.manual_seed(11)
    b = list(RandomSampler(range(30)))
    zoo_core.manual_seed(12)
    c = list(RandomSampler(range(30)))
    assert a == b and a != c


def test_random_sampler_num_samples_and_replacement():
    s = RandomSampler(range(4), num_samples=10)
    out = list(s)
    assert len(out) == 10 == len(s)
    assert sorted(out[:4]) == sorted(out[4:8]) == [0, 1, 2, 3]   # chained permutations
    r = list(RandomSampler(range(3), replacement=True, num_samples=100,
                           generator=zoo_core.Generator().manual_seed(0)))
    assert len(r) == 100 and set(r) == {0, 1, 2}


def test_random_sampler_errors():
    with pytest.raises(TypeError, match="replacement should be a boolean value, but got replacement=1"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="num_samples=0"):
        RandomSampler([])


def test_subset_random_sampler():
    s = SubsetRandomSampler([7, 3, 5, 11], generator=zoo_core.Generator().manual_seed(1))
    out = list(s)
    assert sorted(out) == [3, 5, 7, 11] and len(s) == 4


def test_weighted_random_sampler_follows_weights():
    w = [0.1, 0.0, 0.6, 0.3]
    s = WeightedRandomSampler(w, 20000, generator=zoo_core.Generator().manual_seed(0))
    counts = np.bincount(list(s), minlength=4) / 20000
    np.testing.assert_allclose(counts, w, atol=0.02)
    assert counts[1] == 0 and len(s) == 20000


def test_weighted_random_sampler_without_replacement():
    out = list(WeightedRandomSampler([1.0, 5.0, 0.5, 2.0, 3.0], 5, replacement=False))
    assert sorted(out) == [0, 1, 2, 3, 4]


def test_weighted_random_sampler_errors():
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="replacement should be a boolean value"):
        WeightedRandomSampler([1.0], 1, replacement=None)
    with pytest.raises(ValueError, match=r"weights should be a 1d sequence but given weights have shape \(2, 2\)"):
        WeightedRandomSampler([[1.0, 2.0], [3.0, 4.0]], 2)


@pytest.mark.parametrize("n, bs, drop, expected_len", [(10, 3, False, 4), (10, 3, True, 3), (9, 3, True, 3),
                                                        (2, 5, False, 1), (2, 5, True, 0)])
def test_batch_sampler(n, bs, drop, expected_len):
    b = BatchSampler(SequentialSampler(range(n)), bs, drop)
    batches = list(b)
    assert len(batches) == len(b) == expected_len
    flat = [i for batch in batches for i in batch]
    assert flat == list(range(len(flat)))
    assert all(len(batch) == bs for batch in batches[:-1] if batches)
    if drop:
        assert all(len(batch) == bs for batch in batches)


def test_batch_sampler_errors():
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="batch_size=True"):
        BatchSampler(range(3), True, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value, but got drop_last=0"):
        BatchSampler(range(3), 2, 0)
