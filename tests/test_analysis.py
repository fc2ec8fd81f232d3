"""Network analysis: projections, routes, cuts, centrality, communities, the derived graph and `kg analyse`.

Built from the mini Middle Corridor in tests/fixtures/corridor (quotes from the Serbia interview) plus the
packaged reference data (coordinates, which state a city lies in, EU membership), so the answers are the
ones a reader of the article expects: Xi'an, then Aktau or Kuryk, across the Caspian Sea, to Constanța.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from support import kg

from kzlinks.analysis import algorithms as analysis
from kzlinks.analysis.projections import Entities, actor_network, corridor_network, entity_network
from kzlinks.dataset.store import StoreDir
from kzlinks.errors import NodeNotFound
from kzlinks.namespaces import DERIVED_GRAPH, entity_iri
from kzlinks.sparql.engines import OxigraphEngine, RdflibEngine
from kzlinks.sparql.named import run_query
from kzlinks.workflow import build

FIXTURE = Path(__file__).parent / "fixtures" / "corridor"
E = entity_iri


@pytest.fixture(scope="module")
def engine(corridor_store) -> OxigraphEngine:
    return OxigraphEngine.open(corridor_store)


@pytest.fixture(scope="module")
def network(engine) -> nx.MultiGraph:
    return corridor_network(engine)


def labels(results, column: str) -> list[str]:
    return [row[column].value for row in results.rows if column in row]


# ---- the competency questions, answered by SPARQL over the derived graph ----------------------------------


def test_cq17_route_runs_node_by_node_with_the_sea_crossings(engine):
    results = run_query("cq17-corridor-path", engine)
    steps = [(int(r["position"].value), r["node"].value) for r in results.rows]
    assert steps[0] == (0, "Xi'an") and steps[-1] == (6, "Constanța")
    assert {(1, "Aktau"), (1, "Kuryk"), (2, "Caspian Sea"), (5, "Black Sea")} <= set(steps)
    sea = {(r["node"].value, r["seaCrossing"].value) for r in results.rows if "seaCrossing" in r}
    assert sea == {
        ("Caspian Sea", "Caspian Sea"),
        ("Azerbaijan", "Caspian Sea"),
        ("Black Sea", "Black Sea"),
        ("Constanța", "Black Sea"),
    }
    assert [int(r["position"].value) for r in results.rows] == sorted(int(r["position"].value) for r in results.rows)


def test_cq17_takes_other_ends_and_whole_states_as_parameters(engine):
    to_sofia = run_query("cq17-corridor-path", engine, to="sofia")
    assert labels(to_sofia, "node")[-3:] == ["Georgia", "Türkiye", "Sofia"]
    states = run_query("cq17-corridor-path", engine, **{"from": "china", "to": "european-union"})
    assert labels(states, "node")[0] == "Xi'an" and labels(states, "node")[-1] == "Constanța"


def test_cq18_names_the_caspian_sea_among_the_chokepoints(engine):
    results = run_query("cq18-corridor-chokepoints", engine)
    by_role: dict[str, set[str]] = {}
    for row in results.rows:
        by_role.setdefault(row["role"].value, set()).add(row["element"].value)
    assert by_role["chokepoint"] == {"Azerbaijan", "Caspian Sea", "Georgia"}
    assert by_role["choke leg"] == {"Middle Corridor leg Azerbaijan – Georgia"}
    assert len(by_role["minimum node cut"]) == 1 and by_role["minimum node cut"] <= by_role["chokepoint"]


def test_derived_graph_is_marked_as_derived_and_apart_from_sourced_statements(corridor_store, engine):
    marked = engine.run(
        """PREFIX kg: <https://w3id.org/kzlinks/ontology#>
        SELECT ?g WHERE { GRAPH ?g { ?g a kg:DerivedData } }""",
        {},
        "test",
    )
    assert [r["g"].value for r in marked.rows] == [str(DERIVED_GRAPH)]
    leaked = engine.run(
        """PREFIX kg: <https://w3id.org/kzlinks/ontology#>
        SELECT ?g WHERE { GRAPH ?g { ?r a kg:RouteResult } FILTER (?g != <https://w3id.org/kzlinks/graph/derived>) }""",
        {},
        "test",
    )
    assert leaked.rows == []
    assert str(DERIVED_GRAPH) not in corridor_store.manifest().graphs


def test_rebuild_replaces_the_derived_graph_rather_than_adding_to_it(tmp_path):
    store = StoreDir(tmp_path / "store")
    build([FIXTURE / "corridor-003.yaml"], store=store, packaged=False)
    build([FIXTURE], store=store, packaged=False)  # incremental: starts from a copy of the old snapshot
    engine = OxigraphEngine.open(store)
    count = engine.run(
        """PREFIX kg: <https://w3id.org/kzlinks/ontology#>
        SELECT (COUNT(*) AS ?n) WHERE { ?c a kg:CutResult ; kg:chokepoint ?p }""",
        {},
        "test",
    )
    assert count.rows[0]["n"].value == "3"
    communities = engine.run(
        """PREFIX kg: <https://w3id.org/kzlinks/ontology#>
        SELECT ?m WHERE { ?c a kg:Community ; kg:communityMember ?m }""",
        {},
        "test",
    )
    assert E("alar-karis") in {r["m"].value for r in communities.rows}  # only in the second file


def test_a_graph_without_corridors_builds_and_answers_nothing(mini_store):
    engine = OxigraphEngine.open(mini_store)
    assert run_query("cq17-corridor-path", engine).rows == []
    assert run_query("cq18-corridor-chokepoints", engine).rows == []


# ---- projections and analysis functions -----------------------------------------------------------------


def test_corridor_network_runs_sea_legs_through_their_water_body(network):
    assert set(network[E("aktau")]) == {E("xian"), E("caspian-sea")}
    assert {E("aktau"), E("kuryk"), E("azerbaijan")} <= set(network[E("caspian-sea")])
    assert network.nodes[E("caspian-sea")]["water"] is True
    assert network.nodes[E("aktau")]["lat"] == pytest.approx(43.65, abs=0.01)  # reference coordinates
    assert E("european-union") in network.nodes[E("sofia")]["within"]  # Sofia -> Bulgaria -> EU


def test_projections_read_the_same_on_oxigraph_and_rdflib(corridor_store, network):
    other = corridor_network(RdflibEngine.open(corridor_store))
    assert set(other.nodes) == set(network.nodes)
    assert {(d["leg"], d["mode"]) for *_, d in other.edges(data=True)} == {
        (d["leg"], d["mode"]) for *_, d in network.edges(data=True)
    }


def test_route_between_states_starts_and_ends_at_their_nearest_nodes(network):
    found = analysis.route(network, E("china"), E("european-union"))
    assert found.legs == 4
    assert found.nodes_at(0) == [E("xian")] and found.nodes_at(6) == [E("constanta")]
    with pytest.raises(NodeNotFound, match="estonia has no node"):  # no node of Estonia on any leg
        analysis.route(network, E("xian"), E("estonia"))


def _synthetic(legs: list[tuple[str, str, str | None]]) -> nx.MultiGraph:
    """A corridor network shaped as graph.projections makes it, from (from, to, water) triples."""
    graph = nx.MultiGraph()
    sides = {"cn": {"china"}, "eu": {"european-union"}}
    for i, (a, b, water) in enumerate(legs):
        stops = [a, water, b] if water else [a, b]
        for stop in stops:
            graph.add_node(stop, water=stop == water, within=sides.get(stop, set()))
        for piece, (u, v) in enumerate(zip(stops, stops[1:], strict=False)):
            graph.add_edge(
                u,
                v,
                key=(f"leg{i}", piece),
                leg=f"leg{i}",
                weight=1 / (len(stops) - 1),
                corridors=["c"],
                mode=None,
                crosses=[water] if water else [],
            )
    return graph


def test_a_sea_crossed_by_two_legs_stays_a_chokepoint_until_a_land_route_bypasses_it():
    sea_only = _synthetic(
        [
            ("cn", "port-a", None),
            ("cn", "port-b", None),
            ("port-a", "baku", "caspian"),
            ("port-b", "baku", "caspian"),
            ("baku", "eu", None),
        ]
    )
    found = analysis.cut(sea_only, "china", "european-union")
    assert found.chokepoints == ["baku", "caspian"] and found.choke_legs == ["leg4"]
    bypass = _synthetic(
        [
            ("cn", "port-a", None),
            ("cn", "port-b", None),
            ("port-a", "baku", "caspian"),
            ("port-b", "baku", "caspian"),
            ("baku", "eu", None),
            ("cn", "moscow", None),
            ("moscow", "eu", None),
        ]
    )
    found = analysis.cut(bypass, "china", "european-union")
    assert found.chokepoints == [] and len(found.node_cut) == 2 and len(found.leg_cut) == 2
    apart = _synthetic([("cn", "port-a", None), ("baku", "eu", None)])
    assert analysis.cut(apart, "china", "european-union").connected is False


def test_actor_ties_say_by_what_two_actors_are_tied(engine):
    actors = actor_network(engine)
    ties = actors.edges[E("estonia"), E("kazakhstan")]["ties"]
    assert {t["via_label"] for t in ties} == {
        "memorandum of understanding on port collaboration",
        "memorandum of understanding on higher education",
        "Alar Karis state visit to Kazakhstan",
    }
    assert actors.edges[E("estonia"), E("kazakhstan")]["weight"] == 3
    assert [t["kind"] for t in actors.edges[E("tokayev"), E("aleksandar-vucic")]["ties"]] == ["event"]
    assert not actors.has_edge(E("azerbaijan"), E("georgia"))  # a leg joins places, not actors


def test_centrality_and_communities_are_stable_and_ranked(engine):
    actors = actor_network(engine)
    scores = analysis.centrality(actors)
    assert [s.rank for s in scores] == list(range(1, len(scores) + 1))
    assert scores[0].betweenness >= scores[-1].betweenness
    first, second = analysis.communities(actors), analysis.communities(actor_network(engine))
    assert first == second
    assert any({E("tokayev"), E("aleksandar-vucic")} <= set(c) for c in first)


def test_neighbourhood_grows_with_depth(engine):
    everything = entity_network(engine)
    one = analysis.neighbourhood(everything, E("aktau"), 1)
    two = analysis.neighbourhood(everything, E("aktau"), 2)
    assert E("leg-aktau-azerbaijan") in one and E("caspian-sea") not in one
    assert set(one) < set(two) and E("caspian-sea") in two


def test_entities_are_found_by_any_spelling(engine):
    entities = Entities(engine)
    assert entities.find(engine, "Kurik") == E("kuryk")
    assert entities.find(engine, "constanta") == E("constanta")
    assert entities.find(engine, "aktu") == E("aktau")  # one small typo, one match: used (kzlinks.sparql.lookup)
    with pytest.raises(Exception, match="no entity 'xaktauux' in the graph \\(nearest: aktau"):
        entities.find(engine, "xaktauux")


# ---- the command line -----------------------------------------------------------------------------------


def test_kg_analyse_prints_route_cut_and_central_actors(corridor_store, capsys):
    run = kg(capsys, "analyse", "--store", corridor_store.root)
    assert run.code == 0
    assert "chokepoints (each alone): Azerbaijan, Caspian Sea, Georgia" in run.out
    assert "Aktau (port) | Kuryk (port)" in run.out and "[sea crossing]" in run.out
    assert "most central in the actor network" in run.out


def test_kg_analyse_route_cut_and_ego(corridor_store, capsys):
    route = kg(capsys, "analyse", "route", "Xi'an", "Constance", "--store", corridor_store.root)
    assert route.code == 0 and route.out.splitlines()[-1].strip().startswith("6  Constanța (port)")
    cut = kg(capsys, "analyse", "cut", "china", "romania", "--store", corridor_store.root)
    assert cut.code == 0 and "minimum node cut (1)" in cut.out
    ego = kg(capsys, "analyse", "ego", "kurik", "--depth", "1", "--store", corridor_store.root)
    assert ego.code == 0 and "Kazakhstan (state)  [Kuryk locatedIn Kazakhstan]" in ego.out


def test_kg_analyse_reports_an_unknown_entity_in_one_line(corridor_store, capsys):
    run = kg(capsys, "analyse", "route", "atlantis", "aktau", "--store", corridor_store.root)
    assert run.code == 2
    assert run.err.count("\n") == 1 and "no entity 'atlantis'" in run.err
