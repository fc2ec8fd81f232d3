"""What a view shows when a node or an edge is hovered or clicked: its type, its key facts, and the
sources and verbatim quotes behind it.

Read with GRAPH queries, because where a triple lives says what it is: a passage graph is a sourced
statement (with its quote, oa:exact), the reference graph is well-known data from outside the sources,
the derived graph is computed. A card keeps that distinction so the reader never mistakes one for another.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from kzlinks.analysis.projections import VALUE_MARK, Entities
from kzlinks.namespaces import DERIVED_GRAPH, RDF, RDFS, REFERENCE_GRAPH, SKOS, local_name, sparql_prefixes
from kzlinks.sparql.engines import Engine

CHUNK = 400  # IRIs per VALUES block
MAX_SOURCES = 25  # quotes listed on one card
MAX_FACTS = 40
SKIPPED = {str(RDF.type), str(RDFS.label), str(SKOS.prefLabel), str(SKOS.inScheme)}
ALT = str(SKOS.altLabel)
ROLE_WORDS = {
    "chokepoint": "chokepoint: its loss alone disconnects",
    "chokeLeg": "choke leg: its loss alone disconnects",
    "minimumCutNode": "in a minimum node cut between",
    "minimumCutLeg": "in a minimum leg cut between",
}


def _rows(engine: Engine, query: str) -> list[dict[str, str]]:
    results = engine.run(sparql_prefixes() + query, {}, "viz/cards.py")
    return [{k: t.value for k, t in row.items()} for row in results.rows]


def _values(iris: list[str]) -> str:
    return " ".join(f"<{i}>" for i in iris)


def _chunks(iris: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(iris), CHUNK):
        yield iris[i : i + CHUNK]


def _short(text: str, size: int = 90) -> str:
    """A source's title as a caption: some articles' first line is a whole paragraph."""
    return text if len(text) <= size else text[: size - 1].rsplit(" ", 1)[0] + "…"


class Cards:
    """Facts, sources and analysis results for a set of entities, read in a few batched queries."""

    def __init__(self, engine: Engine, entities: Entities) -> None:
        self.engine = engine
        self.entities = entities
        self.facts: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # s -> [(p, o, graph)]
        self.mentions: dict[str, set[str]] = defaultdict(set)  # entity -> passage graphs
        self.alts: dict[str, set[str]] = defaultdict(set)
        self.values: dict[str, str] = {}
        self.passages = {
            r["g"]: r
            for r in _rows(
                engine,
                """
            SELECT ?g ?exact ?doc ?title ?publisher ?issued ?url WHERE {
              GRAPH ?g { ?g a kg:Passage ; prov:wasDerivedFrom ?src ; oa:hasTarget/oa:hasSelector/oa:exact ?exact }
              OPTIONAL { ?src dcterms:identifier ?doc } OPTIONAL { ?src dcterms:title ?title }
              OPTIONAL { ?src dcterms:publisher ?publisher } OPTIONAL { ?src dcterms:issued ?issued }
              OPTIONAL { ?src schema:url ?url }
            }""",
            )
        }
        self.derived = self._derived()

    def load(self, iris: Iterable[str]) -> Cards:
        wanted = sorted({i for i in iris if i not in self.facts})
        for chunk in _chunks(wanted):
            self.facts.update({i: [] for i in chunk})
            for row in _rows(
                self.engine,
                f"""SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {_values(chunk)} }}
                    GRAPH ?g {{ ?s ?p ?o }} FILTER (?g NOT IN (graph:derived, graph:ontology)) }}""",
            ):
                if row["p"] == ALT:
                    self.alts[row["s"]].add(row["o"])
                elif row["p"] not in SKIPPED:
                    self.facts[row["s"]].append((row["p"], row["o"], row["g"]))
                if row["g"] in self.passages:
                    self.mentions[row["s"]].add(row["g"])
            for row in _rows(
                self.engine,
                f"""SELECT DISTINCT ?o ?g WHERE {{ VALUES ?o {{ {_values(chunk)} }}
                    GRAPH ?g {{ ?s ?p ?o }} FILTER (?g NOT IN (graph:derived, graph:ontology, graph:reference)) }}""",
            ):
                if row["g"] in self.passages:
                    self.mentions[row["o"]].add(row["g"])
        self._load_values()
        return self

    def _load_values(self) -> None:
        nodes = sorted({o for facts in self.facts.values() for _, o, _ in facts if VALUE_MARK in o} - set(self.values))
        for chunk in _chunks(nodes):
            for row in _rows(
                self.engine,
                f"""SELECT ?v ?n ?u WHERE {{ VALUES ?v {{ {_values(chunk)} }}
                    ?v schema:value ?n . OPTIONAL {{ ?v schema:currency|schema:unitText ?u }} }}""",
            ):
                self.values[row["v"]] = f"{row['n']} {row.get('u', '')}".strip()

    def _derived(self) -> dict[str, list[list[str]]]:
        """Analysis results per entity, from the derived graph: centrality, community, cut roles."""
        out: dict[str, list[list[str]]] = defaultdict(list)
        for row in _rows(
            self.engine,
            """SELECT ?e ?net ?rank ?b ?d WHERE { GRAPH graph:derived {
                ?r kg:scoreOf ?e ; kg:inNetwork ?net ; kg:centralityRank ?rank ; kg:betweennessCentrality ?b ;
                   kg:degreeCentrality ?d } }""",
        ):
            net = self.entities.get(row["net"]).label
            out[row["e"]].append(
                [
                    f"centrality in the {net}",
                    f"rank {row['rank']} (betweenness {float(row['b']):.3f}, degree {float(row['d']):.3f})",
                    "derived",
                ]
            )
        for row in _rows(
            self.engine, """SELECT ?e ?l WHERE { GRAPH graph:derived { ?c kg:communityMember ?e ; rdfs:label ?l } }"""
        ):
            out[row["e"]].append(["community", row["l"], "derived"])
        for row in _rows(
            self.engine,
            """SELECT ?e ?role ?a ?b WHERE { GRAPH graph:derived {
                ?c ?role ?e ; kg:cutFrom ?a ; kg:cutTo ?b .
                VALUES ?role { kg:chokepoint kg:chokeLeg kg:minimumCutNode kg:minimumCutLeg } } }""",
        ):
            words = ROLE_WORDS[local_name(row["role"])]
            out[row["e"]].append(
                [
                    "cut analysis",
                    f"{words} {self.entities.get(row['a']).label} and {self.entities.get(row['b']).label}",
                    "derived",
                ]
            )
        return out

    def roles(self, role: str) -> set[str]:
        """Entities the derived graph gives a cut role (chokepoint, chokeLeg, ...)."""
        words = ROLE_WORDS[role]
        return {e for e, facts in self.derived.items() if any(f[1].startswith(words) for f in facts)}

    # ----------------------------------------------------------------------------------------------------

    def _origin(self, graph: str) -> str:
        if graph == str(REFERENCE_GRAPH):
            return "reference"
        if graph == str(DERIVED_GRAPH):
            return "derived"
        return "source" if graph in self.passages else "other"

    def _value(self, o: str) -> str:
        if o in self.values:
            return self.values[o]
        if o.startswith("http"):
            return self.entities.get(o).label
        return o

    def sources(self, graphs: Iterable[str]) -> list[dict[str, str]]:
        found = [self.passages[g] for g in sorted(set(graphs)) if g in self.passages]
        found.sort(key=lambda p: (p.get("doc", ""), p["exact"]))
        return [
            {
                "doc": p.get("doc", ""),
                "title": _short(p.get("title", "")),
                "quote": p["exact"],
                **{k: p[k] for k in ("publisher", "issued", "url") if p.get(k)},
            }
            for p in found
        ]

    def dates(self, iris: Iterable[str]) -> dict[str, str]:
        """The date a source gives each entity (signed, adopted, held, or its plain date), as written:
        2025-11-17, 2025-11 or 2025. The earliest when several are stated."""
        out: dict[str, str] = {}
        for chunk in _chunks(sorted(set(iris))):
            for row in _rows(
                self.engine,
                f"""SELECT ?e ?d WHERE {{ VALUES ?e {{ {_values(chunk)} }}
                    ?e kg:date|kg:signedOn|kg:adoptedOn|kg:startDate|kg:establishedOn ?d }}""",
            ):
                date = row["d"][:10]
                if date[:4].isdigit() and (row["e"] not in out or date < out[row["e"]]):
                    out[row["e"]] = date
        return out

    def card(self, iri: str) -> dict:
        """Everything the view shows about one entity."""
        info = self.entities.get(iri)
        merged: dict[tuple[str, str], set[str]] = defaultdict(set)
        for p, o, g in self.facts.get(iri, []):
            merged[(self.entities.get(p).label if p.startswith("http") else p, self._value(o))].add(self._origin(g))
        facts = [[p, o, "/".join(sorted(origins))] for (p, o), origins in sorted(merged.items())][:MAX_FACTS]
        sources = self.sources(self.mentions.get(iri, ()))
        return {
            "label": info.label,
            "type": self.entities.class_label(info.cls) if info.cls else "thing",
            "alt": sorted(self.alts.get(iri, ())),
            "facts": facts + self.derived.get(iri, []),
            "sources": sources[:MAX_SOURCES],
            "more_sources": max(0, len(sources) - MAX_SOURCES),
            "iri": iri,
        }

    def triple_card(self, links: list[tuple[str, str, str]]) -> dict:
        """A card for an edge that stands for stated triples: each triple, and the passages stating it."""
        facts, graphs = [], set()
        for s, p, o in links:
            facts.append(
                [self.entities.get(p).label, f"{self.entities.get(s).label} → {self.entities.get(o).label}", "source"]
            )
            graphs |= {g for pp, oo, g in self.facts.get(s, []) if pp == p and oo == o}
        first = links[0]
        return {
            "label": f"{self.entities.get(first[0]).label} — {self.entities.get(first[2]).label}",
            "type": "stated link",
            "alt": [],
            "facts": facts,
            "sources": self.sources(graphs)[:MAX_SOURCES],
            "more_sources": 0,
            "iri": "",
        }
