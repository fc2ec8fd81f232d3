"""A user's workspace: the one file that says where their own facts, articles and ontology extensions live.

Without it every command needs the same options again (`--facts`, `--sources`, `--store`), and a build that
forgets one of them silently drops the facts it named. `kg init DIR` writes `kg-workspace.yaml`; every `kg`
command then finds it as git finds a repository (the current folder, then its parents) or through
`$KG_WORKSPACE`, and reads the paths from it, relative to the file. This module only reads and writes that
file: the CLI turns it into explicit arguments for the library, which never looks for a workspace itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kzlinks.errors import KGError
from kzlinks.suggest import did_you_mean

WORKSPACE_FILE = "kg-workspace.yaml"
ENVIRONMENT = "KG_WORKSPACE"
LIST_KEYS = ("facts", "sources", "ontology")
PATH_KEYS = ("store", "views")
ALL_KEYS = (*LIST_KEYS, *PATH_KEYS, "packaged")

TEMPLATE = """\
# kzlinks workspace: every `kg` command run in this folder (or below it) reads this file.
# Paths are relative to this file. `--store` and $KG_STORE still override `store`.
facts: [facts]              # folders (every *.yaml) or single fact files
sources: [sources]          # folders of the articles your fact files quote
ontology: []                # your own Turtle files of classes and properties, e.g. [ontology/extension.ttl]
store: .kg/store            # where `kg build` writes the graph
views: kg-views             # where `kg all` and `kg viz` write the views
packaged: true              # build the five packaged articles' facts too
"""


class WorkspaceError(KGError):
    """The workspace file is malformed or names something that is not there."""


@dataclass(frozen=True)
class Workspace:
    """The paths a workspace file declares, made absolute against the folder it lives in."""

    file: Path
    facts: tuple[Path, ...] = ()
    sources: tuple[Path, ...] = ()
    ontology: tuple[Path, ...] = ()
    store: Path | None = None
    views: Path | None = None
    packaged: bool = True
    lines: dict[str, int] = field(default_factory=dict, compare=False)  # key -> line, for error messages

    @property
    def root(self) -> Path:
        return self.file.parent


def find_workspace(start: Path | None = None, environ: Mapping[str, str] | None = None) -> Workspace | None:
    """The workspace in force: `$KG_WORKSPACE` (a file or a folder holding one), else the nearest
    `kg-workspace.yaml` in `start` (default: the current folder) or one of its parents; None if there is none.

    Raises:
        WorkspaceError: `$KG_WORKSPACE` names no workspace, or the file found is malformed.

    Example:
        >>> import tempfile
        >>> root = Path(tempfile.mkdtemp())
        >>> _ = init_workspace(root)
        >>> find_workspace(root / "facts", environ={}).file == root / WORKSPACE_FILE
        True
    """
    environ = os.environ if environ is None else environ
    named = environ.get(ENVIRONMENT)
    if named:
        path = Path(named).expanduser()
        path = path / WORKSPACE_FILE if path.is_dir() else path
        if not path.is_file():
            raise WorkspaceError(f"${ENVIRONMENT} names no workspace file (run `kg init DIR`)", file=path)
        return read_workspace(path)
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / WORKSPACE_FILE).is_file():
            return read_workspace(candidate / WORKSPACE_FILE)
    return None


def read_workspace(path: Path) -> Workspace:
    """Read and check one workspace file; every path it names must exist (except the store and views,
    which commands create).

    Raises:
        WorkspaceError: malformed YAML, an unknown key, a value of the wrong kind, a missing path.
    """
    path = path.resolve()
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"cannot read workspace: {exc}", file=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise WorkspaceError(f"malformed YAML: {getattr(exc, 'problem', exc)}", file=path, line=line) from None
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise WorkspaceError("a workspace file must be a mapping of facts, sources, ontology, store, views", file=path)
    lines = {k.value: k.start_mark.line + 1 for k, _ in node.value} if isinstance(node, yaml.MappingNode) else {}
    for key in data:
        if key not in ALL_KEYS:
            raise WorkspaceError(
                f"unknown key '{key}'{did_you_mean(str(key), ALL_KEYS)}",
                file=path,
                line=lines.get(key),
            )
    values: dict = {"file": path, "lines": lines}
    for key in LIST_KEYS:
        values[key] = tuple(_existing(path, lines.get(key), key, item) for item in _as_list(path, lines, key, data))
    for key in PATH_KEYS:
        if data.get(key) is not None:
            values[key] = path.parent / _text(path, lines.get(key), key, data[key])
    packaged = data.get("packaged", True)
    if not isinstance(packaged, bool):
        raise WorkspaceError("'packaged' must be true or false", file=path, line=lines.get("packaged"))
    values["packaged"] = packaged
    return Workspace(**values)


def init_workspace(folder: Path) -> Path:
    """Write a workspace file with empty `facts/`, `sources/` and `ontology/` folders beside it.

    Raises:
        WorkspaceError: the folder already holds a workspace file (it is never overwritten).
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / WORKSPACE_FILE
    if target.exists():
        raise WorkspaceError("a workspace file is already there; edit it instead", file=target)
    for name in LIST_KEYS:
        (folder / name).mkdir(exist_ok=True)
    target.write_text(TEMPLATE, encoding="utf-8")
    return target


def _as_list(path: Path, lines: dict[str, int], key: str, data: dict) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [_text(path, lines.get(key), key, item) for item in items]


def _text(path: Path, line: int | None, key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise WorkspaceError(f"'{key}' expects paths as text, got {value!r}", file=path, line=line)
    return value.strip()


def _existing(path: Path, line: int | None, key: str, item: str) -> Path:
    target = (path.parent / item).resolve()
    if not target.exists():
        raise WorkspaceError(f"'{key}' names {item}, which does not exist", file=path, line=line)
    return target


__all__ = ["Workspace", "WorkspaceError", "find_workspace", "read_workspace", "init_workspace", "WORKSPACE_FILE"]
