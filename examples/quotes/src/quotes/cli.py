"""quotes: subcommands list, search, random and stats."""
import argparse
import random
import sys
from collections import Counter

from . import __version__, store


def cmd_list(args, quotes):
    for quote in quotes:
        if args.author and args.author.lower() not in quote.author.lower():
            continue
        print(f"{quote.author}: {quote.text}")
    return 0


def cmd_search(args, quotes):
    word = args.word.lower()
    found = [q for q in quotes if word in q.text.lower() or word in q.tags]
    for quote in found:
        print(store.template("card").format(text=quote.text, author=quote.author, year=quote.year or "?"), end="")
    if not found:
        print(f"no quotation mentions {args.word!r}", file=sys.stderr)
        return 1
    return 0


def cmd_random(args, quotes):
    quote = random.Random(args.seed).choice(quotes)
    print(store.template("card").format(text=quote.text, author=quote.author, year=quote.year or "?"), end="")
    return 0


def cmd_stats(args, quotes):
    authors = Counter(q.author for q in quotes)
    tags = Counter(tag for q in quotes for tag in q.tags)
    print(f"{len(quotes)} quotations by {len(authors)} authors")
    for author, count in authors.most_common(args.top):
        print(f"  {count}  {author}")
    print("tags: " + ", ".join(f"{tag} ({count})" for tag, count in sorted(tags.items())))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="quotes", description="Quotations from the command line.")
    parser.add_argument("--version", action="version", version=f"quotes {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="list the quotations")
    listing.add_argument("--author", help="only this author's")
    listing.set_defaults(run=cmd_list)
    search = commands.add_parser("search", help="quotations that mention a word")
    search.add_argument("word")
    search.set_defaults(run=cmd_search)
    pick = commands.add_parser("random", help="one quotation at random")
    pick.add_argument("--seed", type=int, default=None)
    pick.set_defaults(run=cmd_random)
    stats = commands.add_parser("stats", help="counts by author and tag")
    stats.add_argument("--top", type=int, default=3)
    stats.set_defaults(run=cmd_stats)
    args = parser.parse_args(argv)
    return args.run(args, store.load())


if __name__ == "__main__":
    sys.exit(main())
