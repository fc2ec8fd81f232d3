"""What a reader meets first: every docstring example runs, the README's library example runs, and every
`kg` command has help and is named in the README."""

from __future__ import annotations

import argparse
import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import kzlinks
from kzlinks.cli.main import parser

README = Path(__file__).resolve().parent.parent / "README.md"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def package_modules() -> list[str]:
    names = [kzlinks.__name__]
    names += [
        m.name for m in pkgutil.walk_packages(kzlinks.__path__, prefix="kzlinks.") if not m.name.endswith("__main__")
    ]
    return sorted(names)


def modules_with_examples() -> list[str]:
    found = []
    for name in package_modules():
        tests = doctest.DocTestFinder().find(importlib.import_module(name))
        if any(t.examples for t in tests):
            found.append(name)
    return found


@pytest.mark.parametrize("module", modules_with_examples())
def test_docstring_examples_run(module, tmp_path, monkeypatch):
    monkeypatch.setenv("KG_STORE", str(tmp_path / "store"))
    result = doctest.testmod(importlib.import_module(module), optionflags=FLAGS, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {module}"


def test_public_api_is_documented_with_an_example():
    """Each public call says what it takes, returns and raises, with an example that runs."""
    for name in ("build", "run_query", "open_engine", "export", "route", "cut", "push"):
        doc = getattr(kzlinks, name).__doc__ or ""
        for part in ("Args:", "Returns:", "Raises:", ">>> "):
            assert part in doc, f"kzlinks.{name}'s docstring has no '{part}'"


def readme_python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_library_example_runs(tmp_path, monkeypatch):
    blocks = [b for b in readme_python_blocks() if ">>> " in b]
    assert blocks, "the README has no library example written as a doctest"
    monkeypatch.setenv("KG_STORE", str(tmp_path / "store"))
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        test = doctest.DocTestParser().get_doctest(block, {}, "README.md", str(README), 0)
        runner = doctest.DocTestRunner(optionflags=FLAGS)
        runner.run(test)
        assert runner.failures == 0, f"the README's library example fails:\n{block}"


def subcommands() -> list[tuple[str, argparse.ArgumentParser]]:
    """Every `kg` command and sub-command, by its full name (`viz ego`)."""
    found = []

    def walk(prefix: str, p: argparse.ArgumentParser) -> None:
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help for a in action._choices_actions}
                for name, sub in action.choices.items():
                    found.append((f"{prefix} {name}".strip(), sub, helps.get(name)))
                    walk(f"{prefix} {name}", sub)

    walk("", parser())
    return found


@pytest.mark.parametrize("command", [c for c, _, _ in subcommands()])
def test_every_command_has_help_and_is_in_the_readme(command):
    ((_, sub, summary),) = [c for c in subcommands() if c[0] == command]
    assert summary, f"`kg {command}` has no one-line help in `kg --help`"
    assert sub.format_help().strip(), f"`kg {command} --help` prints nothing"
    assert f"kg {command}" in README.read_text(encoding="utf-8"), f"the README never names `kg {command}`"
