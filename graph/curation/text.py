"""Sentences of an article and a folded view of them for case- and accent-blind matching.

A draft quotes whole sentences, verbatim, so that every quote it writes passes the build's quote check;
matching runs on a folded copy (lower case, no accents, one kind of dash and apostrophe) that keeps a map
back to the original characters, so a match is always cut from the real text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Folded", "Sentence", "fold", "sentences"]

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212"), "-")
_QUOTES = {ord("\u2019"): "'", ord("\u2018"): "'", ord("\u201c"): '"', ord("\u201d"): '"'}
# A sentence ends at . ! ? (or a closing quote or bracketed reference after one) before a capital or digit.
_END = re.compile(r"[.!?](?:[\"”’)\]]|\[\d+\])*(\s+)(?=[\"“(]?[A-Z0-9\u00C0-\u00DE])")
_ABBREVIATIONS = ("Mr.", "Mrs.", "Ms.", "Dr.", "St.", "No.", "Nos.", "Jr.", "Sr.", "Prof.", "vs.", "e.g.", "i.e.")


def _fold_char(char: str) -> str:
    char = char.translate(_DASHES).translate(_QUOTES)
    return "".join(c for c in unicodedata.normalize("NFKD", char.casefold()) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower case, accents stripped, dashes and curly quotes made plain: `Türkiye` and `turkiye` fold alike.

    Example:
        >>> fold("Türkiye – Xi’an")
        "turkiye - xi'an"
    """
    return "".join(_fold_char(c) for c in text)


@dataclass(frozen=True)
class Folded:
    """A folded copy of a text with, for each folded character, the index of the original one."""

    text: str
    origin: tuple[int, ...]

    @classmethod
    def of(cls, original: str) -> Folded:
        chars: list[str] = []
        origin: list[int] = []
        for at, char in enumerate(original):
            folded = _fold_char(char)
            chars.append(folded)
            origin.extend([at] * len(folded))
        return cls("".join(chars), tuple(origin))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of folded characters [start, end)."""
        return self.origin[start], self.origin[end - 1] + 1


@dataclass(frozen=True)
class Sentence:
    """One sentence: its verbatim text, where it starts in the article, and its number (from 1)."""

    number: int
    start: int
    text: str


def sentences(article: str) -> list[Sentence]:
    """Split an article into sentences: every line apart, then at sentence ends, not after Mr. or Dr."""
    found: list[Sentence] = []
    for line in re.finditer(r"[^\n]+", article):
        start = line.start()
        pieces = _split_line(line.group())
        offset = 0
        for piece in pieces:
            at = line.group().index(piece, offset)
            offset = at + len(piece)
            text = piece.strip()
            if re.search(r"\w", text):
                found.append(Sentence(len(found) + 1, start + at + (len(piece) - len(piece.lstrip())), text))
    return found


def _split_line(line: str) -> list[str]:
    pieces: list[str] = []
    last = 0
    for end in _END.finditer(line):
        before = line[last : end.start(1)]
        if before.endswith(_ABBREVIATIONS) or re.search(r"\b[A-Z]\.$", before):
            continue
        pieces.append(before)
        last = end.end(1)
    pieces.append(line[last:])
    return pieces
