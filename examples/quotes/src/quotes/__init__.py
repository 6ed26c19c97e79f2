"""Quotations from the command line: a CLI with subcommands whose data ships as package data."""
__version__ = "1.2.0"
