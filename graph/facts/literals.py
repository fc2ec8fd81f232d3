"""Which text is a number or a date, and of which XSD type: one answer for fact files and query parameters.

Python's `\\d` and `int()` accept any Unicode digit, so `٣` (Arabic-Indic three) would pass as an
`xsd:integer` that Oxigraph and rdflib then read differently; XSD's lexical forms allow ASCII digits only,
and so does every pattern here. A date must also exist: `2025-02-30` is refused, not stored.
"""

from __future__ import annotations

import datetime as dt
import re

from rdflib import URIRef
from rdflib.namespace import XSD

INTEGER = re.compile(r"-?[0-9]+\Z")
DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")
_DATE_FORMS = (
    (re.compile(r"[0-9]{4}\Z"), XSD.gYear),
    (re.compile(r"[0-9]{4}-[0-9]{2}\Z"), XSD.gYearMonth),
    (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"), XSD.date),
)
DATE_FORMS_HELP = "YYYY-MM-DD, YYYY-MM or YYYY"


class NotADate(ValueError):
    """The text is not written as YYYY, YYYY-MM or YYYY-MM-DD."""


class ImpossibleDate(ValueError):
    """The text has a date's form but names no day or month that exists (`1992-02-30`, `2023-13`)."""


def is_integer(text: str) -> bool:
    """Whether `text` is an xsd:integer in ASCII digits.

    >>> is_integer("-12"), is_integer("٣"), is_integer("1.0")
    (True, False, False)
    """
    return INTEGER.match(text) is not None


def is_decimal(text: str) -> bool:
    """Whether `text` is a plain xsd:decimal in ASCII digits (no exponent).

    >>> is_decimal("3.25"), is_decimal("٣.٥"), is_decimal("1e3")
    (True, False, False)
    """
    return DECIMAL.match(text) is not None


def date_datatype(text: str) -> URIRef:
    """The XSD type of a date as the sources state it: a day, a month or a year, never more precise.

    >>> str(date_datatype("2025-11")).rsplit("#", 1)[1]
    'gYearMonth'
    >>> date_datatype("2025-02-30")
    Traceback (most recent call last):
    kzlinks.facts.literals.ImpossibleDate: 2025-02-30
    """
    for pattern, datatype in _DATE_FORMS:
        if pattern.match(text):
            try:
                if datatype == XSD.date:
                    dt.date.fromisoformat(text)
                elif datatype == XSD.gYearMonth:
                    dt.date(int(text[:4]), int(text[5:]), 1)
            except ValueError:
                raise ImpossibleDate(text) from None
            return datatype
    raise NotADate(text)


__all__ = [
    "INTEGER",
    "DECIMAL",
    "DATE_FORMS_HELP",
    "NotADate",
    "ImpossibleDate",
    "is_integer",
    "is_decimal",
    "date_datatype",
]
