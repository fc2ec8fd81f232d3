"""What lets a rebuild reuse the derived graph's results, and stay exactly what a cold build would compute.

The derived graph (kzlinks.analysis.derived) is a function of the three network projections
(kzlinks.analysis.projections), and they read only some triples of the graph. Two reuses follow, both exact:

1. Nothing the projections read changed. `touches_projections` tells whether a triple is one the projection
   queries can match (a rule per query pattern, kept beside them here). When no triple that differs from the
   last build's does, every projection, and so the whole derived graph, is what it was: the build keeps it.
   The usual curator's edit (a description, a date, a quote) is of that kind.
2. A network's results (routes, cuts, scores, communities) are a function of that network alone: its nodes,
   edges and their attributes, a few labels its results print, and this code. `fingerprint` digests them;
   `ResultCache` keeps each network's quads under that digest, so an edit that changes the actor network
   recomputes the actor network's results and reuses the corridor's and the agreements'.

The results live in each snapshot beside its index (`derived.json` and one `derived-<fingerprint>.nq` per
network), written and published with it, named by fingerprint and checked by digest, so they never serve
a result for another network; a missing or damaged file is recomputed, never an error. A derived graph is
kept only when the live snapshot's `derived.json` says this code computed it, so one made by an older
version is recomputed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from fractions import Fraction
from importlib.metadata import version
from pathlib import Path

import networkx as nx
import pyoxigraph
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat

from kzlinks.dataset.export import atomic_write
from kzlinks.namespaces import ID, KG, OWL, RDF, RDFS

RESULTS_VERSION = "derived-1"  # bump when derived.py or algorithms.py change what they compute from a network
CODE_VERSION = f"{RESULTS_VERSION} networkx {version('networkx')} rustworkx {version('rustworkx')}"
STATE_FILE = "derived.json"

_RDF_TYPE = str(RDF.type)
ALWAYS_READ = frozenset(
    [str(RDFS.label), str(RDFS.subClassOf)]  # Entities: labels, class hierarchy
    + [str(KG[p]) for p in ("fromNode", "toNode", "legOf", "sequence", "mode", "crosses")]  # corridor legs
    + [str(KG[p]) for p in ("latitude", "longitude", "locatedIn", "memberOf")]  # corridor places
    + [str(KG[p]) for p in ("holder", "office", "officeIn")]  # actor network: tenures
)


def type_objects_read(index: pyoxigraph.Store) -> frozenset[str]:
    """The classes whose `rdf:type` triples the projections read whatever the subject: owl:Class (class
    labels), kg:Leg (legs) and every subclass of kg:Agent (an actor may be any resource). Types of id:
    entities are read anyway. Read from the new index: when the class hierarchy changed, a subClassOf
    triple changed too, and that alone is read."""
    agent = str(KG.Agent)
    rows = index.query(f"SELECT ?c WHERE {{ ?c <{RDFS.subClassOf}>* <{agent}> }}", use_default_graph_as_union=False)
    assert isinstance(rows, pyoxigraph.QuerySolutions)
    return frozenset({str(OWL.Class), str(KG.Leg), agent} | {row["c"].value for row in rows})


def touches_projections(quad: Quad, type_objects: frozenset[str]) -> bool:
    """Whether a projection query can match this triple (kzlinks.analysis.projections, query by query):

    - Entities: rdfs:subClassOf, rdfs:label (any subject), rdf:type of id: entities and of owl:Class;
    - corridor: kg:Leg types and the leg and place predicates (any subject);
    - actor network: a triple from an id: entity to a resource (the resource may be an agent), agent types,
      tenures; agreement network: triples between id: entities (a subset of the former), document types
      (documents are id: entities, as both ends must be).
    Anything else (literals on entities: descriptions, dates, amounts; quotes, passages, sources) is not.
    """
    predicate = quad.predicate.value
    if predicate in ALWAYS_READ:
        return True
    subject = quad.subject
    from_entity = isinstance(subject, NamedNode) and subject.value.startswith(str(ID))
    if predicate == _RDF_TYPE:
        return from_entity or (isinstance(quad.object, NamedNode) and quad.object.value in type_objects)
    return from_entity and not isinstance(quad.object, Literal)


# ------------------------------------------------------------------------------------------- fingerprints


_ATOMS = (str, int, float, bool, type(None))


def _plain(value: object) -> object:
    """An order-free form of an attribute, made of atoms, lists and dicts with sorted keys, whose repr
    is canonical: sets and lists sorted (the results never depend on the order of a tie list or a link
    list), tuples kept in order, fractions exact."""
    if type(value) in _ATOMS:
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda item: str(item[0]))}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset, list)):
        return sorted((_plain(v) for v in value), key=repr)
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    return value


def fingerprint(network: nx.Graph, labels: Mapping[str, str]) -> str:
    """A digest of everything a network's results depend on: the code, the network's attributes, nodes
    and edges (order-free) and the labels its results print that are not node labels. Each item is
    written as the repr of its plain form (`_plain`), which is canonical and several times quicker to
    make than JSON with sorted keys."""
    lines = [CODE_VERSION, repr(_plain(network.graph)), repr(_plain(dict(labels)))]
    lines += [repr([node, _plain(data)]) for node, data in network.nodes(data=True)]
    edges = network.edges(keys=True, data=True) if network.is_multigraph() else network.edges(data=True)
    for edge in edges:
        u, v, key, data = edge[0], edge[1], edge[2:-1], edge[-1]
        lines.append(repr([*sorted((u, v)), _plain(list(key)), _plain(data)]))
    head, tail = lines[:3], sorted(lines[3:])
    return hashlib.sha256("\n".join(head + tail).encode("utf-8")).hexdigest()[:32]


# ------------------------------------------------------------------------------------------------- cache


class ResultCache:
    """Each network's derived quads by fingerprint, kept in the snapshot beside its index.

    A build reads the live snapshot's files (`previous`) and writes the new snapshot's (`folder`), which is
    published or discarded with it. A snapshot's `derived.json` says that its derived graph was computed by
    this code and lists the networks' result files beside it (`derived-<fingerprint>.nq`) with the digest of
    each. Only ever an aid: a state that is missing, unreadable or of another version, and a result file
    that is missing or does not match its digest, count as absent, and the results are recomputed.
    """

    def __init__(self, previous: Path | None, folder: Path | None) -> None:
        self.folder = folder
        self.previous = previous
        self.known = _read_state(previous) if previous is not None else {}
        self.used: dict[str, str] = {}  # fingerprint -> digest of its file, for this build's state

    def _file(self, folder: Path, key: str) -> Path:
        return folder / f"derived-{key}.nq"

    def get(self, key: str) -> list[Quad] | None:
        if self.previous is None or key not in self.known:
            return None
        try:
            data = self._file(self.previous, key).read_bytes()
            if _digest(data) != self.known[key]:
                return None
            quads = list(pyoxigraph.parse(data, format=RdfFormat.N_QUADS))
        except (OSError, SyntaxError, ValueError):
            return None
        self._keep(key, data)
        return quads

    def put(self, key: str, quads: list[Quad]) -> None:
        self._keep(key, pyoxigraph.serialize(quads, format=RdfFormat.N_QUADS) or b"")

    def _keep(self, key: str, data: bytes) -> None:
        self.used[key] = _digest(data)
        if self.folder is not None:
            atomic_write(self._file(self.folder, key), data)

    def previous_graph_stands(self) -> bool:
        """Whether the live snapshot's derived graph was computed by this code (its state says so and its
        files are intact); if so they are carried into the new snapshot, since the graph is kept."""
        if self.previous is None or self.folder is None or not self.known:
            return False
        try:
            for key, expected in self.known.items():
                source = self._file(self.previous, key)
                if _digest(source.read_bytes()) != expected:
                    return False
                _link_or_copy(source, self._file(self.folder, key))
        except OSError:
            return False
        self.used = dict(self.known)
        self.record()
        return True

    def record(self) -> None:
        """Say, in the new snapshot, that its derived graph is this code's, made of these networks' files."""
        if self.folder is not None:
            state = {"code": CODE_VERSION, "networks": self.used}
            atomic_write(self.folder / STATE_FILE, json.dumps(state, sort_keys=True).encode("utf-8"))


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_state(folder: Path) -> dict[str, str]:
    """The result files a snapshot's state lists, with their digests; none unless it is this code's."""
    try:
        state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
        networks = state["networks"] if state.get("code") == CODE_VERSION else {}
        return {str(k): str(v) for k, v in networks.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _link_or_copy(source: Path, target: Path) -> None:
    """A snapshot's files never change once written, so the next snapshot may share them."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        atomic_write(target, source.read_bytes())


__all__ = ["touches_projections", "type_objects_read", "fingerprint", "ResultCache", "CODE_VERSION"]
