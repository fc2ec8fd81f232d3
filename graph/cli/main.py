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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kzlinks.dataset.store import DEFAULT_STORE, StoreDir
from kzlinks.errors import KGError
from kzlinks.namespaces import local_name
from kzlinks.progress import say
from kzlinks.workspace import WORKSPACE_FILE

DEFAULT_VIEWS = "kg-views"

EXTENSIONS = (
    "kzlinks.cli.find",
    "kzlinks.cli.stats",
    "kzlinks.cli.analyse",
    "kzlinks.cli.views",
    "kzlinks.cli.remote",
    "kzlinks.cli.bench",
    "kzlinks.cli.draft",
)


def cmd_build(args: argparse.Namespace) -> int:
    from kzlinks.workflow import build

    inputs = build_inputs(args)
    report = build(
        inputs.facts,
        StoreDir(args.store),
        inputs.sources,
        full=args.full,
        packaged=inputs.packaged,
        progress=say,
        ontology=inputs.ontology,
        drop=inputs.drop,
    )
    for path, (graphs, why) in sorted(report.dropped.items()):
        print(f"removed {graphs} graphs of {path}: {why}")
    for finding in report.warnings:  # the modelling check: warnings on stderr, the build still succeeds
        print(f"kg: warning: {finding}", file=sys.stderr)
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
    from kzlinks.sparql.engines import Engine, open_engine
    from kzlinks.sparql.lookup import Lookup
    from kzlinks.sparql.named import bind, find_query, parse_params
    from kzlinks.sparql.results import FORMATTERS
    from kzlinks.sparql.unknown import unknown_terms

    query = find_query(args.query)
    params = parse_params(args.param)
    if getattr(args, "endpoint", None):
        from kzlinks.progress import say
        from kzlinks.sparql.remote import RemoteEngine

        engine: Engine = RemoteEngine.from_environment(args.endpoint, progress=say)
    else:
        engine = open_engine(args.engine, StoreDir(args.store), allow_service=args.allow_service)
    bindings = bind(query, params, _shown(Lookup(engine).resolve))
    if args.explain:
        if args.endpoint or args.engine != "oxigraph":
            raise KGError("--explain shows Oxigraph's plan for the local store: drop --endpoint and --engine")
        from kzlinks.sparql.explain import explain

        print(explain(StoreDir(args.store), query.text, bindings, str(query.path)).text())
        return 0
    for warning in unknown_terms(engine, query.text, str(query.path)):
        print(f"kg: warning: {warning}", file=sys.stderr)
    results = engine.run(query.text, bindings, str(query.path))
    text = FORMATTERS[args.format](results)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _shown(resolve: Callable[[str], str]) -> Callable[[str], str]:
    """The lookup, saying on stderr which id a name was taken to mean."""

    def shown(text: str) -> str:
        iri = resolve(text)
        if text not in (iri, local_name(iri)):
            say(f"{text}: {local_name(iri)}")
        return iri

    return shown


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


def cmd_init(args: argparse.Namespace) -> int:
    from kzlinks.workspace import init_workspace

    path = init_workspace(Path(args.folder))
    print(f"wrote {path}: put fact files in facts/, articles in sources/, extensions in ontology/")
    return 0


@dataclass
class BuildInputs:
    facts: list[Path]
    sources: list[Path]
    ontology: list[Path]
    packaged: bool
    drop: dict[Path, str]


def build_inputs(args: argparse.Namespace) -> BuildInputs:
    """What to build: the workspace's fact folders, articles and extensions plus the command line's. A fact
    file of the last build that is declared no more may be dropped only with a workspace in force (it is
    then no longer declared there) or with --drop; the build reports each and why."""
    from kzlinks.dataset.pipeline import previous_fact_files

    ws = args.workspace
    drop = {Path(p).resolve(): "dropped on request (--drop)" for p in args.drop}
    if ws is not None:
        for path in previous_fact_files(StoreDir(args.store)):
            drop.setdefault(path, f"no longer declared in {ws.file}")
    return BuildInputs(
        [*(ws.facts if ws else ()), *args.facts],
        [*(ws.sources if ws else ()), *args.sources],
        [*(ws.ontology if ws else ()), *args.ontology],
        (ws.packaged if ws else True) and not args.no_packaged,
        drop,
    )


def apply_workspace(args: argparse.Namespace) -> None:
    """Fill what the command line left open from the workspace: the store (unless --store or $KG_STORE
    says otherwise) and the views folder."""
    from kzlinks.workspace import find_workspace

    ws = args.workspace = find_workspace()
    if "store" in vars(args) and args.store is None:
        from_workspace = ws is not None and ws.store is not None and not os.environ.get("KG_STORE")
        args.store = str(ws.store) if from_workspace and ws else os.environ.get("KG_STORE") or str(DEFAULT_STORE)
    views = str(ws.views) if ws and ws.views else DEFAULT_VIEWS
    for key in ("views", "output"):
        if args.command in ("all", "viz", "serve") and key in vars(args) and getattr(args, key) is None:
            setattr(args, key, Path(views) if args.command == "serve" else views)


def build_options() -> argparse.ArgumentParser:
    """The options that say what a build reads, shared by `kg build` and `kg all`."""
    p = argparse.ArgumentParser(add_help=False)
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
    p.add_argument(
        "--ontology",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="an ontology extension: your own classes and properties in Turtle (repeatable)",
    )
    p.add_argument(
        "--drop",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="remove the graphs of a fact file the last build read and this one leaves out (repeatable)",
    )
    p.add_argument("--no-packaged", action="store_true", help="build only your own fact files")
    p.add_argument("--full", action="store_true", help="rebuild and re-validate everything")
    return p


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--store",
        default=None,
        help=f"store directory (default: $KG_STORE, the workspace's store, or {DEFAULT_STORE})",
    )
    top = argparse.ArgumentParser(
        prog="kg",
        description="Knowledge graph of Kazakhstan's links with Europe and Asia. Every command reads the "
        f"workspace file ({WORKSPACE_FILE}, see `kg init`) in the current folder or a parent, or $KG_WORKSPACE.",
    )
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "init", help=f"start a workspace: write {WORKSPACE_FILE} and facts/, sources/, ontology/ in a folder"
    )
    p.add_argument("folder", nargs="?", default=".", metavar="DIR", help="the folder (default: the current one)")
    p.set_defaults(run=cmd_init)

    p = sub.add_parser("build", parents=[common, build_options()], help="check the fact files and (re)build the store")
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
    p.add_argument(
        "--allow-service", action="store_true", help="run SERVICE clauses (they make this machine call other servers)"
    )
    p.add_argument("--explain", action="store_true", help="show Oxigraph's plan with the rows each step produced")
    p.set_defaults(run=cmd_query)

    p = sub.add_parser(
        "all", parents=[common, build_options()], help="the main job: build, answer every named query, write the views"
    )
    p.add_argument(
        "--views",
        default=None,
        metavar="DIR",
        help=f"where to write the views (default: the workspace's, or {DEFAULT_VIEWS})",
    )
    p.set_defaults(run=cmd_all)

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
        apply_workspace(args)
        return args.run(args)
    except KGError as exc:
        for line in str(exc).splitlines():
            print(f"kg: error: {line}", file=sys.stderr)
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
