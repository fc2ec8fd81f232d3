"""Property test: mutate a valid fact file any way at all; the build either succeeds or fails with one
clear KGError naming the file. Never a crash, never a half-written store."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzlinks.dataset.store import StoreDir
from kzlinks.errors import KGError
from kzlinks.workflow import build

VALID = (Path(__file__).parent / "fixtures" / "good" / "001_mini.yaml").read_text(encoding="utf-8")
LINES = VALID.splitlines()

tokens = st.sampled_from(
    [
        "",
        "kazakhstan",
        "Stat",
        "1992-02-30",
        "2025-13",
        "{value: 5}",
        "[",
        "]",
        ":",
        "- ",
        "  ",
        "\t",
        "null",
        "~",
        "&a",
        "*a",
        "!!binary",
        '"',
        "'",
        "ЖЖ",
        "Türkiye",
        "99999999999",
        "establishedOn: 1992",
        "type: Sector",
        'quote: "May 1992"',
        "party: estonia",
    ]
)


@st.composite
def mutated(draw) -> str:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "replace-value", "insert", "truncate", "swap"]))
        if kind == "delete":
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "replace-value" and ":" in lines[at]:
            key = lines[at].split(":", 1)[0]
            lines[at] = f"{key}: {draw(tokens)}{draw(st.text(max_size=6))}"
        elif kind == "insert":
            lines.insert(at, " " * draw(st.integers(0, 6)) + draw(tokens) + draw(tokens))
        elif kind == "truncate":
            lines = lines[:at]
        elif kind == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        if not lines:
            break
    return "\n".join(lines) + "\n"


@settings(
    max_examples=int(os.environ.get("KG_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(mutated())
def test_mutated_fact_file_builds_or_fails_clearly(text):
    with tempfile.TemporaryDirectory() as tmp:
        facts = Path(tmp) / "facts.yaml"
        facts.write_text(text, encoding="utf-8")
        store = StoreDir(Path(tmp) / "store")
        try:
            report = build([facts], store=store, packaged=False)
        except KGError as exc:
            lines = str(exc).strip().splitlines()  # several mistakes: one clear line each (up to 20)
            assert 1 <= len(lines) <= 20
            for line in lines:
                assert line.startswith(str(facts)), line
            assert store.current is None
        else:
            assert report.fact_files == 1 and store.current is not None
