"""The package's layers, bottom up, and the rule that keeps them visible: no module imports a higher layer.

The layers are those of DESIGN.md: facts (read, check) → dataset (map, validate, store, index) → sparql
(bind, engines, results, remote) → analysis → curation → views → server; the workflow and the benchmark
beside the top; the CLI and the package's public face (`kzlinks/__init__`) over everything, imported by
nothing in the library.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"kzlinks": ROOT / "graph", "kzlinks.viz": ROOT / "viz"}

LAYERS = [  # lowest first; a module may import its own layer and those below it
    ("kzlinks.errors", "kzlinks.namespaces", "kzlinks.progress", "kzlinks.data", "kzlinks.ontology",
     "kzlinks.queries", "kzlinks.workspace", "kzlinks.suggest"),
    ("kzlinks.facts",),
    ("kzlinks.dataset",),
    ("kzlinks.sparql",),
    ("kzlinks.analysis",),
    ("kzlinks.curation",),
    ("kzlinks.viz",),
    ("kzlinks.server",),
    ("kzlinks.workflow",),
    ("kzlinks.bench",),
    ("kzlinks.cli", "kzlinks"),
]  # fmt: skip


def layer(module: str) -> int:
    """The layer of a module: the longest listed prefix it falls under."""
    best, rank = -1, -1
    for number, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), number
    if rank < 0:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS in {Path(__file__).name}")
    return rank


def modules() -> dict[str, Path]:
    """Every module of the package by its import name (viz/ is kzlinks.viz, not part of graph/)."""
    found = {}
    for package, folder in FOLDERS.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            found[name] = path
    return found


def imports(path: Path, module: str) -> list[tuple[str, int]]:
    """The kzlinks modules a file imports, with line numbers (function-level imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            found.append((base, node.lineno))
    return [(name, line) for name, line in found if name == "kzlinks" or name.startswith("kzlinks.")]


ALL = modules()


def test_every_module_is_in_a_layer():
    assert len(ALL) > 40
    for name in ALL:
        layer(name)


@pytest.mark.parametrize("module", sorted(ALL))
def test_no_module_imports_a_higher_layer(module):
    own = layer(module)
    upward = [
        f"{ALL[module].relative_to(ROOT)}:{line} imports {name}"
        for name, line in imports(ALL[module], module)
        if layer(name) > own
    ]
    assert not upward, "\n".join(upward)


def test_the_rule_can_fail():
    """A lower layer importing a higher one is caught (here: the dataset layer importing the analysis)."""
    assert layer("kzlinks.analysis.derived") > layer("kzlinks.dataset.pipeline")
    assert layer("kzlinks.cli.main") > layer("kzlinks.viz.views") > layer("kzlinks.sparql.engines")
