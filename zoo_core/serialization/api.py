"""``zoo_core.save`` and ``zoo_core.load``: torch's API, safetensors files, no code execution.

``save`` always writes safetensors (tensors in the body, the structure as JSON in the header).
``load`` recognises the format by content, not by file name:

* safetensors: an 8-byte little-endian header length, then a JSON object;
* PyTorch zip checkpoint: a zip file (``PK\\x03\\x04``) holding ``<archive>/data.pkl``;
* PyTorch legacy checkpoint: a pickle stream (``\\x80``) starting with torch's magic number.
"""
import json

from ._common import DevicePlacer, SerializationError, open_binary, source_name
from . import safetensors_io, torch_reader, tree

__all__ = ["save", "load"]

_ZOO_KEY = "zoo"   # the __metadata__ entry that holds the structure


def save(obj, f):
    """Save tensors, or dicts/lists/tuples of tensors and plain values, to a safetensors file.

    ``obj`` may be a state dict, an optimizer state dict (int keys round-trip as ints), or any nesting
    of dict, OrderedDict, list, tuple, Tensor, int, float, str, bool and None. Tensors that are the
    same object (or views of the same memory with the same shape) are stored once and load back as one
    Tensor. ``f`` is a path (written atomically: a crash leaves the previous file intact) or a binary
    file object. Other tools read the tensors with any safetensors library, each under its own name
    (``"fc.weight"``, or the dotted path of a nested entry: ``"state.0.exp_avg"``).

    Example::

        >>> import zoo_core
        >>> sd = {"fc.weight": zoo_core.ones(2, 3), "fc.bias": zoo_core.zeros(2)}
        >>> zoo_core.save(sd, "model.safetensors")
        >>> zoo_core.load("model.safetensors")["fc.weight"].shape
        zoo_core.Size([2, 3])
    """
    structure, arrays = tree.flatten(obj)
    metadata = {"format": "pt",   # tells Hugging Face tools the tensors follow PyTorch conventions
                _ZOO_KEY: json.dumps({"version": tree.FORMAT_VERSION, "tree": structure},
                                     separators=(",", ":"), allow_nan=False)}
    safetensors_io.write_arrays(f, arrays, metadata)


def load(f, map_location=None, weights_only=True):
    """Load what ``save`` or ``torch.save`` wrote, or any safetensors file, without running its code.

    Args:
        f: a path (``str`` / ``os.PathLike``) or a binary file object.
        map_location: where tensors go: ``None`` (where they were saved), ``"cpu"``, ``"cuda"``,
            ``"cuda:1"``, a ``zoo_core.device``, or a dict renaming saved locations such as
            ``{"cuda:0": "cpu"}``.
        weights_only: accepted for PyTorch compatibility. zoo_core always behaves as
            ``weights_only=True``: PyTorch checkpoints are read by an allowlist unpickler that builds
            only tensors, containers and plain values, and refuses any other global with an
            ``UnpicklingError`` that names it.

    PyTorch state dicts come back as ``collections.OrderedDict`` of zoo Tensors, with torch's values,
    dtypes, shapes and strides (tensors that shared a storage still share memory); bfloat16 tensors
    become float32. A safetensors file without zoo's structure loads as an ``OrderedDict`` name -> Tensor.

    Example (``"resnet18.pth"`` written by ``torch.save`` would load the same way)::

        >>> zoo_core.save({"state": {0: {"step": 3}}, "w": zoo_core.ones(2)}, "ckpt.safetensors")
        >>> ckpt = zoo_core.load("ckpt.safetensors", map_location="cpu")
        >>> ckpt["state"][0]["step"], ckpt["w"].device
        (3, device(type='cpu'))
    """
    source = source_name(f)
    placer = DevicePlacer(map_location, source)   # validates map_location before reading anything
    fh, close = open_binary(f, source)
    try:
        start = fh.tell()
        head = fh.read(16)
        fh.seek(start)
        kind = detect_format(head, source)
        if kind == "zip":
            return torch_reader.load_zip(fh, source, placer)
        if kind == "legacy":
            return torch_reader.load_legacy(fh, source, placer)
        arrays, metadata = safetensors_io.read_arrays(fh, source)
    finally:
        if close:
            fh.close()
    return _from_safetensors(arrays, metadata, placer, source)


def detect_format(head, source):
    """``"zip"``, ``"legacy"`` or ``"safetensors"`` from a file's first 16 bytes; else raise."""
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    # safetensors first: its 8-byte little-endian header length can start with 0x80 like a pickle, but a
    # legacy checkpoint has the magic number's 0xF9 at byte 8, never "{"
    if len(head) >= 9 and head[8:9] == b"{":
        return "safetensors"
    if head[:1] == b"\x80":
        return "legacy"
    if not head:
        raise SerializationError(f"{source}: the file is empty")
    raise SerializationError(
        f"{source}: not a format zoo_core can load (expected safetensors, a PyTorch zip checkpoint or a "
        f"legacy PyTorch checkpoint; the file starts with {head[:8]!r})")


def _from_safetensors(arrays, metadata, placer, source):
    text = metadata.get(_ZOO_KEY)
    if text is None:   # written by another tool: a flat dict, in the header's order
        return tree.unflatten({"odict": [[k, {"tensor": k}] for k in arrays]}, arrays, placer, source)
    try:
        doc = json.loads(text)
        version, structure = doc["version"], doc["tree"]
    except (ValueError, KeyError, TypeError) as e:
        raise SerializationError(f"{source}: corrupt zoo metadata in the safetensors header ({e})") from None
    if type(version) is not int or version > tree.FORMAT_VERSION:
        raise SerializationError(
            f"{source}: written by a newer zoo_core (format {version}, this one reads up to "
            f"{tree.FORMAT_VERSION}); upgrade zoo_core")
    try:
        return tree.unflatten(structure, arrays, placer, source)
    except (ValueError, KeyError, TypeError, IndexError) as e:
        raise SerializationError(f"{source}: corrupt zoo metadata in the safetensors header ({e})") from None
