"""The map under the corridor view: Natural Earth country shapes shipped in the package (viz/mapdata/), and
the projection that puts both the shapes and the corridor's places in one plane.

A Lambert conformal conic with standard parallels 35°N and 50°N, centred on 70°E, keeps shapes true from
Central Europe to eastern China (an equirectangular map stretches Europe and squeezes China). Positions are
in "map pixels" (PX_PER_KM) so that the whole corridor fits a laptop screen at a zoom near 1.
"""

from __future__ import annotations

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
    the places got, see layout.spread), with the map's colours."""
    countries = []
    for country in _map_data()["countries"]:
        rings = []
        for ring in country["rings"]:
            flat: list[float] = []
            for lon, lat in ring:
                x, y = project(lat, lon)
                flat += [round(x * factor, 1), round(y * factor, 1)]
            rings.append(flat)
        countries.append({"name": country["name"], "rings": rings})
    return {"kind": "map", "sea": SEA, "land": LAND, "border": BORDER, "countries": countries}


def source_note() -> str:
    return _map_data()["source"]
