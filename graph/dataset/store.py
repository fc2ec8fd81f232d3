"""The persistent store on disk, replaced atomically.

A store directory holds snapshots and a `current` symlink. A build writes a new snapshot beside the
live one and swaps the link in one rename, so a failed or interrupted build leaves the last good store
in place and answering queries. Each snapshot keeps a manifest of which fact file made which graphs
and a digest per graph, which is what incremental builds diff against.

Builds of one store run one at a time, under an `fcntl.flock` on `build.lock` in the store folder: an
incremental build diffs against the live manifest, so a second build publishing in between would leave
graphs no manifest lists. The kernel drops the lock when its process ends, however it ends (a SIGKILLed
build leaves nothing held). A second build waits, saying so, up to KG_BUILD_WAIT seconds (default 600),
then fails with a clear error. Under the lock a build first removes what crashed builds left (snapshots
never finished, temporary links); publishing keeps the new snapshot and the one it replaced, nothing else.
"""

from __future__ import annotations

import fcntl
import functools
import inspect
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph

from kzlinks.errors import StoreError
from kzlinks.progress import Progress, silent

DEFAULT_STORE = Path.home() / ".local" / "share" / "kzlinks" / "store"  # when neither --store nor $KG_STORE says


def default_store() -> Path:
    """$KG_STORE if set, else the user's data folder; read at each call, so a library user (or a test) who
    sets the variable after import is heard."""
    return Path(os.environ.get("KG_STORE") or DEFAULT_STORE)


LOCK_FILE = "build.lock"
DEFAULT_BUILD_WAIT = 600.0  # seconds a build waits for another build of the same store (KG_BUILD_WAIT)
_POLL = 0.2


@dataclass
class Manifest:
    """What a snapshot holds: per-graph digests and per-input-file digests."""

    graphs: dict[str, str] = field(default_factory=dict)  # graph IRI -> digest of its quads
    inputs: dict[str, str] = field(default_factory=dict)  # input file -> sha256
    built_at: float = 0.0
    quads: int = 0

    @classmethod
    def read(cls, path: Path) -> Manifest:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["graphs"], data["inputs"], data["built_at"], data["quads"])

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__, indent=1, sort_keys=True), encoding="utf-8")


@dataclass(frozen=True)
class Snapshot:
    """One snapshot of a store, and the only place that knows a snapshot's layout: the dataset (`oxigraph/`,
    one named graph per passage), the query index beside it (`query/`, see queryindex.py) and the manifest
    (`manifest.json`, written last: a snapshot without one is what a killed build left). A build writes a
    new snapshot, then publishes or discards it; readers open the live one."""

    store: StoreDir
    path: Path

    def __str__(self) -> str:  # progress lines name the folder, not the object
        return str(self.path)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def dataset_dir(self) -> Path:
        return self.path / "oxigraph"

    @property
    def index_dir(self) -> Path:
        return self.path / "query"

    @property
    def manifest_file(self) -> Path:
        return self.path / "manifest.json"

    @property
    def complete(self) -> bool:
        return self.manifest_file.is_file()

    @property
    def has_index(self) -> bool:
        return self.index_dir.is_dir()

    def manifest(self) -> Manifest:
        return Manifest.read(self.manifest_file)

    def write_manifest(self, manifest: Manifest) -> None:
        """The last write of a build: from here on the snapshot counts as complete."""
        manifest.write(self.manifest_file)

    def open_dataset(self) -> pyoxigraph.Store:
        """The dataset for writing (a snapshot being built)."""
        return pyoxigraph.Store(str(self.dataset_dir))

    def open_read(self, index: bool = False) -> pyoxigraph.Store:
        """The dataset, or its query index, read-only; several readers (a query, a server) may share it."""
        try:
            return pyoxigraph.Store.read_only(str(self.index_dir if index else self.dataset_dir))
        except OSError as exc:
            raise StoreError(f"cannot open store: {exc}", file=self.path) from None

    def publish(self) -> None:
        """Make this snapshot the live store in one atomic rename, then drop older snapshots."""
        self.store.publish(self)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


class StoreDir:
    """A store directory: `current` -> `snapshots/<id>/` (a Snapshot), plus the fact cache and the lock."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else default_store()

    @property
    def cache_dir(self) -> Path:
        """Checked fact files by content digest, shared by every snapshot (see graph/factcache.py)."""
        return self.root / "cache"

    @property
    def current(self) -> Snapshot | None:
        """The live snapshot, or None before the first build."""
        link = self.root / "current"
        return Snapshot(self, link.resolve()) if link.is_symlink() and link.resolve().is_dir() else None

    def live(self) -> Snapshot:
        """The live snapshot; an error that says what to do when nothing is built yet."""
        snapshot = self.current
        if snapshot is None:
            raise StoreError("no graph built yet: run `kg build` first", file=self.root)
        return snapshot

    def manifest(self) -> Manifest | None:
        snapshot = self.current
        return snapshot.manifest() if snapshot else None

    def open_read(self) -> pyoxigraph.Store:
        """Open the live dataset read-only; several readers (a query, a server) may share it."""
        return self.live().open_read()

    def open_query(self) -> tuple[pyoxigraph.Store, bool]:
        """The store named queries should read, and whether its default graph already is the union: the
        query index (queryindex.py) when the live snapshot has one, else the dataset itself."""
        snapshot = self.live()
        return (snapshot.open_read(index=True), True) if snapshot.has_index else (snapshot.open_read(), False)

    def new_snapshot(self) -> Snapshot:
        path = self.root / "snapshots" / f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        path.mkdir(parents=True)
        return Snapshot(self, path)

    def publish(self, snapshot: Snapshot) -> None:
        """Make `snapshot` the live store in one atomic rename, then drop old snapshots."""
        previous = self.current
        tmp_link = self.root / f".current-{uuid.uuid4().hex}"
        os.symlink(snapshot.path.relative_to(self.root), tmp_link)
        os.replace(tmp_link, self.root / "current")
        self._prune(keep={snapshot.name} | ({previous.name} if previous else set()))

    def _prune(self, keep: set[str]) -> None:
        """Keep the new snapshot and the one it replaced (a reader may still have it open); drop every other,
        older ones and those crashed builds left half-written alike. Runs under the build lock, so no other
        build is writing a snapshot; whatever `current` points at is never removed."""
        live = self.current
        keep = keep | ({live.name} if live else set())
        for old in (self.root / "snapshots").iterdir():
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)

    def _remove_leftovers(self) -> None:
        """What builds killed mid-way left: snapshots without a manifest (one is written last, just before
        publishing) and temporary `current` links. Only ever called with the build lock held."""
        live = self.current
        snapshots = self.root / "snapshots"
        for item in snapshots.iterdir() if snapshots.is_dir() else ():
            if (live is None or item.name != live.name) and not Snapshot(self, item).complete:
                shutil.rmtree(item, ignore_errors=True)
        for link in self.root.glob(".current-*"):
            link.unlink(missing_ok=True)

    @contextmanager
    def build_lock(self, progress: Progress = silent, wait: float | None = None) -> Iterator[None]:
        """Hold this store's build lock for the block, waiting up to `wait` seconds (default KG_BUILD_WAIT
        or 600) for another build to finish; then clean up after crashed builds."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, writable = _open_lock(self.root / LOCK_FILE)
        try:
            self._acquire(fd, progress, _build_wait() if wait is None else wait)
            if writable:  # the holder's pid, for the message of a build that has to wait
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            self._remove_leftovers()
            yield
        finally:
            os.close(fd)  # releases the lock

    def _acquire(self, fd: int, progress: Progress, wait: float) -> None:
        if _try_lock(fd):
            return
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
        progress(f"waiting for another build of {self.root} (pid {holder}) to finish")
        deadline = time.monotonic() + wait
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise StoreError(
                    f"another build of this store (pid {holder}) is still running after {wait:g} s; "
                    "run again when it has finished (KG_BUILD_WAIT sets how long to wait)",
                    file=self.root,
                )
            time.sleep(_POLL)


def _open_lock(path: Path) -> tuple[int, bool]:
    """The lock file, opened for writing if we may, else for reading (enough for flock: a store folder
    shared by several users may hold a lock file another user created)."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644), True
    except PermissionError:
        pass
    except OSError as exc:
        raise StoreError(f"cannot open the build lock: {exc.strerror or exc}", file=path) from None
    try:
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC), False
    except OSError as exc:
        raise StoreError(f"cannot open the build lock: {exc.strerror or exc}", file=path) from None


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _build_wait() -> float:
    text = os.environ.get("KG_BUILD_WAIT", "")
    try:
        wait = float(text) if text else DEFAULT_BUILD_WAIT
    except ValueError:
        wait = -1.0
    if not wait >= 0:  # also NaN
        raise StoreError(f"KG_BUILD_WAIT must be a number of seconds, got '{text}'")
    return wait


F = TypeVar("F", bound=Callable[..., Any])


def one_build_at_a_time(build: F) -> F:
    """Run `build` under its store's build lock. For a function with a `store: StoreDir | None` parameter
    (None: the default store) and a `progress` one, which hears that the build waits."""
    signature = inspect.signature(build)

    @functools.wraps(build)
    def locked(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        store = bound.arguments["store"] or StoreDir()
        bound.arguments["store"] = store
        with store.build_lock(bound.arguments["progress"]):
            return build(*bound.args, **bound.kwargs)

    return locked  # type: ignore[return-value]
