"""The query page: one HTML page, its script and style, all from package data (it works offline).

It opens with the project's prefixes and a working example in the editor, and lists the named queries
(their text with the default parameters bound, as `kg query NAME` runs them) so a click runs one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from kzlinks.errors import QueryError
from kzlinks.namespaces import PREFIXES, sparql_prefixes
from kzlinks.sparql.binding import with_values
from kzlinks.sparql.named import bind, catalogue

EXAMPLE = """\
# What kinds of things does the graph hold? (GRAPH ?g { … } reads one quoted passage)
SELECT ?type (COUNT(DISTINCT ?entity) AS ?entities)
WHERE { ?entity a ?type }
GROUP BY ?type
ORDER BY DESC(?entities) ?type
LIMIT 25
"""
POLICY = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"


def _query_entries() -> list[dict[str, str]]:
    entries = []
    for query in catalogue():
        try:
            text = with_values(query.text, bind(query, {}))
        except QueryError:
            text = query.text  # a required parameter with no default: the user fills it in
        entries.append({"name": query.name, "question": query.question, "text": text})
    return entries


@dataclass
class PageAssets:
    """The files the front server answers for the page: path -> (content type, bytes)."""

    files: dict[str, tuple[str, bytes]]
    policy: str = POLICY

    @classmethod
    def build(cls) -> PageAssets:
        folder = resources.files("kzlinks.server") / "page"
        data = {"prefixes": PREFIXES, "example": sparql_prefixes() + "\n" + EXAMPLE, "queries": _query_entries()}
        # embedded as JSON in a non-executed script element: "</" is escaped so no text can close it
        embedded = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        html = (folder / "index.html").read_text(encoding="utf-8").replace("__CATALOGUE__", embedded)
        return cls(
            {
                "/": ("text/html", html.encode("utf-8")),
                "/page.js": ("text/javascript", (folder / "page.js").read_bytes()),
                "/page.css": ("text/css", (folder / "page.css").read_bytes()),
            }
        )


__all__ = ["PageAssets", "EXAMPLE"]
