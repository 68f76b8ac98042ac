"""Test helpers for plugins: register a throwaway plugin for one test, and check a plugin end to end.

Example (pytest)::

    from zoo_core import hookimpl
    from zoo_core.testing import check_plugin, temporary_plugin

    class Toy:
        @hookimpl
        def zoo_register_models(self, register):
            register("toy", lambda num_classes=2: zoo_core.nn.Linear(4, num_classes), input_size=(4,))

    def test_toy():
        with temporary_plugin(Toy(), "toy"):
            assert check_plugin("toy").models == {"toy/toy": (2, 2)}

or with the ``zoo_plugin`` fixture (``from zoo_core.testing import zoo_plugin`` in a conftest or test
module): ``zoo_plugin(Toy(), "toy")`` registers, and teardown always unregisters.
"""
import contextlib
from dataclasses import dataclass, field

__all__ = ["temporary_plugin", "check_plugin", "PluginCheck", "zoo_plugin"]


@contextlib.contextmanager
def temporary_plugin(plugin, name="tmp_plugin", *, builtin=False):
    """Register ``plugin`` (a module or object with ``@hookimpl`` methods) as plugin ``name`` inside the block.

    Registration is strict (any problem raises ``PluginError``); on exit the plugin and everything it
    registered are removed, whatever happened in the block. ``ZOO_LOAD_PLUGINS``/``ZOO_DISABLE_PLUGINS``
    do not apply to it (it is asked for explicitly).
    """
    from ..plugins import get_manager
    manager = get_manager()
    record = manager.add_plugin(plugin, name, builtin=builtin)
    try:
        yield record
    finally:
        manager.remove_plugin(name)


def _make_fixture():
    import pytest

    @pytest.fixture
    def zoo_plugin():
        """``zoo_plugin(plugin, name)`` registers a throwaway plugin; all are unregistered at teardown."""
        with contextlib.ExitStack() as stack:
            yield lambda plugin, name="tmp_plugin", **kw: stack.enter_context(temporary_plugin(plugin, name, **kw))
    return zoo_plugin


_FIXTURE = None


def __getattr__(name):
    # built on first use, so that importing zoo_core.testing does not import pytest
    global _FIXTURE
    if name == "zoo_plugin":
        if _FIXTURE is None:
            _FIXTURE = _make_fixture()
        return _FIXTURE
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class PluginCheck:
    """What ``check_plugin`` exercised."""
    name: str                                        # the plugin (namespace)
    entries: dict = field(default_factory=dict)      # kind -> qualified names registered
    models: dict = field(default_factory=dict)       # model name -> output shape on the tiny input
    commands: list = field(default_factory=list)     # zoo subcommands added


def check_plugin(name, *, batch=2):
    """Load plugin ``name`` strictly and exercise everything it registers; raise on the first problem.

    Checks that the plugin loaded (re-raising its error otherwise), that every qualified name resolves to
    its entry, that every lazy ``"module:attr"`` reference imports, that weights records build and name
    an existing model, and that every model builds with its defaults and runs a forward pass on a tiny
    input of shape ``(batch, *input_size)`` (``input_size`` and optional ``input_dtype`` come from the
    model's registration metadata). Returns a ``PluginCheck``.
    """
    import zoo_core
    from ..hub import registry
    from ..plugins import PluginError, get_manager
    manager = get_manager()
    records = [p for p in manager.plugins() if p.name == name]
    if not records:
        known = ", ".join(p.name for p in manager.plugins()) or "none"
        raise PluginError(f"check_plugin: no plugin named {name!r} (found: {known}); is it installed, "
                          f"with an entry point in the 'zoo.plugins' group?")
    record = next((p for p in records if p.status == "loaded"), records[0])
    if record.status != "loaded":
        raise PluginError(f"check_plugin: plugin {name!r} ({record.origin}) {record.status}: "
                          f"{record.error or 'see ZOO_LOAD_PLUGINS / ZOO_DISABLE_PLUGINS'}") from record.exc
    commands = manager.commands(reserved=_core_commands())
    if record.errors:
        raise PluginError(f"check_plugin: plugin {name!r}: {record.errors[-1]}") from record.exc
    report = PluginCheck(name)
    for kind, table in registry.STORE.entries.items():
        mine = [e for e in table.values() if e.namespace == name]
        if mine:
            report.entries[kind] = [e.name for e in mine]
        for entry in mine:
            if registry.resolve(kind, entry.name) is not entry:
                raise PluginError(f"check_plugin: {kind} {entry.name!r} does not resolve to itself")
            if kind == "weights":
                record_w = registry.get_weights(entry.name)
                registry.resolve("model", entry.metadata["model"])
                if getattr(record_w, "sha256", None) is None:
                    raise PluginError(f"check_plugin: weights {entry.name!r} have no sha256")
            else:
                factory = entry.resolve()
                if not callable(factory):
                    raise PluginError(f"check_plugin: {kind} {entry.name!r} resolved to a non-callable "
                                      f"{type(factory).__name__}")
            if kind == "model":
                report.models[entry.name] = _run_model(entry, batch, zoo_core)
    for cmd in commands.commands.values():
        if cmd.plugin == name:
            cmd.resolved("func")
            if cmd.configure is not None:
                cmd.resolved("configure")
            report.commands.append(cmd.name)
    return report


def _core_commands():
    from ..cli import CORE
    return CORE


def _run_model(entry, batch, zoo_core):
    from ..plugins import PluginError
    size = entry.metadata.get("input_size")
    if not size:
        raise PluginError(f"check_plugin: model {entry.name!r} has no input_size metadata; register it "
                          f"with input_size=(C, ...) (without the batch dimension) so it can be tested")
    dtype = entry.metadata.get("input_dtype", "float32")
    shape = (batch, *size)
    try:
        model = entry.resolve()()
        model.eval()
        with zoo_core.no_grad():
            if dtype.startswith("int"):
                x = zoo_core.zeros(shape, dtype=getattr(zoo_core, dtype))
            else:
                x = zoo_core.randn(shape, dtype=getattr(zoo_core, dtype))
            out = model(x)
    except Exception as e:
        raise PluginError(f"check_plugin: model {entry.name!r} failed to build or run on an input of shape "
                          f"{shape}: {type(e).__name__}: {e}") from e
    first = out[0] if isinstance(out, (tuple, list)) else out
    if not isinstance(first, zoo_core.Tensor) or first.shape[0] != batch:
        raise PluginError(f"check_plugin: model {entry.name!r} returned {type(first).__name__} "
                          f"{getattr(first, 'shape', '')} for an input of shape {shape}")
    if first.is_floating_point() and not bool(zoo_core.isfinite(first).all()):
        raise PluginError(f"check_plugin: model {entry.name!r} produced non-finite outputs")
    return tuple(first.shape)
