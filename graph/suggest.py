"""Nearest valid names for a misspelt one, so every "unknown ..." error can say what was meant.

A curator who writes `status: planned` or `type: Citty` needs the valid spelling, not a search through
the ontology; the same helper serves classes, properties, individuals, entity ids, prefixes and queries.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable

MAX_SHOWN = 8


def _key(text: str) -> str:
    """Case, accents and punctuation do not count when names are compared."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in folded if c.isalnum())


def nearest(word: str, choices: Iterable[str], n: int = 3, cutoff: float = 0.7) -> list[str]:
    """The choices closest to `word`, best first; an exact match but for case or accents comes first.

    Example:
        >>> nearest("planned", ["Planned", "Proposed", "Completed"])
        ['Planned']
        >>> nearest("Citty", ["City", "Port", "State"])
        ['City']
    """
    options = sorted(set(choices))
    by_key: dict[str, list[str]] = {}
    for option in options:
        by_key.setdefault(_key(option), []).append(option)
    wanted = _key(word)
    if wanted in by_key:
        return by_key[wanted][:n]
    close = difflib.get_close_matches(wanted, list(by_key), n=n, cutoff=cutoff)
    prefixed = [k for k in by_key if wanted and k.startswith(wanted) and k not in close]
    return [by_key[k][0] for k in [*close, *sorted(prefixed)]][:n]


def did_you_mean(word: str, choices: Iterable[str], n: int = 3) -> str:
    """' (did you mean X or Y?)', or, when nothing is close, the valid names if they are few; '' if many.

    Example:
        >>> did_you_mean("planned", ["Planned", "Proposed"])
        ' (did you mean Planned?)'
    """
    options = sorted(set(choices))
    close = nearest(word, options, n)
    if close:
        return f" (did you mean {' or '.join(close)}?)"
    if 0 < len(options) <= MAX_SHOWN:
        return f" (valid: {', '.join(options)})"
    return ""


__all__ = ["nearest", "did_you_mean"]
