"""A cold build's fact files read and mapped by two worker processes (kzlinks.dataset.parallel): the stores,
the manifest and the fact cache must be exactly those the build makes in one process, and a bad fact file
must fail the same way, with the same `FILE:LINE: item: message`, whichever worker read it.

The workers start only for fact files of more than `MIN_BYTES`, on a machine with a core to spare; the tests
lower that bound and take the core as free, so that a small synthetic fact base takes the parallel path,
and check from the report that it did.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from kzlinks.bench.synthetic import generate
from kzlinks.dataset import parallel
from kzlinks.dataset.store import StoreDir
from kzlinks.errors import FactFileError, FactFileProblems
from kzlinks.workflow import build


def _quads(path: Path) -> Counter[str]:
    """Every quad as an N-Quads line, blank node labels left out (a parse or a build names them anew)."""
    text = ox.Store.read_only(str(path)).dump(format=ox.RdfFormat.N_QUADS).decode("utf-8")
    return Counter(re.sub(r"_:\S+", "_:", line) for line in text.splitlines())


@pytest.fixture(scope="module")
def facts(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("facts")
    generate(folder, 12_000)
    return folder


def test_the_workers_build_what_one_process_builds(facts, tmp_path, monkeypatch):
    alone = StoreDir(tmp_path / "alone")
    one = build([facts], alone, packaged=False)
    assert one.read_workers == 0  # too small for workers
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "spare_core", lambda: True)
    pooled = StoreDir(tmp_path / "pooled")
    two = build([facts], pooled, packaged=False)
    assert two.read_workers == 2
    assert (two.quads, two.entities, two.statements, two.files_read) == (
        one.quads,
        one.entities,
        one.statements,
        one.files_read,
    )
    assert _quads(pooled.current.dataset_dir) == _quads(alone.current.dataset_dir)  # the derived graph too
    assert _quads(pooled.current.index_dir) == _quads(alone.current.index_dir)
    assert pooled.manifest().graphs == alone.manifest().graphs
    assert sorted(p.name for p in pooled.cache_dir.iterdir()) == sorted(p.name for p in alone.cache_dir.iterdir())
    assert [(f.kind, f.line, f.item, f.message) for f in two.warnings] == [
        (f.kind, f.line, f.item, f.message) for f in one.warnings
    ]
    # the next build reads the cache and the memo the workers left, and finds nothing to do
    assert build([facts], pooled, packaged=False).unchanged


def _break(fact_file: Path) -> None:
    """Two mistakes in one statement of a fact file: an unknown property and an impossible date."""
    text = fact_file.read_text(encoding="utf-8")
    at = text.index("statements:\n") + len("statements:\n")
    quote = text[at:].split("\n", 1)[0].removeprefix("  - quote: ")  # the first statement's passage
    statement = f"  - quote: {quote}\n    subject: kazakhstan\n    shipsTo: china\n    date: 2021-02-30\n"
    fact_file.write_text(text[:at] + statement + text[at:], encoding="utf-8")


@pytest.mark.parametrize("which", [1, -2], ids=["early file", "late file"])
def test_a_bad_fact_file_in_a_worker_fails_as_in_one_process(facts, tmp_path, monkeypatch, which):
    broken = tmp_path / "facts"
    broken.mkdir()
    for path in facts.iterdir():
        (broken / path.name).write_bytes(path.read_bytes())
    target = sorted(broken.glob("*.yaml"))[which]
    _break(target)
    with pytest.raises(FactFileError) as alone:
        build([broken], StoreDir(tmp_path / "alone"), packaged=False)
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "spare_core", lambda: True)
    pooled_store = StoreDir(tmp_path / "pooled")
    with pytest.raises(FactFileError) as pooled:
        build([broken], pooled_store, packaged=False)
    assert type(pooled.value) is type(alone.value) is FactFileProblems
    assert str(pooled.value) == str(alone.value)
    assert str(pooled.value).startswith(f"{target}:")
    assert "unknown property 'shipsTo'" in str(pooled.value) and "impossible date '2021-02-30'" in str(pooled.value)
    assert pooled_store.current is None  # nothing published
    # the files before the bad one were read and kept, as in one process
    assert len(list(pooled_store.cache_dir.iterdir())) >= len(sorted(broken.glob("*.yaml"))[:which])


def test_the_cli_prints_a_workers_error_as_one_line_per_problem(facts, tmp_path):
    broken = tmp_path / "facts"
    broken.mkdir()
    for path in facts.iterdir():
        (broken / path.name).write_bytes(path.read_bytes())
    target = sorted(broken.glob("*.yaml"))[3]
    _break(target)
    size = sum(p.stat().st_size for p in broken.glob("*.yaml"))
    script = (
        "import sys; from kzlinks.dataset import parallel; parallel.MIN_BYTES = 0; parallel.spare_core = lambda: True; "
        "from kzlinks.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    args = ["build", "--no-packaged", "--facts", str(broken), "--store", str(tmp_path / "store")]
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=600)
    assert size > 0 and result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("kg: error:")]
    assert len(lines) == 2 and all(line.startswith(f"kg: error: {target}:") for line in lines), result.stderr


def test_small_builds_and_threaded_callers_read_in_process(tmp_path):
    from kzlinks.data import PACKAGED_FACTS

    assert not parallel.worthwhile(sorted(PACKAGED_FACTS.glob("*.yaml")))  # the packaged five files
    report = build(store=StoreDir(tmp_path / "store"))
    assert report.read_workers == 0
