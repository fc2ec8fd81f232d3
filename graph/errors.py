"""One exception hierarchy for every bad input, so the CLI can print one clear line and exit non-zero.

Each error carries where the bad input entered (a file and a line or item) because a curator fixing a
fact file needs to know exactly where to look, not a traceback.
"""

from __future__ import annotations

from pathlib import Path


class KGError(Exception):
    """Base of all errors the user can cause and fix; rendered as `file:line: item: message`."""

    def __init__(
        self, message: str, *, file: str | Path | None = None, line: int | None = None, item: str | None = None
    ) -> None:
        message = " ".join(str(message).split())  # one line, whatever a library put in it
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.item = item

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        what = f"{self.item}: " if self.item else ""
        return f"{where}{what}{self.message}"


class FactFileError(KGError):
    """A fact file is malformed or refers to something that does not exist."""


class QuoteNotFoundError(FactFileError):
    """A quote is not, verbatim, in its source article."""


class OntologyError(KGError):
    """The ontology or the shapes cannot be read."""


class ValidationError(KGError):
    """The built graph violates a SHACL shape."""


class StoreError(KGError):
    """The store is missing, locked or unreadable."""


class QueryError(KGError):
    """A query is unknown, malformed, or given a bad parameter."""


class AnalysisError(KGError):
    """A network analysis cannot answer what it was asked (NetworkX's NetworkXNoPath / NodeNotFound, typed)."""


class NodeNotFound(AnalysisError):
    """An entity asked for is not in the network analysed (or has no node of it, for a state or union)."""


class NoRoute(AnalysisError):
    """Both ends are in the network, but no way joins them."""


class RemoteError(KGError):
    """A remote SPARQL endpoint is down, slow, refuses us or answers an error.

    ``status`` is the HTTP status the server answered (None when it did not answer); ``unsent`` is how many
    graphs a push had not yet sent when it failed (None outside a push).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        item: str | None = None,
        status: int | None = None,
        unsent: int | None = None,
    ) -> None:
        super().__init__(message, file=file, line=line, item=item)
        self.status = status
        self.unsent = unsent
