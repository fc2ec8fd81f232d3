"""Bind query parameters with a VALUES block at the top of the query's WHERE group.

Standard SPARQL 1.1, so the same bound query runs on Oxigraph, rdflib or any remote endpoint. The
parameter values enter as RDF terms serialised and escaped here, never as raw user text; a VALUES block
inside the outer group (rather than a trailing VALUES) keeps the binding in scope under GROUP BY.

When a parameter is used only inside UNION branches, the one-row block of such parameters is repeated at
the start of every UNION branch reached from the WHERE group through plain groups, unions and OPTIONALs
(never inside a sub-SELECT, MINUS, EXISTS, GRAPH or SERVICE). Joining one row again changes no answer
(V ⋈ (B1 ∪ B2) = V ⋈ ((V ⋈ B1) ∪ (V ⋈ B2)) when V has one row), but Oxigraph joins the outer block after a
union that does not bind the parameter in every branch, so a branch that uses it would otherwise run for
every value (cq13: 1,774 rows of work instead of 41,638). Inside an OPTIONAL only a union that uses them
gets the block: anywhere else there, it would make Oxigraph match the OPTIONAL for the whole graph (cq20).
Likewise, a nested `{ … }` group gets the block of the parameters it uses: it is evaluated on its own, so
a FILTER inside it sees a parameter only when the group binds it (cq16 filters its steps by topic in such a
group, before looking up their agents). rdflib's own binding answers the same (tests/test_binding_branches.py).
"""

from __future__ import annotations

import itertools
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


def _starts_word(sparql: str, i: int) -> bool:
    """Whether a word at `i` starts there (is not the tail of a name, a variable or a prefixed name)."""
    return i == 0 or not (sparql[i - 1].isalnum() or sparql[i - 1] in "_?$:")


def _outer_group_start(sparql: str) -> int:
    """Index just after the `{` that opens the query's WHERE group."""
    for i in _code(sparql):
        match = _WHERE.match(sparql, i)
        if match and _starts_word(sparql, i):
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


def _nested_groups(sparql: str, start: int) -> tuple[list[tuple[dict[int, int], bool]], dict[int, int]]:
    """The UNIONs (each its branches, and whether it lies inside an OPTIONAL), and the other nested groups,
    reachable from the group opened before `start` through plain groups, unions and OPTIONALs only: for
    each group, the index just after its `{` and the index of its `}`."""
    opened: list[tuple[int, bool, bool]] = []  # per open group: where it opens, may a group inside it get the
    # block, is it inside an OPTIONAL
    last_closed: tuple[int, bool, bool] | None = None  # the group closed last
    previous = ""  # the last keyword or punctuation character read
    union_of: dict[int, int] = {}  # each branch: the union it belongs to (numbered in order)
    numbers = itertools.count()
    groups: set[int] = set()
    optional: set[int] = set()  # the groups closed that lie inside an OPTIONAL
    spans: dict[int, int] = {}  # every group closed: just after its `{`, its `}`
    positions = _code(sparql, start)
    for i in positions:
        c = sparql[i]
        if c.isspace():
            continue
        word = _WORD.match(sparql, i)
        if word and _starts_word(sparql, i):
            token = word.group().upper()
            if token == "UNION" and previous == "}" and last_closed and last_closed[1]:
                if last_closed[0] + 1 not in union_of:
                    union_of[last_closed[0] + 1] = next(numbers)
            previous = token
            for _ in range(word.end() - i - 1):
                next(positions, None)
            continue
        if c == "{":
            plain = all(p for _, p, _ in opened) and previous in _PLAIN_BEFORE
            plain = plain and not re.match(r"\{\s*SELECT\b", sparql[i:], re.IGNORECASE)
            if plain and previous == "UNION" and last_closed and last_closed[0] + 1 in union_of:
                union_of[i + 1] = union_of[last_closed[0] + 1]
            elif plain and previous in _GROUP_BEFORE:
                groups.add(i + 1)
            opened.append((i, plain, previous == "OPTIONAL" or any(o for _, _, o in opened)))
        elif c == "}":
            if not opened:
                break  # the WHERE group ends here
            last_closed = opened.pop()
            spans[last_closed[0] + 1] = i
            if last_closed[2]:
                optional.add(last_closed[0] + 1)
        previous = c
    unions: dict[int, dict[int, int]] = {}
    for begin, union in sorted(union_of.items()):
        if begin in spans:
            unions.setdefault(union, {})[begin] = spans[begin]
    found = [(branches, min(branches) in optional) for branches in unions.values()]
    return found, {g: spans[g] for g in sorted(groups - set(union_of)) if g in spans}


def _block(bindings: dict[str, Term]) -> str:
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(term_to_sparql(t) for t in bindings.values())
    return f" VALUES ({names}) {{ ({values}) }}"


def with_values(sparql: str, bindings: dict[str, Term]) -> str:
    """The query with `VALUES (?a ?b) { (… …) }` as the first element of its WHERE group, and of the UNION
    branches and nested groups that use them (see the module's docstring)."""
    if not bindings:
        return sparql
    at = _outer_group_start(sparql)
    sites = _block_sites(sparql, at, set(bindings))
    for begin in sorted(sites, reverse=True):
        sparql = f"{sparql[:begin]}{_block({n: t for n, t in bindings.items() if n in sites[begin]})}{sparql[begin:]}"
    return f"{sparql[:at]}{_block(bindings)}{sparql[at:]}"


def _block_sites(sparql: str, at: int, names: set[str]) -> dict[int, set[str]]:
    """Where with_values repeats its block inside the WHERE group opened before `at`, by the start of each
    group, with the parameters bound there."""
    unions, groups = _nested_groups(sparql, at)
    outside = sparql[at:]  # the text with every branch blanked out
    for begin, end in sorted((b for union, _ in unions for b in union.items()), reverse=True):
        outside = outside[: begin - at] + " " * (end - begin) + outside[end - at :]
    # the outer block is joined after these: bound again in every branch of a union that uses them, they
    # are certainly bound there
    own = {name for name in names if not _mentions(outside, name)}
    sites: dict[int, set[str]] = {}
    for union, in_optional in unions:
        # inside an OPTIONAL, a block in a union that does not use it would make Oxigraph match the OPTIONAL
        # for the whole graph, by hash, instead of row by row (cq20)
        used = {name for name in own if any(_mentions(sparql[b:e], name) for b, e in union.items())}
        for begin in union if (used if in_optional else own) else ():
            sites[begin] = used if in_optional else own
    for begin, end in groups.items():  # a nested group sees a parameter only if it binds it itself
        used = {name for name in names if _mentions(sparql[begin:end], name)}
        if used:
            sites[begin] = used
    return sites


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"[?$]{re.escape(name)}(?![\w])", text) is not None


_SELECT = re.compile(r"SELECT\b", re.IGNORECASE)
_AS_BEFORE = re.compile(r"\bAS\s*$", re.IGNORECASE)
_VARIABLE = re.compile(r"[?$](\w+)")
_BOUND = re.compile(r"\bBOUND\s*\(\s*[?$](\w+)\s*\)", re.IGNORECASE)


def with_terms(sparql: str, bindings: dict[str, Term]) -> str:
    """The query with each parameter's term written in place of the variable in its patterns and filters.

    For servers whose compiler rejects a VALUES block (Virtuoso 7.2's "no SPART_VARR_FIXED"). A term in the
    text is what such a server plans best: Virtuoso runs `p*`, `p+` and `p?` as transitive subqueries and
    ignores a `sameTerm` or `=` test on a path's end, and a FILTER cannot bind a parameter used only in
    a filter, an OPTIONAL or a UNION branch. Where a SELECT still needs the variable (its projection, GROUP
    BY, HAVING or ORDER BY) or a MINUS shares it, its group starts with `BIND (term AS ?param)`; `BOUND(?param)`
    is `true`. A sub-SELECT that does not project a parameter keeps its own variable of that name, as under
    VALUES.
    """
    if not bindings:
        return sparql
    terms = {name: term_to_sparql(term) for name, term in bindings.items()}
    edits: list[tuple[int, int, str]] = []
    _substitute_select(sparql, 0, len(sparql), terms, edits, outer=True)
    for begin, end, text in sorted(set(edits), reverse=True):  # a BIND wanted twice at one place is one
        sparql = sparql[:begin] + text + sparql[end:]
    return sparql


def _substitute_select(
    sparql: str, start: int, end: int, terms: dict[str, str], edits: list[tuple[int, int, str]], outer: bool = False
) -> set[str]:
    """Record the edits for one SELECT (or the whole query) in sparql[start:end]; the parameters it projects."""
    body = _outer_group_start(sparql) if outer else _first_group_start(sparql, start)
    body_end = _group_end(sparql, body)
    head = _code_text(sparql, start, body)
    star = re.search(r"SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?\*", head, re.IGNORECASE) is not None
    values_at: dict[int, set[str]] = {}  # where with_values puts a VALUES block (see _values_at)
    if outer:
        values_at = _values_at(sparql, body, set(terms))
    else:  # a sub-SELECT: only the parameters it projects are the query's parameters
        projected = set(_VARIABLE.findall(re.sub(r"\([^()]*(?:\([^()]*\)[^()]*)*\)", " ", head)))
        terms = {name: term for name, term in terms.items() if star or name in projected}
    _substitute_group(sparql, body, body_end, terms, edits, values_at)
    tail = _code_text(sparql, body_end + 1, end)
    for name in terms:
        if star or _mentions(head, name) or _mentions(tail, name):
            edits.append(_bind(body, terms, name))
    return set(terms)


def _values_at(sparql: str, body: int, names: set[str]) -> dict[int, set[str]]:
    """The groups where with_values puts its VALUES block, by start, and the parameters bound there."""
    return {body: names} | _block_sites(sparql, body, names)


_MINUS = re.compile(r"MINUS\s*\{", re.IGNORECASE)


def _substitute_group(
    sparql: str,
    start: int,
    end: int,
    terms: dict[str, str],
    edits: list[tuple[int, int, str]],
    values_at: dict[int, set[str]],
) -> None:
    """Record the edits that put the terms in place of their variables in the group sparql[start:end].

    A MINUS keeps its variables: it removes the rows it shares a variable with, so the group holding it binds
    the parameter with a BIND where VALUES would have bound it there (the groups in `values_at`, or a group
    whose other parts name it)."""
    groups = [_Group(start, values_at.get(start, set()))]
    positions = _code(sparql, start)
    for i in positions:
        if i >= end:
            break
        c, after = sparql[i], _skip_space(sparql, i + 1)
        skip_to = None
        if c == "{" and _SELECT.match(sparql, after):
            skip_to = _group_end(sparql, i + 1)
            groups[-1].named |= _substitute_select(sparql, after, skip_to, terms, edits)
        elif c == "{":
            groups.append(_Group(i + 1, values_at.get(i + 1, set())))
        elif c == "}":
            groups[-2].named |= groups[-1].close(terms, edits)
            groups.pop()
        elif c in "mM" and (minus := _MINUS.match(sparql, i)) and _starts_word(sparql, i):
            skip_to = _group_end(sparql, minus.end())
            groups[-1].minus |= {name for name in terms if _mentions(_code_text(sparql, i, skip_to), name)}
        elif c in "bB" and (bound := _BOUND.match(sparql, i)) and bound.group(1) in terms and _starts_word(sparql, i):
            edits.append((i, bound.end(), "true"))  # a parameter is always bound; BOUND takes no term
            groups[-1].named.add(bound.group(1))
            skip_to = bound.end() - 1
        elif c in "?$":
            match = _VARIABLE.match(sparql, i)
            if match and match.group(1) in terms and not _AS_BEFORE.search(sparql, max(0, i - 16), i):
                edits.append((i, match.end(), terms[match.group(1)]))
                groups[-1].named.add(match.group(1))
        if skip_to is not None:
            for j in positions:
                if j >= skip_to:
                    break
    groups[0].close(terms, edits)


class _Group:
    """One group graph pattern while its parameters are replaced: where it starts, the parameters a VALUES
    block binds in it, those its parts name, and those its MINUS parts name."""

    def __init__(self, start: int, values: set[str]) -> None:
        self.start, self.values = start, values
        self.named: set[str] = set()
        self.minus: set[str] = set()

    def close(self, terms: dict[str, str], edits: list[tuple[int, int, str]]) -> set[str]:
        for name in sorted(self.minus & (self.values | self.named)):
            edits.append(_bind(self.start, terms, name))
        return self.named


def _bind(at: int, terms: dict[str, str], name: str) -> tuple[int, int, str]:
    return (at, at, f" BIND ({terms[name]} AS ?{name})")


def _first_group_start(sparql: str, start: int) -> int:
    """Index just after the first `{` from `start` on outside parentheses: a sub-SELECT's WHERE group."""
    depth = 0
    for i in _code(sparql, start):
        depth += {"(": 1, ")": -1}.get(sparql[i], 0)
        if sparql[i] == "{" and depth == 0:
            return i + 1
    raise QueryError("cannot bind parameters: a sub-SELECT has no WHERE group")


def _skip_space(sparql: str, i: int) -> int:
    while i < len(sparql) and sparql[i].isspace():
        i += 1
    return i


def _code_text(sparql: str, start: int, end: int) -> str:
    """sparql[start:end] with strings, IRIs and comments blanked out."""
    keep = set(itertools.takewhile(lambda i: i < end, _code(sparql, start)))
    return "".join(sparql[i] if i in keep else " " for i in range(start, end))
