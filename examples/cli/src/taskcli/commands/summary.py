"""Summarise a JSON task list from stdin; exit 2 if it is empty."""
import sys
from collections import Counter

from ..model import load_tasks


def add_arguments(parser):
    parser.add_argument("--top", type=int, default=3)


def run(args):
    tasks = load_tasks(sys.stdin.read() or "[]")
    if not tasks:
        print("no tasks", file=sys.stderr)
        return 2
    counts = Counter(task.priority for task in tasks)
    print(f"{len(tasks)} tasks")
    for task in sorted(tasks, key=lambda t: (t.priority, t.title))[: args.top]:
        print(f"  [{task.priority}] {task.title}")
    print("by priority: " + ", ".join(f"{p}={n}" for p, n in sorted(counts.items())))
    return 0
