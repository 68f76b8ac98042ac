"""The plugin host: domain packages (``zoo_vision``, ``zoo_text``, third-party ones) found by entry points.

A plugin is a module with pluggy hookimpls (see ``hookspecs``), declared in its ``pyproject.toml``::

    [project.entry-points."zoo.plugins"]
    audio = "zoo_audio.plugin"

and written as::

    from zoo_core import hookimpl

    @hookimpl
    def zoo_register_models(register):
        register("m5", "zoo_audio.models:m5", task="audio-classification")

Nothing here runs at ``import zoo_core``; plugins load on the first registry access. ``docs/plugins.md``
is the guide.
"""
from .hookspecs import hookimpl, hookspec
from .manager import (BUILTINS, GROUP, HOOKS, CommandSet, Plugin, PluginError, PluginManager, PluginWarning,
                      discover, get_manager, reset)

__all__ = ["hookimpl", "hookspec", "get_manager", "list_plugins", "load_plugins", "reset", "discover",
           "Plugin", "PluginManager", "PluginError", "PluginWarning", "CommandSet", "GROUP", "BUILTINS", "HOOKS"]


def load_plugins():
    """Load every plugin now (normally done on the first registry access)."""
    get_manager().load()


def list_plugins(*, all=False, failed=False):
    """Plugin records in load order: loaded and failed ones; ``all=True`` adds disabled/not-allowed ones,
    ``failed=True`` keeps only the failed and refused ones (and those whose commands hook failed)."""
    records = get_manager().plugins()
    if failed:
        return [p for p in records if p.status in ("failed", "refused") or p.errors]
    if all:
        return records
    return [p for p in records if p.status in ("loaded", "failed", "refused")]
