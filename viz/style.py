"""One visual vocabulary for every view: a colour and a shape per ontology class, a line style per leg
mode and per kind of tie.

A node takes the style of its most specific class that has one, walking up the class hierarchy
(a StateVisit is drawn as a visit, a HeadOfStateOffice as an office), so a class added to the ontology
later still gets a sensible look, and a reader who learnt the legend in one view can read every other.
"""

from __future__ import annotations

from dataclasses import dataclass

from kzlinks.namespaces import KG, local_name


@dataclass(frozen=True)
class NodeStyle:
    name: str  # the legend's words
    color: str
    shape: str  # a vis-network shape with the label outside the node


# Most specific first is not needed: lookup walks each node's own class hierarchy.
CLASS_STYLES: dict[str, NodeStyle] = {
    "Person": NodeStyle("person", "#d62728", "dot"),
    "State": NodeStyle("state", "#1f77b4", "square"),
    "InternationalOrganisation": NodeStyle("international organisation", "#17becf", "diamond"),
    "Institution": NodeStyle("institution", "#9467bd", "triangle"),
    "FinancialInstitution": NodeStyle("financial institution", "#8c564b", "triangleDown"),
    "Company": NodeStyle("company", "#7f7f7f", "hexagon"),
    "EducationalInstitution": NodeStyle("educational institution", "#bcbd22", "hexagon"),
    "Organisation": NodeStyle("organisation", "#6baed6", "diamond"),
    "Group": NodeStyle("group or delegation", "#c7c7c7", "triangle"),
    "Office": NodeStyle("office", "#ff9896", "square"),
    "Tenure": NodeStyle("tenure", "#fdae6b", "dot"),
    "City": NodeStyle("city", "#2ca02c", "dot"),
    "Port": NodeStyle("port", "#00796b", "star"),
    "WaterBody": NodeStyle("water body (sea crossing)", "#4a90d9", "hexagon"),
    "Region": NodeStyle("region", "#a1d99b", "square"),
    "Venue": NodeStyle("venue", "#74c476", "triangleDown"),
    "Place": NodeStyle("place", "#98df8a", "dot"),
    "TransportCorridor": NodeStyle("transport corridor", "#ff7f0e", "star"),
    "Route": NodeStyle("route", "#fdd0a2", "star"),
    "Leg": NodeStyle("leg", "#ffbb78", "triangleDown"),
    "Agreement": NodeStyle("agreement", "#e6550d", "square"),
    "Document": NodeStyle("document", "#c49c94", "square"),
    "Visit": NodeStyle("visit", "#e377c2", "triangle"),
    "Meeting": NodeStyle("meeting or talks", "#f768a1", "dot"),
    "Event": NodeStyle("event", "#fa9fb5", "diamond"),
    "Initiative": NodeStyle("initiative", "#dadb59", "star"),
    "Relationship": NodeStyle("relationship", "#9edae5", "diamond"),
    "Sector": NodeStyle("sector", "#bdbdbd", "dot"),
    "Figure": NodeStyle("figure", "#d9d9d9", "square"),
}
FALLBACK = NodeStyle("other", "#97c2fc", "dot")


@dataclass(frozen=True)
class EdgeStyle:
    name: str
    color: str
    dashes: bool | list[int]
    width: float


EDGE_STYLES: dict[str, EdgeStyle] = {
    "Rail": EdgeStyle("rail leg", "#444444", False, 3),
    "Road": EdgeStyle("road leg", "#8c6d31", [8, 4], 3),
    "Sea": EdgeStyle("sea leg (sea crossing)", "#1f6fd1", [4, 6], 4),
    "Air": EdgeStyle("air leg", "#9467bd", [2, 6], 2),
    "leg": EdgeStyle("leg, mode not stated", "#999999", False, 3),
    "event": EdgeStyle("tie: took part in the same event", "#e377c2", False, 2),
    "agreement": EdgeStyle("tie: party to the same agreement", "#e6550d", False, 2),
    "document": EdgeStyle("tie: named in the same document", "#c49c94", False, 2),
    "office": EdgeStyle("tie: holds an office in", "#d62728", [6, 3], 2),
    "relationship": EdgeStyle("tie: party to the same relationship", "#17becf", False, 2),
    "initiative": EdgeStyle("tie: same initiative", "#bcbd22", False, 2),
    "figure": EdgeStyle("tie: concerned by the same figure", "#bdbdbd", False, 1),
    "link": EdgeStyle("direct link (member of, partner, ...)", "#7f7f7f", [2, 4], 1.5),
    "statement": EdgeStyle("stated link", "#9e9e9e", False, 1.5),
    "party": EdgeStyle("stated: party, signatory, author", "#e6550d", False, 2),
    "produced": EdgeStyle("stated: produced by or presented at an event", "#e377c2", False, 2),
}
CHOKEPOINT_BORDER = "#b71c1c"


def node_style(types: tuple[str, ...] | list[str], supers: dict[str, set[str]]) -> tuple[str, NodeStyle]:
    """The style (and the class it comes from) for a node with these types: its own most specific styled
    class, else the nearest styled superclass."""
    for cls in types:  # most specific first, as graph.projections orders them
        if cls.startswith(str(KG)) and local_name(cls) in CLASS_STYLES:
            return local_name(cls), CLASS_STYLES[local_name(cls)]
    for cls in types:
        ancestors = sorted(supers.get(cls, ()), key=lambda s: -len(supers.get(s, ())))
        for sup in ancestors:
            if sup.startswith(str(KG)) and local_name(sup) in CLASS_STYLES:
                return local_name(sup), CLASS_STYLES[local_name(sup)]
    return "other", FALLBACK


def edge_style(kind: str) -> EdgeStyle:
    return EDGE_STYLES.get(kind, EDGE_STYLES["statement"])
