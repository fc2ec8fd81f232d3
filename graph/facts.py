"""Read fact files into checked entities and statements.

Everything a curator can get wrong is caught here, at the edge, with the file and line: malformed YAML,
unknown classes or properties, values that do not fit a property's range, impossible dates, amounts
without a currency, quotes that are not in the article, duplicate or conflicting ids, and references to
entities no loaded file declares.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from .errors import FactFileError, QuoteNotFoundError
from .ontology_index import AMOUNT_RANGE, DATE_RANGE, QUANTITY_RANGE, OntologyIndex, PropertyInfo
from .sources import SourceText, find_source, normalise
from .yamlfile import Located, load_located

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
INTEGER_PATTERN = re.compile(r"^-?\d+$")
DECIMAL_PATTERN = re.compile(r"^-?\d+(\.\d+)?$")
ENTITY_KEYS = {"id", "type", "label", "alt", "quote", "note"}
STATEMENT_KEYS = {"quote", "subject", "note"}


@dataclass(frozen=True)
class Quote:
    text: str  # as written in the fact file
    line: int
    offset: int
    prefix: str
    suffix: str


@dataclass(frozen=True)
class Literal:
    lexical: str
    datatype: URIRef


@dataclass(frozen=True)
class Reference:
    id: str


@dataclass(frozen=True)
class Amount:
    value: str
    currency: str


@dataclass(frozen=True)
class Quantity:
    value: str
    unit: str


Value = Literal | Reference | Amount | Quantity


@dataclass
class EntityDecl:
    id: str
    types: list[URIRef]
    label: str | None
    alt: list[str]
    quotes: list[Quote]
    line: int


@dataclass
class Assertion:
    prop: PropertyInfo
    name: str
    value: Value
    line: int


@dataclass
class Statement:
    subject: str
    quote: Quote
    assertions: list[Assertion]
    line: int


@dataclass
class FactFile:
    path: Path
    source: SourceText
    digest: str
    entities: list[EntityDecl] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The stem that names this file's graphs."""
        return self.path.stem


def fold(text: str) -> str:
    """Lower-case and strip accents: lookups and alt-label checks ignore both."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


class _Reader:
    """Reads one fact file; every error names that file and the line of the bad value."""

    def __init__(self, path: Path, index: OntologyIndex, source_dirs: tuple[Path, ...]) -> None:
        self.path = path
        self.index = index
        self.source_dirs = source_dirs

    def fail(self, message: str, node: Located | int | None, item: str | None = None) -> FactFileError:
        line = node.line if isinstance(node, Located) else node
        return FactFileError(message, file=self.path, line=line, item=item)

    def read(self) -> FactFile:
        raw = self.path.read_bytes()
        root = load_located(self.path)
        if root is None or not isinstance(root.value, dict):
            raise self.fail("a fact file must be a mapping with 'source', 'entities' and 'statements'", root)
        unknown = set(root.value) - {"source", "entities", "statements", "note"}
        if unknown:
            key = sorted(unknown)[0]
            raise self.fail(f"unknown top-level key '{key}' (expected source, entities, statements)", root.value[key])
        source_node = root.value.get("source")
        if source_node is None or not isinstance(source_node.value, str):
            raise self.fail("missing 'source:' naming the article this file quotes", root)
        try:
            source = find_source(source_node.value, self.path, self.source_dirs)
        except FactFileError as exc:
            raise self.fail(exc.message, source_node, "source") from None
        self.source = source
        facts = FactFile(self.path, source, hashlib.sha256(raw).hexdigest())
        seen: dict[str, int] = {}
        for node in self.items(root, "entities"):
            entity = self.entity(node)
            if entity.id in seen:
                raise self.fail(f"duplicate id '{entity.id}' (first declared on line {seen[entity.id]})", node, entity.id)
            seen[entity.id] = node.line
            facts.entities.append(entity)
        facts.statements = [self.statement(node) for node in self.items(root, "statements")]
        return facts

    def items(self, root: Located, key: str) -> list[Located]:
        node = root.value.get(key)
        if node is None:
            return []
        if not isinstance(node.value, list):
            raise self.fail(f"'{key}' must be a list", node)
        for item in node.value:
            if not isinstance(item.value, dict):
                raise self.fail(f"each item of '{key}' must be a mapping", item)
        return node.value

    def text(self, node: Located, what: str) -> str:
        if not isinstance(node.value, str) or not node.value.strip():
            raise self.fail(f"{what} must be non-empty text", node)
        return node.value.strip()

    def texts(self, node: Located, what: str) -> list[Located]:
        items = node.value if isinstance(node.value, list) else [node]
        for item in items:
            self.text(item, what)
        return items

    def quote(self, node: Located, item: str) -> Quote:
        text = self.text(node, "quote")
        try:
            offset, prefix, suffix = self.source.locate(text)
        except QuoteNotFoundError as exc:
            raise QuoteNotFoundError(exc.message, file=self.path, line=node.line, item=item) from None
        return Quote(normalise(text), node.line, offset, prefix, suffix)

    def entity(self, node: Located) -> EntityDecl:
        fields = node.value
        if "id" not in fields:
            raise self.fail("entity without 'id'", node)
        entity_id = self.text(fields["id"], "id")
        if not ID_PATTERN.match(entity_id):
            raise self.fail(f"id '{entity_id}' must be lower case letters, digits and hyphens", fields["id"], entity_id)
        for key in fields:
            if key not in ENTITY_KEYS:
                raise self.fail(f"unknown entity key '{key}' (expected {', '.join(sorted(ENTITY_KEYS))})",
                                fields[key], entity_id)
        if "quote" not in fields:
            raise self.fail("entity without 'quote': say where the source names it", node, entity_id)
        types = []
        if "type" in fields:
            for type_node in self.texts(fields["type"], "type"):
                name = type_node.value.strip()
                if name not in self.index.classes:
                    raise self.fail(f"unknown class '{name}'", type_node, entity_id)
                types.append(self.index.classes[name])
        quotes = [self.quote(q, entity_id) for q in self.texts(fields["quote"], "quote")]
        alts = [a.value.strip() for a in self.texts(fields["alt"], "alt")] if "alt" in fields else []
        for alt_node, alt in zip(self.texts(fields["alt"], "alt") if alts else [], alts):
            if not any(fold(normalise(alt)) in fold(q.text) for q in quotes):
                raise self.fail(f"alt label '{alt}' does not appear in the entity's quote", alt_node, entity_id)
        label = self.text(fields["label"], "label") if "label" in fields else None
        return EntityDecl(entity_id, types, label, alts, quotes, node.line)

    def statement(self, node: Located) -> Statement:
        fields = node.value
        for required in ("quote", "subject"):
            if required not in fields:
                raise self.fail(f"statement without '{required}'", node)
        subject = self.text(fields["subject"], "subject")
        quote = self.quote(fields["quote"], subject)
        assertions = []
        for key, value_node in fields.items():
            if key in STATEMENT_KEYS:
                continue
            prop = self.index.properties.get(key)
            if prop is None:
                raise self.fail(f"unknown property '{key}'", value_node, subject)
            values = value_node.value if isinstance(value_node.value, list) else [value_node]
            if not values:
                raise self.fail(f"'{key}' has an empty list", value_node, subject)
            for item in values:
                assertions.append(Assertion(prop, key, self.value(prop, key, item, subject), item.line))
        if not assertions:
            raise self.fail("statement asserts nothing: add at least one property", node, subject)
        return Statement(subject, quote, assertions, node.line)

    def value(self, prop: PropertyInfo, key: str, node: Located, subject: str) -> Value:
        rng = prop.range
        if rng == AMOUNT_RANGE:
            return Amount(*self.structured(node, key, subject, "currency", CURRENCY_PATTERN,
                                           "an ISO 4217 code such as EUR or USD"))
        if rng == QUANTITY_RANGE:
            return Quantity(*self.structured(node, key, subject, "unit", None, "text"))
        if not isinstance(node.value, str):
            raise self.fail(f"'{key}' takes plain values, not a {type(node.value).__name__}", node, subject)
        text = node.value.strip()
        if prop.is_object:
            if not ID_PATTERN.match(text) and text not in self.index.individuals:
                raise self.fail(f"'{key}' expects an entity id, got '{text}'", node, subject)
            return Reference(text)
        if rng == DATE_RANGE:
            return Literal(text, self.date_type(text, node, key, subject))
        if rng == XSD.integer and not INTEGER_PATTERN.match(text):
            raise self.fail(f"'{key}' expects a whole number, got '{text}'", node, subject)
        if rng == XSD.decimal and not DECIMAL_PATTERN.match(text):
            raise self.fail(f"'{key}' expects a number, got '{text}'", node, subject)
        if not text:
            raise self.fail(f"'{key}' is empty", node, subject)
        return Literal(text, rng if rng in (XSD.integer, XSD.decimal) else XSD.string)

    def structured(self, node: Located, key: str, subject: str, unit_key: str, pattern, unit_help: str):
        if not isinstance(node.value, dict):
            raise self.fail(f"'{key}' expects {{value: ..., {unit_key}: ...}}", node, subject)
        extra = set(node.value) - {"value", unit_key}
        if extra:
            raise self.fail(f"'{key}' has unknown key '{sorted(extra)[0]}'", node, subject)
        if "value" not in node.value:
            raise self.fail(f"'{key}' without a value", node, subject)
        if unit_key not in node.value:
            raise self.fail(f"'{key}' without a {unit_key}", node, subject)
        value = node.value["value"]
        if not isinstance(value.value, str) or not DECIMAL_PATTERN.match(value.value.strip()):
            raise self.fail(f"'{key}' value must be a plain number, got '{value.text()}'", value, subject)
        unit = node.value[unit_key]
        if not isinstance(unit.value, str) or (pattern and not pattern.match(unit.value.strip())):
            raise self.fail(f"'{key}' {unit_key} must be {unit_help}, got '{unit.text()}'", unit, subject)
        return value.value.strip(), unit.value.strip()

    def date_type(self, text: str, node: Located, key: str, subject: str) -> URIRef:
        try:
            if re.fullmatch(r"\d{4}", text):
                return XSD.gYear
            if re.fullmatch(r"\d{4}-\d{2}", text):
                dt.date(int(text[:4]), int(text[5:]), 1)
                return XSD.gYearMonth
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                dt.date.fromisoformat(text)
                return XSD.date
        except ValueError:
            raise self.fail(f"impossible date '{text}'", node, subject) from None
        raise self.fail(f"'{key}' expects a date as YYYY-MM-DD, YYYY-MM or YYYY, got '{text}'", node, subject)


def read_fact_file(path: Path, index: OntologyIndex, source_dirs: tuple[Path, ...] = ()) -> FactFile:
    return _Reader(path, index, source_dirs).read()


@dataclass
class EntityInfo:
    """An entity merged over every file that declares it."""

    id: str
    types: list[URIRef]
    label: str | None
    where: tuple[Path, int]
    superclasses: set[URIRef] = field(default_factory=set)


def resolve(files: list[FactFile], index: OntologyIndex) -> dict[str, EntityInfo]:
    """Merge entity declarations across files and check every reference points at something."""
    entities: dict[str, EntityInfo] = {}
    for facts in files:
        for decl in facts.entities:
            _merge(entities, decl, facts.path)
    for info in entities.values():
        if not info.types or not info.label:
            missing = "type" if not info.types else "label"
            raise FactFileError(f"entity is never given a {missing}", file=info.where[0], line=info.where[1], item=info.id)
        for cls in info.types:
            info.superclasses |= index.superclasses_of(cls)
    for facts in files:
        for statement in facts.statements:
            _check_statement(statement, facts.path, entities, index)
    return entities


def _merge(entities: dict[str, EntityInfo], decl: EntityDecl, path: Path) -> None:
    info = entities.get(decl.id)
    if info is None:
        entities[decl.id] = EntityInfo(decl.id, list(decl.types), decl.label, (path, decl.line))
        return
    if decl.types and info.types and set(decl.types) != set(info.types):
        raise FactFileError(
            f"type conflicts with the declaration in {info.where[0].name}:{info.where[1]}",
            file=path, line=decl.line, item=decl.id)
    if decl.label and info.label and decl.label != info.label:
        raise FactFileError(
            f"label '{decl.label}' conflicts with '{info.label}' in {info.where[0].name}:{info.where[1]}",
            file=path, line=decl.line, item=decl.id)
    info.types = info.types or list(decl.types)
    info.label = info.label or decl.label


def _check_statement(statement: Statement, path: Path, entities: dict[str, EntityInfo], index: OntologyIndex) -> None:
    if statement.subject not in entities:
        raise FactFileError(f"subject '{statement.subject}' is not declared in any fact file",
                            file=path, line=statement.line, item=statement.subject)
    for assertion in statement.assertions:
        value = assertion.value
        if not isinstance(value, Reference):
            continue
        rng = assertion.prop.range
        if value.id in entities:
            target_classes = entities[value.id].superclasses
        elif value.id in index.individuals:
            target_classes = set().union(*(index.superclasses_of(t) for t in
                                           index.graph.objects(index.individuals[value.id], RDF.type)))
        else:
            raise FactFileError(f"'{assertion.name}' refers to '{value.id}', which no fact file declares",
                                file=path, line=assertion.line, item=statement.subject)
        if rng not in (OWL.Thing, RDFS.Resource) and rng not in target_classes:
            raise FactFileError(
                f"'{assertion.name}' expects an entity of class {_local(rng)}, but '{value.id}' is a "
                f"{', '.join(sorted(_local(t) for t in entities[value.id].types)) if value.id in entities else 'term'}",
                file=path, line=assertion.line, item=statement.subject)


def _local(iri: URIRef) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1] if "#" in text else text.rsplit("/", 1)[-1]

