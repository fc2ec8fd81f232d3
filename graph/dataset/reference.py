"""Well-known reference data from outside the sources (coordinates, ISO codes, which state a city is in).

It is read like a fact file but needs no quotes, and it lands in its own named graph marked
kg:ReferenceData, so a sourced answer and a looked-up one are never confused.
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import NamedNode, Quad
from rdflib.namespace import DCTERMS, RDF, RDFS

from kzlinks.data import PACKAGED_REFERENCE
from kzlinks.dataset.mapping import N, _value_quads, lit
from kzlinks.errors import FactFileError
from kzlinks.facts.reader import ID_PATTERN, EntityInfo, Reference, _Reader
from kzlinks.facts.vocabulary import OntologyIndex
from kzlinks.facts.yamlfile import Located, load_located
from kzlinks.namespaces import KG, REFERENCE_GRAPH, entity_iri


def reference_files() -> list[Path]:
    return sorted(PACKAGED_REFERENCE.glob("*.yaml"))


def read_reference(paths: list[Path], entities: dict[str, EntityInfo], index: OntologyIndex) -> list[Quad]:
    """Quads of the reference graph; adds reference-only entities (Bulgaria, Romania) to `entities`."""
    g = N(REFERENCE_GRAPH)
    quads = [
        Quad(g, N(RDF.type), N(KG.ReferenceData), g),
        Quad(g, N(DCTERMS.description), lit("Well-known reference data from outside the sources."), g),
    ]
    pending: list[tuple[_Reader, Located, str]] = []
    for path in paths:
        reader = _Reader(path, index, ())
        root = load_located(path)
        items = reader.items(root, "entities") if root and isinstance(root.value, dict) else []
        for node in items:
            entity_id = reader.text(node.value.get("id", Located("", node.line)), "id")
            if not ID_PATTERN.match(entity_id):
                raise reader.fail(f"bad id '{entity_id}'", node)
            quads += _declare(reader, node, entity_id, entities, index, g)
            pending.append((reader, node, entity_id))
    for reader, node, entity_id in pending:
        quads += _properties(reader, node, entity_id, entities, index, g)
    return list(dict.fromkeys(quads))


def _declare(
    reader: _Reader, node: Located, entity_id: str, entities: dict[str, EntityInfo], index: OntologyIndex, g: NamedNode
) -> list[Quad]:
    fields = node.value
    if entity_id in entities:
        return []
    if "type" not in fields or "label" not in fields:
        raise reader.fail("a reference entity no fact file declares needs 'type' and 'label'", node, entity_id)
    cls_name = reader.text(fields["type"], "type")
    if cls_name not in index.classes:
        raise reader.fail(f"unknown class '{cls_name}'", fields["type"], entity_id)
    cls = index.classes[cls_name]
    label = reader.text(fields["label"], "label")
    entities[entity_id] = EntityInfo(entity_id, [cls], label, (reader.path, node.line), index.superclasses_of(cls))
    subject = N(entity_iri(entity_id))
    return [Quad(subject, N(RDF.type), N(cls), g), Quad(subject, N(RDFS.label), lit(label, lang="en"), g)]


def _properties(
    reader: _Reader, node: Located, entity_id: str, entities: dict[str, EntityInfo], index: OntologyIndex, g: NamedNode
) -> list[Quad]:
    quads = []
    subject = N(entity_iri(entity_id))
    for key, value_node in node.value.items():
        if key in ("id", "type", "label", "note"):
            continue
        prop = index.properties.get(key)
        if prop is None:
            raise reader.fail(f"unknown property '{key}'", value_node, entity_id)
        value = reader.value(prop, key, value_node, entity_id)
        if isinstance(value, Reference) and value.id not in entities and value.id not in index.individuals:
            raise FactFileError(
                f"'{key}' refers to '{value.id}', which is not declared",
                file=reader.path,
                line=value_node.line,
                item=entity_id,
            )
        quads += _value_quads(subject, N(prop.iri), value, g, entities, index)
    return quads
