"""Every kind of bad input gives one clear line naming the file and line, a non-zero exit, no traceback.

The cases are the files in fixtures/bad/: each starts with `# expect: <text of the error>` and
`# line: <line the error must name>`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import kg

BAD = Path(__file__).parent / "fixtures" / "bad"
QUERIES = Path(__file__).parent / "fixtures" / "queries"


def expectations(path: Path) -> tuple[str, int]:
    header = path.read_text(encoding="utf-8")
    return (
        re.search(r"^# expect: (.*)$", header, re.M).group(1),
        int(re.search(r"^# line: (\d+)$", header, re.M).group(1)),
    )


@pytest.mark.parametrize("case", sorted(BAD.glob("*.yaml")), ids=lambda p: p.stem)
def test_bad_fact_file_is_one_clear_error(case, tmp_path, capsys):
    expected, line = expectations(case)
    run = kg(capsys, "build", "--no-packaged", "--facts", case, "--store", tmp_path / "store")
    assert run.code != 0
    lines = [line for line in run.err.splitlines() if line.startswith("kg:")]
    assert len(lines) == 1 and "Traceback" not in run.err, run.err
    assert lines[0].startswith(f"kg: error: {case}:{line}: "), lines[0]
    assert expected in lines[0]
    assert not (tmp_path / "store" / "current").exists()


def test_a_file_with_several_mistakes_reports_them_all(tmp_path, capsys):
    """One run, one line per mistake, each with the file and its line, up to a limit."""
    case = BAD.parent / "several" / "three-mistakes.yaml"
    run = kg(capsys, "build", "--no-packaged", "--facts", case, "--store", tmp_path / "store")
    assert run.code == 2
    assert [line for line in run.err.splitlines() if line.startswith("kg:")] == [
        f"kg: error: {case}:5: estonia: unknown class 'Stat' (did you mean State or Status or StateVisit?)",
        f"kg: error: {case}:15: estonia: unknown property 'partnr' (did you mean partner or party?)",
        f"kg: error: {case}:16: estonia: impossible date '1992-13'",
    ]
    many = tmp_path / "many.yaml"
    statement = '  - quote: "the Republic of Estonia"\n    subject: estonia\n    partnr: estonia\n'
    many.write_text(case.read_text(encoding="utf-8").split("statements:")[0] + "statements:\n" + statement * 25)
    run = kg(capsys, "build", "--no-packaged", "--facts", many, "--store", tmp_path / "store")
    lines = [line for line in run.err.splitlines() if line.startswith("kg:")]
    assert len(lines) == 21 and lines[-1] == f"kg: error: {many}: … and 6 more problems"


def test_conflicting_declarations_across_files(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text((BAD.parent / "good" / "001_mini.yaml").read_text(encoding="utf-8"))
    (tmp_path / "b.yaml").write_text(
        "source: 001_b3d0d2c17928b21d.txt\nentities:\n  - id: estonia\n    type: City\n"
        '    quote: "the Republic of Estonia"\n',
        encoding="utf-8",
    )
    run = kg(capsys, "build", "--no-packaged", "--facts", tmp_path, "--store", tmp_path / "store")
    assert run.code == 2
    assert f"{tmp_path / 'b.yaml'}:3: estonia: type conflicts with the declaration in a.yaml:" in run.err


def test_missing_facts_path(tmp_path, capsys):
    run = kg(capsys, "build", "--facts", tmp_path / "nowhere", "--store", tmp_path / "store")
    assert run.code == 2 and "nowhere: no such file or folder" in run.err


@pytest.mark.parametrize(
    "args, expected",
    [
        (["query", QUERIES / "syntax-error.rq"], "syntax-error.rq: SPARQL syntax error"),
        (["query", "no-such-query"], "unknown query 'no-such-query'"),
        (
            ["query", QUERIES / "labels.rq", "--param", "colour=red"],
            "unknown parameter 'colour' (this query takes: thing)",
        ),
        (["query", QUERIES / "labels.rq", "--param", "thing=not an id"], "parameter 'thing': no entity 'not an id'"),
        (["query", QUERIES / "labels.rq", "--param", "thing"], "--param expects NAME=VALUE"),
        (["query", QUERIES / "bad-header.rq"], "bad-header.rq:2: bad param line"),
        (["query", QUERIES / "missing.rq"], "missing.rq: no such query file"),
    ],
)
def test_bad_query_is_one_clear_error(args, expected, mini_store, capsys):
    run = kg(capsys, *args, "--store", mini_store.root)
    assert run.code == 2
    assert run.err.count("\n") == 1 and expected in run.err, run.err


def test_query_before_any_build(tmp_path, capsys):
    run = kg(capsys, "query", QUERIES / "labels.rq", "--store", tmp_path / "empty")
    assert run.code == 2 and "no graph built yet: run `kg build` first" in run.err


def test_installed_command_prints_no_traceback(tmp_path):
    """The real console entry point, as a user runs it."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "kzlinks.cli",
            "build",
            "--no-packaged",
            "--facts",
            str(BAD / "malformed-yaml.yaml"),
            "--store",
            str(tmp_path / "s"),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "malformed YAML" in proc.stderr
