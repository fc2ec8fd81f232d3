"""Read YAML keeping the line of every value, and every scalar as text.

Fact files are checked value by value and errors must name the line; YAML's own typing would also turn
`2011` into an int and `2025-11-17` into a date before the ontology could say what the value should be,
so scalars stay strings here and the ontology's ranges decide.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import yaml

from kzlinks.errors import FactFileError


class Located(NamedTuple):
    """A YAML value with the 1-based line it starts on (a named tuple: a fact base has millions of them,
    and a tuple is built several times faster than a frozen dataclass)."""

    value: Any  # str, list[Located] or dict[str, Located]
    line: int

    def text(self) -> str:
        return self.value if isinstance(self.value, str) else repr(self.value)


def _convert(node: yaml.Node, path: Path) -> Located:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        return Located(node.value, line)
    if isinstance(node, yaml.SequenceNode):
        return Located([_convert(child, path) for child in node.value], line)
    mapping: dict[str, Located] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise FactFileError("a mapping key must be plain text", file=path, line=key_node.start_mark.line + 1)
        if key_node.value in mapping:
            raise FactFileError(
                f"key '{key_node.value}' appears twice in one mapping", file=path, line=key_node.start_mark.line + 1
            )
        mapping[key_node.value] = _convert(value_node, path)
    return Located(mapping, line)


# libyaml composes about ten times faster than the pure-Python parser and keeps the same line marks.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_located(path: Path) -> Located | None:
    """Parse one YAML file; a syntax error becomes a FactFileError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FactFileError(f"cannot read file: {exc}", file=path) from None
    try:
        node = yaml.compose(text, Loader=FAST_LOADER)
    except yaml.YAMLError:
        node = _compose_slowly(text, path)  # libyaml words its errors differently: report PyYAML's
    return None if node is None else _convert(node, path)


def _compose_slowly(text: str, path: Path) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        problem = exc.problem or str(exc)
        raise FactFileError(f"malformed YAML: {problem}", file=path, line=line) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise FactFileError(
            f"malformed YAML: character {exc.character!r} is not allowed", file=path, line=line
        ) from None
    except yaml.YAMLError as exc:
        raise FactFileError(f"malformed YAML: {exc}", file=path) from None
