"""Read fact files into checked entities and statements.

Everything a curator can get wrong is caught here, at the edge, with the file and line: malformed YAML,
unknown classes or properties, values that do not fit a property's range, impossible dates, amounts
without a currency, quotes that are not in the article, duplicate or conflicting ids, and references to
entities no loaded file declares.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from kzlinks.errors import FactFileError, FactFileProblems, KGError, QuoteNotFoundError
from kzlinks.facts.articles import SourceText, find_source, normalise
from kzlinks.facts.files import MAX_FACT_FILE_BYTES, read_regular
from kzlinks.facts.identity import resolve_identity
from kzlinks.facts.literals import DATE_FORMS_HELP, DECIMAL, INTEGER, ImpossibleDate, NotADate, date_datatype
from kzlinks.facts.resolved import Resolution, read_resolved
from kzlinks.facts.vocabulary import AMOUNT_RANGE, DATE_RANGE, QUANTITY_RANGE, OntologyIndex, PropertyInfo
from kzlinks.facts.yamlfile import Located, load_located
from kzlinks.namespaces import iri_segment, local_name
from kzlinks.suggest import did_you_mean

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
INTEGER_PATTERN, DECIMAL_PATTERN = INTEGER, DECIMAL  # ASCII digits only, as XSD says (kzlinks.facts.literals)
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
class ResolvedDate(Literal):
    """A date completed from the article's publication date (kzlinks.facts.resolved)."""

    resolution: Resolution | None = None


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
        """The stem that names this file's graphs (percent-encoded where a character cannot be in an IRI)."""
        return iri_segment(self.path.stem)


def fold(text: str) -> str:
    """Lower-case and strip accents: lookups and alt-label checks ignore both."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


class _Reader:
    """Reads one fact file; every error names that file and the line of the bad value."""

    def __init__(self, path: Path, index: OntologyIndex, source_dirs: tuple[Path, ...]) -> None:
        self.path = path
        self.index = index
        self.source_dirs = source_dirs
        self.located: dict[str, tuple[str, int, str, str]] = {}  # quote as written -> normalised, where found

    def fail(self, message: str, node: Located | int | None, item: str | None = None) -> FactFileError:
        line = node.line if isinstance(node, Located) else node
        return FactFileError(message, file=self.path, line=line, item=item)

    def read(self) -> FactFile:
        root = load_located(self.path)  # first: it refuses what is not a regular file, before any read
        raw = read_regular(self.path, MAX_FACT_FILE_BYTES, "YAML file")
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
        problems: list[KGError] = []  # every item is checked, so one run reports all of a file's mistakes
        for node in self.items(root, "entities"):
            entity = _collect(problems, self.entity, node)
            if entity is None:
                continue
            if entity.id in seen:
                problems.append(
                    self.fail(f"duplicate id '{entity.id}' (first declared on line {seen[entity.id]})", node, entity.id)
                )
            seen[entity.id] = node.line
            facts.entities.append(entity)
        for node in self.items(root, "statements"):
            statement = _collect(problems, self.statement, node)
            if statement is not None:
                facts.statements.append(statement)
        if problems:
            raise problems[0] if len(problems) == 1 else FactFileProblems(problems)
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
        found = self.located.get(text)  # a passage is quoted by each entity and statement it backs: find it once
        if found is None:
            try:
                offset, prefix, suffix = self.source.locate(text)
            except QuoteNotFoundError as exc:
                raise QuoteNotFoundError(exc.message, file=self.path, line=node.line, item=item) from None
            found = self.located[text] = (normalise(text), offset, prefix, suffix)
        return Quote(found[0], node.line, found[1], found[2], found[3])

    def entity(self, node: Located) -> EntityDecl:
        fields = node.value
        if "id" not in fields:
            raise self.fail("entity without 'id'", node)
        entity_id = self.text(fields["id"], "id")
        if not ID_PATTERN.match(entity_id):
            raise self.fail(f"id '{entity_id}' must be lower case letters, digits and hyphens", fields["id"], entity_id)
        for key in fields:
            if key not in ENTITY_KEYS:
                raise self.fail(f"unknown entity key '{key}'{did_you_mean(key, ENTITY_KEYS)}", fields[key], entity_id)
        if "quote" not in fields:
            raise self.fail("entity without 'quote': say where the source names it", node, entity_id)
        types = []
        if "type" in fields:
            for type_node in self.texts(fields["type"], "type"):
                name = type_node.value.strip()
                if name not in self.index.classes:
                    raise self.fail(
                        f"unknown class '{name}'{did_you_mean(name, self.index.classes)}", type_node, entity_id
                    )
                types.append(self.index.classes[name])
        quotes = [self.quote(q, entity_id) for q in self.texts(fields["quote"], "quote")]
        alts = [a.value.strip() for a in self.texts(fields["alt"], "alt")] if "alt" in fields else []
        for alt_node, alt in zip(self.texts(fields["alt"], "alt") if alts else [], alts, strict=False):
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
        self.quote_text = quote.text  # a date resolved against the publication date must be in it
        assertions: list[Assertion] = []
        problems: list[KGError] = []
        for key, value_node in fields.items():
            if key not in STATEMENT_KEYS:
                _collect(problems, self.assertions, key, value_node, subject, assertions)
        if problems:
            raise problems[0] if len(problems) == 1 else FactFileProblems(problems)
        if not assertions:
            raise self.fail("statement asserts nothing: add at least one property", node, subject)
        return Statement(subject, quote, assertions, node.line)

    def assertions(self, key: str, value_node: Located, subject: str, into: list[Assertion]) -> None:
        prop = self.index.properties.get(key)
        if prop is None:
            hint = did_you_mean(key, [*self.index.properties, *STATEMENT_KEYS])
            raise self.fail(f"unknown property '{key}'{hint}", value_node, subject)
        values = value_node.value if isinstance(value_node.value, list) else [value_node]
        if not values:
            raise self.fail(f"'{key}' has an empty list", value_node, subject)
        for item in values:
            into.append(Assertion(prop, key, self.value(prop, key, item, subject), item.line))

    def value(self, prop: PropertyInfo, key: str, node: Located, subject: str) -> Value:
        rng = prop.range
        if rng == AMOUNT_RANGE:
            return Amount(
                *self.structured(
                    node, key, subject, "currency", CURRENCY_PATTERN, "an ISO 4217 code such as EUR or USD"
                )
            )
        if rng == QUANTITY_RANGE:
            return Quantity(*self.structured(node, key, subject, "unit", None, "text"))
        if rng == DATE_RANGE and isinstance(node.value, dict):
            value, datatype, how = read_resolved(
                node, key, subject, self.quote_text, self.source, self.date_type, self.path
            )
            return ResolvedDate(value, datatype, how)
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
            return date_datatype(text)
        except ImpossibleDate:
            raise self.fail(f"impossible date '{text}'", node, subject) from None
        except NotADate:
            raise self.fail(f"'{key}' expects a date as {DATE_FORMS_HELP}, got '{text}'", node, subject) from None


def _collect(problems: list[KGError], check, *args):
    """Run one item's check; a mistake is kept (every part of it, when it has several) and None returned."""
    try:
        return check(*args)
    except FactFileProblems as exc:
        problems += exc.problems
    except FactFileError as exc:
        problems.append(exc)
    return None


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
    same_as: str | None = None  # the canonical id, when a `sameAs` statement makes this id its alias


Decl = tuple[str, tuple[str, ...], str | None, int]  # id, class IRIs, label, line
Ref = tuple[str, str, str, int]  # property name, range IRI, entity id, line
StatementRefs = tuple[str, int, list[Ref]]  # subject, line, entity references
LiteralFact = tuple[str, int, str, str]  # subject, statement line, property name, lexical value


@dataclass
class FileSummary:
    """What the checks across files need of one fact file, in plain values: its entity declarations and its
    statements' subjects and entity references. Cheap to cache and to load, so an incremental build can
    re-check every file against a changed one without reading them all again."""

    path: Path
    source: object  # the article: anything with .name and .title
    digest: str
    decls: list[Decl]
    statements: list[StatementRefs]
    literals: list[LiteralFact] = field(default_factory=list)  # for the modelling check (facts/duplicates.py)


def summarise(facts: FactFile | FileSummary) -> FileSummary:
    if isinstance(facts, FileSummary):
        return facts
    decls = [(d.id, tuple(str(t) for t in d.types), d.label, d.line) for d in facts.entities]
    statements = [
        (
            s.subject,
            s.line,
            [(a.name, str(a.prop.range), a.value.id, a.line) for a in s.assertions if isinstance(a.value, Reference)],
        )
        for s in facts.statements
    ]
    literals = [
        (s.subject, s.line, a.name, a.value.lexical)
        for s in facts.statements
        for a in s.assertions
        if isinstance(a.value, Literal)
    ]
    return FileSummary(facts.path, facts.source, facts.digest, decls, statements, literals)


def resolve(files: list[FactFile | FileSummary], index: OntologyIndex) -> dict[str, EntityInfo]:
    """Merge entity declarations across files and check every reference points at something."""
    summaries = [summarise(f) for f in files]
    entities: dict[str, EntityInfo] = {}
    declared: dict[str, set[str]] = {}  # entity id -> its class IRIs as text, for conflict checks
    for facts in summaries:
        for decl in facts.decls:
            _merge(entities, declared, decl, facts.path)
    supers = _Superclasses(index)
    for info in entities.values():
        if not info.types or not info.label:
            missing = "type" if not info.types else "label"
            raise FactFileError(
                f"entity is never given a {missing}", file=info.where[0], line=info.where[1], item=info.id
            )
        for cls in info.types:
            info.superclasses |= supers.of(cls)
    classes = {entity_id: supers.as_text(info.superclasses) for entity_id, info in entities.items()}
    for facts in summaries:
        for statement in facts.statements:
            _check_statement(statement, facts.path, entities, classes, index, supers)
    resolve_identity(summaries, entities)
    return entities


def check_statements(files: list[FileSummary], entities: Mapping[str, EntityInfo], index: OntologyIndex) -> None:
    """The statement checks `resolve` makes, for some files only, against entities already resolved: an
    incremental build whose declarations did not change re-checks just the changed files."""
    supers = _Superclasses(index)
    ids = {ref[2] for facts in files for _, _, refs in facts.statements for ref in refs}
    classes = {i: supers.as_text(entities[i].superclasses) for i in ids if i in entities}
    for facts in files:
        for statement in facts.statements:
            _check_statement(statement, facts.path, entities, classes, index, supers)


def superclass_finder(index: OntologyIndex):
    """A class's superclasses, each computed once: what `resolve` gives an entity (for entities kept from
    a build memo, kzlinks.dataset.buildmemo)."""
    return _Superclasses(index).of


_uri = lru_cache(maxsize=1024)(URIRef)


class _Superclasses:
    """Superclass sets per class and per ontology individual, computed once per build, not per statement."""

    def __init__(self, index: OntologyIndex) -> None:
        self.index = index
        self.classes: dict[URIRef, set[URIRef]] = {}
        self.individuals: dict[str, frozenset[str]] = {}
        self.texts: dict[frozenset, frozenset[str]] = {}

    def of(self, cls: URIRef) -> set[URIRef]:
        if cls not in self.classes:
            self.classes[cls] = self.index.superclasses_of(cls)
        return self.classes[cls]

    def of_individual(self, name: str) -> frozenset[str]:
        if name not in self.individuals:
            types = self.index.graph.objects(self.index.individuals[name], RDF.type)
            self.individuals[name] = self.as_text(set().union(*(self.of(t) for t in types)))
        return self.individuals[name]

    def as_text(self, classes: set[URIRef]) -> frozenset[str]:
        """Plain strings compare in C; URIRef's __eq__ is Python, and this runs once per reference."""
        key = frozenset(classes)
        if key not in self.texts:
            self.texts[key] = frozenset(str(c) for c in classes)
        return self.texts[key]


def _merge(entities: dict[str, EntityInfo], declared: dict[str, set[str]], decl: Decl, path: Path) -> None:
    entity_id, types, label, line = decl
    info = entities.get(entity_id)
    if info is None:
        entities[entity_id] = EntityInfo(entity_id, [_uri(t) for t in types], label, (path, line))
        declared[entity_id] = set(types)
        return
    if types and info.types and set(types) != declared[entity_id]:
        raise FactFileError(
            f"type conflicts with the declaration in {info.where[0].name}:{info.where[1]}",
            file=path,
            line=line,
            item=entity_id,
        )
    if label and info.label and label != info.label:
        raise FactFileError(
            f"label '{label}' conflicts with '{info.label}' in {info.where[0].name}:{info.where[1]}",
            file=path,
            line=line,
            item=entity_id,
        )
    if not info.types:
        info.types, declared[entity_id] = [_uri(t) for t in types], set(types)
    info.label = info.label or label


_ANY = frozenset({str(OWL.Thing), str(RDFS.Resource)})


def _check_statement(
    statement: StatementRefs,
    path: Path,
    entities: dict[str, EntityInfo],
    classes: dict[str, frozenset[str]],
    index: OntologyIndex,
    supers: _Superclasses,
) -> None:
    subject, statement_line, refs = statement
    if subject not in entities:
        raise FactFileError(
            f"subject '{subject}' is not declared in any fact file{did_you_mean(subject, entities)}",
            file=path,
            line=statement_line,
            item=subject,
        )
    for name, range_iri, value_id, line in refs:
        rng = range_iri
        if value_id in classes:
            target_classes = classes[value_id]
        elif value_id in index.individuals:
            target_classes = supers.of_individual(value_id)
        else:
            raise FactFileError(
                f"'{name}' refers to '{value_id}', which no fact file declares and the ontology does not "
                f"define{_hint_value(value_id, rng, entities, index, supers)}",
                file=path,
                line=line,
                item=subject,
            )
        if rng not in _ANY and rng not in target_classes:
            raise FactFileError(
                f"'{name}' expects an entity of class {local_name(rng)}, but '{value_id}' is a "
                f"{', '.join(sorted(local_name(t) for t in entities[value_id].types)) if value_id in entities else 'term'}",
                file=path,
                line=line,
                item=subject,
            )


def _hint_value(
    value_id: str, rng: str, entities: dict[str, EntityInfo], index: OntologyIndex, supers: _Superclasses
) -> str:
    """The valid names nearest a bad reference: the ontology's individuals of the range's class (the statuses,
    the transport modes) when it has any, else the entity ids."""
    fitting = [name for name in index.individuals if rng in supers.of_individual(name)]
    if fitting:
        return did_you_mean(value_id, fitting)
    return did_you_mean(value_id, entities)
