"""`kg draft ARTICLE.txt [-o FILE]`: a draft fact file for a new article, from the built graph's labels;
`kg draft --evaluate`: its leave-one-out recall and precision on the five packaged articles."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kzlinks.dataset.store import StoreDir
from kzlinks.errors import KGError


def cmd_draft(args: argparse.Namespace) -> int:
    if args.evaluate:
        from kzlinks.bench.draft_eval import evaluate, render_table

        print(render_table(evaluate()))
        return 0
    if args.article is None:
        raise KGError("give an ARTICLE.txt to draft, or --evaluate")
    from kzlinks.curation import Lexicon, draft_article, render
    from kzlinks.dataset.export import atomic_write

    store = StoreDir(args.store)
    if store.current is None:
        raise KGError(f"no built store at {args.store}: run `kg build` first (the draft matches its labels)")
    draft = draft_article(Path(args.article), Lexicon.from_store(store.open_read()))
    text = render(draft)
    if args.output:
        atomic_write(Path(args.output), text.encode("utf-8"))
        known = sum(e.known for e in draft.entities)
        print(
            f"wrote {args.output}: {known} known entities, {len(draft.entities) - known} new, "
            f"{len(draft.figures)} figures, {len(draft.skeletons)} statement skeletons",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(text)
    return 0


def register(subparsers, common) -> None:
    p = subparsers.add_parser(
        "draft", parents=[common], help="draft a fact file for a new article (known entities, figures, statements)"
    )
    p.add_argument("article", nargs="?", metavar="ARTICLE.txt", help="the article (UTF-8 text)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the draft here (default: standard output)")
    p.add_argument(
        "--evaluate",
        action="store_true",
        help="measure the drafts leave-one-out on the packaged articles and print recall and precision",
    )
    p.set_defaults(run=cmd_draft)
