"""`kg stats`: counts by class, source and graph, per article the modelling check, and the zero checks (exit 1
when one fails; the modelling check only warns)."""

from __future__ import annotations

import argparse
from pathlib import Path

from kzlinks.analysis.stats import collect, render
from kzlinks.dataset.store import StoreDir


def cmd_stats(args: argparse.Namespace) -> int:
    store = StoreDir(args.store)
    manifest = store.manifest()
    facts = [Path(p) for p in (manifest.inputs if manifest else {}) if p.endswith(".yaml") and Path(p).is_file()]
    stats = collect(store.open_read(), facts, args.sources)
    print(render(stats, args.graphs, args.unquoted))
    return 0 if stats.clean else 1


def register(subparsers, common) -> None:
    p = subparsers.add_parser("stats", parents=[common], help="counts by class, source and graph, and the zero checks")
    p.add_argument("--graphs", action="store_true", help="list every named graph with its size")
    p.add_argument("--unquoted", action="store_true", help="list the sentences of each article that no quote touches")
    p.add_argument(
        "--sources",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="a folder of articles the store's extra fact files quote (repeatable), for the modelling check",
    )
    p.set_defaults(run=cmd_stats)
