"""SHACL validation of the built dataset against ontology/shapes.ttl.

A violation is reported against the fact file and line that declared the offending entity, because the
curator fixes YAML, not RDF.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from pyoxigraph import Quad
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from ontology import SHAPES_FILE

from .errors import OntologyError, ValidationError
from .facts import EntityInfo
from .namespaces import ID, SH


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
    """Validate (only `focus` nodes, if given); raise ValidationError naming the first violation's fact file
    and line. Returns how many nodes or triples were checked."""
    if focus is not None and not focus:
        return 0
    for triple in ontology:  # all of it, individuals included: pyshacl's ont_graph mixes in only axioms
        data.add(triple)
    conforms, report, _ = validate(data, shacl_graph=load_shapes(), inference="none",
                                   advanced=True, allow_warnings=True,
                                   focus_nodes=[URIRef(f) for f in focus] if focus is not None else None)
    if conforms:
        return len(data) if focus is None else len(focus)
    results = sorted(report.subjects(RDF.type, SH.ValidationResult), key=str)
    first = results[0]
    focus = report.value(first, SH.focusNode)
    message = report.value(first, SH.resultMessage) or "violates a shape"
    path = report.value(first, SH.resultPath)
    more = f" (and {len(results) - 1} more violations)" if len(results) > 1 else ""
    where = _where(focus, entities)
    detail = f"SHACL: {message}" + (f" [{_short(path)}]" if isinstance(path, URIRef) else "") + more
    raise ValidationError(detail, file=where[0] if where else None, line=where[1] if where else None,
                          item=_short(focus))


def _where(focus, entities: dict[str, EntityInfo]) -> tuple[Path, int] | None:
    text = str(focus)
    if not text.startswith(str(ID)):
        return None
    entity_id = text[len(str(ID)):].split("/", 1)[0]
    info = entities.get(entity_id)
    return info.where if info else None


def _short(term) -> str:
    if isinstance(term, Literal):
        return str(term)
    text = str(term)
    for sep in ("#", "/"):
        if sep in text:
            return text.rsplit(sep, 1)[-1] if not text.startswith(str(ID)) else text[len(str(ID)):]
    return text
