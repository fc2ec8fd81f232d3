"""Find entities by what a person types: an id, a label or an alternative label, misspelt or not.

Ids are stable but nobody remembers them; labels are what people know, in whatever spelling an article
used (Kurik / Kuryk, Tokaev / Tokayev). Case, accents, punctuation and small typos are forgiven. The same
lookup serves `kg find`, entity parameters of named queries (`--param entity=Astana`), `kg analyse` and
`kg viz ego`: one match is used, several are listed, none is an error with the nearest ids.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from kzlinks.errors import QueryError
from kzlinks.facts.reader import ID_PATTERN
from kzlinks.namespaces import ID, KG, local_name, sparql_prefixes
from kzlinks.sparql.binding import term_to_sparql
from kzlinks.sparql.engines import Engine
from kzlinks.sparql.results import Term

ORIGIN = "entity lookup"
FUZZY = 0.8  # similarity (0..1) a misspelt name needs: "Astna" finds Astana, "Tallin" Tallinn
MAX_LISTED = 10


def name_key(text: str) -> str:
    """Case, accents and punctuation removed, spaces collapsed: "Constanța" and "constanta" are one key."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c if c.isalnum() else " " for c in folded if not unicodedata.combining(c))
    return " ".join(kept.split())


@dataclass(frozen=True)
class Match:
    """An entity a text matched: its IRI, id, label, classes (labels) and the articles that mention it."""

    iri: str
    id: str
    label: str
    classes: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()
    matched: str = ""  # the name that matched (a label or an alternative label)


class Lookup:
    """The names of every entity of a store, read once per lookup object."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _select(self, body: str) -> list[dict[str, str]]:
        results = self.engine.run(sparql_prefixes() + body, {}, ORIGIN)
        return [{k: t.value for k, t in row.items()} for row in results.rows]

    @cached_property
    def names(self) -> dict[str, set[tuple[str, str]]]:
        """name key -> {(entity IRI, name as written)}, over ids, labels and alternative labels."""
        names: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for row in self._select(
            "SELECT DISTINCT ?e ?l WHERE { { ?e rdfs:label ?l } UNION { ?e skos:altLabel ?l } "
            "FILTER(STRSTARTS(STR(?e), STR(id:))) }"
        ):
            names[name_key(row["l"])].add((row["e"], row["l"]))
            entity_id = row["e"][len(str(ID)) :]
            names[name_key(entity_id)].add((row["e"], entity_id))
        return dict(names)

    @cached_property
    def labels(self) -> dict[str, str]:
        labels: dict[str, str] = {}
        for row in self._select("SELECT ?e ?l WHERE { ?e rdfs:label ?l FILTER(STRSTARTS(STR(?e), STR(id:))) }"):
            if row["e"] not in labels or row["l"] < labels[row["e"]]:
                labels[row["e"]] = row["l"]
        return labels

    def search(self, text: str) -> list[Match]:
        """Every entity the text names, best tier only: exact names first, else names that contain all its
        words, else names within a small typo of it. Sorted by label."""
        wanted = name_key(text)
        if not wanted:
            return []
        if text.startswith(str(ID)):
            wanted = name_key(text[len(str(ID)) :])
        for tier in (self._exact, self._containing, self._close_whole, self._close_words):
            found = tier(wanted)
            if found:
                return self.describe(found)
        return []

    def resolve(self, text: str) -> str:
        """The one entity IRI the text names.

        Raises:
            QueryError: several entities match (they are listed), or none does (the nearest ids are named).
        """
        text = text.strip()
        if text.startswith(("http://", "https://")) and not text.startswith(str(ID)):
            return text  # an IRI outside the entities (an ontology term, a graph) is taken as given
        if ID_PATTERN.match(text) and self._exists(str(ID) + text):
            return str(ID) + text  # an id in use: no need to read every name of a large store
        found = self.search(text)
        if len(found) == 1:
            return found[0].iri
        if found:
            listed = "; ".join(f"{m.id} ({m.label}{', ' + m.classes[0] if m.classes else ''})" for m in found)
            more = f" … and {len(found) - MAX_LISTED} more" if len(found) > MAX_LISTED else ""
            raise QueryError(f"'{text}' names {len(found)} entities: {listed}{more}; give one id")
        raise QueryError(f"no entity '{text}' in the graph{self.nearest_hint(text)}")

    def _exists(self, iri: str) -> bool:
        node = term_to_sparql(Term("uri", iri))
        return bool(self.engine.run(f"ASK {{ {node} ?p ?o }}", {}, ORIGIN).boolean)

    def nearest_hint(self, text: str) -> str:
        """' (nearest: id, id)': the ids whose names share the most, and the most alike, words with the text."""
        wanted = [w for w in name_key(text).split() if len(w) > 2] or name_key(text).split()
        scored: dict[str, float] = {}
        for key, entries in self.names.items():
            words = key.split() or [key]
            score = sum(max(_similar(w, k) for k in words) for w in wanted) / max(1, len(wanted))
            for iri, _ in entries:
                scored[iri] = max(scored.get(iri, 0.0), score)
        best = sorted((iri for iri, score in scored.items() if score >= 0.6), key=lambda i: (-scored[i], i))[:5]
        ids = [iri[len(str(ID)) :] for iri in best]
        return f" (nearest: {', '.join(ids)})" if ids else " (`kg find TEXT` searches labels)"

    def _exact(self, wanted: str) -> set[str]:
        return {iri for iri, _ in self.names.get(wanted, ())}

    def _containing(self, wanted: str) -> set[str]:
        """Names that have every word of the text among theirs ("tokayev" finds "Kassym-Jomart Tokayev")."""
        words = wanted.split()
        return {
            iri for key, entries in self.names.items() if all(w in key.split() for w in words) for iri, _ in entries
        }

    def _close_whole(self, wanted: str) -> set[str]:
        """Names within a small typo of the whole text ("Astna" finds Astana)."""
        return {iri for key, entries in self.names.items() if _similar(wanted, key) >= FUZZY for iri, _ in entries}

    def _close_words(self, wanted: str) -> set[str]:
        """Names that have, for every word of the text, a word within a small typo of it."""
        words = wanted.split()
        return {
            iri
            for key, entries in self.names.items()
            if all(any(_similar(w, k) >= FUZZY for k in key.split()) for w in words)
            for iri, _ in entries
        }

    def describe(self, iris: set[str]) -> list[Match]:
        """Matches with their classes (most specific, as labels) and the articles that mention them."""
        if not iris:
            return []
        values = " ".join(term_to_sparql(Term("uri", iri)) for iri in sorted(iris))
        classes: dict[str, set[str]] = defaultdict(set)
        class_labels: dict[str, str] = {}
        for row in self._select(
            f"SELECT DISTINCT ?e ?t ?tl WHERE {{ VALUES ?e {{ {values} }} ?e a ?t "
            "OPTIONAL { ?t rdfs:label ?tl } FILTER NOT EXISTS { ?e a ?u . ?u rdfs:subClassOf+ ?t FILTER(?u != ?t) } }"
        ):
            if row["t"].startswith(str(KG)):
                classes[row["e"]].add(row["t"])
                class_labels[row["t"]] = row.get("tl") or local_name(row["t"])
        articles: dict[str, set[str]] = defaultdict(set)
        for row in self._select(
            f"SELECT DISTINCT ?e ?name WHERE {{ VALUES ?e {{ {values} }} GRAPH ?g {{ ?e a ?t }} "
            "?g prov:wasDerivedFrom ?src . ?src dcterms:identifier ?name }"
        ):
            articles[row["e"]].add(row["name"])
        matches = [
            Match(
                iri,
                iri[len(str(ID)) :] if iri.startswith(str(ID)) else local_name(iri),
                self.labels.get(iri, local_name(iri)),
                tuple(sorted(class_labels[c] for c in classes.get(iri, ()))),
                tuple(sorted(articles.get(iri, ()))),
            )
            for iri in iris
        ]
        return sorted(matches, key=lambda m: (m.label.casefold(), m.id))


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


__all__ = ["Lookup", "Match", "name_key"]
