"""`kg serve`: the built graph behind the real Oxigraph server, with its query page, plus the views.

Why the `oxigraph` binary (from the PyPI package of that name) and not a Python server: it is the same
engine as the store and opens the store directory as it is, it speaks the whole SPARQL 1.1 Protocol and
Graph Store Protocol, and it carries the YASGUI query page inside the binary (no CDN), so the page works
offline. The default graph is the union of the named graphs, as the named queries expect.

Read-only by default, on the live snapshot, and it follows rebuilds: when `kg build` publishes a new
snapshot the server is restarted on it. `--writable` runs it read-write on a working copy (a hard-linked
backup of the live snapshot, deleted on exit) because the built store must stay exactly what the fact
files say: an update made through the endpoint is for experiments, never an input to a build.

Oxigraph serves no files of its own, so the views (`kg viz -o DIR`) get a small stdlib static file server
on the next port.
"""

from __future__ import annotations

import functools
import http.server
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kzlinks.dataset.store import StoreDir
from kzlinks.errors import KGError, StoreError

DEFAULT_PORT = 7878
READY_SECONDS = 20.0
Say = Callable[[str], None]


def oxigraph_binary() -> str:
    """The server that `pip install oxigraph` puts beside this interpreter, else the one on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("oxigraph")
    if not found:
        raise KGError("the Oxigraph server is not installed: pip install oxigraph")
    return found


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, writable: bool) -> str | None:
    """A warning for a server that others can reach and change."""
    if writable and not is_loopback(host):
        return (
            f"warning: serving read-write on {host}: anyone who can reach this machine can change the served "
            "data and there is no authentication (drop --writable, or bind 127.0.0.1)"
        )
    return None


def _bind(host: str, port: int) -> str:
    return f"[{host.strip('[]')}]:{port}" if ":" in host else f"{host}:{port}"


def local_url(host: str, port: int) -> str:
    """The URL to reach a server bound to `host` from this machine (a wildcard host means loopback)."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host.strip("[]") == "::":
        host = "::1"
    return f"http://{_bind(host, port)}"


class OxigraphServer:
    """One `oxigraph serve[-read-only]` process on a store directory, with its output in a log file."""

    def __init__(
        self, location: Path, host: str, port: int, writable: bool, timeout: int, cors: bool, log: Path
    ) -> None:
        self.location, self.host, self.port = location, host, port
        self.writable, self.timeout, self.cors, self.log = writable, timeout, cors, log
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        mode = "serve" if self.writable else "serve-read-only"
        cmd = [
            oxigraph_binary(),
            mode,
            "--location",
            str(self.location),
            "--bind",
            _bind(self.host, self.port),
            "--union-default-graph",
            "--timeout-s",
            str(self.timeout),
        ]
        return cmd + (["--cors"] if self.cors else [])

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        probe = local_url(self.host, self.port) + "/query?" + urllib.parse.urlencode({"query": "ASK {}"})
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise KGError(f"the Oxigraph server stopped at once: {self.last_log_line()}")
            try:
                with urllib.request.urlopen(probe, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.stop()
        raise KGError(f"the Oxigraph server did not answer within {READY_SECONDS:g} s on {_bind(self.host, self.port)}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def last_log_line(self) -> str:
        try:
            lines = [line for line in self.log.read_text(errors="replace").splitlines() if line.strip()]
        except OSError:
            lines = []
        return lines[-1].strip() if lines else f"exit code {self.process.returncode if self.process else '?'}"

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


class _V6Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6


class ViewsServer:
    """The generated views as static files, from the stdlib's threading HTTP server."""

    def __init__(self, directory: Path, host: str, port: int) -> None:
        handler = functools.partial(_QuietFiles, directory=str(directory))
        server_class = _V6Server if ":" in host else http.server.ThreadingHTTPServer
        try:
            self.httpd = server_class((host.strip("[]"), port), handler)
        except OSError as exc:
            raise KGError(f"cannot serve the views on {_bind(host, port)}: {exc.strerror}") from None
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class ServeOptions:
    store: StoreDir
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    writable: bool = False
    views: Path | None = None
    views_port: int | None = None
    timeout: int = 60
    cors: bool = False


def _working_copy(store: StoreDir, workdir: Path) -> Path:
    """A read-write copy of the live snapshot; a checkpoint is hard-linked, so it is cheap at any size."""
    target = workdir / "oxigraph"
    store.open_read().backup(str(target))
    return target


def _live(store: StoreDir) -> Path:
    snapshot = store.current
    if snapshot is None:
        raise StoreError("no graph built yet: run `kg build` first", file=store.root)
    return snapshot


def _announce(options: ServeOptions, snapshot: Path, store: StoreDir, views: ViewsServer | None, say: Say) -> None:
    base = local_url(options.host, options.port)
    quads = f", {len(store.open_read())} quads"
    mode = "read-write working copy, discarded on exit" if options.writable else "read-only, follows rebuilds"
    say(f"serving {store.root} (snapshot {snapshot.name}{quads}; {mode})")
    say(f"  query page       {base}/")
    say(f"  SPARQL endpoint  {base}/query")
    if options.writable:
        say(f"  SPARQL update    {base}/update")
    say(f"  graph store      {base}/store")
    if views:
        say(f"  views            {local_url(options.host, views.httpd.server_address[1])}/   ({options.views})")
    else:
        say(f"  views            none: no folder {options.views} (write it with `kg viz -o DIR`, then --views DIR)")
    if options.host in ("0.0.0.0", "::", "[::]"):
        say(f"  listening on every interface of this machine ({options.host})")
    say("Ctrl-C stops the server.")


def serve(options: ServeOptions, say: Say = print, warn: Say = lambda m: print(m, file=sys.stderr)) -> int:
    """Run until interrupted (SIGINT or SIGTERM); restart the server when a build publishes a new snapshot."""
    snapshot = _live(options.store)
    warning = exposure_warning(options.host, options.writable)
    if warning:
        warn(warning)
    workdir = Path(tempfile.mkdtemp(prefix=".serve-", dir=options.store.root))
    previous = signal.signal(signal.SIGTERM, _interrupt)
    server = views = None
    try:
        location = _working_copy(options.store, workdir) if options.writable else snapshot / "oxigraph"
        server = OxigraphServer(
            location,
            options.host,
            options.port,
            options.writable,
            options.timeout,
            options.cors,
            workdir / "oxigraph.log",
        )
        server.start()
        if options.views and options.views.is_dir():
            next_port = options.port + 1 if options.port < 65535 else options.port - 1
            views = ViewsServer(options.views, options.host, options.views_port or next_port)
            views.start()
        _announce(options, snapshot, options.store, views, lambda m: say(m) or sys.stdout.flush())
        _watch(options, server, snapshot, warn)
    except KeyboardInterrupt:
        warn("kg serve: stopped")
    finally:
        signal.signal(signal.SIGTERM, previous)
        if views:
            views.stop()
        if server:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _watch(options: ServeOptions, server: OxigraphServer, snapshot: Path, warn: Say) -> None:
    while True:
        time.sleep(0.5)
        if not server.alive():
            raise KGError(f"the Oxigraph server stopped: {server.last_log_line()}")
        current = options.store.current
        if not options.writable and current is not None and current != snapshot:
            server.stop()
            snapshot, server.location = current, current / "oxigraph"
            server.start()
            warn(f"kg serve: now serving snapshot {snapshot.name}")


__all__ = ["serve", "ServeOptions", "exposure_warning", "oxigraph_binary", "DEFAULT_PORT"]
