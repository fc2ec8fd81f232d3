"""How much of each article the graph quotes: sentence by sentence.

"Every fact in the sources" cannot be proven by a program, but a sentence that no quote touches is a
sentence whose facts are certainly missing; listing them tells a curator where to look next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from kzlinks.facts.articles import PACKAGED_SOURCES, normalise
from kzlinks.namespaces import sparql_prefixes

QUOTES = """SELECT ?source ?quote WHERE {
  GRAPH ?g { ?g prov:wasDerivedFrom ?doc ; oa:hasTarget/oa:hasSelector/oa:exact ?quote }
  GRAPH graph:sources { ?doc dcterms:identifier ?source }
}"""
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z0-9“\"'(\[-])")
MIN_SENTENCE = 20  # shorter fragments ("Yes.", "Share this article:") carry no fact of their own


@dataclass
class Coverage:
    source: str
    sentences: int
    quoted: int
    unquoted: list[str] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return 100.0 * self.quoted / self.sentences if self.sentences else 100.0


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of a normalised text."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if b - a >= MIN_SENTENCE]


def _quoted_spans(text: str, quotes: list[str]) -> list[tuple[int, int]]:
    spans = []
    for quote in quotes:
        at = text.find(normalise(quote))
        while at >= 0:
            spans.append((at, at + len(normalise(quote))))
            at = text.find(normalise(quote), at + 1)
    return spans


def coverage(store: ox.Store) -> list[Coverage]:
    """Per packaged source quoted in the store: how many of its sentences some quote overlaps."""
    by_source: dict[str, list[str]] = {}
    for solution in store.query(sparql_prefixes() + QUOTES):
        by_source.setdefault(solution["source"].value, []).append(solution["quote"].value)
    report = []
    for name, quotes in sorted(by_source.items()):
        path = PACKAGED_SOURCES / name
        if not path.is_file():
            continue
        text = normalise(path.read_text(encoding="utf-8"))
        quoted = _quoted_spans(text, quotes)
        result = Coverage(name, 0, 0)
        for start, end in sentences(text):
            result.sentences += 1
            if any(a < end and b > start for a, b in quoted):
                result.quoted += 1
            else:
                result.unquoted.append(text[start:end])
        report.append(result)
    return report
