"""Which ids name the same thing: `sameAs` statements resolved to one canonical id per thing.

Two articles may name one thing under two ids that must both stay (each has its own quotes, and a reader
may look either up). A fact file says so with a statement `subject: alias, sameAs: canonical`; the build
then writes every statement about the alias onto the canonical node (graph/dataset/identity.py), so
queries and views see one node with the quotes of both, at no cost to query speed. Chains resolve to
their end (a sameAs b, b sameAs c: both a and b are aliases of c); a cycle or an alias given two
different canonical ids is an error naming the file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kzlinks.errors import FactFileError

if TYPE_CHECKING:
    from kzlinks.facts.reader import EntityInfo, FileSummary

SAME_AS = "sameAs"  # the fact-file key (kg:sameAs in the ontology, written as owl:sameAs)


def same_as_links(summaries: list[FileSummary]) -> list[tuple[str, str, Path, int]]:
    """Every (alias, canonical, file, line) a fact file states."""
    return [
        (subject, value_id, summary.path, line)
        for summary in summaries
        for subject, _, refs in summary.statements
        for name, _, value_id, line in refs
        if name == SAME_AS
    ]


def resolve_identity(summaries: list[FileSummary], entities: dict[str, EntityInfo]) -> dict[str, str]:
    """Set `same_as` (the canonical id) on every alias; returns alias id -> canonical id."""
    parent: dict[str, tuple[str, Path, int]] = {}
    for alias, canonical, path, line in same_as_links(summaries):
        if alias == canonical:
            raise FactFileError("an id cannot be an alias of itself", file=path, line=line, item=alias)
        known = parent.get(alias)
        if known is not None and known[0] != canonical:
            raise FactFileError(
                f"already the same as '{known[0]}' ({known[1].name}:{known[2]}); give one canonical id",
                file=path,
                line=line,
                item=alias,
            )
        parent[alias] = (canonical, path, line)
    resolved: dict[str, str] = {}
    for alias, (_, path, line) in parent.items():
        seen, current = {alias}, alias
        while current in parent:
            current = parent[current][0]
            if current in seen:
                raise FactFileError("sameAs links form a cycle", file=path, line=line, item=alias)
            seen.add(current)
        resolved[alias] = current
    for entity_id, info in entities.items():
        info.same_as = resolved.get(entity_id)
    return resolved


def canonical_id(entity_id: str, entities: dict[str, EntityInfo]) -> str:
    info = entities.get(entity_id)
    return info.same_as if info is not None and info.same_as else entity_id


__all__ = ["resolve_identity", "same_as_links", "canonical_id", "SAME_AS"]
