"""Subcommands, each a module with add_arguments(parser) and run(args) -> exit status."""
from . import add, check, env, summary

REGISTRY = {"add": add, "check": check, "env": env, "summary": summary}
