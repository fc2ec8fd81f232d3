"""Read YAML keeping the line of every value, and every scalar as text.

Fact files are checked value by value and errors must name the line; YAML's own typing would also turn
`2011` into an int and `2025-11-17` into a date before the ontology could say what the value should be,
so scalars stay strings here and the ontology's ranges decide.

The values are built straight from the parser's events, without recursion, so a file is read in time and
memory proportional to its size whatever it holds. An alias (`*name`, a curator's way to reuse a quote)
shares the value it names rather than copying it, and all aliases together may stand for at most
`MAX_ALIASED` values: a 1 KB "billion laughs" file of nested aliases, which would otherwise expand to
gigabytes, is refused within microseconds, and `&r [*r]` (an alias inside the value it names) at once.
Nesting deeper than `MAX_DEPTH` is refused; so is a scalar that decodes to a lone surrogate or a control
character (possible only through a `"\\u…"` escape), since it cannot be written out or would reach a
terminal raw.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from kzlinks.errors import FactFileError
from kzlinks.facts.files import MAX_FACT_FILE_BYTES, read_text

MAX_DEPTH = 64  # a fact file nests four or five levels; this leaves room and stops runaway nesting early
MAX_ALIASED = 100_000  # values all aliases of one file may stand for (a reused quote counts 1, a list its size)
_UNWRITABLE = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")


class Located(NamedTuple):
    """A YAML value with the 1-based line it starts on (a named tuple: a fact base has millions of them,
    and a tuple is built several times faster than a frozen dataclass)."""

    value: Any  # str, list[Located] or dict[str, Located]
    line: int

    def text(self) -> str:
        return self.value if isinstance(self.value, str) else repr(self.value)


class _Mapping:
    """A mapping being filled: its values, and the key read but not yet given a value."""

    __slots__ = ("items", "key")

    def __init__(self, items: dict[str, Located]) -> None:
        self.items = items
        self.key: str | None = None


class _Open(NamedTuple):
    """A collection being read: where its values go, its anchor, and the value count when it started."""

    frame: list[Located] | _Mapping
    node: Located
    anchor: str | None
    start: int


# libyaml parses about ten times faster than the pure-Python parser and keeps the same line marks.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_located(path: Path) -> Located | None:
    """Parse one YAML file; a syntax error or a refused construct becomes a FactFileError naming the file
    and line. The file must be a regular file of at most MAX_FACT_FILE_BYTES."""
    text = read_text(path, MAX_FACT_FILE_BYTES, "YAML file")
    suspect = "\\" in text or _UNWRITABLE.search(text) is not None  # else no scalar can hold one
    try:
        return _build(_events(text, FAST_LOADER), path, suspect)
    except yaml.YAMLError:
        pass  # libyaml words its errors differently: report PyYAML's
    try:
        return _build(_events(text, yaml.SafeLoader), path, suspect)
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


def _events(text: str, loader: type) -> Iterator[Event]:
    """The parser's events up to the end of the stream: yaml.parse without its check_event before every
    event, which costs as much as the event (a fact base has millions)."""
    parser = loader(text)
    try:
        get = parser.get_event
        while True:
            event = get()
            if event is None:
                return
            yield event
            if type(event) is StreamEndEvent:
                return
    finally:
        parser.dispose()


def _build(events: Iterable[Event], path: Path, check_scalars: bool) -> Located | None:
    """The document's values from its event stream, with an explicit stack instead of recursion."""
    root: Located | None = None
    stack: list[_Open] = []
    anchors: dict[str, tuple[Located, int]] = {}  # anchor -> its value and how many values that is
    count = aliased = documents = 0  # values so far (aliases counted expanded); of those, through aliases
    for event in events:
        kind = type(event)
        line = event.start_mark.line + 1
        if kind is ScalarEvent:
            if check_scalars and _UNWRITABLE.search(event.value):
                raise FactFileError(_unwritable(event.value), file=path, line=line)
            node, opened = Located(event.value, line), None
            count += 1
            if event.anchor is not None:
                anchors[event.anchor] = (node, 1)
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if len(stack) >= MAX_DEPTH:
                raise FactFileError(f"YAML nested more than {MAX_DEPTH} levels deep", file=path, line=line)
            items: dict[str, Located] | list[Located] = {} if kind is MappingStartEvent else []
            node = Located(items, line)
            opened = _Open(_Mapping(items) if isinstance(items, dict) else items, node, event.anchor, count)
            count += 1
            if event.anchor is not None:
                anchors.pop(event.anchor, None)  # an alias to it before it is complete would never end
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            done = stack.pop()
            if done.anchor is not None:
                anchors[done.anchor] = (done.node, count - done.start)
            continue
        elif kind is AliasEvent:
            node, size = _alias(event, anchors, stack, path, line)
            count, aliased, opened = count + size, aliased + size, None
            if aliased > MAX_ALIASED:
                raise FactFileError(
                    f"YAML aliases stand for more than {MAX_ALIASED} values (an alias bomb?)", file=path, line=line
                )
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise FactFileError(
                    "malformed YAML: a second document starts here (one per file)", file=path, line=line
                )
            continue
        else:
            continue
        if not stack:
            root = node
        else:
            _attach(stack[-1].frame, node, path)
        if opened is not None:
            stack.append(opened)
    return root


def _alias(
    event: Event, anchors: dict[str, tuple[Located, int]], stack: list[_Open], path: Path, line: int
) -> tuple[Located, int]:
    """The value an alias names (shared, not copied) and its size; refused if it names an unfinished value."""
    name = event.anchor
    if name in anchors:
        return anchors[name]
    if any(o.anchor == name for o in stack):
        raise FactFileError(
            f"YAML alias '*{name}' is inside the value it names: it would never end", file=path, line=line
        )
    raise FactFileError(f"YAML alias '*{name}' names no anchor '&{name}' before it", file=path, line=line)


def _attach(parent: list[Located] | _Mapping, node: Located, path: Path) -> None:
    if type(parent) is list:
        parent.append(node)
        return
    assert isinstance(parent, _Mapping)
    if parent.key is not None:
        parent.items[parent.key] = node
        parent.key = None
        return
    if not isinstance(node.value, str):
        raise FactFileError("a mapping key must be plain text", file=path, line=node.line)
    if node.value in parent.items:
        raise FactFileError(f"key '{node.value}' appears twice in one mapping", file=path, line=node.line)
    parent.key = node.value


def _unwritable(value: str) -> str:
    char = _UNWRITABLE.search(value).group()  # type: ignore[union-attr]
    if "\ud800" <= char <= "\udfff":
        return f"text holds a lone surrogate (U+{ord(char):04X}), which is not a character"
    return f"text holds the control character U+{ord(char):04X}, which a label or quote cannot contain"
