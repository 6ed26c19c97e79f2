"""Command-line parsing: one subcommand per module in taskcli.commands."""
import argparse
import logging
import sys

from . import __version__
from .commands import REGISTRY

log = logging.getLogger("taskcli")


def build_parser():
    parser = argparse.ArgumentParser(prog="taskcli", description="Manage a list of tasks kept as JSON.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens to stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, command in sorted(REGISTRY.items()):
        command.add_arguments(sub.add_parser(name, help=command.__doc__.strip().splitlines()[0]))
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    log.debug("running %s", args.command)
    return REGISTRY[args.command].run(args)
