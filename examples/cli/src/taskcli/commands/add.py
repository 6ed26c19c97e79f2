"""Add a task to a JSON task list read from stdin; print the new list."""
import json
import sys

from ..model import Task, load_tasks


def add_arguments(parser):
    parser.add_argument("title")
    parser.add_argument("--priority", type=int, default=3)


def run(args):
    tasks = load_tasks(sys.stdin.read() or "[]")
    tasks.append(Task(args.title, args.priority))
    json.dump([t.as_dict() for t in tasks], sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0
