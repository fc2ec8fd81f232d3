"""The SHACL shapes as SPARQL queries run on the Oxigraph store: validation that scales to a million triples.

pyshacl walks the data graph in Python and copies it into rdflib first; at a million triples that takes many
minutes. Each SHACL constraint of ontology/shapes.ttl is a simple graph pattern, so this module compiles the
shapes (SHACL Core, the part the project uses) into one SELECT per constraint that returns the violating focus
nodes, and Oxigraph answers them in seconds. Anything it cannot compile raises Unsupported, and the caller
falls back to pyshacl, which stays the reference validator (tests/test_validation_equivalence.py checks both
report the same violations).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, XSD

from kzlinks.namespaces import SH

# XSD types whose ill-formed literals pyshacl rejects (rdflib does not check the g* types), tested here with
# a cast, which Oxigraph refuses for an ill-formed lexical form.
QUERY_THREADS = 2  # the checks run side by side: Oxigraph evaluates a query without holding the GIL
CASTABLE = {
    XSD[t] for t in ("boolean", "integer", "decimal", "float", "double", "date", "dateTime", "time", "duration")
}
VALUE_CONSTRAINTS = (
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.pattern,
    SH["in"],
    SH["or"],
    SH["and"],
    SH["not"],
    SH.node,
    SH.minLength,
    SH.maxLength,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minExclusive,
    SH.maxExclusive,
)
KNOWN = set(VALUE_CONSTRAINTS) | {
    SH.path,
    SH.minCount,
    SH.maxCount,
    SH.hasValue,
    SH.message,
    SH.property,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.flags,
    SH.severity,
    SH.deactivated,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    RDF.type,
    RDFS.comment,
    RDFS.label,
}
COMPARISONS = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}


class Unsupported(Exception):
    """The shapes use a SHACL feature this compiler does not translate."""


@dataclass(frozen=True)
class Violation:
    """One validation result, as pyshacl would report it."""

    focus: str
    path: str | None
    message: str
    value: str | None = None

    def key(self) -> tuple[str, str, str, str]:
        return self.focus, self.path or "", self.message, self.value or ""


def ordered(found) -> list[Violation]:
    """Violations in a stable order, so the first one reported does not change from run to run."""
    return sorted(found, key=Violation.key)


@dataclass(frozen=True)
class Check:
    query: str  # SELECT ?this ?value ... with a {FOCUS} placeholder for restricting focus nodes
    path: str | None
    message: str


def _sparql(term) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        text = json.dumps(str(term), ensure_ascii=False)
        if term.language:
            return f"{text}@{term.language}"
        return f"{text}^^<{term.datatype}>" if term.datatype else text
    raise Unsupported(f"a blank node where a term was expected: {term}")


class Compiler:
    """Turns a shapes graph into checks; `closure(C)` lists C and its subclasses in the data."""

    def __init__(self, shapes: Graph, closure) -> None:
        self.g = shapes
        self.closure = closure
        self.fresh = itertools.count()

    def var(self) -> str:
        return f"?v{next(self.fresh)}"

    def one(self, node, prop):
        values = list(self.g.objects(node, prop))
        if len(values) > 1:
            raise Unsupported(f"several values of {prop} on one shape")
        return values[0] if values else None

    def items(self, node) -> list:
        return list(Collection(self.g, node))

    def checks(self) -> list[Check]:
        out = []
        for shape in sorted(self._shapes(), key=str):
            if self._inactive(shape):
                continue
            target = self._target(shape)
            if target is None:
                continue
            out += self._node_checks(shape, target)
            for prop in sorted(self.g.objects(shape, SH.property), key=str):
                if not self._inactive(prop):
                    out += self._property_checks(prop, target, self._message(prop))
        return out

    def _shapes(self) -> set:
        targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
        shapes = {s for t in targets for s in self.g.subjects(t, None)}
        for shape in self.g.subjects(RDF.type, SH.NodeShape):
            if (shape, RDF.type, RDFS.Class) in self.g:
                raise Unsupported("implicit class targets")
        for _s, p, _ in self.g:
            if str(p).startswith(str(SH)) and p not in KNOWN:
                raise Unsupported(f"SHACL feature {p}")
        return shapes

    def _inactive(self, shape) -> bool:
        """Deactivated shapes never fail; warnings and infos do not fail the build (allow_warnings)."""
        deactivated = self.one(shape, SH.deactivated)
        severity = self.one(shape, SH.severity)
        return bool(deactivated and deactivated.toPython()) or severity not in (None, SH.Violation)

    def _message(self, shape) -> str | None:
        message = self.one(shape, SH.message)
        return str(message) if message is not None else None

    def _target(self, shape) -> str | None:
        parts = []
        for cls in self.g.objects(shape, SH.targetClass):
            classes = " ".join(f"<{c}>" for c in self.closure(cls))
            parts.append(f"VALUES ?cls {{ {classes} }} ?this a ?cls .")
        for prop in self.g.objects(shape, SH.targetSubjectsOf):
            parts.append(f"?this {_sparql(prop)} [] .")
        for prop in self.g.objects(shape, SH.targetObjectsOf):
            parts.append(f"[] {_sparql(prop)} ?this .")
        for node in self.g.objects(shape, SH.targetNode):
            parts.append(f"VALUES ?this {{ {_sparql(node)} }}")
        if not parts:
            return None
        # The focus nodes, each once: the union of thousands of graphs repeats an entity's type per passage.
        return f"{{ SELECT DISTINCT ?this WHERE {{ {{FOCUS}} {' UNION '.join(f'{{ {p} }}' for p in parts)} }} }}"

    def path(self, node) -> str:
        if isinstance(node, URIRef):
            return f"<{node}>"
        if (node, RDF.first, None) in self.g:
            return "/".join(self.path(step) for step in self.items(node))
        for prop, fmt in (
            (SH.inversePath, "^{}"),
            (SH.zeroOrMorePath, "{}*"),
            (SH.oneOrMorePath, "{}+"),
            (SH.zeroOrOnePath, "{}?"),
        ):
            inner = self.one(node, prop)
            if inner is not None:
                return fmt.format(f"({self.path(inner)})")
        alternatives = self.one(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(step) for step in self.items(alternatives)) + ")"
        raise Unsupported(f"path {node}")

    def pattern(self, node, subject: str, obj: str) -> str:
        """Triple patterns linking subject to obj along a SHACL path; sequence paths become explicit joins,
        which Oxigraph plans better than a property path over the union of thousands of graphs."""
        if isinstance(node, BNode) and (node, RDF.first, None) in self.g:
            steps = self.items(node)
            names = [subject] + [self.var() for _ in steps[:-1]] + [obj]
            return " ".join(self.pattern(step, names[i], names[i + 1]) for i, step in enumerate(steps))
        return f"{subject} {self.path(node)} {obj} ."

    def _node_checks(self, shape, target: str) -> list[Check]:
        conditions = [
            self.value_condition(shape, c, o, "?this") for c in VALUE_CONSTRAINTS for o in self.g.objects(shape, c)
        ]
        if not conditions:
            return []
        message = self._message(shape) or "node does not conform to the shape"
        query = f"SELECT DISTINCT ?this (?this AS ?value) WHERE {{ {target} FILTER(!({' && '.join(conditions)})) }}"
        return [Check(query, None, message)]

    def _property_checks(self, prop, target: str, message: str | None) -> list[Check]:
        path_node = self.one(prop, SH.path)
        if path_node is None:
            raise Unsupported("a property shape without sh:path")
        iri = str(path_node) if isinstance(path_node, URIRef) else None
        head = target

        def step(obj: str) -> str:
            return self.pattern(path_node, "?this", obj)

        checks = []
        minimum, maximum = self.one(prop, SH.minCount), self.one(prop, SH.maxCount)
        if minimum is not None and int(minimum) > 0:
            # MINUS is one anti-join; NOT EXISTS re-evaluates a path per focus node and is quadratic
            query = (
                f"SELECT DISTINCT ?this WHERE {{ {head} MINUS {{ {{FOCUS}} {step('?x')} }} }}"
                if int(minimum) == 1
                else f"SELECT ?this WHERE {{ {head} OPTIONAL {{ {step('?x')} }} }} GROUP BY ?this "
                f"HAVING (COUNT(DISTINCT ?x) < {int(minimum)})"
            )
            checks.append(Check(query, iri, message or f"Less than {minimum} values"))
        if maximum is not None:
            query = (
                f"SELECT ?this WHERE {{ {head} {step('?x')} }} GROUP BY ?this "
                f"HAVING (COUNT(DISTINCT ?x) > {int(maximum)})"
            )
            checks.append(Check(query, iri, message or f"More than {maximum} values"))
        for value in self.g.objects(prop, SH.hasValue):
            query = f"SELECT DISTINCT ?this WHERE {{ {head} MINUS {{ {{FOCUS}} {step(_sparql(value))} }} }}"
            checks.append(Check(query, iri, message or f"Missing expected value {value}"))
        for constraint in VALUE_CONSTRAINTS:
            for obj in self.g.objects(prop, constraint):
                condition = self.value_condition(prop, constraint, obj, "?value")
                query = f"SELECT DISTINCT ?this ?value WHERE {{ {head} {step('?value')} FILTER(!({condition})) }}"
                checks.append(Check(query, iri, message or f"Value does not conform to {constraint}"))
        return checks

    def value_condition(self, shape, constraint, obj, v: str) -> str:
        """A SPARQL expression true when the node in `v` satisfies one constraint."""
        if constraint == SH["class"]:
            classes = " ".join(f"<{c}>" for c in self.closure(obj))
            t = self.var()
            return f"EXISTS {{ VALUES {t} {{ {classes} }} {v} a {t} }}"
        if constraint == SH.datatype:
            well_formed = f" && COALESCE(isLiteral(<{obj}>(STR({v}))), false)" if obj in CASTABLE else ""
            return f"(isLiteral({v}) && datatype({v}) = <{obj}>{well_formed})"
        if constraint == SH.nodeKind:
            kinds = {
                SH.IRI: f"isIRI({v})",
                SH.BlankNode: f"isBlank({v})",
                SH.Literal: f"isLiteral({v})",
                SH.BlankNodeOrIRI: f"!isLiteral({v})",
                SH.BlankNodeOrLiteral: f"!isIRI({v})",
                SH.IRIOrLiteral: f"!isBlank({v})",
            }
            return kinds[obj]
        if constraint == SH.pattern:
            flags = self.one(shape, SH.flags)
            extra = f", {json.dumps(str(flags))}" if flags is not None else ""
            return f"(!isBlank({v}) && REGEX(STR({v}), {json.dumps(str(obj))}{extra}))"
        if constraint == SH["in"]:
            return f"({v} IN ({', '.join(_sparql(i) for i in self.items(obj))}))"
        if constraint in (SH.minLength, SH.maxLength):
            op = ">=" if constraint == SH.minLength else "<="
            return f"(!isBlank({v}) && STRLEN(STR({v})) {op} {int(obj)})"
        if constraint in COMPARISONS:
            return f"COALESCE({v} {COMPARISONS[constraint]} {_sparql(obj)}, false)"
        if constraint == SH["or"]:
            return "(" + " || ".join(self.shape_condition(s, v) for s in self.items(obj)) + ")"
        if constraint == SH["and"]:
            return "(" + " && ".join(self.shape_condition(s, v) for s in self.items(obj)) + ")"
        if constraint == SH["not"]:
            return f"!({self.shape_condition(obj, v)})"
        if constraint == SH.node:
            return self.shape_condition(obj, v)
        raise Unsupported(f"constraint {constraint}")

    def shape_condition(self, shape, v: str) -> str:
        """A SPARQL expression true when the node in `v` conforms to a nested shape."""
        parts = [self.value_condition(shape, c, o, v) for c in VALUE_CONSTRAINTS for o in self.g.objects(shape, c)]
        path_node = self.one(shape, SH.path)
        if path_node is not None:
            parts += self._nested_property(shape, path_node, v)
        for prop in self.g.objects(shape, SH.property):
            parts.append(self.shape_condition(prop, v))
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def _nested_property(self, shape, path_node, v: str) -> list[str]:
        parts = []
        minimum, maximum = self.one(shape, SH.minCount), self.one(shape, SH.maxCount)
        w, w2 = self.var(), self.var()
        if minimum is not None and int(minimum) > 1:
            raise Unsupported("sh:minCount above 1 inside a nested shape")
        if minimum is not None and int(minimum) == 1:
            parts.append(f"EXISTS {{ {self.pattern(path_node, v, w)} }}")
        if maximum is not None:
            if int(maximum) > 1:
                raise Unsupported("sh:maxCount above 1 inside a nested shape")
            parts.append(
                f"NOT EXISTS {{ {self.pattern(path_node, v, w)} }}"
                if int(maximum) == 0
                else f"NOT EXISTS {{ {self.pattern(path_node, v, w)} {self.pattern(path_node, v, w2)} "
                f"FILTER({w} != {w2}) }}"
            )
        for value in self.g.objects(shape, SH.hasValue):
            parts.append(f"EXISTS {{ {self.pattern(path_node, v, _sparql(value))} }}")
        for constraint in VALUE_CONSTRAINTS:
            for obj in self.g.objects(shape, constraint):
                u = self.var()
                condition = self.value_condition(shape, constraint, obj, u)
                parts.append(f"NOT EXISTS {{ {self.pattern(path_node, v, u)} FILTER(!({condition})) }}")
        return parts


def _closure(store: ox.Store, union: bool):
    cache: dict = {}

    def closure(cls) -> list[str]:
        if cls not in cache:
            rows = store.query(
                f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* <{cls}> }}", use_default_graph_as_union=union
            )
            cache[cls] = sorted({row["c"].value for row in rows if isinstance(row["c"], ox.NamedNode)} | {str(cls)})
        return cache[cls]

    return closure


def compile_checks(shapes: Graph, store: ox.Store, union: bool = True) -> list[Check]:
    """Every constraint of `shapes` as a query over `store` (class closures read from the store's data).
    `union`: read the union of the named graphs; False for a query index, whose default graph is the union."""
    return Compiler(shapes, _closure(store, union)).checks()


def _term_text(term) -> str | None:
    """IRIs, blank node ids and literals' lexical forms, as pyshacl's report gives them."""
    return None if term is None else term.value


def violations(
    store: ox.Store, checks: list[Check], focus: Iterable[str] | None = None, union: bool = True
) -> list[Violation]:
    """Run the checks on the union of the store's graphs, only for `focus` nodes if given."""
    restrict = ""
    if focus is not None:
        nodes = sorted(set(focus))
        if not nodes:
            return []
        restrict = "VALUES ?this { " + " ".join(f"<{n}>" for n in nodes) + " }"

    def run(check: Check) -> list[Violation]:
        rows = store.query(check.query.replace("{FOCUS}", restrict), use_default_graph_as_union=union)
        with_value = "value" in [v.value for v in rows.variables]
        return [
            Violation(
                _term_text(row["this"]), check.path, check.message, _term_text(row["value"]) if with_value else None
            )
            for row in rows
        ]

    found: set[Violation] = set()
    with ThreadPoolExecutor(max_workers=QUERY_THREADS, thread_name_prefix="kg-shacl") as pool:
        for rows in pool.map(run, checks):
            found.update(rows)
    return ordered(found)


__all__ = ["compile_checks", "violations", "ordered", "Violation", "Check", "Unsupported"]
