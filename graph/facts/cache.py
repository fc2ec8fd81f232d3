"""Checked fact files cached by content, so a rebuild re-reads only the files that changed.

Reading a fact file (YAML, quote checks, ontology lookups) costs far more than anything an incremental
build does with it, and at a thousand files it would dominate. A file's entry is keyed by its path, its
bytes and the ontology it was checked against, and it is valid while its source article is unchanged.
An entry holds a small summary (what cross-file checks need: entity declarations and entity references)
that every build loads, and the digests of the graphs the file mapped to, per "context" (the merged types
and labels of the entities it declares), so an unchanged file in an unchanged context is neither read nor
mapped at all; one whose context changed is read again and mapped. Entries are content-addressed and written atomically, so a failed build never leaves a wrong one.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from kzlinks.facts.articles import PACKAGED_SOURCES
from kzlinks.facts.metadata import metadata_path
from kzlinks.facts.reader import EntityInfo, FactFile, FileSummary, read_fact_file, summarise
from kzlinks.facts.vocabulary import OntologyIndex

FORMAT = 6  # bump whenever FactFile, the mapping or the graph digest change meaning


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
            memo[entity_id] = f"{entity_id}|{'|'.join(sorted(map(str, info.types)))}|{info.label}"
        parts.append(memo[entity_id])
    individuals = sorted({ref[2] for _, _, refs in summary.statements for ref in refs if ref[2] not in entities})
    return hashlib.sha1(repr((parts, individuals)).encode("utf-8")).hexdigest()


class FactCache:
    """Entries under `folder`, one file each, named by key."""

    def __init__(self, folder: Path, ontology_digest: str, source_dirs: tuple[Path, ...]) -> None:
        self.folder = folder
        self.ontology_digest = ontology_digest
        self.source_dirs = source_dirs
        self._source_digests: dict[Path, str] = {}

    def key(self, path: Path, raw: bytes) -> str:
        return digest_bytes(f"{FORMAT}\n{path}\n{self.ontology_digest}\n".encode() + raw)

    def read(self, path: Path, index: OntologyIndex) -> Entry:
        """The checked facts of one file: from the cache if its entry is still valid, else read afresh."""
        try:
            raw = path.read_bytes()
        except OSError:
            raw = b""  # the reader reports the problem with the file's name
        key = self.key(path, raw)
        entry = self._load(key)
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
                pickle.dump((FORMAT, entry.summary, entry.graphs), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.folder / entry.key)
            entry.stored = True
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def prune(self, keep: set[str]) -> None:
        """Drop entries no file of the latest build uses."""
        if not self.folder.is_dir():
            return
        for item in self.folder.iterdir():
            if item.name not in keep:
                item.unlink(missing_ok=True)

    def _load(self, key: str) -> Entry | None:
        try:
            with open(self.folder / key, "rb") as handle:
                version, summary, graphs = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, AttributeError, TypeError, ImportError):
            return None
        return Entry(key, summary, graphs, None, True) if version == FORMAT else None

    def _source_current(self, fact_file: Path, source: SourceRef) -> bool:
        """The article the entry was checked against is still the one found first, with the same text."""
        for candidate in (
            fact_file.parent / source.name,
            PACKAGED_SOURCES / source.name,
            *(d / source.name for d in self.source_dirs),
        ):
            if candidate.is_file():
                resolved = candidate.resolve()
                return resolved == source.path and self._source_digest(resolved) == source.digest
        return False

    def _source_digest(self, path: Path) -> str:
        """The article's text and its metadata record: a date resolved against the publication date was
        checked against both."""
        if path not in self._source_digests:
            meta = metadata_path(path)
            self._source_digests[path] = digest_bytes(
                path.read_bytes() + (meta.read_bytes() if meta.is_file() else b"")
            )
        return self._source_digests[path]


__all__ = ["FactCache", "Entry", "SourceRef", "context_key", "digest_bytes"]
