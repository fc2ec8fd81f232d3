"""Warn when a query names a project IRI the graph does not hold, so "0 rows" is never silent about a typo.

A misspelt class (`kg:Citty`) or id (`id:kazahkstan`) is valid SPARQL and matches nothing; the user sees an
empty table and no reason. Every IRI of the project's namespaces that a query names (in full or with a
prefix) is looked up once; the ones the graph lacks come back as warnings with the nearest valid names.
"""

from __future__ import annotations

import re

from kzlinks.namespaces import BASE, ID, KG, local_name, prefixed, sparql_prefixes
from kzlinks.sparql.binding import term_to_sparql
from kzlinks.sparql.engines import Engine
from kzlinks.sparql.results import Term
from kzlinks.suggest import nearest

_STRING = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_IRI = re.compile(r"<([^<>\"{}|^`\\\s]*)>")
_COMMENT = re.compile(r"#[^\n]*")
_PREFIX = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_PNAME = re.compile(r"(?<![\w?$:])([A-Za-z][\w.-]*)?:([A-Za-z0-9_][\w-]*(?:\.[\w-]+)*)")


def project_iris(sparql: str) -> list[str]:
    """The IRIs of the project's namespaces that a query names, in order of first mention."""
    prefixes = {p or "": ns for p, ns in _PREFIX.findall(sparql)}
    text = _STRING.sub(" ", sparql)
    found = [iri for iri in _IRI.findall(text)]
    text = _COMMENT.sub(" ", _IRI.sub(" ", _PREFIX.sub(" ", text)))
    found += [prefixes[p or ""] + local for p, local in _PNAME.findall(text) if (p or "") in prefixes]
    return list(dict.fromkeys(iri for iri in found if iri.startswith(BASE) and not iri.endswith(("/", "#"))))


def unknown_terms(engine: Engine, sparql: str, origin: str) -> list[str]:
    """One warning per project IRI the query names and the graph does not contain."""
    warnings = []
    for iri in project_iris(sparql):
        node = term_to_sparql(Term("uri", iri))
        ask = (
            f"ASK {{ {{ {node} ?p ?o }} UNION {{ ?s {node} ?o }} UNION {{ ?s ?p {node} }} "
            f"UNION {{ GRAPH {node} {{ ?s ?p ?o }} }} }}"
        )
        if engine.run(ask, {}, origin).boolean:
            continue
        warnings.append(f"{origin}: {prefixed(iri)} is not in the graph{_nearest(engine, iri, origin)}")
    return warnings


def _nearest(engine: Engine, iri: str, origin: str) -> str:
    namespace = str(KG) if iri.startswith(str(KG)) else str(ID) if iri.startswith(str(ID)) else None
    if namespace is None:
        return ""
    rows = engine.run(
        sparql_prefixes() + f'SELECT DISTINCT ?t WHERE {{ ?t a ?c FILTER(STRSTARTS(STR(?t), "{namespace}")) }}',
        {},
        origin,
    ).rows
    names = {local_name(row["t"].value): prefixed(row["t"].value) for row in rows if "t" in row}
    close = nearest(local_name(iri), names)
    return f" (did you mean {' or '.join(names[c] for c in close)}?)" if close else ""


__all__ = ["project_iris", "unknown_terms"]
