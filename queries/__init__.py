"""The named SPARQL queries (*.rq), shipped as package data."""
from pathlib import Path

QUERIES_DIR = Path(__file__).resolve().parent
