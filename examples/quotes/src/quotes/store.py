"""The quotations, read from package data with importlib.resources: no file paths, so the same
code works from a source tree, an installed wheel, or a freeze executable with the data in memory."""
import json
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Quote:
    text: str
    author: str
    year: int | None = None
    tags: tuple[str, ...] = ()


def load():
    raw = json.loads(resources.files("quotes").joinpath("data/quotes.json").read_text(encoding="utf-8"))
    return [Quote(item["text"], item["author"], item.get("year"), tuple(item.get("tags", ()))) for item in raw]


def template(name):
    return resources.files("quotes.data").joinpath(f"{name}.txt").read_text(encoding="utf-8")
