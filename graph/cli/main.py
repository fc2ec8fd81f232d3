"""`kg`: the command line, a thin layer over the library.

Each command parses its options, calls one library function and prints the result; every KGError
becomes one line on stderr and a non-zero exit code. Commands that live in other packages (analysis,
views, endpoints, benchmark) register themselves through a `register(subparsers, common)` function.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from kzlinks.dataset.store import DEFAULT_STORE, StoreDir
from kzlinks.errors import KGError
from kzlinks.progress import say

EXTENSIONS = (
    "kzlinks.cli.stats",
    "kzlinks.cli.analyse",
    "kzlinks.cli.views",
    "kzlinks.cli.remote",
    "kzlinks.cli.bench",
)


def cmd_build(args: argparse.Namespace) -> int:
    from kzlinks.workflow import build

    report = build(
        args.facts, StoreDir(args.store), args.sources, full=args.full, packaged=not args.no_packaged, progress=say
    )
    if report.unchanged:
        print(f"up to date: {report.graphs} graphs, {report.quads} quads, nothing rebuilt ({report.seconds:.2f} s)")
    else:
        print(
            f"built {args.store}: {report.fact_files} fact files, {report.entities} entities, "
            f"{report.statements} statements, {report.graphs} graphs ({report.graphs_written} written, "
            f"{report.graphs_removed} removed), {report.quads} quads in {report.seconds:.2f} s"
        )
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from kzlinks.sparql.engines import open_engine
    from kzlinks.sparql.named import bind, find_query, parse_params
    from kzlinks.sparql.results import FORMATTERS

    query = find_query(args.query)
    bindings = bind(query, parse_params(args.param))
    if getattr(args, "explain", False):
        from kzlinks.sparql.explain import explain

        print(explain(StoreDir(args.store), query.text, bindings, str(query.path)).text())
        return 0
    if getattr(args, "endpoint", None):
        from kzlinks.sparql.remote import RemoteEngine

        engine = RemoteEngine.from_environment(args.endpoint)
    else:
        engine = open_engine(args.engine, StoreDir(args.store))
    results = engine.run(query.text, bindings, str(query.path))
    text = FORMATTERS[args.format](results)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def cmd_queries(args: argparse.Namespace) -> int:
    from kzlinks.sparql.named import catalogue

    for query in catalogue():
        params = " ".join(f"[{p.name}={p.default or '…'}]" for p in query.params.values())
        print(f"{query.name} {params}".rstrip())
        print(f"    {query.question or '(no question in header)'}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from kzlinks.dataset.export import export

    count = export(Path(args.output), StoreDir(args.store))
    print(f"wrote {count} quads to {args.output}")
    return 0


def cmd_all(args: argparse.Namespace) -> int:
    """The main job: build, answer every named query, write the views."""
    from kzlinks.sparql.engines import OxigraphEngine
    from kzlinks.sparql.named import bind, catalogue
    from kzlinks.sparql.results import to_table

    cmd_build(args)
    engine = OxigraphEngine.open(StoreDir(args.store))
    for query in catalogue():
        print(f"\n== {query.name}: {query.question}")
        print(to_table(engine.run(query.text, bind(query, {}), str(query.path))))
    from kzlinks.viz.views import write_views

    written = write_views(Path(args.views), StoreDir(args.store))
    print(f"\nviews: {len(written)} files in {args.views} (open {Path(args.views) / 'index.html'})")
    return 0


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--store", default=str(DEFAULT_STORE), help="store directory (default: $KG_STORE or %(default)s)"
    )
    top = argparse.ArgumentParser(prog="kg", description="Knowledge graph of Kazakhstan's links with Europe and Asia.")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("build", parents=[common], help="check the fact files and (re)build the store")
    p.add_argument(
        "--facts",
        action="append",
        default=[],
        type=Path,
        metavar="PATH",
        help="an extra fact file or folder of *.yaml (repeatable)",
    )
    p.add_argument(
        "--sources",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="an extra folder of source articles (repeatable)",
    )
    p.add_argument("--no-packaged", action="store_true", help="build only the files given with --facts")
    p.add_argument("--full", action="store_true", help="rebuild and re-validate everything")
    p.set_defaults(run=cmd_build)

    p = sub.add_parser("query", parents=[common], help="run a named query or a .rq file")
    p.add_argument("query", help="a named query (see `kg queries`), a unique prefix of one, or a .rq file")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="a query parameter (repeatable)")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--engine", choices=("oxigraph", "rdflib"), default="oxigraph")
    p.add_argument(
        "--endpoint",
        metavar="URL",
        help="run against a remote SPARQL 1.1 endpoint instead of the local store "
        "(credentials from KG_ENDPOINT_USER/KG_ENDPOINT_PASSWORD or ~/.netrc)",
    )
    p.add_argument("--explain", action="store_true", help="show Oxigraph's plan with the rows each step produced")
    p.set_defaults(run=cmd_query)

    p = sub.add_parser("all", parents=[common], help="the main job: build, answer every named query, write the views")
    p.add_argument("--views", default="kg-views", metavar="DIR", help="where to write the views (default %(default)s)")
    p.set_defaults(run=cmd_all, facts=[], sources=[], no_packaged=False, full=False)

    p = sub.add_parser("queries", help="list the named queries and the question each answers")
    p.set_defaults(run=cmd_queries)

    p = sub.add_parser("export", parents=[common], help="write the dataset (.trig, .nq) or its union (.ttl, .nt)")
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.set_defaults(run=cmd_export)

    for name in EXTENSIONS:
        importlib.import_module(name).register(sub, common)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except KGError as exc:
        print(f"kg: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kg: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: one line unless asked for the traceback
        if os.environ.get("KG_DEBUG"):
            raise
        print(f"kg: internal error: {type(exc).__name__}: {exc} (set KG_DEBUG=1 for a traceback)", file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
