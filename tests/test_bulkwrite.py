"""A big cold build writes the dataset and the query index from one N-Quads text, side by side
(kzlinks.dataset.bulkwrite): it must give exactly the stores the quad-by-quad path gives, and fail as cleanly.

The path is taken above `BULK_LOAD_MIN` quads; the tests lower that bound so that the packaged facts (whose
ontology graph holds blank nodes) and a small synthetic fact base take it.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from support import add_tenure_without_holder

from kzlinks.bench.synthetic import generate
from kzlinks.dataset import pipeline
from kzlinks.dataset.store import StoreDir
from kzlinks.errors import ValidationError
from kzlinks.workflow import build


def _quads(path: Path) -> Counter[str]:
    """Every quad as an N-Quads line, blank node labels left out (a parse or a build names them anew)."""
    text = ox.Store.read_only(str(path)).dump(format=ox.RdfFormat.N_QUADS).decode("utf-8")
    return Counter(re.sub(r"_:\S+", "_:", line) for line in text.splitlines())


def _same_stores(one: StoreDir, other: StoreDir) -> None:
    assert _quads(one.current.dataset_dir) == _quads(other.current.dataset_dir)
    assert _quads(one.current.index_dir) == _quads(other.current.index_dir)
    assert one.manifest().graphs == other.manifest().graphs


@pytest.mark.parametrize("packaged", [True, False], ids=["packaged", "synthetic"])
def test_the_bulk_path_writes_what_the_quad_path_writes(packaged, tmp_path, monkeypatch):
    facts: list[Path] = []
    if not packaged:
        generate(tmp_path / "facts", 6000)
        facts = [tmp_path / "facts"]
    by_quad = StoreDir(tmp_path / "by-quad")
    report = build(facts, by_quad, packaged=packaged)
    monkeypatch.setattr(pipeline, "BULK_LOAD_MIN", 0)
    bulk = StoreDir(tmp_path / "bulk")
    again = build(facts, bulk, packaged=packaged)
    assert again.quads == report.quads > 0
    _same_stores(by_quad, bulk)


def test_a_violation_on_the_bulk_path_keeps_the_live_store_and_leaves_no_snapshot(tmp_path, monkeypatch):
    facts = tmp_path / "facts"
    generate(facts, 6000)
    store = StoreDir(tmp_path / "store")
    build([facts], store, packaged=False)
    live, manifest = store.current, store.manifest()
    target = sorted(facts.glob("*.yaml"))[2]
    line = add_tenure_without_holder(target)
    monkeypatch.setattr(pipeline, "BULK_LOAD_MIN", 0)
    monkeypatch.setattr(pipeline, "PYSHACL_MAX_QUADS", 0)
    with pytest.raises(ValidationError) as caught:
        build([facts], store, packaged=False, full=True)
    assert caught.value.file == str(target.resolve()) and caught.value.line == line
    assert store.current == live and store.manifest() == manifest
    assert sorted(p.name for p in store.root.joinpath("snapshots").iterdir()) == [live.name]
