"""Progress reports: long work takes a `progress` callable and calls it with a line of text per stage."""

from __future__ import annotations

import sys
from collections.abc import Callable

Progress = Callable[[str], None]


def silent(_: str) -> None:
    """The default: report nothing (library calls stay quiet unless asked)."""


def say(message: str) -> None:
    """The CLI's reporter: one line on stderr, flushed at once so a long stage shows as it starts."""
    print(message, file=sys.stderr, flush=True)
