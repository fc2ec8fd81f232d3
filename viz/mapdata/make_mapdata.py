"""Make viz/mapdata/eurasia-50m.json from Natural Earth, as npm's `world-atlas` package carries it.

Run once by hand when the map data should change; the views never fetch anything:

    npm install world-atlas@2.0.2      # Natural Earth 1:50m admin-0 countries as TopoJSON
    python viz/mapdata/make_mapdata.py node_modules/world-atlas/countries-50m.json viz/mapdata/eurasia-50m.json

It decodes the TopoJSON, clips every country to the corridor's region (Central Europe to eastern China),
simplifies each ring (Douglas-Peucker) and rounds coordinates, so the file stays small. Water is where no
country is: the Caspian, the Black Sea and the Mediterranean are gaps between countries in Natural Earth.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

BOX = (-12.0, 5.0, 150.0, 78.0)  # west, south, east, north (degrees)
TOLERANCE = 0.06  # degrees: simplification
Ring = list[tuple[float, float]]


def decode_arcs(topo: dict) -> list[Ring]:
    """TopoJSON arcs (delta-encoded, quantised) as lon/lat rings."""
    scale, translate = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
        arcs.append(points)
    return arcs


def ring_points(indexes: list[int], arcs: list[Ring]) -> Ring:
    points: Ring = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        points.extend(arc[1:] if points else arc)
    return points


def clip(ring: Ring, box: tuple[float, float, float, float] = BOX) -> Ring:
    """Sutherland-Hodgman clipping of one ring to the box."""
    west, south, east, north = box
    edges = (
        (lambda p: p[0] >= west, lambda a, b: _cross_x(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: _cross_x(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: _cross_y(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: _cross_y(a, b, north)),
    )
    out = ring
    for inside, cross in edges:
        if not out:
            break
        points, out = out, []
        prev = points[-1]
        for p in points:
            if inside(p):
                if not inside(prev):
                    out.append(cross(prev, p))
                out.append(p)
            elif inside(prev):
                out.append(cross(prev, p))
            prev = p
    return out


def _cross_x(a, b, x):
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _cross_y(a, b, y):
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def simplify(points: Ring, tolerance: float = TOLERANCE) -> Ring:
    """Douglas-Peucker on a closed ring: its two halves apart, as a ring's ends coincide."""
    half = len(points) // 2
    return _douglas_peucker(points[: half + 1], tolerance)[:-1] + _douglas_peucker(points[half:], tolerance)


def _douglas_peucker(points: Ring, tolerance: float) -> Ring:
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        length = math.hypot(bx - ax, by - ay) or 1e-12
        best, index = 0.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            d = abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length
            if d > best:
                best, index = d, i
        if best > tolerance and index > 0:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def countries(topo: dict) -> list[dict]:
    arcs = decode_arcs(topo)
    out = []
    for geo in topo["objects"]["countries"]["geometries"]:
        polygons = geo.get("arcs", [])
        if geo.get("type") == "Polygon":
            polygons = [polygons]
        rings = []
        for polygon in polygons:
            for ring in polygon:
                clipped = simplify(clip(ring_points(ring, arcs)))
                if len(clipped) >= 4:
                    rings.append([[round(x, 2), round(y, 2)] for x, y in clipped])
        if rings:
            out.append({"name": geo.get("properties", {}).get("name", ""), "rings": rings})
    return sorted(out, key=lambda c: c["name"])


def main(argv: list[str]) -> int:
    source, target = Path(argv[0]), Path(argv[1])
    data = {
        "source": "Natural Earth 1:50m admin-0 countries (public domain), via npm world-atlas 2.0.2 (ISC)",
        "box": list(BOX),
        "countries": countries(json.loads(source.read_text(encoding="utf-8"))),
    }
    target.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    print(f"{target}: {len(data['countries'])} countries, {target.stat().st_size / 1e3:.0f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
