"""Node positions computed before the page opens, so even a 10,000-node view appears at once.

Two layouts, both linear in the size of the graph: a map projection for places with reference
coordinates, and a radial tree (each connected part around its best-connected node, rings by distance)
for everything else. The browser may then refine a small graph with a few bounded physics steps; a large
one is shown as laid out here, physics off.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

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
    return _place_tree(children, depth, root)


def _place_tree(children: dict[str, list[str]], depth: dict[str, int], root: str) -> Positions:
    """Rings by depth, each subtree in an angle proportional to its leaves."""
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
        centre = root if root is not None and root in members else max(members, key=lambda n: (graph.degree(n), str(n)))
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


# ---- the corridor map -------------------------------------------------------------------------------------


def projected(
    graph: nx.Graph,
    coords: dict[str, tuple[float, float]],
    project: Callable[[float, float], tuple[float, float]],
    gap: float = 16.0,
) -> Positions:
    """Map positions by a projection (lat, lon) -> (x, y); nodes without coordinates sit between their
    neighbours; nodes closer than `gap` are nudged apart (Aktau and Kuryk lie 60 km apart)."""
    if not coords:
        return radial(graph)
    pos = {n: project(lat, lon) for n, (lat, lon) in coords.items()}
    factor = spread(pos)
    pos = {n: (x * factor, y * factor) for n, (x, y) in pos.items()}
    for _ in range(3):
        for node in sorted(graph):
            placed = [pos[m] for m in graph[node] if m in pos]
            if node not in pos and placed:
                pos[node] = (sum(x for x, _ in placed) / len(placed), sum(y for _, y in placed) / len(placed) + gap)
    rest = sorted(n for n in graph if n not in pos)
    if rest:
        left = min(x for x, _ in pos.values())
        bottom = max(y for _, y in pos.values())
        pos.update({n: (left + i * 3 * gap, bottom + 3 * gap) for i, n in enumerate(rest)})
    return separate(pos, gap)


def spread(pos: Positions, room: float = 40.0) -> float:
    """How much to enlarge a projected map so its places have about `room` pixels each: 1 for a real
    corridor, more for a dense map of thousands of places (then the reader zooms in, and the browser
    draws only what is on screen)."""
    if len(pos) < 2:
        return 1.0
    xs, ys = [x for x, _ in pos.values()], [y for _, y in pos.values()]
    area = max((max(xs) - min(xs)) * (max(ys) - min(ys)), 1.0)
    return max(1.0, 1.3 * room * math.sqrt(len(pos) / area))


# ---- the actor view: a readable core, the rest around it ---------------------------------------------------

CORE_RADIUS = 420.0


def core_and_periphery(graph: nx.Graph, core: set[str]) -> Positions:
    """The core (the most connected actors) laid out by stress (Kamada-Kawai) in a disc; every other
    actor in rings outside it, next to the core actor it is most strongly tied to."""
    if len(graph) > 2000 or not core:
        return radial(graph)
    raw = _forces(graph.subgraph(core))
    span = max((math.hypot(x, y) for x, y in raw.values()), default=1.0) or 1.0
    pos = {n: (float(x) / span * CORE_RADIUS, float(y) / span * CORE_RADIUS) for n, (x, y) in raw.items()}
    pos = separate(pos, 150.0)
    anchors: dict[str, list[str]] = defaultdict(list)
    for node in sorted(set(graph) - core):
        near = [m for m in graph[node] if m in core]
        if near:
            anchor = max(near, key=lambda m: (graph.edges[node, m].get("weight", 1), m))
        else:
            anchor = min(
                core, key=lambda m: (nx.shortest_path_length(graph, node, m) if nx.has_path(graph, node, m) else 99, m)
            )
        anchors[anchor].append(node)
    for anchor, members in anchors.items():
        ax, ay = pos[anchor]
        base = math.atan2(ay, ax) if (ax, ay) != (0.0, 0.0) else 0.0
        for i, node in enumerate(sorted(members)):
            ring, slot = divmod(i, 9)
            angle = base + (slot - 4) * 0.16
            r = CORE_RADIUS + 230 + ring * 110 + (slot % 2) * 40
            pos[node] = (ax * 0.3 + r * math.cos(angle), ay * 0.3 + r * math.sin(angle))
    return separate(pos, 70.0)


def _forces(graph: nx.Graph, rounds: int = 300) -> Positions:
    """Fruchterman-Reingold for a few dozen nodes, in plain Python and deterministic: start on a circle
    (in label order), pull linked nodes together, push every pair apart, cool down."""
    nodes = sorted(graph)
    if len(nodes) < 2:
        return {n: (0.0, 0.0) for n in nodes}
    pos = {
        n: [math.cos(2 * math.pi * i / len(nodes)), math.sin(2 * math.pi * i / len(nodes))] for i, n in enumerate(nodes)
    }
    k = math.sqrt(4.0 / len(nodes))
    for step in range(rounds):
        heat = 0.1 * (1 - step / rounds) + 0.002
        move = {n: [0.0, 0.0] for n in nodes}
        for i, a in enumerate(nodes):
            for b in nodes[i + 1 :]:
                dx, dy = pos[a][0] - pos[b][0], pos[a][1] - pos[b][1]
                d = max(math.hypot(dx, dy), 1e-3)
                push = k * k / d
                if graph.has_edge(a, b):
                    push -= d * d / k
                move[a][0] += dx / d * push
                move[a][1] += dy / d * push
                move[b][0] -= dx / d * push
                move[b][1] -= dy / d * push
        for n in nodes:
            mx, my = move[n]
            size = max(math.hypot(mx, my), 1e-9)
            pos[n][0] += mx / size * min(size, heat)
            pos[n][1] += my / size * min(size, heat)
    return {n: (p[0], p[1]) for n, p in pos.items()}


# ---- the agreement view: a time axis -------------------------------------------------------------------------


@dataclass
class Timeline:
    pos: Positions
    axis: dict


def _year_of(date: str) -> int:
    return int(date[:4])


def timeline(graph: nx.Graph, docs: list[str], dates: dict[str, str], events: list[str], agents: list[str]) -> Timeline:
    """Documents on an axis by date (monotone, at least DOC_GAP apart), undated ones in a column on the
    right; events that produced them above; parties below, each under its documents; the rest beyond."""
    step, doc_gap, row = 70.0, 170.0, 70.0
    dated = sorted((d for d in docs if d in dates), key=lambda d: (dates[d], d))
    pos: Positions = {}
    x_of_date: dict[str, float] = {}
    x = 0.0
    previous: str | None = None
    for date in sorted({dates[n] for n in [*docs, *events] if n in dates}):
        if date not in x_of_date:
            if previous is not None:
                months = max(
                    1,
                    (_year_of(date) - _year_of(previous)) * 12
                    + (int(date[5:7] or 1) if len(date) >= 7 else 1)
                    - (int(previous[5:7] or 1) if len(previous) >= 7 else 1),
                )
                x += max(doc_gap, min(step * math.sqrt(months), 600.0))
            x_of_date[date] = x
            previous = date
    stack: dict[float, int] = defaultdict(int)
    for doc in dated:
        dx = x_of_date[dates[doc]]
        pos[doc] = (dx, -stack[dx] * row)
        stack[dx] += 1
    end = x
    undated_x = end + 320.0 if x_of_date else 0.0
    undated = sorted(d for d in docs if d not in dates)
    per_column = max(5, math.ceil(math.sqrt(len(undated) * 2)))
    for i, doc in enumerate(undated):
        column, place = divmod(i, per_column)
        pos[doc] = (undated_x + column * 230.0, -place * row)
    top = min((y for _, y in pos.values()), default=0.0)
    for i, event in enumerate(events):
        linked = [pos[d][0] for d in graph[event] if d in pos]
        at = x_of_date.get(dates.get(event, ""))
        pos[event] = (at if at is not None else sum(linked) / len(linked) if linked else i * doc_gap, top - 200.0)
    for i, agent in enumerate(agents):
        linked = [pos[d][0] for d in graph[agent] if d in docs]
        pos[agent] = (sum(linked) / len(linked) if linked else i * doc_gap, 220.0)
    _spread_rows(pos, events, 170.0, -row * 1.5)
    _spread_rows(pos, agents, 120.0, row * 1.5)
    rest = [n for n in sorted(graph) if n not in pos]
    for node in rest:
        near = [pos[m] for m in graph[node] if m in pos]
        bx = sum(p[0] for p in near) / len(near) if near else 0.0
        pos[node] = (bx, max((y for _, y in pos.values()), default=0.0) + row)
    pos = separate(pos, 46.0)
    stretch = _stretch(pos, ASPECT)
    pos = {n: (x, y * stretch) for n, (x, y) in pos.items()}
    top *= stretch
    ticks = []
    if x_of_date:
        first, last = _year_of(min(x_of_date)), _year_of(max(x_of_date))
        for year in range(first, last + 1):
            known = [x_of_date[d] for d in x_of_date if _year_of(d) == year]
            if known:
                ticks.append({"x": round(min(known) - 30.0, 1), "label": str(year)})
    axis = {
        "kind": "axis",
        "x0": -80.0,
        "x1": end + 80.0,
        "y": 45.0 * stretch,
        "ticks": ticks,
        "undated": undated_x - 120.0 if any(d not in dates for d in docs) else None,
        "undatedLabel": "undated",
        "top": top - 260.0,
        "bottom": max((y for _, y in pos.values()), default=400.0) + 60.0,
    }
    return Timeline(pos, axis)


ASPECT = 1.5  # width / height of a laptop's network pane: a long time axis gets taller rows to fill it


def _stretch(pos: Positions, aspect: float) -> float:
    """How much to stretch a wide layout vertically so it fills a pane of this aspect ratio."""
    if len(pos) < 2:
        return 1.0
    xs, ys = [x for x, _ in pos.values()], [y for _, y in pos.values()]
    width, height = max(xs) - min(xs), max(max(ys) - min(ys), 1.0)
    return min(2.5, max(1.0, width / aspect / height))


def _spread_rows(pos: Positions, nodes: list[str], gap: float, row_step: float) -> None:
    """Keep nodes of one band in order of x, at least `gap` apart, wrapping into extra rows when crowded."""
    rows: list[float] = []
    for node in sorted(nodes, key=lambda n: (pos[n][0], n)):
        x, y = pos[node]
        for i, last in enumerate(rows):
            if x - last >= gap:
                rows[i] = x
                pos[node] = (x, y + i * row_step)
                break
        else:
            rows.append(x)
            pos[node] = (x, y + (len(rows) - 1) * row_step)


# ---- the ego view: a tree with collapsed hubs ------------------------------------------------------------------


@dataclass
class EgoTree:
    pos: Positions
    depth: dict[str, int]
    shown: set[str]
    groups: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    group_pos: dict[tuple[str, int], tuple[float, float]] = field(default_factory=dict)


def collapsed_tree(graph: nx.Graph, root: str, is_hub: Callable[[str], bool], max_children: int) -> EgoTree:
    """Breadth-first rings around `root`; past a hub (other than the root) and past the first
    `max_children` neighbours of a node, the rest is collapsed into a group shown as one counted node."""
    children, depth = _tree(graph, root, set(graph))
    shown, groups = {root}, {}
    visible_children: dict[str, list[str]] = defaultdict(list)
    order = deque([root])
    while order:
        node = order.popleft()
        kids = sorted(children.get(node, ()), key=lambda m: (-graph.degree(m), str(graph.nodes[m].get("label", m))))
        keep = (
            []
            if (node != root and is_hub(node))
            else kids[: max_children if len(kids) > max_children + 2 else len(kids)]
        )
        rest = [k for k in kids if k not in keep]
        for kid in keep:
            shown.add(kid)
            visible_children[node].append(kid)
            order.append(kid)
        if rest:
            members: list[str] = []
            todo = list(rest)
            while todo:
                m = todo.pop()
                members.append(m)
                todo.extend(children.get(m, ()))
            groups[(node, 0)] = sorted(members)
            visible_children[node].append(f"__group__{node}")
    vdepth = {root: 0}
    for node in list(_walk(visible_children, root)):
        for kid in visible_children.get(node, ()):
            vdepth[kid] = vdepth[node] + 1
    placed = _place_tree(visible_children, vdepth, root)
    pos = {n: placed[n] for n in shown}
    group_pos: dict[tuple[str, int], tuple[float, float]] = {}
    for (parent, i), members in groups.items():
        gx, gy = placed[f"__group__{parent}"]
        group_pos[(parent, i)] = (gx, gy)
        base = math.atan2(gy, gx) if (gx, gy) != (0.0, 0.0) else 0.0
        per_ring = 12
        for j, m in enumerate(members):
            ring, slot = divmod(j, per_ring)
            angle = base + (slot - per_ring / 2) * (math.pi / per_ring)
            r = 140.0 + ring * 90.0
            pos[m] = (gx + r * math.cos(angle), gy + r * math.sin(angle))
    for node in graph:
        pos.setdefault(node, placed.get(node, (0.0, 0.0)))
    return EgoTree(separate(pos, 40.0), {**depth}, shown, groups, group_pos)


def _walk(children: dict[str, list[str]], root: str):
    queue = deque([root])
    while queue:
        node = queue.popleft()
        yield node
        queue.extend(children.get(node, ()))
