"""Network analysis on the projections: routes, cuts, centrality, communities, neighbourhoods.

The functions here take NetworkX graphs from kzlinks.analysis.projections and return plain results
(kzlinks.analysis.derived turns them into triples). Routes and cuts are exact: leg weights are fractions, so equally short
alternatives (Aktau or Kuryk) tie exactly and are all reported, at the same position, instead of one being
picked by floating-point noise.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx
from networkx.algorithms.community import louvain_communities

from kzlinks.analysis.betweenness import Betweenness, betweenness
from kzlinks.analysis.projections import (
    side,
)
from kzlinks.errors import NodeNotFound, NoRoute
from kzlinks.namespaces import local_name

SOURCE, TARGET = "__source__", "__target__"
SEED = 7
SCORE_DIGITS = 6  # the derived graph writes scores to 6 decimals; ranks compare them at that precision


@dataclass(frozen=True)
class Step:
    position: int
    node: str
    legs: tuple[str, ...]  # the legs that reach this node on some shortest route (none at the start)


@dataclass
class Route:
    start: str
    end: str
    corridor: str | None
    legs: int
    steps: list[Step] = field(default_factory=list)

    def nodes_at(self, position: int) -> list[str]:
        return [s.node for s in self.steps if s.position == position]


@dataclass
class Cut:
    side_a: str
    side_b: str
    connected: bool
    chokepoints: list[str]  # nodes whose loss alone disconnects the sides
    choke_legs: list[str]  # legs whose loss alone disconnects the sides
    node_cut: list[str]  # one minimum node cut (empty if the sides touch directly)
    leg_cut: list[str]  # one minimum leg cut


@dataclass(frozen=True)
class Score:
    node: str
    degree: float
    betweenness: float
    rank: int


# --------------------------------------------------------------------------------------------------------
# routes
# --------------------------------------------------------------------------------------------------------


def _weighted(graph: nx.MultiGraph) -> nx.Graph:
    """One edge per node pair with the lightest piece's weight and every leg that achieves it."""
    simple = nx.Graph()
    simple.add_nodes_from(graph.nodes)
    for u, v, data in graph.edges(data=True):
        if u == v:
            continue
        if simple.has_edge(u, v) and simple.edges[u, v]["weight"] < data["weight"]:
            continue
        if not simple.has_edge(u, v) or simple.edges[u, v]["weight"] > data["weight"]:
            simple.add_edge(u, v, weight=data["weight"], legs=set())
        simple.edges[u, v]["legs"].add(data["leg"])
    return simple


class Router:
    """Shortest routes in one corridor network: its weighted simple graph is made once and serves every
    route asked of it (the derived graph asks for every pair of a corridor's end nodes)."""

    def __init__(self, graph: nx.MultiGraph, corridor: str | None = None) -> None:
        self.graph, self.corridor = graph, corridor
        self.weighted = _weighted(graph)

    def route(self, start: str, end: str) -> Route:
        """See `route`."""
        starts, ends = _sides(self.graph, start, end)
        weighted = self.weighted
        # from the start side and to the end side at once; a way never runs through another end node's
        # terminal, as it would through a joined-up virtual source or target
        from_start = nx.multi_source_dijkstra_path_length(weighted, starts)
        to_end = nx.multi_source_dijkstra_path_length(weighted, ends)
        reached = [from_start[e] for e in ends if e in from_start]
        if not reached:
            raise NoRoute(f"no way joins {local_name(start)} and {local_name(end)} in this network")
        total = min(reached)
        on_path = {n for n in to_end if from_start.get(n, total + 1) + to_end[n] == total}
        arriving: dict[str, set[str]] = defaultdict(set)
        for a in on_path:
            for b, data in weighted.adj[a].items():
                if b in on_path and from_start[a] + data["weight"] + to_end[b] == total:
                    arriving[b] |= data["legs"]
        real = sorted(on_path, key=lambda n: (from_start[n], n))
        ranks = {d: i for i, d in enumerate(sorted({from_start[n] for n in real}))}
        steps = [Step(ranks[from_start[n]], n, tuple(sorted(arriving[n]))) for n in real]
        return Route(start, end, self.corridor, int(total), steps)


def route(graph: nx.MultiGraph, start: str, end: str, corridor: str | None = None) -> Route:
    """Every shortest way from `start` to `end` (nodes, or states/unions standing for their nodes), by legs.

    Positions rank the distance from the start, so alternatives at the same distance share a position and
    a water body sits between the two ports of its sea leg.

    Args:
        graph: a corridor network (``corridor_network`` or ``corridor_subgraph``).
        start, end: entity IRIs: nodes (cities, ports) or states and unions standing for their nodes.
        corridor: the corridor the network is restricted to, recorded on the result.

    Returns:
        A Route: its length in legs and its steps, ties included.

    Raises:
        NodeNotFound: an end has no node in the network, or both ends share one.
        NoRoute: no way joins them.

    Example:
        >>> import networkx as nx
        >>> g = nx.MultiGraph()  # a leg is an edge with its IRI and a weight (a sea leg is two halves)
        >>> for u, v in (("a", "b"), ("b", "c")): _ = g.add_edge(u, v, leg=f"{u}-{v}", weight=1)
        >>> found = route(g, "a", "c")
        >>> [step.node for step in found.steps], found.legs
        (['a', 'b', 'c'], 2)
    """
    return Router(graph, corridor).route(start, end)


# --------------------------------------------------------------------------------------------------------
# cuts
# --------------------------------------------------------------------------------------------------------


def _contracted(graph: nx.MultiGraph, side_a: set[str], side_b: set[str]) -> nx.Graph:
    """The network with each side merged into one terminal; edges keep the legs they stand for."""

    def name(n: str) -> str:
        return SOURCE if n in side_a else TARGET if n in side_b else n

    contracted = nx.Graph()
    contracted.add_nodes_from({name(n) for n in graph})
    for u, v, data in graph.edges(data=True):
        a, b = name(u), name(v)
        if a == b:
            continue
        if not contracted.has_edge(a, b):
            contracted.add_edge(a, b, legs=set())
        contracted.edges[a, b]["legs"].add(data["leg"])
    for _, _, data in contracted.edges(data=True):
        data["capacity"] = len(data["legs"])
    return contracted


def _sides(graph: nx.MultiGraph, a: str, b: str) -> tuple[set[str], set[str]]:
    """The nodes standing for each end; an end with none, or ends that share one, cannot be routed or cut."""
    a_nodes, b_nodes = side(graph, a), side(graph, b)
    for name, nodes in ((a, a_nodes), (b, b_nodes)):
        if not nodes:
            raise NodeNotFound(f"{local_name(name)} has no node in this network")
    if a_nodes & b_nodes:
        shared = ", ".join(sorted(local_name(n) for n in a_nodes & b_nodes))
        raise NodeNotFound(f"{local_name(a)} and {local_name(b)} share nodes ({shared}): nothing lies between them")
    return a_nodes, b_nodes


def _separates(graph: nx.Graph, remove_node: str | None = None, remove_edge: tuple | None = None) -> bool:
    view = nx.restricted_view(graph, [remove_node] if remove_node else [], [remove_edge] if remove_edge else [])
    return not nx.has_path(view, SOURCE, TARGET)


def cut(graph: nx.MultiGraph, side_a: str, side_b: str) -> Cut:
    """What disconnects `side_a` from `side_b`: single points, single legs, and one minimum cut of each.

    A side is a state or union and every node located in it (or in its member states); cut elements are
    the nodes and legs between the sides, water bodies included.

    Args:
        graph: a corridor network.
        side_a, side_b: entity IRIs of nodes, states or unions.

    Returns:
        A Cut; ``cut.connected`` is False when the sides are already apart.

    Raises:
        NodeNotFound: a side has no node in the network, or the sides share one.

    Example:
        >>> import networkx as nx
        >>> g = nx.MultiGraph()
        >>> for u, v in (("a", "b"), ("b", "c")): _ = g.add_edge(u, v, leg=f"{u}-{v}", weight=1)
        >>> found = cut(g, "a", "c")
        >>> found.chokepoints, found.choke_legs
        (['b'], ['a-b', 'b-c'])
    """
    a_nodes, b_nodes = _sides(graph, side_a, side_b)
    net = _contracted(graph, a_nodes, b_nodes)
    if not nx.has_path(net, SOURCE, TARGET):
        return Cut(side_a, side_b, False, [], [], [], [])
    points = sorted(
        v for v in nx.articulation_points(net) if v not in (SOURCE, TARGET) and _separates(net, remove_node=v)
    )
    legs = sorted(
        next(iter(net.edges[u, v]["legs"]))
        for u, v in nx.bridges(net)
        if net.edges[u, v]["capacity"] == 1 and _separates(net, remove_edge=(u, v))
    )
    node_cut = sorted(nx.minimum_node_cut(net, SOURCE, TARGET)) if not net.has_edge(SOURCE, TARGET) else []
    _, (reach, _rest) = nx.minimum_cut(net, SOURCE, TARGET, capacity="capacity")
    leg_cut = sorted(
        {leg for u, v, data in net.edges(data=True) if (u in reach) != (v in reach) for leg in data["legs"]}
    )
    return Cut(side_a, side_b, True, points, legs, node_cut, leg_cut)


def articulation_points(graph: nx.Graph) -> list[str]:
    """Nodes whose loss splits the network into more connected parts."""
    return sorted(nx.articulation_points(nx.Graph(graph)))


# --------------------------------------------------------------------------------------------------------
# centrality, communities, neighbourhoods
# --------------------------------------------------------------------------------------------------------


def canonical(graph: nx.Graph) -> nx.Graph:
    """The same graph with its nodes and edges inserted in sorted order.

    Seeded algorithms (louvain) walk nodes in insertion order, and a projection's order follows its query's
    rows; on the canonical copy the results depend on the graph alone, so an incremental build and a cold
    build agree."""
    copy = graph.__class__(**graph.graph)
    copy.add_nodes_from(sorted(graph.nodes(data=True), key=lambda item: item[0]))
    if graph.is_multigraph():
        edges = sorted(graph.edges(keys=True, data=True), key=lambda e: (*sorted((e[0], e[1])), e[2]))
        copy.add_edges_from(edges)
    else:
        copy.add_edges_from(sorted(graph.edges(data=True), key=lambda e: tuple(sorted((e[0], e[1])))))
    return copy


def centrality(graph: nx.Graph, between: Betweenness | None = None) -> list[Score]:
    """Degree and exact betweenness of every node, ranked by betweenness, then degree, label and IRI (scores
    compared at the precision written, so float noise never swaps two equal nodes). `between`: the
    betweenness of this graph, already under way (kzlinks.analysis.betweenness)."""
    simple = nx.Graph(graph) if graph.is_multigraph() else graph  # a simple graph is read as it is
    if simple.number_of_nodes() == 0:
        return []
    degree = nx.degree_centrality(simple)
    between_scores = between.scores() if between is not None else betweenness(simple)

    def rank_key(n: str) -> tuple:
        score = -round(between_scores[n], SCORE_DIGITS)
        return (score, -round(degree[n], SCORE_DIGITS), simple.nodes[n].get("label", n), n)

    order = sorted(simple, key=rank_key)
    return [Score(n, degree[n], between_scores[n], i + 1) for i, n in enumerate(order)]


def communities(graph: nx.Graph, min_size: int = 2) -> list[list[str]]:
    """Louvain communities (seeded, so a rebuild gives the same ones), largest first."""
    simple = canonical(nx.Graph(graph) if graph.is_multigraph() else graph)
    if simple.number_of_edges() == 0:
        return []
    found = louvain_communities(simple, weight="weight", seed=SEED)
    groups = [sorted(c) for c in found if len(c) >= min_size]
    return sorted(groups, key=lambda c: (-len(c), c[0]))


def neighbourhood(graph: nx.Graph, entity: str, depth: int = 1) -> nx.Graph:
    """The entity and everything within `depth` links of it, with the links among them."""
    if entity not in graph:
        return graph.subgraph([]).copy()
    return nx.ego_graph(graph, entity, radius=depth)


__all__ = [
    "Route",
    "Router",
    "Step",
    "Cut",
    "Score",
    "route",
    "cut",
    "canonical",
    "betweenness",
    "articulation_points",
    "centrality",
    "communities",
    "neighbourhood",
]
