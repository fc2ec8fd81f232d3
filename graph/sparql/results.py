"""Query results in one engine-neutral shape, and their three renderings: table, CSV, SPARQL JSON.

Oxigraph, rdflib and a remote endpoint each return their own term objects; converting them all to the
SPARQL 1.1 JSON term shape means one formatter and one comparison serve every engine.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field

from kzlinks.namespaces import XSD, prefixed

XSD_STRING = str(XSD.string)


@dataclass(frozen=True)
class Term:
    """An RDF term as in SPARQL 1.1 Query Results JSON."""

    type: str  # uri | literal | bnode | triple
    value: str
    datatype: str | None = None
    lang: str | None = None

    def to_json(self) -> dict:
        out = {"type": self.type, "value": self.value}
        if self.lang:
            out["xml:lang"] = self.lang
        elif self.datatype and self.datatype != XSD_STRING:
            out["datatype"] = self.datatype
        return out

    def short(self) -> str:
        """Readable form: prefixed IRIs, bare literal values."""
        if self.type == "uri":
            return prefixed(self.value)
        if self.type == "bnode":
            return f"_:{self.value}"
        return self.value


@dataclass
class Results:
    variables: list[str]
    rows: list[dict[str, Term]] = field(default_factory=list)
    boolean: bool | None = None  # for ASK

    @classmethod
    def of_triples(cls, triples: Iterable[tuple[Term, Term, Term]]) -> Results:
        """A CONSTRUCT or DESCRIBE answer as rows, one per triple, so that every output format prints it."""
        names = ["subject", "predicate", "object"]
        return cls(names, [dict(zip(names, triple, strict=True)) for triple in triples])

    def cells(self, row: dict[str, Term]) -> list[str]:
        return [row[v].short() if v in row else "" for v in self.variables]


def to_json(results: Results) -> str:
    if results.boolean is not None:
        return json.dumps({"head": {}, "boolean": results.boolean}, indent=1)
    bindings = [{v: t.to_json() for v, t in row.items()} for row in results.rows]
    return json.dumps(
        {"head": {"vars": results.variables}, "results": {"bindings": bindings}}, indent=1, ensure_ascii=False
    )


def to_csv(results: Results) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if results.boolean is not None:
        writer.writerow(["boolean"])
        writer.writerow(["true" if results.boolean else "false"])
        return out.getvalue()
    writer.writerow(results.variables)
    for row in results.rows:
        writer.writerow([row[v].value if v in row else "" for v in results.variables])
    return out.getvalue()


def to_table(results: Results, width: int | None = None) -> str:
    """Aligned columns that fit the terminal; long cells are cut with an ellipsis."""
    if results.boolean is not None:
        return "yes" if results.boolean else "no"
    width = width or shutil.get_terminal_size((160, 24)).columns
    header = results.variables
    rows = [[printable(" ".join(c.split())) for c in results.cells(r)] for r in results.rows]
    cap = max(12, (width - 3 * len(header)) // max(1, len(header)))
    widths = [min(cap, max([len(h)] + [len(r[i]) for r in rows])) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return " | ".join(_cut(c, w).ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()

    out = [line(header), "-+-".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def _cut(text: str, size: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


# C0/C1 controls (ESC starts a terminal escape sequence), bidi overrides that reorder what is shown, and
# lone surrogates: shown as escapes, so a label from any source cannot drive or spoof the user's terminal.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    r"""`text` with every control character written as an escape (`\x1b`, `\u202e`).

    >>> print(printable("\x1b[31mred"))
    \x1b[31mred
    """
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


FORMATTERS = {"table": to_table, "csv": to_csv, "json": to_json}
