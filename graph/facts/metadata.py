"""An article's metadata record: title, outlet, publication date, URL, language, retrieval date.

Kept beside the article as `NAME.meta.yaml` (`000_x.meta.yaml` next to `000_x.txt`), so it travels with
the text it describes and a user's own articles carry theirs the same way. Only what is known is written:
a value the article itself gives may cite the words that give it under `evidence:`, and those words are
checked against the article as strictly as a fact's quote. The publication date is also what a relative
date in the text ("on Thursday, 22 June") is resolved against (see FORMAT.md, "Dates resolved against
the publication date").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kzlinks.errors import FactFileError, QuoteNotFoundError
from kzlinks.facts.articles import normalise, read_article
from kzlinks.facts.yamlfile import Located, load_located
from kzlinks.suggest import did_you_mean

FIELDS = ("title", "publisher", "issued", "url", "language", "retrieved")
KEYS = (*FIELDS, "evidence", "note")
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class ArticleMetadata:
    """What is known about one article; None where nothing is."""

    path: Path | None = None
    title: str | None = None
    publisher: str | None = None
    issued: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD: only the precision known
    url: str | None = None
    language: str | None = None
    retrieved: str | None = None
    evidence: dict[str, str] = field(default_factory=dict)


def metadata_path(article: Path) -> Path:
    return article.with_name(article.stem + ".meta.yaml")


def read_metadata(article: Path) -> ArticleMetadata:
    """The record beside `article`, checked; an empty record when there is none.

    Raises:
        FactFileError: the record is malformed, a value has the wrong form, or an evidence quote is not in
            the article (the record's file and line named).
    """
    path = metadata_path(article)
    if not path.is_file():
        return ArticleMetadata()
    return _read(path, article.resolve(), path.stat().st_mtime_ns)


@lru_cache(maxsize=256)
def _read(path: Path, article: Path, _mtime: int) -> ArticleMetadata:
    root = load_located(path)
    if root is None or not isinstance(root.value, dict):
        raise FactFileError(f"an article's metadata is a mapping of {', '.join(FIELDS)}", file=path)
    values: dict = {"path": path}
    for key, node in root.value.items():
        if key not in KEYS:
            raise FactFileError(f"unknown metadata key '{key}'{did_you_mean(key, KEYS)}", file=path, line=node.line)
        if key == "note":
            continue
        if key == "evidence":
            values["evidence"] = _evidence(path, node, article)
            continue
        values[key] = _checked(path, key, node)
    return ArticleMetadata(**values)


def _checked(path: Path, key: str, node: Located) -> str:
    if not isinstance(node.value, str) or not node.value.strip():
        raise FactFileError(f"'{key}' must be non-empty text", file=path, line=node.line)
    text = node.value.strip()
    if key in ("issued", "retrieved"):
        if not DATE.match(text):
            raise FactFileError(f"'{key}' expects YYYY-MM-DD, YYYY-MM or YYYY, got '{text}'", file=path, line=node.line)
        try:
            dt.date(int(text[:4]), int(text[5:7] or 1), int(text[8:10] or 1))
        except ValueError:
            raise FactFileError(f"impossible date '{text}'", file=path, line=node.line) from None
    if key == "url" and not URL.match(text):
        raise FactFileError(f"'url' expects an http(s) address, got '{text}'", file=path, line=node.line)
    if key == "language" and not LANGUAGE.match(text):
        raise FactFileError(
            f"'language' expects a language tag such as en or ru, got '{text}'", file=path, line=node.line
        )
    return text


def _evidence(path: Path, node: Located, article: Path) -> dict[str, str]:
    if not isinstance(node.value, dict):
        raise FactFileError("'evidence' maps a field to the article's words that state it", file=path, line=node.line)
    source = read_article(article)
    found = {}
    for key, quote in node.value.items():
        if key not in FIELDS:
            raise FactFileError(
                f"evidence for unknown field '{key}'{did_you_mean(key, FIELDS)}", file=path, line=quote.line
            )
        if not isinstance(quote.value, str) or not quote.value.strip():
            raise FactFileError(f"evidence for '{key}' must be the article's words", file=path, line=quote.line)
        text = quote.value
        try:
            source.locate(text)
        except QuoteNotFoundError as exc:
            raise FactFileError(exc.message, file=path, line=quote.line, item=f"evidence {key}") from None
        found[key] = normalise(text)
    return found


__all__ = ["ArticleMetadata", "read_metadata", "metadata_path", "FIELDS"]
