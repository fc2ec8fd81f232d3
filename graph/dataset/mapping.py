"""Turn checked facts into RDF quads: one named graph per quoted passage.

Each passage graph describes itself (it is a kg:Passage, prov:wasDerivedFrom its article, with an
oa:TextQuoteSelector holding the verbatim quote), so a graph can be copied, replaced or deleted as a
unit and still say where it came from.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from pyoxigraph import Literal as OxLiteral
from pyoxigraph import NamedNode, Quad
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from kzlinks.dataset import identity
from kzlinks.facts.articles import normalise
from kzlinks.facts.metadata import ArticleMetadata, read_metadata
from kzlinks.facts.reader import Amount, EntityInfo, FactFile, Literal, Quote, Reference, ResolvedDate, fold
from kzlinks.facts.resolved import Resolution
from kzlinks.facts.vocabulary import OntologyIndex
from kzlinks.namespaces import GRAPH, ID, KG, OA, SCHEMA, SOURCES_GRAPH, source_iri

GraphQuads = dict[str, list[Quad]]


def triple_line(q: Quad) -> str:
    """The quad's triple in N-Triples (without the final dot): digested, and loaded into the query index."""
    return f"{q.subject} {q.predicate} {q.object}"


def digest_lines(lines: list[str]) -> str:
    """Order-free digest of a graph's triples, as N-Triples lines (the manifest's graph digests)."""
    return hashlib.sha1("\n".join(sorted(lines)).encode("utf-8")).hexdigest()


def N(iri) -> NamedNode:  # noqa: N802 - short constructor used everywhere below
    return NamedNode(str(iri))


@lru_cache(maxsize=4096)
def _term(iri: str) -> NamedNode:
    """Vocabulary terms (classes, properties, datatypes) recur in every statement: build each once."""
    return NamedNode(iri)


_ID, _GRAPH = str(ID), str(GRAPH)


def _entity(entity_id: str) -> NamedNode:
    return NamedNode(_ID + entity_id)  # entity_iri(), without rdflib's Namespace lookup per call


def lit(text: str, datatype=None, lang: str | None = None) -> OxLiteral:
    if lang:
        return OxLiteral(text, language=lang)
    return OxLiteral(text, datatype=_term(str(datatype))) if datatype else OxLiteral(text)


_TYPE, _LABEL, _ALT = N(RDF.type), N(RDFS.label), N(SKOS.altLabel)
_PASSAGE, _DERIVED_FROM, _SELECTOR = N(KG.Passage), N(PROV.wasDerivedFrom), N(OA.TextQuoteSelector)
_HAS_TARGET, _HAS_SOURCE, _HAS_SELECTOR = N(OA.hasTarget), N(OA.hasSource), N(OA.hasSelector)
_EXACT, _PREFIX, _SUFFIX = N(OA.exact), N(OA.prefix), N(OA.suffix)
_SECTOR, _PREF_LABEL, _IN_SCHEME, _SECTORS = KG.Sector, N(SKOS.prefLabel), N(SKOS.inScheme), N(KG.sectors)
_MONETARY_AMOUNT, _CURRENCY, _QUANTITY, _UNIT = (
    N(SCHEMA.MonetaryAmount),
    N(SCHEMA.currency),
    N(KG.Quantity),
    N(SCHEMA.unitText),
)
_VALUE, _DECIMAL = N(SCHEMA.value), N(XSD.decimal)
_DATE_RESOLVED_FROM, _STATED_DATE = N(KG.dateResolvedFrom), N(KG.statedDate)


def passage_graph(facts: FactFile, quote: Quote) -> str:
    """The graph IRI for one passage: stable across builds, so incremental builds can diff by graph."""
    digest = hashlib.sha1(quote.text.encode("utf-8")).hexdigest()[:16]
    return f"{_GRAPH}{facts.key}/{digest}"


@lru_cache(maxsize=1024)
def _source_node(name: str) -> NamedNode:
    return NamedNode(source_iri(name))


def _passage_quads(graph: str, facts: FactFile, quote: Quote) -> list[Quad]:
    g, target, selector = N(graph), N(graph + "#target"), N(graph + "#selector")
    src = _source_node(facts.source.name)
    return [
        Quad(g, _TYPE, _PASSAGE, g),
        Quad(g, _DERIVED_FROM, src, g),
        Quad(g, _HAS_TARGET, target, g),
        Quad(target, _HAS_SOURCE, src, g),
        Quad(target, _HAS_SELECTOR, selector, g),
        Quad(selector, _TYPE, _SELECTOR, g),
        Quad(selector, _EXACT, lit(quote.text), g),
        Quad(selector, _PREFIX, lit(quote.prefix), g),
        Quad(selector, _SUFFIX, lit(quote.suffix), g),
    ]


def _value_quads(
    subject: NamedNode, prop: NamedNode, value, g: NamedNode, entities: dict[str, EntityInfo], index: OntologyIndex
) -> list[Quad]:
    if isinstance(value, Reference):
        target = identity.node(value.id, entities) if value.id in entities else _term(str(index.individuals[value.id]))
        return [Quad(subject, prop, target, g)]
    if isinstance(value, Literal):
        return [Quad(subject, prop, lit(value.lexical, value.datatype), g)]
    kind, unit_prop, unit = (
        (_MONETARY_AMOUNT, _CURRENCY, value.currency) if isinstance(value, Amount) else (_QUANTITY, _UNIT, value.unit)
    )
    digest = hashlib.sha1(f"{prop.value}|{value.value}|{unit}".encode()).hexdigest()[:10]
    node = N(f"{subject.value}/value/{digest}")
    return [
        Quad(subject, prop, node, g),
        Quad(node, _TYPE, kind, g),
        Quad(node, _VALUE, OxLiteral(value.value, datatype=_DECIMAL), g),
        Quad(node, unit_prop, OxLiteral(unit), g),
    ]


def _entity_quads(info: EntityInfo, alts: Iterable[str], g: NamedNode) -> list[Quad]:
    subject = _entity(info.id)
    quads = [Quad(subject, _TYPE, _term(str(cls)), g) for cls in info.types]
    quads.append(Quad(subject, _LABEL, lit(info.label, lang="en"), g))
    quads += [Quad(subject, _ALT, lit(alt, lang="en"), g) for alt in alts]
    if _SECTOR in info.types:
        quads += [Quad(subject, _PREF_LABEL, lit(info.label, lang="en"), g), Quad(subject, _IN_SCHEME, _SECTORS, g)]
    return quads


def map_fact_file(
    facts: FactFile, entities: dict[str, EntityInfo], index: OntologyIndex, dedupe: bool = True
) -> GraphQuads:
    """All quads one fact file contributes, grouped by passage graph. `dedupe=False` leaves a quad the file
    states twice (an entity declared twice with one quote) repeated, for a caller that removes repeats more
    cheaply (a quad hashes slowly; the build compares its N-Triples lines)."""
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
            if identity.is_alias(decl.id, entities):
                graphs[g.value] += identity.alias_quads(entities[decl.id], alts, g, entities)
            else:
                graphs[g.value] += _entity_quads(entities[decl.id], alts, g)
    for statement in facts.statements:
        g = open_graph(statement.quote)
        subject = identity.node(statement.subject, entities)
        for assertion in statement.assertions:
            if assertion.name == identity.SAME_AS and isinstance(assertion.value, Reference):
                graphs[g.value] += identity.same_as_quads(statement.subject, assertion.value.id, entities, g)
                continue
            prop = _term(identity.standard_term(str(assertion.prop.iri)))
            graphs[g.value] += _value_quads(subject, prop, assertion.value, g, entities, index)
            if isinstance(assertion.value, ResolvedDate) and assertion.value.resolution:
                graphs[g.value] += _resolution_quads(g, facts, assertion.value.resolution)
    return {iri: _dedupe(quads) for iri, quads in graphs.items()} if dedupe else dict(graphs)


def _resolution_quads(g: NamedNode, facts: FactFile, how: Resolution) -> list[Quad]:
    """The passage says its date was completed from its source's publication date, and how the text put it."""
    return [
        Quad(g, _DATE_RESOLVED_FROM, _source_node(facts.source.name), g),
        Quad(g, _STATED_DATE, lit(how.stated), g),
    ]


def _dedupe(quads: list[Quad]) -> list[Quad]:
    return list(dict.fromkeys(quads))


def source_quads(files: list[FactFile]) -> list[Quad]:
    """The sources graph: one kg:SourceDocument per article quoted, with what its metadata record
    (NAME.meta.yaml, kzlinks.facts.metadata) says: title, outlet, publication date, URL, language and
    retrieval date, in Dublin Core terms and schema.org. Without a recorded title, the headline is used."""
    g = N(SOURCES_GRAPH)
    quads = []
    for source in {f.source.name: f.source for f in files}.values():
        doc = N(source_iri(source.name))
        meta = read_metadata(source.path)
        quads += [
            Quad(doc, _TYPE, N(KG.SourceDocument), g),
            Quad(doc, N(DCTERMS.identifier), lit(source.name), g),
            Quad(doc, N(DCTERMS.title), lit(meta.title or source.title), g),
            Quad(doc, _LABEL, lit(source.name), g),
        ]
        quads += [Quad(doc, prop, value, g) for prop, value in _metadata_values(meta)]
    return _dedupe(quads)


def _metadata_values(meta: ArticleMetadata) -> list[tuple[NamedNode, OxLiteral | NamedNode]]:
    values: list[tuple[NamedNode, OxLiteral | NamedNode]] = []
    if meta.publisher:
        values.append((N(DCTERMS.publisher), lit(meta.publisher)))
    if meta.issued:
        values.append((N(DCTERMS.issued), lit(meta.issued, _date_type(meta.issued))))
    if meta.url:
        values.append((N(SCHEMA.url), N(meta.url)))
    if meta.language:
        values.append((N(DCTERMS.language), lit(meta.language)))
    if meta.retrieved:
        values.append((N(SCHEMA.dateRead), lit(meta.retrieved, _date_type(meta.retrieved))))
    return values


def _date_type(text: str):
    return {4: XSD.gYear, 7: XSD.gYearMonth}.get(len(text), XSD.date)
