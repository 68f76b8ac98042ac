"""Datasets, samplers and ``DataLoader``: ``torch.utils.data`` for zoo (also importable as
``zoo_core.utils.data``).

Example::

    >>> from zoo_core.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(zoo_core.randn(100, 3), zoo_core.randint(0, 2, (100,)))
    >>> for x, y in DataLoader(ds, batch_size=32, shuffle=True, num_workers=2):
    ...     pass
"""
from ._worker import WorkerInfo, get_worker_info
from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset,
                      TensorDataset, random_split)
from .sampler import (BatchSampler, DistributedSampler, RandomSampler, Sampler, SequentialSampler,
                      SubsetRandomSampler, WeightedRandomSampler)

__all__ = ["BatchSampler", "ChainDataset", "DistributedSampler", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset",
           "RandomSampler", "Sampler", "SequentialSampler", "StackDataset", "Subset", "SubsetRandomSampler",
           "TensorDataset", "WeightedRandomSampler", "WorkerInfo", "default_collate", "default_convert",
           "get_worker_info", "random_split"]
