"""Incremental builds: only what changed is read, replaced and re-validated; unchanged input rebuilds nothing.

Checked through what `kg build` reports (BuildReport), the snapshot's manifest (a digest per graph and per
input file) and the store itself. The query index must stay equal to the union of the dataset's graphs
after every kind of change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from support import add_tenure_without_holder

from kzlinks.bench.synthetic import edit_one, generate
from kzlinks.dataset import pipeline as build_module
from kzlinks.dataset.store import Manifest, StoreDir
from kzlinks.errors import ValidationError
from kzlinks.namespaces import GRAPH
from kzlinks.workflow import build

SYNTHETIC_SIZE = 6000  # five fact files


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("incremental") / "facts"
    generate(folder, SYNTHETIC_SIZE)
    return folder


@pytest.fixture
def facts(synthetic, tmp_path) -> Path:
    return Path(shutil.copytree(synthetic, tmp_path / "facts"))


def _build(facts: Path, store: StoreDir):
    return build([facts], store, packaged=False)


def _graphs_of(store: StoreDir, key: str) -> set[str]:
    return {iri for iri in store.manifest().graphs if iri.startswith(str(GRAPH[f"{key}/"]))}


def _index_is_the_union(store: StoreDir) -> bool:
    index = ox.Store.read_only(str(store.current.index_dir))
    dataset = store.open_read()
    union = {(q.subject, q.predicate, q.object) for q in dataset}
    default = {(q.subject, q.predicate, q.object) for q in index.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    named = {q for q in index if q.graph_name != ox.DefaultGraph()}
    return default == union and named == set(dataset)


def test_unchanged_input_rebuilds_nothing(facts, tmp_path):
    store = StoreDir(tmp_path / "store")
    first = _build(facts, store)
    manifest, live = store.manifest(), store.current
    again = _build(facts, store)
    assert again.unchanged and again.graphs_written == again.graphs_removed == 0
    assert again.files_read == 0  # every file came from the cache
    assert store.current == live and store.manifest() == manifest
    assert (again.graphs, again.quads, again.entities) == (first.graphs, first.quads, first.entities)


def test_a_store_built_by_kzlinks_installed_elsewhere_rebuilds_without_complaint(facts, tmp_path):
    """Stores made before the shapes had a fixed manifest name recorded them by their install path: after an
    upgrade or a new virtual environment that path is another, and it must not pass for a left-out fact file."""
    store = StoreDir(tmp_path / "store")
    _build(facts, store)
    manifest_file = store.current.path / "manifest.json"
    manifest = Manifest.read(manifest_file)
    digest = manifest.inputs.pop(build_module.SHAPES_INPUT)
    manifest.inputs["/old/venv/lib/python3.11/site-packages/kzlinks/ontology/shapes.ttl"] = digest
    manifest.write(manifest_file)
    again = _build(facts, store)
    assert again.dropped == {}
    assert store.manifest().inputs[build_module.SHAPES_INPUT] == digest


def test_one_changed_file_replaces_and_revalidates_only_its_graph(facts, tmp_path):
    store = StoreDir(tmp_path / "store")
    _build(facts, store)
    before = store.manifest()
    edited = sorted(facts.glob("*.yaml"))[2]
    edit_one(edited)
    report = _build(facts, store)
    after = store.manifest()
    changed = {iri for iri in after.graphs if before.graphs.get(iri) != after.graphs[iri]}
    assert report.files_read == 1 and report.graphs_written == 1 and report.graphs_removed == 0
    assert report.graphs_validated == 1
    assert len(changed) == 1 and changed <= _graphs_of(store, edited.stem)
    assert {p for p in after.inputs if before.inputs.get(p) != after.inputs[p]} == {str(edited.resolve())}
    (graph,) = changed
    descriptions = [
        q.object.value
        for q in store.open_read().quads_for_pattern(None, None, None, ox.NamedNode(graph))
        if q.predicate.value.endswith("#description")
    ]
    assert descriptions == ["benchmark edit 1"]
    assert _index_is_the_union(store)


def test_a_removed_passage_and_a_removed_file_drop_their_graphs(facts, tmp_path):
    store = StoreDir(tmp_path / "store")
    _build(facts, store)
    gone = sorted(facts.glob("*.yaml"))[1]
    graphs = _graphs_of(store, gone.stem)
    gone.unlink()
    report = _build(facts, store)
    assert report.graphs_removed == len(graphs) > 0 and report.files_read == 0
    assert not _graphs_of(store, gone.stem)
    assert not any(store.open_read().quads_for_pattern(None, None, None, ox.NamedNode(sorted(graphs)[0])))
    assert _index_is_the_union(store)


def test_a_changed_declaration_remaps_the_files_that_depend_on_it(tmp_path):
    """File b names `harbour` without type or label; a's declaration supplies them, and b's graph carries
    them, so relabelling the entity in a changes b's graph too: b is mapped again though it did not change."""
    facts = tmp_path / "facts"
    facts.mkdir()
    (facts / "news.txt").write_text("The harbour of Varna is busy. Ships leave the harbour daily.\n", encoding="utf-8")
    (facts / "a.yaml").write_text(
        "source: news.txt\nentities:\n  - id: harbour\n    type: Port\n    label: Varna harbour\n"
        '    quote: "The harbour of Varna is busy."\n',
        encoding="utf-8",
    )
    (facts / "b.yaml").write_text(
        'source: news.txt\nentities:\n  - id: harbour\n    quote: "Ships leave the harbour daily."\n', encoding="utf-8"
    )
    store = StoreDir(tmp_path / "store")
    _build(facts, store)
    (facts / "a.yaml").write_text(
        (facts / "a.yaml").read_text(encoding="utf-8").replace("Varna harbour", "Port of Varna"), encoding="utf-8"
    )
    report = _build(facts, store)
    assert report.files_read == 2 and report.graphs_written == 2
    labels = {
        q.object.value
        for q in store.open_read().quads_for_pattern(
            ox.NamedNode("https://w3id.org/kzlinks/id/harbour"),
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
            None,
            None,
        )
    }
    assert labels == {"Port of Varna"}
    assert _index_is_the_union(store)


@pytest.mark.parametrize("pyshacl_max", [build_module.PYSHACL_MAX_QUADS, 0], ids=["small", "large"])
def test_an_incremental_violation_names_file_and_line_and_keeps_the_live_store(
    facts, tmp_path, monkeypatch, pyshacl_max
):
    """Re-validation of the changed graph's subjects catches a broken shape, with either validator."""
    monkeypatch.setattr(build_module, "PYSHACL_MAX_QUADS", pyshacl_max)
    store = StoreDir(tmp_path / "store")
    _build(facts, store)
    live, manifest = store.current, store.manifest()
    target = sorted(facts.glob("*.yaml"))[3]
    line = add_tenure_without_holder(target)
    with pytest.raises(ValidationError) as caught:
        _build(facts, store)
    assert caught.value.file == str(target.resolve()) and caught.value.line == line
    assert "a tenure needs exactly one holder" in caught.value.message
    assert store.current == live and store.manifest() == manifest


def test_incremental_builds_end_where_a_cold_build_of_the_same_input_would(facts, tmp_path):
    """Dataset, derived graph and query index: the same quads whether built step by step or at once."""
    store = StoreDir(tmp_path / "store")
    _build(facts, store)
    files = sorted(facts.glob("*.yaml"))
    files[1].unlink()  # changes the actor and corridor networks, so the derived graph
    edit_one(files[2])
    _build(facts, store)
    cold = StoreDir(tmp_path / "cold")
    _build(facts, cold)
    assert _without_blank_labels(store.open_read()) == _without_blank_labels(cold.open_read())
    indexes = [_without_blank_labels(ox.Store.read_only(str(s.current.index_dir))) for s in (store, cold)]
    assert indexes[0] == indexes[1]
    assert _index_is_the_union(store)


def _without_blank_labels(quads) -> set[str]:
    """The ontology's blank nodes get new labels on every parse: compare everything else."""
    return {
        " ".join(
            "_:" if isinstance(t, ox.BlankNode) else str(t) for t in (q.subject, q.predicate, q.object, q.graph_name)
        )
        for q in quads
    }
