"""`kg query --explain`: Oxigraph's plan for a query, with the rows each step produced.

pyoxigraph 0.5 has no explain call in Python; the `oxigraph` binary of the same release (a dependency,
also used by `kg serve`) has `oxigraph query --explain-file plan.json --stats`, which evaluates the query
and writes the plan tree with, per step, the number of results and the time spent. It runs on the same
store `kg query` reads (the snapshot's query index, whose default graph is the union, each triple once),
with the parameters bound exactly as for a normal run.

The rows summed over every step (`Plan.work`) measure how much a query does independently of the
machine's load; tests/test_query_work.py uses it as a regression guard without wall-clock time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kzlinks.dataset.store import StoreDir
from kzlinks.errors import QueryError
from kzlinks.sparql.binding import with_values
from kzlinks.sparql.results import Term


@dataclass
class Step:
    """One operator of the plan: what it does, the rows it produced, the seconds it took (children included)."""

    name: str
    rows: int
    seconds: float
    children: list[Step] = field(default_factory=list)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Plan:
    root: Step
    planning_s: float

    @property
    def work(self) -> int:
        """Rows produced by all the steps together: the query's work, whatever the machine's load."""
        return sum(step.rows for step in self.root.walk())

    def text(self) -> str:
        """The plan as an indented tree, one step a line: rows, milliseconds, operator."""
        lines = [f"{'rows':>10} {'ms':>9}  step"]

        def add(step: Step, depth: int) -> None:
            lines.append(f"{step.rows:>10,} {step.seconds * 1000:>9.1f}  {'  ' * depth}{step.name}")
            for child in step.children:
                add(child, depth + 1)

        add(self.root, 0)
        lines.append(f"rows through the plan: {self.work:,}; planning {self.planning_s * 1000:.1f} ms")
        return "\n".join(lines)


def _step(node: dict) -> Step:
    return Step(
        str(node.get("name", "?")),
        int(node.get("number of results", 0)),
        float(node.get("duration in seconds", 0.0)),
        [_step(child) for child in node.get("children", [])],
    )


def oxigraph_binary() -> str:
    """The `oxigraph` program that `pip install oxigraph` puts beside this interpreter, else the one on PATH:
    --explain runs it (pyoxigraph has no plan API), and the push tests use it as a real remote server."""
    beside = Path(sys.executable).with_name("oxigraph")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("oxigraph")
    if not found:
        raise QueryError("the oxigraph program is not installed: pip install oxigraph")
    return found


def explain(store_dir: StoreDir, sparql: str, bindings: dict[str, Term], origin: str) -> Plan:
    """Run the query once through `oxigraph query --stats` on the store `kg query` reads, and read its plan."""
    snapshot = store_dir.live()
    indexed = snapshot.has_index
    location = snapshot.index_dir if indexed else snapshot.dataset_dir
    with tempfile.TemporaryDirectory(prefix="kg-explain-") as tmp:
        query_file, plan_file = Path(tmp) / "query.rq", Path(tmp) / "plan.json"
        query_file.write_text(with_values(sparql, bindings), encoding="utf-8")
        command = [oxigraph_binary(), "query", "--location", str(location), "--query-file", str(query_file)]
        command += ["--results-file", str(Path(tmp) / "results.tsv"), "--explain-file", str(plan_file), "--stats"]
        if not indexed:
            command.append("--union-default-graph")
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not plan_file.is_file():
            message = (done.stderr.strip().splitlines() or ["no plan written"])[0]
            raise QueryError(f"oxigraph could not explain the query: {message}", file=origin)
        data = json.loads(plan_file.read_text(encoding="utf-8"))
    return Plan(_step(data["plan"]), float(data.get("planning duration in seconds", 0.0)))


__all__ = ["explain", "Plan", "Step"]
