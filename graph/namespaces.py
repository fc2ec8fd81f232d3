"""The IRIs the project mints, in one place, so every module builds them the same way."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/kzlinks/"
KG = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
SOURCE = Namespace(BASE + "source/")
SCHEMA = Namespace("http://schema.org/")
OA = Namespace("http://www.w3.org/ns/oa#")
SH = Namespace("http://www.w3.org/ns/shacl#")

ONTOLOGY_GRAPH = GRAPH["ontology"]
REFERENCE_GRAPH = GRAPH["reference"]
SOURCES_GRAPH = GRAPH["sources"]
DERIVED_GRAPH = GRAPH["derived"]

PREFIXES = {
    "kg": str(KG),
    "id": str(ID),
    "graph": str(GRAPH),
    "src": str(SOURCE),
    "schema": str(SCHEMA),
    "oa": str(OA),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "org": str(ORG),
    "foaf": str(FOAF),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
}


def entity_iri(entity_id: str) -> str:
    """The IRI of a fact-file entity id."""
    return str(ID[entity_id])


def source_iri(file_name: str) -> str:
    """The IRI of a source article, by its file name without extension."""
    return str(SOURCE[iri_segment(file_name.rsplit(".", 1)[0])])


_IRI_SAFE = frozenset("-._~!$&'()*+,;=:@")


def iri_segment(text: str) -> str:
    """`text` as one IRI path segment: letters and digits (any script) and IRI-safe punctuation kept, every
    other character (space, `<>#%/?`, controls) percent-encoded, so any file name makes a valid IRI; the
    project's own names (`001_b3d0d2c17928b21d`) are unchanged.

    >>> iri_segment("probe copy <1>#2%")
    'probe%20copy%20%3C1%3E%232%25'
    """
    if text.isascii() and text.replace("-", "").replace("_", "").replace(".", "").isalnum():
        return text
    return "".join(c if c.isalnum() or c in _IRI_SAFE else _percent(c) for c in text)


def _percent(char: str) -> str:
    try:  # a file name's undecodable byte arrives as a surrogate escape: encode the byte itself
        data = char.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = char.encode("utf-8", "surrogatepass")
    return "".join(f"%{byte:02X}" for byte in data)


def sparql_prefixes() -> str:
    """PREFIX lines for every namespace above, for queries written without them."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def local_name(iri: object) -> str:
    """The readable tail of an IRI: a project id without its namespace (`aktau`), else the part after `#`
    or the last `/` (`kg:Port` -> `Port`). One function, so every message and view shortens alike."""
    text = _text(iri)
    if text.startswith(str(ID)):
        return text[len(str(ID)) :]
    return text.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def prefixed(iri: object, bare_ids: bool = False) -> str:
    """`prefix:local` for an IRI in a known namespace (the longest match), else `<iri>`; with `bare_ids`,
    a project id is shown without a prefix, as curators write it in fact files."""
    text = _text(iri)
    if bare_ids and text.startswith(str(ID)):
        return text[len(str(ID)) :]
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if text.startswith(ns):
            return f"{prefix}:{text[len(ns) :]}"
    return f"<{text}>"


def _text(term: object) -> str:
    """An IRI's text from a str, an rdflib term or a pyoxigraph term (whose str() is `<iri>`)."""
    return term if isinstance(term, str) else str(getattr(term, "value", term))
