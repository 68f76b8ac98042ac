"""Helpers for the serialization tests: comparing with torch, crafting checkpoints byte by byte."""
import io
import pickle
import struct
import zipfile

import numpy as np

import zoo_core

MAGIC = 0x1950a86a20f9469cfc6c


def to_numpy(t):
    """A torch or zoo tensor as numpy (torch bfloat16 widened to float32, as zoo loads it)."""
    if isinstance(t, zoo_core.Tensor):
        return t._data
    import torch
    if t.dtype == torch.bfloat16:
        t = t.float()
    return t.detach().numpy()


def bits(a):
    """The raw bytes of an array's elements, in index order (bit-exact comparison, NaN included)."""
    return np.ascontiguousarray(a).reshape(-1).view(np.uint8)


def assert_same(ours, ref, where="top"):
    """``ours`` (what zoo_core.load returned) equals ``ref`` (torch.load(weights_only=True)) bit for bit:
    container types and key order, tensor dtypes, shapes, strides, requires_grad and ties."""
    import torch
    if isinstance(ref, torch.Tensor):
        assert isinstance(ours, zoo_core.Tensor), f"{where}: {type(ours)}"
        a, b = to_numpy(ours), to_numpy(ref)
        assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} != {b.dtype}"
        assert a.shape == b.shape, f"{where}: shape {a.shape} != {b.shape}"
        assert np.array_equal(bits(a), bits(b)), f"{where}: values differ"
        # expanded tensors load as contiguous copies; numpy reports (0, ...) strides for empty arrays
        if all(s != 0 for s in ref.stride()) and ref.numel():
            assert ours.stride() == ref.stride(), f"{where}: stride {ours.stride()} != {ref.stride()}"
        assert ours.requires_grad == ref.requires_grad, f"{where}: requires_grad"
        return
    if isinstance(ref, torch.Size):
        assert type(ours) is zoo_core.Size and tuple(ours) == tuple(ref), where
        return
    if isinstance(ref, torch.dtype):
        assert ours is getattr(zoo_core, str(ref).split(".")[1]), where
        return
    assert type(ours) is type(ref), f"{where}: {type(ours)} != {type(ref)}"
    if isinstance(ref, dict):
        assert list(ours) == list(ref), f"{where}: keys {list(ours)} != {list(ref)}"
        for k in ref:
            assert_same(ours[k], ref[k], f"{where}[{k!r}]")
        if hasattr(ref, "_metadata"):
            assert ours._metadata == ref._metadata, where
    elif isinstance(ref, (list, tuple)):
        assert len(ours) == len(ref), where
        for i, (a, b) in enumerate(zip(ours, ref)):
            assert_same(a, b, f"{where}[{i}]")
    else:
        assert ours == ref or (ours != ours and ref != ref), f"{where}: {ours!r} != {ref!r}"


def tensors_in(obj):
    """Every tensor in a nested structure, in order (duplicates kept)."""
    if isinstance(obj, dict):
        return [t for v in obj.values() for t in tensors_in(v)]
    if isinstance(obj, (list, tuple)):
        return [t for v in obj for t in tensors_in(v)]
    return [obj] if hasattr(obj, "shape") and hasattr(obj, "dtype") else []


# ---- crafted pickles --------------------------------------------------------------------------------
def call_global(module, name, *args):
    """Raw protocol-2 pickle bytes that import ``module.name`` and call it with ``args``."""
    body = pickle.dumps(tuple(args), protocol=2)[2:-1]   # the args tuple, without PROTO and STOP
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n" + body + b"R"


def pickle_dict_with(value_bytes):
    """A protocol-2 pickle of ``{"weights": <value_bytes>}``."""
    return b"\x80\x02}(X\x07\x00\x00\x00weights" + value_bytes + b"u."


def legacy_stream(main_pickle, storage_keys=(), storage_data=(), sys_info=None):
    """A legacy torch checkpoint stream around ``main_pickle`` (raw bytes)."""
    sys_info = sys_info or {"protocol_version": 1001, "little_endian": True,
                            "type_sizes": {"short": 2, "int": 4, "long": 4}}
    out = io.BytesIO()
    for obj in (MAGIC, 1001, sys_info):
        pickle.dump(obj, out, protocol=2)
    out.write(main_pickle)
    pickle.dump(list(storage_keys), out, protocol=2)
    for numel, raw in storage_data:
        out.write(struct.pack("<q", numel) + raw)
    return out.getvalue()


def zip_checkpoint(data_pkl, records=None, archive="archive", byteorder=b"little"):
    """A zip-format torch checkpoint with ``data_pkl`` and ``records`` ({'data/0': bytes, ...})."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{archive}/data.pkl", data_pkl)
        if byteorder is not None:
            z.writestr(f"{archive}/byteorder", byteorder)
        for name, raw in (records or {}).items():
            z.writestr(f"{archive}/{name}", raw)
        z.writestr(f"{archive}/version", b"3\n")
    return out.getvalue()


def rewrite_zip(raw, change, compression=zipfile.ZIP_STORED):
    """Copy a zip checkpoint, passing each record through ``change(name, bytes) -> bytes or None``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", compression) as dst:
        for info in src.infolist():
            data = change(info.filename, src.read(info))
            if data is not None:
                dst.writestr(info.filename, data)
    return out.getvalue()


def tensor_pickle(storage_cls="FloatStorage", key="0", location="cpu", numel=4, offset=0, size=(4,),
                  stride=(1,), module="torch._utils", func="_rebuild_tensor_v2", legacy=False):
    """Raw protocol-2 opcodes of one ``_rebuild_tensor_v2(storage, offset, size, stride, False,
    OrderedDict())`` call, its storage given as a zip-style persistent id (legacy: with a None view)."""
    pid = (b"(" + _str("storage") + _global("torch", storage_cls) + _str(key) + _str(location) + _int(numel)
           + (b"N" if legacy else b"") + b"tQ")
    return (_global(module, func) + b"(" + pid + _int(offset) + _ints(size) + _ints(stride) + b"\x89"
            + _global("collections", "OrderedDict") + b")R" + b"tR")


def _global(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _str(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def _int(v):
    return pickle.dumps(v, protocol=2)[2:-1]   # BININT* or LONG1 opcodes, without PROTO and STOP


def _ints(vs):
    return b"(" + b"".join(_int(v) for v in vs) + b"t"
