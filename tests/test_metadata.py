"""Article metadata records: on the source node in Dublin Core terms / schema.org, in cq15's answers, and
checked like facts (a value's evidence must be the article's own words)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
from support import kg

from kzlinks.namespaces import source_iri

FIXTURES = Path(__file__).parent / "fixtures"


def _values(store, name: str) -> dict[str, str]:
    db = store.open_read()
    return {
        q.predicate.value.rsplit("/", 1)[-1]: q.object.value
        for q in db.quads_for_pattern(ox.NamedNode(source_iri(name)), None, None, None)
    }


def test_what_the_articles_state_is_on_their_source_nodes(packaged_store):
    estonia = _values(packaged_store, "001_b3d0d2c17928b21d.txt")
    assert estonia["issued"] == "2025-11-17" and estonia["language"] == "en" and "publisher" not in estonia
    assert _values(packaged_store, "002_8d469a298dbc54d2.txt")["publisher"] == "EU Reporter"
    assert "url" not in _values(packaged_store, "000_36c69ba1f3a184f4.txt")  # no article gives its URL


def test_provenance_answers_show_outlet_and_date(packaged_store, capsys):
    run = kg(capsys, "query", "cq15", "--param", "entity=serbia", "--format", "csv", "--store", packaged_store.root)
    assert run.out.splitlines()[0] == "sourceFile,publisher,issued,url,passage,quote"
    assert any(
        line.startswith("003_dd8a74cf95794356.txt,Qazinform News Agency,2026-02-27,,") for line in run.out.splitlines()
    )


def test_metadata_evidence_must_be_in_the_article(tmp_path, capsys):
    facts = tmp_path / "facts"
    shutil.copytree(FIXTURES / "extension", facts)
    (facts / "100_khorgos.meta.yaml").write_text("publisher: Example Gazette\nissued: 2025-02-30\n", encoding="utf-8")
    args = ["--facts", facts / "100_khorgos.yaml", "--ontology", facts / "extension.ttl"]
    run = kg(capsys, "build", *args, "--store", tmp_path / "s")
    assert run.code == 2 and f"{facts / '100_khorgos.meta.yaml'}:2: impossible date '2025-02-30'" in run.err
    (facts / "100_khorgos.meta.yaml").write_text(
        'publisher: Example Gazette\nevidence:\n  publisher: "Example Gazette reports"\n', encoding="utf-8"
    )
    run = kg(capsys, "build", *args, "--store", tmp_path / "s")
    assert run.code == 2 and f"{facts / '100_khorgos.meta.yaml'}:3: evidence publisher: quote not found" in run.err


RESOLVED = FIXTURES / "resolved"


def test_a_date_without_a_year_is_resolved_against_the_publication_date_and_says_so(tmp_path, capsys):
    store = tmp_path / "store"
    assert kg(capsys, "build", "--no-packaged", "--facts", RESOLVED, "--store", store).code == 0
    query = tmp_path / "resolved.rq"
    query.write_text(
        "PREFIX kg: <https://w3id.org/kzlinks/ontology#>\nPREFIX dcterms: <http://purl.org/dc/terms/>\n"
        "SELECT ?date ?stated ?issued WHERE { GRAPH ?g { ?e kg:startDate ?date } "
        "?g kg:statedDate ?stated ; kg:dateResolvedFrom ?src . ?src dcterms:issued ?issued }\n",
        encoding="utf-8",
    )
    run = kg(capsys, "query", query, "--format", "csv", "--store", store)
    assert run.out.splitlines() == ["date,stated,issued", '2023-06-22,"Thursday, 22 June",2023-06-25']


def _resolved_case(tmp_path: Path, value: str, meta: str | None) -> Path:
    folder = tmp_path / "case"
    shutil.copytree(RESOLVED, folder)
    facts = folder / "200_meeting.yaml"
    facts.write_text(facts.read_text(encoding="utf-8").replace("value: 2023-06-22", f"value: {value}"))
    if meta is None:
        (folder / "200_meeting.meta.yaml").unlink()
    return folder


def test_a_resolved_date_must_fit_the_weekday_and_the_publication_date(tmp_path, capsys):
    for value, meta, expected in [
        ("2023-06-23", "", "startDate' 2023-06-23 is a Friday, but the text says Thursday"),
        ("2021-06-22", "", "more than a year from the publication date 2023-06-25"),
        ("2023-06-22", None, "resolved against the publication date, but 200_meeting.txt has no 'issued'"),
    ]:
        folder = _resolved_case(tmp_path / value / str(meta), value, meta)
        run = kg(capsys, "build", "--no-packaged", "--facts", folder, "--store", tmp_path / "s")
        assert run.code == 2 and f"{folder / '200_meeting.yaml'}:10: almaty-ministers-meeting: " in run.err, run.err
        assert expected in run.err, run.err


def test_a_changed_publication_date_rechecks_the_resolved_dates(tmp_path, capsys):
    folder = _resolved_case(tmp_path, "2023-06-22", "")
    store = tmp_path / "store"
    assert kg(capsys, "build", "--no-packaged", "--facts", folder, "--store", store).code == 0
    meta = folder / "200_meeting.meta.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("issued: 2023-06-25", "issued: 2025-06-25"))
    run = kg(capsys, "build", "--no-packaged", "--facts", folder, "--store", store)
    assert run.code == 2 and "more than a year from the publication date 2025-06-25" in run.err
