"""`kg query` and `kg queries`: output formats, safe parameters, both engines."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from support import kg

from kzlinks.sparql.named import catalogue

QUERIES = Path(__file__).parent / "fixtures" / "queries"


def test_json_is_sparql_results_json(mini_store, capsys):
    run = kg(capsys, "query", QUERIES / "label-lookup.rq", "--format", "json", "--store", mini_store.root)
    data = json.loads(run.out)
    assert data["head"]["vars"] == ["entity"]
    assert data["results"]["bindings"] == [{"entity": {"type": "uri", "value": "https://w3id.org/kzlinks/id/estonia"}}]


def test_csv_and_table(mini_store, capsys):
    run = kg(
        capsys,
        "query",
        QUERIES / "labels.rq",
        "--param",
        "thing=kz-ee-igc",
        "--format",
        "csv",
        "--store",
        mini_store.root,
    )
    assert list(csv.reader(io.StringIO(run.out))) == [
        ["label"],
        ["Kazakhstan-Estonia Intergovernmental Commission for Economic, Scientific and Technical Cooperation"],
    ]
    table = kg(capsys, "query", QUERIES / "label-lookup.rq", "--param", "text=Tallinn", "--store", mini_store.root).out
    assert table.splitlines()[0].strip() == "entity"
    assert "id:tallinn" in table and table.rstrip().endswith("(1 row)")


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("hostile", ['Estonia" } ?s ?p ?o { "', "Estonia'; DROP ALL", 'x" . } UNION { ?entity ?p ?o'])
def test_parameters_are_bound_not_pasted(engine, hostile, mini_store, capsys):
    run = kg(
        capsys,
        "query",
        QUERIES / "label-lookup.rq",
        "--param",
        f"text={hostile}",
        "--engine",
        engine,
        "--format",
        "json",
        "--store",
        mini_store.root,
    )
    assert run.code == 0, run.err
    assert json.loads(run.out)["results"]["bindings"] == []


def test_named_queries_are_listed_with_their_question(capsys):
    run = kg(capsys, "queries")
    assert run.code == 0
    for query in catalogue():
        assert query.question, f"{query.path} has no '# question:' line"
        assert query.name in run.out and query.question in run.out


def test_named_query_by_unique_prefix(packaged_store, capsys):
    run = kg(capsys, "query", "cq08", "--format", "csv", "--store", packaged_store.root)
    assert run.code == 0 and "1992-05" in run.out
