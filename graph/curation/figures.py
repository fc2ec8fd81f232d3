"""Dates, sums of money, percentages and quantities, read from a sentence with the precision it gives.

A date keeps exactly what the text states: `17 November 2025` is a day (`2025-11-17`), `January 2025` a
month (`2025-01`), `in 2011` a year; a month without a year, or a weekday, is not a date the draft can
write without inventing something, so it is skipped. A range (`3-4 April 2025`, `May 18-19, 2023`) gives
its first and last day. Money needs a currency the text names (`$`, `euros`, `USD`, `tenge`, ...) and is
written as a plain number (`820 million euros` -> 820000000 EUR); percentages and quantities keep their
unit.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["Figure", "read_figures"]

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
_MONTH = r"(?P<{}>" + "|".join(sorted((m.capitalize() for m in MONTHS), key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<{}>(?:1[89]|20)\d\d)(?![\d%])"
_DAY = r"(?P<{}>[0-3]?\d)(?:st|nd|rd|th)?"
_RANGE = r"\s*[-–—]\s*"

# Most specific first; each pattern is tried and the text it covers is not read again.
_DATE_PATTERNS = [
    # 2026-02-27
    re.compile(r"(?<![\d-])(?P<y>(?:1[89]|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?![\d-])"),
    # 3-4 April 2025, 29 - 30 January 2024
    re.compile(rf"\b{_DAY.format('d')}{_RANGE}{_DAY.format('d2')}\s+{_MONTH.format('m')},?\s+{_YEAR.format('y')}"),
    # May 18-19, 2023
    re.compile(rf"\b{_MONTH.format('m')}\s+{_DAY.format('d')}{_RANGE}{_DAY.format('d2')},?\s+{_YEAR.format('y')}"),
    # 17 November 2025
    re.compile(rf"\b{_DAY.format('d')}\s+(?:of\s+)?{_MONTH.format('m')},?\s+{_YEAR.format('y')}"),
    # November 17, 2025
    re.compile(rf"\b{_MONTH.format('m')}\s+{_DAY.format('d')},?\s+{_YEAR.format('y')}"),
    # January 2025, May of 1992
    re.compile(rf"\b{_MONTH.format('m')},?\s+(?:of\s+)?{_YEAR.format('y')}"),
    # 2011 (a year on its own, not part of a larger number or a name such as COP30)
    re.compile(rf"(?<![\w$€£.,/-]){_YEAR.format('y')}(?![\w-]|\.\d|,\d)"),
]

_SCALE = {
    "thousand": 10**3,
    "million": 10**6,
    "mln": 10**6,
    "m": 10**6,
    "billion": 10**9,
    "bln": 10**9,
    "bn": 10**9,
    "b": 10**9,
    "trillion": 10**12,
    "trln": 10**12,
}
_CURRENCY_WORDS = {
    "usd": "USD",
    "us dollars": "USD",
    "u.s. dollars": "USD",
    "dollars": "USD",
    "dollar": "USD",
    "eur": "EUR",
    "euros": "EUR",
    "euro": "EUR",
    "kzt": "KZT",
    "tenge": "KZT",
    "gbp": "GBP",
    "pounds": "GBP",
    "cny": "CNY",
    "yuan": "CNY",
    "rub": "RUB",
    "roubles": "RUB",
    "rubles": "RUB",
    "chf": "CHF",
    "jpy": "JPY",
    "yen": "JPY",
    "aed": "AED",
    "try": "TRY",
    "lira": "TRY",
}
_CURRENCY_SIGNS = {"$": "USD", "us$": "USD", "€": "EUR", "£": "GBP", "¥": "CNY", "₸": "KZT"}
_NUMBER = r"(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten)"
_SCALE_WORD = r"(?:\s*(?P<s>thousand|million|billion|trillion|mln|bln|trln|bn)\b|(?P<short>[mb])n?\b)?"
_CURRENCY_WORD = r"(?P<c>US dollars|U\.S\. dollars|dollars?|euros?|tenge|pounds|yuan|roubles|rubles|yen|lira|USD|EUR|KZT|GBP|CNY|RUB|CHF|JPY|AED|TRY)\b"
_MONEY_PATTERNS = [
    # $120 million, € 10 billion, US$1.5bn
    re.compile(r"(?P<sign>US\$|\$|€|£|¥|₸)\s?" + _NUMBER + _SCALE_WORD),
    # USD 1 billion, EUR 50 million
    re.compile(r"\b(?P<c>USD|EUR|KZT|GBP|CNY|RUB|CHF|JPY|AED)\s?" + _NUMBER + _SCALE_WORD),
    # 820 million euros, 40 billion US dollars
    re.compile(r"\b" + _NUMBER + _SCALE_WORD + r"\s*(?:of\s+)?" + _CURRENCY_WORD),
]
_PERCENT = re.compile(r"\b" + _NUMBER + r"\s?(?:%|per\s?cent\b|percent\b)")
_PERCENT_RANGE = re.compile(
    r"\b" + _NUMBER + r"\s*(?:[-–]|to)\s*" + _NUMBER.replace("?P<n>", "?P<n2>") + r"\s?(?:%|per\s?cent\b|percent\b)"
)
_UNITS = {
    "km": "km",
    "kilometres": "km",
    "kilometers": "km",
    "kilometre": "km",
    "kilometer": "km",
    "miles": "miles",
    "tonnes": "tonnes",
    "tons": "tonnes",
    "million tonnes": "million tonnes",
    "million tons": "million tonnes",
    "teu": "TEU",
    "containers": "containers",
    "years": "years",
    "months": "months",
    "days": "days",
    "hours": "hours",
    "mw": "MW",
    "gw": "GW",
    "kwh": "kWh",
    "barrels": "barrels",
    "cubic metres": "cubic metres",
    "cubic meters": "cubic metres",
    "hectares": "hectares",
    "flights": "flights",
    "trains": "trains",
    "people": "people",
    "students": "students",
}
_QUANTITY = re.compile(
    r"\b"
    + _NUMBER
    + r"(?:\s*(?P<s>thousand|million|billion))?[\s-]?(?P<u>"
    + "|".join(sorted(_UNITS, key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10, "twenty": 20, "thirty": 30}
_WORD_QUANTITY = re.compile(
    r"\b(?P<n>" + "|".join(_WORD_NUMBERS) + r")[\s-](?P<u>years|months|days|hours)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Figure:
    """A date, sum of money, percentage or quantity as the text gives it.

    `kind` is date, money, percent or quantity; `value` the fact-file value (`2025-11`, `820000000`);
    `unit` the precision of a date (day, month, year), a currency code, `%` or a unit; `text` the words
    it was read from; `start` its offset in the sentence.
    """

    kind: str
    value: str
    unit: str
    text: str
    start: int

    @property
    def yaml_value(self) -> str:
        if self.kind == "money":
            return f"{{value: {self.value}, currency: {self.unit}}}"
        if self.kind == "quantity":
            return f"{{value: {self.value}, unit: {self.unit}}}"
        return self.value


def read_figures(sentence: str) -> list[Figure]:
    """Every date, sum, percentage and quantity of one sentence, in the order they appear.

    Example:
        >>> [(f.kind, f.value, f.unit) for f in read_figures("In May 2024 it lent $1.5 billion at 3.2%.")]
        [('date', '2024-05', 'month'), ('money', '1500000000', 'USD'), ('percent', '3.2', '%')]
    """
    taken = [False] * len(sentence)
    found: list[Figure] = []
    for reader in (_money, _percentages, _dates, _quantities):
        for figures, start, end in reader(sentence):
            if any(taken[start:end]):
                continue
            taken[start:end] = [True] * (end - start)
            found.extend(figures)
    return sorted(found, key=lambda f: (f.start, f.kind))


def _dates(sentence: str):
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(sentence):
            parts = match.groupdict()
            year = int(parts["y"])
            month = parts.get("m")
            number = (MONTHS[month.lower().rstrip(".")] if not month.isdigit() else int(month)) if month else None
            days = [parts[k] for k in ("d", "d2") if parts.get(k)]
            values = _date_values(year, number, days)
            if not values:
                continue
            figures = [Figure("date", value, precision, match.group(), match.start()) for value, precision in values]
            yield figures, match.start(), match.end()


def _date_values(year: int, month: int | None, days: list[str]) -> list[tuple[str, str]]:
    if month is None:
        return [(f"{year:04d}", "year")]
    if not 1 <= month <= 12:
        return []
    if not days:
        return [(f"{year:04d}-{month:02d}", "month")]
    values = []
    for day in days:
        if not 1 <= int(day) <= calendar.monthrange(year, month)[1]:
            return []
        values.append((f"{year:04d}-{month:02d}-{int(day):02d}", "day"))
    return values


def _plain_number(text: str, scale: int = 1) -> str:
    words = {**_WORD_NUMBERS, "seven": 7, "eight": 8, "nine": 9}
    number = Decimal(words[text.lower()]) if text.lower() in words else Decimal(text.replace(",", ""))
    value = number * scale
    value = value.normalize()
    return f"{value:f}"


def _scale_of(parts: dict) -> int:
    word = (parts.get("s") or parts.get("short") or "").lower()
    return _SCALE.get(word, 1)


def _money(sentence: str):
    for pattern in _MONEY_PATTERNS:
        for match in pattern.finditer(sentence):
            parts = match.groupdict()
            if parts.get("sign"):
                currency = _CURRENCY_SIGNS[parts["sign"].lower()]
            else:
                currency = _CURRENCY_WORDS.get(parts["c"].lower()) or parts["c"].upper()
            value = _plain_number(parts["n"], _scale_of(parts))
            text = match.group().rstrip()
            yield [Figure("money", value, currency, text, match.start())], match.start(), match.start() + len(text)


def _percentages(sentence: str):
    for match in _PERCENT_RANGE.finditer(sentence):  # "10 - 11%": both ends
        figures = [
            Figure("percent", _plain_number(match.group(k)), "%", match.group(), match.start()) for k in ("n", "n2")
        ]
        yield figures, match.start(), match.end()
    for match in _PERCENT.finditer(sentence):
        value = _plain_number(match.group("n"))
        yield [Figure("percent", value, "%", match.group(), match.start())], match.start(), match.end()


def _quantities(sentence: str):
    for match in _QUANTITY.finditer(sentence):
        if re.search(r"\d\s*[-–]\s*$", sentence[: match.start()]):
            continue  # the end of a range ("10-12 years"): not a quantity on its own
        scale = {"thousand": 10**3, "million": 10**6, "billion": 10**9}.get((match.group("s") or "").lower(), 1)
        unit = _UNITS[match.group("u").lower()]
        value = _plain_number(match.group("n"), scale)
        yield [Figure("quantity", value, unit, match.group(), match.start())], match.start(), match.end()
    for match in _WORD_QUANTITY.finditer(sentence):
        value = str(_WORD_NUMBERS[match.group("n").lower()])
        unit = _UNITS[match.group("u").lower()]
        yield [Figure("quantity", value, unit, match.group(), match.start())], match.start(), match.end()
