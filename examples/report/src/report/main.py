"""Read YAML (a file argument or stdin), render it with a template kept as package data."""
import argparse
import importlib.metadata
import importlib.resources
import sys

import jinja2
import yaml


def load_template(name):
    # Templates are package data: importlib.resources reads them wherever they live (here,
    # inside the executable).
    return importlib.resources.files("report").joinpath("templates", name).read_text()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="report", description=__doc__)
    parser.add_argument("inventory", nargs="?", type=argparse.FileType("r"), default=sys.stdin)
    parser.add_argument("--format", choices=["text", "html"], default="text")
    parser.add_argument("--versions", action="store_true", help="print the versions of the packages used")
    args = parser.parse_args(argv)
    if args.versions:
        for name in ("PyYAML", "Jinja2", "MarkupSafe"):
            print(name, importlib.metadata.version(name))
        print("libyaml:", yaml.__with_libyaml__)
        return 0
    data = yaml.load(args.inventory, Loader=yaml.CSafeLoader) or {}
    env = jinja2.Environment(loader=jinja2.FunctionLoader(load_template), autoescape=args.format == "html",
                             trim_blocks=True, keep_trailing_newline=True)
    sys.stdout.write(env.get_template(f"report.{args.format}").render(title=data.get("title", "Inventory"),
                                                                     items=data.get("items", [])))
    return 0
