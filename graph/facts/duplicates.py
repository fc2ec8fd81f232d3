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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from pathlib import Path

from kzlinks.facts.identity import SAME_AS
from kzlinks.facts.reader import EntityInfo, FileSummary, fold, read_fact_file, resolve, summarise
from kzlinks.facts.vocabulary import OntologyIndex
from kzlinks.namespaces import KG

DESCRIPTION = "description"
HIERARCHY = {SAME_AS, "stageOf", "partOf", "broader", "legOf", "memberOf"}  # followed through chains
EVENT_DATES = ("date", "startDate")
TOPIC = "purpose"  # an undertaking's aim, in the source's words: two with the same aim may be one
COMPARED_LITERALS = (*EVENT_DATES, "measures", TOPIC)  # the literal values cross-file findings read
ACTORS = ("party", "supportedBy")  # two things with different parties or backers are two things
SIBLINGS = ("kindOf", "stageOf")  # two instances of one kind, two stages of one process: two things

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

NAMED = {KG.State, KG.InternationalOrganisation, KG.Region, KG.City, KG.Person, KG.Route, KG.Leg}

# Words that say what kind of thing a label names, or whom it concerns, rather than which thing it is.
STOPWORDS = set(
    """a an the of and or in on at to for with by from between within its their his her as into across
    cooperation collaboration meeting meetings forum talks visit visits negotiations consultations
    agreement agreements relations relationship initiative project projects sector sectors first ii
    resolution report memorandum memorandums statement declaration un eu strategy strategic partnership
    january february march april may june july august september october november december""".split()
)
# How alike two labels must be (weighted Jaccard of their words) per kind; proper names (agents, places)
# must nearly match, sectors need only share their main word (transport / transport and logistics),
# legs are told apart by their ends, not their labels.
THRESHOLDS = {"agent": 0.8, "place": 0.8, "office": 0.8, "tenure": 0.8, "leg": 2.0, "route": 0.25}
SIMILAR = 0.5
CONTAINED = {"undertaking", "sector", "document"}  # kinds where a label inside another counts (0.8)
COMMON = 50  # a word, participant or producer shared by more entities of one kind opens no candidate pairs
OVERLAP = 0.45  # two aims sharing 3+ words: the shared weight over the smaller one's suffices


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
    canonical: str  # its own id, or the id it is an alias of (sameAs)
    words: frozenset[str] = frozenset()
    aim: frozenset[str] = frozenset()  # words of its purpose
    is_event: bool = False
    named: frozenset[str] = frozenset()  # the classes that make its label a proper name (NAMED)
    facets: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # participant, place, ...


SUFFIXES = (
    "ification",
    "ifying",
    "isation",
    "ization",
    "ation",
    "sses",
    "ical",
    "ics",
    "ing",
    "er",
    "ic",
    "al",
    "y",
    "s",
)


@lru_cache(maxsize=65536)
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


def check_facts(summaries: Iterable[FileSummary], entities: Mapping[str, EntityInfo]) -> list[Finding]:
    """Every finding, sorted by file and line."""
    summaries = list(summaries)
    return sort_findings(_description_only(summaries) + cross_file_findings(summaries, entities))


def file_findings(summary: FileSummary) -> list[Finding]:
    """The findings one file gives on its own (description-only statements): an incremental build keeps
    them per file (kzlinks.dataset.buildmemo)."""
    return _description_only([summary])


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """By file, line and item; a stable sort, so findings at one place keep the order they were found in."""
    return sorted(findings, key=lambda f: (str(f.file), f.line, f.item))


def cross_file_findings(summaries: list[FileSummary], entities: Mapping[str, EntityInfo]) -> list[Finding]:
    """The findings that compare entities across files (unused entities, likely duplicates), unsorted."""
    nodes = {
        i: _Entity(
            i,
            _kind(info),
            info.label or i,
            info.where,
            info.same_as or i,
            label_words(info.label or i),
            is_event=KG.Event in info.superclasses,
            named=frozenset(str(c) for c in NAMED & info.superclasses),
        )
        for i, info in entities.items()
    }
    graph = _Links()
    for summary in summaries:
        graph.add(summary, nodes)
    return _unused(nodes, graph.used) + _duplicates(nodes, graph)


class _Links:
    """What the statements say between entities, on canonical ids: direct links (any statement of one
    entity about the other), the hierarchy to follow through chains, the ids any statement uses, and the
    facets (participants, places, dates, parties, producers, ...) that tell two things apart."""

    def __init__(self) -> None:
        self.direct: set[frozenset[str]] = set()
        self.up: dict[str, set[str]] = defaultdict(set)
        self.used: set[str] = set()
        self._ancestors: dict[str, set[str]] = {}

    def add(self, summary: FileSummary, nodes: dict[str, _Entity]) -> None:
        def canon(i: str) -> str:
            return nodes[i].canonical if i in nodes else i

        for subject, _, refs in summary.statements:
            self.used.add(subject)
            node = nodes.get(subject)
            for name, _, value, _ in refs:
                self.used.add(value)
                self.direct.add(frozenset((canon(subject), canon(value))))
                if name in HIERARCHY:
                    self.up[canon(subject)].add(canon(value))
                if name == "produced" and value in nodes:
                    nodes[value].facets["producer"].add(canon(subject))
                if node is not None:
                    node.facets[name].add(canon(value))
        for subject, _, name, lexical in summary.literals:
            node = nodes.get(subject)
            if node is None:
                continue
            if name in EVENT_DATES or name == "measures":
                node.facets[name].add(lexical)
            if name == TOPIC:
                node.aim = node.aim | label_words(lexical)

    def ancestors(self, entity_id: str) -> set[str]:
        if entity_id not in self._ancestors:
            self._ancestors[entity_id] = set()  # cycle guard
            found: set[str] = set()
            for parent in self.up.get(entity_id, ()):
                found |= {parent} | self.ancestors(parent)
            self._ancestors[entity_id] = found
        return self._ancestors[entity_id]

    def linked(self, a: _Entity, b: _Entity) -> bool:
        """Already the same thing, a stage or part one of the other (through chains), or related by any
        statement: the curator has told them apart or joined them."""
        x, y = a.canonical, b.canonical
        return x == y or frozenset((x, y)) in self.direct or x in self.ancestors(y) or y in self.ancestors(x)


def _duplicates(nodes: dict[str, _Entity], graph: _Links) -> list[Finding]:
    weights = _word_weights(nodes.values())
    topics = {w for n in nodes.values() if n.kind == "sector" for w in n.words}  # a sector's word is a topic
    names = {kind: _names(nodes.values(), kind) - topics for kind in {n.kind for n in nodes.values()}}
    by_kind: dict[str, list[_Entity]] = defaultdict(list)
    for node in nodes.values():
        if node.kind is not None:
            by_kind[node.kind].append(node)
    findings = []
    for kind, group in by_kind.items():
        for a, b in _candidate_pairs(group):
            why = _similar(a, b, weights, names[kind]) or _same_event(a, b) or _same_producer(a, b)
            if not why or _told_apart(a, b) or graph.linked(a, b):
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


def _names(nodes: Iterable[_Entity], kind: str | None) -> frozenset[str]:
    """Words of proper names (states, regions, cities, people, and routes except when routes are compared):
    they say whom a label concerns, not what the thing is."""
    route = str(KG.Route)
    return frozenset(
        w for n in nodes if n.named and (kind != "route" or n.named != frozenset({route})) for w in n.words
    )


def _told_apart(a: _Entity, b: _Entity) -> bool:
    """Facets both state and that differ (other parties or backers, another kind, another measure, or for
    events another date or place), or siblings the curator has set side by side: two instances of one
    kind, two stages of one process."""
    facets = [*ACTORS, "kindOf", "measures"] + (["date", "startDate", "place"] if a.is_event and b.is_event else [])
    for name in facets:
        x, y = a.facets.get(name), b.facets.get(name)
        if x and y and (x != y if name in ACTORS or name == "measures" else not x & y):
            return True
    return any(a.facets.get(name) and a.facets.get(name) == b.facets.get(name) for name in SIBLINGS)


def _candidate_pairs(group: list[_Entity]) -> Iterable[tuple[_Entity, _Entity]]:
    """Pairs that share a label or aim word, a participant (events) or a producer (documents): an index
    keeps this near linear in the number of entities instead of comparing every pair."""
    buckets: dict[str, list[_Entity]] = defaultdict(list)
    for node in group:
        for word in node.words | node.aim:
            buckets["w:" + word].append(node)
        for facet in ("participant", "producer"):
            for value in node.facets.get(facet, ()):
                buckets[facet + value].append(node)
    seen: set[tuple[str, str]] = set()
    for members in buckets.values():
        if len(members) > COMMON:  # a word many labels share weighs little: it alone makes no pair
            continue
        for a, b in combinations(members, 2):
            key = (a.id, b.id) if a.id < b.id else (b.id, a.id)
            if key not in seen:
                seen.add(key)
                yield a, b


def _word_weights(nodes: Iterable[_Entity]) -> dict[str, float]:
    """Rare words weigh more (inverse document frequency over all labels and aims)."""
    nodes = list(nodes)
    frequency = Counter(word for node in nodes for word in node.words | node.aim)
    total = max(len(nodes), 1)
    return {word: math.log(1 + total / n) for word, n in frequency.items()}


def _similar(a: _Entity, b: _Entity, weights: dict[str, float], names: frozenset[str]) -> str:
    """Labels that share their rare words (weighted Jaccard), one label inside the other, or two aims that
    share three or more words: a match needs a shared word that is not a proper name."""
    shared = a.words & b.words
    if shared - names:
        score = sum(weights[w] for w in shared) / sum(weights[w] for w in a.words | b.words)
        if a.kind in CONTAINED and (a.words <= b.words or b.words <= a.words):
            score = max(score, 0.8)
        if score >= THRESHOLDS.get(a.kind or "", SIMILAR):
            return f"similar labels ('{a.label}' / '{b.label}')"
    if a.aim and b.aim:
        aims = (a.words | a.aim) & (b.words | b.aim)
        smaller = min(sum(weights[w] for w in a.words | a.aim), sum(weights[w] for w in b.words | b.aim))
        if len(aims - names) >= 3 and sum(weights[w] for w in aims) / smaller >= OVERLAP:
            return f"the same aim ({', '.join(sorted(aims - names))})"
    return ""


def _same_event(a: _Entity, b: _Entity) -> str:
    participants = a.facets.get("participant")
    if not (a.is_event and b.is_event and participants and participants == b.facets.get("participant")):
        return ""
    if a.facets.get("date", set()) & b.facets.get("date", set()):
        where = "the same time"
    elif a.facets.get("place", set()) & b.facets.get("place", set()):
        where = "the same place"
    else:
        return ""
    return f"events with the same participants ({', '.join(sorted(participants))}) at {where}"


def _same_producer(a: _Entity, b: _Entity) -> str:
    if a.kind != "document" or b.kind != "document":
        return ""
    shared = a.facets.get("producer", set()) & b.facets.get("producer", set())
    return f"documents produced by the same event ({', '.join(sorted(shared))})" if shared else ""


def _description_only(summaries: list[FileSummary]) -> list[Finding]:
    findings = []
    for summary in summaries:
        props: dict[int, set[str]] = defaultdict(set)
        for _, line, refs in summary.statements:
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


def check_files(
    paths: Iterable[Path], index: OntologyIndex, source_dirs: tuple[Path, ...] = ()
) -> tuple[list[FileSummary], list[Finding]]:
    """Read and check fact files (raising on bad input, as the build does), then run the modelling check:
    for `kg stats` and the tests, which start from files rather than from a build."""
    summaries = [summarise(read_fact_file(Path(p), index, source_dirs)) for p in paths]
    return summaries, check_facts(summaries, resolve(summaries, index))


__all__ = [
    "COMPARED_LITERALS",
    "Finding",
    "check_facts",
    "check_files",
    "cross_file_findings",
    "file_findings",
    "label_words",
    "sort_findings",
    "summary_line",
]
