"""Print how the program was started, as JSON (argv, executable, frozen)."""
import json
import sys


def add_arguments(parser):
    parser.add_argument("rest", nargs="*")


def run(args):
    info = {"argv": sys.argv[1:], "rest": args.rest, "frozen": getattr(sys, "frozen", False),
            "main": sys.modules["__main__"].__spec__.name}
    print(json.dumps(info, sort_keys=True))
    return 0
