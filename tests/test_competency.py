"""Every competency question is answered by its named query, as `expect` says.

Run on the built store (Oxigraph) and, to prove the queries are plain SPARQL 1.1 over the exported
dataset, by plain rdflib on the TriG that `kg export` writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
import yaml
from support import first_row_matching, row_texts, value_in_row

from kzlinks.dataset.export import export
from kzlinks.queries import QUERIES_DIR
from kzlinks.sparql.engines import OxigraphEngine, RdflibEngine
from kzlinks.sparql.named import bind, find_query

QUESTIONS = yaml.safe_load((QUERIES_DIR / "competency-questions.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def exported_dataset(packaged_store, tmp_path_factory) -> rdflib.Dataset:
    path = tmp_path_factory.mktemp("export") / "g.trig"
    export(path, packaged_store)
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(path, format="trig")
    return dataset


def _rows(engine, question_id: str) -> list[list[str]]:
    query = find_query(question_id)
    assert query.path.name == f"{question_id}.rq"
    results = engine.run(query.text, bind(query, {}), str(query.path))
    return [results.cells(row) for row in results.rows]


def check_expectations(question: dict, rows: list[list[str]]) -> None:
    expect = question["expect"]
    assert rows, f"{question['id']} returned no rows"
    texts = row_texts(rows)
    for item in expect.get("all", []):
        assert first_row_matching(item, texts) is not None, f"{question['id']}: '{item}' not in answer {rows}"
    positions = [first_row_matching(item, texts) for item in expect.get("order", [])]
    assert None not in positions, f"{question['id']}: ordered items missing from {rows}"
    assert positions == sorted(positions), f"{question['id']}: order {expect['order']} not kept in {rows}"
    for value in expect.get("values", []):
        assert any(value_in_row(str(value), row) for row in rows), f"{question['id']}: value {value!r} not in {rows}"


@pytest.mark.parametrize("question", QUESTIONS, ids=[q["id"] for q in QUESTIONS])
def test_competency_question_on_store(question, packaged_store):
    check_expectations(question, _rows(OxigraphEngine.open(packaged_store), question["id"]))


@pytest.mark.parametrize("question", QUESTIONS, ids=[q["id"] for q in QUESTIONS])
def test_competency_question_on_exported_trig_with_plain_rdflib(question, exported_dataset):
    check_expectations(question, _rows(RdflibEngine(exported_dataset), question["id"]))


def test_every_question_has_its_query():
    names = {p.stem for p in Path(QUERIES_DIR).glob("*.rq")}
    assert {q["id"] for q in QUESTIONS} <= names
