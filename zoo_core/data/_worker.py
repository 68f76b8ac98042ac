"""What runs inside a ``DataLoader`` worker process, and what crosses the process boundary.

A worker owns a copy of the dataset. It reads ``(task_idx, indices)`` from its own index queue,
fetches and collates the batch, and puts ``(task_idx, batch)`` on the shared result queue; the main
process puts batches back in order. ``None`` on the index queue means "exit"; ``_ResumeIteration``
starts a new epoch with persistent workers. An exception becomes an ``ExceptionWrapper`` carrying the
worker's traceback text, re-raised in the main process with the original type.

The fetchers (map-style: index lists -> ``__getitems__``/``__getitem__``; iterable: ``next()`` on
the dataset's iterator) are shared by the single-process path.
"""
import os
import pickle
import queue
import random
import sys
import traceback

import numpy as np

__all__ = ["ExceptionWrapper", "WorkerInfo", "get_worker_info"]

# how often the main process checks that its workers are alive while it waits for a batch
STATUS_CHECK_INTERVAL = 1.0
# how often an idle worker checks that its parent is alive and whether it should shut down
WORKER_POLL_INTERVAL = 0.25


# ---- worker info ----------------------------------------------------------------------------------------
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker (read-only)."""
    __slots__ = ("id", "num_workers", "seed", "dataset")

    def __init__(self, id, num_workers, seed, dataset):
        set_ = object.__setattr__
        set_(self, "id", id)                    # this worker's id, in [0, num_workers)
        set_(self, "num_workers", num_workers)  # how many workers the DataLoader started
        set_(self, "seed", seed)                # the seed of this worker's RNGs: base_seed + id
        set_(self, "dataset", dataset)          # this process's copy of the dataset

    def __setattr__(self, name, value):
        raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")

    def __repr__(self):
        return (f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
                f"dataset={self.dataset!r})")


_worker_info = None


def get_worker_info():
    """Information about the current ``DataLoader`` worker; ``None`` in the main process.

    Use it in an ``IterableDataset.__iter__`` or a ``worker_init_fn`` to shard data across workers::

        >>> info = get_worker_info()
        >>> start, step = (0, 1) if info is None else (info.id, info.num_workers)
    """
    return _worker_info


# ---- exceptions across processes -------------------------------------------------------------------------
class KeyErrorMessage(str):
    """A message for KeyError: ``KeyError`` reprs its argument, which would print the traceback's
    newlines as ``\\n``; this str subclass reprs as itself."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process as its type and traceback text."""

    def __init__(self, exc_info=None, where="in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        exc_type = exc_info[0]
        try:
            pickle.dumps(exc_type)
        except Exception:
            # an exception class the main process cannot import (defined in a function, say)
            exc_type = RuntimeError
        self.exc_type = exc_type
        self.exc_name = exc_info[0].__name__
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise the original exception type with the worker's traceback in its message."""
        msg = f"Caught {self.exc_name} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:
            # the type's constructor wants other arguments: fall back to RuntimeError, as torch
            raise RuntimeError(msg) from None
        try:
            raise exc
        finally:
            # break the exception <-> frame cycle: the traceback holds the DataLoader iterator's
            # frames, and the cycle would keep it (and its workers) alive until the cyclic GC runs
            del exc


class _IterableDatasetStopIteration:
    """A worker's iterable dataset is exhausted."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


class _ResumeIteration:
    """Start a new epoch (persistent workers): re-create the fetcher, acknowledge."""


def _build_result_queue_class():
    from multiprocessing import queues   # imported on first use: keeps `import zoo_core` light

    class _ResultQueue(queues.Queue):
        """The workers' result queue. ``multiprocessing.Queue`` pickles in a background feeder
        thread and only prints an unpicklable item's error, which would leave the main process
        waiting forever for that batch; here the error is sent in the batch's place."""

        worker_id = None   # set inside each worker

        def _on_queue_feeder_error(self, e, obj):
            if isinstance(obj, tuple) and len(obj) == 2 and isinstance(obj[0], int):
                err = ExceptionWrapper((type(e), e, e.__traceback__),
                                       where=f"in DataLoader worker process {self.worker_id} "
                                             "while sending a batch to the main process")
                self.put((obj[0], err))
            else:  # pragma: no cover - only our own markers go through this queue
                super()._on_queue_feeder_error(e, obj)

    _ResultQueue.__module__ = __name__
    _ResultQueue.__qualname__ = "_ResultQueue"
    return _ResultQueue


def __getattr__(name):
    # module-level lazy attribute (PEP 562): `_ResultQueue` is built on first use, and pickle (spawn)
    # finds it by name like any module-level class
    if name == "_ResultQueue":
        cls = globals()["_ResultQueue"] = _build_result_queue_class()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---- fetchers -------------------------------------------------------------------------------------------
class _MapDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def fetch(self, index):
        if self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            if getitems:
                data = getitems(index)
            else:
                data = [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class _IterableDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset_iter = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if not data or (self.drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


def create_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last):
    cls = _IterableDatasetFetcher if iterable else _MapDatasetFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)


# ---- seeding --------------------------------------------------------------------------------------------
def _generate_state(base_seed, worker_id):
    """The 4 x 32-bit numpy seed of a worker: torch's hash of (worker_id, base_seed) (a
    SeedSequence-style mix), so that numpy's streams differ across workers and base seeds."""
    MASK32 = 0xFFFFFFFF
    XSHIFT = 16
    entropy = [worker_id, base_seed & MASK32, base_seed >> 32, 0]
    hash_const_a = 0x43B0D7E5

    def hash32(value):
        nonlocal hash_const_a
        value = (value ^ hash_const_a) & MASK32
        hash_const_a = (hash_const_a * 0x931E8875) & MASK32
        value = (value * hash_const_a) & MASK32
        return (value ^ (value >> XSHIFT)) & MASK32

    def mix(x, y):
        r = ((0xCA01F9DD * x) - (0x4973F715 * y)) & MASK32
        return (r ^ (r >> XSHIFT)) & MASK32

    pool = [hash32(e) for e in entropy]
    for src in range(4):
        for dst in range(4):
            if src != dst:
                pool[dst] = mix(pool[dst], hash32(pool[src]))
    hash_const_b = 0x8B51F9DD
    state = []
    for v in pool:
        v = (v ^ hash_const_b) & MASK32
        hash_const_b = (hash_const_b * 0x58F38DED) & MASK32
        v = (v * hash_const_b) & MASK32
        state.append((v ^ (v >> XSHIFT)) & MASK32)
    return state


def _seed_worker(base_seed, worker_id):
    """Seed Python's ``random``, zoo_core's CPU generator and numpy's global RNG, as torch's workers."""
    seed = base_seed + worker_id
    random.seed(seed)
    try:
        from .. import random as zoo_random
        zoo_random.default_generator.manual_seed(seed)   # CPU only: never touch CUDA in a child
    except (ImportError, AttributeError):  # pragma: no cover - zoo_core.random is part of the package
        pass
    np.random.seed(_generate_state(base_seed, worker_id))
    return seed


# ---- the worker process ---------------------------------------------------------------------------------
class _ParentWatchdog:
    """Notices when the main process died (the worker was re-parented), so orphans exit."""

    def __init__(self):
        self.parent = os.getppid()
        self.dead = False

    def is_alive(self):
        if not self.dead:
            self.dead = os.getppid() != self.parent
        return not self.dead


def _worker_loop(iterable, dataset, index_queue, data_queue, done_event, auto_collation, collate_fn,
                 drop_last, base_seed, init_fn, worker_id, num_workers, persistent_workers):
    global _worker_info
    try:
        data_queue.worker_id = worker_id
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        where = f"in DataLoader worker process {worker_id}"

        # an error in init_fn / iter(dataset) is reported in place of the first batch
        init_exception = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = create_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=where)

        iteration_end = False
        watchdog = _ParentWatchdog()
        while watchdog.is_alive():
            try:
                r = index_queue.get(timeout=WORKER_POLL_INTERVAL)
            except queue.Empty:
                if done_event.is_set():
                    break   # shut down even if the main process could not deliver the None
                continue
            if isinstance(r, _ResumeIteration):
                data_queue.put((r, None))   # acknowledge: everything sent before this is stale
                iteration_end = False
                try:
                    fetcher = create_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
                except Exception:
                    init_exception = ExceptionWrapper(where=where)
                continue
            if r is None:
                break                       # shutdown
            if done_event.is_set() or iteration_end:
                continue                    # draining: the main process no longer wants data
            idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    if not iterable:
                        data = ExceptionWrapper(where=where)
                    else:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                except Exception:
                    data = ExceptionWrapper(where=where)
            data_queue.put((idx, data))
            del data, idx, index, r     # don't hold the last batch while waiting for the next index
    except KeyboardInterrupt:
        pass                            # the main process handles Ctrl-C
    if done_event.is_set():
        # exit without waiting for the feeder to flush batches nobody will read
        data_queue.cancel_join_thread()
        data_queue.close()
