"""Benchmark (not a test): how long views take to generate and to open, on synthetic 1,000 and 10,000
node graphs.

    python -m kzlinks.bench.views [--sizes 1000 10000] [--no-browser]      (also: kg viz bench)

For each size it writes a synthetic store shaped like the real one (places with reference coordinates
joined by legs, some crossing a sea, each leg stated in a passage graph with a quote; actors tied by
events), computes its derived graph, then times the real view pipeline (SPARQL projection, cards, layout,
render) for the map view and the actor view, and, in headless Chromium with the network blocked, the time
until the view has drawn and the time one full redraw takes at the fitted view and zoomed 2x and 4x
(what panning and zooming cost).
"""

from __future__ import annotations

import argparse
import math
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kzlinks.analysis.derived import write_derived
from kzlinks.dataset.store import Manifest, StoreDir
from kzlinks.namespaces import GRAPH, ID, KG, OA, PROV, RDF, RDFS, SOURCE, XSD
from kzlinks.sparql.engines import OxigraphEngine
from kzlinks.viz.render import render, write
from kzlinks.viz.views import ViewData, actors_view, corridor_view

WATERS = 5


class Quads:
    """Builds passage graphs the way the build does: each a kg:Passage derived from a source, with a quote."""

    def __init__(self) -> None:
        self.items: list[ox.Quad] = []
        self.doc = ox.NamedNode(str(SOURCE) + "synthetic")
        self.add(self.doc, str(RDF.type), ox.NamedNode(str(KG.SourceDocument)), GRAPH["sources"])

    def add(self, s, p: str, o, g) -> None:
        def node(x: Any) -> Any:
            return x if isinstance(x, (ox.NamedNode, ox.Literal)) else ox.NamedNode(str(x))

        self.items.append(ox.Quad(node(s), ox.NamedNode(p), node(o), node(g)))

    def passage(self, key: str, quote: str) -> ox.NamedNode:
        g = ox.NamedNode(f"{GRAPH}synthetic/{key}")
        selector = ox.NamedNode(g.value + "#selector")
        target = ox.NamedNode(g.value + "#target")
        self.add(g, str(RDF.type), ox.NamedNode(str(KG.Passage)), g)
        self.add(g, str(PROV.wasDerivedFrom), self.doc, g)
        self.add(g, str(OA.hasTarget), target, g)
        self.add(target, str(OA.hasSelector), selector, g)
        self.add(selector, str(OA.exact), ox.Literal(quote), g)
        return g

    def entity(self, ident: str, cls: str, label: str, g) -> ox.NamedNode:
        e = ox.NamedNode(str(ID) + ident)
        self.add(e, str(RDF.type), ox.NamedNode(str(KG[cls])), g)
        self.add(e, str(RDFS.label), ox.Literal(label, language="en"), g)
        return e


def _map_graph(q: Quads, nodes: int, rng: random.Random) -> None:
    """`nodes` places (a few of them seas) on a Eurasia-sized box, each joined to its nearest neighbours."""
    reference = GRAPH["reference"]
    places = []
    for i in range(nodes - WATERS):
        lat, lon = rng.uniform(30, 55), rng.uniform(20, 120)
        g = q.passage(f"place-{i}", f"the city of Place {i} lies on the route")
        e = q.entity(f"place-{i}", "Port" if i % 9 == 0 else "City", f"Place {i}", g)
        q.add(e, str(KG.latitude), ox.Literal(f"{lat:.4f}", datatype=ox.NamedNode(str(XSD.decimal))), reference)
        q.add(e, str(KG.longitude), ox.Literal(f"{lon:.4f}", datatype=ox.NamedNode(str(XSD.decimal))), reference)
        places.append((lon, lat, e))
    waters = []
    for w in range(WATERS):
        g = q.passage(f"sea-{w}", f"across Sea {w}")
        waters.append(q.entity(f"sea-{w}", "WaterBody", f"Sea {w}", g))
    corridor = q.entity(
        "synthetic-corridor", "TransportCorridor", "Synthetic corridor", q.passage("corridor", "the corridor")
    )
    places.sort(key=lambda p: (p[0], p[1]))
    legs = [(places[i], places[i + 1]) for i in range(len(places) - 1)]
    legs += [(places[i], places[min(len(places) - 1, i + rng.randint(2, 6))]) for i in range(0, len(places) - 2, 3)]
    for n, ((_, _, a), (_, _, b)) in enumerate(legs):
        g = q.passage(f"leg-{n}", f"goods travel from {a.value[-12:]} to {b.value[-12:]}")
        leg = q.entity(f"leg-{n}", "Leg", f"leg {n}", g)
        for prop, value in (("legOf", corridor), ("fromNode", a), ("toNode", b)):
            q.add(leg, str(KG[prop]), value, g)
        sea = n % 10 == 0
        q.add(leg, str(KG.mode), ox.NamedNode(str(KG.Sea if sea else KG.Rail)), g)
        if sea:
            q.add(leg, str(KG.crosses), waters[(n // 10) % WATERS], g)


def _actor_graph(q: Quads, nodes: int, rng: random.Random) -> None:
    """`nodes` actors (people, states, institutions), tied by events of two to four participants."""
    kinds = ("Person", "Person", "State", "Institution")
    actors = []
    for i in range(nodes):
        g = q.passage(f"actor-{i}", f"Actor {i} is named")
        actors.append(q.entity(f"actor-{i}", kinds[i % len(kinds)], f"Actor {i}", g))
    for n in range(nodes // 2 + 1):
        g = q.passage(f"event-{n}", f"they met at event {n}")
        event = q.entity(f"event-{n}", "Meeting", f"meeting {n}", g)
        centre = (2 * n) % nodes  # every actor takes part in at least one event
        q.add(event, str(KG.participant), actors[centre], g)
        q.add(event, str(KG.participant), actors[(centre + 1) % nodes], g)
        for _ in range(rng.randint(0, 2)):
            q.add(event, str(KG.participant), actors[(centre + 1 + int(rng.expovariate(0.05))) % nodes], g)


def synthetic_store(root: Path, nodes: int, kind: str, seed: int = 7) -> tuple[StoreDir, float]:
    """A store with `nodes` map places or actors, its ontology and its derived graph; returns the derive time."""
    from kzlinks.ontology import ONTOLOGY_FILE

    q = Quads()
    (_map_graph if kind == "map" else _actor_graph)(q, nodes, random.Random(seed))
    store_dir = StoreDir(root)
    snapshot = store_dir.new_snapshot()
    db = snapshot.open_dataset()
    onto = ox.NamedNode(str(GRAPH["ontology"]))
    db.bulk_extend(
        ox.Quad(t.subject, t.predicate, t.object, onto)
        for t in ox.parse(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE)
    )
    db.bulk_extend(q.items)
    started = time.perf_counter()
    write_derived(db)
    derive_seconds = time.perf_counter() - started
    del db
    snapshot.write_manifest(Manifest())
    snapshot.publish()
    return store_dir, derive_seconds


def generate(store: StoreDir, out: Path, kind: str) -> tuple[Path, float, int]:
    started = time.perf_counter()
    source = ViewData(OxigraphEngine.open(store))
    view = corridor_view(source) if kind == "map" else actors_view(source)
    path = write(out / f"bench-{kind}-{len(view.nodes)}.html", render(view, [view]))
    return path, time.perf_counter() - started, len(view.nodes)


def _browser():
    from kzlinks.viz.screenshot import browser

    return browser(1400, 900, exact=False, hide_scrollbars=False)


# One full redraw, as the reader sees the view: fitted to the window, then zoomed in 2x and 4x on its
# centre (zoom levels relative to the fit, so views laid out at different scales compare fairly).
REDRAW = """var n = kgView.network; n.fit(); var s = n.getScale(), t = performance.now();
    [1, 2, 4, 2, 1].forEach(function (z) { n.moveTo({scale: s * z}); n.redraw(); });
    return (performance.now() - t) / 5;"""


def page_load(driver, path: Path, timeout: float = 180) -> tuple[float, float]:
    """Seconds until the view has drawn (from navigation start), and milliseconds per full redraw."""
    driver.get("about:blank")
    driver.get(path.as_uri())
    end = time.monotonic() + timeout
    while time.monotonic() < end and not driver.execute_script("return window.kgReady === true"):
        time.sleep(0.05)
    ready_ms = driver.execute_script("return window.kgReadyAt")
    if ready_ms is None:
        return math.nan, math.nan
    redraw_ms = driver.execute_script(REDRAW)
    return ready_ms / 1000, redraw_ms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kzlinks.bench.views", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--no-browser", action="store_true", help="time generation only")
    parser.add_argument("--keep", type=Path, help="keep the generated views in this folder")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="kg-viz-bench-"))
    out = args.keep or work / "views"
    driver = None if args.no_browser else _browser()
    print(f"{'nodes':>6} {'view':>7} {'derive s':>9} {'generate s':>11} {'HTML MB':>8} {'load s':>7} {'redraw ms':>10}")
    try:
        for size in args.sizes:
            for kind in ("map", "actors"):
                store, derive_s = synthetic_store(work / f"{kind}-{size}", size, kind)
                path, gen_s, count = generate(store, out, kind)
                load_s, redraw_ms = page_load(driver, path) if driver else (math.nan, math.nan)
                print(
                    f"{count:>6} {kind:>7} {derive_s:>9.2f} {gen_s:>11.2f} {path.stat().st_size / 1e6:>8.1f} "
                    f"{load_s:>7.2f} {redraw_ms:>10.1f}",
                    flush=True,
                )
    finally:
        if driver:
            driver.quit()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
