"""The modelling check (kzlinks.facts.duplicates) and sameness resolved at build time (issue 11).

The check runs on a copy of the five fact files as they were before issue 11 was mended
(fixtures/before-issue-11/): it must find every duplicate cluster the issue lists (except the two mended
by hand, the Akorda senses and the merged policy id) and the description-only statements, and it must
find nothing in the packaged, mended files. The build must resolve `sameAs` to one node that carries the
quotes of both articles.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import kg

from kzlinks.data import PACKAGED_FACTS
from kzlinks.facts.articles import PACKAGED_SOURCES
from kzlinks.facts.duplicates import check_files, label_words
from kzlinks.facts.vocabulary import load_index
from kzlinks.namespaces import sparql_prefixes
from kzlinks.sparql.engines import OxigraphEngine
from kzlinks.sparql.named import bind, find_query

BEFORE = Path(__file__).parent / "fixtures" / "before-issue-11"

# The clusters issue 11 lists, as ids of the files before the fix.
ISSUE_CLUSTERS = [
    {"kz-ee-rectors-meeting", "kz-ee-rectors-forum"},
    {"kz-ee-visit-memoranda", "kz-ee-state-visit-agreements"},
    {"kz-ee-higher-education-cooperation", "kz-ee-education-cooperation"},
    {"schengen-visa-simplification", "eu-visa-consultations", "visa-facilitation-negotiations"},
    {"central-trans-caspian-network", "middle-corridor"},
    {"titr-development", "titr-development-cooperation"},
    {"transport", "transport-and-logistics"},
    {"politics", "political-dialogue", "political-ties"},
    {"economy", "economic-ties"},
    {"digitalisation", "digital-technology"},
]


def _check(folder: Path):
    return check_files(sorted(folder.glob("*.yaml")), load_index(), (PACKAGED_SOURCES,))[1]


@pytest.fixture(scope="module")
def before():
    return _check(BEFORE)


def _flagged_pairs(findings) -> set[frozenset[str]]:
    pairs = set()
    for finding in findings:
        if finding.kind == "duplicate":
            other = finding.message.split("'")[1]
            pairs.add(frozenset((finding.item, other)))
    return pairs


def _connected(cluster: set[str], pairs: set[frozenset[str]]) -> bool:
    """The flagged pairs join every member of the cluster (pairs within it only)."""
    inside = [tuple(p) for p in pairs if p <= cluster]
    reached, frontier = set(), [next(iter(sorted(cluster)))]
    while frontier:
        node = frontier.pop()
        if node in reached:
            continue
        reached.add(node)
        frontier += [b if a == node else a for a, b in inside if node in (a, b)]
    return reached == cluster


@pytest.mark.parametrize("cluster", ISSUE_CLUSTERS, ids=lambda c: sorted(c)[0])
def test_the_check_finds_each_cluster_the_issue_lists(cluster, before):
    assert _connected(cluster, _flagged_pairs(before)), (sorted(cluster), sorted(map(sorted, _flagged_pairs(before))))


def test_the_check_finds_the_description_only_statements(before):
    described = [f for f in before if f.kind == "description-only"]
    assert len(described) == 48
    first = next(f for f in described if f.file.name.startswith("000"))
    assert (first.item, first.line) == ("estonia", 510)  # "a European leader in digital transformation"
    assert str(first).startswith(f"{first.file}:510: estonia: ")


def test_the_mended_files_leave_nothing_to_report():
    findings = _check(Path(str(PACKAGED_FACTS)))
    assert findings == [], "\n".join(map(str, findings))


def test_pairs_the_curator_linked_are_not_flagged(before):
    """Parts (the port MoU inside the visit's memoranda), legs of one corridor, two distinct trade figures
    of different parties: linked or told apart, so never reported."""
    pairs = _flagged_pairs(before)
    assert frozenset(("kz-ee-mou-port-collaboration", "kz-ee-visit-memoranda")) not in pairs
    assert not any(all(i.startswith("middle-corridor-leg") for i in p) for p in pairs)
    assert frozenset(("kz-rs-trade-turnover", "kz-eu-trade-turnover-2022")) not in pairs
    assert frozenset(("tokayev-michel-meeting-dubai", "tokayev-michel-meeting-cholpon-ata")) not in pairs


def test_figures_of_one_measure_over_time_must_be_linked(before):
    """Before the fix, the 2022 and January–November 2023 trade turnovers were not linked (earlierFigure)."""
    assert frozenset(("kz-eu-trade-turnover-2022", "kz-eu-trade-turnover-2023-jan-nov")) in _flagged_pairs(before)


def test_label_words_match_spellings_of_one_stem():
    assert label_words("digital technology") & label_words("digitalisation")
    assert label_words("political ties") & label_words("politics")
    assert label_words("economic ties") & label_words("economy")


def test_the_build_warns_on_stderr_and_still_succeeds(tmp_path, capsys):
    run = kg(capsys, "build", "--no-packaged", "--facts", BEFORE, "--store", tmp_path / "store")
    assert run.code == 0, run.err
    warnings = [line for line in run.err.splitlines() if line.startswith("kg: warning: ")]
    assert len(warnings) == 78
    assert any(
        "001_b3d0d2c17928b21d.yaml:234: kz-ee-rectors-forum: may be the same thing as 'kz-ee-rectors-meeting' "
        "(000_36c69ba1f3a184f4.yaml:" in line
        for line in warnings
    ), warnings[:5]
    assert (tmp_path / "store" / "current").exists()


def _select(store, sparql: str) -> list[tuple]:
    engine = OxigraphEngine.open(store)
    results = engine.run(sparql_prefixes() + sparql, {}, "test")
    return [tuple(results.cells(row)) for row in results.rows]


def test_an_alias_is_one_node_with_the_quotes_of_both_articles(packaged_store):
    """The Rectors' Forum (001) is the rectors' meeting (000): one node, its label kept as an alternative
    label, the alias IRI reachable only through owl:sameAs, and passages of both articles about it."""
    rows = _select(
        packaged_store,
        """SELECT ?p ?o WHERE { id:kz-ee-rectors-forum ?p ?o }""",
    )
    assert rows == []
    assert _select(packaged_store, "SELECT ?s WHERE { ?s owl:sameAs id:kz-ee-rectors-forum }") == [
        ("id:kz-ee-rectors-meeting",)
    ]
    alts = {r[0] for r in _select(packaged_store, "SELECT ?a WHERE { id:kz-ee-rectors-meeting skos:altLabel ?a }")}
    assert "Rectors’ Forum" in alts
    sources = {
        r[0]
        for r in _select(
            packaged_store,
            """SELECT DISTINCT ?src WHERE { GRAPH ?g { id:kz-ee-rectors-meeting kg:participant|kg:welcomedBy ?x }
               GRAPH ?g { ?g prov:wasDerivedFrom ?doc } ?doc dcterms:identifier ?src }""",
        )
    }
    assert sources == {"000_36c69ba1f3a184f4.txt", "001_b3d0d2c17928b21d.txt"}


def test_fact_file_terms_become_the_standard_ones(packaged_store):
    assert _select(packaged_store, "SELECT ?s WHERE { ?s kg:sameAs ?o }") == []
    assert _select(packaged_store, "SELECT ?s WHERE { ?s kg:broader ?o }") == []
    assert ("id:transport-and-logistics",) in _select(
        packaged_store, "SELECT ?b WHERE { id:transport skos:broader ?b }"
    )


def test_the_visa_track_is_one_process_in_stages(packaged_store):
    stages = {
        r[0] for r in _select(packaged_store, "SELECT ?s WHERE { ?s kg:stageOf id:schengen-visa-simplification }")
    }
    assert {
        "id:eu-visa-consultations",
        "id:visa-facilitation-negotiations",
    } <= stages


def test_the_conflicting_accounts_of_the_talks_are_both_kept_and_found(packaged_store):
    query = find_query("conflicting-order")
    results = OxigraphEngine.open(packaged_store).run(query.text, bind(query, {}), str(query.path))
    rows = [results.cells(row) for row in results.rows]
    assert len(rows) == 1, rows
    first, second, quote, _, reverse_quote, _ = rows[0]
    assert {first, second} == {
        "talks of Kassym-Jomart Tokayev and Alar Karis",
        "expanded-format meeting of Kassym-Jomart Tokayev and Alar Karis",
    }
    assert {quote, reverse_quote} == {
        "We had a very good conversation - first with our delegations and then one-on-one with President Tokayev.",
        "Earlier, as Qazinform News Agency reported, the heads of state of the two countries held talks, followed by "
        "an expanded-format meeting.",
    }
