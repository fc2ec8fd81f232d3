"""One query worker: a process that opens a snapshot's store and answers queries sent down a pipe.

Why a process per worker: pyoxigraph cannot cancel a query, and a runaway one (a cross product sorted by
ORDER BY) grows without end. A process can be killed at the deadline and replaced, and its address space
capped (RLIMIT_AS) so that one query cannot take the machine's memory: past the cap the allocation fails,
the process dies, and the front server answers with an error and starts a new worker.

The worker reads the snapshot's query index (graph/dataset/queryindex.py) as `kg query` does: its default
graph holds every triple once, and every named graph is there for `GRAPH ?g`. A snapshot without an index
is read with Oxigraph's union default graph instead.

Wire format, both ways: a 4-byte big-endian length and a JSON header, then for replies an 8-byte length and
the body. Run as `python -m kzlinks.server.worker STORE_DIR UNION WRITABLE MEMORY_MB`.
"""

from __future__ import annotations

import io
import json
import os
import resource
import struct
import sys
from typing import IO, Any, BinaryIO, cast

import pyoxigraph as ox

RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
}


class TooLarge(Exception):
    """The answer grew past the size a reply may have."""


class CappedBuffer(io.RawIOBase):
    """A write-only buffer that refuses to grow past `limit` bytes, so a huge answer fails cleanly."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise TooLarge
        self.parts.append(bytes(data))
        return len(data)

    def value(self) -> bytes:
        return b"".join(self.parts)


def negotiate(accept: str, formats: dict) -> tuple[str, Any] | None:
    """The first media type in the Accept header (by q, then order) that `formats` has; the first of
    `formats` when the client takes anything; None when it takes none of them."""
    ranked = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        ranked.append((-q, position, media.lower()))
    for minus_q, _, media in sorted(ranked):
        if minus_q == 0:
            continue
        if media in formats:
            return media, formats[media]
        if media in ("*/*", "application/*", "text/*", ""):
            first = next(iter(formats))
            return first, formats[first]
    return None


def _graphs(iris: list[str]) -> list:
    return [ox.DefaultGraph() if iri == "" else ox.NamedNode(iri) for iri in iris]


DATASET_FORMATS = {"application/n-quads": ox.RdfFormat.N_QUADS, "application/trig": ox.RdfFormat.TRIG}


def _text(status: int, message: str) -> tuple[dict, bytes]:
    return {"status": status, "type": "text/plain"}, (message + "\n").encode()


def graph_store(store: ox.Store, request: dict, limit: int) -> tuple[dict, bytes]:
    """The SPARQL 1.1 Graph Store HTTP Protocol: GET a graph (or the whole dataset), PUT, POST or DELETE one.
    `graph` is an IRI, "" for the default graph, or None for the dataset (GET only)."""
    method, iri = request["gsp"], request.get("graph")
    target = None if iri is None else (ox.DefaultGraph() if iri == "" else ox.NamedNode(iri))
    if isinstance(target, ox.NamedNode) and method in ("GET", "DELETE") and not store.contains_named_graph(target):
        return _text(404, f"no graph <{iri}> in this store")
    if method == "GET":
        formats = DATASET_FORMATS if target is None else GRAPH_FORMATS
        chosen = negotiate(request.get("accept") or "*/*", formats)
        if chosen is None:
            return _text(406, f"no acceptable format; this comes as {', '.join(formats)}")
        buffer = CappedBuffer(limit)
        try:
            store.dump(cast(IO[bytes], buffer), chosen[1], from_graph=target)
        except TooLarge:
            return _text(500, f"the graph is larger than {limit // 2**20} MB")
        return {"status": 200, "type": chosen[0]}, buffer.value()
    if target is None:
        return _text(400, "name a graph: ?graph=IRI or ?default")
    if method == "DELETE":
        if isinstance(target, ox.NamedNode):
            store.remove_graph(target)
        else:
            store.clear_graph(target)
        return {"status": 204}, b""
    media = (request.get("content_type") or "").split(";")[0].strip().lower()
    fmt = GRAPH_FORMATS.get(media) or (ox.RdfFormat.JSON_LD if media == "application/ld+json" else None)
    if fmt is None:
        return _text(415, f"send the graph as one of {', '.join(GRAPH_FORMATS)}")
    existed = isinstance(target, ox.DefaultGraph) or store.contains_named_graph(target)
    parsed = ox.Store()  # parse first: a bad body leaves the store as it was
    try:
        parsed.load(bytes.fromhex(request["body"]), fmt, to_graph=target)
    except (SyntaxError, ValueError) as exc:
        return _text(400, f"cannot read the graph: {exc}")
    if method == "PUT" and existed:
        store.clear_graph(target)
    store.extend(list(parsed))
    return {"status": 204 if existed else 201}, b""


def answer(store: ox.Store, union: bool, request: dict, limit: int) -> tuple[dict, bytes]:
    """Run one request; (header, body), where the header holds the HTTP status and content type."""
    try:
        if "gsp" in request:
            return graph_store(store, request, limit)
        if "update" in request:
            store.update(request["update"])
            return {"status": 204}, b""
        kwargs: dict[str, Any] = {}
        if request.get("default_graphs") or request.get("named_graphs"):
            kwargs["default_graph"] = _graphs(request.get("default_graphs") or [])
            kwargs["named_graphs"] = _graphs(request.get("named_graphs") or []) or None
        else:
            kwargs["use_default_graph_as_union"] = union
        result = store.query(request["query"], **kwargs)
    except SyntaxError as exc:
        return {"status": 400, "type": "text/plain"}, f"SPARQL syntax error: {exc}\n".encode()
    except (OSError, ValueError, TypeError) as exc:
        return {"status": 400, "type": "text/plain"}, f"query failed: {exc}\n".encode()
    graph = isinstance(result, ox.QueryTriples)
    chosen = negotiate(request.get("accept") or "*/*", GRAPH_FORMATS if graph else RESULT_FORMATS)
    if chosen is None:
        offered = ", ".join(GRAPH_FORMATS if graph else RESULT_FORMATS)
        return {"status": 406, "type": "text/plain"}, f"no acceptable format; this answer comes as {offered}\n".encode()
    media, fmt = chosen
    buffer = CappedBuffer(limit)
    try:
        result.serialize(cast(IO[bytes], buffer), fmt)
    except TooLarge:
        mb = limit // 2**20
        return {"status": 500, "type": "text/plain"}, f"the answer is larger than {mb} MB: add a LIMIT\n".encode()
    except (OSError, ValueError) as exc:
        return {"status": 500, "type": "text/plain"}, f"query failed: {exc}\n".encode()
    return {"status": 200, "type": media}, buffer.value()


def read_exact(stream: BinaryIO, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def write_reply(stream: BinaryIO, header: dict, body: bytes) -> None:
    head = json.dumps(header).encode()
    stream.write(struct.pack(">I", len(head)) + head + struct.pack(">Q", len(body)) + body)
    stream.flush()


def cap_memory(megabytes: int) -> None:
    """Cap the address space at what the open store already takes plus `megabytes` for queries."""
    if megabytes <= 0:
        return
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    soft = pages * resource.getpagesize() + megabytes * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (soft, soft))


def die_with_parent() -> None:
    """Ask Linux to kill this worker when kg serve dies, even by SIGKILL, so no query outlives it."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the worker still exits when its input closes


def main(argv: list[str]) -> int:
    die_with_parent()
    location, union, writable, megabytes = argv[0], argv[1] == "1", argv[2] == "1", int(argv[3])
    store = ox.Store(location) if writable else ox.Store.read_only(location)
    limit = max(1, megabytes // 2) * 2**20 if megabytes > 0 else 2**40
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    bool(store.query("ASK {}"))  # warm up before saying ready
    cap_memory(megabytes)
    write_reply(stdout, {"ready": os.getpid()}, b"")
    while True:
        try:
            (size,) = struct.unpack(">I", read_exact(stdin, 4))
            request = json.loads(read_exact(stdin, size))
        except EOFError:
            return 0
        try:
            header, body = answer(store, union, request, limit)
        except MemoryError:
            header, body = {"status": 500, "type": "text/plain", "memory": True}, b"out of memory\n"
        write_reply(stdout, header, body)
        if writable and header.get("status") in (201, 204):
            store.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
