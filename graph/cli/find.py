"""`kg find TEXT`: which entities a name means, with their ids, classes and the articles that mention them."""

from __future__ import annotations

import argparse
import sys

from kzlinks.dataset.store import StoreDir


def cmd_find(args: argparse.Namespace) -> int:
    from kzlinks.sparql.engines import OxigraphEngine
    from kzlinks.sparql.lookup import Lookup

    lookup = Lookup(OxigraphEngine.open(StoreDir(args.store)))
    found = lookup.search(args.text)
    if not found:
        print(f"no entity matches '{args.text}'{lookup.nearest_hint(args.text)}", file=sys.stderr)
        return 1
    for match in found:
        classes = ", ".join(match.classes) or "no class"
        articles = ", ".join(match.articles) or "no article"
        print(f"{match.id}\t{match.label}\t{classes}\t{articles}")
    return 0


def register(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "find",
        parents=[common],
        help="find entities by label or alternative label (case, accents and small typos forgiven)",
        description="List the entities whose id, label or alternative label matches TEXT: id, label, "
        "class and the articles that mention each, one per line, tab-separated.",
    )
    p.add_argument("text", help="a name as you know it: 'Tokaev', 'port of kurik', 'Astna'")
    p.set_defaults(run=cmd_find)
