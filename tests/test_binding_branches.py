"""Parameters are bound again at the start of UNION branches (inside an OPTIONAL, only of a UNION that
uses them), and in nested groups that use them (graph/sparql/binding.py): the same answers, on a real
Oxigraph store, as rdflib's own binding; never inside a sub-SELECT or MINUS."""

from __future__ import annotations

import pyoxigraph as ox
import rdflib

from kzlinks.sparql.binding import with_values
from kzlinks.sparql.results import Term

DATA = """
@prefix ex: <http://example.org/> .
ex:a ex:p ex:x . ex:b ex:p ex:y . ex:c ex:q ex:x . ex:d ex:r ex:z . ex:e ex:p ex:x .
"""
QUERY = """PREFIX ex: <http://example.org/>
SELECT ?s ?o WHERE {
  { ?s ex:p ?target . BIND (?target AS ?o) }
  UNION { ?s ex:r ?o }
  UNION { { SELECT ?s ?o WHERE { ?s ex:q ?o . { ?s ex:q ?target } UNION { ?s ex:q ?o } } } }
  MINUS { { ?s ex:p ex:y } UNION { ?s ex:q ex:z } }
  OPTIONAL { { ?s ex:p ?t2 } UNION { ?s ex:q ?t2 } }
} ORDER BY ?s ?o"""
TARGET = {"target": Term("uri", "http://example.org/x")}


def test_a_parameter_used_only_in_unions_goes_into_their_branches_not_an_optionals_union_without_it_nor_a_select():
    bound = with_values(QUERY, TARGET)
    block = "VALUES (?target) { (<http://example.org/x>) }"
    assert bound.count(block) == 1 + 3  # WHERE and the three top branches
    select = bound[bound.index("{ SELECT") : bound.index("MINUS")]
    minus = bound[bound.index("MINUS") : bound.index("OPTIONAL")]
    optional = bound[bound.index("OPTIONAL") :]  # its union does not use the parameter: left as it is
    assert select.count(block) == 0 and minus.count(block) == 0 and optional.count(block) == 0
    assert "VALUES ()" not in with_values(QUERY.replace("?s ?o WHERE {", "?s ?o WHERE { ?s ex:p ?target ."), TARGET)


def test_the_bound_query_answers_on_oxigraph_as_rdflib_binds_it():
    store = ox.Store()
    store.load(DATA.encode(), ox.RdfFormat.TURTLE)
    ours = [(str(r["s"].value), str(r["o"].value)) for r in store.query(with_values(QUERY, TARGET))]
    graph = rdflib.Graph().parse(data=DATA, format="turtle")
    theirs = [
        (str(r.s), str(r.o)) for r in graph.query(QUERY, initBindings={"target": rdflib.URIRef(TARGET["target"].value)})
    ]
    assert ours == theirs and ours  # the same rows, in order, and some


GROUP_QUERY = """PREFIX ex: <http://example.org/>
SELECT ?s ?x WHERE {
  { ?s ex:p ?o . FILTER (?o = ?target) }
  OPTIONAL { ?s ex:q ?x . FILTER (?x != ?target) }
} ORDER BY ?s"""


def test_a_nested_group_that_tests_a_parameter_gets_the_block_and_answers_as_rdflib_binds_it():
    bound = with_values(GROUP_QUERY, TARGET)
    assert bound.count("VALUES (?target) { (<http://example.org/x>) }") == 2  # WHERE and the nested group
    store = ox.Store()
    store.load(DATA.encode(), ox.RdfFormat.TURTLE)
    ours = [str(r["s"].value) for r in store.query(bound)]
    graph = rdflib.Graph().parse(data=DATA, format="turtle")
    target = rdflib.URIRef(TARGET["target"].value)
    theirs = [str(r.s) for r in graph.query(GROUP_QUERY, initBindings={"target": target})]
    assert ours == theirs == ["http://example.org/a", "http://example.org/e"]
