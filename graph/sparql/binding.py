"""Bind query parameters with a VALUES block at the top of the query's WHERE group.

Standard SPARQL 1.1, so the same bound query runs on Oxigraph, rdflib or any remote endpoint. The
parameter values enter as RDF terms serialised and escaped here, never as raw user text; a VALUES block
inside the outer group (rather than a trailing VALUES) keeps the binding in scope under GROUP BY.

When a parameter is used only inside UNION branches, the one-row block of such parameters is repeated at
the start of every branch of each UNION that uses them, reached from the WHERE group through plain groups,
unions and OPTIONALs (never inside a sub-SELECT, MINUS, EXISTS, GRAPH or SERVICE). Joining one row again
changes no answer (V ⋈ (B1 ∪ B2) = V ⋈ ((V ⋈ B1) ∪ (V ⋈ B2)) when V has one row), but Oxigraph joins the
outer block after a union that does not bind the parameter in every branch, so a branch that uses it would
otherwise run for every value (cq13: 1,774 rows of work instead of 41,638). A union that does not use them
is left alone: a block there would make Oxigraph match an OPTIONAL around it for the whole graph (cq20).
Likewise, a nested `{ … }` group gets the block of the parameters it uses: it is evaluated on its own, so
a FILTER inside it sees a parameter only when the group binds it (cq16 filters its steps by topic in such a
group, before looking up their agents). rdflib's own binding answers the same (tests/test_binding_branches.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kzlinks.errors import QueryError
from kzlinks.sparql.results import Term

_BAD_IRI_CHARS = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_WHERE = re.compile(r"where\s*\{", re.IGNORECASE)


def term_to_sparql(term: Term) -> str:
    if term.type == "uri":
        if _BAD_IRI_CHARS.search(term.value):
            raise QueryError(f"not a valid IRI: {term.value!r}")
        return f"<{term.value}>"
    escaped = term.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if term.lang:
        return f'"{escaped}"@{term.lang}'
    if term.datatype:
        return f'"{escaped}"^^{term_to_sparql(Term("uri", term.datatype))}'
    return f'"{escaped}"'


def _code(sparql: str, start: int = 0) -> Iterator[int]:
    """The indexes of the query's own characters from `start` on: strings, IRIs and comments skipped, so a
    brace or a keyword inside them is never taken for syntax."""
    i, n = start, len(sparql)
    while i < n:
        c = sparql[i]
        if c == "#":
            i = sparql.find("\n", i)
            i = n if i < 0 else i
            continue
        if c in "\"'":
            quote = sparql[i : i + 3] if sparql[i : i + 3] in ('"""', "'''") else c
            end = sparql.find(quote, i + len(quote))
            while end > 0 and sparql[end - 1] == "\\" and len(quote) == 1:
                end = sparql.find(quote, end + 1)
            i = n if end < 0 else end + len(quote)
            continue
        if c == "<":
            match = re.match(r"<[^\s<>\"{}|^`\\]*>", sparql[i:])
            if match:
                i += match.end()
                continue
        yield i
        i += 1


def _outer_group_start(sparql: str) -> int:
    """Index just after the `{` that opens the query's WHERE group."""
    for i in _code(sparql):
        match = _WHERE.match(sparql, i)
        if match and (i == 0 or not (sparql[i - 1].isalnum() or sparql[i - 1] in "_?$:")):
            return match.end()
    raise QueryError("cannot bind parameters: the query has no WHERE { … } group")


def _group_end(sparql: str, start: int) -> int:
    """Index of the `}` closing the group opened just before `start`."""
    depth = 1
    for i in _code(sparql, start):
        depth += {"{": 1, "}": -1}.get(sparql[i], 0)
        if depth == 0:
            return i
    raise QueryError("cannot bind parameters: the query's WHERE group is not closed")


_WORD = re.compile(r"[A-Za-z_]+")
_GROUP_BEFORE = ("", "{", "}", ".")  # what precedes a nested group that is neither OPTIONAL nor a UNION's
_PLAIN_BEFORE = (*_GROUP_BEFORE, "UNION", "OPTIONAL")  # what may precede a group on the way to a block


def _nested_groups(sparql: str, start: int) -> tuple[list[dict[int, int]], dict[int, int]]:
    """The UNIONs (each a list of its branches), and the other nested groups, reachable from the group
    opened before `start` through plain groups, unions and OPTIONALs only: for each group, the index just
    after its `{` and the index of its `}`."""
    opened: list[tuple[int, bool]] = []  # per open group: where it opens, may a group inside it get the block
    last_closed: tuple[int, bool] | None = None  # the group closed last
    previous = ""  # the last keyword or punctuation character read
    union_of: dict[int, int] = {}  # each branch: the union it belongs to (numbered in order)
    groups: set[int] = set()
    spans: dict[int, int] = {}  # every group closed: just after its `{`, its `}`
    positions = _code(sparql, start)
    for i in positions:
        c = sparql[i]
        if c.isspace():
            continue
        word = _WORD.match(sparql, i)
        if word and not (sparql[i - 1].isalnum() or sparql[i - 1] in "_?$:"):
            token = word.group().upper()
            if token == "UNION" and previous == "}" and last_closed and last_closed[1]:
                union_of.setdefault(last_closed[0] + 1, len(set(union_of.values())))
            previous = token
            for _ in range(word.end() - i - 1):
                next(positions, None)
            continue
        if c == "{":
            plain = all(p for _, p in opened) and previous in _PLAIN_BEFORE
            plain = plain and not re.match(r"\{\s*SELECT\b", sparql[i:], re.IGNORECASE)
            if plain and previous == "UNION" and last_closed and last_closed[0] + 1 in union_of:
                union_of[i + 1] = union_of[last_closed[0] + 1]
            elif plain and previous in _GROUP_BEFORE:
                groups.add(i + 1)
            opened.append((i, plain))
        elif c == "}":
            if not opened:
                break  # the WHERE group ends here
            last_closed = opened.pop()
            spans[last_closed[0] + 1] = i
        previous = c
    unions: dict[int, dict[int, int]] = {}
    for begin, union in sorted(union_of.items()):
        if begin in spans:
            unions.setdefault(union, {})[begin] = spans[begin]
    return list(unions.values()), {g: spans[g] for g in sorted(groups - set(union_of)) if g in spans}


def _block(bindings: dict[str, Term]) -> str:
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(term_to_sparql(t) for t in bindings.values())
    return f" VALUES ({names}) {{ ({values}) }}"


def with_values(sparql: str, bindings: dict[str, Term]) -> str:
    """The query with `VALUES (?a ?b) { (… …) }` as the first element of its WHERE group, and of every
    UNION branch and nested group reachable from it through plain groups (see the module's docstring)."""
    if not bindings:
        return sparql
    at = _outer_group_start(sparql)
    unions, groups = _nested_groups(sparql, at)
    outside = sparql[at:]
    for begin, end in sorted((b for union in unions for b in union.items()), reverse=True):
        outside = outside[: begin - at] + " " * (end - begin) + outside[end - at :]
    inserts: list[tuple[int, str]] = []
    # the outer block is joined after these: bound again in every branch of a union that uses them, they
    # are certainly bound there
    own = {n: t for n, t in bindings.items() if not _mentions(outside, n)}
    for union in unions:
        used = {n: t for n, t in own.items() if any(_mentions(sparql[b:e], n) for b, e in union.items())}
        if used:
            inserts += [(begin, _block(used)) for begin in union]
    for begin, end in groups.items():  # a nested group sees a parameter only if it binds it itself
        used = {n: t for n, t in bindings.items() if _mentions(sparql[begin:end], n)}
        if used:
            inserts.append((begin, _block(used)))
    for begin, block in sorted(inserts, reverse=True):
        sparql = f"{sparql[:begin]}{block}{sparql[begin:]}"
    return f"{sparql[:at]}{_block(bindings)}{sparql[at:]}"


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"[?$]{re.escape(name)}(?![\w])", text) is not None


def with_filter(sparql: str, bindings: dict[str, Term]) -> str:
    """The query with `FILTER(sameTerm(?a, …) && …)` as the last element of its WHERE group: the same
    answers as `with_values` (a parameter is always used in the query's patterns, so it is bound there),
    for servers whose compiler rejects a VALUES block (Virtuoso's "no SPART_VARR_FIXED")."""
    start = _outer_group_start(sparql)
    end = _group_end(sparql, start)
    test = " && ".join(f"sameTerm(?{name}, {term_to_sparql(term)})" for name, term in bindings.items())
    return f"{sparql[:end]} FILTER({test})\n{sparql[end:]}"
