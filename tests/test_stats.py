"""`kg stats` on the packaged facts: the zero checks hold and every article is quoted nearly throughout."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
from rdflib.namespace import RDF
from support import kg

from kzlinks.analysis.stats import collect
from kzlinks.dataset.store import StoreDir
from kzlinks.facts.articles import PACKAGED_SOURCES
from kzlinks.namespaces import GRAPH, KG, entity_iri

FIXTURES = Path(__file__).parent / "fixtures"


def test_packaged_graph_passes_the_zero_checks(packaged_store, capsys):
    run = kg(capsys, "stats", "--store", packaged_store.root)
    assert run.code == 0, run.out
    for check in ("entities without a label", "passage graphs without a quote", "entities no source mentions"):
        line = next(line for line in run.out.splitlines() if check in line)
        assert line.split()[-1] == "0", line


def test_every_source_has_facts_and_most_sentences_are_quoted(packaged_store):
    stats = collect(packaged_store.open_read())
    sources = {p.name for p in PACKAGED_SOURCES.glob("*.txt")}
    assert {s for s, *_ in stats.by_source} == sources
    for cov in stats.coverage:
        assert cov.percent >= 80, (cov.source, cov.unquoted)


def test_stats_names_what_breaks_a_zero_check(tmp_path, capsys):
    """Quads slipped into the store by hand (not through a fact file) are caught and named."""
    store = tmp_path / "store"
    assert kg(capsys, "build", "--no-packaged", "--facts", FIXTURES / "good", "--store", store).code == 0
    db = pyoxigraph.Store(str(StoreDir(store).current.dataset_dir))
    ghost, graph = pyoxigraph.NamedNode(entity_iri("ghost")), pyoxigraph.NamedNode(str(GRAPH["hand-made"]))
    db.add(pyoxigraph.Quad(ghost, pyoxigraph.NamedNode(str(RDF.type)), pyoxigraph.NamedNode(str(KG.State)), graph))
    db.flush()
    del db
    run = kg(capsys, "stats", "--store", store)
    assert run.code == 1
    assert "entities without a label           1: ghost" in run.out
    assert "passage graphs without a quote     1: graph:hand-made" in run.out
    assert "entities no source mentions        1: ghost (no label)" in run.out


def test_stats_prints_the_modelling_check_per_article(packaged_store, capsys):
    """Per article: statements, entities, share of sentences quoted, description-only statements and
    duplicate candidates; the mended packaged files leave none of the last two."""
    run = kg(capsys, "stats", "--store", packaged_store.root)
    lines = run.out.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("Per article")))
    rows = lines[start + 1 : start + 6]
    assert [row.split()[0] for row in rows] == sorted(p.name for p in PACKAGED_SOURCES.glob("*.txt"))
    for row in rows:
        assert "0 description-only   0 duplicate candidates" in row, row
    assert "Modelling check (warnings, `kg build` prints each): 0 duplicate, 0 description-only, 0 unused" in run.out


def test_stats_counts_the_findings_of_the_files_before_issue_11(tmp_path, capsys):
    store = tmp_path / "store"
    before = FIXTURES / "before-issue-11"
    assert kg(capsys, "build", "--no-packaged", "--facts", before, "--store", store).code == 0
    run = kg(capsys, "stats", "--store", store)
    assert "30 duplicate, 48 description-only, 0 unused" in run.out
    row = next(
        line for line in run.out.splitlines() if line.startswith("  003_dd8a74cf95794356.txt") and "quoted" in line
    )
    assert "26 description-only" in row and "9 duplicate candidates" in row, row
