"""The build with its analysis: the one place where the build pipeline meets the derived graph.

The pipeline (kzlinks.dataset) sits below the query and analysis layers, so it cannot import them; it takes
the derived-graph step as an argument, and this module passes it. `kzlinks.build` and `kg build` are this
`build`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from kzlinks.analysis.derived import derive_from_index
from kzlinks.dataset import pipeline
from kzlinks.dataset.pipeline import BuildReport
from kzlinks.dataset.store import StoreDir
from kzlinks.progress import Progress, silent


def build(
    extra_facts: Iterable[Path] = (),
    store: StoreDir | None = None,
    source_dirs: Iterable[Path] = (),
    full: bool = False,
    packaged: bool = True,
    progress: Progress = silent,
    ontology: Iterable[Path] = (),
    drop: Mapping[Path, str] | None = None,
) -> BuildReport:
    """Check every fact file, validate, and (re)build the store with its derived graph.

    Args:
        extra_facts: fact files, or folders of ``*.yaml``, to add to the packaged ones.
        store: the store to write (default: ``$KG_STORE`` or ``~/.local/share/kzlinks/store``).
        source_dirs: folders of articles that the extra fact files quote.
        full: rebuild and re-validate every graph, not only the changed ones.
        packaged: include the packaged fact files.
        progress: called with a line of text at each stage.
        ontology: the user's ontology extension files (Turtle), checked and loaded next to the packaged one.
        drop: fact files the last build read that this one may leave out, each with the reason to report;
            without it, leaving out a file that still exists is an error (deleted files always go).

    Returns:
        A BuildReport; ``report.unchanged`` is true when nothing needed rebuilding.

    Raises:
        FactFileError: a fact file is malformed, or a quote is not in its article (file, line and item named),
            or a fact file of the last build is left out without a reason.
        OntologyError: an extension breaks the ontology's rules (file and line named).
        ValidationError: the data breaks a SHACL shape.
        StoreError: the store cannot be written; the previous store is left answering.

    Example:
        >>> import tempfile
        >>> report = build(store=StoreDir(tempfile.mkdtemp()))
        >>> report.fact_files, report.unchanged
        (5, False)
    """
    return pipeline.build(
        extra_facts,
        store,
        source_dirs,
        full=full,
        packaged=packaged,
        progress=progress,
        derive=derive_from_index,
        ontology=ontology,
        drop=drop,
    )


__all__ = ["build"]
