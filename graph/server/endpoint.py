"""`kg serve`: the built graph as a SPARQL endpoint with a query page, plus the views.

The parts: a front server (kzlinks.server.front) with a bounded set of threads checks each request (origin,
size, SERVICE, read-only) and hands the query to a pool of worker processes (kzlinks.server.pool) that read
the live snapshot's query index with pyoxigraph, exactly as `kg query` does: the default graph holds each
triple once, and the named graphs stay reachable with GRAPH ?g. A worker is killed at the query's deadline
or when it passes its memory cap, and replaced; the answer is then an HTTP error, never a 200 with an error
inside. The query page (kzlinks.server.page) comes from package data, so it works offline.

Read-only by default, on the live snapshot, and it follows rebuilds: when `kg build` publishes a new
snapshot a new pool is opened on it and swapped in once it answers, so no request fails. `--writable` runs
one read-write worker on a working copy (a hard-linked backup of the live snapshot, deleted on exit): the
built store stays exactly what the fact files say.

The views (`kg viz -o DIR`) are served on the next port by a static file server that stays inside its folder.
"""

from __future__ import annotations

import ipaddress
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kzlinks.dataset.store import Snapshot, StoreDir
from kzlinks.errors import KGError
from kzlinks.server.files import views_server
from kzlinks.server.front import BoundedServer, FrontConfig, make_handler
from kzlinks.server.page import PageAssets
from kzlinks.server.pool import MEMORY_TOTAL_MB, Pool, Router, WorkerFailed
from kzlinks.sparql.explain import oxigraph_binary

DEFAULT_PORT = 7878
DEFAULT_WORKERS = 3
DEFAULT_MEMORY_MB = 256
Say = Callable[[str], None]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, writable: bool) -> str | None:
    """A warning for a server that others can reach (and, with --writable, change)."""
    if is_loopback(host):
        return None
    if writable:
        return (
            f"warning: serving read-write on {host}: anyone who can reach this machine can change the served "
            "data and there is no authentication (drop --writable, or bind 127.0.0.1)"
        )
    return (
        f"warning: serving on {host}: the endpoint is exposed to anyone who can reach this machine, with no "
        "authentication (bind 127.0.0.1 to keep it to this machine)"
    )


def _bind(host: str, port: int) -> str:
    return f"[{host.strip('[]')}]:{port}" if ":" in host else f"{host}:{port}"


def local_url(host: str, port: int) -> str:
    """The URL to reach a server bound to `host` from this machine (a wildcard host means loopback)."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host.strip("[]") == "::":
        host = "::1"
    return f"http://{_bind(host, port)}"


def _listen(host: str, port: int, handler, what: str) -> BoundedServer:
    try:
        return BoundedServer((host.strip("[]"), port), handler)
    except OSError as exc:
        raise KGError(f"cannot serve {what} on {_bind(host, port)}: {exc.strerror or exc}") from None


def _start(server: BoundedServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    return thread


@dataclass
class ServeOptions:
    store: StoreDir
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    writable: bool = False
    views: Path | None = None
    views_port: int | None = None
    timeout: int = 60
    cors: list[str] = field(default_factory=list)
    allow_service: bool = False
    workers: int = DEFAULT_WORKERS
    memory_mb: int = DEFAULT_MEMORY_MB
    memory_total_mb: int = MEMORY_TOTAL_MB


def _working_copy(store: StoreDir, workdir: Path) -> Path:
    """A read-write copy of the live snapshot; a checkpoint is hard-linked, so it is cheap at any size."""
    target = workdir / "oxigraph"
    store.open_read().backup(str(target))
    return target


def _open_pool(options: ServeOptions, snapshot: Snapshot, location: Path | None = None) -> Pool:
    size = 1 if options.writable else max(1, options.workers)
    pool = Pool(snapshot, size, options.memory_mb, options.writable, location)
    try:
        pool.open()
    except WorkerFailed as failure:
        raise KGError(f"cannot open the store {snapshot.path} for queries: {failure.reason}") from None
    return pool


def _announce(options: ServeOptions, snapshot: Snapshot, store: StoreDir, views_port: int | None, say: Say) -> None:
    base = local_url(options.host, options.port)
    manifest = store.manifest()
    quads = f", {manifest.quads} quads" if manifest else ""
    mode = "read-write working copy, discarded on exit" if options.writable else "read-only, follows rebuilds"
    say(f"serving {store.root} (snapshot {snapshot.name}{quads}; {mode})")
    say(f"  query page       {base}/")
    say(f"  SPARQL endpoint  {base}/query")
    if options.writable:
        say(f"  SPARQL update    {base}/update")
    say(f"  graph store      {base}/store")
    if views_port:
        say(f"  views            {local_url(options.host, views_port)}/   ({options.views})")
    else:
        say(f"  views            none: no folder {options.views} (write it with `kg viz -o DIR`, then --views DIR)")
    limits = f"{options.timeout} s and {options.memory_mb} MB per query, {options.memory_total_mb} MB in all"
    service = "SERVICE allowed" if options.allow_service else "SERVICE refused"
    cors = f"cross-origin allowed for {', '.join(options.cors)}" if options.cors else "cross-origin refused"
    say(f"  limits           {limits}; {service}; {cors}")
    if not is_loopback(options.host):
        say(f"  listening on every interface of this machine ({options.host})")
    say("Ctrl-C stops the server.")


def serve(options: ServeOptions, say: Say = print, warn: Say = lambda m: print(m, file=sys.stderr)) -> int:
    """Run until interrupted (SIGINT or SIGTERM); follow the store when a build publishes a new snapshot."""
    snapshot = options.store.live()
    warning = exposure_warning(options.host, options.writable)
    if warning:
        warn(warning)
    workdir = Path(tempfile.mkdtemp(prefix=".serve-", dir=options.store.root))
    previous = signal.signal(signal.SIGTERM, _interrupt)
    router = front = views = None
    try:
        location = _working_copy(options.store, workdir) if options.writable else None
        router = Router(_open_pool(options, snapshot, location), options.timeout, options.memory_total_mb)
        config = FrontConfig(
            router,
            PageAssets.build(),
            writable=options.writable,
            allow_service=options.allow_service,
            cors=list(options.cors),
            loopback_only=is_loopback(options.host),
        )
        front = _listen(options.host, options.port, make_handler(config), "the SPARQL endpoint")
        _start(front)
        views_port = None
        if options.views and options.views.is_dir():
            next_port = options.port + 1 if options.port < 65535 else options.port - 1
            try:
                views = views_server(options.views, options.host, options.views_port or next_port)
            except OSError as exc:
                port = options.views_port or next_port
                raise KGError(f"cannot serve the views on port {port}: {exc.strerror}") from None
            _start(views)
            views_port = views.server_address[1]
        _announce(options, snapshot, options.store, views_port, _flushed(say))
        _watch(options, router, snapshot, warn)
    except KeyboardInterrupt:
        warn("kg serve: stopped")
    finally:
        signal.signal(signal.SIGTERM, previous)
        for server in (views, front):
            if server:
                server.shutdown()
                server.server_close()
        if router:
            router.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _flushed(say: Say) -> Say:
    """`say`, then flush stdout: a process reading kg serve's output through a pipe sees each line at once."""

    def flushed(message: str) -> None:
        say(message)
        sys.stdout.flush()

    return flushed


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _watch(options: ServeOptions, router: Router, snapshot: Snapshot, warn: Say) -> None:
    """Replace dead workers, report what happened to them, and move to each new snapshot."""
    while True:
        time.sleep(0.25)
        router.check()
        while router.events:
            warn(f"kg serve: {router.events.pop(0)}; replaced")
        current = options.store.current
        if options.writable or current is None or current == snapshot:
            continue
        try:
            pool = _open_pool(options, current)
        except KGError as exc:
            warn(f"kg serve: still serving snapshot {snapshot.name}: {exc}")
            snapshot = current  # do not retry a snapshot that does not open; the next build will
            continue
        router.swap(pool)
        snapshot = current
        warn(f"kg serve: now serving snapshot {snapshot.name}")


__all__ = ["serve", "ServeOptions", "exposure_warning", "oxigraph_binary", "DEFAULT_PORT"]
