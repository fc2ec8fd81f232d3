"""A draft fact file for a new article: the entities it names, its figures, a statement per linking sentence.

The draft is a starting point for a curator, never a finished fact file: known entities are matched to the
graph's own labels, new names get a suggested class, and each sentence that names two or more things (or
one thing and a date or sum) becomes a statement skeleton quoting the sentence, with the properties the
ontology allows between those things listed for the curator to choose. Nothing is fetched from anywhere.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import OWL, RDFS

from kzlinks.curation.figures import Figure, read_figures
from kzlinks.curation.lexicon import Lexicon
from kzlinks.curation.names import Candidate, find_candidates, is_headline
from kzlinks.curation.text import Sentence, fold, sentences
from kzlinks.errors import KGError
from kzlinks.facts.vocabulary import OntologyIndex, load_index
from kzlinks.namespaces import KG, SCHEMA

__all__ = ["Draft", "DraftEntity", "Mention", "Skeleton", "draft_article", "draft_text"]

# The order in which a link between two things is suggested, among the properties the ontology allows.
PREFERRED_LINKS = (
    "sector",
    "participant",
    "visitor",
    "host",
    "destination",
    "signatory",
    "party",
    "place",
    "author",
    "adoptedBy",
    "presentedAt",
    "produced",
    "officeIn",
    "holder",
    "memberOf",
    "locatedIn",
    "partOf",
    "partner",
    "about",
)
FIGURE_LINKS = {
    "date": ("signedOn", "adoptedOn", "startDate", "date"),
    "money": ("amount",),
    "percent": ("percentage",),
    "quantity": ("quantity",),
}
# Which entity a statement is about, when a sentence names several: the most specific kind first.
SUBJECT_ORDER = ("Event", "Document", "Initiative", "Relationship", "Figure", "Tenure", "Office", "Person")
_UNIVERSAL = {OWL.Thing, SCHEMA.Thing, RDFS.Resource}


@dataclass(frozen=True)
class Mention:
    """Where the article names an entity: sentence number, offsets in that sentence, the words used."""

    sentence: int
    start: int
    end: int
    text: str


@dataclass
class DraftEntity:
    """An entity of the draft: a known one (id from the graph) or a new candidate with a suggested class."""

    id: str
    label: str
    classes: list[str]
    known: bool
    rule: str
    mentions: list[Mention] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    alts: list[str] = field(default_factory=list)
    declare_type: bool = False
    names: set[str] = field(default_factory=set)
    head: str = ""

    def add(self, sentence: Sentence, start: int, end: int) -> None:
        self.mentions.append(Mention(sentence.number, start, end, sentence.text[start:end]))
        if sentence.text not in self.quotes:
            self.quotes.append(sentence.text)


@dataclass(frozen=True)
class Skeleton:
    """A statement to write for one sentence: its subject, the other things it names, its figures, and
    for each the properties the ontology allows (best first)."""

    sentence: Sentence
    subject: str
    others: list[tuple[str, list[str]]]
    figures: list[tuple[Figure, list[str]]]


@dataclass
class Draft:
    source: str
    entities: list[DraftEntity]
    figures: list[tuple[int, Figure]]
    skeletons: list[Skeleton]
    sentences: list[Sentence]

    def entity(self, entity_id: str) -> DraftEntity:
        return next(e for e in self.entities if e.id == entity_id)


def draft_article(path: Path, lexicon: Lexicon, index: OntologyIndex | None = None) -> Draft:
    """Draft the fact file of the article at `path` (UTF-8 text) against the known entities `lexicon`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KGError(f"cannot read the article: {exc}", file=path) from None
    if not text.strip():
        raise KGError("the article is empty", file=path)
    return draft_text(text, path.name, lexicon, index)


def draft_text(text: str, source: str, lexicon: Lexicon, index: OntologyIndex | None = None) -> Draft:
    """Draft a fact file for an article given as text; `source` is its file name."""
    index = index or load_index()
    parts = sentences(text)
    entities: dict[str, DraftEntity] = {}
    pending: list[tuple[Sentence, Candidate]] = []
    figures: list[tuple[int, Figure]] = []
    for sentence in parts:
        known = list(lexicon.find(sentence.text))
        for match in known:
            entity = entities.get(match.entity.id)
            if entity is None:
                entity = entities[match.entity.id] = DraftEntity(
                    match.entity.id,
                    match.entity.label,
                    sorted(match.entity.classes),
                    True,
                    "known",
                    declare_type=match.entity.reference_only,
                    names=match.entity.names,
                )
            entity.add(sentence, match.start, match.end)
        figures += [(sentence.number, f) for f in read_figures(sentence.text)]
        if not is_headline(sentence.text):
            spans = [(m.start, m.end) for m in known]
            pending += [
                (sentence, _beside_known(c, sentence.text, known)) for c in find_candidates(sentence.text, spans)
            ]
    _add_candidates(entities, pending, text, lexicon)
    ordered = sorted(entities.values(), key=lambda e: (e.mentions[0].sentence, e.mentions[0].start))
    skeletons = _skeletons(parts, ordered, figures, index)
    return Draft(source, ordered, figures, skeletons, parts)


_LISTABLE = ("State", "City", "Port", "Region")


def _beside_known(candidate: Candidate, text: str, known: list) -> Candidate:
    """A bare capitalised word listed with a known state or city (`Kazakhstan and Hungary`, `Nanjing,
    Xi'an`) is taken to be of the same class."""
    if candidate.suggested_class or " " in candidate.text or candidate.text.lower().endswith(("ians", "ans", "ese")):
        return candidate
    for match in known:
        classes = [c for c in _LISTABLE if c in match.entity.classes]
        if not classes:
            continue
        between = (
            text[match.end : candidate.start] if match.end <= candidate.start else text[candidate.end : match.start]
        )
        if re.fullmatch(r"\s*(?:,|,?\s+and|,?\s+or)\s*", between):
            return Candidate(candidate.text, classes[0], candidate.start, candidate.end, f"listed with {match.text}")
    return candidate


def _add_candidates(
    entities: dict[str, DraftEntity], pending: list[tuple[Sentence, Candidate]], text: str, lexicon: Lexicon
) -> None:
    """Group new names by their folded text, keep people with some evidence, join surnames to people."""
    groups: dict[str, list[tuple[Sentence, Candidate]]] = {}
    for sentence, candidate in pending:
        groups.setdefault(fold(_strip_article(candidate.text)), []).append((sentence, candidate))
    people = {
        key: group
        for key, group in groups.items()
        if group[0][1].suggested_class == "Person" and _is_person(group, text, groups)
    }
    surnames = {key.split()[-1]: key for key in people if len(key.split()) > 1}
    taken = set(lexicon.entities) | set(entities)
    for key, group in groups.items():
        cls = Counter(c.suggested_class for _, c in group).most_common(1)[0][0]
        if key in surnames and surnames[key] != key:
            continue  # joined to the person below
        if cls == "Person" and key not in people:
            continue
        if not cls:
            continue
        label = _strip_article(Counter(c.text for _, c in group).most_common(1)[0][0])
        entity = DraftEntity(_new_id(label, taken), label, [cls], False, group[0][1].rule, head=group[0][1].head)
        taken.add(entity.id)
        for sentence, candidate in group:
            start = candidate.start + (len(candidate.text) - len(_strip_article(candidate.text)))
            entity.add(sentence, start, candidate.end)
        if key in people and key.split()[-1] in groups and len(key.split()) > 1:
            for sentence, candidate in groups[key.split()[-1]]:
                entity.add(sentence, candidate.start, candidate.end)
                if candidate.text not in entity.alts:
                    entity.alts.append(candidate.text)
        entities[entity.id] = entity


def _is_person(group: list[tuple[Sentence, Candidate]], text: str, groups: dict) -> bool:
    """Two capitalised words are a person when a title precedes them, they stand in apposition
    (`..., Charles Michel,`), or the surname recurs on its own."""
    key = fold(group[0][1].text)
    for sentence, candidate in group:
        if candidate.rule in ("title and name", "name before a verb or preposition"):
            return True
        before, after = sentence.text[: candidate.start].rstrip(), sentence.text[candidate.end :]
        if before.endswith(",") and (after.lstrip()[:1] in (",", ".", ")", "(") or after.startswith(" and ")):
            return True
    surname = key.split()[-1]
    return len(key.split()) > 1 and surname in groups


def _strip_article(text: str) -> str:
    return re.sub(r"^(?:the|The)\s+", "", text)


def _new_id(label: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", fold(label)).strip("-") or "entity"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def _skeletons(
    parts: list[Sentence], entities: list[DraftEntity], figures: list[tuple[int, Figure]], index: OntologyIndex
) -> list[Skeleton]:
    by_sentence: dict[int, list[DraftEntity]] = {}
    for entity in entities:
        for number in dict.fromkeys(m.sentence for m in entity.mentions):
            by_sentence.setdefault(number, []).append(entity)
    figures_by_sentence: dict[int, list[Figure]] = {}
    for number, figure in figures:
        figures_by_sentence.setdefault(number, []).append(figure)
    skeletons = []
    for sentence in parts:
        named = sorted(
            by_sentence.get(sentence.number, []),
            key=lambda e: min(m.start for m in e.mentions if m.sentence == sentence.number),
        )
        found = figures_by_sentence.get(sentence.number, [])
        if not named or len(named) + len(found) < 2:
            continue
        subject = min(named, key=lambda e: _subject_rank(e, index))
        others = [(e.id, _links(subject, e, index)) for e in named if e is not subject]
        skeletons.append(Skeleton(sentence, subject.id, others, [(f, _figure_links(subject, f, index)) for f in found]))
    return skeletons


def _classes(entity: DraftEntity, index: OntologyIndex) -> set[URIRef]:
    found: set[URIRef] = set()
    for name in entity.classes:
        if name in index.classes:
            found |= index.superclasses_of(index.classes[name])
    return found | _UNIVERSAL


def _subject_rank(entity: DraftEntity, index: OntologyIndex) -> int:
    classes = _classes(entity, index)
    for rank, name in enumerate(SUBJECT_ORDER):
        if KG[name] in classes:
            return rank
    return len(SUBJECT_ORDER)


def _allowed(prop: str, subject: set[URIRef], target: set[URIRef] | None, index: OntologyIndex) -> bool:
    info = index.properties.get(prop)
    if info is None:
        return False
    domains = set(index.graph.objects(info.iri, RDFS.domain)) or {OWL.Thing}
    if not domains & subject:
        return False
    return target is None or info.range in target or info.range in _UNIVERSAL


def _links(subject: DraftEntity, other: DraftEntity, index: OntologyIndex) -> list[str]:
    """The properties the ontology allows from the subject to the other entity, best first."""
    source, target = _classes(subject, index), _classes(other, index)
    return [p for p in PREFERRED_LINKS if _allowed(p, source, target, index)]


def _figure_links(subject: DraftEntity, figure: Figure, index: OntologyIndex) -> list[str]:
    source = _classes(subject, index)
    return [p for p in FIGURE_LINKS[figure.kind] if _allowed(p, source, None, index)]
