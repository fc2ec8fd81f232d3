"""`kg serve` and `kg push`: the command-line face of graph.serve and graph.remote.

`kg query NAME --endpoint URL` lives in kzlinks.cli.main; it uses the same RemoteEngine as `kg push`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kzlinks.cli.main import DEFAULT_VIEWS
from kzlinks.dataset.store import StoreDir

CREDENTIALS_HELP = "credentials come from KG_ENDPOINT_USER/KG_ENDPOINT_PASSWORD or a netrc file, never from options"


def cmd_serve(args: argparse.Namespace) -> int:
    from kzlinks.server.endpoint import ServeOptions, serve

    return serve(
        ServeOptions(
            StoreDir(args.store),
            args.host,
            args.port,
            args.writable,
            args.views,
            args.views_port,
            args.timeout,
            args.cors,
            args.allow_service,
            args.workers,
            args.memory,
            args.memory_total,
        )
    )


def cmd_push(args: argparse.Namespace) -> int:
    from kzlinks.progress import say
    from kzlinks.sparql.remote import RemoteEngine, public, push

    remote = RemoteEngine.from_environment(
        args.endpoint, update=args.update_endpoint, graph_store=args.graph_store, progress=say
    )
    report = push(StoreDir(args.store), remote, via=args.via, progress=say)
    note = f"; {report.note}" if report.note else ""
    print(
        f"pushed {report.quads} quads in {report.graphs} graphs to {public(remote.endpoints.query)} via "
        f"{report.via}; {report.removed} old graphs removed; counts checked ({report.seconds:.2f} s){note}"
    )
    return 0


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return port


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def _views_default() -> Path:
    """Where `kg viz` writes by default, so `kg viz` then `kg serve` needs no option."""
    return Path(DEFAULT_VIEWS)


def register(subparsers, common: argparse.ArgumentParser) -> None:
    from kzlinks.server.endpoint import DEFAULT_MEMORY_MB, DEFAULT_PORT, DEFAULT_WORKERS
    from kzlinks.server.pool import MEMORY_TOTAL_MB

    p = subparsers.add_parser(
        "serve",
        parents=[common],
        help="serve the graph as a SPARQL endpoint with a query page, and the views",
        description="Serve the built store: SPARQL 1.1 Protocol at /query (each query in a worker process, "
        "stopped at --timeout or --memory), a query page at /, and the views (kg viz -o DIR) on the next port. "
        "Read-only unless --writable; follows rebuilds without an outage.",
    )
    p.add_argument("--port", type=_port, default=DEFAULT_PORT, help="SPARQL endpoint port (default %(default)s)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s: this machine only)")
    p.add_argument(
        "--writable",
        action="store_true",
        help="accept SPARQL Update and Graph Store writes, on a working copy discarded on exit",
    )
    p.add_argument(
        "--views",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"folder of views written by `kg viz -o DIR` (default: the workspace's, or {_views_default()})",
    )
    p.add_argument("--views-port", type=_port, metavar="PORT", help="port for the views (default: --port + 1)")
    p.add_argument(
        "--timeout", type=_positive, default=60, metavar="S", help="query time limit in seconds (default %(default)s)"
    )
    p.add_argument(
        "--cors",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let web pages from ORIGIN (e.g. https://example.org, or * for any) query the endpoint (repeatable); "
        "other sites' requests are refused",
    )
    p.add_argument("--allow-service", action="store_true", help="run SERVICE clauses (they call other servers)")
    p.add_argument(
        "--workers",
        type=_positive,
        default=DEFAULT_WORKERS,
        metavar="N",
        help="query worker processes (default %(default)s)",
    )
    p.add_argument(
        "--memory",
        type=_positive,
        default=DEFAULT_MEMORY_MB,
        metavar="MB",
        help="memory one query may use, per worker (default %(default)s); past it the query is stopped",
    )
    p.add_argument(
        "--memory-total",
        type=_positive,
        default=MEMORY_TOTAL_MB,
        metavar="MB",
        help="memory all workers together may use (default %(default)s); past it the largest query is stopped",
    )
    p.set_defaults(run=cmd_serve)

    p = subparsers.add_parser(
        "push",
        parents=[common],
        help="replace the project's graphs on a remote SPARQL server with the local store's",
        description="Load every named graph into staging graphs on the server, check them, then swap them in with "
        "one SPARQL Update: the remote is never half-updated, and graphs outside "
        "https://w3id.org/kzlinks/graph/ are left alone. " + CREDENTIALS_HELP + ".",
    )
    p.add_argument(
        "--endpoint",
        required=True,
        metavar="URL",
        help="the SPARQL query endpoint (Oxigraph: http://HOST:7878/query; Fuseki: http://HOST:3030/DATASET; "
        "Virtuoso: http://HOST:8890/sparql), or a server's base URL http://HOST:PORT to find its endpoints",
    )
    p.add_argument("--update-endpoint", metavar="URL", help="SPARQL Update endpoint, if not derived from --endpoint")
    p.add_argument("--graph-store", metavar="URL", help="Graph Store Protocol endpoint, if not derived from --endpoint")
    p.add_argument(
        "--via",
        choices=("auto", "gsp", "update"),
        default="auto",
        help="load with the Graph Store Protocol, SPARQL Update, or the first that works (default)",
    )
    p.set_defaults(run=cmd_push)
