"""The views: the Middle Corridor on a map, the actor network, the agreement network, the neighbourhood
of one entity, and the index that lists them.

Each view is a projection from graph.projections, laid out by viz.layout, styled by viz.style, with a card
(viz.cards) behind every node and edge, and rendered to one offline HTML file by viz.render.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import Any

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
from kzlinks.namespaces import KG, local_name
from kzlinks.progress import Progress
from kzlinks.sparql.engines import Engine, OxigraphEngine
from kzlinks.viz import geo, layout
from kzlinks.viz.cards import Cards
from kzlinks.viz.corridor import corridor_panel
from kzlinks.viz.render import View, render, render_index, write
from kzlinks.viz.style import CHOKEPOINT_BORDER, EDGE_STYLES, NodeStyle, edge_style, node_style

BEND_LIMIT = 2000  # above this many places the map is a point cloud: legs stay straight
COLLAPSED_NAME = "collapsed group (click to open)"
CORE_ACTORS = 22  # actors shown when the actor view opens: the most connected ones
MAX_CHILDREN = 10  # an ego view shows at most this many neighbours of one node before collapsing the rest
HUB_CLASSES = ("State", "InternationalOrganisation")
TIE_PRIORITY = ("office", "agreement", "event", "relationship", "initiative", "document", "figure", "link")
AGREEMENT_ROLES = {"party", "signatory", "adoptedBy", "author", "mandatedBy", "initiatedBy"}
EVENT_ROLES = {"produced", "presentedAt"}


class ViewData:
    """What a set of views reads from one store: its entities and the cards behind nodes and edges (named
    apart from the articles, which the project calls sources)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.entities = Entities(engine)
        self.cards = Cards(engine, self.entities)

    @classmethod
    def open(cls, store: StoreDir) -> ViewData:
        return cls(OxigraphEngine.open(store))


class Builder:
    """Accumulates one view's nodes, edges, cards and legend."""

    def __init__(self, src: ViewData, view: View) -> None:
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
        rank: float = 1.0,
        hidden: bool = False,
        **extra,
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
            "cls": cls,
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
        node["rank"] = round(rank, 3)
        if hidden:
            node["hidden"] = True
        node.update(extra)
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
        **extra,
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
        edge.update(extra)
        self.view.edges.append(edge)

    def mark(self, name: str, kind: str, color: str, **extra) -> None:
        self.marks.append({"kind": kind, "name": name, "color": color, **extra})

    def counted(self, cid: str, label: str, pos: tuple[float, float], members: list[str], about: str) -> None:
        """A node standing for `members` (hidden until the reader opens it), counted in its label."""
        self.view.cards[cid] = {
            "label": label,
            "type": "collapsed group: click to open",
            "alt": [],
            "facts": [["stands for", f"{len(members)} entities linked to {about}", "derived"]],
            "sources": [],
            "more_sources": 0,
            "iri": "",
        }
        self.view.nodes.append(
            {
                "id": cid,
                "label": label,
                "shape": "dot",
                "size": 14,
                "x": round(pos[0], 1),
                "y": round(pos[1], 1),
                "title": f"{label}\nclick to open",
                "cls": "collapsed",
                "color": {"background": "#ffffff", "border": "#555555"},
                "borderWidth": 2,
                "shapeProperties": {"borderDashes": [3, 3]},
                "rank": 1.5,
                "counted": True,
                "expands": members,
            }
        )
        if not any(m.get("name") == COLLAPSED_NAME for m in self.marks):
            self.mark(COLLAPSED_NAME, "node", "#ffffff", shape="dot", border="#555555")

    def finish(self) -> View:
        legend: list[dict[str, Any]] = [
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


class _NodeGrid:
    """Node positions bucketed in square cells, so finding the nodes near a line is cheap on a big map."""

    def __init__(self, pos: dict[str, tuple[float, float]], cell: float = 40.0) -> None:
        self.pos, self.cell = pos, cell
        self.cells: dict[tuple[int, int], list[str]] = defaultdict(list)
        for node, (x, y) in pos.items():
            self.cells[(int(x // cell), int(y // cell))].append(node)

    def near_segment(self, a: tuple[float, float], z: tuple[float, float]) -> set[str]:
        steps = max(1, int(math.hypot(z[0] - a[0], z[1] - a[1]) / self.cell) + 1)
        found: set[str] = set()
        for i in range(steps + 1):
            x, y = a[0] + (z[0] - a[0]) * i / steps, a[1] + (z[1] - a[1]) * i / steps
            gx, gy = int(x // self.cell), int(y // self.cell)
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    found.update(self.cells.get((gx + dx, gy + dy), ()))
        return found


def _curve_if_crossing(grid: _NodeGrid, a: str, z: str, clearance: float = 9.0) -> dict | None:
    """A bend for a leg whose straight line would run through another node (Kuryk's leg past Aktau)."""
    pos = grid.pos
    (ax, ay), (zx, zy) = pos[a], pos[z]
    length2 = (zx - ax) ** 2 + (zy - ay) ** 2
    if length2 < 1e-9:
        return None
    for node in sorted(grid.near_segment(pos[a], pos[z]) - {a, z}):
        px, py = pos[node]
        t = ((px - ax) * (zx - ax) + (py - ay) * (zy - ay)) / length2
        if 0.02 < t < 0.98:
            cx, cy = ax + t * (zx - ax), ay + t * (zy - ay)
            if math.hypot(px - cx, py - cy) < clearance:
                side = (zx - ax) * (py - ay) - (zy - ay) * (px - ax)
                return {"enabled": True, "type": "curvedCCW" if side > 0 else "curvedCW", "roundness": 0.35}
    return None


def _figure_detail(card: dict) -> str:
    return "; ".join(f[1] for f in card["facts"] if f[0] in ("amount", "quantity", "period", "measures"))[:80]


def corridor_view(src: ViewData) -> View:
    """The corridor on a map of Natural Earth land and seas: legs by mode, sea legs across the water they
    cross, chokepoints ringed; a panel of what the graph ties to the corridor; a cut control."""
    graph = corridor_network(src.engine, src.entities)
    src.cards.load(list(graph.nodes) + [d["leg"] for _, _, d in graph.edges(data=True)])
    view = View(
        "middle-corridor",
        "Middle Corridor",
        "The transport corridors on a map: cities, ports and states at their reference coordinates, legs "
        "by mode, each sea leg through the water body it crosses, chokepoints between China and the "
        "EU ringed in red.",
        answers="Which way do goods go between China and Europe, who and what is tied to the route, and "
        "which single place or leg would cut it?",
    )
    b = Builder(src, view)
    coords = {n: (d["lat"], d["lon"]) for n, d in graph.nodes(data=True) if d.get("lat") is not None}
    pos = layout.projected(nx.Graph(graph), coords, geo.project, gap=16)
    choke_nodes, choke_legs = src.cards.roles("chokepoint"), src.cards.roles("chokeLeg")
    grid = _NodeGrid(pos)
    simple = nx.Graph(graph)
    bridges = {frozenset(e) for e in nx.bridges(simple)} if simple.number_of_edges() else set()
    for node in sorted(graph):
        choke = node in choke_nodes
        water = graph.nodes[node].get("water")
        rank = 3 if choke else 1.5 if water else 2 + min(graph.degree(node), 6) / 10
        sea: dict[str, Any] = {"water": 1} if water else {}  # a sea's name is written as a map writes it (view.js)
        b.node(node, pos[node], size=10 if choke else 8, border=CHOKEPOINT_BORDER if choke else None, rank=rank, **sea)
    for u, v, key, d in sorted(graph.edges(keys=True, data=True), key=lambda e: (e[3]["leg"], e[2][1])):
        mode = local_name(d["mode"]) if d["mode"] else ("Sea" if d["crosses"] else "leg")
        card = src.cards.card(d["leg"])
        a, z = (u, v) if (d["leg_from"], d["leg_to"]) != (v, u) else (v, u)
        choke = d["leg"] in choke_legs
        extra: dict[str, Any] = {} if frozenset((u, v)) in bridges else {"alt": 1}
        bend = _curve_if_crossing(grid, a, z) if len(pos) <= BEND_LIMIT else None
        if bend:
            extra["smooth"] = bend
        b.edge(
            f"leg|{d['leg']}|{key[1]}",
            a,
            z,
            mode,
            card,
            width_add=3 if choke else 0,
            color=CHOKEPOINT_BORDER if choke else None,
            **extra,
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
    b.mark("land (Natural Earth country outlines)", "area", geo.LAND, border=geo.BORDER)
    b.mark("sea", "area", geo.SEA, border=geo.SEA)
    panel, listed = corridor_panel(src.engine, src.entities, graph)
    src.cards.load(listed)
    for section in panel["sections"]:
        for item in section["items"]:
            card = src.cards.card(item["id"])
            view.cards[item["id"]] = card
            if section["name"] == "Figures":
                item["detail"] = _figure_detail(card)
    view.physics = False
    factor = layout.spread({n: geo.project(lat, lon) for n, (lat, lon) in coords.items()})
    view.extra = {"background": geo.map_background(factor), "panel": panel, "cut": True, "maxScale": 3}
    return b.finish()


def _tie_card(src: ViewData, a: str, b: str, ties: list[dict]) -> dict:
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


def _nonempty(**lists: list[str]) -> dict[str, Any]:
    """Only the lists that have something: a 10,000-node page should not carry 10,000 empty ones."""
    return {k: v for k, v in lists.items() if v}


def _docs_of(src: ViewData, iri: str) -> list[str]:
    return sorted({src.cards.passages[g].get("doc", "") for g in src.cards.mentions.get(iri, ())} - {""})


def _filters(src: ViewData, b: Builder, docs: set[str], years: set[str]) -> dict:
    titles = {p.get("doc", ""): p.get("title", "") for p in src.cards.passages.values()}
    return {
        "classes": [{"group": g, "name": s.name} for g, s in sorted(b.node_styles.items(), key=lambda i: i[1].name)],
        "articles": [[d, f"{d[:3]} {titles.get(d, '')}"[:60].strip()] for d in sorted(docs)],
        "years": [[y, y] for y in sorted(years)],
    }


def actors_view(src: ViewData) -> View:
    """Who is tied to whom: the most connected actors and their ties on load, the rest a click away;
    filters by class, article and year."""
    graph = actor_network(src.engine, src.entities)
    vias = {t["via"] for _, _, d in graph.edges(data=True) for t in d["ties"]}
    src.cards.load(list(graph.nodes) + sorted(vias))
    view = View(
        "actors",
        "Actors",
        "People, states and organisations, tied by the offices they hold, the events they take part in "
        "and the agreements they are party to; thicker lines carry more ties. The most connected actors "
        "show first: click one to show everyone tied to it.",
        answers="Who acts with whom, through which events, agreements and offices?",
    )
    b = Builder(src, view)
    strength = {n: sum(d["weight"] for _, _, d in graph.edges(n, data=True)) for n in graph}
    core = set(sorted(graph, key=lambda n: (-strength[n], n))[:CORE_ACTORS])
    pos = layout.core_and_periphery(graph, core)
    dates = src.cards.dates(sorted(vias))
    top = max(strength.values(), default=1) or 1
    all_docs, all_years = set(), set()
    for node in sorted(graph):
        years = sorted(
            {dates[t["via"]][:4] for _, _, d in graph.edges(node, data=True) for t in d["ties"] if t["via"] in dates}
        )
        docs = _docs_of(src, node)
        all_docs.update(docs)
        all_years.update(years)
        b.node(
            node,
            pos[node],
            size=10 + 3 * math.sqrt(graph.degree(node)),
            rank=(2 if node in core else 0.5) + strength[node] / top,
            hidden=node not in core,
            **_nonempty(docs=docs, years=years),
        )
    for i, (u, v, d) in enumerate(sorted(graph.edges(data=True), key=lambda e: (e[0], e[1]))):
        kinds = {t["kind"] for t in d["ties"]}
        kind = next((k for k in TIE_PRIORITY if k in kinds), "link")
        extra: dict[str, Any] = {} if u in core and v in core else {"hidden": True}
        b.edge(f"tie|{i}", u, v, kind, _tie_card(src, u, v, d["ties"]), width_add=min(d["weight"] - 1, 5), **extra)
    view.physics = False
    view.extra = {"filters": _filters(src, b, all_docs, all_years)}
    return b.finish()


def _link_kind(links: list[tuple[str, str, str]]) -> str:
    props = {local_name(p) for _, p, _ in links}
    return "party" if props & AGREEMENT_ROLES else "produced" if props & EVENT_ROLES else "statement"


def _link_edges(src: ViewData, b: Builder, graph: nx.Graph, shown: set[str]) -> None:
    for i, (u, v, d) in enumerate(sorted(graph.edges(data=True), key=lambda e: (e[0], e[1]))):
        s, _, o = d["links"][0]
        extra: dict[str, Any] = {} if u in shown and v in shown else {"hidden": True}
        b.edge(f"link|{i}", s, o, _link_kind(d["links"]), src.cards.triple_card(d["links"]), arrow=True, **extra)


def _dated_by_event(graph: nx.Graph, docs: list[str], events: list[str], dates: dict[str, str]) -> dict[str, str]:
    """Undated documents take the date of a dated event that produced them (or where they were presented)."""
    out = {}
    for doc in docs:
        if doc in dates:
            continue
        found = sorted(
            dates[e]
            for e in graph[doc]
            if e in dates
            and e in events
            and any(local_name(p) in EVENT_ROLES for _, p, _ in graph.edges[doc, e]["links"])
        )
        if found:
            out[doc] = found[0]
    return out


def agreements_view(src: ViewData) -> View:
    """Agreements and documents on a time axis by their date (undated ones apart), the events that
    produced them above, their parties below; places and sectors one click away."""
    graph = agreement_network(src.engine, src.entities)
    src.cards.load(graph.nodes)
    view = View(
        "agreements",
        "Agreements",
        "Agreements and other documents on a time axis by the date the sources give (day, month or year; "
        "undated ones on the right), the events that produced them above, their parties below. Click a "
        "document to show the places and sectors it names.",
        answers="What was agreed when, between whom, and at which event?",
    )
    document, event, agent = str(KG.Document), str(KG.Event), str(KG.Agent)
    docs = sorted(n for n in graph if src.entities.is_a(n, document))
    events = sorted(n for n in graph if src.entities.is_a(n, event))
    dates = src.cards.dates(docs + events)
    by_event = _dated_by_event(graph, docs, events, dates)
    dates.update(by_event)
    agents = sorted(n for n in graph if src.entities.is_a(n, agent) and n not in docs)
    labels = {n: src.entities.get(n).label for n in graph}
    timeline = layout.timeline(graph, docs, dates, events, agents, labels)

    def side_of(node: str) -> dict[str, Any]:  # the side view.js puts a label on first, where the layout says
        return {"side": timeline.side[node]} if node in timeline.side else {}

    b = Builder(src, view)
    shown = set(docs) | set(events) | set(agents)
    for node in sorted(graph):
        note = (
            f"placed at {dates[node]}, the date of the event that produced it"
            if node in by_event
            else f"dated {dates[node]}"
            if node in dates
            else ("undated in the sources" if node in docs else "")
        )
        b.node(
            node,
            timeline.pos[node],
            size=7 if node in docs else 5,
            rank=(3 if node in docs else 2 if node in events else 1.2) + graph.degree(node) / 100,
            hidden=node not in shown,
            note=note,
            **side_of(node),
        )
    _link_edges(src, b, graph, shown)
    view.physics = False
    view.extra = {"background": timeline.axis}
    return b.finish()


def _is_hub(src: ViewData, graph: nx.Graph, node: str) -> bool:
    return any(src.entities.is_a(node, str(KG[c])) for c in HUB_CLASSES) or graph.degree(node) > 40


def ego_view(src: ViewData, entity: str, depth: int = 1) -> View:
    """Everything within `depth` links of one entity, in rings around it; what lies beyond a hub (a state,
    the EU) and the many neighbours of one node are collapsed into counted nodes the reader can open."""
    centre = src.entities.find(src.engine, entity)
    full = entity_network(src.engine, src.entities)
    graph = neighbourhood(full, centre, depth)
    if centre not in graph:
        graph.add_node(centre, **src.entities.attrs(centre))
    label = src.entities.get(centre).label
    view = View(
        f"ego-{local_name(centre)}",
        f"Around {label}",
        f"Everything within {depth} link{'s' if depth != 1 else ''} of {label}, in rings by distance; "
        f"arrows point from subject to object of the stated link. Dashed circles stand for many entities "
        f"(beyond a state or union, or past the first {MAX_CHILDREN} of one node): click one to open it.",
        answers=f"What is {label} linked to, and through what?",
    )
    tree = layout.collapsed_tree(graph, centre, lambda n: _is_hub(src, full, n), MAX_CHILDREN)
    src.cards.load(graph.nodes)
    b = Builder(src, view)
    for node in sorted(graph):
        b.node(
            node,
            tree.pos[node],
            size=26 if node == centre else 10 + 2 * math.sqrt(graph.degree(node)),
            border="#000000" if node == centre else None,
            rank=3 if node == centre else 2.5 - tree.depth.get(node, 3) * 0.5 + graph.degree(node) / 1000,
            hidden=node not in tree.shown,
        )
    for group, members in tree.groups.items():
        parent = src.entities.get(group[0]).label
        b.counted(
            f"more|{group[0]}|{group[1]}", f"+{len(members)} via {parent}", tree.group_pos[group], members, parent
        )
    _link_edges(src, b, graph, tree.shown)
    for group in tree.groups:
        b.view.edges.append(
            {
                "id": f"more-edge|{group[0]}|{group[1]}",
                "from": group[0],
                "to": f"more|{group[0]}|{group[1]}",
                "width": 1,
                "dashes": [3, 3],
                "color": {"color": "#777777"},
            }
        )
    view.physics = False
    view.extra = {"maxScale": 1.6}
    return b.finish()


# --------------------------------------------------------------------------------------------------------


def main_views(src: ViewData, progress: Progress = lambda _: None) -> list[View]:
    views = []
    for build in (corridor_view, actors_view, agreements_view):
        views.append(build(src))
        progress(f"{views[-1].file_name}: {len(views[-1].nodes)} nodes, {len(views[-1].edges)} edges")
    return views


def write_views(out_dir: Path, store: StoreDir | None = None, progress: Progress = lambda _: None) -> list[Path]:
    """Write index.html and every main view into `out_dir`; returns the files written, index first."""
    views = main_views(ViewData.open(store or StoreDir()), progress)
    paths = [write(out_dir / v.file_name, render(v, views)) for v in views]
    index = write(out_dir / "index.html", render_index(views))
    return [index, *paths]


def write_ego(out_dir: Path, entity: str, depth: int = 1, store: StoreDir | None = None) -> Path:
    """Write ego-ENTITY.html: the neighbourhood of one entity (an id, a label or any spelling of it)."""
    view = ego_view(ViewData.open(store or StoreDir()), entity, depth)
    return write(out_dir / view.file_name, render(view, []))
