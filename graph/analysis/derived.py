"""The derived named graph: the analysis results as triples, computed from the sourced data.

Every build writes it into the new snapshot before publishing (the pipeline calls `derive` through the hook
kzlinks.workflow passes it), so named queries (cq17, cq18) and users' own queries read routes, cuts,
centrality and communities with SPARQL, and never a stale copy.

A rebuild reuses what it can prove unchanged (kzlinks.analysis.incremental): the whole derived graph when no
triple the projections read changed, else each network's results whose fingerprint it already knows. Every
algorithm runs on a canonical (sorted) copy of its network, so the quads depend on the data alone and an
incremental build ends exactly where a cold build would (tests/test_incremental_derived.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx
import pyoxigraph
from pyoxigraph import Literal, NamedNode, Quad
from rdflib import namespace as rdflib_namespace

from kzlinks.analysis.algorithms import (
    Route,
    Router,
    articulation_points,
    canonical,
    centrality,
    communities,
    cut,
)
from kzlinks.analysis.betweenness import Betweenness
from kzlinks.analysis.incremental import ResultCache, fingerprint, touches_projections, type_objects_read
from kzlinks.analysis.projections import (
    Entities,
    actor_network,
    agreement_network,
    corridor_network,
    corridor_subgraphs,
    corridors,
)
from kzlinks.dataset.pipeline import DeriveContext
from kzlinks.errors import AnalysisError, NodeNotFound
from kzlinks.namespaces import BASE, DERIVED_GRAPH, entity_iri, local_name
from kzlinks.namespaces import KG as KG_NAMESPACE
from kzlinks.progress import Progress, silent
from kzlinks.sparql.engines import OxigraphEngine

DERIVED = BASE + "derived/"
ACTIVITY = DERIVED + "activity/network-analysis"
CUT_SIDES = (("china", "european-union"),)  # the cuts worth precomputing (cq18)
MAX_ROUTE_ENDPOINTS = 40  # above this, a corridor's routes join only its end nodes


class _Names:
    """A namespace's IRIs as plain strings, each made once: rdflib builds and checks a new IRI every time a
    namespace attribute is read, which tens of thousands of quads would pay for again and again."""

    def __init__(self, namespace: object) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> str:
        iri = str(getattr(self._namespace, name))
        setattr(self, name, iri)  # found as a plain attribute from now on
        return iri


KG = _Names(KG_NAMESPACE)
RDF, RDFS, XSD = _Names(rdflib_namespace.RDF), _Names(rdflib_namespace.RDFS), _Names(rdflib_namespace.XSD)
DCTERMS, PROV = _Names(rdflib_namespace.DCTERMS), _Names(rdflib_namespace.PROV)


def _n(iri: str) -> NamedNode:
    return NamedNode(iri)


_INTEGER, _DECIMAL = _n(XSD.integer), _n(XSD.decimal)


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=_INTEGER)


def _dec(value: float) -> Literal:
    """Six decimals, in the canonical form Oxigraph stores ("0.5", "0", not "0.500000"): the quads read
    back from a store then equal the ones computed, so a rebuild writes only the scores that moved."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return Literal("0" if text in ("-0", "") else text, datatype=_DECIMAL)


class _Writer:
    """Collects the derived graph's quads with short helpers, so each result maps to triples in a few lines."""

    def __init__(self) -> None:
        self.graph = _n(str(DERIVED_GRAPH))
        self.quads: list[Quad] = []

    def add(self, s: str, p, o) -> None:
        obj = o if isinstance(o, (Literal, NamedNode)) else _n(str(o))
        self.quads.append(Quad(_n(s), _n(str(p)), obj, self.graph))

    def label(self, s: str, text: str) -> None:
        self.add(s, RDFS.label, Literal(text, language="en"))


def _header(w: _Writer) -> None:
    g = str(DERIVED_GRAPH)
    w.add(g, RDF.type, KG.DerivedData)
    w.add(
        g,
        DCTERMS.description,
        Literal(
            "Computed by kzlinks.analysis from the corridor, actor and agreement "
            "networks: routes, cuts, centrality and communities. Not sourced."
        ),
    )
    w.add(g, PROV.wasGeneratedBy, ACTIVITY)
    w.add(ACTIVITY, RDF.type, PROV.Activity)
    w.label(ACTIVITY, "network analysis (kzlinks.analysis)")


def _route_quads(w: _Writer, found: Route, entities: Entities) -> None:
    along = local_name(found.corridor) if found.corridor else "all"
    iri = f"{DERIVED}route/{along}/{local_name(found.start)}--{local_name(found.end)}"
    w.add(iri, RDF.type, KG.RouteResult)
    where = f" along {entities.get(found.corridor).label}" if found.corridor else ""
    w.label(iri, f"route from {entities.get(found.start).label} to {entities.get(found.end).label}{where}")
    w.add(iri, KG.inNetwork, KG.corridorNetwork)
    if found.corridor:
        w.add(iri, KG.alongRoute, found.corridor)
    w.add(iri, KG.routeFrom, found.start)
    w.add(iri, KG.routeTo, found.end)
    w.add(iri, KG.legCount, _int(found.legs))
    for step in found.steps:
        s = f"{iri}/step/{step.position}/{local_name(step.node)}"
        w.add(iri, KG.step, s)
        w.add(s, RDF.type, KG.RouteStep)
        w.add(s, KG.position, _int(step.position))
        w.add(s, KG.stepNode, step.node)
        for leg in step.legs:
            w.add(s, KG.viaLeg, leg)


def _route_or_none(router: Router, start: str, end: str) -> Route | None:
    """A route worth recording, or None: the derived graph records the ways that exist, not the failures."""
    try:
        return router.route(start, end)
    except AnalysisError:
        return None


def _routes(w: _Writer, network: nx.MultiGraph, entities: Entities) -> int:
    count = 0
    subgraphs = corridor_subgraphs(network)  # made once: each serves its corridor's routes and cuts below
    routers = {None: Router(network)} | {c: Router(sub, c) for c, sub in subgraphs.items()}
    for corridor, sub in subgraphs.items():
        ends = sorted(n for n in sub if not sub.nodes[n].get("water"))
        if len(ends) > MAX_ROUTE_ENDPOINTS:
            ends = [n for n in ends if sub.degree(n) == 1]
        if len(ends) > MAX_ROUTE_ENDPOINTS:
            ends = []  # too many to store every pair: `kg analyse route` computes any one on demand
        for a in ends:
            for b in ends:
                found = _route_or_none(routers[corridor], a, b) if a != b else None
                if found:
                    _route_quads(w, found, entities)
                    count += 1
    for within in [None, *subgraphs]:  # None: the whole network
        for a, b in CUT_SIDES:
            for start, end in ((a, b), (b, a)):
                found = _route_or_none(routers[within], entity_iri(start), entity_iri(end))
                if found:
                    _route_quads(w, found, entities)
                    count += 1
    return count


def _cut_quads(w: _Writer, network: nx.MultiGraph, entities: Entities) -> int:
    count = 0
    for a, b in CUT_SIDES:
        try:
            found = cut(network, entity_iri(a), entity_iri(b))
        except NodeNotFound:
            continue  # a side without corridor nodes: nothing to record
        iri = f"{DERIVED}cut/{a}--{b}"
        w.add(iri, RDF.type, KG.CutResult)
        w.label(iri, f"what disconnects {entities.get(found.side_a).label} from {entities.get(found.side_b).label}")
        w.add(iri, KG.inNetwork, KG.corridorNetwork)
        w.add(iri, KG.cutFrom, found.side_a)
        w.add(iri, KG.cutTo, found.side_b)
        w.add(iri, KG.cutSize, _int(len(found.node_cut)))
        w.add(iri, KG.legCutSize, _int(len(found.leg_cut)))
        for prop, items in (
            (KG.chokepoint, found.chokepoints),
            (KG.chokeLeg, found.choke_legs),
            (KG.minimumCutNode, found.node_cut),
            (KG.minimumCutLeg, found.leg_cut),
        ):
            for item in items:
                w.add(iri, prop, item)
        count += 1
    for point in articulation_points(network):
        w.add(str(KG.corridorNetwork), KG.articulationPoint, point)
    return count


def _score_quads(w: _Writer, network: nx.Graph, between: Betweenness | None) -> None:
    name = network.graph["network"]
    for score in centrality(network, between):
        iri = f"{DERIVED}centrality/{local_name(name)}/{local_name(score.node)}"
        w.add(iri, RDF.type, KG.CentralityScore)
        w.add(iri, KG.inNetwork, name)
        w.add(iri, KG.scoreOf, score.node)
        w.add(iri, KG.degreeCentrality, _dec(score.degree))
        w.add(iri, KG.betweennessCentrality, _dec(score.betweenness))
        w.add(iri, KG.centralityRank, _int(score.rank))


def _community_quads(w: _Writer, network: nx.Graph, entities: Entities) -> None:
    name = network.graph["network"]
    for number, members in enumerate(communities(network), 1):
        iri = f"{DERIVED}community/{local_name(name)}/{number}"
        w.add(iri, RDF.type, KG.Community)
        hub = max(members, key=lambda n: (network.degree(n), n))
        w.label(iri, f"{entities.get(name).label} community {number} (around {entities.get(hub).label})")
        w.add(iri, KG.inNetwork, name)
        for member in members:
            w.add(iri, KG.communityMember, member)


def _corridor_results(w: _Writer, network: nx.MultiGraph, entities: Entities, between: Betweenness | None) -> None:
    _routes(w, network, entities)
    _cut_quads(w, network, entities)
    _score_quads(w, network, between)


def _group_results(w: _Writer, network: nx.Graph, entities: Entities, between: Betweenness | None) -> None:
    grouped = _Writer()  # communities first, while the betweenness may still be under way; written after
    _community_quads(grouped, network, entities)
    _score_quads(w, network, between)
    w.quads += grouped.quads


def _printed_labels(network: nx.Graph, entities: Entities) -> dict[str, str]:
    """The labels a network's results print besides its nodes' own: the network's, its corridors', the cut
    sides'. Part of its fingerprint, so a renamed corridor recomputes the routes that name it."""
    named = [network.graph["network"], *(corridors(network) if network.is_multigraph() else [])]
    named += [entity_iri(end) for pair in CUT_SIDES for end in pair] if network.is_multigraph() else []
    return {iri: entities.get(iri).label for iri in named}


@dataclass
class _Network:
    """A projected network (canonical), its fingerprint, its results if the cache knows them, else its
    betweenness, under way from the moment it was projected."""

    graph: nx.Graph
    compute: Callable[[_Writer, nx.Graph, Entities, Betweenness | None], None]
    key: str
    cached: list[Quad] | None
    between: Betweenness | None


def _project(engine, entities: Entities, project: Callable, compute: Callable, cache: ResultCache) -> _Network:
    network = canonical(project(engine, entities))
    key = fingerprint(network, _printed_labels(network, entities))
    cached = cache.get(key)
    return _Network(network, compute, key, cached, None if cached is not None else Betweenness(network))


def _network_results(network: _Network, entities: Entities, cache: ResultCache, figures: dict[str, int]) -> list[Quad]:
    """One network's quads: from the cache when its fingerprint is known, else computed (and kept)."""
    if network.cached is not None:
        figures["networks_reused"] = figures.get("networks_reused", 0) + 1
        return network.cached
    w = _Writer()
    network.compute(w, network.graph, entities, network.between)
    cache.put(network.key, w.quads)
    figures["networks_recomputed"] = figures.get("networks_recomputed", 0) + 1
    return w.quads


def derive(
    engine, progress: Progress = silent, cache: ResultCache | None = None, figures: dict[str, int] | None = None
) -> list[Quad]:
    """Every analysis result as quads of the derived graph, computed from what `engine` reads.

    With a `cache`, a network whose fingerprint is known reuses its results; `figures` counts the networks
    recomputed and reused. The quads are the same either way. The networks are projected first, the one
    with the costliest betweenness first, so that each big network's betweenness runs in a child process
    (kzlinks.analysis.betweenness) while this one projects the others and computes routes, cuts and
    communities."""
    cache = cache or ResultCache(None, None)
    figures = figures if figures is not None else {}
    entities = Entities(engine)
    w = _Writer()
    _header(w)
    quads = list(w.quads)
    projected: dict[str, _Network] = {}
    try:
        for name, project, compute in (
            ("agreement", agreement_network, _group_results),
            ("actor", actor_network, _group_results),
            ("corridor", corridor_network, _corridor_results),
        ):
            projected[name] = _project(engine, entities, project, compute, cache)
        for name in ("corridor", "actor", "agreement"):  # the results in the order they have always had
            quads += _network_results(projected[name], entities, cache, figures)
    finally:
        for network in projected.values():
            if network.between is not None:
                network.between.close()
    progress(
        f"derived graph: {len(quads)} quads ({figures.get('networks_recomputed', 0)} networks recomputed, "
        f"{figures.get('networks_reused', 0)} reused)"
    )
    return quads


def write_derived(store: pyoxigraph.Store, progress: Progress = silent) -> int:
    """Replace the derived graph of a writable store with one computed from the rest of it."""
    store.remove_graph(_n(str(DERIVED_GRAPH)))
    quads = derive(OxigraphEngine(store), progress)
    store.extend(quads)
    store.flush()
    return len(quads)


def _nothing_read_changed(index: pyoxigraph.Store, context: DeriveContext, cache: ResultCache) -> bool:
    """Whether the derived graph the index still holds from the last build stands: none of the triples
    that differ from the last build is one the projections read, and the cache vouches that this graph is
    what this code computed (not an older version's)."""
    if context.changed is None:
        return False
    read = type_objects_read(index)
    if any(touches_projections(q, read) for q in context.changed):
        return False
    return cache.previous_graph_stands()


def derive_from_index(
    index: pyoxigraph.Store, progress: Progress = silent, context: DeriveContext | None = None
) -> list[Quad] | None:
    """The build's hook: the derived graph computed from a snapshot's query index (its default graph is
    the union, each triple once), or None when the one the index holds from the last build stands.

    With a `context` (kzlinks.dataset.pipeline), results are reused as kzlinks.analysis.incremental explains;
    without one, everything is computed."""
    cache = ResultCache(context.previous, context.folder) if context else ResultCache(None, None)
    figures = context.figures if context else {}
    if context is not None and _nothing_read_changed(index, context, cache):
        figures.update(derived_kept=1, networks_recomputed=0, networks_reused=0)
        progress("derived graph: nothing the analysis reads changed, kept as it was")
        return None
    quads = derive(OxigraphEngine(index, union=False), progress, cache, figures)
    figures.setdefault("derived_kept", 0)
    cache.record()
    return quads


__all__ = ["derive", "derive_from_index", "write_derived", "DERIVED"]
