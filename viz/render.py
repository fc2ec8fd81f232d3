"""Render a view to one self-contained HTML file with pyvis and our own template.

pyvis's stock template loads vis-network, tom-select and bootstrap from CDNs even with
cdn_resources="in_line", so a view would be blank offline. Our template (viz/templates/view.html) inlines
the vis-network build that pyvis ships (pyvis/templates/lib/vis-9.1.2), our own script and styles, and
uses nothing else: no request leaves the machine. Nodes and edges are handed to pyvis's Network as
ready-made dicts because Network.add_node/add_edge check for duplicates by scanning lists, which is
quadratic and takes minutes at 10,000 nodes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pyvis
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pyvis.network import Network

from kzlinks.dataset.export import atomic_write

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
PYVIS_LIB = Path(pyvis.__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2"
PHYSICS_NODE_LIMIT = 300  # above this, the precomputed layout is final: physics off


@dataclass
class View:
    name: str  # file stem: middle-corridor -> middle-corridor.html
    title: str
    description: str  # one line: what the view shows (also on the index page)
    nodes: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    cards: dict[str, dict] = field(default_factory=dict)  # node or edge id -> card
    legend: list[dict] = field(default_factory=list)
    physics: bool = False  # refine the precomputed layout in the browser (small graphs only)
    answers: str = ""  # the question the view answers (on the index page)
    extra: dict = field(default_factory=dict)  # background, panel, filters, cut: read by view.js

    @property
    def file_name(self) -> str:
        return f"{self.name}.html"


def _assets() -> dict[str, str]:
    return {
        "vis_js": (PYVIS_LIB / "vis-network.min.js").read_text(encoding="utf-8"),
        "vis_css": (PYVIS_LIB / "vis-network.css").read_text(encoding="utf-8"),
        "view_js": (STATIC / "view.js").read_text(encoding="utf-8"),
        "view_css": (STATIC / "view.css").read_text(encoding="utf-8"),
    }


def options(view: View) -> dict:
    """vis-network options: precomputed positions; bounded physics only on small graphs."""
    big = len(view.nodes) > PHYSICS_NODE_LIMIT
    physics = view.physics and not big
    return {
        "autoResize": True,
        "layout": {"improvedLayout": False, "randomSeed": 7},
        "physics": {
            "enabled": physics,
            "solver": "barnesHut",
            "barnesHut": {"gravitationalConstant": -6000, "springLength": 140, "avoidOverlap": 0.3},
            "stabilization": {"enabled": physics, "iterations": 150, "fit": True},
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": big,
            "hideEdgesOnZoom": big,
            "multiselect": False,
        },
        # view.js draws the labels itself (fixed screen size, none over another): vis-network's are off
        "nodes": {
            "font": {"size": 14, "face": "sans-serif"},
            "borderWidth": 1.5,
            "scaling": {"label": {"enabled": False, "drawThreshold": 1e9}},
        },
        "edges": {"smooth": False, "color": {"inherit": False}, "font": {"size": 11, "align": "middle"}},
    }


def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))


def script_json(data) -> str:
    """JSON that is safe inside a <script> element: no '<', '>' or '&' can end it early."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(view: View, views: list[View] | None = None) -> str:
    """The view as one HTML document; `views` lists the sibling views for the navigation bar."""
    net = Network(height="100%", width="100%", directed=True, heading=view.title, cdn_resources="in_line")
    net.nodes, net.edges = view.nodes, view.edges
    net.node_ids = [n["id"] for n in view.nodes]
    net.node_map = {n["id"]: n for n in view.nodes}
    net.options = options(view)
    net.templateEnv = _environment()
    net.path = "view.html"
    siblings = [{"file": v.file_name, "title": v.title} for v in (views or [])]
    net.templateEnv.globals.update(
        _assets(),
        view=view,
        siblings=siblings,
        payload=script_json(
            {
                "cards": view.cards,
                "legend": view.legend,
                "physics": net.options["physics"]["enabled"],
                "name": view.name,
                **view.extra,
            }
        ),
    )
    return net.generate_html(name=view.file_name)


def render_index(views: list[View], extra: tuple[tuple[str, str, str], ...] = ()) -> str:
    """The index page: every view with a thumbnail drawn here (SVG, no browser needed), what it answers
    and one line on what it shows."""
    from kzlinks.viz.thumbs import thumbnail

    entries = [
        {
            "file": v.file_name,
            "title": v.title,
            "description": v.description,
            "answers": v.answers,
            "thumb": thumbnail(v),
            "size": f"{len(v.nodes)} nodes, {len(v.edges)} edges",
        }
        for v in views
    ]
    entries += [{"file": f, "title": t, "description": d, "answers": "", "thumb": "", "size": ""} for f, t, d in extra]
    template = _environment().get_template("index.html")
    return template.render(entries=entries, view_css=(STATIC / "view.css").read_text(encoding="utf-8"))


def write(path: Path, html: str) -> Path:
    atomic_write(path, html.encode("utf-8"))
    return path
