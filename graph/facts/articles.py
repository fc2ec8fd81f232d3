"""The source articles and the check that a quote is really in one.

Quotes are compared with whitespace runs collapsed (articles wrap lines; YAML folds them), and nothing
else normalised: a quote is verbatim or it is not. When it is not, the error shows where the quote
stops matching, because a curator's typo is usually one character.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kzlinks.data import PACKAGED_SOURCES
from kzlinks.errors import FactFileError, QuoteNotFoundError
from kzlinks.facts.files import MAX_SOURCE_BYTES, inside, is_plain_name, read_text

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Collapse every whitespace run to one space and trim the ends."""
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class SourceText:
    path: Path
    text: str  # normalised
    title: str  # the headline (see headline())

    @property
    def name(self) -> str:
        return self.path.name

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


def headline(raw: str, name: str) -> str:
    """The first line that is more than boilerplate: the article's headline, cut to 120 characters
    at a word boundary when the article opens without one."""
    for line in raw.splitlines():
        line = line.strip()
        if len(line) > 25:
            return line if len(line) <= 120 else line[:120].rsplit(" ", 1)[0] + " …"
    return name


@lru_cache(maxsize=4096)
def read_article(path: Path) -> SourceText:
    """An article as text, normalised for quote finding, with its headline; regular files only, size capped."""
    raw = read_text(path, MAX_SOURCE_BYTES, "source article")
    return SourceText(path, normalise(raw), headline(raw, path.name))


def article_folders(fact_file: Path, extra_dirs: tuple[Path, ...] = ()) -> list[Path]:
    """Where a fact file's article may be, in the order looked: beside the fact file (a folder the user
    named), the packaged articles, then each folder the user gave (`--sources`, a workspace's)."""
    return [fact_file.parent, PACKAGED_SOURCES, *extra_dirs]


def locate_source(name: str, fact_file: Path, extra_dirs: tuple[Path, ...] = ()) -> Path | None:
    """The first article called `name` inside the allowed folders, resolved; None if there is none. A name
    that is a path out of them (`/etc/passwd`, `../../x`, a symlink leading out) is refused before any
    file is opened, so nothing of a file outside the folders can reach the graph or an error message."""
    if not is_plain_name(name):
        raise FactFileError(
            f"'{name}' is a path, not an article's file name: articles are read only from the fact file's "
            "folder, the packaged articles and the --sources folders",
            file=fact_file,
            item="source",
        )
    for folder in article_folders(fact_file, extra_dirs):
        candidate = folder / name
        if os.path.lexists(candidate):
            resolved = candidate.resolve()
            if not inside(resolved, folder):
                raise FactFileError(
                    f"'{name}' in {folder} is a link to a file outside that folder: refused",
                    file=fact_file,
                    item="source",
                )
            return resolved
    return None


def find_source(name: str, fact_file: Path, extra_dirs: tuple[Path, ...] = ()) -> SourceText:
    """Resolve a fact file's `source:` next to the fact file, in the packaged sources, then extra dirs; only
    a regular file of bounded size inside one of those folders is read."""
    found = locate_source(name, fact_file, extra_dirs)
    if found is None:
        looked = ", ".join(str(d) for d in article_folders(fact_file, extra_dirs))
        raise FactFileError(f"source '{name}' not found (looked in {looked})", file=fact_file, item="source")
    try:
        return read_article(found)
    except FactFileError as exc:
        raise FactFileError(f"'{name}': {exc.message}", file=fact_file, item="source") from None
