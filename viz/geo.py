"""The map under the corridor view: Natural Earth country shapes shipped in the package (viz/mapdata/), and
the projection that puts both the shapes and the corridor's places in one plane.

A Lambert conformal conic with standard parallels 35°N and 50°N, centred on 70°E, keeps shapes true from
Central Europe to eastern China (an equirectangular map stretches Europe and squeezes China). Positions are
in "map pixels" (PX_PER_KM) so that the whole corridor fits a laptop screen at a zoom near 1.
"""

from __future__ import annotations

import heapq
import json
import math
from functools import lru_cache
from importlib import resources

EARTH_KM = 6371.0
PX_PER_KM = 1 / 6.0
LAT1, LAT2, LAT0, LON0 = 35.0, 50.0, 42.0, 70.0
MAP_FILE = "eurasia-50m.json"
SEA = "#d4e6f5"
LAND = "#f4f1e8"
BORDER = "#b9b2a0"
NAME_ROOM = 2.4  # a country's name may be this many times its largest inscribed circle's radius wide
NAME_RING_POINTS = 48  # points of a ring kept to find where its name goes
Point = tuple[float, float]


def _constants() -> tuple[float, float, float]:
    p1, p2, p0 = (math.radians(x) for x in (LAT1, LAT2, LAT0))
    n = math.log(math.cos(p1) / math.cos(p2)) / math.log(
        math.tan(math.pi / 4 + p2 / 2) / math.tan(math.pi / 4 + p1 / 2)
    )
    f = math.cos(p1) * math.tan(math.pi / 4 + p1 / 2) ** n / n
    rho0 = f / math.tan(math.pi / 4 + p0 / 2) ** n
    return n, f, rho0


N, F, RHO0 = _constants()


def project(lat: float, lon: float) -> tuple[float, float]:
    """Lambert conformal conic: (x, y) in map pixels, y down (screen convention), north up."""
    rho = F / math.tan(math.pi / 4 + math.radians(lat) / 2) ** N
    theta = N * math.radians(lon - LON0)
    scale = EARTH_KM * PX_PER_KM
    return rho * math.sin(theta) * scale, -(RHO0 - rho * math.cos(theta)) * scale


@lru_cache(maxsize=1)
def _map_data() -> dict:
    text = resources.files("kzlinks.viz").joinpath("mapdata", MAP_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def map_background(factor: float = 1.0) -> dict:
    """The countries as flat [x0, y0, x1, y1, ...] rings in map pixels (times `factor`, the enlargement
    the places got, see layout.spread), with the map's colours, and where to write each country's name
    (`names`, largest country first)."""
    countries = []
    for country, rings in zip(_map_data()["countries"], _projected_rings(), strict=True):
        flat = [[round(v * factor, 1) for pt in ring for v in pt] for ring in rings]
        countries.append({"name": country["name"], "rings": flat})
    names = [
        {**n, "x": round(n["x"] * factor, 1), "y": round(n["y"] * factor, 1), "room": round(n["room"] * factor, 1)}
        for n in _name_points()
    ]
    return {"kind": "map", "sea": SEA, "land": LAND, "border": BORDER, "countries": countries, "names": names}


@lru_cache(maxsize=1)
def _projected_rings() -> list[list[list[Point]]]:
    return [[[project(lat, lon) for lon, lat in ring] for ring in c["rings"]] for c in _map_data()["countries"]]


@lru_cache(maxsize=1)
def _name_points() -> list[dict]:
    """Each country's name point in map pixels at factor 1, largest country first (computed once)."""
    names = [
        name_point(c["name"], rings) for c, rings in zip(_map_data()["countries"], _projected_rings(), strict=True)
    ]
    return sorted((n for n in names if n), key=lambda n: (-n["area"], n["name"]))


def name_point(name: str, rings: list[list[Point]]) -> dict | None:
    """Where a country's name goes: the pole of inaccessibility of its largest ring (the inside point
    farthest from the outline), with the room there (`room`: how wide a name may be) and the ring's area
    (larger countries are named first). The rings are clipped to the map's extent, so the point is on the
    drawn map; None for a country with no ring."""
    if not rings:
        return None
    largest = max(rings, key=lambda r: abs(ring_area(r)))
    coarse = largest[:: max(1, len(largest) // NAME_RING_POINTS)]  # a name's place needs no fine coastline
    x, y, distance = pole_of_inaccessibility(coarse, precision=max(1.0, math.sqrt(abs(ring_area(coarse))) / 30))
    return {
        "name": name,
        "x": round(x, 1),
        "y": round(y, 1),
        "room": round(NAME_ROOM * distance, 1),
        "area": round(abs(ring_area(largest))),
    }


def ring_area(ring: list[Point]) -> float:
    """Signed area by the shoelace formula."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)) / 2


def _signed_distance(x: float, y: float, ring: list[Point]) -> float:
    """Distance from (x, y) to the ring's outline, negative outside it."""
    inside, best = False, math.inf
    for (ax, ay), (bx, by) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (ay > y) != (by > y) and x < (bx - ax) * (y - ay) / (by - ay) + ax:
            inside = not inside
        dx, dy = bx - ax, by - ay
        t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(x - ax - t * dx, y - ay - t * dy))
    return best if inside else -best


def pole_of_inaccessibility(ring: list[Point], precision: float = 1.0) -> tuple[float, float, float]:
    """The point inside a ring farthest from its outline, and that distance, to `precision` (Mapbox's
    polylabel: split square cells, best bound first, drop cells that cannot beat the best point)."""
    xs, ys = [x for x, _ in ring], [y for _, y in ring]
    x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
    size = min(x1 - x0, y1 - y0)
    if size <= 0:
        return x0, y0, 0.0
    cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
    best = (_signed_distance(cx, cy, ring), cx, cy)
    queue: list[tuple[float, float, float, float, float]] = []

    def push(x: float, y: float, half: float) -> None:
        d = _signed_distance(x, y, ring)
        heapq.heappush(queue, (-(d + half * math.sqrt(2)), d, x, y, half))

    half = size / 2
    for gx in range(math.ceil((x1 - x0) / size)):
        for gy in range(math.ceil((y1 - y0) / size)):
            push(x0 + size * gx + half, y0 + size * gy + half, half)
    while queue:
        bound, d, x, y, half = heapq.heappop(queue)
        if d > best[0]:
            best = (d, x, y)
        if -bound - best[0] <= precision:
            continue
        for dx in (-1, 1):
            for dy in (-1, 1):
                push(x + dx * half / 2, y + dy * half / 2, half / 2)
    return best[1], best[2], max(best[0], 0.0)


def source_note() -> str:
    return _map_data()["source"]
