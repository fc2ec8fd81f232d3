"""A cold build's reading and mapping, shared out to two worker processes.

Reading a fact file (YAML, checks, quotes found in the article) and mapping it to triples is Python work,
one file at a time, and on a cold build it is half the build: a second core would otherwise sit idle. The
work splits where the facts do: every file is read and checked on its own; the entities are merged over
every file's declarations (the build does that, in its own process, from the files' summaries); then every
file is mapped on its own against the merged entities.

So two worker processes, forked when the read starts, each read files as they are handed out (whichever
worker is free takes the next), keep the checked facts and send back the small summary; once the build has
merged the entities, it sends them to both, and each maps the files it read, sends back each graph's
triples as N-Triples lines (with their digest: the same lines and digests `pipeline` makes in one process)
and saves the file's fact-cache entry. The facts themselves never cross a pipe.

Everything comes back in file order, so the build sees what it would have seen reading the files one by
one: the same entries, the same first error (`FILE:LINE: item: message`, raised as the worker raised it),
the files before a bad one read and kept. A worker that dies leaves its files to the build's own process.
Workers are forked only when the build's process runs no other thread (a fork copies only the calling
thread), the fact files are big enough to pay for two processes and the machine has a core to spare (the
load average); otherwise the build reads in process. The result is the same either way.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from rdflib import URIRef

from kzlinks.dataset.mapping import digest_lines, map_fact_file, triple_line
from kzlinks.facts.cache import Entry, FactCache, context_key
from kzlinks.facts.reader import EntityInfo
from kzlinks.facts.vocabulary import OntologyIndex

WORKERS = 2
MIN_BYTES = 1_500_000  # fact files smaller than this in all (about 30k triples) are read in the build's process
IN_FLIGHT = 2  # files handed to a worker before it answers: it never waits for the next one


GraphLines = dict[str, list[str]]  # graph IRI -> its distinct triples as N-Triples lines, in mapping order
GraphDigests = dict[str, tuple[str, int]]  # graph IRI -> (digest, triple count)


@dataclass
class MappedFile:
    """One fact file mapped: its graphs' lines and digests (the entry's graphs updated, and saved if `stored`)."""

    lines: GraphLines
    digests: GraphDigests


def map_entry(entry: Entry, entities: dict[str, EntityInfo], index: OntologyIndex, cache: FactCache) -> MappedFile:
    """Map one file read on a cold build: each graph's triples once (a file may state one twice), compared
    by their lines (a quad hashes slowly), and the entry's graph digests for this context."""
    context = context_key(entry.summary, entities)
    graphs = map_fact_file(cache.full(entry, index), entities, index, dedupe=False)
    entry.facts = None  # mapped: the checked facts are not needed any more
    lines: GraphLines = {}
    digests: GraphDigests = {}
    for iri, quads in graphs.items():
        unique = list(dict.fromkeys(triple_line(q) for q in quads))
        lines[iri], digests[iri] = unique, (digest_lines(unique), len(unique))
    if entry.graphs.get(context) != digests:
        entry.graphs, entry.stored = {context: digests}, False
    return MappedFile(lines, digests)


def spare_core() -> bool:
    """Whether a core is free for a second process: the last minute's load leaves at least one idle. On a
    machine already busy, two processes only add their pickling to the work (measured: slower)."""
    try:
        return os.getloadavg()[0] <= (os.cpu_count() or 1) - 1
    except OSError:
        return False


def worthwhile(paths: list[Path]) -> bool:
    """Whether two worker processes pay for themselves, and can be forked safely."""
    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return False
    if threading.active_count() > 1 or len(paths) < 2 * WORKERS or not spare_core():
        return False
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except OSError:
            return False  # the reader says what is wrong with it, in process
        if total >= MIN_BYTES:
            return True
    return False


# --- the worker's side -----------------------------------------------------------------------------


def _serve(conn: Connection, cache: FactCache, index: OntologyIndex) -> None:
    """A worker: read the files it is given, keeping their entries; map them once the entities come."""
    held: dict[int, Entry] = {}
    entities: dict[str, EntityInfo] = {}
    saving = True
    try:
        while True:
            message = conn.recv()
            if message[0] == "read":
                _, number, path = message
                try:
                    entry = held[number] = cache.read(path, index)
                except Exception as exc:
                    conn.send(("error", number, _portable(exc)))
                    continue
                conn.send(("read", number, _without_facts(entry)))
            elif message[0] == "entities":
                entities = _unpack_entities(message[1])
            elif message[0] == "map":
                for number in message[1]:
                    entry = held.pop(number)
                    try:
                        mapped = map_entry(entry, entities, index, cache)
                    except Exception as exc:
                        conn.send(("error", number, _portable(exc)))
                        continue
                    saving = saving and cache.keep(entry)
                    conn.send(("mapped", number, (mapped, entry.graphs, entry.stored)))
            else:
                return
    except (EOFError, OSError, KeyboardInterrupt):
        return  # the build stopped (it failed, or was interrupted): it says why


def _without_facts(entry: Entry) -> Entry:
    return Entry(entry.key, entry.summary, entry.graphs, None, entry.stored, entry.fresh)


def _portable(exc: Exception) -> Exception:
    """The error as the build will raise it: itself if it survives the pipe, else its text and traceback."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        text = "".join(traceback.format_exception(exc)).strip()
        return RuntimeError(f"{type(exc).__name__}: {exc} (in a fact-reading worker)\n{text}")


# entities cross the pipe as plain rows: pickling EntityInfo objects (URIRefs, Paths) is ten times slower


def _pack_entities(entities: Mapping[str, EntityInfo]) -> tuple[list[str], list[str], list[tuple]]:
    terms: dict[str, int] = {}
    paths: dict[str, int] = {}
    rows = []
    for info in entities.values():
        types = [terms.setdefault(str(t), len(terms)) for t in info.types]
        supers = [terms.setdefault(str(t), len(terms)) for t in info.superclasses]
        where = paths.setdefault(str(info.where[0]), len(paths))
        rows.append((info.id, types, info.label, where, info.where[1], supers, info.same_as))
    return list(terms), list(paths), rows


def _unpack_entities(packed: tuple[list[str], list[str], list[tuple]]) -> dict[str, EntityInfo]:
    term_texts, path_texts, rows = packed
    terms = [URIRef(t) for t in term_texts]
    paths = [Path(p) for p in path_texts]
    return {
        entity_id: EntityInfo(
            entity_id, [terms[t] for t in types], label, (paths[where], line), {terms[t] for t in supers}, same_as
        )
        for entity_id, types, label, where, line, supers, same_as in rows
    }


# --- the build's side ------------------------------------------------------------------------------


class _Worker:
    def __init__(self, cache: FactCache, index: OntologyIndex) -> None:
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, cache, index), name="kg-read", daemon=True)
        self.process.start()
        child.close()
        self.busy = 0  # files handed out and not answered yet
        self.alive = True

    def send(self, message: tuple) -> bool:
        if not self.alive:
            return False
        try:
            self.conn.send(message)
            return True
        except OSError:
            self.alive = False
            return False


class Workers:
    """Two forked workers reading and mapping fact files for one cold build; `close()` when done."""

    def __init__(self, cache: FactCache, index: OntologyIndex, count: int = WORKERS) -> None:
        self.cache, self.index = cache, index
        self.workers: list[_Worker] = []
        try:
            for _ in range(count):
                self.workers.append(_Worker(cache, index))
        except OSError:
            self.close()
            raise
        self.owner: dict[int, _Worker | None] = {}  # file number -> the worker holding its facts (None: here)

    def read(self, paths: list[Path]) -> Iterator[Entry]:
        """Every file's entry, in order; the first bad file's error is raised once the files before it are
        given (the workers read ahead; what they read past it is dropped)."""
        pending = list(range(len(paths)))
        pending.reverse()  # handed out from the end
        done: dict[int, Entry | Exception] = {}

        def hand_out(worker: _Worker) -> None:
            while worker.busy < IN_FLIGHT and pending and worker.send(("read", pending[-1], paths[pending[-1]])):
                self.owner[pending.pop()], worker.busy = worker, worker.busy + 1

        for worker in self.workers:
            hand_out(worker)
        for number in range(len(paths)):
            while number not in done:
                if self._waiting_for(number):
                    for worker, message in self._next():
                        if message is not None:
                            kind, got, value = message
                            worker.busy -= 1
                            done[got] = value
                            if kind == "error":
                                pending.clear()  # every file before it was handed out already
                            hand_out(worker)
                else:  # not handed out, or its worker was lost: read here
                    if number in pending:
                        pending.remove(number)
                    done[number] = self._read_here(paths[number], number)
            result = done.pop(number)
            if isinstance(result, Exception):
                raise result
            yield result

    def _waiting_for(self, number: int) -> bool:
        """Whether a live worker has the file, or will be handed it when one answers."""
        worker = self.owner.get(number)
        if worker is not None:
            return worker.alive
        return any(w.alive and w.busy for w in self.workers)

    def _read_here(self, path: Path, number: int) -> Entry | Exception:
        self.owner[number] = None
        try:
            return self.cache.read(path, self.index)
        except Exception as exc:
            return exc

    def map(self, entries: list[Entry], entities: dict[str, EntityInfo]) -> Iterator[tuple[Entry, MappedFile]]:
        """Each entry (as `read` gave them) mapped by the worker that read it, in order; the entries are
        updated with their graph digests and whether the cache holds them now."""
        packed = _pack_entities(entities)
        for worker in self.workers:
            mine = [n for n, w in self.owner.items() if w is worker]
            if mine and not (worker.send(("entities", packed)) and worker.send(("map", mine))):
                worker.alive = False
        done: dict[int, tuple | Exception] = {}
        for number, entry in enumerate(entries):
            owner = self.owner.get(number)
            while number not in done and owner is not None and owner.alive:
                for _, message in self._next():
                    if message is not None:
                        done[message[1]] = message[2]
            result = done.pop(number, None)
            if result is None:  # read here, or its worker was lost: mapped here (its YAML read again)
                yield entry, map_entry(entry, entities, self.index, self.cache)
                continue
            if isinstance(result, Exception):
                raise result
            mapped, entry.graphs, entry.stored = result
            yield entry, mapped

    def _next(self) -> list[tuple[_Worker, tuple | None]]:
        """The messages the workers have sent (waiting for at least one); None from a worker that died."""
        alive = {w.conn: w for w in self.workers if w.alive}
        if not alive:
            return []
        found: list[tuple[_Worker, tuple | None]] = []
        for ready in wait(list(alive)):
            worker = alive[ready]  # type: ignore[index]
            try:
                found.append((worker, worker.conn.recv()))
            except (EOFError, OSError):
                worker.alive = False
                found.append((worker, None))
        return found

    def close(self) -> None:
        """Stop the workers (at once: whatever they still do is not wanted)."""
        for worker in self.workers:
            worker.send(("stop",))
            worker.conn.close()
        for worker in self.workers:
            worker.process.join(1)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()


def start(paths: list[Path], cache: FactCache, index: OntologyIndex) -> Workers | None:
    """Workers for a cold build of `paths`, or None when the build reads in its own process (also when
    no process can be forked: they only save time)."""
    if not worthwhile(paths):
        return None
    try:
        return Workers(cache, index)
    except OSError:
        return None


__all__ = ["Workers", "MappedFile", "map_entry", "start", "worthwhile", "spare_core"]
