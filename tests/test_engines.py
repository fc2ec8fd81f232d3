"""Every named query gives the same answers on Oxigraph (the default store) and on rdflib's memory store.

Run on the packaged facts (what a user builds) and on a small synthetic fact base (other shapes, more of
them). Answers are compared as multisets of rows; only what SPARQL leaves open is normalised: the order of
GROUP_CONCAT parts (and whether their shared language tag is kept), how a numeric literal is spelled, and
whether a language-tagged literal also names rdf:langString. The query index (a de-duplicated union as the default graph) must also answer exactly as
Oxigraph does over the union of the named graphs.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal, InvalidOperation

import pytest

from kzlinks.bench.synthetic import generate
from kzlinks.dataset.store import StoreDir
from kzlinks.sparql.engines import OxigraphEngine, RdflibEngine
from kzlinks.sparql.named import bind, catalogue
from kzlinks.sparql.results import Results, Term
from kzlinks.workflow import build

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {
    XSD + t
    for t in (
        "integer",
        "decimal",
        "double",
        "float",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
    )
}
QUERIES = catalogue()
SEPARATOR = re.compile(r"separator\s*=\s*(\"[^\"]*\"|'[^']*')", re.IGNORECASE)
CONCAT = re.compile(r"GROUP_CONCAT\s*\((?:[^()]|\([^()]*\))*\)\s*AS\s*\?(\w+)", re.IGNORECASE)


@pytest.fixture(scope="module")
def synthetic_store(tmp_path_factory) -> StoreDir:
    root = tmp_path_factory.mktemp("engines")
    generate(root / "facts", 3000, seed=11)
    store = StoreDir(root / "store")
    build([root / "facts"], store, packaged=False)
    return store


@pytest.fixture(scope="module", params=["packaged", "synthetic"])
def engines(request, packaged_store, synthetic_store) -> dict:
    store = packaged_store if request.param == "packaged" else synthetic_store
    return {
        "oxigraph": OxigraphEngine.open(store),
        "rdflib": RdflibEngine.open(store),
        "union": OxigraphEngine(store.open_read(), union=True),
    }


class Shape:
    """What of a query's text the comparison needs: GROUP_CONCAT separators and result variables."""

    def __init__(self, text: str) -> None:
        self.separators = [s[1:-1] for s in SEPARATOR.findall(text)] or [" "]
        self.concatenated = set(CONCAT.findall(text))


def _term(term: Term, separators: list[str], concatenated: bool) -> tuple:
    if term.type != "literal":
        return term.type, term.value
    if concatenated:  # Oxigraph keeps a language tag all parts share, rdflib returns a simple literal
        return "literal", separators[0].join(sorted(term.value.split(separators[0])))
    if term.lang:
        return "literal", term.value, term.lang.lower()
    value = term.value
    if term.datatype in NUMERIC:
        try:
            value = str(Decimal(value).normalize())
        except InvalidOperation:
            pass
    return "literal", value, term.datatype if term.datatype not in NUMERIC else "numeric"


def _answer(results: Results, shape: Shape) -> Counter:
    if results.boolean is not None:
        return Counter([results.boolean])
    return Counter(
        tuple(sorted((var, _term(t, shape.separators, var in shape.concatenated)) for var, t in row.items()))
        for row in results.rows
    )


def _run(engine, query) -> Results:
    return engine.run(query.text, bind(query, {}), str(query.path))


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_oxigraph_and_rdflib_give_the_same_answers(engines, query):
    shape = Shape(query.text)
    oxigraph = _run(engines["oxigraph"], query)
    rdflib = _run(engines["rdflib"], query)
    assert oxigraph.variables == rdflib.variables or oxigraph.boolean is not None
    assert _answer(oxigraph, shape) == _answer(rdflib, shape)


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_the_query_index_answers_as_the_union_of_graphs(engines, query):
    """Oxigraph's union default graph repeats a triple per graph holding it: compare the sets of rows."""
    shape = Shape(query.text)
    indexed = _run(engines["oxigraph"], query)
    union = _run(engines["union"], query)
    assert set(_answer(indexed, shape)) == set(_answer(union, shape))


def test_the_default_store_reads_the_query_index(packaged_store):
    assert OxigraphEngine.open(packaged_store).union is False
    assert packaged_store.current.has_index
