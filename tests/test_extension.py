"""The README's "Adding a class or property", followed end to end as a user would: a workspace, a new article,
a new class and property in an extension file of their own, then `kg all` and `kg build` with no options, and
the new facts are still there. Then what the build says about an extension that breaks the ontology's rules.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import kg

EXAMPLE = Path(__file__).parent / "fixtures" / "extension"


@pytest.fixture
def workspace(tmp_path, monkeypatch, capsys) -> Path:
    """`kg init my-kg`, run in an empty folder with no store or workspace in the environment."""
    monkeypatch.delenv("KG_STORE", raising=False)
    monkeypatch.delenv("KG_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    run = kg(capsys, "init", "my-kg")
    assert run.code == 0 and "kg-workspace.yaml" in run.out
    root = tmp_path / "my-kg"
    monkeypatch.chdir(root)
    return root


def _declare_extension(root: Path) -> None:
    """Step 3 of the section: the workspace file's `ontology:` line names the extension."""
    path = root / "kg-workspace.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("ontology: []", "ontology: [ontology/extension.ttl]"), encoding="utf-8")


def _khorgos_rows(capsys) -> str:
    run = kg(capsys, "query", EXAMPLE / "serves.rq")
    assert run.code == 0, run.err
    return run.out


def test_the_readme_extension_example_end_to_end(workspace, capsys):
    shutil.copy(EXAMPLE / "100_khorgos.txt", workspace / "sources")
    shutil.copy(EXAMPLE / "extension.ttl", workspace / "ontology")
    shutil.copy(EXAMPLE / "100_khorgos.yaml", workspace / "facts")
    _declare_extension(workspace)

    built = kg(capsys, "build")
    assert built.code == 0, built.err
    assert "6 fact files" in built.out and (workspace / ".kg" / "store" / "current").exists()

    found = kg(capsys, "find", "khorgos")
    assert found.out.splitlines() == ["khorgos-gateway\tKhorgos Gateway\tdry port\t100_khorgos.txt"]
    assert "Khorgos Gateway | Trans-Caspian International Transport Route" in _khorgos_rows(capsys)

    everything = kg(capsys, "all")  # no options: the workspace says what to build and where the views go
    assert everything.code == 0, everything.err
    assert "removed" not in everything.out and (workspace / "kg-views" / "index.html").is_file()
    again = kg(capsys, "build")
    assert again.code == 0 and again.out.startswith("up to date"), again.out
    assert "Khorgos Gateway | Trans-Caspian International Transport Route" in _khorgos_rows(capsys)
    assert kg(capsys, "find", "Khorgos Gatway").out.startswith("khorgos-gateway\t")


def test_a_fact_folder_taken_out_of_the_workspace_is_dropped_with_a_reason(workspace, capsys):
    shutil.copy(EXAMPLE / "100_khorgos.txt", workspace / "sources")
    shutil.copy(EXAMPLE / "extension.ttl", workspace / "ontology")
    shutil.copy(EXAMPLE / "100_khorgos.yaml", workspace / "facts")
    _declare_extension(workspace)
    assert kg(capsys, "build").code == 0
    path = workspace / "kg-workspace.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("facts: [facts]", "facts: []"), encoding="utf-8")
    run = kg(capsys, "build")
    assert run.code == 0
    assert f"removed 3 graphs of {workspace / 'facts' / '100_khorgos.yaml'}: no longer declared in {path}" in run.out
    assert "(0 rows)" in _khorgos_rows(capsys)


def test_without_a_workspace_a_left_out_fact_file_is_an_error_not_a_silent_drop(tmp_path, capsys):
    store = tmp_path / "store"
    facts = EXAMPLE / "100_khorgos.yaml"
    args = ["--store", store, "--sources", EXAMPLE, "--ontology", EXAMPLE / "extension.ttl"]
    assert kg(capsys, "build", "--facts", facts, *args).code == 0
    refused = kg(capsys, "build", "--store", store)
    assert refused.code == 2
    assert f"kg: error: {facts}: the store holds 3 graphs built from this fact file, and this build leaves it out" in (
        refused.err
    )
    assert "Khorgos" in kg(capsys, "find", "khorgos", "--store", store).out  # nothing was lost
    dropped = kg(capsys, "build", "--store", store, "--drop", facts)
    assert dropped.code == 0 and f"removed 3 graphs of {facts}: dropped on request (--drop)" in dropped.out


BROKEN = """\
@prefix kg:   <https://w3id.org/kzlinks/ontology#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

kg:Port a owl:Class ; rdfs:label "port"@en .

kg:Pipeline a owl:Class ;
    rdfs:subClassOf kg:Infrastructur .

kg:carries a owl:DatatypeProperty ; rdfs:label "carries"@en ; rdfs:comment "What flows through it."@en ;
    rdfs:subPropertyOf kg:about ; rdfs:domain kg:Pipeline ; rdfs:range kg:Place .
"""


def test_a_broken_extension_reports_every_problem_with_file_and_line(tmp_path, capsys):
    extension = tmp_path / "bad.ttl"
    extension.write_text(BROKEN, encoding="utf-8")
    run = kg(capsys, "build", "--store", tmp_path / "store", "--ontology", extension)
    assert run.code == 2
    lines = run.err.splitlines()
    assert lines == [
        f"kg: error: {extension}:5: kg:Port: is defined by the packaged ontology (kg.ttl); an extension may add "
        "new terms, not change these",
        f"kg: error: {extension}:7: kg:Pipeline: new class without rdfs:label",
        f"kg: error: {extension}:7: kg:Pipeline: new class without rdfs:comment",
        f"kg: error: {extension}:7: kg:Pipeline: rdfs:subClassOf kg:Infrastructur: no such class",
        f"kg: error: {extension}:10: kg:carries: rdfs:range kg:Place: a datatype property's range is one of "
        "kg:FlexibleDate, xsd:decimal, xsd:integer, xsd:string",
    ]
    assert not (tmp_path / "store" / "current").exists()
