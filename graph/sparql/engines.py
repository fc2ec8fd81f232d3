"""Where a SPARQL query runs: the Oxigraph store on disk (default) or rdflib's memory store.

Both read the union of all named graphs as the default graph, the convention the named queries assume;
parameters are bound as RDF terms (a VALUES block for Oxigraph, initBindings for rdflib), never spliced in
as raw text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import pyoxigraph as ox
import rdflib
from rdflib.query import ResultRow
from rdflib.term import BNode as RBNode
from rdflib.term import Literal as RLiteral
from rdflib.term import URIRef

from kzlinks.dataset.store import StoreDir
from kzlinks.errors import QueryError
from kzlinks.sparql.binding import with_values
from kzlinks.sparql.results import XSD_STRING, Results, Term
from kzlinks.sparql.service import refuse_service
from kzlinks.sparql.syntax import readable


class Engine(Protocol):
    name: str

    def run(self, sparql: str, bindings: dict[str, Term], origin: str) -> Results: ...


def results_from_oxigraph(answer: ox.QueryBoolean | ox.QuerySolutions | Iterable[ox.Triple]) -> Results:
    """Oxigraph's answer of any form (ASK, SELECT, CONSTRUCT or DESCRIBE; local or parsed from a server) as
    Results."""
    if isinstance(answer, ox.QueryBoolean):
        return Results([], boolean=bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        variables = [v.value for v in answer.variables]
        return Results(variables, [{v: _from_ox(s[v]) for v in variables if s[v] is not None} for s in answer])
    return Results.of_triples((_from_ox(t.subject), _from_ox(t.predicate), _from_ox(t.object)) for t in answer)


def _from_ox(term) -> Term:
    if isinstance(term, ox.NamedNode):
        return Term("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return Term("bnode", term.value)
    if isinstance(term, ox.Literal):
        return Term("literal", term.value, term.datatype.value, term.language)
    return Term("triple", str(term))


class OxigraphEngine:
    name = "oxigraph"

    def __init__(self, store: ox.Store, union: bool = True, allow_service: bool = False) -> None:
        self.store = store
        self.union = union  # False on a query index, whose default graph is the de-duplicated union
        self.allow_service = allow_service  # SERVICE makes the engine call other servers: only if asked

    @classmethod
    def open(cls, store_dir: StoreDir) -> OxigraphEngine:
        store, indexed = store_dir.open_query()  # see graph/queryindex.py: same answers, far fewer joins
        return cls(store, union=not indexed)

    def run(self, sparql: str, bindings: dict[str, Term], origin: str) -> Results:
        refuse_service(sparql, origin, self.allow_service)
        bound = with_values(sparql, bindings)
        try:
            answer = self.store.query(bound, use_default_graph_as_union=self.union)
        except SyntaxError as exc:
            raise QueryError(readable(str(exc), bound), file=origin) from None
        except OSError as exc:
            raise QueryError(f"query failed: {exc}", file=origin) from None
        return results_from_oxigraph(answer)


def _from_rdflib(term) -> Term:
    if isinstance(term, URIRef):
        return Term("uri", str(term))
    if isinstance(term, RBNode):
        return Term("bnode", str(term))
    dt = str(term.datatype) if term.datatype else (None if term.language else XSD_STRING)
    return Term("literal", str(term), dt, term.language)


def _to_rdflib(term: Term):
    if term.type == "uri":
        return URIRef(term.value)
    return RLiteral(
        term.value, lang=term.lang, datatype=None if term.lang else (URIRef(term.datatype) if term.datatype else None)
    )


class RdflibEngine:
    name = "rdflib"

    def __init__(self, dataset: rdflib.Dataset, allow_service: bool = False) -> None:
        self.dataset = dataset
        self.allow_service = allow_service

    @classmethod
    def open(cls, store_dir: StoreDir) -> RdflibEngine:
        """Load the whole store into rdflib's memory store (slow on big graphs: that is the point of Oxigraph)."""
        dataset = rdflib.Dataset(default_union=True)
        data = store_dir.open_read().dump(format=ox.RdfFormat.N_QUADS) or b""
        dataset.parse(data=data.decode("utf-8"), format="nquads")
        return cls(dataset)

    def run(self, sparql: str, bindings: dict[str, Term], origin: str) -> Results:
        refuse_service(sparql, origin, self.allow_service)
        try:
            answer = self.dataset.query(sparql, initBindings={k: _to_rdflib(v) for k, v in bindings.items()})
        except Exception as exc:  # pyparsing and rdflib raise many types for a bad query
            raise QueryError(f"SPARQL error: {exc}", file=origin) from None
        if answer.type == "ASK":
            return Results([], boolean=bool(answer.askAnswer))
        if answer.type in ("CONSTRUCT", "DESCRIBE"):
            return Results.of_triples(
                (_from_rdflib(s), _from_rdflib(p), _from_rdflib(o)) for s, p, o in answer.graph or ()
            )
        variables = [str(v) for v in answer.vars or ()]
        solutions = [row for row in answer if isinstance(row, ResultRow)]
        rows = [{v: _from_rdflib(row[i]) for i, v in enumerate(variables) if row[i] is not None} for row in solutions]
        return Results(variables, rows)


ENGINES: dict[str, type[OxigraphEngine] | type[RdflibEngine]] = {"oxigraph": OxigraphEngine, "rdflib": RdflibEngine}


def open_engine(name: str, store_dir: StoreDir, allow_service: bool = False) -> Engine:
    """Open the live store of `store_dir` for queries.

    Args:
        name: ``"oxigraph"`` (the store itself, read-only; fast) or ``"rdflib"`` (the dataset loaded into
            rdflib's memory store; slow, the reference engine).
        store_dir: the store directory a build wrote.
        allow_service: run SERVICE clauses (they make this machine call other servers); refused otherwise.

    Returns:
        An Engine with ``run(query, bindings, source)``; its default graph is the union of every graph,
        each triple once.

    Raises:
        QueryError: the engine name is unknown.
        StoreError: nothing has been built in `store_dir` yet.

    Example:
        >>> import tempfile
        >>> open_engine("oxigraph", StoreDir(tempfile.mkdtemp()))
        Traceback (most recent call last):
        ...
        kzlinks.errors.StoreError: ...: no graph built yet: run `kg build` first
    """
    if name not in ENGINES:
        raise QueryError(f"unknown engine '{name}' (choose {', '.join(ENGINES)})")
    engine = ENGINES[name].open(store_dir)
    engine.allow_service = allow_service
    return engine
