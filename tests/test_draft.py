"""`kg draft` on a small article whose expected draft is known, through the CLI, and the draft's build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from kzlinks.cli.main import main

FIXTURE = Path(__file__).parent / "fixtures" / "draft" / "article.txt"


@pytest.fixture(scope="module")
def drafted(tmp_path_factory) -> tuple[Path, Path, str]:
    """The packaged graph built into a store of its own, and the fixture article drafted against it."""
    root = tmp_path_factory.mktemp("draft")
    store = root / "store"
    assert main(["build", "--store", str(store)]) == 0
    articles = root / "articles"
    articles.mkdir()
    shutil.copy(FIXTURE, articles / "article.txt")
    output = root / "article.yaml"
    assert main(["draft", str(articles / "article.txt"), "-o", str(output), "--store", str(store)]) == 0
    return store, output, output.read_text(encoding="utf-8")


def _entities(text: str) -> dict[str, dict]:
    return {e["id"]: e for e in yaml.safe_load(text)["entities"]}


def test_known_entities_are_declared_with_their_ids_and_quotes(drafted) -> None:
    _, _, text = drafted
    entities = _entities(text)
    for known in ("kazakhstan", "tokayev", "astana", "central-asia", "europe", "middle-corridor"):
        assert known in entities, known
    # the Middle Corridor is known by its alternative label; its quote is the sentence naming it
    assert entities["middle-corridor"]["quote"].endswith("via the Middle Corridor.")
    assert "label" not in entities["tokayev"]  # declared by the packaged fact files already
    assert '# known: Person, "Kassym-Jomart Tokayev"' in text


def test_new_names_get_a_suggested_class(drafted) -> None:
    _, _, text = drafted
    entities = _entities(text)
    assert entities["hungary"]["type"] == "State"  # listed with Kazakhstan, a known state
    assert entities["viktor-orban"]["type"] == "Person"
    assert entities["viktor-orban"]["alt"] == ["Orbán"]  # the surname alone, joined to the person
    assert entities["rail-freight-cooperation-agreement"]["type"] == "Agreement"
    assert entities["hungarian-export-import-bank"]["type"] == "FinancialInstitution"
    assert entities["budapest-transport-forum"]["type"] == "Forum"
    assert entities["dostyk"]["type"] == "City"
    assert entities["budapest"]["type"] == "City"


def test_dates_keep_the_precision_of_the_text_and_amounts_their_units(drafted) -> None:
    _, _, text = drafted
    assert '# startDate: 2026-03-12  # "12 March 2026" (day)' in text
    assert 'date 2026-09 (month)  from "September 2026"' in text  # a month: no day invented
    assert '# startDate: 2027  # "2027" (year)' in text
    assert "date 1992 (year)" in text
    assert '# amount: {value: 250000000, currency: EUR}  # "250 million euros"' in text
    assert '# percentage: 18  # "18%"' in text
    assert "quantity {value: 7000, unit: km}" in text


def test_one_statement_skeleton_per_linking_sentence(drafted) -> None:
    _, _, text = drafted
    statements = yaml.safe_load(text)["statements"]
    quotes = [s["quote"] for s in statements]
    assert quotes == [
        "Kazakhstan and Hungary sign a rail freight agreement",
        "On 12 March 2026, President Kassym-Jomart Tokayev and Prime Minister Viktor Orbán met in Astana for "
        "talks on transport links between Central Asia and Europe.",
        "During the talks, Kazakhstan and Hungary signed the Rail Freight Cooperation Agreement, which foresees a "
        "new container service from Dostyk to Budapest via the Middle Corridor.",
        "The Hungarian Export-Import Bank will provide a credit line of 250 million euros for new rolling stock, "
        "and Orbán said that freight volumes between the two countries grew by 18% in 2025.",
        "Viktor Orbán also invited Tokayev to the Budapest Transport Forum, to be held in 2027.",
    ]
    # the talks are the subject of the two sentences that name them, the people and states their participants
    assert [s["subject"] for s in statements[1:3]] == ["talks", "talks"]
    assert statements[1]["about"] == ["tokayev", "viktor-orban", "astana", "transport", "central-asia", "europe"]
    assert "    # participant: [tokayev, viktor-orban]  # or: host, party, author" in text
    assert "    # participant: [kazakhstan, hungary]" in text
    assert "    # produced: [rail-freight-cooperation-agreement, middle-corridor]" in text
    assert text.count("# status: Completed | Ongoing | Planned | Intended | Proposed | Hoped") == 5


def test_the_draft_builds_as_written(drafted, tmp_path) -> None:
    store, output, _ = drafted
    assert (
        main(["build", "--store", str(tmp_path / "s"), "--facts", str(output), "--sources", str(FIXTURE.parent)]) == 0
    )


def test_a_missing_store_is_one_clear_error(tmp_path, capsys) -> None:
    assert main(["draft", str(FIXTURE), "--store", str(tmp_path / "none")]) == 2
    assert "no built store" in capsys.readouterr().err


def test_an_unreadable_article_is_one_clear_error(drafted, tmp_path, capsys) -> None:
    store, _, _ = drafted
    missing = tmp_path / "missing.txt"
    assert main(["draft", str(missing), "--store", str(store)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"kg: error: {missing}") and "cannot read the article" in err and "\n" not in err


def test_figures_read_with_their_precision() -> None:
    from kzlinks.curation.figures import read_figures

    found = {(f.kind, f.value, f.unit) for f in read_figures("On 3-4 April 2025 and in May 1992, USD 120 million.")}
    assert found == {
        ("date", "2025-04-03", "day"),
        ("date", "2025-04-04", "day"),
        ("date", "1992-05", "month"),
        ("money", "120000000", "USD"),
    }
    found = [(f.kind, f.value) for f in read_figures("Just 10-12 years ago, about 10 - 11%; in June, on Thursday.")]
    assert found == [("percent", "10"), ("percent", "11")]  # no year for June: no date invented


def test_docstring_examples() -> None:
    import doctest

    from kzlinks.curation import figures, text

    for module in (figures, text):
        assert doctest.testmod(module).failed == 0


def test_the_score_of_a_draft_against_its_curated_file(drafted) -> None:
    """The measure `kg draft --evaluate` uses, on the fixture and the fact file a curator wrote for it."""
    from kzlinks.bench.draft_eval import catalogue, render_table, score
    from kzlinks.curation import Lexicon, draft_article
    from kzlinks.data import PACKAGED_FACTS
    from kzlinks.dataset.store import StoreDir
    from kzlinks.facts.reader import read_fact_file
    from kzlinks.facts.vocabulary import load_index

    store, _, _ = drafted
    index = load_index()
    curated_file = FIXTURE.parent / "curated.yaml"
    names, classes = catalogue([*sorted(PACKAGED_FACTS.glob("*.yaml")), curated_file], index)
    draft = draft_article(FIXTURE, Lexicon.from_store(StoreDir(store).open_read()), index)
    result = score(draft, read_fact_file(curated_file, index), names, classes, index)
    # 11 curated entities in scope (the corridor is not); all found, the talks by their words in its quote
    assert (result.entities, result.found, result.missed) == (11, 11, [])
    assert result.found_strict == 10  # 'talks' is not the curated label
    # Central Asia and Europe are known places the curator chose not to declare: the two wrong ones
    assert (result.drafted, result.wrong) == (14, 2)
    assert sorted(result.wrong_names) == ["Central Asia (Region)", "Europe (Region)"]
    assert (result.dates, result.dates_found, result.amounts, result.amounts_found) == (3, 3, 3, 3)
    table = render_table([result])
    assert "overall" in table and "100.0%" in table and "85.7%" in table
