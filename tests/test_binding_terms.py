"""The remote fallback's binding (graph/sparql/binding.py `with_terms`): the parameters' terms written into the
query text, for servers that refuse a VALUES block (Virtuoso 7.2). Checked as text, and as answers on a real
Oxigraph store: the same rows as the VALUES binding every engine uses, for every named query and for the
forms a user's own query may take (projected parameters, sub-SELECTs, EXISTS, literals)."""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest

from kzlinks.sparql.binding import with_terms, with_values
from kzlinks.sparql.engines import open_engine
from kzlinks.sparql.named import bind, catalogue
from kzlinks.sparql.results import Results, Term

X = "http://example.org/"
INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
KZ = {"place": Term("uri", f"{X}kz")}


def test_a_parameter_at_a_path_end_becomes_the_term_and_no_filter_is_added():
    text = with_terms("SELECT ?x WHERE { ?x <p>* ?place . ?x <q> ?y }", KZ)
    assert text == f"SELECT ?x WHERE {{ ?x <p>* <{X}kz> . ?x <q> ?y }}"


def test_a_projected_parameter_keeps_its_value_through_a_bind_at_the_start():
    text = with_terms("SELECT ?place ?x WHERE { ?x <p>+ ?place } ORDER BY ?place", KZ)
    assert text == f"SELECT ?place ?x WHERE {{ BIND (<{X}kz> AS ?place) ?x <p>+ <{X}kz> }} ORDER BY ?place"
    star = with_terms("SELECT * WHERE { ?x <p>? $place }", KZ)
    assert star == f"SELECT * WHERE {{ BIND (<{X}kz> AS ?place) ?x <p>? <{X}kz> }}"


def test_literals_keep_their_datatype_and_language_and_strings_iris_comments_are_left_alone():
    bindings = {"year": Term("literal", "2023", INTEGER), "word": Term("literal", 'a "b"', lang="kk")}
    query = "SELECT ?x WHERE { ?x <y> ?year ; <w> ?word . # ?year\n FILTER (?n != '?year' && ?x != <http://e/?word>) }"
    assert with_terms(query, bindings) == (
        f'SELECT ?x WHERE {{ ?x <y> "2023"^^<{INTEGER}> ; <w> "a \\"b\\""@kk . # ?year\n'
        " FILTER (?n != '?year' && ?x != <http://e/?word>) }"
    )


def test_bound_of_a_parameter_is_true_since_bound_takes_no_term():
    text = with_terms("SELECT ?x WHERE { ?x <p> ?y FILTER (BOUND(?y) || bound( $place )) }", KZ)
    assert text == "SELECT ?x WHERE { ?x <p> ?y FILTER (BOUND(?y) || true) }"


def test_a_minus_keeps_the_parameter_and_the_group_binds_it_as_values_would():
    text = with_terms("SELECT ?x WHERE { ?x <p> ?y MINUS { ?place <q> ?y } }", KZ)
    assert text == f"SELECT ?x WHERE {{ BIND (<{X}kz> AS ?place) ?x <p> ?y MINUS {{ ?place <q> ?y }} }}"
    nested = with_terms("SELECT ?x WHERE { ?x <p> ?place . { ?x <r> ?z MINUS { ?place <q> ?z } } }", KZ)
    # a nested group that names the parameter gets a VALUES block from with_values, so a BIND here
    assert (
        nested
        == f"SELECT ?x WHERE {{ ?x <p> <{X}kz> . {{ BIND (<{X}kz> AS ?place) ?x <r> ?z MINUS {{ ?place <q> ?z }} }} }}"
    )


def test_a_sub_select_keeps_its_own_variable_unless_it_projects_the_parameter():
    query = (
        "SELECT ?x WHERE { { SELECT ?x WHERE { ?x <p> ?place } } "
        "{ SELECT ?x ?place WHERE { ?x <q> ?place } GROUP BY ?x ?place } BIND (1 AS ?n) }"
    )
    assert with_terms(query, KZ) == (
        "SELECT ?x WHERE { { SELECT ?x WHERE { ?x <p> ?place } } "
        f"{{ SELECT ?x ?place WHERE {{ BIND (<{X}kz> AS ?place) ?x <q> <{X}kz> }} GROUP BY ?x ?place }} BIND (1 AS ?n) }}"
    )


DATA = """
@prefix ex: <http://example.org/> .
ex:almaty ex:in ex:kz . ex:kz ex:in ex:asia . ex:aktau ex:in ex:mangystau . ex:mangystau ex:in ex:kz .
ex:paris ex:in ex:fr . ex:fr ex:in ex:europe .
ex:e1 ex:at ex:almaty ; ex:year 2023 ; ex:label "Forum"@en , "Форум"@kk . ex:e2 ex:at ex:aktau ; ex:year 2024 .
ex:e3 ex:at ex:paris ; ex:year 2023 . ex:e4 ex:at ex:kz ; ex:label "Summit"@en .
"""
PLACE = {"place": Term("uri", f"{X}kz")}
YEAR = {"year": Term("literal", "2023", INTEGER), "place": Term("uri", f"{X}kz")}
WORD = {"word": Term("literal", "Форум", lang="kk")}
PREFIX = "PREFIX ex: <http://example.org/>\n"
USER_QUERIES = [
    (PLACE, "SELECT ?e WHERE { ?e ex:at ?p . ?p ex:in* ?place }"),
    (PLACE, "SELECT ?e ?place WHERE { ?e ex:at/ex:in+ ?place }"),
    (PLACE, "SELECT ?p WHERE { ?p ex:in? ?place }"),
    (PLACE, "SELECT ?x WHERE { ?place ^ex:in* ?x }"),
    (PLACE, "SELECT * WHERE { ?e ex:at ?p . FILTER EXISTS { ?place ^ex:in* ?q . FILTER (STR(?q) = STR(?p)) } }"),
    (PLACE, "SELECT ?e ?y WHERE { ?e ex:at ?p . OPTIONAL { ?p ex:in ?place . ?e ex:year ?y } }"),
    (PLACE, "SELECT ?e WHERE { ?e ex:at ?p . OPTIONAL { ?p ex:in ?q } FILTER (BOUND(?place) && ?q != ?place) }"),
    (PLACE, "SELECT ?e WHERE { { ?e ex:at ?place } UNION { ?e ex:at/ex:in ?place } }"),
    (PLACE, "SELECT ?e WHERE { ?e ex:at ?p . { SELECT ?p WHERE { ?p ex:in ?place } } }"),  # its own ?place
    (PLACE, "SELECT ?p ?place WHERE { { SELECT ?p ?place WHERE { ?p ex:in+ ?place } } }"),
    (PLACE, "SELECT ?e WHERE { ?e ex:at ?p . MINUS { ?place ex:in ex:europe } }"),
    # a MINUS that shares only the parameter with the rows of its branch removes them all
    (PLACE, "SELECT ?e WHERE { { ?e ex:at ?p MINUS { ?place ex:in ex:asia } } UNION { ?e ex:year 2024 } }"),
    (YEAR, "SELECT ?e WHERE { ?e ex:year ?y ; ex:at/ex:in* ?place . FILTER (?y = ?year) }"),
    (YEAR, "SELECT ?year (COUNT(*) AS ?n) WHERE { ?e ex:year ?year } GROUP BY ?year HAVING (COUNT(*) > 0)"),
    (WORD, "SELECT ?e WHERE { ?e ex:label ?word }"),
    (WORD, "SELECT ?e ?word WHERE { ?e ex:label ?l . FILTER (STR(?l) = STR(?word)) }"),
]


@pytest.fixture(scope="module")
def example():
    store = ox.Store()
    store.load(DATA.encode(), ox.RdfFormat.TURTLE)
    return store


def _rows(solutions) -> Counter:
    return Counter(
        tuple(sorted((str(v), str(s[v])) for v in solutions.variables if s[v] is not None)) for s in solutions
    )


@pytest.mark.parametrize("bindings, query", USER_QUERIES)
def test_the_terms_answer_as_the_values_block_on_oxigraph(example, bindings, query):
    by_values = _rows(example.query(with_values(PREFIX + query, bindings)))
    by_terms = _rows(example.query(with_terms(PREFIX + query, bindings)))
    assert by_terms == by_values and by_values  # the same rows, as many times, and some


def _multiset(results: Results) -> Counter:
    return Counter(tuple(sorted((k, v.type, v.value, v.datatype, v.lang) for k, v in r.items())) for r in results.rows)


@pytest.mark.parametrize("query", catalogue(), ids=lambda q: q.name)
def test_every_named_query_answers_alike_with_its_terms_written_in(packaged_store, query):
    engine = open_engine("oxigraph", packaged_store)
    bindings = bind(query, {})
    by_values = engine.run(query.text, bindings, str(query.path))
    by_terms = engine.run(with_terms(query.text, bindings), {}, str(query.path))
    assert _multiset(by_terms) == _multiset(by_values)
    assert by_terms.variables == by_values.variables
