"""DistributedSampler (explicit num_replicas/rank) and the single-process torch.distributed surface."""
import pytest

import zoo_core as zoo
from zoo_core.utils.data import DataLoader, DistributedSampler


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (2, 5, False), (9, 3, True),
                                                  (7, 2, False)])
def test_unshuffled_shards_match_torch(n, replicas, drop_last):
    torch = pytest.importorskip("torch")
    from torch.utils.data import DistributedSampler as TDS
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        ref = TDS(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(ref) and len(ours) == len(ref)


def test_shuffled_shards_partition_an_epoch_and_follow_set_epoch():
    shards = [DistributedSampler(range(12), 3, r, seed=7) for r in range(3)]
    first = [list(s) for s in shards]
    assert sorted(sum(first, [])) == list(range(12))
    assert first == [list(s) for s in shards]   # same epoch, same order
    for s in shards:
        s.set_epoch(1)
    second = [list(s) for s in shards]
    assert sorted(sum(second, [])) == list(range(12)) and second != first


def test_errors_and_loader():
    with pytest.raises(RuntimeError, match="pass num_replicas= and rank="):
        DistributedSampler(range(4))
    with pytest.raises(ValueError, match=r"Invalid rank 3, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), 2, 3)
    loader = DataLoader(list(range(8)), batch_size=2, sampler=DistributedSampler(range(8), 2, 0, shuffle=False))
    assert [b.tolist() for b in loader] == [[0, 2], [4, 6]]


def test_distributed_module_guards():
    import zoo_core.distributed as dist
    assert not dist.is_available() and not dist.is_initialized()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.get_rank()   # ValueError, as PyTorch's (review regression)
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.get_world_size()
    with pytest.raises(RuntimeError, match="no distributed backend"):
        dist.init_process_group("nccl")
    assert zoo.distributed is dist
