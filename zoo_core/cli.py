"""The ``zoo`` command.

Subcommands load what they need when they run, so ``zoo --help`` stays instant. ``zoo train`` is provided
by the built-in vision plugin (until the plugin host wires commands through ``zoo_register_commands``,
it is attached here directly).
"""
import argparse
import sys


def _train(argv):
    from zoo_vision.train import main
    return main(argv)


COMMANDS = {
    "train": ("train a small CNN on the bundled 8x8 handwritten digits", _train),
}


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="zoo", description="Zoo: a PyTorch-compatible framework and model zoo.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, _) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    if not argv or argv[0] in ("-h", "--help"):
        parser.print_help()
        return 0
    if argv[0] == "--version":
        from . import __version__
        print(f"zoo {__version__}")
        return 0
    cmd = COMMANDS.get(argv[0])
    if cmd is None:
        parser.print_usage(sys.stderr)
        print(f"zoo: unknown command {argv[0]!r} (choose from {', '.join(COMMANDS)})", file=sys.stderr)
        return 2
    return cmd[1](argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main())
