"""Interactive network views: self-contained HTML files (pyvis / vis-network) that open offline.

    from viz import write_views, write_ego
    write_views(Path("kg-views"), StoreDir())        # index.html, middle-corridor.html, actors.html, agreements.html
    write_ego(Path("kg-views"), "aktau", depth=2)     # the live store unless a StoreDir is given

Names load on first use (PEP 562), so registering `kg viz` does not import pyvis for every `kg` command.
"""
from importlib import import_module

__all__ = ["write_views", "write_ego", "corridor_view", "actors_view", "agreements_view", "ego_view"]


def __getattr__(name: str):
    if name not in __all__:
        raise AttributeError(f"module 'viz' has no attribute '{name}'")
    return getattr(import_module(".views", __name__), name)
