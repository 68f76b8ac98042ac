"""Read PyTorch checkpoints (``torch.save`` files) without torch and without running code from the file.

Two container formats exist:

* **zip** (torch >= 1.6): ``<archive>/data.pkl`` is the pickled object; each storage is the record
  ``<archive>/data/<key>``; ``<archive>/byteorder`` says ``little`` or ``big`` (little when absent).
* **legacy**: one stream of consecutive pickles: the magic number ``0x1950a86a20f9469cfc6c``, the
  protocol version ``1001``, a sys-info dict, the object, the list of storage keys, and then for each
  key an int64 element count followed by the storage's little-endian bytes.

Every pickle goes through the allowlist unpickler of ``torch_unpickler``; this module finds the storages'
bytes, and gives each tensor its view of its storage once all are read.
"""
import struct
import zipfile

import numpy as np

from .. import _backend
from ._common import SerializationError, bfloat16_to_float32, read_exactly, warn_bfloat16
from .torch_unpickler import Rebuilder, Storage, StorageType, StorageView, ascii_str, check_tree, unpickle

MAGIC_NUMBER = 0x1950a86a20f9469cfc6c
PROTOCOL_VERSION = 1001


# ---- zip format -------------------------------------------------------------------------------------
def load_zip(f, source, placer):
    """Load a zip-format checkpoint open as ``f``; ``placer`` (a ``DevicePlacer``) applies map_location."""
    try:
        zf = zipfile.ZipFile(f)
    except zipfile.BadZipFile as e:
        raise SerializationError(f"{source}: corrupt zip checkpoint ({e})") from None
    with zf:
        pkl = [n for n in zf.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pkl) != 1:
            raise SerializationError(
                f"{source}: a zip file but not a PyTorch checkpoint (no single '<archive>/data.pkl' "
                "record; TorchScript archives are not supported)")
        prefix = pkl[0][:-len("data.pkl")]
        byteorder = "little"
        if prefix + "byteorder" in zf.NameToInfo:
            byteorder = zf.read(prefix + "byteorder").decode("ascii", "replace").strip()
            if byteorder not in ("little", "big"):
                raise SerializationError(f"{source}: unknown byteorder {byteorder!r}")
        reader = Rebuilder(source)
        storages = {}

        def persistent_load(pid):
            if type(pid) is not tuple or len(pid) != 5 or pid[0] not in ("storage", b"storage"):
                raise SerializationError(f"{source}: unsupported persistent id {pid!r}")
            _, storage_type, key, location, numel = pid
            key = ascii_str(key, source)
            if key not in storages:
                storages[key] = _new_storage(key, storage_type, location, numel, source)
            return storages[key]

        with zf.open(pkl[0]) as pf:
            result = unpickle(pf, source, reader.globals(), persistent_load)
        for key, st in storages.items():
            name = f"{prefix}data/{key}"
            try:
                info = zf.getinfo(name)
            except KeyError:
                raise SerializationError(f"{source}: corrupt checkpoint: storage record {name!r} is missing") from None
            nbytes = st.numel * st.raw_dtype.itemsize
            if info.file_size != nbytes:
                raise SerializationError(
                    f"{source}: corrupt checkpoint: storage {key!r} should hold {nbytes} bytes but "
                    f"its record has {info.file_size}")
            _set_storage(st, _read_record(zf, f, info, source), byteorder)
    return _finish(reader, storages.values(), result, source, placer)


def _read_record(zf, f, info, source):
    """A zip record's bytes as a uint8 array we own.

    torch stores storages uncompressed; those are read straight from the file into the array, about
    twice as fast as ``ZipFile.open`` (no intermediate ``bytes``, no CRC pass: torch's reader skips the
    CRC too, and the hub checks each downloaded file's sha256).
    """
    what = f"storage record {info.filename!r}"
    if info.compress_type != zipfile.ZIP_STORED:
        with zf.open(info) as rf:
            return read_exactly(rf, info.file_size, source, what)
    f.seek(info.header_offset)
    local = f.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise SerializationError(f"{source}: corrupt zip checkpoint: bad local header for {what}")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    f.seek(info.header_offset + 30 + name_len + extra_len)
    return read_exactly(f, info.file_size, source, what)


def _new_storage(key, storage_type, location, numel, source):
    if not isinstance(storage_type, StorageType) or type(numel) is not int or numel < 0:
        raise SerializationError(f"{source}: bad storage record {storage_type!r}, {numel!r}")
    return Storage(key, storage_type, ascii_str(location, source), numel)


def _set_storage(st, raw, byteorder):
    """Fill ``st.array`` from raw bytes (a uint8 array that we own)."""
    dt = st.raw_dtype
    if dt == np.bool_:
        st.array = raw != 0
        return
    arr = raw.view(dt.newbyteorder("<" if byteorder == "little" else ">"))
    if not arr.dtype.isnative:
        arr = arr.astype(dt)
    st.array = bfloat16_to_float32(arr) if st.bfloat16 else arr


# ---- legacy format ----------------------------------------------------------------------------------
def load_legacy(f, source, placer):
    """Load a legacy (non-zip) checkpoint stream open as ``f``; ``placer`` applies map_location."""
    plain = {}   # the header pickles hold only ints, strings and dicts: no global at all is allowed
    magic = unpickle(f, source, plain)
    if magic != MAGIC_NUMBER:
        raise SerializationError(
            f"{source}: a pickle file, but not a PyTorch checkpoint (no torch magic number); zoo_core "
            "loads only tensors saved with torch.save or zoo_core.save")
    version = unpickle(f, source, plain)
    if version != PROTOCOL_VERSION:
        raise SerializationError(f"{source}: unsupported legacy checkpoint protocol version {version!r}")
    sys_info = unpickle(f, source, plain)
    if not isinstance(sys_info, dict):
        raise SerializationError(f"{source}: corrupt legacy checkpoint: bad sys info {sys_info!r}")
    reader = Rebuilder(source)
    storages, views = {}, {}

    def persistent_load(pid):
        if type(pid) is not tuple or len(pid) != 6 or pid[0] not in ("storage", b"storage"):
            if type(pid) is tuple and pid and pid[0] in ("module", b"module"):
                raise SerializationError(
                    f"{source}: the checkpoint holds a pickled nn.Module; zoo_core loads only tensors "
                    "and containers: save model.state_dict() instead")
            raise SerializationError(f"{source}: unsupported persistent id {pid!r}")
        _, storage_type, key, location, numel, view = pid
        key = ascii_str(key, source)
        st = storages.get(key)
        if st is None:
            st = storages[key] = _new_storage(key, storage_type, location, numel, source)
        if view is None:
            return st
        if (type(view) is not tuple or len(view) != 3 or not all(type(v) is int for v in view[1:])
                or view[1] < 0 or view[2] < 0 or view[1] + view[2] > st.numel):
            raise SerializationError(f"{source}: bad storage view {view!r} of storage {key!r}")
        return views.setdefault(view[0], StorageView(st, view[1], view[2]))

    result = unpickle(f, source, reader.globals(), persistent_load)
    keys = unpickle(f, source, plain)
    if not isinstance(keys, list):
        raise SerializationError(f"{source}: corrupt legacy checkpoint: bad storage key list")
    for key in keys:
        st = storages.get(ascii_str(key, source))
        if st is None:
            raise SerializationError(f"{source}: corrupt legacy checkpoint: unknown storage {key!r}")
        # the writer always stores the count and the data little-endian
        (numel,) = struct.unpack("<q", bytes(read_exactly(f, 8, source, f"storage {key!r} size")))
        if numel != st.numel:
            raise SerializationError(
                f"{source}: corrupt legacy checkpoint: storage {key!r} has {numel} elements, expected {st.numel}")
        raw = read_exactly(f, numel * st.raw_dtype.itemsize, source, f"storage {key!r}")
        _set_storage(st, raw, "little")
    return _finish(reader, storages.values(), result, source, placer)


# ---- putting tensors together -----------------------------------------------------------------------
def _finish(reader, storages, result, source, placer):
    """Move every storage to its device once, then give each pending tensor its (shared) view of it."""
    if any(st.bfloat16 for st in storages):
        warn_bfloat16(source)
    for st in storages:
        if st.array is None:
            raise SerializationError(f"{source}: corrupt checkpoint: no data for storage {st.key!r}")
        st.array = placer.place(st.array, st.location)
    for t, st, offset, size, stride, limit in reader.pending:
        t._data = _strided(st, offset, size, stride, limit, source)
        del t._pending_dtype
    check_tree(result, source)
    return result


def _strided(st, offset, size, stride, limit, source):
    """The tensor's array: a view of the storage (tensors sharing a storage share memory, as in torch).

    Layouts where elements overlap (expanded tensors) are copied, so that writing one element never
    silently writes others.
    """
    arr = st.array
    xp = _backend.array_module(arr)
    numel = 1
    for s in size:
        numel *= s
    if numel == 0:
        return xp.empty(size, dtype=arr.dtype)
    end = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if end >= limit:
        raise SerializationError(
            f"{source}: corrupt checkpoint: a tensor of size {list(size)}, stride {list(stride)} at offset "
            f"{offset} reaches past the end of storage {st.key!r} ({limit} elements)")
    if stride == _contiguous_strides(size):
        return arr[offset:offset + numel].reshape(size)
    isz = arr.dtype.itemsize
    view = xp.lib.stride_tricks.as_strided(arr[offset:], size, tuple(s * isz for s in stride))
    return view if _no_overlap(size, stride) else xp.ascontiguousarray(view)


def _contiguous_strides(size):
    strides, acc = [], 1
    for n in reversed(size):
        strides.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(strides))


def _no_overlap(size, stride):
    """True when no two indices address the same element (sufficient test, as torch's)."""
    reach = 0
    for s, n in sorted((s, n) for n, s in zip(size, stride) if n > 1):
        if s <= reach:
            return False
        reach += (n - 1) * s
    return True
