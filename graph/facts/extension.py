"""A user's ontology extension: their own classes and properties in a Turtle file of their own.

An extension is loaded next to the packaged ontology, never written into it, so it lives beside the user's
facts and survives an upgrade. It is held to the core's rules (DESIGN.md, "Modelling rules"): every new term
has a label and a comment and a place in the existing tree (a class under a known class, a property under a
known property), and every property has a domain and a range the build can read values against. A term the
core already defines may not be redefined: the error names the file and the line of the clash.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from kzlinks.errors import KGError, OntologyError, OntologyProblems
from kzlinks.namespaces import KG, SCHEMA, prefixed
from kzlinks.suggest import did_you_mean

TERM_KINDS = {OWL.Class: "class", OWL.ObjectProperty: "property", OWL.DatatypeProperty: "property"}
LITERAL_RANGES = {XSD.string, XSD.integer, XSD.decimal, KG.FlexibleDate}
VALUE_RANGES = {SCHEMA.MonetaryAmount, KG.Quantity}
ANY = {OWL.Thing, RDFS.Resource}


def parse_extension(path: Path) -> Graph:
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except FileNotFoundError:
        raise OntologyError("no such ontology extension file", file=path) from None
    except Exception as exc:  # rdflib raises many parser types; all mean the same to the user
        raise OntologyError(f"cannot parse ontology extension: {exc}", file=path, line=_parser_line(exc)) from None
    return graph


def check_extension(core: Graph, extension: Graph, path: Path) -> None:
    """Raise one OntologyError listing every problem (file and line each) if the extension breaks a rule."""
    lines = _TermLines(path, extension)
    problems: list[KGError] = []
    core_subjects = set(core.subjects())
    for subject in sorted(set(extension.subjects()), key=str):
        if subject in core_subjects and isinstance(subject, URIRef):
            problems.append(
                OntologyError(
                    "is defined by the packaged ontology (kg.ttl); an extension may add new terms, not change these",
                    file=path,
                    line=lines.of(subject),
                    item=prefixed(subject),
                )
            )
    known = core + extension
    # known: declared in either file, or a standard term the core itself builds on (foaf:Person, dcterms:subject)
    classes = set(known.subjects(RDF.type, OWL.Class)) | set(core.objects(None, RDFS.subClassOf)) | ANY
    properties = {p for kind in TERM_KINDS if kind != OWL.Class for p in known.subjects(RDF.type, kind)}
    properties |= set(core.objects(None, RDFS.subPropertyOf))
    for kind, what in TERM_KINDS.items():
        new = {t for t in extension.subjects(RDF.type, kind) if isinstance(t, URIRef)} - core_subjects
        for term in sorted(new, key=str):
            problems += [
                OntologyError(message, file=path, line=lines.of(term), item=prefixed(term))
                for message in _term_problems(extension, term, kind, what, classes, properties)
            ]
    if problems:
        raise OntologyProblems(problems)


def _parent_problems(graph: Graph, term: URIRef, parent: URIRef, what: str, known: set) -> list[str]:
    """A new class or property must sit under one that exists (core or extension): say where it does not."""
    supers = list(graph.objects(term, parent))
    link = prefixed(parent)
    if not supers:
        return [f"new {what} without {link}: place it under an existing {what}"]
    return [
        f"{link} {prefixed(s)}: no such {what}{did_you_mean(prefixed(s), map(prefixed, known))}"
        for s in supers
        if s not in known
    ]


def _term_problems(graph: Graph, term: URIRef, kind: URIRef, what: str, classes: set, properties: set) -> list[str]:
    problems = []
    if not str(term).startswith(str(KG)):
        problems.append(f"new terms go in the kg: namespace ({KG}), the one fact files name terms in")
    for needed, name in ((RDFS.label, "rdfs:label"), (RDFS.comment, "rdfs:comment")):
        if graph.value(term, needed) is None:
            problems.append(f"new {what} without {name}")
    if kind == OWL.Class:
        return problems + _parent_problems(graph, term, RDFS.subClassOf, "class", classes)
    problems += _parent_problems(graph, term, RDFS.subPropertyOf, "property", properties)
    domain, rng = graph.value(term, RDFS.domain), graph.value(term, RDFS.range)
    if domain is None:
        problems.append("new property without rdfs:domain")
    elif domain not in classes:
        problems.append(
            f"rdfs:domain {prefixed(domain)}: no such class{did_you_mean(prefixed(domain), map(prefixed, classes))}"
        )
    if rng is None:
        problems.append("new property without rdfs:range")
    elif kind == OWL.DatatypeProperty and rng not in LITERAL_RANGES:
        allowed = ", ".join(sorted(prefixed(r) for r in LITERAL_RANGES))
        problems.append(f"rdfs:range {prefixed(rng)}: a datatype property's range is one of {allowed}")
    elif kind == OWL.ObjectProperty and rng not in classes | VALUE_RANGES:
        problems.append(
            f"rdfs:range {prefixed(rng)}: no such class{did_you_mean(prefixed(rng), map(prefixed, classes))}"
        )
    return problems


class _TermLines:
    """The line where a term is defined: the first line that starts with it (its subject position)."""

    def __init__(self, path: Path, graph: Graph) -> None:
        self.text = path.read_text(encoding="utf-8").splitlines()
        self.namespaces = [(str(prefix), str(ns)) for prefix, ns in graph.namespaces()]

    def forms(self, term: URIRef) -> list[str]:
        iri = str(term)
        forms = [f"<{iri}>"]
        for prefix, ns in self.namespaces:
            if iri.startswith(ns) and ns:
                forms.append(f"{prefix}:{iri[len(ns) :]}")
        return forms

    def of(self, term: URIRef) -> int | None:
        """First a line that starts with the term (where it is defined), else the first line naming it."""
        patterns = [re.compile(rf"(^|[\s;,(\[]){re.escape(form)}(?=[\s;,.)\]]|$)") for form in self.forms(term)]
        for anchored in (True, False):
            for number, line in enumerate(self.text, 1):
                for pattern in patterns:
                    found = pattern.search(line)
                    if found and (not anchored or not line[: found.start()].strip()):
                        return number
        return None


def _parser_line(exc: Exception) -> int | None:
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else None


__all__ = ["parse_extension", "check_extension", "OntologyProblems"]
