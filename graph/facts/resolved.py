"""Dates the text gives without a year (or month), completed from the article's publication date.

"On Thursday, 22 June" has no year; the article's metadata record knows when it was published. A curator
may complete the date from it, but the graph must say so: the value carries the date as the text states it
and where the rest came from (FORMAT.md, "Dates resolved against the publication date"). The checks here
keep the completion honest: the stated words are in the quote, the publication date exists, the value lies
within a year of it, and a named weekday matches the value.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from rdflib import URIRef

from kzlinks.errors import FactFileError
from kzlinks.facts.articles import normalise
from kzlinks.facts.metadata import read_metadata
from kzlinks.facts.yamlfile import Located

RESOLUTIONS = ("issued",)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_DAYS = 366


@dataclass(frozen=True)
class Resolution:
    """How a date was completed: the words the text gives and the source whose publication date was used."""

    stated: str
    resolved_from: str  # "issued"


def read_resolved(
    node: Located, key: str, subject: str, quote: str, article, date_type, path
) -> tuple[str, URIRef, Resolution]:
    """`{value, stated, resolvedFrom}` checked; returns the value, its datatype and the resolution."""

    def fail(message: str, at: Located = node) -> FactFileError:
        return FactFileError(message, file=path, line=at.line, item=subject)

    fields = node.value
    extra = set(fields) - {"value", "stated", "resolvedFrom"}
    if extra:
        raise fail(f"'{key}' has unknown key '{sorted(extra)[0]}' (expected value, stated, resolvedFrom)")
    for needed in ("value", "stated", "resolvedFrom"):
        if needed not in fields or not isinstance(fields[needed].value, str) or not fields[needed].value.strip():
            raise fail(f"'{key}' resolved against the publication date needs '{needed}'")
    value, stated = fields["value"].value.strip(), normalise(fields["stated"].value)
    if fields["resolvedFrom"].value.strip() not in RESOLUTIONS:
        raise fail(f"'resolvedFrom' must be one of {', '.join(RESOLUTIONS)}", fields["resolvedFrom"])
    if stated not in quote:
        raise fail(f"'stated' date '{stated}' is not in the statement's quote", fields["stated"])
    datatype = date_type(value, fields["value"], key, subject)
    issued = read_metadata(article.path).issued
    if issued is None:
        raise fail(
            f"'{key}' is resolved against the publication date, but {article.name} has no 'issued' in its metadata"
        )
    first = _first_day(value)
    if abs((first - _first_day(issued)).days) > MAX_DAYS:
        raise fail(f"'{key}' {value} is more than a year from the publication date {issued}", fields["value"])
    named = [day for day in WEEKDAYS if re.search(rf"\b{day}\b", stated.casefold())]
    if named and len(value) == 10 and WEEKDAYS[first.weekday()] != named[0]:
        raise fail(f"'{key}' {value} is a {WEEKDAYS[first.weekday()].title()}, but the text says {named[0].title()}")
    return value, datatype, Resolution(stated, "issued")


def _first_day(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[5:7] or 1), int(text[8:10] or 1))


__all__ = ["Resolution", "read_resolved"]
