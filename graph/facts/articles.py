"""The source articles and the check that a quote is really in one.

Quotes are compared with whitespace runs collapsed (articles wrap lines; YAML folds them), and nothing
else normalised: a quote is verbatim or it is not. When it is not, the error shows where the quote
stops matching, because a curator's typo is usually one character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kzlinks.data import PACKAGED_SOURCES
from kzlinks.errors import FactFileError, QuoteNotFoundError

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Collapse every whitespace run to one space and trim the ends."""
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class SourceText:
    path: Path
    text: str  # normalised

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def title(self) -> str:
        """The first line that is more than boilerplate: the article's headline, cut to 120 characters
        at a word boundary when the article opens without one."""
        for line in self.path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if len(line) > 25:
                return line if len(line) <= 120 else line[:120].rsplit(" ", 1)[0] + " …"
        return self.name

    def locate(self, quote: str) -> tuple[int, str, str]:
        """Offset of the quote and up to 32 characters either side; raise if it is not there."""
        wanted = normalise(quote)
        at = self.text.find(wanted)
        if at < 0 or not wanted:
            raise QuoteNotFoundError(self._why_missing(wanted))
        return at, self.text[max(0, at - 32) : at], self.text[at + len(wanted) : at + len(wanted) + 32]

    def _why_missing(self, wanted: str) -> str:
        if not wanted:
            return "empty quote"
        low, high = 0, len(wanted)
        while low < high:  # longest prefix of the quote that the source contains
            mid = (low + high + 1) // 2
            if wanted[:mid] in self.text:
                low = mid
            else:
                high = mid - 1
        if low < 12:
            return f'quote not found in {self.name}: "{_clip(wanted)}"'
        at = self.text.find(wanted[:low])
        return (
            f'quote not found in {self.name}: it matches up to "…{wanted[max(0, low - 20) : low]}", '
            f'then the quote has "{wanted[low : low + 20]}" where the source has '
            f'"{self.text[at + low : at + low + 20]}"'
        )


def _clip(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[:size] + "…"


@lru_cache(maxsize=4096)
def _read(path: Path) -> SourceText:
    return SourceText(path, normalise(path.read_text(encoding="utf-8")))


def find_source(name: str, fact_file: Path, extra_dirs: tuple[Path, ...] = ()) -> SourceText:
    """Resolve a fact file's `source:` next to the fact file, in the packaged sources, then extra dirs."""
    candidates = [fact_file.parent / name, PACKAGED_SOURCES / name, *(d / name for d in extra_dirs)]
    for candidate in candidates:
        if candidate.is_file():
            try:
                return _read(candidate.resolve())
            except (OSError, UnicodeDecodeError) as exc:
                raise FactFileError(f"cannot read source {candidate}: {exc}", file=fact_file) from None
    looked = ", ".join(str(c.parent) for c in candidates)
    raise FactFileError(f"source '{name}' not found (looked in {looked})", file=fact_file, item="source")
