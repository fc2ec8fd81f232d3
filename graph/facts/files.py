"""Read a user's file only if it is a regular file of bounded size, inside the folders it may come from.

A fact file names its article, and a build reads whatever the paths say: without these checks a name such
as `/etc/passwd` or `../../secret` would be read (and quoted into the graph), a FIFO called `x.yaml` would
block the build forever, and a symlink to `/dev/zero` would read until memory runs out. Every file the
facts layer reads from a user goes through `read_regular`; every article name through `inside`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kzlinks.errors import FactFileError

MAX_FACT_FILE_BYTES = 32 * 1024 * 1024  # a hand-curated fact file is a few hundred KB; the benchmark's are < 1 MB
MAX_SOURCE_BYTES = 8 * 1024 * 1024  # a long article is well under 1 MB
_MB = 1024 * 1024


def read_regular(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of `path`, which must be a regular file of at most `limit` bytes (symlinks are followed,
    then the target is checked). Opened non-blocking so a FIFO is refused rather than waited on."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise FactFileError(f"cannot read {what}: {exc.strerror or exc}", file=path) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FactFileError(f"cannot read {what}: {_kind(info.st_mode)}, not a regular file", file=path)
        if info.st_size > limit:
            raise FactFileError(f"{what} is larger than the {limit // _MB} MB limit", file=path)
        chunks, size = [], 0
        while size <= limit:  # the size may change while we read: never read past the limit
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise FactFileError(f"{what} is larger than the {limit // _MB} MB limit", file=path)
        return b"".join(chunks)
    except OSError as exc:
        raise FactFileError(f"cannot read {what}: {exc.strerror or exc}", file=path) from None
    finally:
        os.close(fd)


def read_text(path: Path, limit: int, what: str = "file") -> str:
    """`read_regular` decoded as UTF-8, with a clear error for bytes that are not."""
    data = read_regular(path, limit, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FactFileError(f"{what} is not UTF-8 text (byte {exc.start + 1})", file=path, line=line) from None


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


def is_plain_name(name: str) -> bool:
    """A relative path that stays where it is put: not absolute, no `..`, no empty or drive parts."""
    if not name or name.startswith(("/", "\\", "~")) or "\x00" in name:
        return False
    parts = name.replace("\\", "/").split("/")
    return all(part not in ("", ".", "..") for part in parts)


def inside(candidate: Path, folder: Path) -> bool:
    """Whether `candidate`, with every symlink resolved, lies inside `folder` (also resolved)."""
    try:
        return candidate.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return False


__all__ = ["MAX_FACT_FILE_BYTES", "MAX_SOURCE_BYTES", "read_regular", "read_text", "is_plain_name", "inside"]
