"""Leave-one-out measure of `kg draft`: each packaged article drafted against a graph of the other four.

Run as `python -m kzlinks.bench.draft_eval` or `kg draft --evaluate`; prints one row per article and a
total. For each article, a temporary store is built from the other four fact files only (`packaged=False`:
the reference data is still loaded, as in every build), the article is drafted against that store's labels,
the draft is built with the other four to check it passes `kg build` as written, and the draft is compared
with the article's curated fact file.

What is counted (the definitions the README states):

- **Entities in scope**: the curated file's entities whose class is a person, an organisation or state,
  a place, a document or agreement, or an event (`Person`, `Organisation`, `Place`, `Document`, `Event`
  and the classes below them). Sectors, offices, tenures, initiatives, relationships, routes, groups and
  figures are not counted.
- **The draft has a curated entity** when one of its entities (of any class) either
  (1) is declared with the curated id (a known entity matched by label), or
  (2) has a label or alternative label equal to the curated entity's label or one of its alternative labels
      (any fact file's), case, accents and dash style ignored, or
  (3) is named inside one of the curated entity's quotes, and the head word of its label (the last word,
      plural `s` dropped) is a word of the curated label or of an alternative label. This is how an event
      or document the curator named descriptively (`meeting of Kassym-Jomart Tokayev and Kaja Kallas`) is
      found by a draft that calls it by the words of the text (`meeting`).
  The strict columns count (1) and (2) only.
- **Precision**: of the draft's entities whose class (known or suggested) is in scope, the share that
  match a curated entity of the article (any class) under the same rules; the others are wrong.
- **Dates**: every date value of the curated statements; the draft has it when it read the same value,
  or a more precise one within it (the curator wrote `2025-11` for a text's `November 17, 2025`).
- **Amounts**: sums of money (value and currency), percentages (value) and quantities (value and unit) of
  the curated statements; the draft has one when it read the same value (and currency or unit).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rdflib.namespace import XSD

from kzlinks.curation import Draft, DraftEntity, Lexicon, draft_article, render
from kzlinks.curation.text import fold
from kzlinks.data import PACKAGED_FACTS, PACKAGED_SOURCES
from kzlinks.dataset.store import StoreDir
from kzlinks.errors import KGError
from kzlinks.facts.articles import normalise
from kzlinks.facts.reader import Amount, EntityDecl, FactFile, Literal, Quantity, read_fact_file
from kzlinks.facts.vocabulary import DATE_RANGE, OntologyIndex, load_index
from kzlinks.namespaces import KG
from kzlinks.workflow import build

__all__ = ["ArticleScore", "catalogue", "evaluate", "main", "render_table", "score"]

SCOPE = ("Person", "Organisation", "Place", "Document", "Event")
PERCENT_PROPERTIES = {"percentage", "percentageUpTo", "changePercent"}


@dataclass
class ArticleScore:
    """The counts for one article (or the total)."""

    article: str
    entities: int = 0
    found: int = 0
    found_strict: int = 0
    drafted: int = 0
    wrong: int = 0
    wrong_strict: int = 0
    dates: int = 0
    dates_found: int = 0
    amounts: int = 0
    amounts_found: int = 0
    builds: bool = True
    missed: list[str] = field(default_factory=list)
    wrong_names: list[str] = field(default_factory=list)

    def add(self, other: ArticleScore) -> None:
        for name in ("entities", "found", "found_strict", "drafted", "wrong", "wrong_strict"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("dates", "dates_found", "amounts", "amounts_found"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.builds = self.builds and other.builds


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    -"


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _words(text: str) -> set[str]:
    return {_singular(w) for w in re.findall(r"\w+", fold(text))}


class _Curated:
    """One curated entity: id, whether its class is in scope, its names, its quotes."""

    def __init__(self, decl: EntityDecl, names: set[str], in_scope: bool) -> None:
        self.id = decl.id
        self.names = {fold(n).strip() for n in names}
        self.quotes = [fold(q.text) for q in decl.quotes]
        self.words = set().union(*(_words(n) for n in names)) if names else set()
        self.in_scope = in_scope


def _in_scope(classes: set, index: OntologyIndex) -> bool:
    supers = set()
    for cls in classes:
        supers |= index.superclasses_of(cls)
    return any(KG[name] in supers for name in SCOPE)


def _matches(entity: DraftEntity, curated: _Curated, strict: bool) -> bool:
    if entity.known and entity.id == curated.id:
        return True
    names = {fold(n).strip() for n in [entity.label, *entity.alts, *entity.names]}
    if names & curated.names:
        return True
    if strict:
        return False
    head = _singular(fold(entity.head or entity.label).split()[-1]) if entity.label.split() else ""
    if head not in curated.words:
        return False
    mentions = {normalise(fold(m.text)) for m in entity.mentions}
    return any(mention in quote for mention in mentions for quote in curated.quotes)


def _figures(facts: FactFile) -> tuple[set[str], set[tuple[str, ...]]]:
    dates: set[str] = set()
    amounts: set[tuple[str, ...]] = set()
    for statement in facts.statements:
        for assertion in statement.assertions:
            value = assertion.value
            if isinstance(value, Literal) and assertion.prop.range == DATE_RANGE:
                dates.add(value.lexical)
            elif isinstance(value, Amount):
                amounts.add(("money", str(Decimal(value.value).normalize()), value.currency))
            elif isinstance(value, Quantity):
                amounts.add(("quantity", str(Decimal(value.value).normalize()), fold(value.unit)))
            elif isinstance(value, Literal) and assertion.name in PERCENT_PROPERTIES and value.datatype == XSD.decimal:
                amounts.add(("percent", str(Decimal(value.lexical).normalize())))
    return dates, amounts


def _draft_figures(draft: Draft) -> tuple[set[str], set[tuple[str, ...]]]:
    dates = {f.value for _, f in draft.figures if f.kind == "date"}
    amounts: set[tuple[str, ...]] = set()
    for _, figure in draft.figures:
        value = str(Decimal(figure.value).normalize()) if figure.kind != "date" else ""
        if figure.kind == "money":
            amounts.add(("money", value, figure.unit))
        elif figure.kind == "quantity":
            amounts.add(("quantity", value, fold(figure.unit)))
        elif figure.kind == "percent":
            amounts.add(("percent", value))
    return dates, amounts


def score(draft: Draft, facts: FactFile, names: dict[str, set[str]], classes: dict[str, set], index) -> ArticleScore:
    """Compare a draft with the curated fact file of the same article."""
    result = ArticleScore(facts.path.stem)
    curated = [_Curated(d, names.get(d.id, set()), _in_scope(classes.get(d.id, set()), index)) for d in facts.entities]
    for wanted in curated:
        if not wanted.in_scope:
            continue
        result.entities += 1
        if any(_matches(d, wanted, strict=True) for d in draft.entities):
            result.found_strict += 1
        if any(_matches(d, wanted, strict=False) for d in draft.entities):
            result.found += 1
        else:
            result.missed.append(wanted.id)
    for entity in draft.entities:
        if not _in_scope({index.classes[c] for c in entity.classes if c in index.classes}, index):
            continue
        result.drafted += 1
        if not any(_matches(entity, c, strict=True) for c in curated):
            result.wrong_strict += 1
        if not any(_matches(entity, c, strict=False) for c in curated):
            result.wrong += 1
            result.wrong_names.append(f"{entity.label} ({entity.classes[0]})")
    dates, amounts = _figures(facts)
    drafted_dates, drafted_amounts = _draft_figures(draft)
    result.dates = len(dates)
    result.dates_found = sum(
        1 for d in dates if d in drafted_dates or any(x.startswith(d + "-") for x in drafted_dates)
    )
    result.amounts = len(amounts)
    result.amounts_found = len(amounts & drafted_amounts)
    return result


def catalogue(paths: list[Path], index: OntologyIndex) -> tuple[dict[str, set[str]], dict[str, set]]:
    """Every name (label, alt labels) and class of every entity over all curated files."""
    names: dict[str, set[str]] = {}
    classes: dict[str, set] = {}
    for path in paths:
        for decl in read_fact_file(path, index).entities:
            names.setdefault(decl.id, set()).update([*([decl.label] if decl.label else []), *decl.alt])
            if decl.types:
                classes.setdefault(decl.id, set()).update(decl.types)
    return names, classes


def evaluate(facts_dir: Path = PACKAGED_FACTS, sources_dir: Path = PACKAGED_SOURCES) -> list[ArticleScore]:
    """Draft each article against a graph of the other fact files; one score per article."""
    index = load_index()
    paths = sorted(facts_dir.glob("*.yaml"))
    names, classes = catalogue(paths, index)
    scores = []
    for held_out in paths:
        others = [p for p in paths if p != held_out]
        facts = read_fact_file(held_out, index, (sources_dir,))
        with tempfile.TemporaryDirectory(prefix="kg-draft-eval-") as tmp:
            store = StoreDir(Path(tmp) / "store")
            build(others, store, (sources_dir,), packaged=False)
            draft = draft_article(sources_dir / facts.source.name, Lexicon.from_store(store.open_read()), index)
            result = score(draft, facts, names, classes, index)
            draft_file = Path(tmp) / "draft" / held_out.name
            draft_file.parent.mkdir()
            draft_file.write_text(render(draft), encoding="utf-8")
            try:
                build([*others, draft_file], StoreDir(Path(tmp) / "check"), (sources_dir,), packaged=False)
            except KGError:
                result.builds = False
        scores.append(result)
    return scores


def render_table(scores: list[ArticleScore], details: bool = False) -> str:
    """The leave-one-out table: per article and overall."""
    total = ArticleScore("overall")
    for s in scores:
        total.add(s)
    header = (
        f"{'article':<24} {'entities':>8} {'recall':>7} {'strict':>7} {'drafted':>7} {'precision':>9} "
        f"{'strict':>7} {'dates':>7} {'recall':>7} {'amounts':>7} {'recall':>7} {'builds':>6}"
    )
    lines = [header, "-" * len(header)]
    for s in [*scores, total]:
        lines.append(
            f"{s.article:<24} {s.entities:>8} {_share(s.found, s.entities):>7} "
            f"{_share(s.found_strict, s.entities):>7} {s.drafted:>7} "
            f"{_share(s.drafted - s.wrong, s.drafted):>9} {_share(s.drafted - s.wrong_strict, s.drafted):>7} "
            f"{s.dates_found:>3}/{s.dates:<3} {_share(s.dates_found, s.dates):>7} "
            f"{s.amounts_found:>3}/{s.amounts:<3} {_share(s.amounts_found, s.amounts):>7} "
            f"{'yes' if s.builds else 'NO':>6}"
        )
    if details:
        for s in scores:
            lines.append(f"\n{s.article}: missed {', '.join(s.missed) or '-'}")
            lines.append(f"{s.article}: wrong {'; '.join(s.wrong_names) or '-'}")
    return "\n".join(lines)


def main() -> None:
    import sys

    print(render_table(evaluate(), details="--details" in sys.argv))


if __name__ == "__main__":
    main()
