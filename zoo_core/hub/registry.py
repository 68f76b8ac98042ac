"""One registry for models, weights, datasets, transforms and tokenizers, filled by plugins.

Every name is qualified by the namespace of the plugin that registered it (``vision/small_cnn``). Lookups
take the qualified name or the short one (``small_cnn``) when it is unambiguous; built-in plugins win over
third-party ones, and an ambiguous short name raises an error listing the candidates. Plugins load on the
first access (see ``zoo_core.plugins``); factories registered as ``"module:attr"`` strings are imported
only when used.

Example::

    >>> from zoo_core import hub
    >>> hub.list_models("*cnn*")
    ['vision/small_cnn']
    >>> hub.create_model("small_cnn", num_classes=3)(zoo_core.zeros(2, 1, 8, 8)).shape
    zoo_core.Size([2, 3])
"""
import fnmatch
import importlib
import re
import warnings
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["list_models", "model_info", "create_model", "list_weights", "get_weights", "list_datasets",
           "create_dataset", "list_transforms", "create_transform", "list_tokenizers", "create_tokenizer",
           "resolve", "RegistryError", "UnknownNameError", "AmbiguousNameError", "KINDS"]

# hook name -> entry kind
KINDS = {"zoo_register_models": "model", "zoo_register_weights": "weights",
         "zoo_register_datasets": "dataset", "zoo_register_transforms": "transform",
         "zoo_register_tokenizers": "tokenizer"}
_PLURAL = {"model": "models", "weights": "weights", "dataset": "datasets", "transform": "transforms",
           "tokenizer": "tokenizers"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_WEIGHTS_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_-]*)\.([A-Za-z0-9][A-Za-z0-9_.-]*)$")
_LAZY = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
_WEIGHTS_FIELDS = ("sources", "sha256", "size", "format", "meta")
_RESERVED_METADATA = {"namespace", "builtin", "plugin", "factory", "weights", "default_weights", "kind"}


class RegistryError(LookupError):
    """A registry lookup failed."""


class UnknownNameError(RegistryError):
    """No entry has that name."""


class AmbiguousNameError(RegistryError):
    """A short name matches entries of several third-party plugins; use a qualified name."""


@dataclass(frozen=True)
class Entry:
    """One registered item."""
    kind: str                 # "model", "weights", "dataset", "transform" or "tokenizer"
    name: str                 # qualified name: "vision/small_cnn", "vision/small_cnn.digits_v1"
    factory: object           # a callable, a lazy "module:attr" string, or (weights) the Weights record
    metadata: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))   # task, tags, ...
    builtin: bool = False     # registered by a built-in plugin (wins short-name ties)

    @property
    def namespace(self):
        return self.name.partition("/")[0]

    @property
    def short_name(self):
        return self.name.partition("/")[2]

    def resolve(self):
        """The factory itself, importing a lazy ``"module:attr"`` reference."""
        if isinstance(self.factory, str):
            return resolve_reference(self.factory, what=f"{self.kind} {self.name!r}")
        return self.factory

    def describe_factory(self):
        f = self.factory
        if isinstance(f, str):
            return f
        return f"{getattr(f, '__module__', '?')}:{getattr(f, '__qualname__', type(f).__name__)}"


def resolve_reference(ref, what="reference"):
    """Import ``"package.module:attr.sub"`` and return the attribute."""
    module_name, _, attr = ref.partition(":")
    try:
        obj = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as e:
        raise ImportError(f"cannot resolve {ref!r} registered for {what}: {type(e).__name__}: {e}") from e
    return obj


class Store:
    """The entries of every kind, in registration order (which follows the deterministic plugin order)."""

    def __init__(self):
        self.entries = {kind: {} for kind in _PLURAL}

    def add(self, entry):
        table = self.entries[entry.kind]
        if entry.name in table:
            raise ValueError(f"{entry.kind} {entry.name!r} is already registered; names must be unique "
                             f"within a plugin's namespace (nothing is overwritten)")
        table[entry.name] = entry

    def remove_namespace(self, namespace):
        for table in self.entries.values():
            for name in [n for n in table if n.partition("/")[0] == namespace]:
                del table[name]

    def counts(self, namespace):
        return {_PLURAL[k]: sum(1 for n in t if n.partition("/")[0] == namespace)
                for k, t in self.entries.items()}

    def clear(self):
        for table in self.entries.values():
            table.clear()


STORE = Store()


class Registrar:
    """The ``register(name, factory, **metadata)`` callable handed to one plugin's hook of one kind."""

    def __init__(self, store, kind, namespace, builtin=False):
        self.store, self.kind, self.namespace, self.builtin = store, kind, namespace, builtin

    def __call__(self, name, factory=None, /, **metadata):
        where = f"register({name!r}) in plugin {self.namespace!r}"
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"{where}: the name must be an unqualified string (the plugin's namespace "
                             f"{self.namespace!r} is added to it), got {name!r}")
        pattern = _WEIGHTS_NAME if self.kind == "weights" else _NAME
        if not pattern.match(name):
            expected = "'model.tag'" if self.kind == "weights" else "letters, digits, '_' and '-'"
            raise ValueError(f"{where}: invalid {self.kind} name (expected {expected})")
        reserved = _RESERVED_METADATA.intersection(metadata)
        if reserved:
            raise ValueError(f"{where}: {', '.join(sorted(reserved))} cannot be given as metadata "
                             f"(zoo fills them in)")
        qualified = f"{self.namespace}/{name}"
        if self.kind == "weights":
            factory, metadata = self._weights(qualified, factory, metadata)
        elif isinstance(factory, str):
            if not _LAZY.match(factory):
                raise ValueError(f"{where}: a lazy factory must look like 'package.module:attr', got {factory!r}")
        elif not callable(factory):
            raise TypeError(f"{where}: factory must be a callable or a 'module:attr' string, "
                            f"got {type(factory).__name__}")
        if "tags" in metadata:
            metadata["tags"] = tuple(metadata["tags"])
        self.store.add(Entry(self.kind, qualified, factory, MappingProxyType(metadata), self.builtin))

    def _weights(self, qualified, factory, metadata):
        """Weights belong to ``model`` of the same namespace; the record is built from the keywords now
        (so a bad entry fails the plugin's hook) or comes from a lazy reference."""
        if "model" in metadata:
            raise TypeError(f"register({qualified!r}): the model is the part of the name before the tag "
                            f"('model.tag'), not a keyword")
        record_fields = {k: metadata.pop(k) for k in _WEIGHTS_FIELDS if k in metadata}
        if factory is None:
            factory = _make_weights(qualified, record_fields)
        elif record_fields:
            raise TypeError(f"register({qualified!r}): give either a Weights reference or sources=/sha256=/..., "
                            f"not both")
        elif not (isinstance(factory, str) and _LAZY.match(factory)) and not _is_weights(factory):
            raise TypeError(f"register({qualified!r}): weights take sources=, sha256=, size=, format=, meta= "
                            f"keywords, a Weights record or a lazy 'module:attr' reference to one")
        metadata["model"] = qualified.partition(".")[0]
        return factory, metadata


def _weights_class():
    from .weights import Weights
    return Weights


def _is_weights(obj):
    return isinstance(obj, _weights_class())


def _make_weights(qualified, fields):
    if "sources" not in fields or "sha256" not in fields:
        raise TypeError(f"register({qualified!r}): weights need sources= and sha256=")
    return _weights_class()(name=qualified, **fields)


# ---- lookups ----------------------------------------------------------------------------------------------

def _store():
    from ..plugins.manager import get_manager
    get_manager().load()
    return STORE


def resolve(kind, name):
    """The ``Entry`` of ``kind`` called ``name`` (qualified, or short when unambiguous)."""
    table = _store().entries[kind]
    if not isinstance(name, str):
        raise TypeError(f"{kind} name must be a string, got {type(name).__name__}")
    if name in table:
        return table[name]
    if "/" not in name:
        candidates = [e for e in table.values() if e.short_name == name]
        builtin = [e for e in candidates if e.builtin]
        if len(candidates) == 1 or len(builtin) == 1:
            return (builtin or candidates)[0]
        if candidates:
            names = ", ".join(e.name for e in candidates)
            raise AmbiguousNameError(f"{kind} name {name!r} is ambiguous: it could be {names}; "
                                     f"use the qualified name")
    raise UnknownNameError(_unknown_message(kind, name, table))


def _unknown_message(kind, name, table):
    import difflib
    msg = f"unknown {kind} {name!r}"
    close = difflib.get_close_matches(name, list(table) + [e.short_name for e in table.values()], n=3)
    if close:
        msg += f"; did you mean {', '.join(repr(c) for c in dict.fromkeys(close))}?"
    else:
        msg += f" (`zoo {_PLURAL[kind] if kind in ('model', 'weights', 'dataset') else 'plugins'}` lists what "
        msg += "is registered)"
    from ..plugins.manager import get_manager
    failed = [p for p in get_manager().plugins() if p.status in ("failed", "refused")]
    if failed:
        msg += "; plugins that did not load: " + ", ".join(f"{p.name} ({p.error})" for p in failed)
    return msg


def _matches(entry, pattern):
    pattern = pattern.lower()
    if fnmatch.fnmatchcase(entry.name.lower(), pattern):
        return True
    return "/" not in pattern and fnmatch.fnmatchcase(entry.short_name.lower(), pattern)


def _list(kind, pattern="*", namespace=None, task=None):
    table = _store().entries[kind]
    return sorted(e.name for e in table.values()
                  if _matches(e, pattern) and (namespace is None or e.namespace == namespace)
                  and (task is None or e.metadata.get("task") == task))


def _weights_of(model_name):
    return [e for e in _store().entries["weights"].values() if e.metadata["model"] == model_name]


def list_models(pattern="*", *, namespace=None, pretrained=None, task=None):
    """Qualified model names matching a ``fnmatch`` pattern, sorted.

    ``pretrained=True`` keeps models with registered weights, ``False`` those without; ``task`` filters on
    the registered task (``"image-classification"``).

    Example::

        >>> list_models("vision/*")
        ['vision/small_cnn']
    """
    names = _list("model", pattern, namespace, task)
    if pretrained is not None:
        names = [n for n in names if bool(_weights_of(n)) == bool(pretrained)]
    return names


def model_info(name):
    """A dict describing a model: qualified name, plugin, factory, task, tags, description, weights, ...

    Example::

        >>> model_info("small_cnn")["task"]
        'image-classification'
    """
    entry = resolve("model", name)
    from ..plugins.manager import get_manager
    plugin = get_manager().plugin(entry.namespace)
    weights = [w.name for w in _weights_of(entry.name)]
    default = _default_weights(entry)
    info = {"name": entry.name, "namespace": entry.namespace, "builtin": entry.builtin,
            "plugin": plugin.describe() if plugin is not None else None,
            "factory": entry.describe_factory(), "task": None, "tags": (), "description": "",
            "weights": weights, "default_weights": default.name if default is not None else None}
    info.update(entry.metadata)
    return info


def list_weights(model=None):
    """Qualified weights names (``vision/small_cnn.digits_v1``), for one model or all, sorted."""
    table = _store().entries["weights"]
    if model is None:
        return sorted(table)
    return sorted(e.name for e in _weights_of(resolve("model", model).name))


def get_weights(name):
    """The ``Weights`` record called ``name`` (``"small_cnn.digits_v1"``, qualified or short)."""
    return _record(resolve("weights", name))


def _record(entry):
    record = entry.resolve()
    if callable(record) and not _is_weights(record):
        record = record()
    if not _is_weights(record):
        raise TypeError(f"weights {entry.name!r} resolved to {type(record).__name__}, not a Weights record")
    return record


def _default_weights(model_entry):
    entries = _weights_of(model_entry.name)
    marked = [e for e in entries if e.metadata.get("default")]
    return (marked or entries or [None])[0]


def _find_model_weights(entry, weights):
    """The weights entry meant by ``weights=`` ("DEFAULT", a tag, a weights name) for model ``entry``."""
    if weights == "DEFAULT":
        found = _default_weights(entry)
        if found is None:
            raise UnknownNameError(f"model {entry.name!r} has no pretrained weights "
                                   f"(`zoo weights` lists the models that have some)")
        return found
    for e in _weights_of(entry.name):
        if weights in (e.name, e.short_name, e.short_name.partition(".")[2]):
            return e
    tags = [e.short_name.partition(".")[2] for e in _weights_of(entry.name)]
    raise UnknownNameError(f"model {entry.name!r} has no weights {weights!r}; available: "
                           f"{', '.join(['DEFAULT'] + tags) if tags else 'none'}")


def create_model(name, *, weights=None, num_classes=None, device=None, **kwargs):
    """Build a registered model, optionally with pretrained weights.

    ``weights`` is ``"DEFAULT"``, a tag (``"digits_v1"``), a weights name or a ``Weights`` record. With
    ``num_classes`` different from the number of categories the weights were trained on, everything but
    the head (the parameters listed in the weights' ``meta["head"]``) is loaded and the head keeps its
    fresh initialisation; a warning says so.

    Example::

        >>> model = create_model("vision/small_cnn", num_classes=4)
        >>> model(zoo_core.zeros(1, 1, 8, 8)).shape
        zoo_core.Size([1, 4])
    """
    entry = resolve("model", name)
    record = None
    if weights is not None:
        record = weights if _is_weights(weights) else _record(_find_model_weights(entry, weights))
    classes = record.num_classes if record is not None else None
    if num_classes is not None:
        kwargs["num_classes"] = num_classes
    elif classes is not None:
        kwargs["num_classes"] = classes
    model = entry.resolve()(**kwargs)
    if record is not None:
        new_head = num_classes is not None and classes is not None and num_classes != classes
        _load_weights(model, record, entry.name, num_classes if new_head else None, classes)
    if device is not None:
        model = model.to(device)
    return model


def _in_head(key, head):
    return any(key == h or key.startswith(h + ".") for h in head)


def _load_weights(model, record, model_name, new_classes, classes):
    """Load ``record`` into ``model``: strictly, or (new head) everything but the head parameters."""
    state = record.state_dict()
    if new_classes is None:
        model.load_state_dict(state)
        return
    head = record.head
    if head:
        state = {k: v for k, v in state.items() if not _in_head(k, head)}
    report = model.load_state_dict(state, strict=False)
    skipped = [k for k, _, _ in report.mismatched_keys]
    problems = list(report.unexpected_keys)
    if head:
        problems += [k for k in report.missing_keys if not _in_head(k, head)] + skipped
        reinit = [k for k in model.state_dict() if _in_head(k, head)]
    else:   # no head listed: the parameters whose shape changed with num_classes are the head
        problems += list(report.missing_keys)
        reinit = skipped
    if problems or not reinit:
        raise RuntimeError(f"create_model({model_name!r}, num_classes={new_classes}): weights {record.name!r} "
                           f"do not fit the model outside its head; mismatched, missing or unexpected: "
                           f"{', '.join(problems) or 'none'}; head: {', '.join(head) or 'not listed in meta'}")
    # the model was just built with num_classes=new_classes, so the head holds its fresh initialisation
    warnings.warn(f"create_model({model_name!r}): weights {record.name!r} were trained for {classes} classes; "
                  f"with num_classes={new_classes} the head ({', '.join(reinit)}) is re-initialised and "
                  f"everything else is loaded", UserWarning, stacklevel=3)


def _lister(kind, plural):
    def list_(pattern="*", *, namespace=None, task=None):
        return _list(kind, pattern, namespace, task)
    list_.__name__ = f"list_{plural}"
    list_.__doc__ = f"Qualified {kind} names matching a ``fnmatch`` pattern, sorted."
    return list_


def _creator(kind):
    def create(name, *args, **kwargs):
        return resolve(kind, name).resolve()(*args, **kwargs)
    create.__name__ = f"create_{kind}"
    create.__doc__ = f"Build the registered {kind} ``name`` (qualified or short) with the given arguments."
    return create


list_datasets = _lister("dataset", "datasets")
create_dataset = _creator("dataset")
list_transforms = _lister("transform", "transforms")
create_transform = _creator("transform")
list_tokenizers = _lister("tokenizer", "tokenizers")
create_tokenizer = _creator("tokenizer")
