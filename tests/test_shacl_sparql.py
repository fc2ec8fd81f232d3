"""The SHACL shapes compiled to SPARQL report exactly what pyshacl, the reference validator, reports.

Big builds are validated by graph/shacl_sparql.py instead of pyshacl, so the two must agree. Each case in
fixtures/shacl/*.ru is a SPARQL Update that breaks a valid synthetic dataset in one way (its first line
says how); both validators run on the broken data and must find the same violations: the same focus
nodes, paths, messages and values. The query index (default graph = union) must give the same answer too.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kzlinks.bench.synthetic import generate
from kzlinks.dataset.shacl_sparql import compile_checks, violations
from kzlinks.dataset.store import StoreDir
from kzlinks.dataset.validation import load_shapes, pyshacl_violations, to_rdflib
from kzlinks.facts.vocabulary import parse_ontology
from kzlinks.namespaces import DERIVED_GRAPH, ONTOLOGY_GRAPH
from kzlinks.ontology import ONTOLOGY_FILE
from kzlinks.workflow import build

CASES = sorted((Path(__file__).parent / "fixtures" / "shacl").glob("*.ru"))
SKIP = {ox.NamedNode(str(ONTOLOGY_GRAPH)), ox.NamedNode(str(DERIVED_GRAPH))}


@pytest.fixture(scope="module")
def valid_quads(tmp_path_factory) -> list[ox.Quad]:
    """A small valid synthetic dataset (every shape's targets occur in it), without the derived graph."""
    root = tmp_path_factory.mktemp("shacl")
    generate(root / "facts", 3000)
    store = StoreDir(root / "store")
    build([root / "facts"], store, packaged=False)
    return [q for q in store.open_read() if q.graph_name != ox.NamedNode(str(DERIVED_GRAPH))]


def _store(quads: list[ox.Quad], update: str | None = None) -> ox.Store:
    store = ox.Store()
    store.extend(quads)
    if update:
        store.update(update)
    return store


def _both(store: ox.Store, focus: list[str] | None = None):
    reference = pyshacl_violations(
        to_rdflib(q for q in store if q.graph_name not in SKIP), parse_ontology(ONTOLOGY_FILE), focus
    )
    compiled = violations(store, compile_checks(load_shapes(), store), focus)
    return reference, compiled


def _indexed(store: ox.Store) -> ox.Store:
    index = ox.Store()
    index.extend(list(store))
    index.extend([ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in store])
    return index


def test_a_valid_dataset_has_no_violations_for_either_validator(valid_quads):
    reference, compiled = _both(_store(valid_quads))
    assert reference == compiled == []


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_both_validators_find_the_same_violations(valid_quads, case):
    store = _store(valid_quads, case.read_text(encoding="utf-8"))
    reference, compiled = _both(store)
    assert reference, f"{case.name} breaks nothing: the case is wrong"
    assert compiled == reference
    index = _indexed(store)
    assert violations(index, compile_checks(load_shapes(), index, union=False), union=False) == reference


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_validating_focus_nodes_reports_exactly_their_violations(valid_quads, case):
    """What incremental builds rely on. pyshacl is only a lower bound here: with focus_nodes it also filters
    the value nodes handed to nested shapes (sh:or of datatypes), so it misses those violations."""
    store = _store(valid_quads, case.read_text(encoding="utf-8"))
    checks = compile_checks(load_shapes(), store)
    every = violations(store, checks)
    focus = sorted({v.focus for v in every})[:2] + ["https://w3id.org/kzlinks/id/kazakhstan"]
    restricted = violations(store, checks, focus)
    assert restricted == [v for v in every if v.focus in focus]
    assert set(_both(store, focus)[0]) <= set(restricted)
