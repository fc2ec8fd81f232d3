"""What a build keeps for the next one, so that a rebuild after a small edit costs what changed.

The fact cache (kzlinks.facts.cache) spares a rebuild re-reading unchanged YAML, but every build still
loaded every file's summary, merged every entity declaration, recomputed every file's context and re-ran
the modelling check over the whole graph: at a million triples that was most of an incremental build. So
each published snapshot also holds a memo of the build that made it (three files beside its manifest):

- per fact file (memo-files.json, JSON lines): its cache key, the digest of its bytes, its article, its
  statement count, its graphs' digests and sizes, the findings it gives on its own, and digests of the
  parts of its summary that the cross-file steps read (declarations and sameAs links; references and
  compared literals);
- the entities as `resolve` merged them (memo-entities.json), under a key made of every file's declaration
  digest;
- the modelling check's cross-file findings (memo-check.json), under a key made of that and every file's
  reference digest.

A rebuild whose files are the same list as the memo's reads, checks and maps only the files whose bytes or
article changed (it still hashes every file and its article: the memo trusts content, not timestamps). If their declarations and sameAs links are unchanged, the merged entities are the memo's
(the merge depends on nothing else), and only the changed files' statements are checked against them; else
the build takes the full path. The check's cross-file findings are reused when no file's references or
compared literals changed, and recomputed over every file's summary otherwise. Every key also covers the
ontology, the source folders and the code that computes the result, so the memo never gives anything a cold
build would not: the tests compare the two (tests/test_buildmemo.py). A missing, damaged or foreign memo
only means the full path; the files are written atomically, and a part whose key did not change is
hard-linked from the previous snapshot instead of written again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import cache as once
from pathlib import Path

from rdflib import URIRef

from kzlinks.dataset.export import atomic_write
from kzlinks.errors import FactFileError
from kzlinks.facts import cache as fact_cache
from kzlinks.facts.cache import Entry, FactCache, SourceRef
from kzlinks.facts.duplicates import (
    COMPARED_LITERALS,
    Finding,
    check_facts,
    cross_file_findings,
    file_findings,
    sort_findings,
)
from kzlinks.facts.files import MAX_FACT_FILE_BYTES, read_regular
from kzlinks.facts.identity import SAME_AS
from kzlinks.facts.jsonshape import Malformed, as_dict, as_list, as_str
from kzlinks.facts.reader import EntityInfo, FileSummary, check_statements, resolve, superclass_finder
from kzlinks.facts.vocabulary import OntologyIndex

FORMAT = 1  # bump when a memo file's layout changes
FILES, ENTITIES, CHECK = "memo-files.json", "memo-entities.json", "memo-check.json"
MAX_MEMO_BYTES = 1024 * 1024 * 1024
_CODE = (
    "facts",
    "namespaces.py",
    "dataset/mapping.py",
    "dataset/identity.py",
    "dataset/buildmemo.py",
)  # what the results depend on

GraphDigests = dict[str, tuple[str, int]]  # graph IRI -> (digest, quad count)


def _sha(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


@once
def code_digest() -> str:
    """The source of the modules whose output the memo keeps: a changed reader or check is a new memo."""
    root = Path(__file__).resolve().parent.parent
    files = sorted(
        p for name in _CODE for p in ((root / name).rglob("*.py") if (root / name).is_dir() else [root / name])
    )
    return hashlib.sha1(b"".join(p.read_bytes() for p in files)).hexdigest()


def declarations_key(summary: FileSummary) -> str:
    """What `resolve` merges of a file: its declarations (with lines: they say where an entity is) and its
    sameAs links (in order, without lines: an error names a line only when the links changed)."""
    links = [(s, v) for s, _, refs in summary.statements for name, _, v, _ in refs if name == SAME_AS]
    return _sha(summary.decls, links)


def references_key(summary: FileSummary) -> str:
    """What the modelling check's cross-file findings read of a file beyond its declarations."""
    refs = [(s, [(name, v) for name, _, v, _ in refs]) for s, _, refs in summary.statements]
    literals = [(s, name, value) for s, _, name, value in summary.literals if name in COMPARED_LITERALS]
    return _sha(refs, literals)


@dataclass
class FileRecord:
    """One fact file as the memo's build saw it."""

    path: str
    key: str  # its fact-cache key (path, bytes, ontology)
    digest: str  # sha256 of its bytes (the manifest's input digest)
    source: SourceRef
    statements: int
    declarations: str  # declarations_key
    references: str  # references_key
    graphs: GraphDigests
    findings: list[Finding]  # file_findings
    raw: bytes | None = None  # its line in the memo it was read from: written again as it is


def record(entry: Entry) -> FileRecord:
    """The record of a file mapped in this build (its entry holds the graphs of its current context only)."""
    summary = entry.summary
    assert isinstance(summary.source, SourceRef)
    if len(entry.graphs) != 1:  # not mapped in this build's context: nothing to vouch for
        raise _Unrecorded(str(summary.path))
    graphs = next(iter(entry.graphs.values()))
    return FileRecord(
        str(summary.path),
        entry.key,
        summary.digest,
        summary.source,
        len(summary.statements),
        declarations_key(summary),
        references_key(summary),
        dict(graphs),
        file_findings(summary),
    )


@dataclass
class Memo:
    """A snapshot's memo: its settings key, file records in build order, and the keys of its two parts."""

    settings: str
    files: list[FileRecord]
    entities_key: str
    check_key: str
    folder: Path | None = None  # where it was read from (its parts are read lazily, linked when reused)


def settings_key(cache: FactCache) -> str:
    """What every result depends on besides the files: the ontology, the source folders, the code."""
    folders = [str(Path(d).resolve()) for d in cache.source_dirs]
    return _sha(FORMAT, fact_cache.FORMAT, cache.ontology_digest, folders, code_digest())


def entities_key(settings: str, files: Sequence[FileRecord]) -> str:
    return _sha(settings, [(f.path, f.declarations) for f in files])


def check_key(entities: str, files: Sequence[FileRecord]) -> str:
    return _sha(entities, [f.references for f in files])


@dataclass
class Inputs:
    """What the build needs of its fact files, from a full read or from the memo.

    `entries` holds the files that were read (every file on the full path, the changed ones otherwise);
    `kept` the graph digests of the files the memo vouches for, which are neither read nor mapped."""

    entries: list[Entry]
    entities: MutableMapping[str, EntityInfo]  # the reference data adds its own (see `resolved`)
    records: list[FileRecord | None]  # per path: the memo's record of an unchanged file, None if read
    sources: list[object]  # per path, something with .source (the sources graph reads only that)
    kept: GraphDigests = field(default_factory=dict)
    reused: bool = False

    def resolved(self) -> Mapping[str, EntityInfo]:
        """The entities as the fact files declare them, without those the reference data adds later."""
        return self.entities.resolved() if isinstance(self.entities, KeptEntities) else dict(self.entities)

    @property
    def statements(self) -> int:
        read = {id(e.summary): len(e.summary.statements) for e in self.entries}
        return sum(r.statements for r in self.records if r) + sum(read.values())

    def digests(self, paths: list[Path]) -> dict[str, str]:
        """The manifest's input digests, per fact file."""
        read = {str(e.summary.path): e.summary.digest for e in self.entries}
        return {str(p): r.digest if r else read[str(p)] for p, r in zip(paths, self.records, strict=True)}

    def keys(self) -> set[str]:
        return {r.key for r in self.records if r} | {e.key for e in self.entries}


@dataclass(frozen=True)
class _Sourced:
    source: SourceRef


def read_inputs(
    paths: list[Path],
    cache: FactCache,
    index: OntologyIndex,
    memo: Memo | None,
    previous: dict[str, str] | None,
    entries: list[Entry],
    lap: Callable[[str], None] = lambda stage: None,
    read: Callable[[list[Path]], Iterable[Entry]] | None = None,
) -> Inputs:
    """Read the fact files and resolve their entities: only the changed files when the memo allows (see the
    module's docstring), else every one. `previous`: the live manifest's graph digests (None on a full
    build: no memo then); `entries` is filled as files are read, so the caller can save what was read even
    if a file fails; `lap(stage)` is called when the files are read ("read") and resolved ("map"); `read`, if
    given, reads all the files at once (kzlinks.dataset.parallel), in their order, for a build without a memo."""
    if memo is not None and previous is not None and _same_files(memo, paths, cache):
        records = _read_changed(paths, cache, index, memo, entries)
        lap("read")
        reused = None if records is None else _reuse(paths, index, memo, previous, entries, records)
        if reused is not None:
            lap("map")
            return reused
    entries.clear()
    entries += read(paths) if read is not None else (cache.read(p, index) for p in paths)
    lap("read")
    summaries: list = [e.summary for e in entries]
    inputs = Inputs(entries, resolve(summaries, index), [None] * len(paths), summaries)
    lap("map")
    return inputs


def _same_files(memo: Memo, paths: list[Path], cache: FactCache) -> bool:
    return memo.settings == settings_key(cache) and [f.path for f in memo.files] == [str(p) for p in paths]


def _read_changed(
    paths: list[Path], cache: FactCache, index: OntologyIndex, memo: Memo, entries: list[Entry]
) -> list[FileRecord | None] | None:
    """Per path, the memo's record of an unchanged file, or None for a changed one, which is read (into
    `entries`); None if a changed file's declarations or sameAs links changed (the full path then)."""
    records: list[FileRecord | None] = []
    for path, known in zip(paths, memo.files, strict=True):
        if _unchanged(path, known, cache):
            records.append(known)
            continue
        entry = cache.read(path, index)
        entries.append(entry)
        if declarations_key(entry.summary) != known.declarations:
            return None
        records.append(None)
    return records


def _reuse(
    paths: list[Path],
    index: OntologyIndex,
    memo: Memo,
    previous: dict[str, str],
    entries: list[Entry],
    records: list[FileRecord | None],
) -> Inputs | None:
    """The inputs with the memo's entities, the changed files' statements checked against them; None if
    the memo's part is missing or the live snapshot is not the one the memo describes."""
    entities = _load_entities(memo, paths, index)
    if entities is None:
        return None
    kept: GraphDigests = {}
    for known in records:
        if known is not None:
            kept.update(known.graphs)
    if any(previous.get(iri) != d for iri, (d, _) in kept.items()):
        return None
    check_statements([e.summary for e in entries], entities, index)
    read = iter(entries)
    sources: list[object] = [_Sourced(r.source) if r else next(read).summary for r in records]
    return Inputs(entries, entities, records, sources, kept, reused=True)


def _unchanged(path: Path, known: FileRecord, cache: FactCache) -> bool:
    """The file's bytes and its article are those the memo's build checked."""
    try:
        raw = read_regular(path, MAX_FACT_FILE_BYTES)
    except FactFileError:
        return False  # read by the cache, which reports the problem
    return cache.key(path, raw) == known.key and cache.source_current(path, known.source)


@dataclass
class Checked:
    """The modelling check's findings, and the memo's parts as this build leaves them: each part's bytes,
    or None where the previous memo's part stands unchanged (it is linked, not written)."""

    findings: list[Finding]
    parts: dict[str, bytes | None]


def check(
    inputs: Inputs,
    paths: list[Path],
    resolved: Mapping[str, EntityInfo],
    memo: Memo | None,
    cache: FactCache,
    index: OntologyIndex,
) -> Checked:
    """The findings exactly as check_facts would give them (local ones per file, cross-file ones reused when
    their key stands), and the new memo encoded: run in the background while the stores are written."""
    try:
        records = _records(inputs)
    except _Unrecorded:  # the findings as check_facts gives them; no memo for the next build
        summaries = _summaries(inputs, paths, cache, index)
        return Checked(check_facts(summaries, resolved), {})
    settings = settings_key(cache)
    ent_key = entities_key(settings, records)
    key = check_key(ent_key, records)
    cross = _load_check(memo, key, paths) if inputs.reused and memo is not None else None
    parts: dict[str, bytes | None] = {ENTITIES: None, CHECK: None}
    where = {str(p): i for i, p in enumerate(paths)}
    if cross is None:
        cross = cross_file_findings(_summaries(inputs, paths, cache, index), resolved)
        parts[CHECK] = _json({"format": FORMAT, "key": key, "findings": [_cross(f, where) for f in cross]})
    if not (inputs.reused and memo is not None and memo.entities_key == ent_key):
        parts[ENTITIES] = _json({"format": FORMAT, "key": ent_key, "entities": _encode_entities(resolved, where)})
    header = _json({"format": FORMAT, "settings": settings, "entities": ent_key, "check": key})
    parts[FILES] = b"\n".join([header, *(r.raw or _json(_encode_record(r)) for r in records)])
    local = [f for r in records for f in r.findings]
    return Checked(sort_findings(local + cross), parts)


def _records(inputs: Inputs) -> list[FileRecord]:
    read = iter(inputs.entries)
    return [r if r else record(next(read)) for r in inputs.records]


def _summaries(inputs: Inputs, paths: list[Path], cache: FactCache, index: OntologyIndex) -> list[FileSummary]:
    """Every file's summary, in build order: the unchanged files' from the fact cache."""
    read = iter(inputs.entries)
    return [
        cache.read(p, index).summary if r else next(read).summary for p, r in zip(paths, inputs.records, strict=True)
    ]


# --- writing -------------------------------------------------------------------------------------------


def write(folder: Path, memo: Memo | None, checked: Checked) -> None:
    """Write the memo into a new snapshot's folder, the files' part last (without it the others are never
    read); an unchanged part is linked from the previous snapshot. The memo only saves time: failing to
    write it is not an error, the next build then reads every file."""
    if FILES not in checked.parts:
        return
    try:
        for name in (ENTITIES, CHECK, FILES):
            data = checked.parts.get(name)
            if data is None and not (memo is not None and _link(memo, name, folder)):
                return
            if data is not None:
                atomic_write(folder / name, data)
    except OSError:
        (folder / FILES).unlink(missing_ok=True)


def _link(memo: Memo, name: str, folder: Path) -> bool:
    if memo.folder is None:
        return False
    try:
        os.link(memo.folder / name, folder / name)
        return True
    except OSError:
        return False


def _json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _encode_entities(entities: Mapping[str, EntityInfo], where: dict[str, int]) -> list:
    return [
        [i, [str(t) for t in e.types], e.label, where[str(e.where[0])], e.where[1], e.same_as]
        for i, e in entities.items()
    ]


def _cross(f: Finding, where: dict[str, int]) -> list:
    """A cross-file finding, its files as indices into the build's fact files."""
    return [f.kind, where[str(f.file)], f.line, f.item, f.message, [where[str(p)] for p in f.files]]


def _encode_record(r: FileRecord) -> list:
    s = r.source
    own = Path(r.path)
    assert all(f.file == own for f in r.findings)  # file_findings: about the file itself
    return [
        r.path,
        r.key,
        r.digest,
        [str(s.path), s.name, s.title, s.digest],
        r.statements,
        r.declarations,
        r.references,
        {iri: list(v) for iri, v in r.graphs.items()},
        [[f.kind, f.line, f.item, f.message, [str(p) for p in f.files]] for f in r.findings],
    ]


# --- reading: every field checked, anything off means no memo ------------------------------------------


class _Unrecorded(Exception):
    """A file whose graphs this build cannot vouch for (never expected: the mapping leaves one context)."""


def load(folder: Path | None) -> Memo | None:
    """The memo of the snapshot in `folder`, or None if it has none that this version can read. Its files
    part is JSON lines: a header, then one record per fact file (kept as read, to be written again)."""
    if folder is None:
        return None
    try:
        lines = read_regular(folder / FILES, MAX_MEMO_BYTES, "build memo").split(b"\n")
        obj = json.loads(lines[0])
        if type(obj) is not dict or obj.get("format") != FORMAT:
            return None
        files = [_decode_record(json.loads(line), line) for line in lines[1:]]
        return Memo(as_str(obj["settings"]), files, as_str(obj["entities"]), as_str(obj["check"]), folder)
    except (FactFileError, OSError, ValueError, KeyError, TypeError, Malformed):
        return None


def _part(memo: Memo, name: str, key: str) -> object | None:
    if memo.folder is None:
        return None
    try:
        obj = json.loads(read_regular(memo.folder / name, MAX_MEMO_BYTES, "build memo"))
    except (FactFileError, OSError, ValueError):
        return None
    if type(obj) is not dict or obj.get("format") != FORMAT or obj.get("key") != key:
        return None
    return obj


def _load_entities(memo: Memo, paths: list[Path], index: OntologyIndex) -> KeptEntities | None:
    """The entities as `resolve` merged them in the memo's build, every row checked for shape."""
    obj = _part(memo, ENTITIES, memo.entities_key)
    if obj is None:
        return None
    rows: dict[str, list] = {}
    count = len(paths)
    try:
        for row in as_list(obj["entities"]):  # type: ignore[index]
            entity_id, types, label, where, line, same_as = as_list(row, 6)
            if not (
                type(entity_id) is str
                and type(types) is list
                and all(type(t) is str for t in types)
                and (label is None or type(label) is str)
                and type(where) is int
                and 0 <= where < count
                and type(line) is int
                and (same_as is None or type(same_as) is str)
            ):
                raise Malformed
            rows[entity_id] = row
    except (KeyError, TypeError, ValueError, Malformed):
        return None
    return KeptEntities(rows, paths, superclass_finder(index))


class KeptEntities(MutableMapping[str, EntityInfo]):
    """The memo's entities, each made an EntityInfo (with its superclasses from the ontology as it is now:
    the settings key holds its digest) only when looked up: a rebuild after a small edit looks up a few.
    Entities added later (the reference data's) are kept apart, so `resolved()` is the view without them,
    as `dict(entities)` before the reference data was read would be; both share the EntityInfo objects."""

    def __init__(
        self,
        rows: dict[str, list],
        paths: list[Path],
        superclasses: Callable[[URIRef], set],
        made: dict[str, EntityInfo] | None = None,
        frozen: bool = False,
    ) -> None:
        self._rows, self._paths, self._superclasses = rows, paths, superclasses
        self._made: dict[str, EntityInfo] = {} if made is None else made
        self._added: dict[str, EntityInfo] = {}
        self._frozen = frozen
        self._iris: dict[str, URIRef] = {}

    def resolved(self) -> KeptEntities:
        return KeptEntities(self._rows, self._paths, self._superclasses, self._made, frozen=True)

    def __getitem__(self, key: str) -> EntityInfo:
        if key in self._added:
            return self._added[key]
        info = self._made.get(key)
        if info is None:
            info = self._made[key] = self._make(self._rows[key])
        return info

    def _make(self, row: list) -> EntityInfo:
        entity_id, types, label, where, line, same_as = row
        classes = [self._iri(t) for t in types]
        info = EntityInfo(entity_id, classes, label, (self._paths[where], line), same_as=same_as)
        for cls in classes:
            info.superclasses |= self._superclasses(cls)
        return info

    def _iri(self, text: str) -> URIRef:
        iri = self._iris.get(text)
        if iri is None:
            iri = self._iris[text] = URIRef(text)
        return iri

    def __contains__(self, key: object) -> bool:
        return key in self._rows or key in self._added

    def __setitem__(self, key: str, info: EntityInfo) -> None:
        if self._frozen or key in self._rows:
            raise TypeError("the memo's entities are as the fact files declare them")  # as the pipeline uses them
        self._added[key] = info

    def __delitem__(self, key: str) -> None:
        raise TypeError("the memo's entities are as the fact files declare them")

    def __iter__(self) -> Iterator[str]:
        yield from self._rows
        yield from self._added

    def __len__(self) -> int:
        return len(self._rows) + len(self._added)


def _load_check(memo: Memo, key: str, paths: list[Path]) -> list[Finding] | None:
    if memo.check_key != key:
        return None
    obj = _part(memo, CHECK, key)
    if obj is None:
        return None
    try:
        found = []
        for kind, file, line, item, message, files in as_list(obj["findings"]):  # type: ignore[index]
            if not (type(kind) is str and type(line) is int and type(item) is str and type(message) is str):
                raise Malformed
            found.append(
                Finding(
                    kind,
                    paths[_index(file, paths)],
                    line,
                    item,
                    message,
                    tuple(paths[_index(i, paths)] for i in as_list(files)),
                )
            )
        return found
    except (KeyError, TypeError, ValueError, Malformed):
        return None


def _index(item: object, paths: list[Path]) -> int:
    if type(item) is not int or not 0 <= item < len(paths):
        raise Malformed
    return item


def _decode_record(item: object, raw: bytes) -> FileRecord:
    path, key, digest, source, statements, declarations, references, graphs, findings = as_list(item, 9)
    src_path, name, title, src_digest = [as_str(x) for x in as_list(source, 4)]
    if type(statements) is not int:
        raise Malformed
    checked: GraphDigests = {}
    for iri, value in as_dict(graphs).items():
        d, n = as_list(value, 2)
        if type(d) is not str or type(n) is not int:
            raise Malformed
        checked[iri] = (d, n)
    own = Path(as_str(path))
    found = []
    for kind, line, what, message, files in as_list(findings):
        if not (type(kind) is str and type(line) is int and type(what) is str and type(message) is str):
            raise Malformed
        found.append(
            Finding(
                kind, own, line, what, message, tuple(own if p == path else Path(as_str(p)) for p in as_list(files))
            )
        )
    return FileRecord(
        path,
        as_str(key),
        as_str(digest),
        SourceRef(Path(src_path), name, title, src_digest),
        statements,
        as_str(declarations),
        as_str(references),
        checked,
        found,
        raw,
    )


__all__ = ["Checked", "Inputs", "Memo", "read_inputs", "check", "write", "load", "settings_key"]
