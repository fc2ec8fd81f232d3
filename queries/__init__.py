"""The named SPARQL queries (*.rq) and the competency questions they answer, shipped as package data."""

from importlib.resources import files
from pathlib import Path

QUERIES_DIR = Path(str(files(__name__)))
