"""What the ontology allows: the class, property and individual names fact files may use.

Fact files name terms by local name; this index resolves them and knows each property's range, so the
fact reader can tell an entity reference from a date from an amount and reject unknown names early.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from kzlinks.errors import OntologyError
from kzlinks.facts.extension import check_extension, parse_extension
from kzlinks.namespaces import KG, SCHEMA, local_name
from kzlinks.ontology import ONTOLOGY_FILE


@dataclass(frozen=True)
class PropertyInfo:
    iri: URIRef
    range: URIRef
    is_object: bool


@dataclass(frozen=True)
class OntologyIndex:
    graph: Graph
    classes: dict[str, URIRef]
    properties: dict[str, PropertyInfo]
    individuals: dict[str, URIRef]

    def subclasses_of(self, cls: URIRef) -> set[URIRef]:
        """cls and every class below it, so a range check accepts a Port where a Place is asked."""
        return set(_named(self.graph.transitive_subjects(RDFS.subClassOf, cls)))

    def superclasses_of(self, cls: URIRef) -> set[URIRef]:
        """cls and every named class above it (restrictions, blank nodes, are not classes a fact can name)."""
        return set(_named(self.graph.transitive_objects(cls, RDFS.subClassOf)))


def _named(nodes: Iterable[Node | None]) -> list[URIRef]:
    """The IRIs among nodes, in the graph's order (the indexes below keep it)."""
    return [node for node in nodes if isinstance(node, URIRef)]


def parse_ontology(path: Path) -> Graph:
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:  # rdflib raises many parser types; all mean the same to the user
        raise OntologyError(f"cannot parse ontology: {exc}", file=path) from None
    return graph


def load_index(path: Path = ONTOLOGY_FILE, extensions: tuple[Path, ...] = ()) -> OntologyIndex:
    """Index the ontology's own (kg:) classes, properties and individuals by local name, with the terms of
    each extension file (checked first: see kzlinks.facts.extension). Cached by the files' contents."""
    return _load_index(path, tuple((Path(p), _digest(Path(p))) for p in extensions))


def ontology_digest(extensions: tuple[Path, ...] = (), path: Path = ONTOLOGY_FILE) -> str:
    """One digest of the packaged ontology and the extensions: what a checked fact file depends on."""
    parts = [path.read_bytes()] + [Path(p).read_bytes() for p in extensions]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def ontology_graph(extensions: tuple[Path, ...] = (), path: Path = ONTOLOGY_FILE) -> Graph:
    """A fresh graph of the packaged ontology and the (checked) extensions, e.g. for SHACL's ont_graph."""
    graph = Graph()
    graph += load_index(path, extensions).graph
    return graph


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        raise OntologyError("no such ontology extension file", file=path) from None


@lru_cache(maxsize=8)
def _load_index(path: Path, extensions: tuple[tuple[Path, str], ...]) -> OntologyIndex:
    graph = parse_ontology(path)
    for extension_path, _ in extensions:
        extension = parse_extension(extension_path)
        check_extension(graph, extension, extension_path)
        graph += extension
    classes = {local_name(c): c for c in _named(graph.subjects(RDF.type, OWL.Class)) if str(c).startswith(str(KG))}
    properties: dict[str, PropertyInfo] = {}
    for kind, is_object in ((OWL.ObjectProperty, True), (OWL.DatatypeProperty, False)):
        for prop in _named(graph.subjects(RDF.type, kind)):
            if not str(prop).startswith(str(KG)):
                continue
            rng = graph.value(prop, RDFS.range)
            if not isinstance(rng, URIRef):
                raise OntologyError(
                    f"property {local_name(prop)} has no rdfs:range naming a class or datatype", file=path
                )
            properties[local_name(prop)] = PropertyInfo(prop, rng, is_object)
    individuals: dict[str, URIRef] = {}
    for cls in classes.values():
        for ind in _named(graph.subjects(RDF.type, cls)):
            individuals[local_name(ind)] = ind
    return OntologyIndex(graph, classes, properties, individuals)


DATE_RANGE = KG.FlexibleDate
AMOUNT_RANGE = SCHEMA.MonetaryAmount
QUANTITY_RANGE = KG.Quantity
