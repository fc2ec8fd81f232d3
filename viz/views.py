"""The views: the Middle Corridor on a map, the actor network, the agreement network, the neighbourhood
of one entity, and the index that lists them.

Each view is a projection from graph.projections, laid out by viz.layout, styled by viz.style, with a card
(viz.cards) behind every node and edge, and rendered to one offline HTML file by viz.render.
"""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx

from kzlinks.analysis.algorithms import neighbourhood
from kzlinks.analysis.projections import (
    Entities,
    actor_network,
    agreement_network,
    corridor_network,
    entity_network,
)
from kzlinks.dataset.store import StoreDir
from kzlinks.namespaces import local_name
from kzlinks.progress import Progress
from kzlinks.sparql.engines import Engine, OxigraphEngine
from kzlinks.viz import layout
from kzlinks.viz.cards import Cards
from kzlinks.viz.render import View, render, render_index, write
from kzlinks.viz.style import CHOKEPOINT_BORDER, EDGE_STYLES, NodeStyle, edge_style, node_style

TIE_PRIORITY = ("office", "agreement", "event", "relationship", "initiative", "document", "figure", "link")
AGREEMENT_ROLES = {"party", "signatory", "adoptedBy", "author", "mandatedBy", "initiatedBy"}
EVENT_ROLES = {"produced", "presentedAt"}


class Source:
    """One store read for a set of views: its entities and the cards behind nodes and edges."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.entities = Entities(engine)
        self.cards = Cards(engine, self.entities)

    @classmethod
    def open(cls, store: StoreDir) -> Source:
        return cls(OxigraphEngine.open(store))


class Builder:
    """Accumulates one view's nodes, edges, cards and legend."""

    def __init__(self, src: Source, view: View) -> None:
        self.src, self.view = src, view
        self.node_styles: dict[str, NodeStyle] = {}
        self.edge_kinds: list[str] = []
        self.marks: list[dict] = []

    def node(
        self,
        iri: str,
        pos: tuple[float, float],
        size: float = 18,
        border: str | None = None,
        note: str = "",
        font: int | None = None,
    ) -> None:
        entities = self.src.entities
        info = entities.get(iri)
        cls, style = node_style(info.types, entities.supers)
        self.node_styles[cls] = style
        card = self.src.cards.card(iri)
        if note:
            card["facts"].append(["in this view", note, "derived"])
        self.view.cards[iri] = card
        node = {
            "id": iri,
            "label": info.label,
            "shape": style.shape,
            "size": size,
            "x": round(pos[0], 1),
            "y": round(pos[1], 1),
            "title": _hover(card),
            "group": cls,
            "color": {
                "background": style.color,
                "border": border or "#333333",
                "highlight": {"background": style.color, "border": "#000000"},
                "hover": {"background": style.color, "border": "#000000"},
            },
        }
        if border:
            node["borderWidth"] = 5
        if font:
            node["font"] = {"size": font}
        self.view.nodes.append(node)

    def edge(
        self,
        eid: str,
        a: str,
        b: str,
        kind: str,
        card: dict,
        width_add: float = 0,
        color: str | None = None,
        arrow: bool = False,
    ) -> None:
        style = edge_style(kind)
        if kind not in self.edge_kinds:
            self.edge_kinds.append(kind)
        self.view.cards[eid] = card
        edge = {
            "id": eid,
            "from": a,
            "to": b,
            "width": style.width + width_add,
            "dashes": style.dashes,
            "color": {"color": color or style.color, "highlight": "#000000", "hover": "#000000"},
            "title": _hover(card),
        }
        if arrow:
            edge["arrows"] = {"to": {"enabled": True, "scaleFactor": 0.5}}
        self.view.edges.append(edge)

    def mark(self, name: str, kind: str, color: str, **extra) -> None:
        self.marks.append({"kind": kind, "name": name, "color": color, **extra})

    def finish(self) -> View:
        legend = [
            {"kind": "node", "name": s.name, "color": s.color, "shape": s.shape}
            for s in sorted(self.node_styles.values(), key=lambda s: s.name)
        ]
        for kind in self.edge_kinds:
            style = EDGE_STYLES.get(kind, edge_style(kind))
            legend.append(
                {
                    "kind": "edge",
                    "name": style.name,
                    "color": style.color,
                    "dashes": style.dashes or [],
                    "width": style.width,
                }
            )
        self.view.legend = legend + self.marks
        return self.view


def _hover(card: dict) -> str:
    """The plain-text summary vis-network shows on hover."""
    lines = [card["label"], card["type"]]
    first = sorted(card["facts"], key=lambda f: ("source" not in f[2], "derived" in f[2]))  # sourced facts first
    lines += [f"{p}: {v}" for p, v, _ in first[:5]]
    count = len(card["sources"]) + card.get("more_sources", 0)
    lines.append(
        f"{count} source passage{'s' if count != 1 else ''} — click for the quotes"
        if count
        else "reference or derived data only — click for details"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------------


def corridor_view(src: Source) -> View:
    """Corridor nodes at their reference coordinates, legs by mode, seas as crossings, chokepoints ringed."""
    graph = corridor_network(src.engine, src.entities)
    src.cards.load(list(graph.nodes) + [d["leg"] for _, _, d in graph.edges(data=True)])
    view = View(
        "middle-corridor",
        "Middle Corridor",
        "The transport corridors on a map: cities, ports and states at their reference coordinates, legs "
        "by mode, each sea leg through the water body it crosses, chokepoints between China and the "
        "EU ringed in red.",
    )
    b = Builder(src, view)
    coords = {n: (d["lat"], d["lon"]) for n, d in graph.nodes(data=True) if d.get("lat") is not None}
    pos = layout.geographic(nx.Graph(graph), coords, gap=80)
    choke_nodes, choke_legs = src.cards.roles("chokepoint"), src.cards.roles("chokeLeg")
    for node in sorted(graph):
        choke = node in choke_nodes
        b.node(node, pos[node], size=30 if choke else 24, border=CHOKEPOINT_BORDER if choke else None, font=30)
    for u, v, key, d in sorted(graph.edges(keys=True, data=True), key=lambda e: (e[3]["leg"], e[2][1])):
        mode = local_name(d["mode"]) if d["mode"] else ("Sea" if d["crosses"] else "leg")
        card = src.cards.card(d["leg"])
        a, z = (u, v) if (d["leg_from"], d["leg_to"]) != (v, u) else (v, u)
        choke = d["leg"] in choke_legs
        b.edge(
            f"leg|{d['leg']}|{key[1]}",
            a,
            z,
            mode,
            card,
            width_add=3 if choke else 0,
            color=CHOKEPOINT_BORDER if choke else None,
        )
    if choke_nodes:
        b.mark(
            "chokepoint: its loss alone cuts China off from the EU",
            "node",
            "#ffffff",
            shape="dot",
            border=CHOKEPOINT_BORDER,
        )
    if choke_legs:
        b.mark("choke leg: its loss alone cuts China off from the EU", "edge", CHOKEPOINT_BORDER, width=5, dashes=[])
    view.physics = False
    return b.finish()


def _tie_card(src: Source, a: str, b: str, ties: list[dict]) -> dict:
    graphs = set().union(*(src.cards.mentions.get(t["via"], set()) for t in ties))
    facts = [[t["kind"], f"{t['via_label']} ({t['prop']})", "source"] for t in ties]
    sources = src.cards.sources(graphs)
    return {
        "label": f"{src.entities.get(a).label} — {src.entities.get(b).label}",
        "type": "tie between actors",
        "alt": [],
        "facts": facts,
        "sources": sources[:25],
        "more_sources": max(0, len(sources) - 25),
        "iri": "",
    }


def actors_view(src: Source) -> View:
    """Who is tied to whom, and by what: an office, an event, an agreement, a membership."""
    graph = actor_network(src.engine, src.entities)
    vias = {t["via"] for _, _, d in graph.edges(data=True) for t in d["ties"]}
    src.cards.load(list(graph.nodes) + sorted(vias))
    view = View(
        "actors",
        "Actors",
        "People, states and organisations, tied by the offices they hold, the events they take part in "
        "and the agreements they are party to; thicker lines carry more ties.",
    )
    b = Builder(src, view)
    pos = layout.radial(graph)
    for node in sorted(graph):
        b.node(node, pos[node], size=12 + 3 * math.sqrt(graph.degree(node)))
    for i, (u, v, d) in enumerate(sorted(graph.edges(data=True), key=lambda e: (e[0], e[1]))):
        kinds = {t["kind"] for t in d["ties"]}
        kind = next((k for k in TIE_PRIORITY if k in kinds), "link")
        b.edge(f"tie|{i}", u, v, kind, _tie_card(src, u, v, d["ties"]), width_add=min(d["weight"] - 1, 5))
    view.physics = True
    return b.finish()


def _link_kind(links: list[tuple[str, str, str]]) -> str:
    props = {local_name(p) for _, p, _ in links}
    return "party" if props & AGREEMENT_ROLES else "produced" if props & EVENT_ROLES else "statement"


def _link_view(src: Source, graph: nx.Graph, view: View, pos: dict, centre: str | None = None) -> View:
    src.cards.load(graph.nodes)
    b = Builder(src, view)
    for node in sorted(graph):
        b.node(
            node,
            pos[node],
            size=26 if node == centre else 12 + 3 * math.sqrt(graph.degree(node)),
            border="#000000" if node == centre else None,
        )
    for i, (_u, _v, d) in enumerate(sorted(graph.edges(data=True), key=lambda e: (e[0], e[1]))):
        s, _, o = d["links"][0]
        b.edge(f"link|{i}", s, o, _link_kind(d["links"]), src.cards.triple_card(d["links"]), arrow=True)
    return b.finish()


def agreements_view(src: Source) -> View:
    """Agreements and documents with their parties, signatories, producing events, places and sectors."""
    graph = agreement_network(src.engine, src.entities)
    view = View(
        "agreements",
        "Agreements",
        "Agreements and other documents, joined to their parties and signatories, the events that "
        "produced them, where they were signed and the sectors they cover.",
    )
    view.physics = True
    return _link_view(src, graph, view, layout.radial(graph))


def ego_view(src: Source, entity: str, depth: int = 1) -> View:
    """Everything within `depth` links of one entity, in rings around it."""
    centre = src.entities.find(src.engine, entity)
    graph = neighbourhood(entity_network(src.engine, src.entities), centre, depth)
    if centre not in graph:
        graph.add_node(centre, **src.entities.attrs(centre))
    label = src.entities.get(centre).label
    view = View(
        f"ego-{local_name(centre)}",
        f"Around {label}",
        f"Everything within {depth} link{'s' if depth != 1 else ''} of {label}, in rings by distance; "
        f"arrows point from subject to object of the stated link.",
    )
    return _link_view(src, graph, view, layout.radial(graph, root=centre), centre=centre)


# --------------------------------------------------------------------------------------------------------


def main_views(src: Source, progress: Progress = lambda _: None) -> list[View]:
    views = []
    for build in (corridor_view, actors_view, agreements_view):
        views.append(build(src))
        progress(f"{views[-1].file_name}: {len(views[-1].nodes)} nodes, {len(views[-1].edges)} edges")
    return views


def write_views(out_dir: Path, store: StoreDir | None = None, progress: Progress = lambda _: None) -> list[Path]:
    """Write index.html and every main view into `out_dir`; returns the files written, index first."""
    views = main_views(Source.open(store or StoreDir()), progress)
    paths = [write(out_dir / v.file_name, render(v, views)) for v in views]
    index = write(out_dir / "index.html", render_index(views))
    return [index, *paths]


def write_ego(out_dir: Path, entity: str, depth: int = 1, store: StoreDir | None = None) -> Path:
    """Write ego-ENTITY.html: the neighbourhood of one entity (an id, a label or any spelling of it)."""
    view = ego_view(Source.open(store or StoreDir()), entity, depth)
    return write(out_dir / view.file_name, render(view, []))
