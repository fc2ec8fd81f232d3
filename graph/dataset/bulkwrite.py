"""A big cold build's stores, bulk-loaded as N-Quads text rather than quad by quad.

A cold build writes every graph at once. Oxigraph's bulk loader parses N-Quads text about twice as fast as
it takes one Python object per quad (0.7 s against 1.6 s for 100k quads), and the mapped triples are
already N-Triples lines (the graph digests are made of them), so the text costs little. It is made as the
loader gets to it, in batches (`nquads_batches`, `ntriples_batches`), each graph's lines dropped once
encoded: one string of it all would be 200 MB more at a million triples. Quads with blank nodes are added
as objects: a parser would give their nodes new labels.

Batches, not one load: the loader holds about 1.5 kB per quad of the text it is given while it sorts and
writes it, on one core (a million quads in one call took 1.7 GB; in batches of 200k, 0.3 GB, for the same
time). So the query index is loaded by two threads side by side, the named graphs in one and the default
graph in the other (kzlinks.dataset.queryindex.load), which keeps both cores busy in less memory than one
load of everything took.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

import pyoxigraph
from pyoxigraph import DefaultGraph, NamedNode, RdfFormat


class _Chain(io.RawIOBase):
    """Several byte strings read as one stream, each made when the reader gets to it and released once
    read, without joining them."""

    def __init__(self, parts: Iterable[bytes]) -> None:
        self._parts = iter(parts)
        self._part = memoryview(b"")
        self._at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        filled = 0
        while filled < len(buffer):
            if self._at == len(self._part):
                part = next(self._parts, None)
                if part is None:
                    break
                self._part, self._at = memoryview(part), 0
                continue
            size = min(len(buffer) - filled, len(self._part) - self._at)
            buffer[filled : filled + size] = self._part[self._at : self._at + size]
            filled, self._at = filled + size, self._at + size
        return filled


def stream(parts: list[bytes] | Iterator[bytes]) -> io.BufferedReader:
    """The pieces as one readable stream for the bulk loader. A list is emptied as it is read, so that each
    piece is freed as soon as the loader has read it; an iterator's pieces are made as the loader gets to
    them."""
    return io.BufferedReader(_Chain(_taken(parts) if isinstance(parts, list) else parts), 1 << 20)


def _taken(parts: list[bytes]) -> Iterator[bytes]:
    parts.reverse()  # taken from the end
    while parts:
        yield parts.pop()


LOAD_QUADS = 200_000  # quads per bulk load: the loader holds about 1.5 kB a quad of its batch (1.7 GB at 1M)


def nquads_batches(graphs: dict[str, list[str]], size: int = LOAD_QUADS) -> Iterator[bytes]:
    """`graphs` (each graph's triples as N-Triples lines) as N-Quads text in batches of about `size` quads,
    each graph taken out of `graphs` once encoded: the text is never all made at once."""
    batch: list[bytes] = []
    count = 0
    while graphs:
        iri, lines = graphs.popitem()
        if lines:
            batch.append(_encoded(lines, f" {NamedNode(iri)} .\n"))
            count += len(lines)
        if count >= size:
            yield b"".join(batch)
            batch, count = [], 0
    if batch:
        yield b"".join(batch)


def ntriples_batches(triples: set[str], size: int = LOAD_QUADS) -> Iterator[bytes]:
    """A set of N-Triples lines as text in batches of `size` lines, each batch's lines taken out of the set."""
    while triples:
        yield _encoded([triples.pop() for _ in range(min(size, len(triples)))], " .\n")


def load_batches(
    store: pyoxigraph.Store, batches: Iterable[bytes], format: RdfFormat, to_graph: DefaultGraph | None = None
) -> None:
    """Bulk-load the batches one by one. The text is the build's own, made from terms Oxigraph already
    checked, so it is parsed leniently. (The loader sorts and writes a batch on one core; memory is the
    reason for batches, and two threads loading batches side by side keep both cores busy.)"""
    for batch in batches:
        store.bulk_load(batch, format=format, to_graph=to_graph, lenient=True)


def ntriples(lines: Iterable[str], piece: int = 20_000) -> list[bytes]:
    """The lines as N-Triples, in pieces of `piece` lines."""
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


__all__ = ["ntriples", "stream", "nquads_batches", "ntriples_batches", "load_batches"]
