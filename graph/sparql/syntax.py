"""Oxigraph's SPARQL parser errors as one readable line.

Oxigraph reports "error at 1:31: expected one of Prefix not found, ['%'], ['-' | '0' ..= '9' | …" over
several lines of character classes. A user needs where it is, what was found there, and what would be
valid: "line 1, column 27: unexpected '}' (expected one of , . ; {)". An undeclared prefix is named, with
the PREFIX line that declares it when the project knows the namespace.
"""

from __future__ import annotations

import re

from kzlinks.namespaces import PREFIXES
from kzlinks.suggest import did_you_mean

_WHERE = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)
_TOKEN = re.compile(r'"([^"]+)"')
_PREFIX = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)
_PNAME = re.compile(r"(?<![\w?$:<])([A-Za-z][\w.-]*):[\w-]*")


def readable(message: str, sparql: str) -> str:
    """One line: where the parser stopped, what it found there and what it expected."""
    match = _WHERE.match(" ".join(message.split()))
    if not match:
        return "SPARQL syntax error: " + " ".join(message.split())
    line, column, detail = int(match.group(1)), int(match.group(2)), match.group(3)
    where = f"SPARQL syntax error at line {line}, column {column}"
    if "Prefix not found" in detail:
        return f"{where}: {undeclared_prefix(sparql)}"
    lines = sparql.splitlines()
    found = _found_at(lines[line - 1] if 0 < line <= len(lines) else "", column)
    expected = sorted(set(_TOKEN.findall(detail)) - {"{|", "~"})
    hint = f" (expected {' or '.join(expected)})" if 0 < len(expected) <= 8 else ""
    return f"{where}: unexpected {found}{hint}"


def undeclared_prefix(sparql: str) -> str:
    declared = {p or "" for p in _PREFIX.findall(sparql)}
    body = re.sub(r"<[^>]*>|\"[^\"]*\"|'[^']*'|#[^\n]*", " ", sparql)
    used = [p for p in dict.fromkeys(_PNAME.findall(body)) if p not in declared]
    if not used:
        return "a prefix is used without a PREFIX declaration"
    name = used[0]
    if name in PREFIXES:
        return f"prefix '{name}:' is not declared (add: PREFIX {name}: <{PREFIXES[name]}>)"
    return f"prefix '{name}:' is not declared{did_you_mean(name, list(declared | set(PREFIXES)))}"


def _found_at(line: str, column: int) -> str:
    rest = line[max(0, column - 1) :].strip()
    if not rest:
        return "end of line" if line else "end of query"
    token = re.match(r"[\w?$:-]+|\S", rest)
    return f"'{token.group(0) if token else rest[0]}'"


__all__ = ["readable"]
