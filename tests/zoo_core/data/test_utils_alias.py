import zoo_core.data


def test_torch_spelling_reexports_the_same_objects():
    from zoo_core.utils.data import DataLoader, TensorDataset, get_worker_info
    assert DataLoader is zoo_core.data.DataLoader and TensorDataset is zoo_core.data.TensorDataset
    assert get_worker_info is zoo_core.data.get_worker_info
    import zoo_core.utils.data as d
    assert sorted(d.__all__) == sorted(zoo_core.data.__all__)
    assert all(getattr(d, n) is getattr(zoo_core.data, n) for n in d.__all__)


def test_submodule_imports_like_torch():
    from zoo_core.utils.data.dataloader import default_collate
    from zoo_core.utils.data.sampler import RandomSampler
    from zoo_core.utils.data.dataset import Subset
    assert default_collate is zoo_core.data.default_collate
    assert RandomSampler is zoo_core.data.RandomSampler and Subset is zoo_core.data.Subset
