"""The ontology documents itself: every class and property has a label and a comment, every property a
domain and a range; the shapes parse and only name terms the ontology defines."""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS

from kzlinks.dataset.validation import load_shapes
from kzlinks.facts.vocabulary import load_index
from kzlinks.namespaces import KG

ONTOLOGY = load_index().graph
CLASSES = sorted(c for c in ONTOLOGY.subjects(RDF.type, OWL.Class) if str(c).startswith(str(KG)))
PROPERTIES = sorted(p for kind in (OWL.ObjectProperty, OWL.DatatypeProperty) for p in ONTOLOGY.subjects(RDF.type, kind))


@pytest.mark.parametrize("term", CLASSES + PROPERTIES, ids=str)
def test_term_has_label_and_comment(term):
    assert ONTOLOGY.value(term, RDFS.label), f"{term} has no rdfs:label"
    assert ONTOLOGY.value(term, RDFS.comment), f"{term} has no rdfs:comment"


@pytest.mark.parametrize("prop", PROPERTIES, ids=str)
def test_property_has_domain_and_range(prop):
    assert ONTOLOGY.value(prop, RDFS.domain) is not None, f"{prop} has no rdfs:domain"
    assert ONTOLOGY.value(prop, RDFS.range) is not None, f"{prop} has no rdfs:range"


def test_every_kg_term_the_shapes_name_is_defined():
    shapes: Graph = load_shapes()
    defined = set(CLASSES) | set(PROPERTIES) | {s for s in ONTOLOGY.subjects() if str(s).startswith(str(KG))}
    used = {t for triple in shapes for t in triple if str(t).startswith(str(KG)) and "Shape" not in str(t)}
    assert used <= defined, sorted(used - defined)


def test_reused_vocabularies_are_linked():
    """Own classes hang under the standard ones (ORG, FOAF, schema.org, PROV, SKOS) where they fit."""
    superclasses = {str(o) for c in CLASSES for o in ONTOLOGY.objects(c, RDFS.subClassOf)}
    for standard in (
        "http://www.w3.org/ns/org#Organization",
        "http://xmlns.com/foaf/0.1/Person",
        "http://schema.org/Event",
        "http://schema.org/Country",
        "http://www.w3.org/2004/02/skos/core#Concept",
        "http://www.w3.org/ns/org#Post",
        "http://www.w3.org/ns/prov#Entity",
    ):
        assert standard in superclasses, standard


def test_the_ontology_is_a_versioned_artifact():
    """Like W3C DCAT: a version IRI, a licence, a modification date and creators on the ontology header, and
    every term of the project's namespace defined by it, labelled and commented (individuals included)."""
    from rdflib import Graph, Namespace, URIRef
    from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

    from kzlinks.ontology import ONTOLOGY_FILE

    graph = Graph().parse(ONTOLOGY_FILE, format="turtle")
    header = URIRef("https://w3id.org/kzlinks/ontology")
    for prop in (OWL.versionIRI, OWL.versionInfo, DCTERMS.license, DCTERMS.modified, DCTERMS.creator):
        assert (header, prop, None) in graph, f"the ontology header has no {prop}"
    kg = Namespace("https://w3id.org/kzlinks/ontology#")
    terms = {s for s in graph.subjects(RDF.type, None) if str(s).startswith(str(kg))}
    assert len(terms) > 150
    for prop in (RDFS.isDefinedBy, RDFS.label, RDFS.comment):
        missing = sorted(str(t).split("#")[1] for t in terms if (t, prop, None) not in graph)
        assert not missing, f"terms without {prop}: {missing}"
