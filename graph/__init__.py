"""Build and query the knowledge graph: the public API the `kg` command is a thin layer over."""
from .build import BuildReport, build
from .engines import open_engine
from .errors import KGError
from .export import export
from .query import run_query
from .store import StoreDir

__all__ = ["build", "BuildReport", "open_engine", "run_query", "export", "StoreDir", "KGError"]
