"""`kg stats`: what is in the graph, and the three things that must never be there.

Counts by class, by source and by named graph tell a curator what an article contributed; the checks
(entities without a label, passages without a quote, entities no source mentions) must all be zero,
and the command exits non-zero when one is not, so CI can hold the line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kzlinks.analysis.coverage import Coverage, coverage
from kzlinks.facts.duplicates import Finding, check_files, summary_line
from kzlinks.facts.vocabulary import load_index
from kzlinks.namespaces import (
    DERIVED_GRAPH,
    ONTOLOGY_GRAPH,
    REFERENCE_GRAPH,
    SOURCES_GRAPH,
    prefixed,
    sparql_prefixes,
)

SPECIAL_GRAPHS = {str(ONTOLOGY_GRAPH), str(REFERENCE_GRAPH), str(SOURCES_GRAPH), str(DERIVED_GRAPH)}

BY_CLASS = """SELECT ?class (COUNT(DISTINCT ?e) AS ?n) WHERE {
  ?e a ?class . FILTER(STRSTARTS(STR(?e), STR(id:)) && STRSTARTS(STR(?class), STR(kg:)))
} GROUP BY ?class ORDER BY DESC(?n) ?class"""

BY_SOURCE = """SELECT ?source (COUNT(DISTINCT ?g) AS ?passages) (COUNT(DISTINCT ?e) AS ?entities)
       (COUNT(DISTINCT ?fact) AS ?statements) WHERE {
  GRAPH graph:sources { ?doc dcterms:identifier ?source }
  GRAPH ?g { ?g prov:wasDerivedFrom ?doc }
  { GRAPH ?g { ?e a ?class } FILTER(STRSTARTS(STR(?e), STR(id:))) }
  UNION
  { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?s), STR(id:)) && ?p NOT IN (rdf:type, rdfs:label, skos:altLabel, skos:prefLabel, skos:inScheme))
    BIND(CONCAT(STR(?s), " ", STR(?p), " ", STR(?o)) AS ?fact) }
} GROUP BY ?source ORDER BY ?source"""

BY_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"

UNLABELLED = """SELECT DISTINCT ?e WHERE {
  ?e a ?class . FILTER(STRSTARTS(STR(?e), STR(id:)) && STRSTARTS(STR(?class), STR(kg:)))
  FILTER NOT EXISTS { ?e rdfs:label ?label }
  FILTER NOT EXISTS { ?e a kg:Quantity } FILTER NOT EXISTS { ?e a schema:MonetaryAmount }
} ORDER BY ?e"""

UNQUOTED = """SELECT DISTINCT ?g WHERE {
  GRAPH ?g { ?s ?p ?o }
  FILTER(STRSTARTS(STR(?g), STR(graph:)) && ?g NOT IN (graph:ontology, graph:reference, graph:sources, graph:derived))
  FILTER NOT EXISTS { GRAPH ?g { ?g prov:wasDerivedFrom ?doc ; oa:hasTarget/oa:hasSelector/oa:exact ?quote } }
} ORDER BY ?g"""

UNSOURCED = """SELECT DISTINCT ?e ?label ?referenced WHERE {
  ?e a ?class . FILTER(STRSTARTS(STR(?e), STR(id:)) && STRSTARTS(STR(?class), STR(kg:)))
  FILTER NOT EXISTS { ?e a kg:Quantity } FILTER NOT EXISTS { ?e a schema:MonetaryAmount }
  FILTER NOT EXISTS { GRAPH ?g { ?g a kg:Passage . { ?e ?p ?o } UNION { ?s ?p ?e } } }
  OPTIONAL { ?e rdfs:label ?label }
  BIND(EXISTS { GRAPH graph:reference { ?e ?p2 ?o2 } } AS ?referenced)
} ORDER BY ?e"""


@dataclass
class Stats:
    by_class: list[tuple[str, int]] = field(default_factory=list)
    by_source: list[tuple[str, int, int, int]] = field(default_factory=list)
    by_graph: list[tuple[str, int]] = field(default_factory=list)
    unlabelled: list[str] = field(default_factory=list)
    unquoted: list[str] = field(default_factory=list)
    unsourced: list[str] = field(default_factory=list)
    reference_only: list[str] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # the modelling check on the fact files
    articles: dict[str, str] = field(default_factory=dict)  # fact file path -> the article it quotes

    def per_article(self) -> list[tuple[str, int, int, float | None, int, int]]:
        """article, statements, entities, % of sentences quoted, description-only statements, duplicate
        candidates (a pair spanning two articles counts for both)."""
        quoted = {c.source: c.percent for c in self.coverage}
        rows = []
        for source, _, entities, statements in self.by_source:
            files = {Path(p) for p, article in self.articles.items() if article == source}
            described = sum(1 for f in self.findings if f.kind == "description-only" and f.file in files)
            duplicates = sum(1 for f in self.findings if f.kind == "duplicate" and files & set(f.files))
            rows.append((source, statements, entities, quoted.get(source), described, duplicates))
        return rows

    @property
    def clean(self) -> bool:
        return not (self.unlabelled or self.unquoted or self.unsourced)


def _select(store: ox.Store, sparql: str) -> list[list]:
    solutions = store.query(sparql_prefixes() + sparql, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [[sol[n] for n in names] for sol in solutions]


def collect(store: ox.Store, fact_files: Iterable[Path] = (), source_dirs: Iterable[Path] = ()) -> Stats:
    """Counts and checks from the store; with `fact_files` (those the store was built from), the modelling
    check's findings as well (kzlinks.facts.duplicates)."""
    stats = Stats()
    paths = [Path(p) for p in fact_files]
    if paths:
        summaries, stats.findings = check_files(paths, load_index(), tuple(Path(d) for d in source_dirs))
        stats.articles = {str(s.path): s.source.name for s in summaries}
    stats.by_class = [(prefixed(c, bare_ids=True), int(n.value)) for c, n in _select(store, BY_CLASS)]
    stats.by_source = [(s.value, int(p.value), int(e.value), int(f.value)) for s, p, e, f in _select(store, BY_SOURCE)]
    stats.by_graph = [(prefixed(g, bare_ids=True), int(n.value)) for g, n in _select(store, BY_GRAPH)]
    stats.unlabelled = [prefixed(e, bare_ids=True) for (e,) in _select(store, UNLABELLED)]
    stats.unquoted = [prefixed(g, bare_ids=True) for (g,) in _select(store, UNQUOTED)]
    stats.coverage = coverage(store)
    for entity, label, referenced in _select(store, UNSOURCED):
        name = f"{prefixed(entity, bare_ids=True)} ({label.value if label else 'no label'})"
        (stats.reference_only if referenced is not None and referenced.value == "true" else stats.unsourced).append(
            name
        )
    return stats


def render(stats: Stats, graphs: bool = False, unquoted: bool = False) -> str:
    lines = ["Entities by class:"]
    lines += [f"  {cls:<32} {n:>6}" for cls, n in stats.by_class]
    lines.append("By source (passages quoted, entities mentioned, distinct statements):")
    lines += [f"  {src:<32} {p:>6} passages {e:>6} entities {f:>6} statements" for src, p, e, f in stats.by_source]
    passages = [
        g for g in stats.by_graph if g[0] not in {prefixed(ox.NamedNode(s), bare_ids=True) for s in SPECIAL_GRAPHS}
    ]
    special = [g for g in stats.by_graph if g not in passages]
    lines.append(f"By named graph: {len(stats.by_graph)} graphs ({len(passages)} passage graphs)")
    lines += [f"  {g:<48} {n:>7} quads" for g, n in (stats.by_graph if graphs else special)]
    if not graphs:
        lines.append("  (passage graphs: `kg stats --graphs` lists each)")
    lines.append("Coverage (sentences of 20+ characters that some quote overlaps):")
    for cov in stats.coverage:
        lines.append(f"  {cov.source:<32} {cov.quoted:>4}/{cov.sentences:<4} {cov.percent:5.1f}%")
        lines += [f"      not quoted: {sentence}" for sentence in (cov.unquoted if unquoted else [])]
    if not unquoted and any(cov.unquoted for cov in stats.coverage):
        lines.append("  (`kg stats --unquoted` lists the sentences no quote touches)")
    lines.append("Per article (statements, entities, sentences quoted, description-only statements, duplicates):")
    for source, statements, entities, percent, described, duplicates in stats.per_article():
        share = f"{percent:5.1f}%" if percent is not None else "  n/a "
        lines.append(
            f"  {source:<32} {statements:>5} statements {entities:>5} entities {share} quoted "
            f"{described:>3} description-only {duplicates:>3} duplicate candidates"
        )
    if stats.articles:
        lines.append(f"Modelling check (warnings, `kg build` prints each): {summary_line(stats.findings)}")
        lines += [f"  {finding}" for finding in stats.findings[:50]]
    lines.append("Checks (each must be 0):")
    for name, items in (
        ("entities without a label", stats.unlabelled),
        ("passage graphs without a quote", stats.unquoted),
        ("entities no source mentions", stats.unsourced),
    ):
        lines.append(f"  {name:<34} {len(items)}" + (": " + ", ".join(items[:20]) if items else ""))
    if stats.reference_only:
        lines.append(f"  (reference-only entities, from well-known reference data: {', '.join(stats.reference_only)})")
    return "\n".join(lines)
