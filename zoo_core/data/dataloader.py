"""``DataLoader``: batches from a dataset, in the main process or in worker processes, as torch's.

With ``num_workers=0`` batches are fetched in the calling process. With ``num_workers > 0`` each
worker process gets its own index queue; the main process keeps ``prefetch_factor`` batches per
worker in flight, dealing batch indices round-robin, and hands batches out in sampler order whatever
order they arrive in (``_MultiProcessingDataLoaderIter``). Workers are seeded from one base seed
drawn from the loader's generator (or the global RNG), so a given ``zoo_core.manual_seed`` gives the
same batches with any number of workers.
"""
import itertools
import math
import pickle
import queue
import sys
import time
import warnings
import weakref

from . import _worker
from .collate import default_collate, default_convert
from ..tensor import Tensor
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler, _InfiniteConstantSampler, _draw_seed

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

get_worker_info = _worker.get_worker_info


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Args:
        dataset: a map-style ``Dataset`` (``__getitem__``/``__len__``) or an ``IterableDataset``.
        batch_size: samples per batch (default 1); ``None`` turns automatic batching off.
        shuffle: reshuffle every epoch (map-style datasets only).
        sampler: an iterable of indices; exclusive with ``shuffle``.
        batch_sampler: an iterable of index lists; exclusive with ``batch_size``, ``shuffle``,
            ``sampler`` and ``drop_last``.
        num_workers: worker processes (0: load in the main process).
        collate_fn: merges a list of samples into a batch (default ``default_collate``, or
            ``default_convert`` when batching is off).
        pin_memory: copy each batch's CPU tensors into page-locked host memory (faster host-to-GPU
            copies) when CUDA is available; without CUDA it warns once and does nothing, as PyTorch.
        drop_last: drop the last incomplete batch.
        timeout: seconds to wait for a batch from the workers before raising (0: forever).
        worker_init_fn: called in each worker with its id, after seeding, before loading.
        multiprocessing_context: ``"fork"``, ``"spawn"``, ``"forkserver"`` or a context; default
            ``"fork"`` on Linux (workers start fast and share the dataset copy-on-write), the
            platform's default elsewhere. With spawn, dataset, collate_fn and worker_init_fn must pickle.
            A forked worker cannot use CUDA once the main process has: use spawn for datasets that do.
        generator: the ``zoo_core.Generator`` for the shuffle order and the workers' base seed.
        prefetch_factor: batches in flight per worker (default 2 when ``num_workers > 0``).
        persistent_workers: keep the workers (and their dataset copies) alive between epochs.

    Example::

        >>> ds = TensorDataset(zoo_core.arange(10.), zoo_core.arange(10))
        >>> for x, y in DataLoader(ds, batch_size=4, shuffle=True, num_workers=2):
        ...     print(x.shape, y.dtype)
        zoo_core.Size([4]) zoo_core.int64
        zoo_core.Size([4]) zoo_core.int64
        zoo_core.Size([2]) zoo_core.int64
    """

    _initialized = False

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="", in_order=True):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             f"multiprocessing (got num_workers={num_workers!r})")
        if timeout < 0:
            raise ValueError(f"timeout option should be non-negative (got timeout={timeout})")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing. "
                             "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor "
                             "to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError(f"prefetch_factor option should be non-negative (got {prefetch_factor})")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (False, None):
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle option, "
                                 f"but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler option, "
                                 f"but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified batch_sampler "
                                 f"option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")

        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive "
                             "with drop_last")

        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._iterator = None
        self._IterableDataset_len_called = None
        self._initialized = True
        self._check_worker_number()

    # ---- configuration ---------------------------------------------------------------------------------
    @property
    def multiprocessing_context(self):
        return self._mp_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, ctx):
        if ctx is not None:
            if self.num_workers == 0:
                raise ValueError("multiprocessing_context can only be used with multi-process loading "
                                 f"(num_workers > 0), but got num_workers={self.num_workers}")
            import multiprocessing
            if isinstance(ctx, str):
                methods = multiprocessing.get_all_start_methods()
                if ctx not in methods:
                    raise ValueError(f"multiprocessing_context option should specify a valid start method "
                                     f"in {methods!r}, but got multiprocessing_context={ctx!r}")
                ctx = multiprocessing.get_context(ctx)
            if not isinstance(ctx, multiprocessing.context.BaseContext):
                raise TypeError("multiprocessing_context option should be a valid context object or a "
                                f"string specifying the start method, but got multiprocessing_context={ctx}")
        object.__setattr__(self, "_mp_context", ctx)

    def __setattr__(self, name, value):
        if self._initialized and name in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                                          "persistent_workers"):
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is initialized")
        object.__setattr__(self, name, value)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _check_worker_number(self):
        if self.num_workers == 0:
            return
        import os
        try:
            cpus = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            cpus = os.cpu_count() or 1
        if self.num_workers > cpus:
            warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in total. Our "
                          f"suggested max number of worker in current system is {cpus}, which is smaller than "
                          "what this DataLoader is going to create. Please be aware that excessive worker "
                          "creation might get DataLoader running slow or even freeze, lower the worker number "
                          "to avoid potential slowness/freeze if necessary.", stacklevel=3)

    # ---- iteration ---------------------------------------------------------------------------------------
    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        if not self.persistent_workers:
            return _MultiProcessingDataLoaderIter(self)
        if self._iterator is None:
            self._iterator = _MultiProcessingDataLoaderIter(self)
        else:
            self._iterator._reset(self)
        return self._iterator

    def __len__(self):
        if self._iterable:
            # a guess from the dataset's own length (torch's heuristic); sharding may change it
            length = len(self.dataset)
            self._IterableDataset_len_called = length
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)


def _pinning_available():
    from .. import cuda
    if cuda.is_available():
        return True
    warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                  "memory won't be used.", stacklevel=4)
    return False


def _pin(data):
    """Pin every CPU tensor in a batch (nested tuples, lists, dicts and namedtuples as collated)."""
    if isinstance(data, Tensor):
        return data if data.is_cuda else data.pin_memory()
    if isinstance(data, dict):
        return type(data)({k: _pin(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(_pin(v) for v in data))
    if isinstance(data, (list, tuple)):
        return type(data)(_pin(v) for v in data)
    return data


class _BaseDataLoaderIter:
    def __init__(self, loader):
        self._dataset = loader.dataset
        self._iterable = loader._iterable
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._persistent_workers = loader.persistent_workers
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._sampler_iter = iter(self._index_sampler)
        self._pin = loader.pin_memory and _pinning_available()
        # drawn with and without workers alike, so both consume the RNG the same way
        self._base_seed = _draw_seed(loader.generator)
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _reset(self, loader, first_iter=False):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)

    def __next__(self):
        data = self._next_data()
        if self._pin:
            data = _pin(data)
        self._num_yielded += 1
        n = self._IterableDataset_len_called
        if self._iterable and n is not None and self._num_yielded > n:
            msg = (f"Length of IterableDataset {self._dataset} was reported to be {n} (when accessing "
                   f"len(dataloader)), but {self._num_yielded} samples have been fetched. ")
            if self._num_workers > 0:
                msg += ("For multiprocessing data-loading, this could be caused by not properly configuring "
                        "the IterableDataset replica at each worker (shard it with get_worker_info()).")
            warnings.warn(msg, stacklevel=2)
        return data

    def __len__(self):
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError(f"{type(self).__name__} cannot be pickled")


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._fetcher = _worker.create_fetcher(self._iterable, self._dataset, self._auto_collation,
                                               self._collate_fn, self._drop_last)

    def _next_data(self):
        index = self._next_index()
        return self._fetcher.fetch(index)   # StopIteration ends an IterableDataset


def _default_context():
    import multiprocessing
    # fork: workers start in milliseconds and read the dataset copy-on-write; the platform default
    # elsewhere (spawn on macOS/Windows, where fork is unsafe or missing)
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _shutdown_workers(workers, index_queues, result_queue, done_event):
    """Stop the workers of one iterator: ask (done event + ``None`` on every index queue), wait a
    little, then terminate stragglers.

    Run by ``weakref.finalize``, not ``__del__``: the finalizer holds the queues, so when the iterator
    dies in a reference cycle (or at interpreter exit) they are still open and the ``None`` arrives."""
    try:
        done_event.set()
        for q in index_queues:
            q.put(None)     # a second None to a worker that already got one is ignored
        for w in workers:
            w.join(timeout=_worker.STATUS_CHECK_INTERVAL)
        for q in index_queues:
            q.cancel_join_thread()
            q.close()
    finally:
        for w in workers:
            if w.is_alive():
                w.terminate()
                w.join(timeout=_worker.STATUS_CHECK_INTERVAL)
        result_queue.cancel_join_thread()
        result_queue.close()


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Batches from worker processes.

    Task ``i`` (the i-th batch of the epoch) goes to worker ``i mod num_workers`` (skipping exhausted
    ones). ``_task_info[i]`` is ``(worker,)`` while in flight and ``(worker, data)`` once it arrived
    early; ``_rcvd_idx`` is the next task to hand out, ``_send_idx`` the next to dispatch.
    """

    def __init__(self, loader):
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        if self._prefetch_factor <= 0:
            raise ValueError(f"prefetch_factor must be positive with num_workers > 0, "
                             f"got {self._prefetch_factor}")
        self._in_order = loader.in_order
        ctx = loader.multiprocessing_context or _default_context()
        self._shutdown = False
        self._workers = []
        self._index_queues = []
        self._worker_result_queue = _worker._ResultQueue(ctx=ctx)
        self._workers_done_event = ctx.Event()
        # runs once: at the end of the epoch, when the iterator is collected, or at interpreter exit
        self._finalizer = weakref.finalize(self, _shutdown_workers, self._workers, self._index_queues,
                                           self._worker_result_queue, self._workers_done_event)
        try:
            for i in range(self._num_workers):
                index_queue = ctx.Queue()
                index_queue.cancel_join_thread()   # never block interpreter exit on undelivered indices
                w = ctx.Process(
                    target=_worker._worker_loop, name=f"zoo_data_worker_{i}", daemon=True,
                    args=(self._iterable, self._dataset, index_queue, self._worker_result_queue,
                          self._workers_done_event, self._auto_collation, self._collate_fn, self._drop_last,
                          self._base_seed, loader.worker_init_fn, i, self._num_workers,
                          self._persistent_workers))
                self._index_queues.append(index_queue)
                try:
                    w.start()
                except (TypeError, AttributeError, pickle.PicklingError) as e:
                    if hasattr(e, "add_note"):   # Python >= 3.11
                        e.add_note(f"DataLoader: could not start worker {i} with the {ctx.get_start_method()!r} "
                                   "start method, which pickles the dataset, collate_fn and worker_init_fn; "
                                   "make them picklable (module-level functions and classes, no lambdas) "
                                   "or use multiprocessing_context='fork'.")
                    raise
                self._workers.append(w)
        except BaseException:
            self._shutdown_workers()
            raise
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter=False):
        super()._reset(loader, first_iter)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # persistent workers: start a new epoch; results that arrive before a worker's
            # acknowledgement belong to the abandoned previous epoch and are dropped
            for q in self._index_queues:
                q.put(_worker._ResumeIteration())
            pending = self._num_workers
            while pending > 0:
                idx, _ = self._get_data()
                if isinstance(idx, _worker._ResumeIteration):
                    pending -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    # ---- receiving -------------------------------------------------------------------------------------
    def _check_workers_alive(self):
        dead = [w for i, w in enumerate(self._workers) if self._workers_status[i] and not w.is_alive()]
        if dead:
            for w in dead:
                self._mark_worker_as_unavailable(self._workers.index(w))
            pids = ", ".join(f"{w.pid} (exit code {w.exitcode})" for w in dead)
            raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly")

    def _get_data(self):
        """The next (task_idx, data) from any worker; checks for dead workers while waiting."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = _worker.STATUS_CHECK_INTERVAL
            if deadline is not None:
                wait = min(wait, max(deadline - time.monotonic(), 0.0))
            try:
                return self._worker_result_queue.get(timeout=wait)
            except queue.Empty:
                pass
            self._check_workers_alive()
            if deadline is not None and time.monotonic() >= deadline:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")

    def _next_data(self):
        while True:
            # skip tasks of workers whose iterable dataset ran out
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info:
                    if len(info) == 2 or self._workers_status[info[0]]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration

            if len(self._task_info[self._rcvd_idx]) == 2:   # arrived earlier, out of order
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if self._iterable and isinstance(data, _worker._IterableDatasetStopIteration):
                if self._persistent_workers:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_as_unavailable(data.worker_id)
                self._try_put_index()
                continue
            if idx != self._rcvd_idx:
                if not self._in_order:
                    worker_id = self._task_info.pop(idx)[0]
                    return self._process_data(data, worker_id)
                self._task_info[idx] += (data,)
            else:
                worker_id = self._task_info.pop(idx)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    def _process_data(self, data, worker_id):
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()
        if isinstance(data, _worker.ExceptionWrapper):
            data.reraise()
        return data

    # ---- sending ---------------------------------------------------------------------------------------
    def _try_put_index(self):
        max_tasks = self._prefetch_factor * self._num_workers
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):   # the next worker still producing
            w = next(self._worker_queue_idx_cycle)
            if self._workers_status[w]:
                if self._in_order or self._workers_num_tasks[w] < max_tasks // sum(self._workers_status):
                    break
        else:
            return
        self._index_queues[w].put((self._send_idx, index))
        self._task_info[self._send_idx] = (w,)
        self._workers_num_tasks[w] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    # ---- shutdown (see _shutdown_workers) -------------------------------------------------------------
    def _mark_worker_as_unavailable(self, worker_id):
        # None tells the worker to exit once it has drained its queue
        self._index_queues[worker_id].put(None)
        self._workers_status[worker_id] = False

    def _shutdown_workers(self):
        self._shutdown = True
        self._finalizer()
