"""What the graph knows about a corridor beyond its geometry, for the panel beside the map: every
organisation tied to it by a sourced statement (whatever its class: operators, joint ventures, banks,
states), the agreements, events and initiatives about it, and the figures that measure it.

A thing is tied to the corridor when a passage states a link between it and the corridor or one of its
legs; an organisation is also tied when it takes part in such a thing (the parties of a cooperation
about the corridor, the company that runs an initiative on it). Each item keeps the map nodes it is tied
to, so the panel can point at them.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from kzlinks.analysis.projections import VALUE_MARK, Entities
from kzlinks.namespaces import KG, sparql_prefixes
from kzlinks.sparql.engines import Engine

EXCLUDED_GRAPHS = "graph:derived, graph:ontology, graph:reference, graph:sources"
GEOMETRY = "kg:fromNode, kg:toNode, kg:legOf, kg:crosses, kg:mode, kg:sequence, rdf:type"  # a leg's own shape
CHUNK = 400
SECTIONS = (
    ("Organisations", ("Organisation",), "No organisation is tied to the corridor by a statement."),
    ("People", ("Person",), "No person is tied to the corridor by a statement."),
    ("Agreements and documents", ("Document",), "No agreement or document is about the corridor."),
    ("Events", ("Event",), "No event is tied to the corridor."),
    ("Figures", ("Figure", "Quantity"), "No figure measures the corridor."),
    ("Initiatives and cooperation", ("Initiative", "Relationship"), "None."),
)


def _rows(engine: Engine, query: str) -> list[dict[str, str]]:
    results = engine.run(sparql_prefixes() + query, {}, "viz/corridor.py")
    return [{k: t.value for k, t in row.items()} for row in results.rows]


def _neighbours(engine: Engine, anchors: list[str]) -> list[dict[str, str]]:
    """Entities a passage links (either way) to any of the anchors."""
    if not anchors:
        return []
    rows = []
    for start in range(0, len(anchors), CHUNK):
        values = " ".join(f"<{a}>" for a in anchors[start : start + CHUNK])
        rows += _rows(
            engine,
            f"""SELECT DISTINCT ?x ?a WHERE {{ VALUES ?a {{ {values} }}
                GRAPH ?g {{ {{ ?x ?p ?a }} UNION {{ ?a ?p ?x }} }}
                FILTER(?p NOT IN ({GEOMETRY}) && isIRI(?x) && STRSTARTS(STR(?x), STR(id:))
                       && ?g NOT IN ({EXCLUDED_GRAPHS})) }}""",
        )
    return rows


def _organisations_at(engine: Engine, places: set[str]) -> list[dict[str, str]]:
    """Organisations (not states) a passage links to a place on the map: a port's operator, a bank's
    project in a city. Read from the organisations' side, as there are far fewer of them than places."""
    rows = _rows(
        engine,
        f"""SELECT DISTINCT ?x ?a WHERE {{
              ?x a/rdfs:subClassOf* kg:Organisation . FILTER NOT EXISTS {{ ?x a/rdfs:subClassOf* kg:State }}
              GRAPH ?g {{ {{ ?x ?p ?a }} UNION {{ ?a ?p ?x }} }}
              FILTER(isIRI(?a) && ?g NOT IN ({EXCLUDED_GRAPHS})) }}""",
    )
    return [r for r in rows if r["a"] in places]


def _section(entities: Entities, iri: str) -> str | None:
    for name, classes, _ in SECTIONS:
        if any(entities.is_a(iri, str(KG[c])) for c in classes):
            return name
    return None


def corridor_panel(engine: Engine, entities: Entities, graph: nx.MultiGraph) -> tuple[dict, list[str]]:
    """The panel's sections and the entities it lists (whose cards the view must carry)."""
    legs = {d["leg"]: (u, v) for u, v, d in graph.edges(data=True)}
    corridors = sorted({c for _, _, d in graph.edges(data=True) for c in d["corridors"]})
    places = set(graph)
    skip = set(legs) | set(corridors) | places
    targets: dict[str, set[str]] = defaultdict(set)
    whole = sorted(places)

    def tie(x: str, anchor: str) -> None:
        if anchor in legs:
            targets[x].update(legs[anchor])
        elif anchor in places:
            targets[x].add(anchor)
        else:
            targets[x].update(whole)

    first = set()
    for row in _neighbours(engine, corridors + sorted(legs)):
        x = row["x"]
        if x not in skip and VALUE_MARK not in x:
            first.add(x)
            tie(x, row["a"])
    for row in _neighbours(engine, sorted(first)):
        x = row["x"]
        if x in skip or VALUE_MARK in x or x in first:
            continue
        if entities.is_a(x, str(KG.Agent)):  # an organisation or person acting in something about the corridor
            targets[x] |= targets[row["a"]]
    for row in _organisations_at(engine, places):
        if row["x"] not in skip and row["x"] not in targets:
            targets[row["x"]].add(row["a"])
    sections: dict[str, list[dict]] = {name: [] for name, _, _ in SECTIONS}
    for iri in sorted(targets, key=lambda i: entities.get(i).label.lower()):
        section = _section(entities, iri)
        if section is None:
            continue
        info = entities.get(iri)
        sections[section].append(
            {
                "id": iri,
                "label": info.label,
                "type": entities.class_label(info.cls) if info.cls else "thing",
                "targets": sorted(targets[iri] & places),
            }
        )
    panel = {
        "title": "What the graph ties to the corridor",
        "sections": [
            {"name": name, "items": sections[name], "empty": empty}
            for name, _, empty in SECTIONS
            if sections[name] or name in ("Organisations", "Figures")
        ],
    }
    return panel, sorted(targets)
