"""The build memo (kzlinks.dataset.buildmemo): a rebuild after an edit reads only the changed file, and ends
exactly where a cold build of the same files does: the same warnings as the full modelling check, the same
dataset and query index.

The facts are the five files as they were before issue 11 was mended (fixtures/before-issue-11/): they hold
many likely duplicates, so the check's cross-file findings are real. Each edit is of a kind the memo treats
differently: a description (the memo's findings reused), a reference that links or unlinks two duplicates
(the cross-file findings recomputed), a label (declarations changed: the full path), a damaged memo.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kzlinks.dataset import buildmemo
from kzlinks.dataset.store import StoreDir
from kzlinks.facts.articles import PACKAGED_SOURCES
from kzlinks.facts.duplicates import check_files
from kzlinks.facts.vocabulary import load_index
from kzlinks.workflow import build

BEFORE = Path(__file__).parent / "fixtures" / "before-issue-11"
FORUM_FILE = "001_b3d0d2c17928b21d.yaml"
FORUM_SUBJECT = "    subject: kz-ee-rectors-forum\n"
LINK = "    about: kz-ee-rectors-meeting\n"  # the curator says they are two: the duplicate goes
PAIR = {"kz-ee-rectors-forum", "kz-ee-rectors-meeting"}


@pytest.fixture
def facts(tmp_path) -> Path:
    return Path(shutil.copytree(BEFORE, tmp_path / "facts"))


def _build(facts: Path, store: StoreDir):
    return build([facts], store, source_dirs=[PACKAGED_SOURCES], packaged=False)


def _shown(findings) -> list[tuple[str, str, tuple[str, ...]]]:
    """What a user sees of each warning, in order: its kind, its line as printed, the files it involves."""
    return [(f.kind, str(f), tuple(str(p) for p in f.files)) for f in findings]


def _full_check(facts: Path) -> list:
    return check_files(sorted(facts.glob("*.yaml")), load_index(), (PACKAGED_SOURCES,))[1]


def _quads(store: ox.Store) -> set[str]:
    """Every quad, blank node labels aside (the ontology's are new on every parse)."""
    return {
        " ".join(
            "_:" if isinstance(t, ox.BlankNode) else str(t) for t in (q.subject, q.predicate, q.object, q.graph_name)
        )
        for q in store
    }


def _flagged(findings) -> set[frozenset[str]]:
    return {frozenset((f.item, f.message.split("'")[1])) for f in findings if f.kind == "duplicate"}


def _same_as_cold(facts: Path, store: StoreDir, report, tmp_path: Path, step: str) -> None:
    cold_store = StoreDir(tmp_path / f"cold-{step}")
    cold = _build(facts, cold_store)
    assert _shown(report.warnings) == _shown(cold.warnings) == _shown(_full_check(facts)), step
    assert (report.entities, report.statements, report.quads) == (cold.entities, cold.statements, cold.quads), step
    assert store.manifest().graphs == cold_store.manifest().graphs, step
    assert store.manifest().inputs == cold_store.manifest().inputs, step
    assert _quads(store.open_read()) == _quads(cold_store.open_read()), step
    indexes = [_quads(ox.Store.read_only(str(s.current.index_dir))) for s in (store, cold_store)]
    assert indexes[0] == indexes[1], step


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_each_kind_of_edit_gives_the_warnings_and_store_of_a_cold_build(facts, tmp_path):
    store = StoreDir(tmp_path / "store")
    first = _build(facts, store)
    assert first.files_reused == 0 and PAIR in _flagged(first.warnings)
    forum = facts / FORUM_FILE

    _edit(forum, '    description: "a valuable platform', '    description: "a most valuable platform')
    described = _build(facts, store)
    assert (described.files_read, described.files_reused) == (1, 4)  # only the edited file was loaded
    _same_as_cold(facts, store, described, tmp_path, "description")

    _edit(forum, FORUM_SUBJECT, FORUM_SUBJECT + LINK)
    linked = _build(facts, store)
    assert linked.files_reused == 4 and PAIR not in _flagged(linked.warnings)  # a duplicate removed
    _same_as_cold(facts, store, linked, tmp_path, "linked")

    _edit(forum, LINK, "")
    unlinked = _build(facts, store)
    assert unlinked.files_reused == 4 and PAIR in _flagged(unlinked.warnings)  # and added back
    _same_as_cold(facts, store, unlinked, tmp_path, "unlinked")

    _edit(forum, "    label: Rectors’ Forum\n", "    label: Forum of rectors of universities\n")
    relabelled = _build(facts, store)
    assert relabelled.files_reused == 0  # a declaration changed: every file is read and resolved
    _same_as_cold(facts, store, relabelled, tmp_path, "relabelled")
    assert _shown(relabelled.warnings) != _shown(unlinked.warnings)  # the duplicate changed with its label

    _edit(forum, '    description: "a most valuable platform', '    description: "a valuable platform')
    again = _build(facts, store)
    assert again.files_reused == 4  # the full build left a memo for the next one
    _same_as_cold(facts, store, again, tmp_path, "again")


@pytest.mark.parametrize("part", [buildmemo.FILES, buildmemo.ENTITIES, buildmemo.CHECK])
@pytest.mark.parametrize("damage", ["missing", "truncated", "wrong-shape"])
def test_a_damaged_memo_means_a_full_read_never_an_error(facts, tmp_path, part, damage):
    store = StoreDir(tmp_path / "store")
    _build(facts, store)
    path = store.current.path / part
    data = path.read_bytes()
    path.unlink()  # the part may be linked from an older snapshot: write a new file, not through the link
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "wrong-shape":
        path.write_bytes(data[:-1] + b',"files":{"a":1},"entities":[7],"findings":[[1]]}')  # JSON: the last wins
    _edit(facts / FORUM_FILE, FORUM_SUBJECT, FORUM_SUBJECT + LINK)
    report = _build(facts, store)
    if part != buildmemo.CHECK:
        assert report.files_reused == 0
    _same_as_cold(facts, store, report, tmp_path, f"{part}-{damage}")
    _edit(facts / FORUM_FILE, LINK, "")
    after = _build(facts, store)
    assert after.files_reused == 4  # mended by the build that read in full
    _same_as_cold(facts, store, after, tmp_path, f"{part}-{damage}-after")


def test_an_edited_article_is_read_again(facts, tmp_path):
    """A file whose bytes stand but whose article changed is checked again (its quotes must still be there)."""
    name = FORUM_FILE.removesuffix(".yaml") + ".txt"
    article = Path(shutil.copy(PACKAGED_SOURCES / name, facts / name))  # the fact file's folder is read first
    store = StoreDir(tmp_path / "store")
    _build(facts, store)
    article.write_text(article.read_text(encoding="utf-8") + "\nA line added at the end.\n", encoding="utf-8")
    report = _build(facts, store)
    assert (report.files_read, report.files_reused) == (1, 4)
    _same_as_cold(facts, store, report, tmp_path, "article")


def test_the_memo_is_not_used_across_settings_or_on_a_full_build(facts, tmp_path):
    """Other article folders may resolve other articles; `full` re-reads and re-validates everything."""
    store = StoreDir(tmp_path / "store")
    _build(facts, store)
    other = tmp_path / "more-sources"
    other.mkdir()
    _edit(facts / FORUM_FILE, FORUM_SUBJECT, FORUM_SUBJECT + LINK)
    moved = build([facts], store, source_dirs=[PACKAGED_SOURCES, other], packaged=False)
    assert moved.files_reused == 0
    _edit(facts / FORUM_FILE, LINK, "")
    full = build([facts], store, source_dirs=[PACKAGED_SOURCES, other], packaged=False, full=True)
    assert full.files_reused == 0
    _same_as_cold_with(facts, store, full, tmp_path, [PACKAGED_SOURCES, other])


def _same_as_cold_with(facts: Path, store: StoreDir, report, tmp_path: Path, sources: list[Path]) -> None:
    cold_store = StoreDir(tmp_path / "cold-settings")
    cold = build([facts], cold_store, source_dirs=sources, packaged=False)
    assert _shown(report.warnings) == _shown(cold.warnings)
    assert store.manifest().graphs == cold_store.manifest().graphs
