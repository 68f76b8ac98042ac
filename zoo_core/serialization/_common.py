"""Pieces shared by the readers and writers: errors, file handling, atomic writes, ``map_location``.

Kept free of format knowledge so ``safetensors_io``, ``torch_reader`` and ``api`` all read the same way.
"""
import io
import os
import pickle
import warnings

import numpy as np

from .. import _backend


class SerializationError(RuntimeError):
    """A file could not be read or written: corrupt, truncated, or holding something zoo_core can't store.

    The message always names the file, e.g. ``model.safetensors: file is truncated: ...``.
    """


class ForbiddenGlobalError(pickle.UnpicklingError):
    """A pickled checkpoint asked for a Python global outside the allowlist (``os.system``...).

    Raised *before* anything from the file runs: the refused object is never imported or called.
    """


def source_name(f):
    """How errors name ``f``: the path as given, or a file object's ``name``, or ``<file-like object>``."""
    if isinstance(f, (str, os.PathLike)):
        return os.fspath(f)
    name = getattr(f, "name", None)
    return name if isinstance(name, str) else "<file-like object>"


def open_binary(f, source):
    """``(file, close)`` for reading ``f`` (a path or a binary file object), always seekable.

    A non-seekable stream is read into memory first: format detection and zip reading need to seek.
    """
    if isinstance(f, (str, os.PathLike)):
        try:
            return open(f, "rb"), True
        except FileNotFoundError:
            raise FileNotFoundError(f"load: no such file: {source!r}") from None
    if not hasattr(f, "read"):
        raise TypeError(f"load: expected a path or a binary file object, got {type(f).__name__}")
    seekable = getattr(f, "seekable", None)
    if seekable is None or not seekable():
        return io.BytesIO(f.read()), True
    return f, False


_MEASURABLE = (io.BufferedReader, io.BufferedRandom, io.BytesIO, io.FileIO)


def read_exactly(f, n, source, what):
    """Read exactly ``n`` bytes into a new writable uint8 array, or raise a truncation error."""
    if isinstance(f, _MEASURABLE):
        # a damaged or hostile size must fail here, not as a huge allocation
        pos = f.tell()
        left = f.seek(0, os.SEEK_END) - pos
        f.seek(pos)
        if left < n:
            raise SerializationError(
                f"{source}: file is truncated: {what} needs {n} bytes but only {max(left, 0)} are present")
    out = np.empty(n, dtype=np.uint8)
    view = memoryview(out)
    got = 0
    while got < n:
        k = f.readinto(view[got:]) if hasattr(f, "readinto") else _read_into(f, view[got:])
        if not k:
            raise SerializationError(
                f"{source}: file is truncated: {what} needs {n} bytes but only {got} are present")
        got += k
    return out


def _read_into(f, view):
    data = f.read(len(view))
    view[:len(data)] = data
    return len(data)


def atomic_write(path, write):
    """Write a file so that a crash leaves either the old file or the new one, never a mix.

    ``write(tmp_path)`` fills a temporary file in the target's directory; it is flushed to disk, then
    ``os.replace``-d onto ``path`` and the directory entry is synced. On any error the temporary file is
    removed and the previous ``path`` is untouched.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.urandom(6).hex()}.tmp")
    # O_EXCL: never clobber a file we did not create; mode 0o666 lets the umask decide like open() does
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    os.close(fd)
    try:
        # keep the mode an existing file has, else the one open() would give; the writer may replace
        # our temporary file with its own (safetensors does), which would be private (0o600)
        mode = os.stat(path if os.path.exists(path) else tmp).st_mode & 0o7777
        write(tmp)
        os.chmod(tmp, mode)
        fd = os.open(tmp, os.O_RDWR | getattr(os, "O_BINARY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(directory)


def _fsync_dir(directory):
    """Persist the rename itself; not possible on every platform (Windows), where it is skipped."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class DevicePlacer:
    """Moves loaded arrays to where ``map_location`` says, given the location each was saved at.

    Accepted forms (torch's simple ones): ``None`` (where it was saved), ``"cpu"``, ``"cuda"``,
    ``"cuda:1"``, a ``zoo_core.device``, or a dict such as ``{"cuda:0": "cpu"}`` that renames saved
    locations (others stay where they were saved).
    """

    def __init__(self, map_location, source):
        if map_location is not None and not isinstance(map_location, (str, dict, _backend.device)):
            kind = "a function" if callable(map_location) else f"a {type(map_location).__name__}"
            raise TypeError(
                f"load: map_location as {kind} is not supported; pass None, 'cpu', 'cuda', "
                "'cuda:N', a zoo_core.device or a dict like {'cuda:0': 'cpu'}")
        self.map_location = map_location
        self.source = source
        self._cache = {}

    def device_for(self, saved):
        """The resolved ``device`` for an array saved at location ``saved`` (e.g. ``"cuda:0"``)."""
        dev = self._cache.get(saved)
        if dev is not None:
            return dev
        m = self.map_location
        if m is None:
            target = saved
        elif isinstance(m, dict):
            target = m.get(saved, saved)
        else:
            target = m
        try:
            dev = _backend.resolve_device(str(target))
            if dev.type == "cuda":
                _backend.cupy()   # fail here, with the hint below, when CuPy is missing
        except RuntimeError as e:
            raise SerializationError(
                f"{self.source}: cannot place tensors saved on {saved!r} on {str(target)!r} ({e}); "
                "pass map_location='cpu' to load them on the CPU") from None
        self._cache[saved] = dev
        return dev

    def place(self, arr, saved):
        """``arr`` (a numpy array) on the device for ``saved``."""
        dev = self.device_for(saved)
        if dev.type == "cpu":
            return arr
        return _backend.to_device(arr, dev)


def bfloat16_to_float32(bits):
    """Decode raw bfloat16 (as uint16) into float32 exactly: bfloat16 is the top half of a float32."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def warn_bfloat16(source):
    """Say once per file that bfloat16 tensors come back as float32."""
    warnings.warn(
        f"{source}: bfloat16 tensors were converted to float32 (zoo_core has no bfloat16 dtype); "
        "the values are exact", stacklevel=4)
