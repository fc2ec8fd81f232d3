"""The entities the graph already knows, by every name it has for them, for matching in a new article.

Names are each entity's `rdfs:label` and `skos:altLabel`s, read from the built store; matching is on
folded text (case, accents, dash and apostrophe styles ignored), longest name first, at word boundaries,
so `Kassym-Jomart Tokayev` wins over `Tokayev` and `Georgia` never matches inside `Georgian`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph
from rdflib import URIRef

from kzlinks.curation.text import Folded, fold
from kzlinks.facts.vocabulary import load_index
from kzlinks.namespaces import ID, KG, REFERENCE_GRAPH, local_name

__all__ = ["KnownEntity", "Lexicon", "Match"]

_QUERY = f"""
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?entity ?name ?kind ?class ?graph WHERE {{
  GRAPH ?graph {{
    {{ ?entity rdfs:label ?name BIND("label" AS ?kind) }}
    UNION {{ ?entity skos:altLabel ?name BIND("alt" AS ?kind) }}
    UNION {{ ?entity a ?class }}
  }}
  FILTER(STRSTARTS(STR(?entity), "{ID}"))
}}
"""
# Names too short or too common to mean an entity on their own.
_MIN_NAME = 2


@dataclass
class KnownEntity:
    """An entity of the built graph: its id, classes (local names), canonical label and other names.

    `reference_only` is true when only the reference data declares it, so a draft that names it must
    declare its type and label itself.
    """

    id: str
    label: str = ""
    classes: set[str] = field(default_factory=set)
    alts: set[str] = field(default_factory=set)
    reference_only: bool = True

    @property
    def names(self) -> set[str]:
        return ({self.label} if self.label else set()) | self.alts


@dataclass(frozen=True)
class Match:
    """A known entity named in a text: the entity, the words as written and their span in that text."""

    entity: KnownEntity
    text: str
    start: int
    end: int


class Lexicon:
    """Known entities by folded name; `find(text)` lists the known entities a text names."""

    def __init__(self, entities: Iterable[KnownEntity], descriptive: frozenset[str] = frozenset()) -> None:
        """`descriptive`: classes whose lower-case names are descriptions, not names (an event called
        `negotiations` or `expanded-format meeting` in one article is not every negotiation of the next)."""
        self.entities = {e.id: e for e in entities}
        by_name: dict[str, KnownEntity] = {}
        for entity in sorted(self.entities.values(), key=lambda e: e.id):
            for name in entity.names:
                if entity.classes & descriptive and name == name.lower():
                    continue
                key = fold(name).strip()
                if len(key) >= _MIN_NAME and (key not in by_name or name == entity.label):
                    by_name[key] = entity
        self.by_name = by_name
        alternatives = "|".join(re.escape(n) for n in sorted(by_name, key=len, reverse=True))
        self._pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w|'\w\w)") if by_name else None

    @classmethod
    def from_store(cls, store: pyoxigraph.Store) -> Lexicon:
        """Every entity with a label in the store, with its classes and alternative labels."""
        entities: dict[str, KnownEntity] = {}
        rows = store.query(_QUERY, use_default_graph_as_union=False)
        assert isinstance(rows, pyoxigraph.QuerySolutions)
        for row in rows:
            entity_id = local_name(row["entity"].value)
            entity = entities.setdefault(entity_id, KnownEntity(entity_id))
            graph = row["graph"].value
            if graph != str(REFERENCE_GRAPH):
                entity.reference_only = False
            if row["class"] is not None:
                if row["class"].value.startswith(str(KG)):
                    entity.classes.add(local_name(row["class"].value))
            elif row["kind"].value == "label":
                if not entity.label or graph != str(REFERENCE_GRAPH):
                    entity.label = row["name"].value
            else:
                entity.alts.add(row["name"].value)
        index = load_index()
        descriptive = {
            local_name(c) for root in (KG.Event, KG.Document) for c in index.subclasses_of(URIRef(str(root)))
        }
        return cls((e for e in entities.values() if e.label), frozenset(descriptive))

    def find(self, text: str) -> Iterator[Match]:
        """The known entities named in `text`, left to right, longest name first where names overlap."""
        if self._pattern is None:
            return
        folded = Folded.of(text)
        for hit in self._pattern.finditer(folded.text):
            start, end = folded.span(hit.start(), hit.end())
            entity = self.by_name[hit.group()]
            if _inside_compound(text, start, end) or _common_noun_in_name(entity, text, start):
                continue
            yield Match(entity, text[start:end], start, end)

    def lookup(self, name: str) -> KnownEntity | None:
        """The known entity with this exact name, case and accents ignored."""
        return self.by_name.get(fold(name).strip())


def _inside_compound(text: str, start: int, end: int) -> bool:
    """True for a name inside a lower-case hyphenated word (`people` in `people-to-people`), not for one
    joined to another name (`Kazakhstan` in `Kazakhstan-EU`)."""
    before = text[start - 2 : start] if start >= 2 else ""
    after = text[end : end + 2]
    return (len(before) == 2 and before[1] == "-" and before[0].islower()) or (
        len(after) == 2 and after[0] == "-" and after[1].islower()
    )


def _common_noun_in_name(entity: KnownEntity, text: str, start: int) -> bool:
    """A lower-case concept (`transport`) written with a capital inside a sentence is part of a name
    (`Budapest Transport Forum`), not a mention of the concept."""
    return entity.label[:1].islower() and text[start].isupper() and start > 0 and text[:start].strip() != ""
