"""The persistent store on disk, replaced atomically.

A store directory holds snapshots and a `current` symlink. A build writes a new snapshot beside the
live one and swaps the link in one rename, so a failed or interrupted build leaves the last good store
in place and answering queries. Each snapshot keeps a manifest of which fact file made which graphs
and a digest per graph, which is what incremental builds diff against.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

from kzlinks.errors import StoreError

DEFAULT_STORE = Path.home() / ".local" / "share" / "kzlinks" / "store"  # when neither --store nor $KG_STORE says


def default_store() -> Path:
    """$KG_STORE if set, else the user's data folder; read at each call, so a library user (or a test) who
    sets the variable after import is heard."""
    return Path(os.environ.get("KG_STORE") or DEFAULT_STORE)
KEEP_SNAPSHOTS = 2


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


class StoreDir:
    """A store directory: `current` -> `snapshots/<id>/` with `oxigraph/` and `manifest.json`."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else default_store()

    @property
    def cache_dir(self) -> Path:
        """Checked fact files by content digest, shared by every snapshot (see graph/factcache.py)."""
        return self.root / "cache"

    @property
    def current(self) -> Path | None:
        link = self.root / "current"
        return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None

    def manifest(self) -> Manifest | None:
        snapshot = self.current
        return Manifest.read(snapshot / "manifest.json") if snapshot else None

    def open_read(self) -> pyoxigraph.Store:
        """Open the live store read-only; several readers (a query, a server) may share it."""
        snapshot = self.current
        if snapshot is None:
            raise StoreError("no graph built yet: run `kg build` first", file=self.root)
        try:
            return pyoxigraph.Store.read_only(str(snapshot / "oxigraph"))
        except OSError as exc:
            raise StoreError(f"cannot open store: {exc}", file=snapshot) from None

    def open_query(self) -> tuple[pyoxigraph.Store, bool]:
        """The store named queries should read, and whether its default graph already is the union: the
        query index (graph/queryindex.py) when the live snapshot has one, else the dataset itself."""
        snapshot = self.current
        if snapshot is None or not (snapshot / "query").is_dir():
            return self.open_read(), False
        try:
            return pyoxigraph.Store.read_only(str(snapshot / "query")), True
        except OSError as exc:
            raise StoreError(f"cannot open store: {exc}", file=snapshot) from None

    def new_snapshot(self) -> Path:
        path = self.root / "snapshots" / f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        path.mkdir(parents=True)
        return path

    def publish(self, snapshot: Path) -> None:
        """Make `snapshot` the live store in one atomic rename, then drop old snapshots."""
        tmp_link = self.root / f".current-{uuid.uuid4().hex}"
        os.symlink(snapshot.relative_to(self.root), tmp_link)
        os.replace(tmp_link, self.root / "current")
        self._prune(keep=snapshot)

    def discard(self, snapshot: Path) -> None:
        shutil.rmtree(snapshot, ignore_errors=True)

    def _prune(self, keep: Path) -> None:
        """Keep the new snapshot and the one before it (a reader may still have it open)."""
        others = sorted(
            (p for p in (self.root / "snapshots").iterdir() if p != keep), key=lambda p: p.stat().st_mtime, reverse=True
        )
        for old in others[KEEP_SNAPSHOTS - 1 :]:
            shutil.rmtree(old, ignore_errors=True)
