"""`kg viz`: write the network views (and open them), the neighbourhood of one entity, or time them.

kg viz [-o DIR] [--open]                 index.html, middle-corridor.html, actors.html, agreements.html
kg viz ego ENTITY [--depth N] [-o DIR]   ego-ENTITY.html
kg viz bench [--sizes 1000 10000]        generation and page-load times on synthetic graphs
kg viz screenshot [VIEW] -o PNG          a PNG of a view (default: the corridor map), headless Chromium
"""

from __future__ import annotations

import argparse
import webbrowser
from pathlib import Path

from kzlinks.cli.main import DEFAULT_VIEWS
from kzlinks.dataset.store import StoreDir
from kzlinks.namespaces import local_name
from kzlinks.progress import say

DEFAULT_DIR = Path(DEFAULT_VIEWS)


def _open(path: Path) -> None:
    webbrowser.open(path.resolve().as_uri())


def cmd_views(args: argparse.Namespace) -> int:
    from kzlinks.viz.views import write_views

    paths = write_views(Path(args.output), StoreDir(args.store), progress=say)
    for path in paths:
        print(path)
    if args.open:
        _open(paths[0])
    return 0


def cmd_ego(args: argparse.Namespace) -> int:
    from kzlinks.sparql.engines import OxigraphEngine
    from kzlinks.sparql.lookup import Lookup
    from kzlinks.viz.views import write_ego

    entity = Lookup(OxigraphEngine.open(StoreDir(args.store))).resolve(args.entity)
    if args.entity != local_name(entity):
        say(f"{args.entity}: {local_name(entity)}")
    path = write_ego(Path(args.output), local_name(entity), args.depth, StoreDir(args.store))
    print(path)
    if args.open:
        _open(path)
    return 0


def cmd_screenshot(args: argparse.Namespace) -> int:
    import tempfile

    from kzlinks.viz.screenshot import ScreenshotError, capture
    from kzlinks.viz.views import write_views

    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError as err:
        raise ScreenshotError(f"--size {args.size}: expected WIDTHxHEIGHT, e.g. 1200x750") from err
    with tempfile.TemporaryDirectory(prefix="kg-viz-") as folder:
        paths = {p.stem: p for p in write_views(Path(folder), StoreDir(args.store), progress=say)}
        if args.view not in paths:
            raise ScreenshotError(f"no view '{args.view}': choose one of {', '.join(sorted(paths))}")
        print(capture(paths[args.view], Path(args.png), width, height))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from kzlinks.bench.views import main as bench_main

    return bench_main(["--sizes", *map(str, args.sizes)] + (["--no-browser"] if args.no_browser else []))


def register(subparsers, common: argparse.ArgumentParser) -> None:
    """Add `kg viz` and its sub-commands `ego` and `bench`."""
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument("--store", default=argparse.SUPPRESS, help="store directory (as for the other commands)")
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument(
        "-o",
        "--output",
        default=argparse.SUPPRESS,
        metavar="DIR",
        help=f"folder to write into (default: ./{DEFAULT_DIR})",
    )
    output.add_argument("--open", action="store_true", default=argparse.SUPPRESS, help="open the result in the browser")
    p = subparsers.add_parser(
        "viz",
        parents=[common],
        help="write the interactive network views (offline HTML)",
        description="Write self-contained HTML network views that open offline.",
    )
    p.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="DIR",
        help=f"folder to write into (default: the workspace's, or {DEFAULT_DIR})",
    )
    p.add_argument("--open", action="store_true", help="open index.html in the browser")
    p.set_defaults(run=cmd_views)
    sub = p.add_subparsers(dest="view", metavar="VIEW")
    e = sub.add_parser("ego", parents=[store, output], help="the neighbourhood of one entity")
    e.add_argument("entity", help="an entity id, label, alternative spelling or IRI")
    e.add_argument("--depth", type=int, default=1, metavar="N", help="how many links away (default 1)")
    e.set_defaults(run=cmd_ego)
    s = sub.add_parser("screenshot", parents=[store], help="save a PNG of a view (headless Chromium, network blocked)")
    s.add_argument(
        "view", nargs="?", default="middle-corridor", help="middle-corridor (default), actors, agreements, index"
    )
    s.add_argument("-o", "--output", dest="png", default="corridor-map.png", metavar="PNG", help="PNG file to write")
    s.add_argument("--size", default="1200x750", metavar="WxH", help="page size in CSS pixels (default %(default)s)")
    s.set_defaults(run=cmd_screenshot)
    b = sub.add_parser("bench", help="time view generation and page load on synthetic 1,000 and 10,000 node graphs")
    b.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], metavar="N")
    b.add_argument("--no-browser", action="store_true", help="time generation only")
    b.set_defaults(run=cmd_bench)
