"""The derived graph after an incremental build is exactly the one a cold build of the same files makes.

A workspace of synthetic fact files gets one extra article, changed step by step in ways that touch each
network or none (a description, a new leg, a new meeting, a corridor's label only, the file removed). After
each incremental build the derived graph, and the whole query index, are compared quad for quad with a
cold build's; a query through the engine a user gets (kzlinks.open_engine) must see the new result at
once; and the build reports which networks it recomputed and which it reused. With the reusable results
deleted or damaged the build recomputes them and still ends where the cold build does.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kzlinks import open_engine
from kzlinks.analysis.incremental import STATE_FILE
from kzlinks.bench.synthetic import edit_one, generate
from kzlinks.dataset.store import StoreDir
from kzlinks.namespaces import DERIVED_GRAPH, sparql_prefixes
from kzlinks.workflow import build

LEG = "Along the Testline corridor, goods travel from Arvik to Belmor by rail."
MEETING = "On 2 May 2024, Dana Olver met Rem Tasko in Arvik."


def _article(corridor_label: str = "Testline corridor", meeting: bool = False) -> str:
    """An extra fact file: one leg of a new corridor, and optionally a meeting of two new people."""
    lines = [
        "source: extra.txt",
        "entities:",
        f'  - {{id: testline-corridor, type: TransportCorridor, label: "{corridor_label}", quote: "{LEG}"}}',
        f'  - {{id: arvik, type: City, label: "Arvik", quote: "{LEG}"}}',
        f'  - {{id: belmor, type: City, label: "Belmor", quote: "{LEG}"}}',
        f'  - {{id: extra-leg-1, type: Leg, label: "Testline leg Arvik – Belmor", quote: "{LEG}"}}',
    ]
    if meeting:
        lines += [
            f'  - {{id: dana-olver, type: Person, label: "Dana Olver", quote: "{MEETING}"}}',
            f'  - {{id: rem-tasko, type: Person, label: "Rem Tasko", quote: "{MEETING}"}}',
            f'  - {{id: extra-meeting, type: Meeting, label: "meeting of Dana Olver and Rem Tasko", quote: "{MEETING}"}}',
        ]
    lines += [
        "statements:",
        f'  - {{quote: "{LEG}", subject: extra-leg-1, legOf: testline-corridor, sequence: "1", '
        'fromNode: arvik, toNode: belmor, mode: "Rail"}',
    ]
    if meeting:
        lines.append(
            f'  - {{quote: "{MEETING}", subject: extra-meeting, participant: [dana-olver, rem-tasko], date: "2024-05-02"}}'
        )
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("derived") / "facts"
    generate(folder, 6000)
    (folder / "extra.txt").write_text(f"Extra\n\n{LEG}\n{MEETING}\n", encoding="utf-8")
    return folder


@pytest.fixture
def facts(synthetic, tmp_path) -> Path:
    return Path(shutil.copytree(synthetic, tmp_path / "facts"))


def _derived(store: StoreDir) -> set[str]:
    return {str(q) for q in store.open_read().quads_for_pattern(None, None, None, ox.NamedNode(str(DERIVED_GRAPH)))}


def _index(store: StoreDir) -> set[str]:
    """The query index, blank nodes aside (the ontology's get new labels on every parse)."""
    index = ox.Store.read_only(str(store.current.index_dir))
    return {
        " ".join(
            "_:" if isinstance(t, ox.BlankNode) else str(t) for t in (q.subject, q.predicate, q.object, q.graph_name)
        )
        for q in index
    }


def _same_as_cold(facts: Path, store: StoreDir, tmp_path: Path, step: str) -> None:
    cold = StoreDir(tmp_path / f"cold-{step}")
    build([facts], cold, packaged=False)
    derived = _derived(store)
    assert derived and not any("_:" in quad for quad in derived)  # every result has an IRI
    assert derived == _derived(cold), step
    assert _index(store) == _index(cold), step


def _routes_along(store: StoreDir, corridor: str) -> list[str]:
    """What a user's query reads: the labels of the routes the derived graph records along a corridor."""
    sparql = sparql_prefixes() + (
        f"SELECT ?label WHERE {{ GRAPH <{DERIVED_GRAPH}> {{ ?r kg:alongRoute id:{corridor} ; rdfs:label ?label }} }}"
    )
    return sorted(str(row["label"].value) for row in open_engine("oxigraph", store).run(sparql, {}, "test").rows)


def _scored(store: StoreDir, entity: str) -> bool:
    sparql = (
        sparql_prefixes()
        + f"ASK {{ GRAPH <{DERIVED_GRAPH}> {{ ?s kg:scoreOf id:{entity} ; kg:inNetwork kg:actorNetwork }} }}"
    )
    rows = open_engine("oxigraph", store).run(sparql.replace("ASK", "SELECT * WHERE", 1), {}, "test").rows
    return bool(rows)


def _reused(report) -> tuple[int, int, int]:
    f = report.derive_figures
    return f.get("derived_kept", 0), f.get("networks_recomputed", 0), f.get("networks_reused", 0)


def test_each_kind_of_change_ends_where_a_cold_build_would(facts, tmp_path):
    store = StoreDir(tmp_path / "store")
    extra = facts / "extra.yaml"
    first = build([facts], store, packaged=False)
    assert _reused(first) == (0, 3, 0)  # a cold build computes every network

    edit_one(sorted(facts.glob("syn*.yaml"))[2])  # a description: nothing the analysis reads
    report = build([facts], store, packaged=False)
    assert _reused(report) == (1, 0, 0)
    _same_as_cold(facts, store, tmp_path, "description")

    extra.write_text(_article(), encoding="utf-8")  # a new leg: the corridor network only
    report = build([facts], store, packaged=False)
    assert _reused(report) == (0, 1, 2)
    assert _routes_along(store, "testline-corridor") == [
        "route from Arvik to Belmor along Testline corridor",
        "route from Belmor to Arvik along Testline corridor",
    ]
    _same_as_cold(facts, store, tmp_path, "leg")

    extra.write_text(_article(meeting=True), encoding="utf-8")  # a meeting: the actor network only
    assert not _scored(store, "dana-olver")
    report = build([facts], store, packaged=False)
    assert _reused(report) == (0, 1, 2)
    assert _scored(store, "dana-olver") and _scored(store, "rem-tasko")
    _same_as_cold(facts, store, tmp_path, "meeting")

    extra.write_text(_article("Testline transport corridor", meeting=True), encoding="utf-8")  # a label only
    report = build([facts], store, packaged=False)
    assert _reused(report) == (0, 1, 2)  # the routes print the corridor's label
    assert _routes_along(store, "testline-corridor") == [
        "route from Arvik to Belmor along Testline transport corridor",
        "route from Belmor to Arvik along Testline transport corridor",
    ]
    _same_as_cold(facts, store, tmp_path, "label")

    extra.unlink()  # the file removed: its leg and its meeting go
    report = build([facts], store, packaged=False)
    assert _reused(report) == (0, 2, 1)
    assert _routes_along(store, "testline-corridor") == [] and not _scored(store, "dana-olver")
    _same_as_cold(facts, store, tmp_path, "removed")


@pytest.mark.parametrize("damage", ["deleted", "corrupted", "foreign"])
def test_lost_or_damaged_results_are_recomputed_never_fatal(facts, tmp_path, damage):
    store = StoreDir(tmp_path / "store")
    build([facts], store, packaged=False)
    extra = facts / "extra.yaml"
    extra.write_text(_article(), encoding="utf-8")
    build([facts], store, packaged=False)
    live = store.current.path
    files = sorted(live.glob("derived*"))
    assert live / STATE_FILE in files and len(files) == 4  # the state and one result file per network
    for item in files:
        if damage == "deleted":
            item.unlink()
        elif damage == "corrupted":
            item.write_bytes(b"<not n-quads \x00\xff")
        else:  # results of an older version of the code: never trusted
            item.write_text('{"code": "derived-0", "networks": []}' if item.name == STATE_FILE else "", "utf-8")
    edit_one(sorted(facts.glob("syn*.yaml"))[1])  # a description: would keep the derived graph if it could
    report = build([facts], store, packaged=False)
    assert _reused(report) == (0, 3, 0)
    assert _routes_along(store, "testline-corridor") == [
        "route from Arvik to Belmor along Testline corridor",
        "route from Belmor to Arvik along Testline corridor",
    ]
    _same_as_cold(facts, store, tmp_path, damage)
    extra.write_text(_article("Testline line"), encoding="utf-8")  # and the next build reuses again
    report = build([facts], store, packaged=False)
    assert _reused(report) == (0, 1, 2)
    _same_as_cold(facts, store, tmp_path, f"{damage}-then")
