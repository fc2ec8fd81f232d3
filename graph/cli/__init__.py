"""The command line `kg`: a thin layer over the library; no library module imports it."""

from kzlinks.cli.main import main

__all__ = ["main"]
