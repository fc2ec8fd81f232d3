"""`kg export`: the whole dataset in the format the file's extension names, written atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyoxigraph as ox

from kzlinks.dataset.store import StoreDir
from kzlinks.errors import KGError
from kzlinks.namespaces import PREFIXES

DATASET_FORMATS = {".trig": ox.RdfFormat.TRIG, ".nq": ox.RdfFormat.N_QUADS}
UNION_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES}


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; the user expects a normal file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def serialise(store: ox.Store, suffix: str) -> bytes:
    if suffix in DATASET_FORMATS:
        fmt = DATASET_FORMATS[suffix]
        data = store.dump(format=fmt, prefixes=PREFIXES) if fmt == ox.RdfFormat.TRIG else store.dump(format=fmt)
        return data or b""  # dump returns None only when given an output file
    if suffix in UNION_FORMATS:
        triples = {ox.Triple(q.subject, q.predicate, q.object) for q in store}
        fmt = UNION_FORMATS[suffix]
        ordered = sorted(triples, key=str)
        if fmt == ox.RdfFormat.TURTLE:
            return ox.serialize(ordered, format=fmt, prefixes=PREFIXES) or b""
        return ox.serialize(ordered, format=fmt) or b""
    known = ", ".join(sorted(DATASET_FORMATS) + sorted(UNION_FORMATS))
    raise KGError(f"unknown export format '{suffix or '(none)'}' (use {known})")


def export(path: Path, store_dir: StoreDir | None = None) -> int:
    """Write the live dataset to `path`, atomically: a failed export leaves any earlier file as it was.

    Args:
        path: the file to write; its suffix picks the format: ``.trig`` or ``.nq`` keep the named graphs,
            ``.ttl`` or ``.nt`` write their union.
        store_dir: the store to read (default: ``$KG_STORE`` or ``~/.local/share/kzlinks/store``).

    Returns:
        The number of quads in the dataset.

    Raises:
        KGError: the suffix is not one of the four.
        StoreError: nothing has been built yet.

    Example:
        >>> import tempfile
        >>> from kzlinks.workflow import build
        >>> store, out = StoreDir(tempfile.mkdtemp()), Path(tempfile.mkdtemp()) / "graph.trig"
        >>> _ = build(store=store)
        >>> export(out, store) > 10_000
        True
    """
    store = (store_dir or StoreDir()).open_read()
    data = serialise(store, path.suffix.lower())
    atomic_write(path, data)
    return len(store)
