"""Finding entities by what a person types, through the CLI: `kg find`, entity parameters of named queries,
`kg analyse` and `kg viz ego`, and the warnings and errors that say what was meant."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import kg

QUERIES = Path(__file__).parent / "fixtures" / "queries"


@pytest.mark.parametrize(
    "text, first",
    [
        ("Tokaev", "tokayev\tKassym-Jomart Tokayev\tperson\t"),  # an alternative spelling
        ("CONSTANTA", "constanta\tConstanța\tcity, port\t"),  # case and accents
        ("Astna", "astana\tAstana\tcity\t"),  # a small typo
        ("alar-karis", "alar-karis\tAlar Karis\tperson\t000_36c69ba1f3a184f4.txt"),  # an id
    ],
)
def test_find_forgives_case_accents_punctuation_and_typos(text, first, packaged_store, capsys):
    run = kg(capsys, "find", text, "--store", packaged_store.root)
    assert run.code == 0, run.err
    assert run.out.splitlines()[0].startswith(first), run.out


def test_find_lists_the_articles_that_mention_an_entity(packaged_store, capsys):
    run = kg(capsys, "find", "Tokayev", "--store", packaged_store.root)
    line = next(line for line in run.out.splitlines() if line.startswith("tokayev\t"))
    assert line.split("\t")[3] == (
        "000_36c69ba1f3a184f4.txt, 002_8d469a298dbc54d2.txt, 003_dd8a74cf95794356.txt, 004_527c46586243e368.txt"
    )


def test_find_nothing_names_the_nearest_ids(packaged_store, capsys):
    run = kg(capsys, "find", "port of kurik", "--store", packaged_store.root)
    assert run.code == 1 and run.out == ""
    assert "no entity matches 'port of kurik' (nearest: " in run.err and "kuryk" in run.err


def test_an_entity_parameter_takes_a_label_and_says_which_id_it_used(packaged_store, capsys):
    run = kg(capsys, "query", QUERIES / "labels.rq", "--param", "thing=Tallin", "--store", packaged_store.root)
    assert run.code == 0
    assert run.err == "Tallin: tallinn\n" and "Tallinn" in run.out


def test_an_entity_parameter_naming_several_lists_them(packaged_store, capsys):
    run = kg(capsys, "query", QUERIES / "labels.rq", "--param", "thing=Astana", "--store", packaged_store.root)
    assert run.code == 0 and "Astana" in run.out  # an exact label wins over names that merely contain it
    several = kg(capsys, "query", "cq15", "--param", "entity=Kazakhstan Estonia", "--store", packaged_store.root)
    assert several.code == 2
    assert "parameter 'entity': 'Kazakhstan Estonia' names " in several.err and "give one id" in several.err


def test_an_unknown_entity_parameter_is_an_error_with_the_nearest_ids(packaged_store, capsys):
    run = kg(capsys, "query", "cq15", "--param", "entity=kazahkstan", "--store", packaged_store.root)
    assert run.code == 0 and run.err.startswith("kazahkstan: kazakhstan")  # one typo: used, and said
    none = kg(capsys, "query", "cq15", "--param", "entity=qwxyz-nothing", "--store", packaged_store.root)
    assert none.code == 2 and "parameter 'entity': no entity 'qwxyz-nothing' in the graph" in none.err


def test_analyse_and_viz_ego_use_the_same_lookup(packaged_store, tmp_path, capsys):
    ego = kg(capsys, "analyse", "ego", "Tokaev", "--store", packaged_store.root)
    assert ego.code == 0 and ego.err == "Tokaev: tokayev\n" and ego.out.startswith("Kassym-Jomart Tokayev (person)")
    view = kg(capsys, "viz", "ego", "Alar Kariss", "-o", tmp_path, "--store", packaged_store.root)
    assert (
        view.code == 0
        and view.err.endswith("Alar Kariss: alar-karis\n")
        and (tmp_path / "ego-alar-karis.html").is_file()
    )


def test_a_query_naming_a_term_the_graph_lacks_warns(packaged_store, tmp_path, capsys):
    query = tmp_path / "typo.rq"
    query.write_text(
        "PREFIX kg: <https://w3id.org/kzlinks/ontology#>\nSELECT ?c WHERE { ?c a kg:Citty }\n", encoding="utf-8"
    )
    run = kg(capsys, "query", query, "--store", packaged_store.root)
    assert run.code == 0 and "(0 rows)" in run.out
    assert run.err == f"kg: warning: {query}: kg:Citty is not in the graph (did you mean kg:City?)\n"


def test_an_undeclared_prefix_is_one_readable_line(packaged_store, tmp_path, capsys):
    query = tmp_path / "prefix.rq"
    query.write_text("SELECT ?c WHERE { ?c a kg:City }\n", encoding="utf-8")
    run = kg(capsys, "query", query, "--store", packaged_store.root)
    assert run.code == 2
    assert run.err == (
        f"kg: error: {query}: SPARQL syntax error at line 1, column 31: prefix 'kg:' is not declared "
        "(add: PREFIX kg: <https://w3id.org/kzlinks/ontology#>)\n"
    )
