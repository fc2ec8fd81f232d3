"""Sameness resolved at build time: one canonical node in what queries read, its aliases kept.

An alias (an id a `sameAs` statement makes the same as another, kzlinks.facts.identity) is never a node
of its own in the mapped graph: every statement about it or pointing at it is written onto the canonical
IRI, in the named graph of the passage that states it, so the canonical node carries the quotes of both
articles. What remains of the alias is what a reader needs to find it again: the canonical node is
`owl:sameAs` the alias IRI, and the alias's label and spellings become `skos:altLabel`s of the canonical
node. Queries and views therefore see one node without any reasoning or query rewriting, so sameness
costs nothing at query time.

Two fact-file terms are written as the standard terms they stand for: `sameAs` as `owl:sameAs` and
`broader` (sectors) as `skos:broader`.
"""

from __future__ import annotations

from pyoxigraph import Literal as OxLiteral
from pyoxigraph import NamedNode, Quad
from rdflib.namespace import OWL, RDF, SKOS

from kzlinks.facts.identity import SAME_AS, canonical_id
from kzlinks.facts.reader import EntityInfo
from kzlinks.namespaces import ID, KG

_ID = str(ID)
_SAME_AS, _ALT, _TYPE = NamedNode(str(OWL.sameAs)), NamedNode(str(SKOS.altLabel)), NamedNode(str(RDF.type))
STANDARD_TERMS = {str(KG.sameAs): str(OWL.sameAs), str(KG.broader): str(SKOS.broader)}


def node(entity_id: str, entities: dict[str, EntityInfo]) -> NamedNode:
    """The IRI the graph uses for an id: its canonical id's, for an alias."""
    return NamedNode(_ID + canonical_id(entity_id, entities))


def is_alias(entity_id: str, entities: dict[str, EntityInfo]) -> bool:
    info = entities.get(entity_id)
    return info is not None and info.same_as is not None


def standard_term(prop_iri: str) -> str:
    """The property a fact-file term is written as (kg:broader -> skos:broader), else itself."""
    return STANDARD_TERMS.get(prop_iri, prop_iri)


def same_as_quads(alias: str, canonical: str, entities: dict[str, EntityInfo], g: NamedNode) -> list[Quad]:
    """`canonical owl:sameAs alias`, both as IRIs: the one place the alias IRI stays in the graph."""
    return [Quad(node(canonical, entities), _SAME_AS, NamedNode(_ID + alias), g)]


def alias_quads(info: EntityInfo, alts: list[str], g: NamedNode, entities: dict[str, EntityInfo]) -> list[Quad]:
    """An alias's declaration, written onto its canonical node: its classes, its label and spellings as
    alternative labels, and the owl:sameAs link back to the alias IRI."""
    canonical = node(info.id, entities)
    quads = [Quad(canonical, _TYPE, NamedNode(str(cls)), g) for cls in info.types]
    quads += [Quad(canonical, _ALT, OxLiteral(text, language="en"), g) for text in [info.label or "", *alts] if text]
    quads.append(Quad(canonical, _SAME_AS, NamedNode(_ID + info.id), g))
    return quads


__all__ = ["node", "is_alias", "standard_term", "same_as_quads", "alias_quads", "SAME_AS", "STANDARD_TERMS"]
