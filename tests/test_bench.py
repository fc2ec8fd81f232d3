"""`kg bench`: one small run prints the table and writes the JSON figures the issue asks for.

The figures themselves are not asserted (speed goals are measured, not tested); what is asserted is that
the benchmark measures what it says: every named query on both engines, a rebuild that rebuilds nothing,
an incremental rebuild that writes one graph.
"""

from __future__ import annotations

import json

from support import kg

from kzlinks.sparql.named import catalogue


def test_a_small_benchmark_prints_the_table_and_writes_the_figures(tmp_path, capsys):
    out = tmp_path / "bench.json"
    run = kg(
        capsys,
        "bench",
        "--size",
        "3000",
        "--repeat",
        "1",
        "--timeout",
        "60",
        "--json",
        out,
        "--workdir",
        tmp_path / "work",
    )
    assert run.code == 0, run.err
    figures = json.loads(out.read_text(encoding="utf-8"))
    for key in (
        "build_triples_per_s",
        "query_speedup_vs_rdflib",
        "incremental_rebuild_s",
        "peak_rss_mb",
        "shacl_validation_s",
        "projection_s",
        "analysis_s",
        "floor_s",
        "build_floor_ratio",
    ):
        assert figures[key] is not None and figures[key] > 0, key
    assert figures["noop_rebuilt_nothing"] and figures["incremental_graphs_written"] == 1
    # a description edit keeps the derived graph; deleting a file recomputes the networks it was in
    assert figures["incremental_derived_kept"] and figures["incremental_networks_recomputed"] == 0
    assert figures["network_edit_networks_recomputed"] >= 1 and figures["network_edit_rebuild_s"] > 0
    assert set(figures["queries"]) == {q.name for q in catalogue()}
    assert all(r["oxigraph"]["status"] == "ok" for r in figures["queries"].values())
    assert (
        "build_floor_ratio" in run.out
        and "networks recomputed: 0 of 3" in run.out
        and "query speedup vs rdflib" in run.out
        and f"figures written to {out}" in run.out
    )
    assert not (tmp_path / "work").exists()  # without --keep the synthetic data and store are removed


def test_the_bench_folder_must_be_empty(tmp_path, capsys):
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "precious.txt").write_text("keep me", encoding="utf-8")
    run = kg(capsys, "bench", "--size", "3000", "--workdir", tmp_path / "work")
    assert run.code == 2 and "must be empty or new" in run.err
    assert (tmp_path / "work" / "precious.txt").exists()
