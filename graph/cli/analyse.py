"""`kg analyse`: run the network analysis on the live store and print it.

`kg build` already stores the results in the derived graph for queries; this command is for a person
at a terminal: the China–EU route and cut, the most central actors and the communities at a glance, and
on demand the route between any two nodes, the cut between any two sides, or the neighbourhood of any
entity.
"""

from __future__ import annotations

import argparse
from functools import cached_property

import networkx as nx

from kzlinks.analysis import algorithms as analysis
from kzlinks.analysis.derived import CUT_SIDES
from kzlinks.analysis.projections import (
    Entities,
    actor_network,
    agreement_network,
    corridor_network,
    corridor_subgraph,
    entity_network,
)
from kzlinks.dataset.store import StoreDir
from kzlinks.errors import AnalysisError, NodeNotFound, QueryError
from kzlinks.namespaces import entity_iri, local_name
from kzlinks.progress import say
from kzlinks.sparql.engines import OxigraphEngine

DEFAULT_SIDES = CUT_SIDES[0]


class Session:
    """The live store, its entities and the projections, each read once when first needed."""

    def __init__(self, store: str) -> None:
        self.engine = OxigraphEngine.open(StoreDir(store))
        self.entities = Entities(self.engine)

    @cached_property
    def corridor(self) -> nx.MultiGraph:
        return corridor_network(self.engine, self.entities)

    @cached_property
    def actors(self) -> nx.Graph:
        return actor_network(self.engine, self.entities)

    @cached_property
    def agreements(self) -> nx.Graph:
        return agreement_network(self.engine, self.entities)

    @cached_property
    def everything(self) -> nx.Graph:
        return entity_network(self.engine, self.entities)

    def find(self, text: str) -> str:
        """The entity a user means (see kzlinks.sparql.lookup); the id used is shown when it was a name."""
        iri = self.entities.find(self.engine, text)
        if text not in (iri, local_name(iri)):
            say(f"{text}: {local_name(iri)}")
        return iri

    def name(self, iri: str) -> str:
        return self.entities.get(iri).label

    def kind(self, iri: str) -> str:
        cls = self.entities.get(iri).cls
        return self.entities.class_label(cls) if cls else "thing"


def route_lines(s: Session, found: analysis.Route) -> list[str]:
    where = f" along {s.name(found.corridor)}" if found.corridor else ""
    lines = [f"route from {s.name(found.start)} to {s.name(found.end)}{where}: {found.legs} legs"]
    for position in sorted({step.position for step in found.steps}):
        steps = [st for st in found.steps if st.position == position]
        nodes = " | ".join(f"{s.name(st.node)} ({s.kind(st.node)})" for st in steps)
        legs = sorted({leg for st in steps for leg in st.legs})
        sea = [
            leg
            for leg in legs
            if any(
                (d.get("mode") or "").endswith("#Sea") or d.get("crosses")
                for _, _, d in s.corridor.edges(data=True)
                if d["leg"] == leg
            )
        ]
        via = f"  via {', '.join(s.name(leg) for leg in legs)}" if legs else ""
        mark = "  [sea crossing]" if sea else ""
        lines.append(f"  {position:>2}  {nodes}{via}{mark}")
    return lines


def cut_lines(s: Session, found: analysis.Cut) -> list[str]:
    lines = [f"what disconnects {s.name(found.side_a)} from {s.name(found.side_b)}:"]
    if not found.connected:
        return lines + ["  nothing: the corridor network does not connect them"]

    def names(items: list[str]) -> str:
        return ", ".join(s.name(i) for i in items) or "none"

    lines += [
        f"  chokepoints (each alone): {names(found.chokepoints)}",
        f"  choke legs (each alone): {names(found.choke_legs)}",
        f"  minimum node cut ({len(found.node_cut)}): {names(found.node_cut)}",
        f"  minimum leg cut ({len(found.leg_cut)}): {names(found.leg_cut)}",
    ]
    return lines


def centrality_lines(s: Session, graph: nx.Graph, title: str, top: int) -> list[str]:
    lines = [f"most central in the {title} (betweenness, degree):"]
    for score in analysis.centrality(graph)[:top]:
        lines.append(
            f"  {score.rank:>3}. {s.name(score.node)} ({s.kind(score.node)})  "
            f"{score.betweenness:.3f}  {score.degree:.3f}"
        )
    return lines


def community_lines(s: Session, graph: nx.Graph, title: str, top: int) -> list[str]:
    lines = [f"communities of the {title}:"]
    for number, members in enumerate(analysis.communities(graph)[:top], 1):
        shown = ", ".join(sorted(s.name(m) for m in members)[:12])
        more = f", … ({len(members) - 12} more)" if len(members) > 12 else ""
        lines.append(f"  {number:>3}. ({len(members)}) {shown}{more}")
    return lines


def cmd_summary(args: argparse.Namespace) -> int:
    s = Session(args.store)
    net = s.corridor
    legs = {d["leg"] for _, _, d in net.edges(data=True)}
    out = [f"corridor network: {net.number_of_nodes()} nodes, {len(legs)} legs"]
    a, b = (entity_iri(x) for x in DEFAULT_SIDES)
    try:
        out += route_lines(s, analysis.route(net, a, b))
    except AnalysisError:
        out.append(f"no route from {s.name(a)} to {s.name(b)}")
    try:
        out += cut_lines(s, analysis.cut(net, a, b))
    except NodeNotFound:
        out.append(f"no cut: {s.name(a)} or {s.name(b)} has no corridor node")
    points = analysis.articulation_points(net)
    out.append(f"articulation points of the corridor network: {', '.join(s.name(p) for p in points) or 'none'}")
    out += centrality_lines(s, s.actors, "actor network", args.top)
    out += community_lines(s, s.actors, "actor network", args.top)
    out += centrality_lines(s, s.agreements, "agreement network", args.top)
    print("\n".join(out))
    return 0


def cmd_route(args: argparse.Namespace) -> int:
    s = Session(args.store)
    start, end = s.find(args.start), s.find(args.end)
    corridor = s.find(args.corridor) if args.corridor else None
    try:
        found = analysis.route(corridor_subgraph(s.corridor, corridor), start, end, corridor)
    except AnalysisError:
        raise QueryError(f"no route from {s.name(start)} to {s.name(end)} in the corridor network") from None
    print("\n".join(route_lines(s, found)))
    return 0


def cmd_cut(args: argparse.Namespace) -> int:
    s = Session(args.store)
    a, b = s.find(args.side_a), s.find(args.side_b)
    try:
        found = analysis.cut(s.corridor, a, b)
    except NodeNotFound:
        raise QueryError(f"{s.name(a)} or {s.name(b)} has no node in the corridor network (or they overlap)") from None
    print("\n".join(cut_lines(s, found)))
    return 0


def cmd_ego(args: argparse.Namespace) -> int:
    s = Session(args.store)
    centre = s.find(args.entity)
    ego = analysis.neighbourhood(s.everything, centre, args.depth)
    if centre not in ego:
        raise QueryError(f"{s.name(centre)} is linked to nothing")
    depth = nx.single_source_shortest_path_length(ego, centre)
    print(f"{s.name(centre)} ({s.kind(centre)}): {ego.number_of_nodes() - 1} entities within {args.depth} links")
    for node in sorted(ego, key=lambda n: (depth[n], s.name(n).casefold())):
        if node == centre:
            continue
        parent = min((p for p in ego[node] if depth[p] == depth[node] - 1), key=lambda p: s.name(p))
        links = "; ".join(f"{s.name(a)} {local_name(p)} {s.name(b)}" for a, p, b in ego.edges[parent, node]["links"])
        print(f"  {depth[node]}  {s.name(node)} ({s.kind(node)})  [{links}]")
    return 0


def register(subparsers, common: argparse.ArgumentParser) -> None:
    """Add `kg analyse` and its sub-commands."""
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument("--store", default=argparse.SUPPRESS, help="store directory (as for the other commands)")
    p = subparsers.add_parser(
        "analyse",
        parents=[common],
        help="routes, chokepoints, central actors, communities",
        description="Network analysis of the live store. Without a sub-command: the "
        "China–EU route and cut, articulation points, central actors, communities.",
    )
    p.add_argument("--top", type=int, default=10, metavar="N", help="how many actors and communities to list")
    p.set_defaults(run=cmd_summary)
    sub = p.add_subparsers(dest="analysis", metavar="ANALYSIS")
    r = sub.add_parser("route", parents=[store], help="the shortest route between two nodes, node by node")
    r.add_argument("start", help="an entity id, label or IRI (a node, or a state standing for its nodes)")
    r.add_argument("end")
    r.add_argument("--corridor", help="follow only this corridor's legs")
    r.set_defaults(run=cmd_route)
    c = sub.add_parser("cut", parents=[store], help="what disconnects one side from another")
    c.add_argument("side_a", help="a state, union or node (default analysis: china)")
    c.add_argument("side_b")
    c.set_defaults(run=cmd_cut)
    e = sub.add_parser("ego", parents=[store], help="the neighbourhood of an entity")
    e.add_argument("entity")
    e.add_argument("--depth", type=int, default=1, metavar="N", help="how many links away (default 1)")
    e.set_defaults(run=cmd_ego)
