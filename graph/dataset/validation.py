"""SHACL validation of the built dataset against ontology/shapes.ttl.

A violation is reported against the fact file and line that declared the offending entity, because the
curator fixes YAML, not RDF.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pyoxigraph
from pyoxigraph import Quad
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from kzlinks.dataset.shacl_sparql import Unsupported, Violation, compile_checks, ordered, violations
from kzlinks.errors import OntologyError, ValidationError
from kzlinks.facts.reader import EntityInfo
from kzlinks.namespaces import ID, SH, local_name
from kzlinks.ontology import SHAPES_FILE


@lru_cache(maxsize=2)
def load_shapes(path: Path = SHAPES_FILE) -> Graph:
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:
        raise OntologyError(f"cannot parse shapes: {exc}", file=path) from None
    return graph


def to_rdflib(quads: Iterable[Quad]) -> Graph:
    """The union of the quads as one rdflib graph, via N-Triples (the fastest bridge between the two)."""
    lines = []
    for q in quads:
        lines.append(f"{q.subject} {q.predicate} {q.object} .")
    graph = Graph()
    graph.parse(data="\n".join(lines), format="nt")
    return graph


def check(data: Graph, ontology: Graph, entities: dict[str, EntityInfo], focus: list[str] | None = None) -> int:
    """Validate with pyshacl (only `focus` nodes, if given); raise ValidationError naming the first violation's
    fact file and line. Returns how many nodes or triples were checked."""
    if focus is not None and not focus:
        return 0
    found = pyshacl_violations(data, ontology, focus)
    if found:
        report(found, entities)
    return len(data) if focus is None else len(focus)


def pyshacl_violations(data: Graph, ontology: Graph, focus: list[str] | None = None) -> list[Violation]:
    """The reference validator: pyshacl on an rdflib graph (slow on big graphs, exact on every feature)."""
    for triple in ontology:  # all of it, individuals included: pyshacl's ont_graph mixes in only axioms
        data.add(triple)
    conforms, results_graph, _ = validate(
        data,
        shacl_graph=load_shapes(),
        inference="none",
        advanced=True,
        allow_warnings=True,
        focus_nodes=[URIRef(f) for f in focus] if focus is not None else None,
    )
    if conforms:
        return []
    found = set()
    for result in results_graph.subjects(RDF.type, SH.ValidationResult):
        if results_graph.value(result, SH.resultSeverity) not in (None, SH.Violation):
            continue
        path = results_graph.value(result, SH.resultPath)
        value = results_graph.value(result, SH.value)
        found.add(
            Violation(
                str(results_graph.value(result, SH.focusNode)),
                str(path) if isinstance(path, URIRef) else None,
                str(results_graph.value(result, SH.resultMessage) or "violates a shape"),
                None if value is None else str(value),
            )
        )
    return ordered(found)


def check_store(
    store: pyoxigraph.Store,
    entities: dict[str, EntityInfo],
    focus: list[str] | None = None,
    exclude: Iterable[str] = (),
    union: bool = True,
) -> int:
    """Validate the union of a store's graphs with the shapes compiled to SPARQL (fast at any size); fall
    back to pyshacl if the shapes use a feature the compiler does not translate. `union` is False for a
    query index (graph/queryindex.py), whose default graph already is the union."""
    if focus is not None and not focus:
        return 0
    try:
        checks = compile_checks(load_shapes(), store, union)
    except Unsupported:
        skip = {pyoxigraph.NamedNode(g) for g in exclude} | {pyoxigraph.DefaultGraph()}
        data = to_rdflib(q for q in store if q.graph_name not in skip)
        return check(data, Graph(), entities, focus)
    found = violations(store, checks, focus, union)
    if found:
        report(found, entities)
    return len(store) if focus is None else len(focus)


def report(found: list[Violation], entities: dict[str, EntityInfo]) -> None:
    """Raise a ValidationError for the first violation (in a stable order), naming its fact file and line."""
    first = ordered(found)[0]
    more = f" (and {len(found) - 1} more violations)" if len(found) > 1 else ""
    where = _where(first.focus, entities)
    detail = f"SHACL: {first.message}" + (f" [{local_name(URIRef(first.path))}]" if first.path else "") + more
    raise ValidationError(
        detail, file=where[0] if where else None, line=where[1] if where else None, item=local_name(URIRef(first.focus))
    )


def _where(focus, entities: dict[str, EntityInfo]) -> tuple[Path, int] | None:
    text = str(focus)
    if not text.startswith(str(ID)):
        return None
    entity_id = text[len(str(ID)) :].split("/", 1)[0]
    info = entities.get(entity_id)
    return info.where if info else None
