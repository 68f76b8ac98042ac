import math

import numpy as np
import pytest
import torch

import zoo_core
from zoo_core.data import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset,
                           TensorDataset, random_split)


class _Range(IterableDataset):
    def __init__(self, a, b):
        self.a, self.b = a, b

    def __iter__(self):
        return iter(range(self.a, self.b))

    def __len__(self):
        return self.b - self.a


def test_tensor_dataset_rows():
    x = zoo_core.tensor(np.arange(12.0).reshape(4, 3))
    y = zoo_core.tensor([0, 1, 0, 1])
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    xi, yi = ds[2]
    np.testing.assert_array_equal(xi.numpy(), [6.0, 7.0, 8.0])
    assert yi.item() == 0 and yi.dtype == zoo_core.int64


def test_tensor_dataset_size_mismatch_names_shapes():
    with pytest.raises(AssertionError, match=r"Size mismatch between tensors.*\(4, 3\) and \(3,\)"):
        TensorDataset(zoo_core.zeros(4, 3), zoo_core.zeros(3))


def test_subset_and_getitems():
    class WithGetitems(Dataset):
        def __init__(self):
            self.calls = []

        def __getitem__(self, i):
            return i * 10

        def __getitems__(self, idx):
            self.calls.append(list(idx))
            return [i * 10 for i in idx]

        def __len__(self):
            return 10

    base = WithGetitems()
    s = Subset(base, [7, 2, 5])
    assert len(s) == 3 and s[0] == 70 and s[2] == 50
    assert s.__getitems__([0, 1]) == [70, 20]
    assert base.calls == [[7, 2]]             # the batch went to the parent's __getitems__ at once
    assert Subset(range(10, 20), [4, 0]).__getitems__([1, 0]) == [10, 14]


def test_concat_dataset_indexing():
    ds = ConcatDataset([range(3), range(10, 12), range(20, 24)])
    assert len(ds) == 9 and ds.cumulative_sizes == [3, 5, 9]
    assert [ds[i] for i in range(9)] == [0, 1, 2, 10, 11, 20, 21, 22, 23]
    assert ds[-1] == 23 and ds[-9] == 0
    with pytest.raises(ValueError, match="should not exceed dataset length"):
        ds[-10]
    with pytest.raises(IndexError):
        ds[9]
    both = TensorDataset(zoo_core.zeros(2)) + TensorDataset(zoo_core.zeros(3))
    assert isinstance(both, ConcatDataset) and len(both) == 5
    with pytest.raises(AssertionError, match="empty"):
        ConcatDataset([])
    with pytest.raises(AssertionError, match="IterableDataset"):
        ConcatDataset([_Range(0, 2)])


def test_chain_and_stack_dataset():
    ch = _Range(0, 3) + _Range(5, 7)
    assert isinstance(ch, ChainDataset)
    assert list(ch) == [0, 1, 2, 5, 6] and len(ch) == 5
    st = StackDataset(range(3), range(10, 13))
    assert st[1] == (1, 11) and len(st) == 3
    assert StackDataset(a=range(3), b=range(3))[2] == {"a": 2, "b": 2}
    with pytest.raises(ValueError, match=r"size mismatch.*\[3, 4\]"):
        StackDataset(range(3), range(4))


@pytest.mark.parametrize("n, fracs", [(10, [0.3, 0.7]), (30, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]),
                                      (7, [0.1, 0.2, 0.3, 0.4]), (5, [0.2, 0.2, 0.2, 0.2, 0.2])])
def test_random_split_fraction_lengths_match_torch(n, fracs):
    ours = [len(s) for s in random_split(range(n), fracs)]
    theirs = [len(s) for s in torch.utils.data.random_split(range(n), fracs)]
    assert ours == theirs and sum(ours) == n


def test_random_split_is_a_disjoint_permutation():
    parts = random_split(range(20), [5, 15])
    seen = [x for p in parts for x in (p[i] for i in range(len(p)))]
    assert sorted(seen) == list(range(20))
    assert [len(p) for p in parts] == [5, 15]
    assert set(parts[0].indices).isdisjoint(parts[1].indices)


def test_random_split_generator_is_deterministic():
    a = random_split(range(50), [0.2, 0.8], generator=zoo_core.Generator().manual_seed(42))
    b = random_split(range(50), [0.2, 0.8], generator=zoo_core.Generator().manual_seed(42))
    c = random_split(range(50), [0.2, 0.8], generator=zoo_core.Generator().manual_seed(43))
    assert a[0].indices == b[0].indices and a[1].indices == b[1].indices
    assert a[0].indices != c[0].indices
    zoo_core.manual_seed(7)
    d = random_split(range(50), [10, 40])
    zoo_core.manual_seed(7)
    e = random_split(range(50), [10, 40])
    assert d[0].indices == e[0].indices


def test_random_split_errors_and_warning():
    with pytest.raises(ValueError, match=r"Sum of input lengths does not equal.*sum to 9.*10 items"):
        random_split(range(10), [4, 5])
    with pytest.raises(ValueError, match="between 0 and 1"):
        random_split(range(10), [1.5, -0.5])
    with pytest.warns(UserWarning) as record:
        parts = random_split(range(2), [0.9, 0.05, 0.05])
    assert [str(w.message) for w in record] == [
        f"Length of split at index {i} is 0. This might result in an empty dataset." for i in (1, 2)]
    assert [len(p) for p in parts] == [2, 0, 0] == [math.floor(2 * 0.9) + 1, 0, 0]
