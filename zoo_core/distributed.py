"""``torch.distributed`` as seen by single-process scripts.

Zoo has no collective-communication backend (no NCCL/Gloo), so ``is_available()`` is False and a process
group is never initialised: the usual guards (``if dist.is_available() and dist.is_initialized():``) skip
their distributed branches, ``get_rank()``/``get_world_size()`` raise ValueError as PyTorch's do without a group, and
``init_process_group`` fails with a clear message. ``DistributedSampler`` still works when given
``num_replicas`` and ``rank`` explicitly (e.g. to shard data between independent processes).
"""

__all__ = ["is_available", "is_initialized", "init_process_group", "get_rank", "get_world_size",
           "barrier", "destroy_process_group"]


def is_available():
    return False


def is_initialized():
    return False


def _no_group(op):
    # ValueError, as PyTorch's (scripts catch it to fall back to single-process)
    return ValueError(f"{op}: Default process group has not been initialized, please make sure to call "
                        "init_process_group (Zoo has no distributed backend: run single-process)")


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    raise RuntimeError(f"init_process_group: Zoo has no distributed backend (asked for backend={backend!r}); "
                       "run the script as a single process")


def get_rank(group=None):
    raise _no_group("get_rank")


def get_world_size(group=None):
    raise _no_group("get_world_size")


def barrier(group=None, async_op=False, device_ids=None):
    raise _no_group("barrier")


def destroy_process_group(group=None):
    raise _no_group("destroy_process_group")
