"""Project the RDF graph into NetworkX graphs, by SPARQL, for network analysis and views.

Three projections answer three kinds of question: the corridor network (where goods can go), the actor
network (who is tied to whom, and by what) and the agreement network (which documents bind whom). A fourth,
the entity network, links every entity to every other it names and serves the neighbourhood of any entity.
Everything is read with SPARQL through an Engine, so a projection works on the Oxigraph store, on rdflib
or on a snapshot being built, and never reaches into another module's internals.

Node keys are IRIs. Every node carries `label`, `cls` (the IRI of its most specific class) and `types`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

import networkx as nx
from pyoxigraph import QuerySolutions

from kzlinks.namespaces import ID, KG, local_name, sparql_prefixes
from kzlinks.sparql.engines import Engine, OxigraphEngine
from kzlinks.sparql.lookup import Lookup

ORIGIN = "graph/projections.py"
VALUE_MARK = "/value/"  # amounts and quantities are value nodes of their subject, not entities


def _select(engine: Engine, body: str) -> list[dict[str, str]]:
    """Run a SELECT and return rows of plain strings (IRIs and literal values).

    On Oxigraph the rows are read straight from its answer: the engine-neutral Results (a Term per cell)
    would cost more than the query at a million triples, and only the values are needed here."""
    if isinstance(engine, OxigraphEngine):  # no parameters, no SERVICE: nothing for the engine to bind or refuse
        answer = engine.store.query(sparql_prefixes() + body, use_default_graph_as_union=engine.union)
        assert isinstance(answer, QuerySolutions)
        names = [v.value for v in answer.variables]
        return [{k: t.value for k, t in zip(names, row, strict=True) if t is not None} for row in answer]
    results = engine.run(sparql_prefixes() + body, {}, ORIGIN)
    return [{k: t.value for k, t in row.items()} for row in results.rows]


@dataclass(frozen=True)
class EntityInfo:
    iri: str
    label: str
    cls: str  # most specific class IRI ("" when untyped)
    types: tuple[str, ...]


class Entities:
    """Labels and most specific classes of every entity, read once and shared by all projections."""

    def __init__(self, engine: Engine) -> None:
        supers: dict[str, set[str]] = defaultdict(set)
        for row in _select(
            engine, "SELECT DISTINCT ?c ?s WHERE { ?c rdfs:subClassOf+ ?s . FILTER(isIRI(?c) && isIRI(?s)) }"
        ):
            supers[row["c"]].add(row["s"])
        self.supers = dict(supers)
        self.class_labels = {
            r["c"]: r["l"]
            for r in _select(
                engine, "SELECT ?c (SAMPLE(?label) AS ?l) WHERE { ?c a owl:Class ; rdfs:label ?label } GROUP BY ?c"
            )
        }
        types: dict[str, set[str]] = defaultdict(set)
        labels: dict[str, str] = {}
        entity, term = str(ID), str(KG)
        # two simple patterns rather than one join with an OPTIONAL: quicker on large stores
        for row in _select(engine, "SELECT DISTINCT ?e ?t WHERE { ?e a ?t FILTER(STRSTARTS(STR(?e), STR(id:))) }"):
            if row["t"].startswith(term):
                types[row["e"]].add(row["t"])
        for row in _select(
            engine,
            """SELECT DISTINCT ?e ?l WHERE { ?e rdfs:label ?l
                                      FILTER(STRSTARTS(STR(?e), STR(id:)) || STRSTARTS(STR(?e), STR(kg:))) }""",
        ):
            e = row["e"]
            if (e.startswith(entity) or e.startswith(term)) and (e not in labels or row["l"] < labels[e]):
                labels[e] = row["l"]
        self.info = {iri: self._make(iri, labels.get(iri), ts) for iri, ts in types.items()}
        for iri, label in labels.items():
            self.info.setdefault(iri, EntityInfo(iri, label, "", ()))

    def _make(self, iri: str, label: str | None, types: set[str]) -> EntityInfo:
        ordered = sorted(types, key=lambda t: (-len(self.supers.get(t, ())), t))
        specific = [t for t in ordered if not any(t in self.supers.get(u, ()) for u in types if u != t)]
        return EntityInfo(iri, label or local_name(iri), (specific or ordered)[0], tuple(ordered))

    def find(self, engine: Engine, text: str) -> str:
        """The IRI a user means by an id, an IRI, a label or an alternative label: the shared lookup
        (kzlinks.sparql.lookup), which forgives case, accents, punctuation and small typos."""
        if text in self.info:
            return text
        if str(ID) + text in self.info:
            return str(ID) + text
        return Lookup(engine).resolve(text)

    def get(self, iri: str) -> EntityInfo:
        return self.info.get(iri) or EntityInfo(iri, local_name(iri), "", ())

    def is_a(self, iri: str, cls: str) -> bool:
        return any(t == cls or cls in self.supers.get(t, ()) for t in self.get(iri).types)

    def class_label(self, cls: str) -> str:
        return self.class_labels.get(cls, local_name(cls))

    def attrs(self, iri: str) -> dict:
        info = self.get(iri)
        return {"label": info.label, "cls": info.cls, "types": list(info.types)}


def _entities(engine: Engine, entities: Entities | None) -> Entities:
    return entities if entities is not None else Entities(engine)


# --------------------------------------------------------------------------------------------------------
# corridor network
# --------------------------------------------------------------------------------------------------------


def corridor_network(engine: Engine, entities: Entities | None = None) -> nx.MultiGraph:
    """Places joined by legs; a sea leg runs through each water body it crosses, so a sea can be cut.

    Edges are keyed by (leg IRI, piece) and carry the leg, its mode, corridors and sequence. Each leg weighs
    1 in total (its pieces share the weight), so path lengths count legs. Nodes carry reference coordinates
    (`lat`, `lon`) and `within`: every place, state or union they lie in (located in, member of, onwards).
    """
    entities = _entities(engine, entities)
    legs: dict[str, dict] = defaultdict(lambda: {"corridors": set(), "sequence": None, "mode": None, "waters": set()})
    for row in _select(
        engine,
        """
        SELECT DISTINCT ?leg ?p ?o WHERE {
          VALUES ?p { kg:fromNode kg:toNode kg:legOf kg:sequence kg:mode kg:crosses }
          ?leg a kg:Leg ; ?p ?o .
        }""",
    ):
        leg, key, value = legs[row["leg"]], local_name(row["p"]), row["o"]
        if key in ("fromNode", "toNode"):
            leg[key] = value
        elif key == "legOf":
            leg["corridors"].add(value)
        elif key == "crosses":
            leg["waters"].add(value)
        else:
            leg[key] = int(value) if key == "sequence" else value
    graph = nx.MultiGraph(network=str(KG.corridorNetwork))
    for iri, leg in sorted(legs.items()):
        if "fromNode" in leg and "toNode" in leg:  # SHACL guarantees both; a half-built store may not
            _add_leg(graph, iri, {**leg, "from": leg["fromNode"], "to": leg["toNode"]}, entities)
    _add_place_facts(engine, graph, entities)
    return graph


def _add_leg(graph: nx.MultiGraph, iri: str, leg: dict, entities: Entities) -> None:
    stops = [leg["from"], *sorted(leg["waters"]), leg["to"]]
    weight = Fraction(1, len(stops) - 1)
    for stop in stops:
        if stop not in graph:
            graph.add_node(stop, **entities.attrs(stop), water=stop in leg["waters"])
    for piece, (u, v) in enumerate(zip(stops, stops[1:], strict=False)):
        graph.add_edge(
            u,
            v,
            key=(iri, piece),
            leg=iri,
            label=entities.get(iri).label,
            mode=leg["mode"],
            corridors=sorted(leg["corridors"]),
            sequence=leg["sequence"],
            weight=weight,
            leg_from=leg["from"],
            leg_to=leg["to"],
            crosses=sorted(leg["waters"]),
        )


def _add_place_facts(engine: Engine, graph: nx.MultiGraph, entities: Entities) -> None:
    """Coordinates and containment of the corridor's nodes (reference data, mostly)."""
    for node in graph:
        graph.nodes[node].update(lat=None, lon=None, within=set())
    for row in _select(engine, "SELECT ?n ?lat ?lon WHERE { ?n kg:latitude ?lat ; kg:longitude ?lon }"):
        if row["n"] in graph:
            graph.nodes[row["n"]].update(lat=float(row["lat"]), lon=float(row["lon"]))
    parents: dict[str, set[str]] = defaultdict(set)
    for row in _select(engine, "SELECT DISTINCT ?n ?c WHERE { ?n kg:locatedIn|kg:memberOf ?c }"):
        parents[row["n"]].add(row["c"])
    for node in graph:
        graph.nodes[node]["within"] = _closure(node, parents)


def _closure(node: str, parents: dict[str, set[str]]) -> set[str]:
    """Everything a node lies in, directly or through what that lies in (Sofia, Bulgaria, the EU)."""
    seen: set[str] = set()
    todo = list(parents.get(node, ()))
    while todo:
        item = todo.pop()
        if item not in seen and item != node:
            seen.add(item)
            todo.extend(parents.get(item, ()))
    return seen


def side(graph: nx.Graph, entity: str) -> set[str]:
    """The nodes that stand for `entity`: itself if it is a node, and every node located in it."""
    return {n for n, data in graph.nodes(data=True) if n == entity or entity in data.get("within", ())}


def corridor_subgraph(graph: nx.MultiGraph, corridor: str | None) -> nx.MultiGraph:
    """The legs of one corridor (all legs when `corridor` is None) and the nodes they join."""
    if corridor is None:
        return graph
    edges = [(u, v, k) for u, v, k, data in graph.edges(keys=True, data=True) if corridor in data["corridors"]]
    return graph.edge_subgraph(edges)


def corridor_subgraphs(graph: nx.MultiGraph) -> dict[str, nx.MultiGraph]:
    """Every corridor's legs and the nodes they join, as `corridor_subgraph` gives them one by one, but
    made in one pass over the network and as graphs of their own (a view re-reads the whole network at
    every step of every route)."""
    legs: dict[str, list] = defaultdict(list)
    for u, v, k, data in graph.edges(keys=True, data=True):
        for corridor in data["corridors"]:
            legs[corridor].append((u, v, k, data))
    subgraphs = {}
    for corridor in sorted(legs):
        sub = nx.MultiGraph(**graph.graph)
        joined = {n for u, v, _, _ in legs[corridor] for n in (u, v)}
        sub.add_nodes_from((n, data) for n, data in graph.nodes(data=True) if n in joined)
        sub.add_edges_from(legs[corridor])
        subgraphs[corridor] = sub
    return subgraphs


def corridors(graph: nx.MultiGraph) -> list[str]:
    return sorted({c for _, _, data in graph.edges(data=True) for c in data["corridors"]})


# --------------------------------------------------------------------------------------------------------
# actor network
# --------------------------------------------------------------------------------------------------------

TIE_FAMILIES = (
    ("Event", "event"),
    ("Agreement", "agreement"),
    ("Document", "document"),
    ("Relationship", "relationship"),
    ("Tenure", "office"),
    ("Office", "office"),
    ("Initiative", "initiative"),
    ("Figure", "figure"),
    ("Route", "route"),
    ("Leg", "route"),
)


_TIE_CLASSES = tuple((str(KG[name]), family) for name, family in TIE_FAMILIES)


def tie_family(entities: Entities, iri: str) -> str:
    """What kind of thing ties two actors: an event, an agreement, an office, ..."""
    for cls, family in _TIE_CLASSES:
        if entities.is_a(iri, cls):
            return family
    return "link"


def actor_network(engine: Engine, entities: Entities | None = None) -> nx.Graph:
    """Agents tied directly (member of, partner) or through a shared thing (event, agreement, office).

    An edge's `ties` lists every tie as {kind, via, via_label, prop}; `weight` counts distinct ties.
    A tenure ties its holder to the organisation the office is in, via the office.
    """
    entities = _entities(engine, entities)
    agent = str(KG.Agent)
    graph = nx.Graph(network=str(KG.actorNetwork))
    ties = _Ties(graph, entities)
    around: dict[str, set[tuple[str, str]]] = defaultdict(set)  # thing -> {(agent, property)}
    for row in _select(
        engine,
        """
        SELECT DISTINCT ?x ?p ?a WHERE {
          ?x ?p ?a . ?a a/rdfs:subClassOf* kg:Agent .
          FILTER(isIRI(?x) && ?p != rdf:type && STRSTARTS(STR(?x), STR(id:)))
        }""",
    ):
        x, a = row["x"], row["a"]
        if VALUE_MARK in x:
            continue
        if entities.is_a(x, agent):
            ties.add(x, a, "link", a, local_name(row["p"]))
        else:
            around[x].add((a, local_name(row["p"])))
    for row in _select(
        engine,
        """
        SELECT DISTINCT ?office ?holder ?org WHERE { ?t kg:holder ?holder ; kg:office ?office . ?office kg:officeIn ?org }""",
    ):
        ties.add(row["holder"], row["org"], "office", row["office"], "holds office in")
    for x, members in around.items():
        kind = tie_family(entities, x)
        if kind in ("office", "route"):
            continue  # offices and tenures are handled above, via the office; legs join places, not actors
        for (a, pa), (b, pb) in combinations(sorted(members), 2):
            if a != b:
                ties.add(a, b, kind, x, f"{pa} / {pb}")
    return graph


class _Ties:
    """The actor network's edges, each with its ties: one per (kind, via), the first seen kept, and a weight
    that counts the distinct things (`via`) tying the two ends. Which ties an edge has is kept in sets
    beside the graph, so adding one costs the same however many the edge already has (the busiest pairs
    have thousands at a million triples)."""

    def __init__(self, graph: nx.Graph, entities: Entities) -> None:
        self.graph, self.entities = graph, entities
        self.kinds: dict[tuple[str, str], set[tuple[str, str]]] = {}
        self.vias: dict[tuple[str, str], set[str]] = {}

    def add(self, a: str, b: str, kind: str, via: str, prop: str) -> None:
        graph = self.graph
        for node in (a, b):
            if node not in graph:
                graph.add_node(node, **self.entities.attrs(node))
        if a == b:
            return
        pair = (a, b) if a < b else (b, a)
        kinds = self.kinds.get(pair)
        if kinds is None:
            graph.add_edge(a, b, ties=[], weight=0)
            kinds = self.kinds[pair] = set()
            self.vias[pair] = set()
        if (via, kind) in kinds:
            return
        kinds.add((via, kind))
        self.vias[pair].add(via)
        data = graph.edges[a, b]
        data["ties"].append({"kind": kind, "via": via, "via_label": self.entities.get(via).label, "prop": prop})
        data["weight"] = len(self.vias[pair])


# --------------------------------------------------------------------------------------------------------
# agreement network and entity network
# --------------------------------------------------------------------------------------------------------


def agreement_network(engine: Engine, entities: Entities | None = None) -> nx.Graph:
    """Documents (agreements first of all) joined to what they name: parties, signatories, the events that
    produced them, places and sectors. An edge keeps its `links` as (subject, property, object) triples."""
    entities = _entities(engine, entities)
    graph = nx.Graph(network=str(KG.agreementNetwork))
    rows = _select(
        engine,
        """
        SELECT DISTINCT ?s ?p ?o WHERE {
          ?doc a/rdfs:subClassOf* kg:Document .
          { ?doc ?p ?o . BIND(?doc AS ?s) } UNION { ?s ?p ?doc . BIND(?doc AS ?o) }
          FILTER(isIRI(?s) && isIRI(?o) && ?p != rdf:type && STRSTARTS(STR(?s), STR(id:)) && STRSTARTS(STR(?o), STR(id:)))
        }""",
    )
    _add_links(graph, entities, rows)
    return graph


def entity_network(engine: Engine, entities: Entities | None = None) -> nx.Graph:
    """Every entity linked to every entity it names, for the neighbourhood of anything."""
    entities = _entities(engine, entities)
    graph = nx.Graph(network="entities")
    rows = _select(
        engine,
        """
        SELECT DISTINCT ?s ?p ?o WHERE {
          ?s ?p ?o .
          FILTER(isIRI(?o) && ?p != rdf:type && STRSTARTS(STR(?s), STR(id:)) && STRSTARTS(STR(?o), STR(id:)))
        }""",
    )
    _add_links(graph, entities, rows)
    return graph


_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"  # to an alias IRI, which is the same node (dataset/identity.py)


def _add_links(graph: nx.Graph, entities: Entities, rows: list[dict[str, str]]) -> None:
    for row in rows:
        s, p, o = row["s"], row["p"], row["o"]
        if VALUE_MARK in s or VALUE_MARK in o or s == o or p == _SAME_AS:
            continue
        for node in (s, o):
            if node not in graph:
                graph.add_node(node, **entities.attrs(node))
        if not graph.has_edge(s, o):
            graph.add_edge(s, o, links=[], weight=0)
        data = graph.edges[s, o]
        if (s, p, o) not in data["links"]:
            data["links"].append((s, p, o))
            data["weight"] = len(data["links"])


__all__ = [
    "Entities",
    "EntityInfo",
    "corridor_network",
    "actor_network",
    "agreement_network",
    "entity_network",
    "side",
    "corridor_subgraph",
    "corridor_subgraphs",
    "corridors",
    "tie_family",
]
