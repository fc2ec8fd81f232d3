"""Turn checked facts into RDF quads: one named graph per quoted passage.

Each passage graph describes itself (it is a kg:Passage, prov:wasDerivedFrom its article, with an
oa:TextQuoteSelector holding the verbatim quote), so a graph can be copied, replaced or deleted as a
unit and still say where it came from.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable

from pyoxigraph import Literal as OxLiteral
from pyoxigraph import NamedNode, Quad
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from .facts import Amount, EntityInfo, FactFile, Literal, Quote, Reference, fold
from .sources import normalise
from .namespaces import GRAPH, KG, OA, SCHEMA, SOURCES_GRAPH, entity_iri, source_iri
from .ontology_index import OntologyIndex

GraphQuads = dict[str, list[Quad]]


def N(iri) -> NamedNode:  # noqa: N802 - short constructor used everywhere below
    return NamedNode(str(iri))


def lit(text: str, datatype=None, lang: str | None = None) -> OxLiteral:
    if lang:
        return OxLiteral(text, language=lang)
    return OxLiteral(text, datatype=N(datatype)) if datatype else OxLiteral(text)


_TYPE, _LABEL, _ALT = N(RDF.type), N(RDFS.label), N(SKOS.altLabel)


def passage_graph(facts: FactFile, quote: Quote) -> str:
    """The graph IRI for one passage: stable across builds, so incremental builds can diff by graph."""
    digest = hashlib.sha1(quote.text.encode("utf-8")).hexdigest()[:16]
    return str(GRAPH[f"{facts.key}/{digest}"])


def _passage_quads(graph: str, facts: FactFile, quote: Quote) -> list[Quad]:
    g, target, selector = N(graph), N(graph + "#target"), N(graph + "#selector")
    src = N(source_iri(facts.source.name))
    return [
        Quad(g, _TYPE, N(KG.Passage), g),
        Quad(g, N(PROV.wasDerivedFrom), src, g),
        Quad(g, N(OA.hasTarget), target, g),
        Quad(target, N(OA.hasSource), src, g),
        Quad(target, N(OA.hasSelector), selector, g),
        Quad(selector, _TYPE, N(OA.TextQuoteSelector), g),
        Quad(selector, N(OA.exact), lit(quote.text), g),
        Quad(selector, N(OA.prefix), lit(quote.prefix), g),
        Quad(selector, N(OA.suffix), lit(quote.suffix), g),
    ]


def _value_quads(subject: NamedNode, prop: NamedNode, value, g: NamedNode,
                 entities: dict[str, EntityInfo], index: OntologyIndex) -> list[Quad]:
    if isinstance(value, Reference):
        target = entity_iri(value.id) if value.id in entities else index.individuals[value.id]
        return [Quad(subject, prop, N(target), g)]
    if isinstance(value, Literal):
        return [Quad(subject, prop, lit(value.lexical, value.datatype), g)]
    kind, unit_prop, unit = ((SCHEMA.MonetaryAmount, SCHEMA.currency, value.currency) if isinstance(value, Amount)
                             else (KG.Quantity, SCHEMA.unitText, value.unit))
    digest = hashlib.sha1(f"{prop.value}|{value.value}|{unit}".encode()).hexdigest()[:10]
    node = N(f"{subject.value}/value/{digest}")
    return [Quad(subject, prop, node, g), Quad(node, _TYPE, N(kind), g),
            Quad(node, N(SCHEMA.value), lit(value.value, XSD.decimal), g),
            Quad(node, N(unit_prop), lit(unit), g)]


def _entity_quads(info: EntityInfo, alts: Iterable[str], g: NamedNode) -> list[Quad]:
    subject = N(entity_iri(info.id))
    quads = [Quad(subject, _TYPE, N(cls), g) for cls in info.types]
    quads.append(Quad(subject, _LABEL, lit(info.label, lang="en"), g))
    quads += [Quad(subject, _ALT, lit(alt, lang="en"), g) for alt in alts]
    if KG.Sector in info.types:
        quads += [Quad(subject, N(SKOS.prefLabel), lit(info.label, lang="en"), g),
                  Quad(subject, N(SKOS.inScheme), N(KG.sectors), g)]
    return quads


def map_fact_file(facts: FactFile, entities: dict[str, EntityInfo], index: OntologyIndex) -> GraphQuads:
    """All quads one fact file contributes, grouped by passage graph."""
    graphs: GraphQuads = defaultdict(list)

    def open_graph(quote: Quote) -> NamedNode:
        iri = passage_graph(facts, quote)
        if iri not in graphs:
            graphs[iri] = _passage_quads(iri, facts, quote)
        return N(iri)

    for decl in facts.entities:
        for quote in decl.quotes:
            g = open_graph(quote)
            alts = [a for a in decl.alt if fold(normalise(a)) in fold(quote.text)]
            graphs[g.value] += _entity_quads(entities[decl.id], alts, g)
    for statement in facts.statements:
        g = open_graph(statement.quote)
        subject = N(entity_iri(statement.subject))
        for assertion in statement.assertions:
            graphs[g.value] += _value_quads(subject, N(assertion.prop.iri), assertion.value, g, entities, index)
    return {iri: _dedupe(quads) for iri, quads in graphs.items()}


def _dedupe(quads: list[Quad]) -> list[Quad]:
    return list(dict.fromkeys(quads))


def source_quads(files: list[FactFile]) -> list[Quad]:
    """The sources graph: one kg:SourceDocument per article quoted."""
    g = N(SOURCES_GRAPH)
    quads = []
    for source in {f.source.name: f.source for f in files}.values():
        doc = N(source_iri(source.name))
        quads += [Quad(doc, _TYPE, N(KG.SourceDocument), g),
                  Quad(doc, N(DCTERMS.identifier), lit(source.name), g),
                  Quad(doc, N(DCTERMS.title), lit(source.title), g),
                  Quad(doc, _LABEL, lit(source.name), g)]
    return _dedupe(quads)
