"""Finding, loading and isolating plugins.

A plugin is an entry point in the ``zoo.plugins`` group; its name is the plugin's namespace and its value
the entry module (``audio = "zoo_audio.plugin"``). The built-ins ``vision`` and ``text`` are declared the
same way by the ``zoo`` distribution, and are found by module name when running from a source tree
without installed metadata.

Loading happens once, on the first registry access, in a fixed order: built-ins first, then third-party
plugins sorted by name (never install or disk order). Each plugin loads in isolation: one whose import or
hook raises is recorded, its registrations are rolled back, and all problems are reported in ONE warning
(``ZOO_STRICT_PLUGINS=1`` raises instead). Environment:

* ``ZOO_LOAD_PLUGINS=a,b``: load only these third-party plugins (empty: none); built-ins always load.
* ``ZOO_DISABLE_PLUGINS=a,b``: never load these (plugin names or distribution names).
* ``ZOO_STRICT_PLUGINS=1``: a plugin problem raises (the test suite sets it).
"""
import importlib
import importlib.metadata
import importlib.util
import os
import re
import threading
import warnings
from dataclasses import dataclass, field

import pluggy

from . import hookspecs

GROUP = "zoo.plugins"
BUILTINS = {"vision": "zoo_vision.plugin", "text": "zoo_text.plugin"}   # namespace -> entry module, load order
BUILTIN_DIST = "zoo"
_NAMESPACE = re.compile(r"^[a-z][a-z0-9_]*$")
HOOKS = tuple(n for n in vars(hookspecs) if n.startswith("zoo_"))


class PluginError(RuntimeError):
    """A plugin could not be loaded or registered (raised in strict mode and by the testing helpers)."""


class PluginWarning(UserWarning):
    """Some plugins could not be loaded; everything else works."""


@dataclass
class Plugin:
    """What we know about one plugin, loaded or not (``zoo plugins`` shows these)."""
    name: str                   # the namespace: the entry-point name
    value: str                  # the entry module ("zoo_audio.plugin") or "module:attr"
    dist: str = None            # distribution declaring it; None when found by module name or added at runtime
    version: str = None         # that distribution's version
    builtin: bool = False       # one of zoo's own plugins (vision, text)
    status: str = "pending"     # loaded | failed | refused | disabled | not-allowed
    error: str = ""             # why it failed or was refused
    errors: list = field(default_factory=list)     # later problems (a failing commands hook)
    exc: BaseException = None   # the original exception, re-raised in strict mode
    obj: object = None          # the loaded entry module / object registered with pluggy
    entry_point: object = None  # the importlib.metadata.EntryPoint, when discovered through metadata

    @property
    def origin(self):
        if self.dist:
            return f"{self.dist} {self.version}"
        return "source tree" if self.builtin else "registered at runtime"

    @property
    def disable_hint(self):
        """What to put in ZOO_DISABLE_PLUGINS to silence this plugin (its distribution when the name is
        shared with another plugin, as for a refused namespace)."""
        return self.dist if self.status == "refused" and self.dist and not self.builtin else self.name

    def describe(self):
        return {"name": self.name, "module": self.value, "distribution": self.dist, "version": self.version,
                "builtin": self.builtin, "status": self.status, "error": self.error or None,
                "errors": list(self.errors), "disable": self.disable_hint}


def _env_list(name):
    """``None`` when unset, else the set of comma-separated names (empty string -> empty set)."""
    value = os.environ.get(name)
    if value is None:
        return None
    return {part.strip().lower() for part in value.split(",") if part.strip()}


def strict():
    return os.environ.get("ZOO_STRICT_PLUGINS", "").strip().lower() not in ("", "0", "false", "no", "off")


def _normalize(dist_name):
    return re.sub(r"[-_.]+", "-", dist_name).lower() if dist_name else None


def discover():
    """Every plugin candidate, in load order: built-ins first, then third-party sorted by name."""
    found = []
    for ep in importlib.metadata.entry_points(group=GROUP):
        dist = getattr(ep, "dist", None)
        dist_name = dist.metadata["Name"] if dist is not None else None
        version = dist.version if dist is not None else None
        builtin = ep.name in BUILTINS and _normalize(dist_name) == BUILTIN_DIST
        found.append(Plugin(ep.name, ep.value, dist_name, version, builtin, entry_point=ep))
    for name, module in BUILTINS.items():
        if not any(p.builtin and p.name == name for p in found) and \
                importlib.util.find_spec(module.partition(".")[0]) is not None:
            from .. import __version__
            found.append(Plugin(name, module, None, __version__, builtin=True))
    order = list(BUILTINS)
    builtins = sorted((p for p in found if p.builtin), key=lambda p: order.index(p.name))
    others = sorted((p for p in found if not p.builtin), key=lambda p: (p.name, _normalize(p.dist) or "", p.value))
    return builtins + others


class CommandSet:
    """The ``cli`` object handed to ``zoo_register_commands``: plugins add ``zoo`` subcommands to it."""

    def __init__(self, reserved=()):
        self.commands = {}          # name -> Command
        self.reserved = set(reserved)
        self._namespace = None

    def add_command(self, name, help, func, configure=None):
        """Add ``zoo NAME``: ``configure(parser)`` adds arguments, ``func(args)`` runs it (exit code or None).

        ``func`` and ``configure`` may be lazy ``"module:attr"`` strings.
        """
        if not isinstance(name, str) or not re.match(r"^[a-z][a-z0-9-]*$", name):
            raise ValueError(f"add_command: invalid command name {name!r} (lowercase letters, digits and '-')")
        if name in self.reserved:
            raise ValueError(f"add_command: 'zoo {name}' is a core command and cannot be replaced")
        if name in self.commands:
            raise ValueError(f"add_command: 'zoo {name}' is already added by plugin "
                             f"{self.commands[name].plugin!r} (nothing is overwritten)")
        self.commands[name] = Command(name, help, func, configure, self._namespace)


@dataclass
class Command:
    name: str               # the subcommand: "zoo NAME"
    help: str               # one line shown in listings
    func: object            # func(args) -> exit code or None; or "module:attr"
    configure: object       # configure(argparse parser) or None; or "module:attr"
    plugin: str             # namespace of the plugin that added it

    def resolved(self, what):
        obj = getattr(self, what)
        if isinstance(obj, str):
            from ..hub.registry import resolve_reference
            return resolve_reference(obj, what=f"command 'zoo {self.name}'")
        return obj


class PluginManager:
    """Discovers and loads plugins once, fills the registry, and remembers what went wrong."""

    def __init__(self):
        self._lock = threading.RLock()
        self._pm = pluggy.PluginManager("zoo")
        self._pm.add_hookspecs(hookspecs)
        self._plugins = []          # Plugin records in load order (including the ones not loaded)
        self._loaded = False
        self._loading = False
        self._commands = None

    # ---- public ---------------------------------------------------------------------------------------
    def plugins(self):
        """Every plugin record, in load order (loading first if needed)."""
        self.load()
        return list(self._plugins)

    def plugin(self, name):
        return next((p for p in self.plugins() if p.name == name and p.status == "loaded"), None)

    def load(self):
        """Discover and load every plugin (once); report problems in one warning or raise when strict."""
        if self._loaded:
            return
        with self._lock:        # other threads wait here; a hook re-entering the registry sees _loading
            if self._loaded or self._loading:
                return
            self._loading = True
            try:
                candidates = discover()
                self._select(candidates)
                for p in candidates:
                    self._plugins.append(p)
                    if p.status == "pending":
                        self._load_one(p)
            finally:
                self._loaded, self._loading = True, False
        self._report([p for p in self._plugins if p.status in ("failed", "refused")])

    def commands(self, reserved=()):
        """The ``CommandSet`` of every loaded plugin's ``zoo_register_commands`` (called once)."""
        self.load()
        with self._lock:
            if self._commands is None:
                cli = CommandSet(reserved)
                failed = []
                for p in self._plugins:
                    if p.status == "loaded" and not self._register_commands(p, cli):
                        failed.append(p)
                self._commands = cli
                self._report(failed)
        return self._commands

    def add_plugin(self, obj, name, *, builtin=False):
        """Register ``obj`` (a module or object with hookimpls) as plugin ``name`` now; raises on any problem.

        Used by ``zoo_core.testing.temporary_plugin``; undo with ``remove_plugin(name)``.
        """
        self.load()
        with self._lock:
            p = Plugin(name, getattr(obj, "__name__", type(obj).__name__), builtin=builtin, obj=obj)
            self._select(self._plugins + [p], only=p)
            if p.status == "pending":
                self._load_one(p, obj)
            if p.status != "loaded":
                raise PluginError(f"plugin {name!r} {p.status}: {p.error}") from p.exc
            self._plugins.append(p)
            if self._commands is not None and not self._register_commands(p, self._commands):
                self.remove_plugin(name)
                raise PluginError(f"plugin {name!r}: {p.errors[-1]}") from p.exc
        return p

    def remove_plugin(self, name):
        """Unregister plugin ``name`` and everything it registered."""
        from ..hub.registry import STORE
        with self._lock:
            for p in [p for p in self._plugins if p.name == name and p.status == "loaded"]:
                self._unload(p)
                self._plugins.remove(p)
                STORE.remove_namespace(name)
                if self._commands is not None:
                    for cmd in [c for c in self._commands.commands.values() if c.plugin == name]:
                        del self._commands.commands[cmd.name]

    # ---- internals -----------------------------------------------------------------------------------
    def _select(self, candidates, only=None):
        """Mark candidates refused / disabled / not-allowed according to names and the environment."""
        allow, block = _env_list("ZOO_LOAD_PLUGINS"), _env_list("ZOO_DISABLE_PLUGINS") or set()
        block_dists = {_normalize(b) for b in block}
        pending = [p for p in candidates if p.status == "pending"]
        for p in pending:
            runtime = p is only      # added explicitly at runtime: the environment's lists do not apply
            if not runtime and (p.name.lower() in block or _normalize(p.dist) in block_dists):
                p.status = "disabled"
            elif not _NAMESPACE.match(p.name):
                self._refuse(p, f"invalid plugin name {p.name!r} (lowercase letters, digits and '_'; it "
                                f"becomes the namespace of everything the plugin registers)")
            elif p.name in BUILTINS and not p.builtin:
                self._refuse(p, f"the namespace {p.name!r} is reserved for zoo's built-in plugin")
            elif not runtime and allow is not None and not p.builtin and p.name.lower() not in allow:
                p.status = "not-allowed"
        # the same namespace claimed twice: refuse every newcomer rather than pick one silently
        live = [q for q in candidates if q.status in ("pending", "loaded")]
        clashes = {p.name: [q for q in live if q.name == p.name] for p in live if p.status == "pending"}
        for name, claimants in clashes.items():
            if len(claimants) > 1:
                for p in claimants:
                    if p.status == "pending":
                        others = ", ".join(q.origin for q in claimants if q is not p)
                        self._refuse(p, f"the namespace {name!r} is also claimed by {others}; "
                                        f"uninstall or disable one of them")

    def _refuse(self, p, why):
        p.status, p.error = "refused", why
        p.exc = PluginError(f"plugin {p.name!r} ({p.origin}) refused: {why}")

    def _load_one(self, p, obj=None):
        from ..hub.registry import KINDS, STORE, Registrar
        stage = "import"
        try:
            if obj is None:
                obj = p.entry_point.load() if p.entry_point is not None else importlib.import_module(p.value)
            stage = "register"
            self._pm.register(obj, name=p.name)
            p.obj = obj
            unknown = [hc.name for hc in self._pm.get_hookcallers(obj) if hc.spec is None]
            if unknown:
                raise PluginError(f"unknown hook(s) {', '.join(unknown)}; the hooks are {', '.join(HOOKS)}")
            for hook, kind in KINDS.items():
                stage = hook
                self._call(p, hook, register=Registrar(STORE, kind, p.name, p.builtin))
        except Exception as e:
            STORE.remove_namespace(p.name)
            self._unload(p)
            p.status, p.exc = "failed", e
            where = {"import": "import failed", "register": "invalid hooks"}.get(stage, f"{stage} raised")
            p.error = f"{where}: {type(e).__name__}: {e}"
        else:
            p.status = "loaded"

    def _call(self, p, hook, **kwargs):
        """Call plugin ``p``'s implementation of ``hook`` only, so a failure is attributed to ``p``."""
        for impl in getattr(self._pm.hook, hook).get_hookimpls():
            if impl.plugin is p.obj:
                impl.function(**{arg: kwargs[arg] for arg in impl.argnames})

    def _register_commands(self, p, cli):
        cli._namespace = p.name
        before = dict(cli.commands)
        try:
            self._call(p, "zoo_register_commands", cli=cli)
            return True
        except Exception as e:
            cli.commands = before
            p.exc = e
            p.errors.append(f"zoo_register_commands raised {type(e).__name__}: {e}")
            return False
        finally:
            cli._namespace = None

    def _unload(self, p):
        if p.obj is not None and self._pm.is_registered(p.obj):
            self._pm.unregister(p.obj)
        p.obj = None

    def _report(self, problems):
        """One warning for all problems of this pass (or raise the first one when strict)."""
        if not problems:
            return
        lines = []
        for p in problems:
            what = p.error if p.status in ("failed", "refused") else p.errors[-1]
            verb = "was refused" if p.status == "refused" else "failed"
            lines.append(f"  - plugin {p.name!r} ({p.origin}) {verb}: {what}\n"
                         f"    disable it with ZOO_DISABLE_PLUGINS={p.disable_hint}")
        message = (f"{len(problems)} zoo plugin(s) failed; everything else works:\n" + "\n".join(lines)
                   + "\n  (ZOO_STRICT_PLUGINS=1 raises instead; `zoo plugins --failed` lists these)")
        if strict():
            exc = problems[0].exc
            if hasattr(exc, "add_note"):
                exc.add_note(message)
            raise exc
        warnings.warn(message, PluginWarning, stacklevel=4)


_MANAGER = None
_MANAGER_LOCK = threading.Lock()


def get_manager():
    """The process-wide ``PluginManager`` (created on first use; nothing is read before that)."""
    global _MANAGER
    if _MANAGER is None:
        with _MANAGER_LOCK:
            if _MANAGER is None:
                _MANAGER = PluginManager()
    return _MANAGER


def reset():
    """Forget every loaded plugin and registry entry; the next registry access loads again (tests use it)."""
    global _MANAGER
    from ..hub.registry import STORE
    with _MANAGER_LOCK:
        if _MANAGER is not None:
            for p in _MANAGER._plugins:
                _MANAGER._unload(p)
        _MANAGER = None
        STORE.clear()
