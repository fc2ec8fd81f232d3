"""The modelling check: likely duplicates, facts left in prose, entities nothing uses.

The build can prove a quote is verbatim, but not that two ids name two things, nor that a statement says
something a query can reach. This check looks at the checked fact files (their summaries, so it costs a
few milliseconds and runs on every build, from the cache) and reports, as warnings naming file and line:

- **duplicate**: two entities of the same or a related kind (agents, places, documents, undertakings:
  events, initiatives and relationships, figures, sectors, ...) whose labels mostly share their rare
  words, or two events with the same participants at the same place or time. A pair is not flagged when
  the fact files already link the two: as the same thing (`sameAs`), a stage or a part of one another
  (`stageOf`, `partOf`, also through a chain of them), by `broader` (sectors), or by any other statement
  of one about the other (`followedBy`, `about`, ...), which shows the curator knows they are two.
- **description-only**: a statement whose only substance is a `description`: a fact no query can ask for.
- **unused**: an entity that no statement has as subject or value.

`kg build` prints the findings on stderr and still succeeds; `kg stats` counts them per article.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from kzlinks.facts.identity import SAME_AS
from kzlinks.facts.reader import EntityInfo, FileSummary, fold
from kzlinks.namespaces import KG

DESCRIPTION = "description"
HIERARCHY = {SAME_AS, "stageOf", "partOf", "broader", "legOf", "memberOf"}  # followed through chains
EVENT_DATES = ("date", "startDate")
TOPIC = "purpose"  # an undertaking's purpose, in the source's words, adds to its label's words

# Kinds of thing: two entities are comparable when they fall in the same kind. Undertakings (events,
# initiatives, relationships) are one kind because one process is often named as each in turn (a hope
# for simpler visas, consultations, negotiations).
KINDS = [
    ("sector", KG.Sector),
    ("office", KG.Office),
    ("tenure", KG.Tenure),
    ("figure", KG.Figure),
    ("agent", KG.Agent),
    ("leg", KG.Leg),
    ("route", KG.Route),
    ("place", KG.Place),
    ("document", KG.Document),
    ("undertaking", KG.Event),
    ("undertaking", KG.Initiative),
    ("undertaking", KG.Relationship),
]

NAMED = {KG.State, KG.InternationalOrganisation, KG.Region, KG.City, KG.Person}

# Words that say what kind of thing a label names, or whom it concerns, rather than which thing it is.
STOPWORDS = set(
    """a an the of and or in on at to for with by from between within its their his her as into across
    cooperation collaboration meeting meetings forum talks visit visits negotiations consultations
    agreement agreements relations relationship initiative project projects sector sectors first ii""".split()
)
# How alike two labels must be (weighted Jaccard of their words) per kind; proper names (agents, places)
# must nearly match, sectors need only share their main word (transport / transport and logistics),
# legs are told apart by their ends, not their labels.
THRESHOLDS = {"agent": 0.8, "place": 0.8, "office": 0.8, "tenure": 0.8, "leg": 2.0, "route": 0.25}
SIMILAR = 0.5
CONTAINED = {"undertaking", "sector", "document"}  # kinds where a label inside another counts (0.8)
OVERLAP = 0.45  # undertakings sharing 3+ words: the shared weight over the smaller label's suffices


@dataclass(frozen=True)
class Finding:
    """One warning: where it is, what it is about, and why."""

    kind: str  # "duplicate", "description-only" or "unused"
    file: Path
    line: int
    item: str
    message: str
    files: tuple[Path, ...] = ()  # every file the finding involves (both ends of a duplicate)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.item}: {self.message}"


@dataclass
class _Entity:
    id: str
    kind: str | None
    label: str
    where: tuple[Path, int]
    words: frozenset[str] = frozenset()
    participants: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)
    dates: set[str] = field(default_factory=set)
    is_event: bool = False
    proper_name: bool = False  # a state, organisation, region, city or person: its words name parties, not topics
    producers: set[str] = field(default_factory=set)  # events that produced it
    canonical: str | None = None  # the id it is an alias of (sameAs), if any; a canonical id is its own


SUFFIXES = ("ification", "ifying", "isation", "ization", "ation", "sses", "ical", "ics", "ing", "er", "ic", "al", "y", "s")


def stem(word: str) -> str:
    """A crude stem, enough to match digital/digitalisation, politics/political, simpler/simplifying."""
    for _ in range(2):
        for suffix in SUFFIXES:
            if len(word) > len(suffix) + 3 and word.endswith(suffix) and not word.endswith("ss"):
                word = word[: -len(suffix)] + ("ss" if suffix == "sses" else "")
                break
    return word


def label_words(label: str) -> frozenset[str]:
    words = re.split(r"[^0-9a-z]+", fold(label))
    return frozenset(stem(w) for w in words if w and w not in STOPWORDS and not w.isdigit())


def _kind(info: EntityInfo) -> str | None:
    for name, cls in KINDS:
        if cls in info.superclasses:
            return name
    return None


def check_facts(summaries: Iterable[FileSummary], entities: dict[str, EntityInfo]) -> list[Finding]:
    """Every finding, sorted by file and line."""
    summaries = list(summaries)
    nodes = {
        i: _Entity(i, _kind(info), info.label or i, info.where, label_words(info.label or i))
        for i, info in entities.items()
    }
    for node in nodes.values():
        node.is_event = KG.Event in entities[node.id].superclasses
        node.canonical = entities[node.id].same_as or node.id
        node.proper_name = bool(NAMED & entities[node.id].superclasses)
    links, hierarchy, used = _links(summaries, nodes)
    findings = _description_only(summaries)
    findings += _unused(nodes, used)
    findings += _duplicates(nodes, links, hierarchy)
    return sorted(findings, key=lambda f: (str(f.file), f.line, f.item))


def _links(summaries: list[FileSummary], nodes: dict[str, _Entity]):
    """Direct links (any statement of one entity about the other), the hierarchy links to follow through
    chains, the ids any statement uses, and each event's participants, places and dates."""
    links: set[frozenset[str]] = set()
    hierarchy: dict[str, set[str]] = defaultdict(set)
    used: set[str] = set()
    for summary in summaries:
        for subject, _, refs in summary.statements:
            used.add(subject)
            for name, _, value, _ in refs:
                used.add(value)
                links.add(frozenset((subject, value)))
                if name in HIERARCHY:
                    hierarchy[subject].add(value)
                if name == "produced" and value in nodes:
                    nodes[value].producers.add(subject)
                node = nodes.get(subject)
                if node is not None and node.is_event:
                    if name == "participant":
                        node.participants.add(value)
                    elif name == "place":
                        node.places.add(value)
        for subject, _, name, lexical in summary.literals:
            node = nodes.get(subject)
            if node is not None and node.is_event and name in EVENT_DATES:
                node.dates.add(lexical)
            if node is not None and node.kind == "undertaking" and name == TOPIC:
                node.words = node.words | label_words(lexical)
    return links, hierarchy, used


def _ancestors(entity_id: str, hierarchy: dict[str, set[str]], memo: dict[str, set[str]]) -> set[str]:
    if entity_id not in memo:
        memo[entity_id] = set()  # cycle guard
        found: set[str] = set()
        for parent in hierarchy.get(entity_id, ()):
            found |= {parent} | _ancestors(parent, hierarchy, memo)
        memo[entity_id] = found
    return memo[entity_id]


def _duplicates(nodes: dict[str, _Entity], links: set[frozenset[str]], hierarchy: dict[str, set[str]]) -> list[Finding]:
    weights = _word_weights(nodes.values())
    topics = {w for n in nodes.values() if n.kind == "sector" for w in n.words}  # a sector's word is a topic
    names = frozenset(w for n in nodes.values() if n.proper_name for w in n.words) - topics
    by_kind: dict[str, list[_Entity]] = defaultdict(list)
    for node in nodes.values():
        if node.kind is not None:
            by_kind[node.kind].append(node)
    memo: dict[str, set[str]] = {}
    findings = []
    for group in by_kind.values():
        for a, b in _candidate_pairs(group):
            why = _similar(a, b, weights, names) or _same_event(a, b) or _same_producer(a, b)
            if not why or frozenset((a.id, b.id)) in links:
                continue
            up_a, up_b = _ancestors(a.id, hierarchy, memo), _ancestors(b.id, hierarchy, memo)
            if b.id in up_a or a.id in up_b or (a.canonical is not None and a.canonical == b.canonical):
                continue
            first, second = sorted((a, b), key=lambda n: (str(n.where[0]), n.where[1]))
            findings.append(
                Finding(
                    "duplicate",
                    second.where[0],
                    second.where[1],
                    second.id,
                    f"may be the same thing as '{first.id}' ({first.where[0].name}:{first.where[1]}): {why}; "
                    "merge the ids, or link them (sameAs, stageOf, partOf, broader)",
                    (first.where[0], second.where[0]),
                )
            )
    return findings


def _candidate_pairs(group: list[_Entity]) -> Iterable[tuple[_Entity, _Entity]]:
    """Pairs that share a label word, or events that share a participant: a word index keeps this near
    linear in the number of entities instead of comparing every pair."""
    buckets: dict[str, list[_Entity]] = defaultdict(list)
    for node in group:
        for word in node.words:
            buckets["w:" + word].append(node)
        if node.is_event and (node.places or node.dates):
            for participant in node.participants:
                buckets["p:" + participant].append(node)
        for producer in node.producers:
            buckets["e:" + producer].append(node)
    seen: set[tuple[str, str]] = set()
    for members in buckets.values():
        if len(members) > 200:  # a word every other label has says nothing
            continue
        for a, b in combinations(members, 2):
            key = (a.id, b.id) if a.id < b.id else (b.id, a.id)
            if key not in seen:
                seen.add(key)
                yield a, b


def _word_weights(nodes: Iterable[_Entity]) -> dict[str, float]:
    """Rare words weigh more (inverse document frequency over all labels)."""
    nodes = list(nodes)
    frequency = Counter(word for node in nodes for word in node.words)
    total = max(len(nodes), 1)
    return {word: math.log(1 + total / n) for word, n in frequency.items()}


def _similar(a: _Entity, b: _Entity, weights: dict[str, float], names: frozenset[str]) -> str:
    if not a.words or not b.words:
        return ""
    shared = a.words & b.words
    if not shared:
        return ""
    score = sum(weights[w] for w in shared) / sum(weights[w] for w in a.words | b.words)
    smaller = min(sum(weights[w] for w in a.words), sum(weights[w] for w in b.words))
    if a.kind in CONTAINED and (a.words <= b.words or b.words <= a.words) and (shared - names):
        score = max(score, 0.8)
    if a.kind == "undertaking" and len(shared - names) >= 3 and sum(weights[w] for w in shared) / smaller >= OVERLAP:
        score = max(score, SIMILAR)
    if score < THRESHOLDS.get(a.kind or "", SIMILAR):
        return ""
    return f"similar labels ('{a.label}' / '{b.label}')"


def _same_event(a: _Entity, b: _Entity) -> str:
    if not (a.is_event and b.is_event and a.participants and a.participants == b.participants):
        return ""
    same_time = bool(a.dates & b.dates)
    same_place = bool(a.places & b.places)
    if not (same_time or same_place):
        return ""
    where = "the same time" if same_time else "the same place"
    return f"events with the same participants ({', '.join(sorted(a.participants))}) at {where}"


def _same_producer(a: _Entity, b: _Entity) -> str:
    if a.kind != "document" or b.kind != "document":
        return ""
    shared = a.producers & b.producers
    return f"documents produced by the same event ({', '.join(sorted(shared))})" if shared else ""


def _description_only(summaries: list[FileSummary]) -> list[Finding]:
    findings = []
    for summary in summaries:
        props: dict[int, set[str]] = defaultdict(set)
        for subject, line, refs in summary.statements:
            props[line] |= {name for name, _, _, _ in refs}
        subjects = {line: subject for subject, line, _ in summary.statements}
        for _, line, name, _ in summary.literals:
            props[line].add(name)
        for line, names in props.items():
            if names == {DESCRIPTION}:
                findings.append(
                    Finding(
                        "description-only",
                        summary.path,
                        line,
                        subjects.get(line, "?"),
                        "the statement's only substance is a description: state the fact with a property "
                        "(add an ontology term where none fits), or drop it",
                        (summary.path,),
                    )
                )
    return findings


def _unused(nodes: dict[str, _Entity], used: set[str]) -> list[Finding]:
    return [
        Finding(
            "unused",
            node.where[0],
            node.where[1],
            node.id,
            "no statement uses this entity (as subject or value)",
            (node.where[0],),
        )
        for node in nodes.values()
        if node.id not in used
    ]


def summary_line(findings: list[Finding]) -> str:
    counts = Counter(f.kind for f in findings)
    return ", ".join(f"{counts[k]} {k}" for k in ("duplicate", "description-only", "unused"))


__all__ = ["Finding", "check_facts", "label_words", "summary_line"]
