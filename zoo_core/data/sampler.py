"""Samplers, as ``torch.utils.data``: iterables of dataset indices (``SequentialSampler``,
``RandomSampler``, ``SubsetRandomSampler``, ``WeightedRandomSampler``) and ``BatchSampler``, which
groups them into lists.

Random samplers draw from a ``zoo_core.Generator`` passed as ``generator=``, or, without one, from a
fresh generator seeded by the global RNG at the start of each epoch (as torch): after
``zoo_core.manual_seed(s)`` the order is reproducible.
"""
import itertools

__all__ = ["BatchSampler", "DistributedSampler", "RandomSampler", "Sampler", "SequentialSampler",
           "SubsetRandomSampler", "WeightedRandomSampler"]


# ---- random draws through zoo_core's RNG --------------------------------------------------------------
def _random():
    from .. import random   # imported lazily: zoo_core.random imports the package that imports us
    return random


def _draw_seed(generator=None):
    """A fresh 63-bit seed from ``generator`` (default: the global RNG), as torch's
    ``torch.empty((), dtype=torch.int64).random_(generator=g).item()``."""
    r = _random()
    return int(r.randint(0, 2 ** 63 - 1, (), generator=generator).item())


def _randperm_list(n, generator=None):
    return _random().randperm(n, generator=generator).tolist()


def _randint_list(high, size, generator):
    return _random().randint(0, high, (size,), generator=generator).tolist()


def _multinomial_list(weights, num_samples, replacement, generator):
    return _random().multinomial(weights, num_samples, replacement, generator=generator).tolist()


# ---- samplers ------------------------------------------------------------------------------------------
class Sampler:
    """Base class: subclasses define ``__iter__`` (yielding indices or lists of indices) and, when
    they can, ``__len__``."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} should implement __iter__")


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``.

    Example::

        >>> list(SequentialSampler(range(3)))
        [0, 1, 2]
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices; with ``replacement=True``, ``num_samples`` indices drawn
    uniformly with replacement. Without replacement, ``num_samples`` larger than the dataset chains
    several permutations.

    Example::

        >>> sorted(RandomSampler(range(4), generator=zoo_core.Generator().manual_seed(0)))
        [0, 1, 2, 3]
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        n = self.num_samples
        if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={n}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        generator = self.generator
        if generator is None:
            # a private generator seeded from the global RNG: one global draw per epoch, like torch
            generator = _random().Generator()
            generator.manual_seed(_draw_seed())
        if self.replacement:
            # drawn in chunks of 32 (as torch) so huge num_samples never materialise at once
            for _ in range(self.num_samples // 32):
                yield from _randint_list(n, 32, generator)
            yield from _randint_list(n, self.num_samples % 32, generator)
        else:
            for _ in range(self.num_samples // n):
                yield from _randperm_list(n, generator)
            yield from _randperm_list(n, generator)[:self.num_samples % n]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order (no replacement).

    Example::

        >>> sorted(SubsetRandomSampler([7, 3, 5]))
        [3, 5, 7]
    """

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in _randperm_list(len(self.indices), self.generator):
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices in ``[0, len(weights))`` drawn with probabilities proportional to
    ``weights`` (which need not sum to one), with or without replacement.

    Example::

        >>> list(WeightedRandomSampler([0., 1., 0.], 3))
        [1, 1, 1]
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        from ..ops.creation import as_tensor
        from .. import _dtype
        w = as_tensor(weights, dtype=_dtype.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        yield from _multinomial_list(self.weights, self.num_samples, self.replacement, self.generator)

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``; the last, shorter list is
    dropped when ``drop_last``.

    Example::

        >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
        [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
        >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=True))
        [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        it = iter(self.sampler)
        if self.drop_last:
            # zip stops at the first incomplete group: exactly the drop_last semantics
            yield from (list(b) for b in zip(*[it] * self.batch_size))
        else:
            batch = list(itertools.islice(it, self.batch_size))
            while batch:
                yield batch
                batch = list(itertools.islice(it, self.batch_size))

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


class DistributedSampler(Sampler):
    """The share of the indices that replica ``rank`` of ``num_replicas`` reads: every ``num_replicas``-th
    index of one epoch's order, padded by repeating indices (or trimmed with ``drop_last``) so every
    replica gets the same count. Shuffled orders come from a generator seeded with ``seed + epoch``
    (call ``set_epoch`` each epoch); they differ from PyTorch's, whose random streams Zoo does not copy.

    Example::

        >>> list(DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False))
        [1, 3, 0]
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            raise RuntimeError("DistributedSampler: pass num_replicas= and rank= (Zoo has no distributed "
                               "process group to read them from)")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.epoch, self.shuffle, self.seed, self.drop_last = 0, shuffle, seed, drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = -(-(n - num_replicas) // num_replicas)   # ceil: drop the tail evenly
        else:
            self.num_samples = -(-n // num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            g = _random().Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = _randperm_list(n, g)
        else:
            indices = list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * -(-pad // len(indices)))[:pad]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Reshuffle differently next epoch (all replicas must use the same ``epoch``)."""
        self.epoch = epoch


class _InfiniteConstantSampler(Sampler):
    """``None`` forever: the index stream of an ``IterableDataset`` (the dataset decides when to stop)."""

    def __iter__(self):
        while True:
            yield None

