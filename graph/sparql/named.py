"""Named queries: find them, read their header, bind their parameters safely, run them.

A named query is a `.rq` file in queries/ whose leading comment block says what it answers:
    # question: Which countries does the corridor cross?
    # returns: country label
    # param: corridor: entity = middle-corridor — the corridor to follow
Parameters are typed so a user's `--param corridor=middle-corridor` becomes an IRI, a date or a number
and is handed to the engine as a binding, never pasted into the query text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kzlinks.errors import QueryError
from kzlinks.facts.literals import ImpossibleDate, NotADate, date_datatype, is_decimal, is_integer
from kzlinks.facts.reader import ID_PATTERN
from kzlinks.namespaces import XSD, entity_iri
from kzlinks.queries import QUERIES_DIR
from kzlinks.sparql.engines import Engine
from kzlinks.sparql.results import Results, Term

PARAM_LINE = re.compile(r"^#\s*param:\s*(\w+)\s*:\s*(\w+)\s*(?:=\s*(.*?))?\s*(?:[—-]{1,2}\s+(.*))?$")
_UNTYPABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # controls; undecodable bytes from argv
PARAM_KINDS = ("entity", "iri", "string", "integer", "decimal", "date")
Resolver = Callable[[str], str]


@dataclass
class Param:
    name: str
    kind: str
    default: str | None
    help: str


@dataclass
class NamedQuery:
    name: str
    path: Path
    text: str
    question: str = ""
    returns: str = ""
    params: dict[str, Param] = field(default_factory=dict)


def read_query(path: Path) -> NamedQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryError(f"cannot read query: {exc}", file=path) from None
    query = NamedQuery(path.stem, path, text)
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            continue
        body = stripped.lstrip("#").strip()
        if body.startswith("question:"):
            query.question = body.split(":", 1)[1].strip()
        elif body.startswith("returns:"):
            query.returns = body.split(":", 1)[1].strip()
        elif body.startswith("param:"):
            match = PARAM_LINE.match(stripped)
            if not match or match.group(2) not in PARAM_KINDS:
                raise QueryError(
                    f"bad param line (expected '# param: name: {'|'.join(PARAM_KINDS)} = default — help')",
                    file=path,
                    line=number,
                )
            name, kind, default, help_text = match.groups()
            query.params[name] = Param(name, kind, default or None, help_text or "")
    return query


def catalogue(directory: Path = QUERIES_DIR) -> list[NamedQuery]:
    return [read_query(p) for p in sorted(directory.glob("*.rq"))]


def find_query(name_or_file: str, directory: Path = QUERIES_DIR) -> NamedQuery:
    """A user's .rq file, a named query, or a unique prefix of one (`cq01`)."""
    path = Path(name_or_file)
    if path.suffix == ".rq" and path.is_file():
        return read_query(path)
    names = {p.stem: p for p in directory.glob("*.rq")}
    if name_or_file in names:
        return read_query(names[name_or_file])
    matches = [n for n in names if n.startswith(name_or_file)]
    if len(matches) == 1:
        return read_query(names[matches[0]])
    if path.suffix == ".rq":
        raise QueryError("no such query file", file=path)
    hint = matches or difflib.get_close_matches(name_or_file, names, n=3)
    extra = f" (did you mean {', '.join(sorted(hint))}?)" if hint else " (`kg queries` lists them)"
    raise QueryError(f"unknown query '{name_or_file}'{extra}")


def _term(param: Param, value: str, origin: str, resolve: Resolver | None = None) -> Term:
    kind = param.kind
    if kind == "entity":
        if resolve is not None:  # an id, a label, any spelling: the lookup says which entity (or why none)
            try:
                return Term("uri", resolve(value))
            except QueryError as exc:
                raise QueryError(f"parameter '{param.name}': {exc.message}", file=origin) from None
        if value.startswith(("http://", "https://")):
            return Term("uri", value)
        if not ID_PATTERN.match(value):
            raise QueryError(
                f"parameter '{param.name}' expects an entity id such as 'kazakhstan', got '{value}'", file=origin
            )
        return Term("uri", entity_iri(value))
    if kind == "iri":
        if not re.match(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", value, re.I):
            raise QueryError(f"parameter '{param.name}' expects an IRI, got '{value}'", file=origin)
        return Term("uri", value)
    if kind == "integer" and not is_integer(value):
        raise QueryError(f"parameter '{param.name}' expects a whole number, got '{value}'", file=origin)
    if kind == "decimal" and not is_decimal(value):
        raise QueryError(f"parameter '{param.name}' expects a number, got '{value}'", file=origin)
    if kind == "date":
        try:
            return Term("literal", value, str(date_datatype(value)))
        except ImpossibleDate:
            raise QueryError(f"parameter '{param.name}' is an impossible date: '{value}'", file=origin) from None
        except NotADate:
            raise QueryError(
                f"parameter '{param.name}' expects a date YYYY[-MM[-DD]], got '{value}'", file=origin
            ) from None
    datatype = {"integer": "integer", "decimal": "decimal"}.get(kind, "string")
    return Term("literal", value, str(XSD[datatype]))


def bind(query: NamedQuery, given: dict[str, str], resolve: Resolver | None = None) -> dict[str, Term]:
    """Typed bindings for every declared parameter: the user's value, else the default. `resolve` turns an
    entity parameter's text (an id, a label, a misspelt name) into the entity's IRI (see sparql.lookup)."""
    origin = str(query.path)
    for name in given:
        if name not in query.params:
            known = ", ".join(query.params) or "none"
            raise QueryError(f"unknown parameter '{name}' (this query takes: {known})", file=origin)
    bindings = {}
    for name, param in query.params.items():
        value = given.get(name, param.default)
        if value is None:
            raise QueryError(f"parameter '{name}' is required ({param.help or param.kind})", file=origin)
        if _UNTYPABLE.search(value):
            raise QueryError(
                f"parameter '{name}' holds a control character or bytes that are not UTF-8 text", file=origin
            )
        bindings[name] = _term(param, value, origin, resolve if name in given else None)
    return bindings


def parse_params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        if "=" not in pair:
            raise QueryError(f"--param expects NAME=VALUE, got '{pair}'")
        name, value = pair.split("=", 1)
        params[name.strip()] = value.strip()
    return params


def run_query(name_or_file: str, engine: Engine, **params: str) -> Results:
    """Run a named query (or a .rq file) with keyword parameters on an engine.

    Args:
        name_or_file: a named query (``cq06-kz-rs-trade``), a unique prefix of one (``cq06``), or a .rq file.
        engine: where to run it: ``open_engine("oxigraph", store)``, ``open_engine("rdflib", store)`` or a
            ``RemoteEngine``.
        params: values for the query's ``# param:`` lines, as text; each is typed by its declaration and
            bound as an escaped RDF term, never pasted into the query.

    Returns:
        Results: ``.variables`` and ``.rows`` (a dict of Term per row).

    Raises:
        QueryError: the query is unknown or ambiguous, a parameter is unknown or ill-typed, or the query fails.

    Example:
        >>> import tempfile, kzlinks
        >>> store = kzlinks.StoreDir(tempfile.mkdtemp())
        >>> _ = kzlinks.build(store=store)
        >>> rows = run_query("cq15", kzlinks.open_engine("oxigraph", store), entity="tokayev").rows
        >>> len(rows) > 0
        True
    """
    query = find_query(name_or_file)
    return engine.run(query.text, bind(query, params), str(query.path))
