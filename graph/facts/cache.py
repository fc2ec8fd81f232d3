"""Checked fact files cached by content, so a rebuild re-reads only the files that changed.

Reading a fact file (YAML, quote checks, ontology lookups) costs far more than anything an incremental
build does with it, and at a thousand files it would dominate. A file's entry is keyed by its path, its
bytes and the ontology it was checked against, and it is valid while its source article is unchanged.
An entry holds a small summary (what cross-file checks need: entity declarations and entity references)
that every build loads, and the digests of the graphs the file mapped to, per "context" (the merged types
and labels of the entities it declares), so an unchanged file in an unchanged context is neither read nor
mapped at all; one whose context changed is read again and mapped. Entries are content-addressed and
written atomically, so a failed build never leaves a wrong one.

Entries are plain JSON, checked field by field when loaded: a store folder may be shared, and whoever can
write to it must not be able to run code in the next build (as a pickle could). An entry that does not
parse, has the wrong shape, or names another file than the one asked for is ignored and the file re-read.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from kzlinks.errors import FactFileError
from kzlinks.facts.articles import locate_source
from kzlinks.facts.files import MAX_FACT_FILE_BYTES, MAX_SOURCE_BYTES, read_regular
from kzlinks.facts.jsonshape import Malformed, as_dict, as_list, as_str
from kzlinks.facts.metadata import metadata_path
from kzlinks.facts.reader import EntityInfo, FactFile, FileSummary, read_fact_file, summarise
from kzlinks.facts.vocabulary import OntologyIndex

FORMAT = 8  # bump whenever FactFile, the mapping or the graph digest change meaning


@dataclass(frozen=True)
class SourceRef:
    """What the graphs need of an article (its name and headline), without its text."""

    path: Path
    name: str
    title: str
    digest: str


@dataclass
class Entry:
    key: str
    summary: FileSummary
    graphs: dict[str, dict[str, tuple[str, int]]] = field(default_factory=dict)  # context -> iri -> (digest, n)
    facts: FactFile | None = None
    stored: bool = False  # the cache holds this entry as it is now
    fresh: bool = False  # read from its YAML in this build, not served from the cache


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def context_key(summary: FileSummary, entities: dict[str, EntityInfo], memo: dict[str, str] | None = None) -> str:
    """What a file's graphs depend on beyond the file itself: the merged declarations of its entities (their
    types and label go into every graph that names them), and which of its references name an ontology
    individual rather than an entity. `memo` keeps each entity's part across the files of one build."""
    memo = {} if memo is None else memo
    parts = []
    for entity_id in sorted({d[0] for d in summary.decls}):
        if entity_id not in memo:
            info = entities[entity_id]
            memo[entity_id] = f"{entity_id}|{'|'.join(sorted(map(str, info.types)))}|{info.label}|{info.same_as}"
        parts.append(memo[entity_id])
    individuals = sorted({ref[2] for _, _, refs in summary.statements for ref in refs if ref[2] not in entities})
    used = {subject for subject, _, _ in summary.statements} | {
        ref[2] for _, _, refs in summary.statements for ref in refs
    }
    aliases = sorted((i, entities[i].same_as) for i in used if i in entities and entities[i].same_as)  # sameAs
    return hashlib.sha1(repr((parts, individuals, aliases)).encode("utf-8")).hexdigest()


class FactCache:
    """Entries under `folder`, one file each, named by key."""

    def __init__(self, folder: Path, ontology_digest: str, source_dirs: tuple[Path, ...]) -> None:
        self.folder = folder
        self.ontology_digest = ontology_digest
        self.source_dirs = source_dirs
        self._source_digests: dict[Path, str] = {}

    def key(self, path: Path, raw: bytes) -> str:
        return digest_bytes(f"{FORMAT}\n".encode() + os.fsencode(path) + f"\n{self.ontology_digest}\n".encode() + raw)

    def read(self, path: Path, index: OntologyIndex) -> Entry:
        """The checked facts of one file: from the cache if its entry is still valid, else read afresh."""
        try:
            raw = read_regular(path, MAX_FACT_FILE_BYTES)
        except FactFileError:
            raw = b""  # the reader reports the problem with the file's name
        key = self.key(path, raw)
        entry = self._load(key, path) if raw else None
        if entry is not None and self._source_current(path, entry.summary.source):
            return entry
        facts = self._checked(path, index)
        return Entry(key, summarise(facts), {}, facts, stored=False, fresh=True)

    def _checked(self, path: Path, index: OntologyIndex) -> FactFile:
        facts = read_fact_file(path, index, self.source_dirs)
        source = facts.source
        return replace(
            facts, source=SourceRef(source.path, source.name, source.title, self._source_digest(source.path))
        )

    def full(self, entry: Entry, index: OntologyIndex) -> FactFile:
        """The checked facts, for mapping: only a file whose context changed needs them again, and reading
        its YAML once more costs less than pickling every file's facts on every build."""
        if entry.facts is None:
            entry.facts, entry.fresh = self._checked(entry.summary.path, index), True
        return entry.facts

    def save(self, entry: Entry) -> None:
        """Write the entry (summary and graph digests) atomically."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".entry-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_encode(entry.summary, entry.graphs))
            os.replace(tmp, self.folder / entry.key)
            entry.stored = True
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def keep(self, entry: Entry) -> bool:
        """Save the entry unless the cache holds it as it is; False if the cache cannot be written (it only
        saves time, so that is no error of the build's)."""
        if entry.stored:
            return True
        try:
            self.save(entry)
        except OSError:
            return False
        return True

    def prune(self, keep: set[str]) -> None:
        """Drop entries no file of the latest build uses."""
        if not self.folder.is_dir():
            return
        for item in self.folder.iterdir():
            if item.name not in keep:
                item.unlink(missing_ok=True)

    def _load(self, key: str, path: Path) -> Entry | None:
        """The stored entry, if there is one that is well-formed and made from `path`; else None."""
        try:
            data = read_regular(self.folder / key, MAX_ENTRY_BYTES)
        except FactFileError:
            return None
        decoded = _decode(data, path)
        return None if decoded is None else Entry(key, decoded[0], decoded[1], None, True)

    def source_current(self, fact_file: Path, source: SourceRef) -> bool:
        """See _source_current: for a build that knows a file's article from elsewhere (its build memo)."""
        return self._source_current(fact_file, source)

    def _source_current(self, fact_file: Path, source: SourceRef) -> bool:
        """The article the entry was checked against is still the one found first, with the same text."""
        try:
            found = locate_source(source.name, fact_file, self.source_dirs)
            return found == source.path and self._source_digest(found) == source.digest
        except FactFileError:
            return False  # read afresh: the reader says what is wrong

    def _source_digest(self, path: Path) -> str:
        """The article's text and its metadata record: a date resolved against the publication date was
        checked against both."""
        if path not in self._source_digests:
            meta = metadata_path(path)
            text = read_regular(path, MAX_SOURCE_BYTES, "source article")
            record = read_regular(meta, MAX_SOURCE_BYTES, "article metadata") if meta.is_file() else b""
            self._source_digests[path] = digest_bytes(text + record)
        return self._source_digests[path]


MAX_ENTRY_BYTES = 64 * 1024 * 1024


def _encode(summary: FileSummary, graphs: dict[str, dict[str, tuple[str, int]]]) -> bytes:
    source = summary.source
    assert isinstance(source, SourceRef)
    data = {
        "format": FORMAT,
        "path": str(summary.path),
        "source": [str(source.path), source.name, source.title, source.digest],
        "digest": summary.digest,
        "decls": [[i, list(types), label, line] for i, types, label, line in summary.decls],
        "statements": [[subject, line, [list(ref) for ref in refs]] for subject, line, refs in summary.statements],
        "literals": [list(fact) for fact in summary.literals],
        "graphs": {context: {iri: list(v) for iri, v in by_iri.items()} for context, by_iri in graphs.items()},
    }
    try:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:  # a path's undecodable bytes (surrogate escapes) survive as \u escapes
        return json.dumps(data, separators=(",", ":")).encode("ascii")


def _decode(data: bytes, path: Path) -> tuple[FileSummary, dict[str, dict[str, tuple[str, int]]]] | None:
    """The summary and graph digests of an entry, every field checked for type; None if anything is off.
    The checks are inline loops: every build loads every entry, and a call per value would double the time."""
    try:
        obj = json.loads(data)
        if type(obj) is not dict or obj.get("format") != FORMAT or obj.get("path") != str(path):
            return None
        src_path, name, title, src_digest = _strs(obj["source"], 4)
        source = SourceRef(Path(src_path), name, title, src_digest)
        summary = FileSummary(
            path,
            source,
            as_str(obj["digest"]),
            _decls(obj["decls"]),
            _statements(obj["statements"]),
            _literals(obj["literals"]),
        )
        return summary, _graphs(obj["graphs"])
    except (ValueError, KeyError, TypeError, Malformed):  # json's errors are ValueErrors
        return None


def _decls(items: object) -> list[tuple[str, tuple[str, ...], str | None, int]]:
    decls = []
    for entity_id, types, label, line in as_list(items):
        if not (
            type(entity_id) is str
            and type(types) is list
            and all(type(t) is str for t in types)
            and (label is None or type(label) is str)
            and type(line) is int
        ):
            raise Malformed
        decls.append((entity_id, tuple(types), label, line))
    return decls


def _statements(items: object) -> list[tuple[str, int, list[tuple[str, str, str, int]]]]:
    statements = []
    for subject, line, refs in as_list(items):
        if type(subject) is not str or type(line) is not int:
            raise Malformed
        checked = []
        for ref_name, range_iri, entity_id, ref_line in as_list(refs):
            if not (
                type(ref_name) is str and type(range_iri) is str and type(entity_id) is str and type(ref_line) is int
            ):
                raise Malformed
            checked.append((ref_name, range_iri, entity_id, ref_line))
        statements.append((subject, line, checked))
    return statements


def _literals(items: object) -> list[tuple[str, int, str, str]]:
    """The literal values the modelling check compares (dates, places told apart): subject, line, property, value."""
    facts = []
    for subject, line, name, value in as_list(items):
        if not (type(subject) is str and type(line) is int and type(name) is str and type(value) is str):
            raise Malformed
        facts.append((subject, line, name, value))
    return facts


def _graphs(item: object) -> dict[str, dict[str, tuple[str, int]]]:
    graphs: dict[str, dict[str, tuple[str, int]]] = {}
    for context, by_iri in as_dict(item).items():
        graphs[context] = {}
        for iri, (digest, count) in as_dict(by_iri).items():
            if type(digest) is not str or type(count) is not int:
                raise Malformed
            graphs[context][iri] = (digest, count)
    return graphs


def _strs(item: object, size: int) -> list[str]:
    return [as_str(x) for x in as_list(item, size)]


__all__ = ["FactCache", "Entry", "SourceRef", "context_key", "digest_bytes"]
