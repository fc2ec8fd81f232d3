"""Hostile input ends as a user expects: one clear error line and exit 2, in bounded time and memory, with
no process left behind and the store unchanged or exactly replaced.

Every build here runs `kg` as a real subprocess under resource limits (address space, CPU time, a 30 s
wall clock), so a regression (an alias bomb expanding, a FIFO blocking) fails the test instead of taking
the machine down. The fact-file cases are the files in fixtures/hostile/, each declaring its expected
message and line like fixtures/bad/; the cases that need a special file (a FIFO, a device, a folder, a
symlink, a deep nesting generated at full size) are built in a temporary folder.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import resource
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import kg

from kzlinks.dataset.store import StoreDir
from kzlinks.facts.yamlfile import load_located

FIXTURES = Path(__file__).parent / "fixtures"
HOSTILE = FIXTURES / "hostile"
MINI = FIXTURES / "good" / "001_mini.yaml"
ARTICLE = "001_b3d0d2c17928b21d.txt"
MEMORY_LIMIT = 4 << 30  # address space (Oxigraph reserves much it never uses); resident stays < 200 MB
WALL_LIMIT = 30.0


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    seconds: float
    peak_mb: float  # the child's peak resident memory

    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("kg:")]


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (int(WALL_LIMIT), int(WALL_LIMIT)))


# Linux counts what a forked child shared with its parent before exec in the child's peak memory: started
# straight from pytest (hundreds of MB by now), `kg` would seem as big. A small Python starts it instead and
# writes down the peak of kg alone.
LAUNCH = """
import os, subprocess, sys
child = subprocess.Popen([sys.executable, "-m", "kzlinks.cli", *sys.argv[2:]])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as peak:
    peak.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def run_kg(*args: object, tmp: Path, env: dict[str, str] | None = None, timeout: float = WALL_LIMIT) -> Outcome:
    """`kg ARGS` in its own process group under the limits; fails the test if it outlives `timeout`, and
    checks that nothing of its group is left running."""
    out_file, err_file = tmp / f"out-{time.monotonic_ns()}", tmp / f"err-{time.monotonic_ns()}"
    peak_file = tmp / f"peak-{time.monotonic_ns()}"
    started = time.monotonic()
    with open(out_file, "wb") as out, open(err_file, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, str(peak_file), *map(str, args)],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            preexec_fn=_limits,
            start_new_session=True,
        )
    status, usage = _wait(proc, started + timeout)
    seconds = time.monotonic() - started
    _assert_group_gone(proc.pid)
    return Outcome(
        os.waitstatus_to_exitcode(status),
        out_file.read_text(encoding="utf-8", errors="replace"),
        err_file.read_text(encoding="utf-8", errors="replace"),
        seconds,
        int(peak_file.read_text()) / 1024 if peak_file.exists() else usage.ru_maxrss / 1024,
    )


def _wait(proc: subprocess.Popen, deadline: float) -> tuple[int, resource.struct_rusage]:
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return status, usage
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            pytest.fail(f"kg ran longer than {WALL_LIMIT:g} s (killed)")
        time.sleep(0.02)


def _assert_group_gone(pgid: int) -> None:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return
    os.killpg(pgid, signal.SIGKILL)
    pytest.fail("kg left a process running")


def expectations(path: Path) -> tuple[str, int | None]:
    header = path.read_text(encoding="utf-8")
    line = re.search(r"^# line: (\d+)$", header, re.M)
    return re.search(r"^# expect: (.*)$", header, re.M).group(1), int(line.group(1)) if line else None


def assert_one_clear_error(run: Outcome, where: str, expected: str) -> None:
    lines = run.error_lines()
    assert run.code == 2, run.err
    assert len(lines) == 1 and "Traceback" not in run.err, run.err
    assert lines[0].startswith(f"kg: error: {where}: "), lines[0]
    assert expected in lines[0], lines[0]
    assert "internal error" not in run.err


def build_args(facts: Path, store: Path, *extra: object) -> list[object]:
    return ["build", "--no-packaged", "--facts", facts, "--store", store, *extra]


# -- fact files from fixtures/hostile/ -----------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(HOSTILE.glob("*.yaml")), ids=lambda p: p.stem)
def test_hostile_fact_file_is_one_clear_error(case, tmp_path):
    expected, line = expectations(case)
    run = run_kg(*build_args(case, tmp_path / "store"), tmp=tmp_path)
    assert_one_clear_error(run, f"{case}:{line}" if line else str(case), expected)
    assert not (tmp_path / "store" / "current").exists()
    assert run.peak_mb < 200, f"{run.peak_mb:.0f} MB"  # a bare `kg` start is ~65 MB; the 1 KB bomb adds nothing
    print(f"{case.stem}: refused in {run.seconds:.2f} s, peak {run.peak_mb:.0f} MB resident")


def test_aliases_that_reuse_a_value_are_read_without_copying(tmp_path):
    """Curators reuse quotes (and may reuse lists) through aliases: read, shared, never expanded in memory."""
    path = tmp_path / "reuse.yaml"
    path.write_text('a: &q "a quote"\nb: *q\nc: &both [x, y]\nd: *both\ne: [*both, *both]\n', encoding="utf-8")
    root = load_located(path).value
    assert root["b"] == root["a"] and root["b"].value == "a quote"
    assert [v.value for v in root["d"].value] == ["x", "y"] and root["d"] is root["c"]
    assert all(v is root["c"] for v in root["e"].value)


# -- cases that need special files ---------------------------------------------------------------------


def _deep_sequence(folder: Path) -> Path:
    path = folder / "deep-sequence.yaml"
    path.write_text(f"source: {ARTICLE}\nnote: " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    return path


def _deep_mapping(folder: Path) -> Path:
    path = folder / "deep-mapping.yaml"
    path.write_text(f"source: {ARTICLE}\nnote: " + "{a: " * 2_000 + "b" + "}" * 2_000 + "\n", encoding="utf-8")
    return path


def _fifo(folder: Path) -> Path:
    path = folder / "x.yaml"
    os.mkfifo(path)
    return path


def _dev_zero(folder: Path) -> Path:
    path = folder / "x.yaml"
    path.symlink_to("/dev/zero")
    return path


def _directory(folder: Path) -> Path:
    path = folder / "x.yaml"
    path.mkdir()
    return path


def _oversized(folder: Path) -> Path:
    path = folder / "huge.yaml"
    with open(path, "wb") as handle:
        handle.truncate(33 * 1024 * 1024)  # sparse: no disk used, but larger than the 32 MB cap
    return path


SPECIAL = {
    "nested-50k-sequences": (_deep_sequence, 2, "YAML nested more than 64 levels deep"),
    "nested-2k-mappings": (_deep_mapping, 2, "YAML nested more than 64 levels deep"),
    "fifo-named-yaml": (_fifo, None, "cannot read YAML file: a named pipe, not a regular file"),
    "symlink-to-dev-zero": (_dev_zero, None, "cannot read YAML file: a character device, not a regular file"),
    "folder-named-yaml": (_directory, None, "cannot read YAML file: a folder, not a regular file"),
    "larger-than-the-cap": (_oversized, None, "YAML file is larger than the 32 MB limit"),
}


@pytest.mark.parametrize(
    "name, given",
    # a FIFO or folder is met both ways: named with --facts, or found in a folder of fact files (a folder named
    # with --facts is a folder of fact files whatever its name, so it is met only inside one)
    [(name, "file") for name in SPECIAL if name != "folder-named-yaml"]
    + [("fifo-named-yaml", "folder"), ("folder-named-yaml", "folder")],
)
def test_special_fact_file_is_one_clear_error(name, given, tmp_path):
    make, line, expected = SPECIAL[name]
    folder = tmp_path / "facts"
    folder.mkdir()
    path = make(folder)
    run = run_kg(*build_args(path if given == "file" else folder, tmp_path / "store"), tmp=tmp_path)
    named = path.resolve()  # a symlink is named by its target: /dev/zero
    assert_one_clear_error(run, f"{named}:{line}" if line else str(named), expected)
    assert run.peak_mb < 200, f"{run.peak_mb:.0f} MB"
    print(f"{name}: refused in {run.seconds:.2f} s, peak {run.peak_mb:.0f} MB resident")


SECRET = "TOP-SECRET-d41d8cd98f00 password hunter2"


def _outside_article(tmp_path: Path, source: str) -> Path:
    """A fact file quoting a file outside every allowed folder; that file holds a secret."""
    (tmp_path / "outside").mkdir(exist_ok=True)
    (tmp_path / "outside" / "secret.txt").write_text(f"Header line\n{SECRET}\nmore text\n", encoding="utf-8")
    facts = tmp_path / "facts"
    facts.mkdir(exist_ok=True)
    path = facts / "leak.yaml"
    path.write_text(
        f"source: '{source}'\nentities:\n  - id: leak\n    type: City\n    label: Leak\n"
        '    quote: "password hunter"\n  - id: probe\n    type: City\n    label: Probe\n    quote: "passwort"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("how", ["absolute", "parent", "symlink-in-folder", "symlinked-sources-entry"])
def test_article_outside_the_allowed_folders_is_never_read(how, tmp_path):
    secret = tmp_path / "outside" / "secret.txt"
    extra: list[object] = []
    if how == "absolute":
        path = _outside_article(tmp_path, str(secret))
    elif how == "parent":
        path = _outside_article(tmp_path, "../outside/secret.txt")
    elif how == "symlink-in-folder":
        path = _outside_article(tmp_path, "article.txt")
        (tmp_path / "facts" / "article.txt").symlink_to(secret)
    else:
        path = _outside_article(tmp_path, "article.txt")
        (tmp_path / "sources").mkdir()
        (tmp_path / "sources" / "article.txt").symlink_to(secret)
        extra = ["--sources", tmp_path / "sources"]
    run = run_kg(*build_args(path, tmp_path / "store", *extra), tmp=tmp_path)
    assert_one_clear_error(run, f"{path}:1", "source: ")
    assert "hunter" not in run.err + run.out and "Header line" not in run.err + run.out
    assert not (tmp_path / "store" / "current").exists()


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder"])
def test_special_article_is_one_clear_error(kind, tmp_path):
    facts = tmp_path / "facts"
    facts.mkdir()
    path = facts / "f.yaml"
    path.write_text(
        "source: article.txt\nentities:\n  - id: a\n    type: City\n    label: A\n    quote: x\n", encoding="utf-8"
    )
    article = facts / "article.txt"
    {"fifo": lambda: os.mkfifo(article), "dev-zero": lambda: article.symlink_to("/dev/zero"), "folder": article.mkdir}[
        kind
    ]()
    run = run_kg(*build_args(path, tmp_path / "store"), tmp=tmp_path)
    if kind == "dev-zero":  # the link leads out of the folder: refused before it is opened
        assert_one_clear_error(run, f"{path}:1", "is a link to a file outside that folder")
    else:
        assert_one_clear_error(run, f"{path}:1", "source: 'article.txt': cannot read source article: a ")


def test_names_with_spaces_and_iri_delimiters_build(tmp_path):
    """`my facts <#%>.yaml` quoting `probe copy <#%>.txt`: both become percent-encoded IRIs."""
    folder = tmp_path / "facts"
    folder.mkdir()
    article = "probe copy <#%>.txt"
    (folder / article).write_text(
        "Probe. The Presidents of the Republic of Kazakhstan and the Republic of Estonia met.\n", encoding="utf-8"
    )
    (folder / "my facts <#%>.yaml").write_text(
        f"source: '{article}'\nentities:\n  - id: probe-state\n    type: State\n    label: Probe State\n"
        '    quote: "the Republic of Estonia"\n',
        encoding="utf-8",
    )
    store = tmp_path / "store"
    run = run_kg(*build_args(folder, store), tmp=tmp_path)
    assert run.code == 0, run.err
    run = run_kg("query", HOSTILE / "source-names.rq", "--format", "csv", "--store", store, tmp=tmp_path)
    assert run.code == 0, run.err
    rows = run.out.splitlines()[1:]
    assert rows == [
        "https://w3id.org/kzlinks/source/probe%20copy%20%3C%23%25%3E,probe copy <#%>.txt,"
        "https://w3id.org/kzlinks/graph/my%20facts%20%3C%23%25%3E"
    ], rows


def test_file_name_with_bytes_that_are_not_utf8_builds(tmp_path):
    folder = tmp_path / "facts"
    folder.mkdir()
    name = os.fsdecode(b"facts-\xff-latin1.yaml")  # a byte Linux allows in a name, not UTF-8
    (folder / name).write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    run = run_kg(*build_args(folder, tmp_path / "store"), tmp=tmp_path)
    assert run.code == 0, run.err
    again = run_kg(*build_args(folder, tmp_path / "store"), tmp=tmp_path)
    assert again.code == 0 and "nothing changed" in again.err, again.err  # its cache entry was written and read


# -- query parameters and results ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, param, expected",
    [
        ("cq09", "year=٢٠٢٣", "parameter 'year' expects a whole number, got '٢٠٢٣'"),
        ("cq09", "year=2023\n", None),  # a trailing newline is trimmed: accepted
        (HOSTILE / "date-param.rq", "d=2025-02-30", "parameter 'd' is an impossible date: '2025-02-30'"),
        (HOSTILE / "date-param.rq", "d=2023-13-45", "parameter 'd' is an impossible date: '2023-13-45'"),
        (HOSTILE / "date-param.rq", "d=٢٠٢٣", "parameter 'd' expects a date YYYY[-MM[-DD]], got '٢٠٢٣'"),
        (HOSTILE / "date-param.rq", "d=2025-02-28", None),
    ],
)
def test_query_parameters_are_typed_like_fact_files(query, param, expected, mini_store, capsys):
    run = kg(capsys, "query", query, "--param", param, "--store", mini_store.root)
    if expected is None:
        assert run.code == 0, run.err
        return
    assert run.code == 2 and run.err.count("\n") == 1 and expected in run.err, run.err


def test_table_does_not_print_terminal_escapes(mini_store, capsys):
    run = kg(capsys, "query", HOSTILE / "escape-codes.rq", "--store", mini_store.root)
    assert run.code == 0, run.err
    assert "\x1b" not in run.out and "\u202e" not in run.out and "\x07" not in run.out
    assert "\\x1b[2J\\x1b[31mred" in run.out and "\\u202e" in run.out


# -- the fact cache holds data, not code ---------------------------------------------------------------


class _Payload:
    """Unpickling this runs `touch MARKER`: what a pickle in a shared store folder could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_cache_entries_are_data_and_bad_ones_are_re_read(tmp_path, capsys):
    """In-process: a payload that did run would only touch a file, and each build is faster without a start."""
    store = tmp_path / "store"
    assert kg(capsys, *build_args(MINI, store)).code == 0
    entries = [p for p in (store / "cache").iterdir() if not p.name.startswith(".")]
    assert len(entries) == 1
    entry = json.loads(entries[0].read_text(encoding="utf-8"))  # plain JSON, readable by anyone
    assert entry["path"] == str(MINI.resolve()) and entry["source"][1] == ARTICLE
    marker = tmp_path / "pwned"
    bad_entries = [
        pickle.dumps(_Payload(marker)),
        b"{not json",
        json.dumps({**entry, "decls": [["x", "not a list", None, 1]]}).encode(),
        json.dumps({**entry, "path": "/etc/passwd"}).encode(),
        json.dumps({**entry, "format": 1}).encode(),
    ]
    for bad in bad_entries:
        entries[0].write_bytes(bad)
        again = kg(capsys, *build_args(MINI, store, "--full"))
        assert again.code == 0, again.err
        assert not marker.exists()
        assert json.loads(entries[0].read_text(encoding="utf-8")) == entry  # re-read and written afresh
    entries[0].unlink()
    os.mkfifo(entries[0])  # an entry that would block a reader
    again = kg(capsys, *build_args(MINI, store, "--full"))
    assert again.code == 0, again.err
    assert kg(capsys, *build_args(MINI, store)).code == 0  # the FIFO was replaced by a good entry


# -- two builds at once, and builds that crash ---------------------------------------------------------

HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from kzlinks.dataset.store import StoreDir
    with StoreDir(sys.argv[1]).build_lock():
        Path(sys.argv[2]).touch()
        time.sleep(float(sys.argv[3]))
    """
)

# A real build that stops at one stage (its progress line starting with `stage`), says so through a file,
# and sleeps there: long enough for another build to start, or to be killed mid-way.
SLOW_BUILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from kzlinks.dataset.store import StoreDir
    from kzlinks.workflow import build
    store, facts, stage, signal_file, pause, *replaced = sys.argv[1:]
    def progress(line):
        if line.startswith(stage):
            Path(signal_file).touch()
            time.sleep(float(pause))
    drop = {Path(old): "replaced by a variant" for old in replaced}
    build([Path(facts)], store=StoreDir(store), packaged=False, progress=progress, drop=drop)
    """
)


def _start(script: str, *args: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_limits,
        start_new_session=True,
    )


def _await_file(path: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + WALL_LIMIT
    while not path.exists():
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "the helper never got there"
        time.sleep(0.05)


def _variant(tmp_path: Path, name: str, drop: str) -> Path:
    """The mini fact file without the entity `drop` and every statement naming it, in its own folder."""
    folder = tmp_path / name
    folder.mkdir()
    text = MINI.read_text(encoding="utf-8")
    blocks = re.split(r"(?m)^(?=  - )", text)
    kept = [b for b in blocks if not re.search(rf"(?<![\w-]){re.escape(drop)}(?![\w-])", b)]
    (folder / "001_mini.yaml").write_text("".join(kept), encoding="utf-8")
    return folder


def _replacing(*variants: Path) -> list[object]:
    """`--drop` for the fact files earlier builds of the test's store used: each variant replaces them
    (a build never drops a fact file it is not told to)."""
    return [arg for folder in variants for arg in ("--drop", folder / "001_mini.yaml" if folder.is_dir() else folder)]


def _graphs_in_store(store: StoreDir) -> set[str]:
    db = store.open_read()
    return {g.value for g in db.named_graphs()}


def _assert_store_matches_manifest(store: StoreDir) -> None:
    manifest = store.manifest()
    assert manifest is not None
    assert _graphs_in_store(store) - {"https://w3id.org/kzlinks/graph/derived"} == set(manifest.graphs)


def test_second_build_fails_clearly_when_the_lock_stays_held(tmp_path):
    store = tmp_path / "store"
    holder = _start(HOLD_LOCK, store, tmp_path / "held", 60)
    try:
        _await_file(tmp_path / "held", holder)
        run = run_kg(*build_args(MINI, store), tmp=tmp_path, env={"KG_BUILD_WAIT": "0.5"})
        assert_one_clear_error(run, str(store), f"another build of this store (pid {holder.pid}) is still running")
        assert "waiting for another build" in run.err
        holder.kill()  # SIGKILL: the kernel drops the lock with the process
        holder.wait()
        run = run_kg(*build_args(MINI, store), tmp=tmp_path, env={"KG_BUILD_WAIT": "0"})
        assert run.code == 0, run.err
        assert "waiting" not in run.err
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("value", ["soon", "nan", "-1"])
def test_bad_build_wait_is_one_clear_error(value, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KG_BUILD_WAIT", value)
    run = kg(capsys, *build_args(MINI, tmp_path / "store"))
    assert run.code == 2 and f"KG_BUILD_WAIT must be a number of seconds, got '{value}'" in run.err, run.err
    assert not (tmp_path / "store" / "current").exists()


def test_concurrent_builds_run_one_after_the_other(tmp_path):
    """X holds the store mid-build (its old manifest read); Y starts on other input, waits, then publishes:
    the store holds exactly Y's graphs, all listed in its manifest, and a later build finds nothing to do."""
    store = StoreDir(tmp_path / "store")
    assert run_kg(*build_args(MINI, store.root), tmp=tmp_path).code == 0
    x_input, y_input = _variant(tmp_path, "x", "tallinn"), _variant(tmp_path, "y", "kz-ee-igc")
    x = _start(SLOW_BUILD, store.root, x_input, "validating", tmp_path / "x-waiting", 2, MINI)
    try:
        _await_file(tmp_path / "x-waiting", x)
        y = run_kg(*build_args(y_input, store.root, *_replacing(MINI, x_input)), tmp=tmp_path)
        assert y.code == 0, y.err
        assert f"waiting for another build of {store.root} (pid {x.pid}) to finish" in y.err
        assert x.wait(timeout=WALL_LIMIT) == 0, x.stderr.read().decode()
    finally:
        x.kill()
        x.wait()
    _assert_store_matches_manifest(store)
    full = StoreDir(tmp_path / "full")
    assert run_kg(*build_args(y_input, full.root), tmp=tmp_path).code == 0
    assert store.manifest().graphs == full.manifest().graphs  # exactly what Y's input holds
    again = run_kg(*build_args(y_input, store.root), tmp=tmp_path)
    assert again.code == 0 and "nothing changed" in again.err, again.err


def test_crashed_build_leaves_no_lock_and_pruning_keeps_the_live_snapshot(tmp_path):
    store = StoreDir(tmp_path / "store")
    assert run_kg(*build_args(MINI, store.root), tmp=tmp_path).code == 0
    first = store.current
    b = _variant(tmp_path, "b", "tallinn")
    assert run_kg(*build_args(b, store.root, *_replacing(MINI)), tmp=tmp_path).code == 0
    live = store.current
    crashed = []
    for n in range(2):  # builds killed while writing their snapshot
        build = _start(
            SLOW_BUILD,
            store.root,
            _variant(tmp_path, f"c{n}", "kz-ee-igc"),
            "writing",
            tmp_path / f"c{n}-writing",
            30,
            b / "001_mini.yaml",
        )
        _await_file(tmp_path / f"c{n}-writing", build)
        os.killpg(build.pid, signal.SIGKILL)
        build.wait()
        crashed += [p for p in (store.root / "snapshots").iterdir() if p.name not in (first.name, live.name)]
        assert store.current == live  # the store still answers with the last good data
    assert crashed
    d = _variant(tmp_path, "d", "estonia")
    run = run_kg(*build_args(d, store.root, *_replacing(b)), tmp=tmp_path, env={"KG_BUILD_WAIT": "0"})
    assert run.code == 0, run.err
    snapshots = {p.name for p in (store.root / "snapshots").iterdir()}
    assert snapshots == {store.current.name, live.name}  # the new one and the one it replaced; no partial
    _assert_store_matches_manifest(store)
