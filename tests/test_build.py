"""`kg build` and `kg export`: quotes checked, one graph per passage, atomic replacement."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import PROV
from support import kg

from kzlinks.facts.articles import PACKAGED_SOURCES, normalise
from kzlinks.namespaces import OA

FIXTURES = Path(__file__).parent / "fixtures"
LABELS = FIXTURES / "queries" / "labels.rq"


def _sources_text() -> dict[str, str]:
    return {p.stem: normalise(p.read_text(encoding="utf-8")) for p in PACKAGED_SOURCES.glob("*.txt")}


def _check_export(trig: Path) -> int:
    """Every oa:exact is in the source its graph derives from; every passage graph holds one quote."""
    dataset = rdflib.Dataset()
    dataset.parse(trig, format="trig")
    sources = _sources_text()
    passages = 0
    for graph in dataset.graphs():
        quotes = list(graph.objects(None, OA.exact))
        if not quotes:
            continue
        passages += 1
        assert len(quotes) == 1, f"{graph.identifier} holds {len(quotes)} quotes"
        (source,) = graph.objects(graph.identifier, PROV.wasDerivedFrom)
        text = sources[str(source).rsplit("/", 1)[-1]]
        assert normalise(str(quotes[0])) in text, f"{graph.identifier}: quote not in {source}"
    return passages


def test_export_quotes_are_verbatim_and_one_graph_per_passage(packaged_store, tmp_path, capsys):
    out = tmp_path / "g.trig"
    run = kg(capsys, "export", "-o", out, "--store", packaged_store.root)
    assert run.code == 0 and "quads" in run.out
    assert _check_export(out) > 100


@pytest.mark.parametrize("suffix, fmt", [(".nq", "nquads"), (".trig", "trig")])
def test_export_dataset_formats_hold_every_quad(suffix, fmt, mini_store, tmp_path, capsys):
    out = tmp_path / f"g{suffix}"
    run = kg(capsys, "export", "-o", out, "--store", mini_store.root)
    count = int(run.out.split()[1])
    dataset = rdflib.Dataset()
    dataset.parse(out, format=fmt)
    assert len(dataset) == count == len(mini_store.open_read())


def test_export_union_as_turtle(mini_store, tmp_path, capsys):
    out = tmp_path / "g.ttl"
    assert kg(capsys, "export", "-o", out, "--store", mini_store.root).code == 0
    graph = rdflib.Graph().parse(out, format="turtle")
    labels = {str(o) for o in graph.objects(rdflib.URIRef("https://w3id.org/kzlinks/id/estonia"), rdflib.RDFS.label)}
    assert labels == {"Estonia"}


def test_export_unknown_format_is_an_error(mini_store, tmp_path, capsys):
    run = kg(capsys, "export", "-o", tmp_path / "g.xlsx", "--store", mini_store.root)
    assert run.code == 2 and "unknown export format '.xlsx'" in run.err
    assert not (tmp_path / "g.xlsx").exists()


def test_failed_build_keeps_the_last_good_store(tmp_path, capsys):
    store = tmp_path / "store"
    facts = tmp_path / "facts"
    shutil.copytree(FIXTURES / "good", facts)
    assert kg(capsys, "build", "--no-packaged", "--facts", facts, "--store", store).code == 0
    live = (store / "current").resolve()
    broken = facts / "broken.yaml"
    broken.write_text("source: 001_b3d0d2c17928b21d.txt\nentities: [\n", encoding="utf-8")
    run = kg(capsys, "build", "--no-packaged", "--facts", facts, "--store", store)
    assert run.code == 2 and f"{broken}:" in run.err and "malformed YAML" in run.err
    assert (store / "current").resolve() == live
    assert len(list((store / "snapshots").iterdir())) == 1
    answer = kg(capsys, "query", LABELS, "--param", "thing=estonia", "--store", store, "--format", "csv")
    assert answer.code == 0 and answer.out.splitlines() == ["label", "Estonia"]


def test_rebuild_with_nothing_changed_writes_nothing(tmp_path, capsys):
    store = tmp_path / "store"
    assert kg(capsys, "build", "--no-packaged", "--facts", FIXTURES / "good", "--store", store).code == 0
    snapshot = (store / "current").resolve()
    run = kg(capsys, "build", "--no-packaged", "--facts", FIXTURES / "good", "--store", store)
    assert run.code == 0 and run.out.startswith("up to date")
    assert (store / "current").resolve() == snapshot


def test_user_facts_add_to_packaged_ones(packaged_store, tmp_path, capsys):
    """An analyst's own fact file on a new article, next to the packaged ones."""
    article = tmp_path / "new-article.txt"
    article.write_text(
        "Kazakhstan and Estonia opened a joint logistics office in Tallinn in March 2026.\n", encoding="utf-8"
    )
    (tmp_path / "new-article.yaml").write_text(
        "source: new-article.txt\nentities:\n  - id: kz-ee-logistics-office\n    type: Institution\n"
        "    label: Kazakhstan–Estonia joint logistics office\n"
        '    quote: "a joint logistics office in Tallinn"\nstatements:\n'
        '  - quote: "opened a joint logistics office in Tallinn in March 2026"\n'
        "    subject: kz-ee-logistics-office\n    locatedIn: tallinn\n    establishedOn: 2026-03\n",
        encoding="utf-8",
    )
    store = tmp_path / "store"
    run = kg(capsys, "build", "--facts", tmp_path, "--store", store)
    assert run.code == 0, run.err
    answer = kg(capsys, "query", LABELS, "--param", "thing=kz-ee-logistics-office", "--store", store, "--format", "csv")
    assert answer.out.splitlines()[1] == "Kazakhstan–Estonia joint logistics office"
