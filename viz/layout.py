"""Node positions computed before the page opens, so even a 10,000-node view appears at once.

Two layouts, both linear in the size of the graph: a map projection for places with reference
coordinates, and a radial tree (each connected part around its best-connected node, rings by distance)
for everything else. The browser may then refine a small graph with a few bounded physics steps; a large
one is shown as laid out here, physics off.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque

import networkx as nx

Positions = dict[str, tuple[float, float]]
PX_PER_DEGREE = 30.0
RING = 170.0  # distance between rings of the radial layout
MIN_GAP = 46.0  # nodes closer than this are pushed apart
COMPONENT_GAP = 120.0


def geographic(graph: nx.Graph, coords: dict[str, tuple[float, float]], gap: float = MIN_GAP) -> Positions:
    """Equirectangular map positions (north up); nodes without coordinates sit between their neighbours."""
    if not coords:
        return radial(graph)
    mid_lat = sum(lat for lat, _ in coords.values()) / len(coords)
    squeeze = math.cos(math.radians(mid_lat))
    lats, lons = [lat for lat, _ in coords.values()], [lon * squeeze for _, lon in coords.values()]
    area = max((max(lats) - min(lats)) * (max(lons) - min(lons)), 1.0)
    # zoom the map out of the way of crowding: enough room per node for the gap, so separating is cheap
    scale = max(PX_PER_DEGREE, 1.3 * gap * math.sqrt(len(coords) / area))
    pos = {n: (lon * scale * squeeze, -lat * scale) for n, (lat, lon) in coords.items()}
    for _ in range(3):  # fill in from placed neighbours, a few rounds deep
        for node in graph:
            placed = [pos[m] for m in graph[node] if m in pos]
            if node not in pos and placed:
                pos[node] = (sum(x for x, _ in placed) / len(placed), sum(y for _, y in placed) / len(placed) + 25)
    rest = [n for n in graph if n not in pos]
    if rest:
        left = min(x for x, _ in pos.values())
        bottom = max(y for _, y in pos.values())
        pos.update({n: (left + i * 2 * gap, bottom + 3 * gap) for i, n in enumerate(sorted(rest))})
    return separate(pos, gap)


def separate(pos: Positions, gap: float = MIN_GAP, rounds: int = 30) -> Positions:
    """Push apart nodes that would overlap (Aktau and Kuryk lie 60 km apart), using a grid so each round is
    linear in the number of nodes."""
    pos = dict(pos)
    nodes = sorted(pos)
    rounds = rounds if len(nodes) <= 2000 else 4  # on a big map, a few rounds settle the worst crowding
    for _ in range(rounds):
        grid: dict[tuple[int, int], list[str]] = defaultdict(list)
        for n in nodes:
            grid[(int(pos[n][0] // gap), int(pos[n][1] // gap))].append(n)
        moved = False
        for (gx, gy), members in grid.items():
            near = [m for dx in (-1, 0, 1) for dy in (-1, 0, 1) for m in grid.get((gx + dx, gy + dy), ())]
            for a in members:
                for b in near:
                    if a >= b:
                        continue
                    (ax, ay), (bx, by) = pos[a], pos[b]
                    dx, dy = bx - ax, by - ay
                    dist = math.hypot(dx, dy)
                    if dist >= gap:
                        continue
                    if dist < 1e-6:
                        dx, dy, dist = 1.0, 0.5, math.hypot(1.0, 0.5)
                    push = (gap - dist) / 2 / dist
                    pos[a] = (ax - dx * push, ay - dy * push)
                    pos[b] = (bx + dx * push, by + dy * push)
                    moved = True
        if not moved:
            break
    return pos


def _tree(graph: nx.Graph, root: str, members: set[str]) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Breadth-first tree: children by label, so the layout is the same on every run."""
    children: dict[str, list[str]] = defaultdict(list)
    depth = {root: 0}
    queue = deque([root])
    while queue:
        node = queue.popleft()
        for nxt in sorted(graph[node], key=lambda m: (str(graph.nodes[m].get("label", m)), m)):
            if nxt in members and nxt not in depth:
                depth[nxt] = depth[node] + 1
                children[node].append(nxt)
                queue.append(nxt)
    return children, depth


def _leaves(children: dict[str, list[str]], root: str) -> dict[str, int]:
    order, stack = [], [root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(children.get(node, ()))
    count: dict[str, int] = {}
    for node in reversed(order):
        count[node] = sum(count[c] for c in children.get(node, ())) or 1
    return count


def _radial_component(graph: nx.Graph, root: str, members: set[str]) -> Positions:
    children, depth = _tree(graph, root, members)
    leaves = _leaves(children, root)
    per_ring: dict[int, int] = defaultdict(int)
    for d in depth.values():
        per_ring[d] += 1
    radius, last = {0: 0.0}, 0.0
    for d in range(1, max(depth.values()) + 1):
        last = max(last + RING, per_ring[d] * MIN_GAP * 1.3 / (2 * math.pi))
        radius[d] = last
    pos = {root: (0.0, 0.0)}
    stack = [(root, 0.0, 2 * math.pi)]
    while stack:
        node, start, span = stack.pop()
        for child in children.get(node, ()):
            share = span * leaves[child] / leaves[node]
            angle = start + share / 2
            r = radius[depth[child]]
            pos[child] = (r * math.cos(angle), r * math.sin(angle))
            stack.append((child, start, share))
            start += share
    return pos


def radial(graph: nx.Graph, root: str | None = None) -> Positions:
    """Each connected part as a radial tree around `root` (or its best-connected node), parts in rows."""
    parts = sorted((set(c) for c in nx.connected_components(nx.Graph(graph))), key=lambda c: (-len(c), min(c)))
    laid = []
    for members in parts:
        centre = root if root in members else max(members, key=lambda n: (graph.degree(n), str(n)))
        part = _radial_component(graph, centre, members)
        size = max((math.hypot(x, y) for x, y in part.values()), default=0.0) + MIN_GAP
        laid.append((part, size))
    width = max(math.sqrt(sum((2 * s) ** 2 for _, s in laid)) * 1.2, 1.0)
    pos: Positions = {}
    x = y = row_height = 0.0
    for part, size in laid:
        if x > 0 and x + 2 * size > width:
            x, y, row_height = 0.0, y + row_height + COMPONENT_GAP, 0.0
        pos.update({n: (px + x + size, py + y + size) for n, (px, py) in part.items()})
        x += 2 * size + COMPONENT_GAP
        row_height = max(row_height, 2 * size)
    return pos
