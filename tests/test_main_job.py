"""`kg all`, the README's main job: build, answer every named query, write the views."""

from __future__ import annotations

from support import kg

from kzlinks.sparql.named import catalogue


def test_kg_all_builds_answers_every_query_and_writes_the_views(tmp_path, capsys):
    views = tmp_path / "views"
    run = kg(capsys, "all", "--store", tmp_path / "store", "--views", views)
    assert run.code == 0, run.err
    assert run.out.startswith("built ")
    for query in catalogue():
        assert f"== {query.name}: {query.question}" in run.out
    assert "(0 rows)" not in run.out
    assert {"index.html", "middle-corridor.html", "actors.html", "agreements.html"} <= {p.name for p in views.iterdir()}
    assert f"open {views / 'index.html'}" in run.out
