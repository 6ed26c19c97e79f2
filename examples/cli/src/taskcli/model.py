"""The task model, shared by the subcommands."""
import dataclasses
import json


@dataclasses.dataclass
class Task:
    title: str
    priority: int = 3

    def as_dict(self):
        return dataclasses.asdict(self)


def load_tasks(text):
    return [Task(**item) for item in json.loads(text)]


def validate(task):
    if not 1 <= task.priority <= 5:
        raise ValueError(f"task {task.title!r} has priority {task.priority}, expected 1 to 5")
