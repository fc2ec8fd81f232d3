"""`kg bench --size N`: how fast the build, the validation, the queries and the analysis are at N triples.

Speed goals are checked by measuring, not by timed tests: this writes synthetic fact files of about N
triples (graph/synthetic.py), then in one run measures the cold build (validation included), a rebuild with
nothing changed, an incremental rebuild after one fact file changes, every named query's median latency on
Oxigraph and on rdflib's memory store, the NetworkX projections and analysis, and peak memory. It prints a
table and can write the figures as JSON.

Queries run in worker processes, one per engine, so that a query that never finishes (a property path that
explodes at scale) is reported as a timeout instead of hanging the benchmark, and so that each engine's
memory is measured on its own (rdflib's memory store holds the whole graph in Python objects).
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import resource
import statistics
import time
from pathlib import Path

from kzlinks.errors import KGError
from kzlinks.progress import say

ORIGIN = "graph/bench.py"


def _rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------------------------------------ queries


def _query_worker(conn, engine_name: str, store_root: str, repeat: int, slow_s: float) -> None:
    """Open one engine, then answer (query name) requests with timings until told to stop."""
    from kzlinks.dataset.store import StoreDir
    from kzlinks.sparql.engines import open_engine
    from kzlinks.sparql.named import bind, find_query

    started = time.perf_counter()
    engine = open_engine(engine_name, StoreDir(store_root))
    conn.send(("ready", time.perf_counter() - started, _rss_mb()))
    while True:
        name = conn.recv()
        if name is None:
            conn.send(("rss", _rss_mb()))
            return
        try:
            query = find_query(name)
            bindings = bind(query, {})
            times, rows = [], 0
            for run in range(repeat + 1):  # the first run warms caches and is not counted, unless it is slow
                t = time.perf_counter()
                rows = len(engine.run(query.text, bindings, str(query.path)).rows)
                times.append(time.perf_counter() - t)
                if run == 0:
                    conn.send(("warm", times[0]))
                    if times[0] > slow_s:
                        break
            counted = times[1:] or times
            conn.send(("ok", statistics.median(counted), rows, len(counted)))
        except KGError as exc:
            conn.send(("error", str(exc)))


class _Engine:
    """A worker process running one engine; restarted after a query times out."""

    def __init__(self, name: str, store_root: Path, repeat: int, slow_s: float, timeout: float) -> None:
        self.name, self.store_root, self.repeat, self.slow_s, self.timeout = name, store_root, repeat, slow_s, timeout
        self.load_s: float | None = None
        self.peak_mb = 0.0
        self.proc = None

    def _start(self) -> None:
        parent, child = mp.get_context("spawn").Pipe()
        self.proc = mp.get_context("spawn").Process(
            target=_query_worker, args=(child, self.name, str(self.store_root), self.repeat, self.slow_s), daemon=True
        )
        self.proc.start()
        self.conn = parent
        _, load_s, rss = self.conn.recv()
        self.load_s = load_s if self.load_s is None else self.load_s
        self.peak_mb = max(self.peak_mb, rss)

    def run(self, name: str) -> dict:
        if self.proc is None:
            self._start()
        self.conn.send(name)
        answer = self.conn.recv() if self.conn.poll(self.timeout) else None
        if answer is not None and answer[0] == "warm":
            answer = self.conn.recv() if self.conn.poll(self.timeout * self.repeat) else None
        if answer is None:
            self.stop(kill=True)
            return {"status": "timeout", "seconds": self.timeout}
        if answer[0] == "error":
            return {"status": "error", "error": answer[1]}
        return {"status": "ok", "median_s": answer[1], "rows": answer[2], "runs": answer[3]}

    def stop(self, kill: bool = False) -> None:
        if self.proc is None:
            return
        if kill:
            self.proc.kill()
        else:
            self.conn.send(None)
            if self.conn.poll(60):
                self.peak_mb = max(self.peak_mb, self.conn.recv()[1])
        self.proc.join(10)
        self.proc = None


def measure_queries(store_root: Path, repeat: int, timeout: float) -> dict:
    """Median latency of every named query (default parameters) on Oxigraph and on rdflib."""
    from kzlinks.sparql.named import catalogue

    names = [q.name for q in catalogue()]
    engines = {
        "oxigraph": _Engine("oxigraph", store_root, repeat, 1.0, timeout),
        "rdflib": _Engine("rdflib", store_root, max(1, repeat // 3), 2.0, timeout),
    }
    results: dict[str, dict] = {n: {} for n in names}
    for engine_name, engine in engines.items():
        say(f"queries on {engine_name}")
        for name in names:
            results[name][engine_name] = engine.run(name)
            say(f"  {name}: {_cell(results[name][engine_name])}")
        engine.stop()
    ratios = [  # a query rdflib cannot finish counts at the timeout (issue 13's definition)
        (r["rdflib"]["median_s"] if r["rdflib"]["status"] == "ok" else timeout) / r["oxigraph"]["median_s"]
        for r in results.values()
        if r["oxigraph"]["status"] == "ok"
        and r["rdflib"]["status"] in ("ok", "timeout")
        and r["oxigraph"]["median_s"] > 0
    ]
    speedup = math.exp(sum(map(math.log, ratios)) / len(ratios)) if ratios else None
    mismatched = [
        n
        for n, r in results.items()
        if r["rdflib"]["status"] == r["oxigraph"]["status"] == "ok" and r["rdflib"]["rows"] != r["oxigraph"]["rows"]
    ]
    return {
        "queries": results,
        "speedup": speedup,
        "compared": len(ratios),
        "row_count_mismatch": mismatched,
        "rdflib_load_s": engines["rdflib"].load_s,
        "oxigraph_peak_mb": engines["oxigraph"].peak_mb,
        "rdflib_peak_mb": engines["rdflib"].peak_mb,
    }


def _cell(result: dict) -> str:
    if result["status"] == "ok":
        return f"{result['median_s'] * 1000:.1f} ms ({result['rows']} rows)"
    return f">{result['seconds']:.0f} s" if result["status"] == "timeout" else "error"


# ------------------------------------------------------------------------------------------ build and analysis


def _stages(report) -> dict:
    return {k: round(v, 3) for k, v in report.timings.items()}


def measure_builds(facts: Path, store_root: Path) -> dict:
    from kzlinks.bench.synthetic import edit_one
    from kzlinks.dataset.store import StoreDir
    from kzlinks.workflow import build

    store = StoreDir(store_root)
    say("cold build")
    cold = build([facts], store, packaged=False, progress=say)
    say("rebuild with nothing changed")
    noop = build([facts], store, packaged=False)
    files = sorted(facts.glob("*.yaml"))
    edit_one(files[len(files) // 2], version=int(time.time()))
    say(f"incremental rebuild after editing {files[len(files) // 2].name}")
    incremental = build([facts], store, packaged=False, progress=say)
    removed = files[-1]  # the last article: the seed and earlier articles declare what later ones name
    kept = removed.read_bytes()
    removed.unlink()  # its legs, meetings and agreements leave the networks: the analysis must recompute
    say(f"incremental rebuild after deleting {removed.name}")
    touching = build([facts], store, packaged=False, progress=say)
    removed.write_bytes(kept)  # and back, so the floor and the queries measure the whole graph
    say(f"incremental rebuild after restoring {removed.name}")
    restored = build([facts], store, packaged=False, progress=say)
    return {
        "quads": cold.quads,
        "fact_files": cold.fact_files,
        "graphs": cold.graphs,
        "build_s": cold.seconds,
        "build_triples_per_s": cold.quads / cold.seconds,
        "build_stages_s": _stages(cold),
        "build_read_workers": cold.read_workers,
        "build_triples_per_s_without_derive": cold.quads / (cold.seconds - cold.timings.get("derive", 0.0)),
        "shacl_validation_s": cold.timings.get("validate"),
        "modelling_check_s": cold.timings.get("check", 0.0),
        "modelling_check_warnings": len(cold.warnings),
        "shacl_validator": cold.validator,
        "noop_rebuild_s": noop.seconds,
        "noop_rebuilt_nothing": noop.unchanged,
        "incremental_rebuild_s": incremental.seconds,
        "incremental_stages_s": _stages(incremental),
        "incremental_rebuild_s_without_derive": incremental.seconds - incremental.timings.get("derive", 0.0),
        "incremental_graphs_written": incremental.graphs_written,
        "incremental_files_read": incremental.files_read,
        "incremental_validated_nodes": incremental.validated_triples,
        "incremental_derived_kept": bool(incremental.derive_figures.get("derived_kept")),
        "incremental_networks_recomputed": incremental.derive_figures.get("networks_recomputed", 0),
        "network_edit_rebuild_s": touching.seconds,
        "network_edit_stages_s": _stages(touching),
        "network_edit_networks_recomputed": touching.derive_figures.get("networks_recomputed", 0),
        "network_edit_networks_reused": touching.derive_figures.get("networks_reused", 0),
        "network_edit_restore_s": restored.seconds,
    }


def measure_pyshacl(store_root: Path) -> float:
    """The reference validator on the whole graph, for comparison with the SPARQL translation."""
    from pyoxigraph import NamedNode

    from kzlinks.dataset.store import StoreDir
    from kzlinks.dataset.validation import pyshacl_violations, to_rdflib
    from kzlinks.facts.vocabulary import parse_ontology
    from kzlinks.namespaces import DERIVED_GRAPH, ONTOLOGY_GRAPH
    from kzlinks.ontology import ONTOLOGY_FILE

    store = StoreDir(store_root).open_read()
    skip = {NamedNode(str(ONTOLOGY_GRAPH)), NamedNode(str(DERIVED_GRAPH))}
    started = time.perf_counter()
    pyshacl_violations(to_rdflib(q for q in store if q.graph_name not in skip), parse_ontology(ONTOLOGY_FILE))
    return time.perf_counter() - started


def measure_analysis(store_root: Path) -> dict:
    """NetworkX projections and analysis (graph/projections.py, graph/analysis.py), if they exist."""
    try:
        from kzlinks.analysis import algorithms as analysis
        from kzlinks.analysis import projections
    except ImportError as exc:
        return {"projection_s": None, "analysis_s": None, "note": f"n/a ({exc})"}
    from kzlinks.dataset.store import StoreDir
    from kzlinks.sparql.engines import OxigraphEngine

    engine = OxigraphEngine.open(StoreDir(store_root))  # as `kg analyse` would: on the query index
    try:
        return _analyse(engine, projections, analysis)
    except Exception as exc:  # another helper's modules, still changing: report, do not abort the benchmark
        return {"projection_s": None, "analysis_s": None, "note": f"failed: {type(exc).__name__}: {exc}"}


def _analyse(engine, projections, analysis) -> dict:
    from kzlinks.namespaces import entity_iri

    started = time.perf_counter()
    entities = projections.Entities(engine)
    corridor = projections.corridor_network(engine, entities)
    networks = [projections.actor_network(engine, entities), projections.agreement_network(engine, entities)]
    projected = time.perf_counter()
    for network in [corridor, *networks]:
        analysis.centrality(network)
    for network in networks:
        analysis.communities(network)
    analysis.cut(corridor, entity_iri("china"), entity_iri("european-union"))
    analysis.route(corridor, entity_iri("xian"), entity_iri("constanta"), entity_iri("middle-corridor"))
    done = time.perf_counter()
    sizes = {
        n.graph.get("network", "?").rsplit("#", 1)[-1]: [n.number_of_nodes(), n.number_of_edges()]
        for n in [corridor, *networks]
    }
    return {"projection_s": projected - started, "analysis_s": done - projected, "networks": sizes}


def measure_floor(facts: Path, store_root: Path) -> dict:
    """The floor a cold build is compared with: libyaml reading the fact files, plus pyoxigraph's bulk
    load of the same quads (the built dataset dumped as N-Quads) into a new store."""
    import tempfile

    import pyoxigraph
    import yaml

    from kzlinks.dataset.store import StoreDir

    started = time.perf_counter()
    for path in sorted(facts.glob("*.yaml")):
        with path.open("rb") as handle:
            yaml.load(handle, Loader=yaml.CSafeLoader)
    read_s = time.perf_counter() - started
    data = StoreDir(store_root).open_read().dump(format=pyoxigraph.RdfFormat.N_QUADS)
    with tempfile.TemporaryDirectory(prefix="kg-floor-") as tmp:
        started = time.perf_counter()
        target = pyoxigraph.Store(tmp)
        target.bulk_load(data, format=pyoxigraph.RdfFormat.N_QUADS)
        target.flush()
        load_s = time.perf_counter() - started
        del target
    return {"floor_yaml_s": read_s, "floor_bulk_load_s": load_s, "floor_s": read_s + load_s}


# ---------------------------------------------------------------------------------------------------- run


def run_bench(size: int, workdir: Path, repeat: int = 9, timeout: float = 60.0, pyshacl_max: int = 150_000) -> dict:
    from kzlinks.bench.synthetic import generate

    started = time.perf_counter()
    say(f"writing synthetic fact files for about {size} triples to {workdir / 'facts'}")
    generated = generate(workdir / "facts", size)
    figures: dict = {"size_requested": size, "generate_s": time.perf_counter() - started, "cpus": os.cpu_count()}
    figures |= measure_builds(workdir / "facts", workdir / "store")
    figures["build_peak_rss_mb"] = _rss_mb()
    say("the floor: libyaml reading the fact files, pyoxigraph bulk-loading the same quads")
    figures |= measure_floor(workdir / "facts", workdir / "store")
    figures["build_floor_ratio"] = figures["build_s"] / figures["floor_s"]
    if figures["quads"] <= pyshacl_max:
        say("pyshacl on the whole graph, for comparison")
        figures["pyshacl_validation_s"] = measure_pyshacl(workdir / "store")
    else:
        figures["pyshacl_validation_s"] = None
    say("NetworkX projections and analysis")
    figures |= measure_analysis(workdir / "store")
    queries = measure_queries(workdir / "store", repeat, timeout)
    figures["query_speedup_vs_rdflib"] = queries.pop("speedup")
    figures |= queries
    figures["peak_rss_mb"] = max(_rss_mb(), queries["oxigraph_peak_mb"])
    figures["generated_files"] = len(generated.files)
    return figures


def _fmt(value, unit: str = "", digits: int = 2) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}{unit}"


def table(f: dict) -> str:
    lines = [
        f"triples (quads)                {f['quads']:,} in {f['fact_files']} fact files, {f['graphs']:,} graphs",
        f"cold build, validation incl.   {_fmt(f['build_s'], ' s')}  = {_fmt(f['build_triples_per_s'], ' triples/s', 0)}"
        f"  (without the derived-graph hook: {_fmt(f['build_triples_per_s_without_derive'], ' triples/s', 0)})",
        "  stages (s)                   "
        + ", ".join(f"{k} {v:.2f}" for k, v in f["build_stages_s"].items())
        + f" (fact files read and mapped by {f.get('build_read_workers') or 'no'} worker processes)",
        f"modelling check                {_fmt(f['modelling_check_s'], ' s')} added to the cold build (it runs "
        f"while the stores are written, validated and analysed; {f['modelling_check_warnings']} warnings)",
        f"floor (libyaml + bulk load)    {_fmt(f['floor_s'], ' s')}  (yaml {_fmt(f['floor_yaml_s'], ' s')}, bulk load "
        f"{_fmt(f['floor_bulk_load_s'], ' s')}); build_floor_ratio {_fmt(f['build_floor_ratio'], 'x')}",
        f"SHACL validation ({f['shacl_validator']:7})      {_fmt(f['shacl_validation_s'], ' s')}   pyshacl on the same "
        f"graph: {_fmt(f['pyshacl_validation_s'], ' s')}",
        f"rebuild, nothing changed       {_fmt(f['noop_rebuild_s'], ' s')}  (rebuilt nothing: {f['noop_rebuilt_nothing']})",
        f"incremental rebuild, one file  {_fmt(f['incremental_rebuild_s'], ' s')}  ({f['incremental_graphs_written']} "
        f"graph(s) written, {f['incremental_files_read']} file(s) read; without the derived-graph hook "
        f"{_fmt(f['incremental_rebuild_s_without_derive'], ' s')})",
        "  stages (s)                   " + ", ".join(f"{k} {v:.2f}" for k, v in f["incremental_stages_s"].items()),
        f"  derived graph                kept: {f['incremental_derived_kept']}, networks recomputed: "
        f"{f['incremental_networks_recomputed']} of 3",
        f"incremental, one file deleted  {_fmt(f['network_edit_rebuild_s'], ' s')}  (networks recomputed "
        f"{f['network_edit_networks_recomputed']}, reused {f['network_edit_networks_reused']}; restored: "
        f"{_fmt(f['network_edit_restore_s'], ' s')})",
        "  stages (s)                   " + ", ".join(f"{k} {v:.2f}" for k, v in f["network_edit_stages_s"].items()),
        f"NetworkX projection / analysis {_fmt(f.get('projection_s'), ' s')} / {_fmt(f.get('analysis_s'), ' s')}",
        f"rdflib memory store load       {_fmt(f['rdflib_load_s'], ' s')}",
        f"peak memory                    {_fmt(f['peak_rss_mb'], ' MB', 0)} (build and Oxigraph queries); "
        f"rdflib worker {_fmt(f['rdflib_peak_mb'], ' MB', 0)}",
        f"query speedup vs rdflib        {_fmt(f['query_speedup_vs_rdflib'], 'x', 1)} "
        f"(geometric mean over {f['compared']} queries; an rdflib timeout counts at the timeout)",
        "",
        f"{'query':36} {'oxigraph':>14} {'rdflib':>14} {'ratio':>8} {'rows':>6}",
    ]
    for name, r in f["queries"].items():
        ox, rd = r["oxigraph"], r["rdflib"]
        ratio = (
            f"{rd['median_s'] / ox['median_s']:.0f}x"
            if ox["status"] == rd["status"] == "ok" and ox["median_s"] > 0
            else ""
        )
        rows = ox.get("rows", "")
        lines.append(f"{name:36} {_ms(ox):>14} {_ms(rd):>14} {ratio:>8} {rows!s:>6}")
    if f["row_count_mismatch"]:
        lines.append(f"row counts differ between engines: {', '.join(f['row_count_mismatch'])}")
    return "\n".join(lines)


def _ms(result: dict) -> str:
    if result["status"] == "ok":
        return f"{result['median_s'] * 1000:,.1f} ms"
    return f">{result['seconds']:.0f} s" if result["status"] == "timeout" else "error"


__all__ = ["run_bench", "measure_queries", "table"]
