"""The workspace file: found as git finds a repository or through $KG_WORKSPACE, read by every command, its
store overridden by --store and $KG_STORE, and its mistakes reported with the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import kg

from kzlinks.workspace import WORKSPACE_FILE, WorkspaceError, find_workspace, init_workspace, read_workspace

GOOD = Path(__file__).parent / "fixtures" / "good"


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv("KG_STORE", raising=False)
    monkeypatch.delenv("KG_WORKSPACE", raising=False)


def test_found_in_a_parent_folder_or_through_the_environment(tmp_path):
    init_workspace(tmp_path / "ws")
    deep = tmp_path / "ws" / "facts" / "a" / "b"
    deep.mkdir(parents=True)
    assert find_workspace(deep, environ={}).file == tmp_path / "ws" / WORKSPACE_FILE
    assert find_workspace(tmp_path, environ={}) is None
    assert find_workspace(tmp_path, environ={"KG_WORKSPACE": str(tmp_path / "ws")}).root == tmp_path / "ws"
    with pytest.raises(WorkspaceError, match="names no workspace file"):
        find_workspace(tmp_path, environ={"KG_WORKSPACE": str(tmp_path / "nowhere")})


def test_init_never_overwrites(tmp_path, clean_env, capsys):
    assert kg(capsys, "init", tmp_path).code == 0
    again = kg(capsys, "init", tmp_path)
    assert again.code == 2 and f"{tmp_path / WORKSPACE_FILE}: a workspace file is already there" in again.err


@pytest.mark.parametrize(
    "text, expected",
    [
        ("fact: [facts]\n", ":1: unknown key 'fact' (did you mean facts?)"),
        ("facts: [missing]\n", ":1: 'facts' names missing, which does not exist"),
        ("store: .kg\npackaged: perhaps\n", ":2: 'packaged' must be true or false"),
        ("facts: [\n", "malformed YAML"),
    ],
)
def test_a_bad_workspace_is_one_clear_error(text, expected, tmp_path, clean_env, monkeypatch, capsys):
    (tmp_path / WORKSPACE_FILE).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    run = kg(capsys, "stats")
    assert run.code == 2 and run.err.startswith(f"kg: error: {tmp_path / WORKSPACE_FILE}") and expected in run.err


def test_every_command_reads_the_workspace_store_and_store_options_override_it(
    tmp_path, clean_env, monkeypatch, capsys
):
    root = tmp_path / "ws"
    init_workspace(root)
    (root / WORKSPACE_FILE).write_text("facts: [facts]\nstore: my-store\npackaged: false\n", encoding="utf-8")
    (root / "facts" / "001_mini.yaml").write_text((GOOD / "001_mini.yaml").read_text(encoding="utf-8"))
    monkeypatch.chdir(root / "facts")  # a sub-folder: the workspace is found above it
    built = kg(capsys, "build")
    assert built.code == 0 and f"built {root / 'my-store'}: 1 fact files" in built.out
    assert kg(capsys, "stats").code in (0, 1)  # reads the workspace's store (a missing one is an error)
    assert "estonia\tEstonia" in kg(capsys, "find", "Estonia").out
    exported = kg(capsys, "export", "-o", tmp_path / "out.nq")
    assert exported.code == 0 and (tmp_path / "out.nq").stat().st_size > 0
    monkeypatch.setenv("KG_STORE", str(tmp_path / "elsewhere"))
    assert "no graph built yet" in kg(capsys, "find", "Estonia").err  # $KG_STORE wins over the workspace
    monkeypatch.delenv("KG_STORE")
    assert "no graph built yet" in kg(capsys, "find", "Estonia", "--store", tmp_path / "other").err


def test_paths_are_relative_to_the_workspace_file(tmp_path):
    init_workspace(tmp_path)
    ws = read_workspace(tmp_path / WORKSPACE_FILE)
    assert ws.facts == ((tmp_path / "facts").resolve(),) and ws.store == tmp_path.resolve() / ".kg" / "store"
    assert ws.views == tmp_path.resolve() / "kg-views" and ws.ontology == () and ws.packaged
