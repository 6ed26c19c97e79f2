"""Validate a JSON task list from stdin; an invalid one raises with a traceback."""
import sys

from ..model import load_tasks, validate


def add_arguments(parser):
    pass


def run(args):
    tasks = load_tasks(sys.stdin.read() or "[]")
    for task in tasks:
        validate(task)
    print(f"{len(tasks)} tasks are valid")
    return 0
