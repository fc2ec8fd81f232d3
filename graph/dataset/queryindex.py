"""The query index: beside each snapshot's dataset, a copy whose default graph is the union, de-duplicated.

Named queries read the union of all graphs. Oxigraph's "union default graph" repeats a triple once per
named graph that holds it, and the data model repeats a lot on purpose: an entity's type and label go into
every passage graph that names it, so Kazakhstan is typed a thousand times at a million triples. Every join
through such a triple is multiplied before DISTINCT can undo it, and at 10k triples some named queries
already ran for minutes. The index holds the dataset's named graphs (a hard-linked RocksDB checkpoint of the
dataset to start with) plus each distinct triple once in the default graph; queries read that default graph and
answer exactly as over the union, with set semantics, as the SPARQL spec and rdflib do. An incremental
build updates the index graph by graph instead of rebuilding it.

A big cold build goes the other way round (`load`, `dataset_of`): it bulk-loads the index, every named graph
and the union, from the mapped lines, and the dataset is then the index's checkpoint with the default graph
cleared. Oxigraph clears a graph of a RocksDB store by dropping its key ranges, which takes
milliseconds whatever the size, so the dataset costs no second bulk load.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph
from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat

from kzlinks.dataset.background import Background
from kzlinks.dataset.bulkwrite import load_batches, nquads_batches, ntriples, ntriples_batches, stream

BULK_MIN = 50_000  # more default-graph triples than this go through the bulk loader
# A cold build of at least this many quads compacts its finished index into one sorted run per table
# (Oxigraph's `optimize`): the batched bulk loads and the derived graph leave overlapping files (47 at a
# million quads, 22 once compacted), and a seek looks into each. Measured on the named queries at a million
# quads: 1.5-2.2x faster, for 2.8 s of compaction (5% of the build); no gain at 100k, where it would cost
# 0.4 s. Incremental builds start from the compacted index and add little.
COMPACT_MIN = 500_000


def _to_default(quads: Iterable[Quad]) -> Iterable[Quad]:
    default = DefaultGraph()
    return (Quad(q.subject, q.predicate, q.object, default) for q in quads)


def create(
    dataset: pyoxigraph.Store, target: Path, mapped: tuple[Iterable[str], list[Quad]] | None = None
) -> pyoxigraph.Store:
    """A new index from a dataset store: its checkpoint plus the union in the default graph. `mapped`, if
    given, is every triple of the dataset: those without blank nodes as N-Triples lines (no final dot),
    which Oxigraph parses about twice as fast as it takes a Python object per quad, and the quads with
    blank nodes, whose labels a parser would rename."""
    dataset.flush()
    dataset.backup(str(target))
    index = pyoxigraph.Store(str(target))
    if mapped is None:
        index.bulk_extend(_to_default(index.quads_for_pattern(None, None, None, None)))  # the store is a set
        return index
    triples, blank = mapped
    index.bulk_load(stream(ntriples(triples)), format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=DefaultGraph())
    index.extend(list(_to_default(blank)))
    return index


def load(target: Path, graphs: dict[str, list[str]], triples: set[str], blank: list[Quad]) -> pyoxigraph.Store:
    """A new index in `target` from a cold build's mapping: `graphs`, each named graph's triples without
    blank nodes as N-Triples lines (no final dot), and `triples`, the distinct ones among them, for the
    default graph, bulk-loaded in batches by two threads side by side (the named graphs in one, the default
    graph in the other); then the `blank` quads (a parser would rename their nodes), as objects. `graphs`
    and `triples` are emptied as they are loaded."""
    index = pyoxigraph.Store(str(target))
    named = Background(lambda: load_batches(index, nquads_batches(graphs), RdfFormat.N_QUADS), "kg-load")
    try:
        load_batches(index, ntriples_batches(triples), RdfFormat.N_TRIPLES, DefaultGraph())
    finally:
        named.result()
    index.extend(blank + list(_to_default(blank)))
    return index


def dataset_of(index: pyoxigraph.Store, target: Path) -> pyoxigraph.Store:
    """The dataset of a snapshot whose index was loaded first (`load`): the index's hard-linked checkpoint,
    its default graph cleared (Oxigraph drops the key ranges: milliseconds, whatever the size)."""
    index.flush()
    index.backup(str(target))
    dataset = pyoxigraph.Store(str(target))
    dataset.clear_graph(DefaultGraph())
    return dataset


def add_graph(index: pyoxigraph.Store, quads: list[Quad]) -> None:
    """Add a new named graph's quads and their triples to the default graph (a cold build's derived graph:
    the index holds no earlier version of it)."""
    everything = quads + list(_to_default(quads))
    (index.bulk_extend if len(everything) > BULK_MIN else index.extend)(everything)


def update(previous: Path, target: Path, dataset: pyoxigraph.Store, replaced: Iterable[str]) -> pyoxigraph.Store:
    """The previous snapshot's index with the `replaced` graphs taken from `dataset` (their new content, or
    nothing if they are gone); a default-graph triple is dropped only when no named graph still holds it."""
    pyoxigraph.Store.read_only(str(previous)).backup(str(target))
    index = pyoxigraph.Store(str(target))
    replace_graphs(index, dataset, replaced)
    return index


def replace_graphs(
    index: pyoxigraph.Store, dataset: pyoxigraph.Store, replaced: Iterable[str], new: list[Quad] | None = None
) -> None:
    """Replace the `replaced` graphs with their content in `dataset`, or with `new` when the caller has
    their quads at hand (reading them back from the dataset costs seconds at a million triples)."""
    graphs = sorted(set(replaced))
    if not graphs:
        return
    names = ", ".join(f"<{iri}>" for iri in graphs)
    # one update, run inside Oxigraph: a triple leaves the default graph when no other named graph has it
    index.update(
        f"DELETE {{ ?s ?p ?o }} WHERE {{ VALUES ?replaced {{ {names.replace(',', '')} }} "
        f"GRAPH ?replaced {{ ?s ?p ?o }} "
        f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER(?other NOT IN ({names})) }} }}"
    )
    for iri in graphs:
        index.remove_graph(NamedNode(iri))
    if new is None:
        new = [q for iri in graphs for q in dataset.quads_for_pattern(None, None, None, NamedNode(iri))]
    if len(new) > BULK_MIN:
        index.bulk_extend(new + list(_to_default(new)))
    else:
        index.extend(new + list(_to_default(new)))


def apply_delta(index: pyoxigraph.Store, gone: Iterable[Quad], added: Iterable[Quad]) -> None:
    """Remove and add a few named-graph quads, keeping the default graph the union."""
    added = list(added)
    default = DefaultGraph()
    for quad in gone:
        index.remove(quad)
        if not any(
            q.graph_name != default for q in index.quads_for_pattern(quad.subject, quad.predicate, quad.object, None)
        ):
            index.remove(Quad(quad.subject, quad.predicate, quad.object, default))
    index.extend(added + list(_to_default(added)))


__all__ = ["create", "load", "dataset_of", "add_graph", "update", "replace_graphs", "apply_delta"]
