"""`kg bench`: the store benchmark on synthetic data, in its own folder (never the user's --store)."""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from kzlinks.bench.store import run_bench, table
from kzlinks.dataset.export import atomic_write
from kzlinks.errors import KGError


def cmd_bench(args: argparse.Namespace) -> int:
    if args.size < 1000:
        raise KGError(f"--size must be at least 1000 triples, got {args.size}")
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="kg-bench-"))
    if workdir.exists() and any(workdir.iterdir()):
        raise KGError("the bench folder must be empty or new (it writes fact files and a store there)", file=workdir)
    try:
        figures = run_bench(args.size, workdir, args.repeat, args.timeout)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(table(figures))
    if args.json:
        atomic_write(Path(args.json), (json.dumps(figures, indent=1, sort_keys=True) + "\n").encode("utf-8"))
        print(f"figures written to {args.json}")
    return 0


def register(subparsers, common) -> None:
    """`kg bench`: a benchmark with its own synthetic data and store (never the user's --store)."""
    del common  # the benchmark builds its own store in its own folder
    p = subparsers.add_parser("bench", help="benchmark build, validation, queries and analysis on synthetic data")
    p.add_argument("--size", type=int, required=True, metavar="N", help="about how many triples to generate")
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    p.add_argument("--workdir", metavar="DIR", help="where to write the fact files and store (default: a temp folder)")
    p.add_argument("--keep", action="store_true", help="keep the fact files and store afterwards")
    p.add_argument("--repeat", type=int, default=9, help="timed runs per query on Oxigraph (median; default 9)")
    p.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="give up on a query run after this many seconds (default 60)",
    )
    p.set_defaults(run=cmd_bench)
