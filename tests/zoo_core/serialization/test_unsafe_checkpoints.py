"""Hostile and damaged checkpoints: loading refuses them with an error naming the file (and the refused
global), and nothing from the file ever runs: each payload would create a marker file if executed."""
import io
import os
import pickle
import sys
import time

import numpy as np
import pytest

from zoo_core.serialization import ForbiddenGlobalError, SerializationError, load

sys.path.insert(0, os.path.dirname(__file__))
from _serialization_helpers import (call_global, legacy_stream, pickle_dict_with, tensor_pickle,  # noqa: E402
                                    zip_checkpoint)

DATA = {"data/0": np.arange(4, dtype="<f4").tobytes()}


def _payloads(marker):
    """(global as written in the file, raw pickle opcodes that call it) pairs, each creating ``marker``."""
    m = str(marker)
    create = f"open({m!r}, 'w').close()"
    return [
        ("os.system", call_global("os", "system", f"touch {m}")),
        ("posix.system", call_global("posix", "system", f"touch {m}")),
        ("builtins.eval", call_global("builtins", "eval", create)),
        ("builtins.exec", call_global("builtins", "exec", create)),
        ("__builtin__.eval", call_global("__builtin__", "eval", create)),
        ("subprocess.Popen", call_global("subprocess", "Popen", ["touch", m])),
        ("__builtin__.getattr", call_global("__builtin__", "getattr", "os", "system")),
        ("builtins.__import__", call_global("builtins", "__import__", "os")),
        ("torch.load", call_global("torch", "load", m)),
        ("torch._utils._rebuild_device_tensor_from_numpy",
         call_global("torch._utils", "_rebuild_device_tensor_from_numpy", m)),
    ]


def _containers(payload):
    """The payload as a bare pickle, inside a zip checkpoint (after a valid tensor) and a legacy one."""
    with_tensor = b"\x80\x02}(X\x01\x00\x00\x00w" + tensor_pickle() + b"X\x04\x00\x00\x00evil" + payload + b"u."
    legacy_with_tensor = (b"\x80\x02}(X\x01\x00\x00\x00w" + tensor_pickle(legacy=True)
                          + b"X\x04\x00\x00\x00evil" + payload + b"u.")
    return {
        "bare": b"\x80\x02" + payload + b".",
        "zip": zip_checkpoint(with_tensor, DATA),
        "legacy": legacy_stream(legacy_with_tensor, ["0"], [(4, DATA["data/0"])]),
        "legacy_header": b"\x80\x02" + payload + b"." + legacy_stream(pickle_dict_with(b"N")),
    }


@pytest.mark.parametrize("container", ["bare", "zip", "legacy", "legacy_header"])
def test_forbidden_globals_are_refused_and_never_run(container, tmp_path):
    marker = tmp_path / "pwned"
    for name, payload in _payloads(marker):
        path = tmp_path / f"evil_{container}.pth"
        path.write_bytes(_containers(payload)[container])
        with pytest.raises(ForbiddenGlobalError) as err:
            load(path)
        msg = str(err.value)
        assert f"refusing to load global '{name}' from {path}" in msg, msg
        assert "only tensors and containers are allowed" in msg
        assert isinstance(err.value, pickle.UnpicklingError)
    time.sleep(0.2)   # a Popen'd process would have had time to run
    assert not marker.exists(), "a payload ran"


def test_the_payloads_are_live(tmp_path):
    """Control: the same bytes given to plain pickle DO run, so the test above proves something."""
    marker = tmp_path / "pwned"
    for name, payload in _payloads(marker)[:5]:
        pickle.loads(b"\x80\x02" + payload + b".")
        assert marker.exists(), name
        marker.unlink()


class _Evil:
    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_pickles_made_by_the_pickle_module(protocol, tmp_path):
    """GLOBAL, STACK_GLOBAL and INST opcodes all go through the allowlist."""
    marker = tmp_path / "pwned"
    evil = {"a": _Evil(os.system, f"touch {marker}"), "b": [1, 2]}
    path = tmp_path / "evil.pkl"
    if protocol:
        path.write_bytes(pickle.dumps(evil, protocol=protocol))
    else:   # INST, in a legacy stream (load() only takes binary pickles, which start with PROTO)
        path.write_bytes(legacy_stream(b"(S'touch " + str(marker).encode() + b"'\nios\nsystem\n."))
    with pytest.raises(ForbiddenGlobalError, match=r"refusing to load global '(posix|os)\.system'"):
        load(path)
    assert not marker.exists()


@pytest.mark.parametrize("legacy", [False, True])
def test_torch_saved_objects_with_payloads(legacy, tmp_path):
    """Real torch.save files mixing tensors with objects that run code when unpickled."""
    torch = pytest.importorskip("torch")
    marker = tmp_path / "pwned"
    for fn, args, name in [(eval, (f"open({str(marker)!r}, 'w').close()",), "__builtin__.eval"),
                           (os.system, (f"touch {marker}",), "posix.system")]:
        path = tmp_path / "evil.pth"
        torch.save({"w": torch.ones(2), "evil": _Evil(fn, *args)}, path, _use_new_zipfile_serialization=not legacy)
        with pytest.raises(ForbiddenGlobalError, match=rf"refusing to load global '{name}' from {path}"):
            load(path)
    # a whole pickled module (not a state dict) is refused too
    torch.save(torch.nn.Linear(2, 2), path, _use_new_zipfile_serialization=not legacy)
    with pytest.raises(ForbiddenGlobalError, match="torch.nn.modules.linear.Linear"):
        load(path)
    assert not marker.exists()


def test_bare_pickle_without_globals_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "plain.pkl"
    path.write_bytes(pickle.dumps({"a": 1}, protocol=2))
    with pytest.raises(SerializationError, match=r"plain\.pkl: a pickle file, but not a PyTorch checkpoint"):
        load(path)


# ---- structurally hostile or damaged files ----------------------------------------------------------
def _zip(value, records=DATA):
    return io.BytesIO(zip_checkpoint(pickle_dict_with(value), records))


@pytest.mark.parametrize("value, match", [
    (tensor_pickle(size=(2, 3), stride=(3, 1)), "reaches past the end of storage '0'"),    # reads 6 of 4
    (tensor_pickle(offset=4, size=(1,)), "reaches past the end"),
    (tensor_pickle(numel=2**40), "should hold 4398046511104 bytes but its record has 16"),
    (tensor_pickle(key="7"), "storage record 'archive/data/7' is missing"),
    (tensor_pickle(size=(2, 2), stride=(1,)), "bad tensor layout"),
    (tensor_pickle(storage_cls="ComplexFloatStorage"), "ComplexFloatStorage are not supported"),
    (b"ctorch\nFloatStorage\n", "holds the type FloatStorage at the top level"),     # a marker returned as a value
    (b"(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuJ\x04\x00\x00\x00tQ",
     "holds a raw storage"),
    (b"(X\x06\x00\x00\x00moduleN\x85Q", "unsupported persistent id"),
    (b"ccollections\nOrderedDict\n)R}X\x03\x00\x00\x00bad\x88sb", r"unexpected attributes \['bad'\]"),
    (tensor_pickle() + b"}X\x03\x00\x00\x00_rgX\x01\x00\x00\x00xsb", "unexpected tensor attributes"),
    (b"ctorch._utils\n_rebuild_tensor_v2\n(J\x01\x00\x00\x00J\x00\x00\x00\x00)N\x89NtR",
     "refers to 1 instead of a storage"),
])
def test_malformed_zip_checkpoints(value, match):
    with pytest.raises(SerializationError, match=match):
        load(_zip(value))


def test_huge_sizes_fail_before_allocating():
    pk = pickle_dict_with(tensor_pickle(numel=2**45, size=(2**45,), legacy=True))
    raw = legacy_stream(pk, ["0"], [(2**45, b"\0" * 16)])
    with pytest.raises(SerializationError, match="file is truncated: storage '0' needs 140737488355328 bytes"):
        load(io.BytesIO(raw))


def test_legacy_module_persistent_id():
    pk = pickle_dict_with(b"(X\x06\x00\x00\x00moduleNNNtQ")
    with pytest.raises(SerializationError, match="holds a pickled nn.Module"):
        load(io.BytesIO(legacy_stream(pk)))


def test_zip_that_is_not_a_checkpoint(tmp_path):
    import zipfile
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hi")
    with pytest.raises(SerializationError, match=r"other\.zip: a zip file but not a PyTorch checkpoint"):
        load(path)
    path.write_bytes(b"PK\x03\x04" + b"\0" * 30)
    with pytest.raises(SerializationError, match=r"other\.zip: corrupt zip checkpoint"):
        load(path)


@pytest.mark.parametrize("raw, match", [
    (b"", "the file is empty"),
    (b"hello world, not a checkpoint", "not a format zoo_core can load"),
    (b"\x80\x02garbage", "corrupt or unsupported checkpoint"),
])
def test_unrecognised_files(raw, match, tmp_path):
    path = tmp_path / "junk.bin"
    path.write_bytes(raw)
    with pytest.raises(SerializationError, match=match) as err:
        load(path)
    assert str(path) in str(err.value)


def test_missing_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.pth"):
        load(tmp_path / "nope.pth")
