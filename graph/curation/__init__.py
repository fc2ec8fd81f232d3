"""Curation: a draft fact file from a new article (`kg draft`), built from rules and the graph's labels.

Layer 5: reads the built store (through the dataset layer) and the ontology index (facts layer); nothing
here is fetched from the network.
"""

from kzlinks.curation.draft import Draft, DraftEntity, Mention, Skeleton, draft_article, draft_text
from kzlinks.curation.lexicon import KnownEntity, Lexicon
from kzlinks.curation.render import render

__all__ = [
    "Draft",
    "DraftEntity",
    "KnownEntity",
    "Lexicon",
    "Mention",
    "Skeleton",
    "draft_article",
    "draft_text",
    "render",
]
