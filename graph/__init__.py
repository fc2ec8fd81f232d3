"""kzlinks: a knowledge graph of Kazakhstan's links with Europe and Asia, and the library `kg` is a thin
layer over.

The layers, bottom up: facts (read and check) → dataset (map, validate, store, index) → sparql (binding,
engines, results, remote) → analysis (projections, algorithms, the derived graph) → viz (views) → server;
the CLI (kzlinks.cli) sits on top and no library module imports it.

Example:
    >>> import tempfile, kzlinks
    >>> store = kzlinks.StoreDir(tempfile.mkdtemp())
    >>> kzlinks.build(store=store).unchanged
    False
    >>> results = kzlinks.run_query("cq06-kz-rs-trade", kzlinks.open_engine("oxigraph", store))
    >>> len(results.rows) > 0
    True
"""

from kzlinks.analysis.algorithms import Cut, Route, centrality, communities, cut, neighbourhood, route
from kzlinks.analysis.projections import actor_network, agreement_network, corridor_network, entity_network
from kzlinks.dataset.export import export
from kzlinks.dataset.pipeline import BuildReport
from kzlinks.dataset.store import StoreDir
from kzlinks.errors import KGError
from kzlinks.server.endpoint import ServeOptions, serve
from kzlinks.sparql.engines import open_engine
from kzlinks.sparql.named import run_query
from kzlinks.sparql.remote import PushReport, RemoteEngine, push
from kzlinks.workflow import build

__all__ = [
    "build",
    "BuildReport",
    "open_engine",
    "KGError",
    "export",
    "run_query",
    "StoreDir",
    "corridor_network",
    "actor_network",
    "agreement_network",
    "entity_network",
    "route",
    "cut",
    "Route",
    "Cut",
    "centrality",
    "communities",
    "neighbourhood",
    "RemoteEngine",
    "push",
    "PushReport",
    "serve",
    "ServeOptions",
]
