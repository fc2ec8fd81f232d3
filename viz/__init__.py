"""Interactive network views: self-contained HTML files (pyvis / vis-network) that open offline.

from kzlinks.viz import write_views, write_ego
write_views(Path("kg-views"), StoreDir())        # index.html, middle-corridor.html, actors.html, agreements.html
write_ego(Path("kg-views"), "aktau", depth=1)     # the live store unless a StoreDir is given
"""

from kzlinks.viz.views import actors_view, agreements_view, corridor_view, ego_view, write_ego, write_views

__all__ = ["write_views", "write_ego", "corridor_view", "actors_view", "agreements_view", "ego_view"]
