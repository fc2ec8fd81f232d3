"""SERVICE guard: a query that would make this machine send requests elsewhere runs only when allowed.

A SPARQL `SERVICE <url> { … }` makes the engine call `url` (Oxigraph and rdflib both do), so a query from an
untrusted page, or a named query from someone else, could reach any host this machine can: the loopback,
the local network, a cloud metadata address. `kg query` and `kg serve` refuse such queries unless the user
passes `--allow-service`.

The check is lexical: it skips what the SPARQL grammar reads as comments, strings and IRIs, and looks for the
keyword SERVICE among the remaining tokens. It errs on the side of refusing (a variable or prefixed name is
never the keyword; anything else spelled SERVICE is), and it is fast enough to run on every request.
"""

from __future__ import annotations

import re

from kzlinks.errors import QueryError

# What the lexer steps over, in the order SPARQL's grammar recognises them at a given position.
_SKIP = re.compile(
    r'''"""(?:[^"\\]|\\.|"(?!""))*(?:"""|$)'''  # long strings (unterminated: to the end, still skipped)
    r"""|'''(?:[^'\\]|\\.|'(?!''))*(?:'''|$)"""
    r'|"(?:[^"\\\n\r]|\\.)*"?'  # short strings
    r"|'(?:[^'\\\n\r]|\\.)*'?"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'  # IRIREF (a `<` that is not one is the less-than operator)
    r"|#[^\n\r]*",  # comments
    re.S,
)
_WORD = re.compile(r"[?$]?[A-Za-z_][\w\-.]*(?::[\w\-.%:]*)?")
_SERVICE_HINT = re.compile("service", re.I)


def uses_service(sparql: str) -> bool:
    """Whether the query has a SERVICE clause (a federated query).

    >>> uses_service('SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }')
    True
    >>> uses_service('SELECT ?service { ?service <http://x/service> "SERVICE" } # service')
    False
    """
    if not _SERVICE_HINT.search(sparql):  # nearly every query: no lexing at all
        return False
    position = 0
    while position < len(sparql):
        skipped = _SKIP.match(sparql, position)
        if skipped and skipped.end() > position:
            position = skipped.end()
            continue
        word = _WORD.match(sparql, position)
        if word:
            if word.group().upper() == "SERVICE":
                return True
            position = word.end()
            continue
        position += 1
    return False


def refuse_service(sparql: str, origin: str | None = None, allowed: bool = False, how: str = "--allow-service") -> None:
    """Raise a QueryError for a federated query unless `allowed`."""
    if not allowed and uses_service(sparql):
        raise QueryError(
            f"SERVICE (a federated query calling another server) is refused; pass {how} to allow it",
            file=origin,
        )


__all__ = ["uses_service", "refuse_service"]
