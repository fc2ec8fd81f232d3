"""Build and query the knowledge graph: the public API the `kg` command is a thin layer over.

Names are imported on first use (PEP 562), so `kg query` does not pay for pyshacl, NetworkX or the
server code it never touches.
"""
from importlib import import_module

_EXPORTS = {
    "build": "build", "BuildReport": "build",
    "open_engine": "engines",
    "KGError": "errors",
    "export": "export",
    "run_query": "query",
    "StoreDir": "store",
    "corridor_network": "projections", "actor_network": "projections", "agreement_network": "projections",
    "entity_network": "projections",
    "route": "analysis", "cut": "analysis", "centrality": "analysis", "communities": "analysis",
    "neighbourhood": "analysis",
    "RemoteEngine": "remote", "push": "remote", "PushReport": "remote",
    "serve": "serve", "ServeOptions": "serve",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'graph' has no attribute '{name}'")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
