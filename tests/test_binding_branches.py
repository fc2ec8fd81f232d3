"""Parameters are bound again at the start of every UNION branch (graph/sparql/binding.py): the same
answers, on a real Oxigraph store, as rdflib's own binding; never inside a sub-SELECT or MINUS."""

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


def test_a_parameter_used_only_in_unions_goes_into_every_plain_branch_never_a_sub_select_or_minus():
    bound = with_values(QUERY, TARGET)
    block = "VALUES (?target) { (<http://example.org/x>) }"
    assert bound.count(block) == 1 + 3 + 2  # WHERE, the three top branches, the OPTIONAL's two
    select = bound[bound.index("{ SELECT") : bound.index("MINUS")]
    minus = bound[bound.index("MINUS") : bound.index("OPTIONAL")]
    assert select.count(block) == 0 and minus.count(block) == 0


def test_the_bound_query_answers_on_oxigraph_as_rdflib_binds_it():
    store = ox.Store()
    store.load(DATA.encode(), ox.RdfFormat.TURTLE)
    ours = [(str(r["s"].value), str(r["o"].value)) for r in store.query(with_values(QUERY, TARGET))]
    graph = rdflib.Graph().parse(data=DATA, format="turtle")
    theirs = [
        (str(r.s), str(r.o)) for r in graph.query(QUERY, initBindings={"target": rdflib.URIRef(TARGET["target"].value)})
    ]
    assert ours == theirs and ours  # the same rows, in order, and some
