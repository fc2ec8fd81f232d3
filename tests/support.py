"""Helpers shared by the tests: running the CLI as a user would, and matching competency answers."""

from __future__ import annotations

import re
import socket
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from kzlinks.cli.main import main

DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "’": "'", "‘": "'"})


@dataclass
class Run:
    code: int
    out: str
    err: str


def kg(capsys, *args: str) -> Run:
    """Run `kg ARGS` in-process and capture what the user would see."""
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def fold(text: str) -> str:
    """Case-, accent-, dash- and space-insensitive form, as the competency questions ask."""
    text = unicodedata.normalize("NFKD", text.translate(DASHES).casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.split())


def item_forms(item: str) -> list[str]:
    """An expected item "Name (hint)" matches a cell equal to the whole item or to "Name"."""
    forms = [fold(item)]
    head = re.sub(r"\s*\([^()]*\)\s*$", "", item)
    if head != item:
        forms.append(fold(head))
    return forms


def row_texts(rows: list[list[str]]) -> list[set[str]]:
    return [{fold(c) for c in row if c} for row in rows]


def first_row_matching(item: str, rows: list[set[str]]) -> int | None:
    forms = item_forms(item)
    for i, cells in enumerate(rows):
        if any(f in cells for f in forms):
            return i
    return None


def value_in_row(value: str, cells: list[str]) -> bool:
    """A value "X Y" matches when each part is a cell or starts one (a date "2025-11" matches "2025-11-17")."""
    folded = [fold(c) for c in cells if c]
    whole = fold(value)
    if any(c == whole or c.startswith(whole + "-") for c in folded):
        return True
    parts = whole.split()
    return len(parts) > 1 and all(any(c == p or c.startswith(p + "-") for c in folded) for p in parts)


def add_tenure_without_holder(fact_file: Path) -> int:
    """Break a synthetic fact file the way SHACL must catch (a tenure with no holder, quoting a passage the
    file already quotes), and return the line the new statement starts on."""
    text = fact_file.read_text(encoding="utf-8")
    quote = text.split("quote: ", 1)[1].split("\n", 1)[0]
    lines = text.splitlines()
    at = lines.index("statements:")
    lines[at:at] = [
        "  - id: orphan-tenure",
        "    type: Tenure",
        '    label: "a tenure without a holder"',
        f"    quote: {quote}",
    ]
    fact_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return at + 1


def free_port() -> int:
    """A loopback port nothing listens on now, for a real server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """The user sees exactly one error line and a non-zero exit code."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1 and errors[0].startswith("kg: error: "), result.stderr
    assert "Traceback" not in result.stderr
    return errors[0]
