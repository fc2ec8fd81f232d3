"""`kg build`: fact files in, a validated store out, replaced atomically and incrementally.

Every graph gets a digest; a rebuild compares them with the live snapshot's manifest and touches only
the graphs that changed, re-validating just those (with the entity types they refer to as context).
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat

from ontology import ONTOLOGY_FILE

from .analysis import derive_snapshot
from .errors import FactFileError, KGError, StoreError
from .facts import FactFile, read_fact_file, resolve
from .mapping import GraphQuads, map_fact_file, source_quads
from .namespaces import ONTOLOGY_GRAPH, REFERENCE_GRAPH, SOURCES_GRAPH
from .ontology_index import load_index, parse_ontology
from .reference import read_reference, reference_files
from .store import Manifest, StoreDir
from .validation import check, to_rdflib

PACKAGED_FACTS = Path(__file__).resolve().parent / "facts"
Progress = Callable[[str], None]


@dataclass
class BuildReport:
    fact_files: int
    entities: int
    statements: int
    graphs: int
    graphs_written: int
    graphs_removed: int
    quads: int
    validated_triples: int
    seconds: float
    snapshot: Path | None

    @property
    def unchanged(self) -> bool:
        return self.snapshot is None


def collect_fact_files(extra: Iterable[Path] = (), packaged: bool = True) -> list[Path]:
    """The packaged fact files plus every file, or every *.yaml in every folder, the user names."""
    paths = sorted(PACKAGED_FACTS.glob("*.yaml")) if packaged else []
    for item in extra:
        item = Path(item)
        if item.is_dir():
            paths += sorted(item.glob("*.yaml"))
        elif item.is_file():
            paths.append(item)
        else:
            raise FactFileError("no such file or folder", file=item)
    keys: dict[str, Path] = {}
    for path in paths:
        if path.stem in keys and keys[path.stem].resolve() != path.resolve():
            raise FactFileError(f"a fact file named '{path.stem}' is already loaded from {keys[path.stem]}", file=path)
        keys[path.stem] = path
    return list(dict.fromkeys(p.resolve() for p in paths))


def digest(quads: list[Quad]) -> str:
    """Order-free digest of a graph; blank node labels differ per parse, so they are left out."""
    lines = sorted(str(q) if not _has_blank(q) else _blank_free(q) for q in quads)
    return hashlib.sha1("\n".join(lines).encode("utf-8")).hexdigest()


def _has_blank(q: Quad) -> bool:
    return isinstance(q.subject, BlankNode) or isinstance(q.object, BlankNode)


def _blank_free(q: Quad) -> str:
    return " ".join("_:" if isinstance(t, BlankNode) else str(t) for t in (q.subject, q.predicate, q.object))


def assemble(paths: list[Path], source_dirs: tuple[Path, ...] = ()) -> tuple[GraphQuads, list[FactFile], dict]:
    """Read, check and map every input into quads grouped by named graph."""
    index = load_index()
    files = [read_fact_file(p, index, source_dirs) for p in paths]
    entities = resolve(files, index)
    graphs: GraphQuads = {}
    for facts in files:
        graphs.update(map_fact_file(facts, entities, index))
    graphs[str(SOURCES_GRAPH)] = source_quads(files)
    graphs[str(REFERENCE_GRAPH)] = read_reference(reference_files(), entities, index)
    onto = NamedNode(str(ONTOLOGY_GRAPH))
    graphs[str(ONTOLOGY_GRAPH)] = [Quad(t.subject, t.predicate, t.object, onto)
                                   for t in pyoxigraph.parse(path=str(ONTOLOGY_FILE), format=RdfFormat.TURTLE)]
    return graphs, files, entities


def _focus_nodes(graphs: GraphQuads, changed: set[str]) -> list[str] | None:
    """The subjects of changed graphs; None (everything) when the ontology itself changed."""
    if str(ONTOLOGY_GRAPH) in changed:
        return None
    return sorted({q.subject.value for iri in changed for q in graphs[iri] if isinstance(q.subject, NamedNode)})


def build(extra_facts: Iterable[Path] = (), store: StoreDir | None = None, source_dirs: Iterable[Path] = (),
          full: bool = False, packaged: bool = True, progress: Progress = lambda _: None) -> BuildReport:
    """Build (or incrementally update) the store; on any error the live store is left as it was."""
    started = time.perf_counter()
    store = store or StoreDir()
    paths = collect_fact_files(extra_facts, packaged)
    progress(f"reading {len(paths)} fact files")
    graphs, files, entities = assemble(paths, tuple(Path(d) for d in source_dirs))
    digests = {iri: digest(quads) for iri, quads in graphs.items()}
    old = None if full else store.manifest()
    changed = {iri for iri, d in digests.items() if old is None or old.graphs.get(iri) != d}
    removed = set(old.graphs) - set(digests) if old else set()
    statements = sum(len(f.statements) for f in files)
    quad_total = sum(len(q) for q in graphs.values())
    if old is not None and not changed and not removed:
        progress("nothing changed")
        return BuildReport(len(files), len(entities), statements, len(graphs), 0, 0, quad_total, 0,
                           time.perf_counter() - started, None)
    progress(f"validating {len(changed)} of {len(graphs)} graphs")
    data = [q for iri, quads in graphs.items() if iri != str(ONTOLOGY_GRAPH) for q in quads]
    focus = None if old is None else _focus_nodes(graphs, changed)
    validated = check(to_rdflib(data), parse_ontology(ONTOLOGY_FILE), entities, focus)
    snapshot = store.new_snapshot()
    try:
        progress(f"writing {'all' if old is None else len(changed) + len(removed)} graphs to {snapshot}")
        _write(store, snapshot, graphs, changed, removed, incremental=old is not None)
        derive_snapshot(snapshot / "oxigraph", progress)  # analysis results (derived graph), recomputed
        Manifest(digests, {str(p): f.digest for p, f in zip(paths, files)}, time.time(), quad_total).write(
            snapshot / "manifest.json")
        store.publish(snapshot)
    except BaseException as exc:
        store.discard(snapshot)
        if isinstance(exc, (KGError, KeyboardInterrupt)):
            raise
        raise StoreError(f"cannot write store: {exc}", file=snapshot) from None
    return BuildReport(len(files), len(entities), statements, len(graphs), len(changed), len(removed),
                       quad_total, validated, time.perf_counter() - started, snapshot)


def _write(store: StoreDir, snapshot: Path, graphs: GraphQuads, changed: set[str], removed: set[str],
           incremental: bool) -> None:
    target = snapshot / "oxigraph"
    if incremental:
        store.open_read().backup(str(target))  # hard-linked checkpoint: cheap whatever the size
    db = pyoxigraph.Store(str(target))
    for iri in (changed | removed) if incremental else ():
        db.remove_graph(NamedNode(iri))
    db.bulk_extend(q for iri in (changed if incremental else graphs) for q in graphs[iri])
    db.flush()
    del db


__all__ = ["build", "BuildReport", "collect_fact_files", "assemble"]
