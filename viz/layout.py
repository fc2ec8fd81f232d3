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

# The timeline is laid out in screen pixels of the smallest pane it must read well in (a 1280x720 laptop
# window: about 840x500 inside the margins), with each label's width estimated, so that every node keeps
# its label at the initial zoom; a larger window only adds room.
PANE_W, PANE_H = 840.0, 500.0
ROW = 22.0  # one label's height and a little air
CHAR_PX = 7.1  # mean width of a 13 px label character
LABEL_CHARS = 29  # view.js shortens longer labels to this
NODE_GAP = 14.0  # a node's disc and the gap before its label
COLUMN_GAP = 16.0


@dataclass
class Timeline:
    pos: Positions
    axis: dict
    side: dict[str, int] = field(default_factory=dict)  # where the layout kept room for a label: 1 right, -1 left


def _year_of(date: str) -> int:
    return int(date[:4])


def label_width(label: str) -> float:
    """Roughly how many pixels view.js needs for this label at 13 px."""
    return CHAR_PX * min(len(label), LABEL_CHARS) + 4


def _date_positions(dates: list[str]) -> dict[str, float]:
    """Each distinct date on a line, later further right, gaps growing with the square root of the months
    between (so a quiet year does not take the width of a busy one)."""
    x_of_date: dict[str, float] = {}
    x, previous = 0.0, None
    for date in sorted(set(dates)):
        if previous is not None:
            months = (_year_of(date) - _year_of(previous)) * 12
            months += (int(date[5:7]) if len(date) >= 7 else 1) - (int(previous[5:7]) if len(previous) >= 7 else 1)
            x += 1.0 + math.sqrt(max(months, 1))
        x_of_date[date] = x
        previous = date
    return x_of_date


def _pack(
    wanted: dict[str, float],
    widths: dict[str, float],
    lo: float,
    hi: float,
    both_sides: bool = False,
    slack: float = 0.0,
) -> dict[str, tuple[float, int, int]]:
    """Nodes in rows, each at its wanted x (kept within lo..hi with its label), its label to the right: a
    node goes in the first row where the previous label has ended; failing that (with `both_sides`) in the
    first row with room for its label on the left; failing that in the first row where it fits moved right
    by at most `slack` (for nodes whose x is not a date); else in a new row. Returns x, row and the label's
    side (1 right, -1 left)."""
    ends: list[float] = []
    out: dict[str, tuple[float, int, int]] = {}
    for node in sorted(wanted, key=lambda n: (wanted[n], n)):
        width = widths[node] + NODE_GAP
        x = min(max(wanted[node], lo), max(lo, hi - width))
        row = next((i for i, end in enumerate(ends) if end <= x), None)
        side = 1
        if row is None and both_sides and x - width >= lo:
            row = next((i for i, end in enumerate(ends) if end <= x - width - 8), None)
            side = -1 if row is not None else 1
        if row is None and slack:
            row = next((i for i, end in enumerate(ends) if end - x <= slack and end + width <= hi), None)
            x = max(x, ends[row]) if row is not None else x
        if row is None:
            row = len(ends)
            ends.append(lo)
        ends[row] = x + (width + 8 if side > 0 else NODE_GAP)
        out[node] = (x, row, side)
    return out


def _right_end(packed: dict[str, tuple[float, int, int]], widths: dict[str, float]) -> float:
    return max((x + NODE_GAP + (widths[n] if side > 0 else 0) for n, (x, _, side) in packed.items()), default=0.0)


def timeline(
    graph: nx.Graph,
    docs: list[str],
    dates: dict[str, str],
    events: list[str],
    agents: list[str],
    labels: dict[str, str] | None = None,
) -> Timeline:
    """Dated documents above a time axis, packed in rows so no label runs into another; the events that
    produced them above those; undated documents in a block of columns on the right (labels on their left,
    so the block ends at its nodes); parties below the axis, each under its documents; the rest beyond.
    If the result is larger than the pane, the page will show it smaller while its labels keep their size:
    it is laid out again with labels that much wider (and higher), until it fits."""
    labels = labels or {}
    shrink = 1.0
    for _ in range(4):
        widths = {n: label_width(labels.get(n, str(n))) / shrink for n in graph}
        laid = _timeline(graph, docs, dates, events, agents, widths, ROW / shrink)
        visible = [laid.pos[n] for n in [*docs, *events, *agents] if n in laid.pos]
        if not visible:
            return laid
        width = max(x for x, _ in visible) - min(x for x, _ in visible)
        height = max(y for _, y in visible) - min(y for _, y in visible)
        scale = min(PANE_W / max(width, 1.0), PANE_H / max(height, 1.0))
        if scale >= shrink * 0.98:
            return laid
        shrink = scale
    return laid


def _timeline(
    graph: nx.Graph,
    docs: list[str],
    dates: dict[str, str],
    events: list[str],
    agents: list[str],
    widths: dict[str, float],
    step: float,
) -> Timeline:
    undated = sorted(d for d in docs if d not in dates)
    dated = [d for d in docs if d in dates]
    columns = 0 if not undated else 1 if len(undated) <= 8 else 2 if len(undated) <= 24 else 3
    per_column = math.ceil(len(undated) / columns) if columns else 0
    cell = max((widths[d] for d in undated), default=0.0) + NODE_GAP + COLUMN_GAP
    block = columns * cell
    span = max(PANE_W - block - 220.0, 240.0)  # the dates' own width, the widest label beyond it
    x_of_date = _date_positions([dates[n] for n in [*docs, *events] if n in dates])
    last = max(x_of_date.values(), default=0.0) or 1.0
    x_of_date = {d: x / last * span for d, x in x_of_date.items()}
    pos: Positions = {}
    side: dict[str, int] = {d: -1 for d in undated}
    doc_rows = _pack({d: x_of_date[dates[d]] for d in dated}, widths, 0.0, math.inf, both_sides=True)
    for doc, (x, row, label_side) in doc_rows.items():
        pos[doc] = (x, -14.0 - row * step)
        side[doc] = label_side
    dated_right = max(_right_end(doc_rows, widths), span)
    top = -14.0 - max((r for _, r, _ in doc_rows.values()), default=-1) * step - step * 2
    undated_x = dated_right + 30.0
    for i, doc in enumerate(undated):
        column, place = divmod(i, per_column)
        pos[doc] = (undated_x + (column + 1) * cell - COLUMN_GAP, -14.0 - place * step)
    width = undated_x + block if undated else dated_right
    # events above the documents: at their date, or (undated) over the documents they produced
    top = min(top, -14.0 - (per_column + 1) * step) if any(not dates.get(e) for e in events) else top
    wanted_events = {}
    for event in events:
        linked = [pos[d][0] for d in graph[event] if d in pos]
        wanted_events[event] = x_of_date.get(dates.get(event, ""), sum(linked) / len(linked) if linked else span)
    event_rows = _pack(wanted_events, widths, 0.0, width, both_sides=True)
    for event, (x, row, label_side) in event_rows.items():
        pos[event] = (x, top - row * step)
        side[event] = label_side
    agent_rows = _pack(_mean_x(graph, agents, pos), widths, 0.0, width, both_sides=True, slack=160.0)
    for agent, (x, row, label_side) in agent_rows.items():
        pos[agent] = (x, 48.0 + row * step)
        side[agent] = label_side
    bottom = 48.0 + (max((r for _, r, _ in agent_rows.values()), default=0) + 2) * step
    rest = sorted(n for n in graph if n not in pos)
    for node, (x, row, _) in _pack(_mean_x(graph, rest, pos), widths, 0.0, width).items():
        pos[node] = (x, bottom + row * step)
    ticks = []
    for year in sorted({_year_of(d) for d in x_of_date}):
        ticks.append(
            {"x": round(min(x for d, x in x_of_date.items() if _year_of(d) == year) - 6.0, 1), "label": str(year)}
        )
    axis = {
        "kind": "axis",
        "x0": -20.0,
        "x1": span + 20.0,
        "y": 0.0,
        "ticks": ticks,
        "undated": undated_x - 12.0 if undated else None,
        "undatedLabel": "undated",
        "top": min((y for _, y in pos.values()), default=0.0) - 20.0,
        "bottom": max((y for _, y in pos.values()), default=400.0) + 20.0,
    }
    return Timeline(separate(pos, 10.0), axis, side)


def _mean_x(graph: nx.Graph, nodes: list[str], pos: Positions) -> dict[str, float]:
    """Where each node would like to sit: under the nodes it is linked to."""
    out = {}
    for node in nodes:
        near = [pos[m][0] for m in graph[node] if m in pos]
        out[node] = sum(near) / len(near) if near else 0.0
    return out


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
