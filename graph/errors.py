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


MAX_REPORTED = 20  # problems reported from one file in one run; past that, a count


class Several:
    """Mixin: several errors found in one run, each shown on its own line (up to MAX_REPORTED)."""

    problems: list[KGError]

    def __init__(self, problems: list[KGError]) -> None:
        first = problems[0]
        KGError.__init__(self, first.message, file=first.file, line=first.line, item=first.item)  # type: ignore[arg-type]
        self.problems = problems

    def __reduce__(self) -> tuple[type, tuple[list[KGError]]]:
        """Rebuilt from its problems: a fact file's errors cross a pipe from a worker (dataset/parallel.py)."""
        return (type(self), (self.problems,))

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems[:MAX_REPORTED]]
        if len(self.problems) > MAX_REPORTED:
            lines.append(f"{self.problems[0].file}: … and {len(self.problems) - MAX_REPORTED} more problems")
        return "\n".join(lines)


class FactFileProblems(Several, FactFileError):
    """Several mistakes in one fact file, all reported at once so one run shows everything to fix."""


class QuoteNotFoundError(FactFileError):
    """A quote is not, verbatim, in its source article."""


class OntologyError(KGError):
    """The ontology or the shapes cannot be read."""


class OntologyProblems(Several, OntologyError):
    """Several problems in one ontology extension, each on its own line."""


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

    ``status`` is the HTTP status the server answered (None when it did not answer); ``unsent`` is True when
    the request never reached the server, so nothing happened there and it is safe to try again.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        item: str | None = None,
        status: int | None = None,
        unsent: bool = False,
    ) -> None:
        super().__init__(message, file=file, line=line, item=item)
        self.status = status
        self.unsent = unsent
