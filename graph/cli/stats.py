"""`kg stats`: counts by class, source and graph, and the zero checks (exit 1 when one fails)."""

from __future__ import annotations

import argparse

from kzlinks.analysis.stats import collect, render
from kzlinks.dataset.store import StoreDir


def cmd_stats(args: argparse.Namespace) -> int:
    stats = collect(StoreDir(args.store).open_read())
    print(render(stats, args.graphs, args.unquoted))
    return 0 if stats.clean else 1


def register(subparsers, common) -> None:
    p = subparsers.add_parser("stats", parents=[common], help="counts by class, source and graph, and the zero checks")
    p.add_argument("--graphs", action="store_true", help="list every named graph with its size")
    p.add_argument("--unquoted", action="store_true", help="list the sentences of each article that no quote touches")
    p.set_defaults(run=cmd_stats)
