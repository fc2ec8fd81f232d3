"""Build and query the knowledge graph: the public API the `kg` command is a thin layer over."""
from .analysis import centrality, communities, cut, neighbourhood, route
from .build import BuildReport, build
from .engines import open_engine
from .errors import KGError
from .export import export
from .projections import actor_network, agreement_network, corridor_network, entity_network
from .query import run_query
from .remote import PushReport, RemoteEngine, push
from .serve import ServeOptions, serve
from .store import StoreDir

__all__ = ["build", "BuildReport", "open_engine", "run_query", "export", "StoreDir", "KGError",
           "corridor_network", "actor_network", "agreement_network", "entity_network",
           "route", "cut", "centrality", "communities", "neighbourhood",
           "RemoteEngine", "push", "PushReport", "serve", "ServeOptions"]
