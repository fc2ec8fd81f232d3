"""The front server: HTTP with a bounded number of threads, request checks, and the query page.

Why a Python front rather than Oxigraph's own server: every request is checked before any query runs
(size, origin, SERVICE, read-only), and the query then runs in a worker process that can be killed at the
deadline and whose memory is capped (kzlinks.server.pool). A flood cannot exhaust threads or connections:
a fixed set of threads serves a bounded queue of connections and anything beyond gets a 503 at once.

Cross-origin requests are refused unless `--cors ORIGIN` allows them: a browser sends `Origin` (and
`Sec-Fetch-Site`) with every request a page makes elsewhere, including the "simple" form POSTs that
need no preflight; `kg query --endpoint` and curl send neither. A server bound to the loopback also
refuses Host names other than the loopback's, so a DNS-rebinding page cannot reach it either.
"""

from __future__ import annotations

import http.server
import queue
import resource
import selectors
import socket
import socketserver
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from kzlinks.server.page import PageAssets
from kzlinks.server.pool import Router, WorkerFailed
from kzlinks.sparql.service import uses_service

MAX_BODY = 1 << 20  # a query or update larger than 1 MB is refused
MAX_GRAPH_BODY = 16 << 20  # a graph sent to a writable server's graph store
HANDLER_THREADS = 32
QUEUED_CONNECTIONS = 64
LISTEN_BACKLOG = 128
MAX_IDLE_CONNECTIONS = 4096  # connections that have sent nothing yet
READ_TIMEOUT = 10.0  # seconds a client may take to send its request
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


class BoundedServer(socketserver.TCPServer):
    """A TCP server whose connections wait in a selector until they have sent something, then are served by a
    fixed set of threads from a bounded queue: idle or flooding clients cost a file descriptor, never a thread,
    and when every thread is busy the answer is an immediate 503."""

    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: tuple[str, int], handler, threads: int = HANDLER_THREADS) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.waiting: queue.Queue = queue.Queue(QUEUED_CONNECTIONS)
        self.arrivals: queue.SimpleQueue = queue.SimpleQueue()
        self.max_idle = max(64, min(MAX_IDLE_CONNECTIONS, _raise_file_limit() // 2))
        super().__init__(address, handler)  # binds: a busy port raises here, before any thread starts
        self.threads = [threading.Thread(target=self._serve_queue, daemon=True) for _ in range(threads)]
        self.threads.append(threading.Thread(target=self._waiting_room, daemon=True))
        for thread in self.threads:
            thread.start()

    def process_request(self, request, client_address) -> None:
        self.arrivals.put((request, client_address, time.monotonic()))

    def _waiting_room(self) -> None:
        """Hold connections until their request starts to arrive; drop those silent for READ_TIMEOUT."""
        selector = selectors.DefaultSelector()
        since: dict[socket.socket, tuple] = {}
        while not self.stopping.is_set():
            while True:
                try:
                    request, address, arrived = self.arrivals.get_nowait()
                except queue.Empty:
                    break
                if len(since) >= self.max_idle:  # the oldest idle connection makes room
                    oldest = min(since, key=lambda s: since[s][1])
                    selector.unregister(oldest)
                    del since[oldest]
                    self.shutdown_request(oldest)
                selector.register(request, selectors.EVENT_READ)
                since[request] = (address, arrived)
            for key, _ in selector.select(timeout=0.02):
                request = cast(socket.socket, key.fileobj)
                selector.unregister(request)
                address, _ = since.pop(request)
                try:
                    self.waiting.put_nowait((request, address))
                except queue.Full:
                    self._refuse_busy(request)
            now = time.monotonic()
            for request in [s for s, (_, arrived) in since.items() if now - arrived > READ_TIMEOUT]:
                selector.unregister(request)
                del since[request]
                self.shutdown_request(request)
        for request in since:
            self.shutdown_request(request)

    def _refuse_busy(self, request: socket.socket) -> None:
        """A 503 written at once, after reading what the client sent (closing unread data resets the line)."""
        try:
            request.settimeout(0.5)
            request.recv(65536)
            body = b"the server is busy: try again shortly\n"
            request.sendall(
                b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nRetry-After: 1\r\n"
                b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
            )
        except OSError:
            pass
        self.shutdown_request(request)

    def _serve_queue(self) -> None:
        while True:
            item = self.waiting.get()
            if item is None:
                return
            request, client_address = item
            try:
                self.finish_request(request, client_address)
            except Exception:  # noqa: BLE001 - one bad connection must not end the thread
                pass
            finally:
                self.shutdown_request(request)

    def handle_error(self, request, client_address) -> None:
        """No traceback on the terminal for a client that misbehaves."""

    def server_close(self) -> None:
        super().server_close()
        self.stopping.set()
        for _ in self.threads:
            try:
                self.waiting.put_nowait(None)
            except queue.Full:
                break


def _raise_file_limit() -> int:
    """Let the server hold as many connections as the system allows this process; the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        return hard
    except (ValueError, OSError):
        return soft


@dataclass
class FrontConfig:
    router: Router
    page: PageAssets
    writable: bool = False
    allow_service: bool = False
    cors: list[str] = field(default_factory=list)  # origins allowed, "*" for any
    loopback_only: bool = True  # refuse Host names other than the loopback's
    on_request: Callable[[int], None] | None = None  # called with each response's status (for tests/figures)


def _host_name(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class SparqlHandler(http.server.BaseHTTPRequestHandler):
    """/ the query page, /query the SPARQL 1.1 Protocol, /store the Graph Store Protocol, /update when
    writable (and graph store writes)."""

    server_version = "kzlinks-kg"
    timeout = READ_TIMEOUT
    config: FrontConfig  # set on a subclass by make_handler

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass

    # ------------------------------------------------------------------ routing

    def do_GET(self) -> None:
        self._route("GET")

    def do_HEAD(self) -> None:
        self._route("HEAD")

    def do_POST(self) -> None:
        self._route("POST")

    def do_OPTIONS(self) -> None:
        origin = self.headers.get("Origin")
        if self._refused_origin():
            return
        self._send(
            204,
            "text/plain",
            b"",
            {
                "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
                "Access-Control-Allow-Headers": "Content-Type, Accept",
                "Access-Control-Max-Age": "600",
            }
            if origin
            else {},
        )

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def do_PATCH(self) -> None:
        self._error(405, "PATCH is not supported")

    def _route(self, method: str) -> None:
        if self._refused_origin():
            return
        path, _, query_string = self.path.partition("?")
        if path == "/query":
            self._query(method, query_string)
        elif path == "/update":
            self._update(method)
        elif path == "/store":
            self._graph_store(method, query_string)
        elif method in ("GET", "HEAD") and path in self.config.page.files:
            content_type, body = self.config.page.files[path]
            self._send(200, content_type, body, {"Content-Security-Policy": self.config.page.policy})
        else:
            self._error(404, f"no such page: {path[:100]} (the SPARQL endpoint is /query)")

    # ------------------------------------------------------------------ origin and host checks

    def _own_origin(self) -> str:
        return "http://" + self.headers.get("Host", "")

    def _allowed_origin(self, origin: str) -> bool:
        return origin == self._own_origin() or "*" in self.config.cors or origin in self.config.cors

    def _refused_origin(self) -> bool:
        """403 for a request from another site's page (unless --cors allows it) or a foreign Host name."""
        host = _host_name(self.headers.get("Host", ""))
        if self.config.loopback_only and host not in LOOPBACK_NAMES:
            self._error(403, f"Host {host[:60]!r} refused: this server answers on the loopback only")
            return True
        origin = self.headers.get("Origin")
        site = (self.headers.get("Sec-Fetch-Site") or "").lower()
        if origin and origin != "null" and self._allowed_origin(origin):
            return False
        if origin or site in ("cross-site", "same-site"):
            self._error(403, "cross-origin request refused (start kg serve with --cors ORIGIN to allow a site)")
            return True
        return False

    # ------------------------------------------------------------------ SPARQL

    def _read_body(self, limit: int = MAX_BODY) -> bytes | None:
        length = self.headers.get("Content-Length")
        if length is None:
            self._error(411, "a POST needs a Content-Length")
            return None
        try:
            size = int(length)
        except ValueError:
            self._error(400, "bad Content-Length")
            return None
        if size < 0 or size > limit:
            self._error(413, f"request body larger than {limit // 1024} KB")
            return None
        return self.rfile.read(size)

    def _operation(self, method: str, query_string: str, key: str) -> tuple[str, dict[str, list[str]]] | None:
        """The query (or update) text and the protocol parameters, from a GET or either kind of POST."""
        if method in ("GET", "HEAD"):
            if len(query_string) > MAX_BODY:
                self._error(414, "query string too long")
                return None
            params = urllib.parse.parse_qs(query_string, max_num_fields=1000)
        else:
            body = self._read_body()
            if body is None:
                return None
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            params = urllib.parse.parse_qs(query_string, max_num_fields=1000)
            if content_type == "application/x-www-form-urlencoded":
                params.update(urllib.parse.parse_qs(body.decode("utf-8", "replace"), max_num_fields=1000))
            elif content_type == f"application/sparql-{key}":
                params[key] = [body.decode("utf-8", "replace")]
            else:
                self._error(415, f"send application/sparql-{key} or a form with '{key}'")
                return None
        texts = params.get(key, [])
        if len(texts) != 1:
            self._error(400, f"give exactly one '{key}' parameter")
            return None
        return texts[0], params

    def _query(self, method: str, query_string: str) -> None:
        if method not in ("GET", "HEAD", "POST"):
            self._error(405, "GET or POST a query")
            return
        operation = self._operation(method, query_string, "query")
        if operation is None:
            return
        text, params = operation
        if not self._service_allowed(text):
            return
        request = {
            "query": text,
            "accept": self.headers.get("Accept") or "*/*",
            "default_graphs": params.get("default-graph-uri", []),
            "named_graphs": params.get("named-graph-uri", []),
        }
        self._run(request, head=method == "HEAD")

    def _update(self, method: str) -> None:
        if not self.config.writable:
            self._error(403, "this endpoint is read-only (kg serve --writable serves a working copy)")
            return
        if method != "POST":
            self._error(405, "POST an update")
            return
        operation = self._operation(method, "", "update")
        if operation is None:
            return
        text, _ = operation
        if self._service_allowed(text):
            self._run({"update": text})

    def _graph_store(self, method: str, query_string: str) -> None:
        """SPARQL 1.1 Graph Store HTTP Protocol: ?graph=IRI or ?default; reads always, writes when writable."""
        params = urllib.parse.parse_qs(query_string, keep_blank_values=True, max_num_fields=10)
        graphs = params.get("graph", [])
        if len(graphs) > 1 or (graphs and "default" in params):
            self._error(400, "give one graph: ?graph=IRI or ?default")
            return
        graph = graphs[0] if graphs else ("" if "default" in params else None)
        request = {"gsp": "GET" if method == "HEAD" else method, "graph": graph, "accept": self.headers.get("Accept")}
        if method in ("PUT", "POST", "DELETE"):
            if not self.config.writable:
                self._error(403, "this endpoint is read-only (kg serve --writable serves a working copy)")
                return
            body = b"" if method == "DELETE" else self._read_body(MAX_GRAPH_BODY)
            if body is None:
                return
            request.update(content_type=self.headers.get("Content-Type") or "", body=body.hex())
        elif method not in ("GET", "HEAD"):
            self._error(405, "GET, PUT, POST or DELETE a graph")
            return
        self._run(request, head=method == "HEAD")

    def _service_allowed(self, text: str) -> bool:
        if not self.config.allow_service and uses_service(text):
            self._error(403, "SERVICE (a federated query to another server) is refused (kg serve --allow-service)")
            return False
        return True

    def _run(self, request: dict, head: bool = False) -> None:
        try:
            answer = self.config.router.run(request)
        except WorkerFailed as failure:
            headers = {"Retry-After": "1"} if failure.status == 503 else {}
            self._error(failure.status, failure.reason, headers)
            return
        try:
            self._send(
                answer.status, answer.content_type, b"" if head else answer.body, content_length=len(answer.body)
            )
        finally:
            answer.sent()

    # ------------------------------------------------------------------ responses

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, "text/plain", (message + "\n").encode("utf-8", "replace"), headers)

    def _send(
        self,
        status: int,
        content_type: str,
        body: bytes,
        headers: dict[str, str] | None = None,
        content_length: int | None = None,
    ) -> None:
        self.close_connection = True
        try:
            self.send_response(status)
            if status != 204:
                charset = "; charset=utf-8" if content_type.startswith(("text/", "application/sparql-results")) else ""
                self.send_header("Content-Type", content_type + charset)
                self.send_header("Content-Length", str(len(body) if content_length is None else content_length))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Connection", "close")
            origin = self.headers.get("Origin") if self.headers else None
            if origin and self._allowed_origin(origin) and origin != self._own_origin():
                self.send_header("Access-Control-Allow-Origin", "*" if "*" in self.config.cors else origin)
                self.send_header("Vary", "Origin")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if body:
                self.wfile.write(body)
        except OSError:
            pass  # the client went away
        if self.config.on_request:
            self.config.on_request(status)


def make_handler(config: FrontConfig) -> type[SparqlHandler]:
    return type("BoundSparqlHandler", (SparqlHandler,), {"config": config})


__all__ = ["BoundedServer", "FrontConfig", "SparqlHandler", "make_handler", "MAX_BODY"]
