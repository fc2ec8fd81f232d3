"""The ontology (kg.ttl) and its SHACL shapes (shapes.ttl), shipped as package data and read through
importlib.resources."""

from importlib.resources import files
from pathlib import Path

ONTOLOGY_DIR = Path(str(files(__name__)))
ONTOLOGY_FILE = ONTOLOGY_DIR / "kg.ttl"
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
