"""A cold build's write: the dataset and its query index bulk-loaded from the same N-Quads text, side by side.

A cold build writes every graph at once. Oxigraph's bulk loader parses N-Quads text about twice as fast as
it takes one Python object per quad, and it releases the GIL while it parses and sorts. So the mapped
triples (already N-Triples lines: the graph digests are made of them) become one N-Quads text; a background
thread loads it into the dataset while the main thread loads the same text, followed by every distinct triple
once in the default graph, into the query index (kzlinks.dataset.queryindex), and then validates the index.
The dataset only has to be complete before the derived graph is written into it (`PendingStore.wait`).
Quads with blank nodes are added as objects, as before: a parser would give their nodes new labels.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyoxigraph
from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat


class PendingStore:
    """A store being written by a background thread; `wait` returns it once written, or raises what failed."""

    def __init__(self, path: Path, parts: list[bytes], quads: list[Quad]) -> None:
        self._path, self._parts, self._quads = path, parts, quads
        self._store: pyoxigraph.Store | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._write, name=f"kg-write-{path.name}", daemon=True)
        self._thread.start()

    def _write(self) -> None:
        try:
            store = pyoxigraph.Store(str(self._path))
            text, self._parts = io.BufferedReader(_Chain(self._parts), 1 << 20), []
            store.bulk_load(text, format=RdfFormat.N_QUADS)
            store.extend(self._quads)
            self._store = store
        except BaseException as exc:  # handed to the thread that waits
            self._error = exc

    def wait(self) -> pyoxigraph.Store:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._store is not None
        return self._store

    def settle(self) -> None:
        """Wait for the thread to end, whatever it did: before the snapshot it writes into is discarded."""
        self._thread.join()


class _Chain(io.RawIOBase):
    """Several byte strings read as one stream, without copying them into one (they are big at 1M triples)."""

    def __init__(self, parts: Iterable[bytes]) -> None:
        self._parts = [memoryview(p) for p in parts if p]
        self._parts.reverse()  # taken from the end, each released once read
        self._at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        filled = 0
        while self._parts and filled < len(buffer):
            part = self._parts[-1]
            size = min(len(buffer) - filled, len(part) - self._at)
            buffer[filled : filled + size] = part[self._at : self._at + size]
            filled, self._at = filled + size, self._at + size
            if self._at == len(part):
                self._parts.pop()
                self._at = 0
        return filled


def nquads(graphs: Mapping[str, list[str]]) -> list[bytes]:
    """Each graph's triples (N-Triples lines without the final dot) as N-Quads in that graph, in pieces: one
    string of it all would be copied once more to encode it, and at a million triples that is 200 MB."""
    return [_encoded(lines, f" {NamedNode(iri)} .\n") for iri, lines in graphs.items() if lines]


def ntriples(lines: Iterable[str], piece: int = 20_000) -> list[bytes]:
    """The lines as N-Triples (in the default graph of an N-Quads text), in pieces of `piece` lines."""
    pieces, batch = [], []
    for line in lines:
        batch.append(line)
        if len(batch) == piece:
            pieces.append(_encoded(batch, " .\n"))
            batch = []
    if batch:
        pieces.append(_encoded(batch, " .\n"))
    return pieces


def _encoded(lines: list[str], tail: str) -> bytes:
    return (tail.join(lines) + tail).encode("utf-8")


def write_both(
    dataset_dir: Path, index_dir: Path, graphs: Mapping[str, list[str]], union: Iterable[str], blank: list[Quad]
) -> tuple[PendingStore, PendingStore]:
    """Start writing the dataset (`graphs`: each graph's triples without blank nodes, plus the `blank` quads)
    and the query index (the same named graphs and, in the default graph, each distinct triple once;
    `union`: the distinct triples without blank nodes), each in its own thread."""
    text = nquads(graphs)
    default = DefaultGraph()
    index = PendingStore(
        index_dir, text + ntriples(union), blank + [Quad(q.subject, q.predicate, q.object, default) for q in blank]
    )
    return PendingStore(dataset_dir, text, list(blank)), index


__all__ = ["PendingStore", "write_both", "nquads", "ntriples"]
