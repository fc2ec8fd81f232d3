"""The packaged data: fact files (facts/, with FORMAT.md), the articles they quote (sources/) and the
well-known reference data (reference/). Read through importlib.resources, so an installed wheel finds them
as well as an editable checkout does."""

from importlib.resources import files
from pathlib import Path

DATA_DIR = Path(str(files(__name__)))
PACKAGED_FACTS = DATA_DIR / "facts"
PACKAGED_SOURCES = DATA_DIR / "sources"
PACKAGED_REFERENCE = DATA_DIR / "reference"
