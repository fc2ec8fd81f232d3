"""Betweenness computed in a child process (kzlinks.analysis.betweenness) is the in-process computation to
the last bit and falls back to it when the child fails; a failing analysis never hides a validation error.
"""

from __future__ import annotations

import networkx as nx
import pytest
from support import add_tenure_without_holder

from kzlinks.analysis import betweenness as module
from kzlinks.analysis.algorithms import centrality
from kzlinks.analysis.betweenness import Betweenness, betweenness
from kzlinks.bench.synthetic import generate
from kzlinks.dataset import pipeline
from kzlinks.dataset.store import StoreDir
from kzlinks.errors import ValidationError


def _network(nodes: int = 300, edges: int = 1500) -> nx.Graph:
    """A random network with IRIs for names, in an order that is not the sorted one."""
    graph = nx.gnm_random_graph(nodes, edges, seed=3)
    return nx.relabel_nodes(graph, {n: f"https://example.org/id/{(n * 7919) % nodes:04d}" for n in graph})


def test_the_child_process_gives_the_same_scores_to_the_last_bit(monkeypatch):
    graph = _network()
    here = betweenness(graph)
    monkeypatch.setattr(module, "CHILD_MIN_WORK", 0)
    job = Betweenness(graph)
    assert job._child is not None  # it really ran in a child process
    assert job.scores() == here  # float for float, not approximately
    reference = nx.betweenness_centrality(graph, normalized=True)
    assert max(abs(here[n] - reference[n]) for n in graph) < 1e-12
    assert centrality(graph, Betweenness(graph)) == centrality(graph)


def test_a_failing_child_falls_back_to_computing_here(monkeypatch):
    graph = _network(120, 400)
    monkeypatch.setattr(module, "CHILD_MIN_WORK", 0)
    monkeypatch.setattr(module, "_CHILD", "import sys; print('[0.5]'); sys.exit(3)")
    assert Betweenness(graph).scores() == betweenness(graph)
    monkeypatch.setattr(module, "_CHILD", "print('[0.5, 0.25]')")  # exits well, but with the wrong answer
    assert Betweenness(graph).scores() == betweenness(graph)


def test_a_child_no_longer_wanted_is_stopped(monkeypatch):
    monkeypatch.setattr(module, "CHILD_MIN_WORK", 0)
    monkeypatch.setattr(module, "_CHILD", "import time; time.sleep(60)")
    job = Betweenness(_network(50, 100))
    job.close()
    assert job._child is not None and job._child.poll() is not None


def test_a_validation_error_is_reported_even_when_the_analysis_fails(tmp_path, monkeypatch):
    facts = tmp_path / "facts"
    generate(facts, 6000)
    target = sorted(facts.glob("*.yaml"))[2]
    line = add_tenure_without_holder(target)
    monkeypatch.setattr(pipeline, "PYSHACL_MAX_QUADS", 0)  # the SPARQL validator, in its threads

    def failing_analysis(index, progress, context):
        raise RuntimeError("the analysis broke")

    store = StoreDir(tmp_path / "store")
    with pytest.raises(ValidationError) as caught:
        pipeline.build([facts], store, packaged=False, derive=failing_analysis)
    assert caught.value.file == str(target.resolve()) and caught.value.line == line
    assert store.current is None
