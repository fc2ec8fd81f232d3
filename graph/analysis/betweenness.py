"""Exact betweenness centrality, computed beside the rest of the analysis when a network is big.

Betweenness is the one costly algorithm of the derived graph: Brandes's algorithm visits every edge once
from every node, seconds for the agreement network at a million triples. rustworkx computes it in Rust,
sequentially (its parallel mode adds each source's share in whatever order threads finish, so the last bits
of a score could differ from one build to the next, and an incremental build must end where a cold one
would). It also holds the GIL while it runs, so a thread would not help. A big network's betweenness is
therefore computed in a child process started as soon as the network is projected: the same call on the
same numbered edges, so the same scores to the last bit, while the parent goes on with the other networks,
routes, cuts and communities on the other core. Anything wrong with the child (no interpreter to start,
killed, an unreadable answer) and the scores are computed here instead.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import networkx as nx

CHILD_MIN_WORK = 10_000_000  # nodes × edges above which the child process pays for its start (about 0.1 s)

# The child's whole program: numbered edges in (JSON), one score per node out. It imports rustworkx alone,
# not kzlinks, so it starts in a tenth of a second.
_CHILD = """
import json, sys
import rustworkx as rx
count, pairs = json.load(sys.stdin)
graph = rx.PyGraph(multigraph=False)
graph.add_nodes_from(range(count))
graph.add_edges_from_no_data([tuple(p) for p in pairs])
scores = rx.graph_betweenness_centrality(graph, normalized=True, endpoints=False, parallel_threshold=1 << 30)
json.dump([scores[i] for i in range(count)], sys.stdout)
"""


def _numbered(graph: nx.Graph) -> tuple[list[str], list[tuple[int, int]]]:
    """The nodes in sorted order and the distinct edges between their numbers, sorted: the order in which
    rustworkx is given them decides the order of its sums, so it is fixed."""
    nodes = sorted(graph)
    index = {node: i for i, node in enumerate(nodes)}
    pairs = set()
    for u, v in graph.edges():
        a, b = index[u], index[v]
        if a != b:
            pairs.add((a, b) if a < b else (b, a))
    return nodes, sorted(pairs)


def _compute(count: int, pairs: list[tuple[int, int]]) -> list[float]:
    import rustworkx as rx  # only the analysis needs it: `kg` starts without it (3 MB less for every command)

    graph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(count))
    graph.add_edges_from_no_data(pairs)
    scores = rx.graph_betweenness_centrality(graph, normalized=True, endpoints=False, parallel_threshold=1 << 30)
    return [float(scores[i]) for i in range(count)]


def betweenness(graph: nx.Graph) -> dict[str, float]:
    """Exact betweenness centrality, normalised as NetworkX's (rustworkx's Brandes, run sequentially so the
    sums are added in one order; it equals networkx.betweenness_centrality to far below the 6 decimals
    written and is 25x quicker)."""
    nodes, pairs = _numbered(graph)
    return dict(zip(nodes, _compute(len(nodes), pairs), strict=True))


class Betweenness:
    """A network's betweenness, started now and read later with `scores()`: in a child process when the
    network is big enough to pay for one, else computed here when asked for. `close()` stops a child whose
    scores are no longer wanted."""

    def __init__(self, graph: nx.Graph) -> None:
        self.nodes, self.pairs = _numbered(graph)
        self._answer: bytes | None = None
        self._child: subprocess.Popen | None = None
        self._talk: threading.Thread | None = None
        if len(self.nodes) * len(self.pairs) >= CHILD_MIN_WORK and sys.executable:
            self._start()

    def _start(self) -> None:
        try:
            self._child = subprocess.Popen(
                [sys.executable, "-c", _CHILD],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            return
        data = json.dumps([len(self.nodes), self.pairs]).encode("ascii")
        # written and read by a thread: the child reads its input only once its imports are done
        self._talk = threading.Thread(target=self._communicate, args=(data,), name="kg-betweenness", daemon=True)
        self._talk.start()

    def _communicate(self, data: bytes) -> None:
        assert self._child is not None
        try:
            out, _ = self._child.communicate(data)
        except (OSError, ValueError):
            return
        if self._child.returncode == 0:
            self._answer = out

    def scores(self) -> dict[str, float]:
        """The scores by node: the child's if it answered in full, else computed here."""
        if self._talk is not None:
            self._talk.join()
        try:
            found = json.loads(self._answer) if self._answer is not None else None
        except ValueError:
            found = None
        if not isinstance(found, list) or len(found) != len(self.nodes):
            found = _compute(len(self.nodes), self.pairs)
        return {node: float(score) for node, score in zip(self.nodes, found, strict=True)}

    def close(self) -> None:
        if self._child is not None and self._child.poll() is None:
            self._child.kill()
        if self._talk is not None:
            self._talk.join()


__all__ = ["betweenness", "Betweenness"]
