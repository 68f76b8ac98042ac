"""An inter-process file lock, so that N processes asking for the same file download it once.

``flock`` on POSIX (``msvcrt.locking`` on Windows). The lock belongs to the open file, so threads of
one process that each enter ``file_lock`` exclude each other too, and a process that dies releases its
locks automatically: a crash never leaves the cache locked.
"""
import contextlib
import os
import time

try:
    import fcntl
except ImportError:   # Windows
    fcntl = None
    import msvcrt


class LockTimeout(TimeoutError):
    """Another process held a cache lock for longer than we were willing to wait."""


def _try_lock(fd):
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return True
    except (BlockingIOError, PermissionError):
        return False
    except OSError as e:   # msvcrt reports a held lock as EACCES / EDEADLK
        if fcntl is None:
            return False
        raise e


def _unlock(fd):
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


@contextlib.contextmanager
def file_lock(path, timeout=None, poll=0.05):
    """Hold an exclusive lock on ``path`` (created if missing) for the ``with`` block.

    Waits up to ``timeout`` seconds (``None``: as long as it takes, e.g. while another process
    downloads a large file), polling so that the wait stays interruptible with Ctrl-C.

    Example::

        >>> with file_lock("/tmp/zoo-demo.lock"):
        ...     pass   # only one process at a time runs this
    """
    path = os.fspath(path)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = poll
        while not _try_lock(fd):
            if deadline is not None and time.monotonic() >= deadline:
                raise LockTimeout(
                    f"could not lock {path} within {timeout:g}s: another process holds it "
                    f"(pid {_holder(path) or 'unknown'}); wait for it to finish, or remove the lock file "
                    "if no zoo process is running")
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)
        try:
            # who holds it, for the timeout message above (informational only: the lock is the flock)
            if hasattr(os, "pwrite"):   # not on Windows, where the write would move the locked byte
                os.ftruncate(fd, 0)
                os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def is_locked(path):
    """True when another open file holds the lock on ``path`` right now (used by ``cache_prune``)."""
    try:
        fd = os.open(os.fspath(path), os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        if _try_lock(fd):
            _unlock(fd)
            return False
        return True
    finally:
        os.close(fd)


def _holder(path):
    try:
        with open(path) as f:
            return f.read(32).strip()
    except OSError:
        return ""
