"""A small SVG picture of a view, drawn from its precomputed positions, for the index page.

Drawn by the build itself, so `kg viz` and `kg all` need no browser: the land (for the map), the lines and
the nodes as the view shows them on load (hidden nodes left out), fitted into a fixed box.
"""

from __future__ import annotations

from html import escape

from kzlinks.viz.render import View

WIDTH, HEIGHT, PAD = 320, 200, 8
MAX_ITEMS = 1500  # a thumbnail of a huge view draws a sample: the picture is the point, not the count


def _color(item: dict, key: str) -> str:
    color = item.get("color")
    if isinstance(color, dict):
        return str(color.get(key) or "#888888")
    return str(color or "#888888")


def thumbnail(view: View) -> str:
    nodes = [n for n in view.nodes if not n.get("hidden")][:MAX_ITEMS]
    if not nodes:
        return f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg"></svg>'
    xs, ys = [n["x"] for n in nodes], [n["y"] for n in nodes]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    scale = min((WIDTH - 2 * PAD) / max(x1 - x0, 1.0), (HEIGHT - 2 * PAD) / max(y1 - y0, 1.0))
    dx = PAD + ((WIDTH - 2 * PAD) - (x1 - x0) * scale) / 2 - x0 * scale
    dy = PAD + ((HEIGHT - 2 * PAD) - (y1 - y0) * scale) / 2 - y0 * scale

    def at(x: float, y: float) -> str:
        return f"{x * scale + dx:.1f},{y * scale + dy:.1f}"

    parts = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg" role="img">']
    parts.append(f"<title>{escape(view.title)}</title>")
    background = view.extra.get("background") or {}
    if background.get("kind") == "map":
        parts.append(f'<rect width="{WIDTH}" height="{HEIGHT}" fill="{background["sea"]}"/>')
        for country in background["countries"]:
            d = "".join(
                "M" + " L".join(at(r[i], r[i + 1]) for i in range(0, len(r), 4)) + "Z"
                for r in country["rings"]
                if len(r) >= 8
            )
            if d:
                parts.append(
                    f'<path d="{d}" fill="{background["land"]}" stroke="{background["border"]}" '
                    'stroke-width="0.5" fill-rule="evenodd"/>'
                )
    elif background.get("kind") == "axis":
        parts.append(
            f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{at(0, background["y"]).split(",")[1]}" '
            f'y2="{at(0, background["y"]).split(",")[1]}" stroke="#9e9e9e"/>'
        )
    where = {n["id"]: (n["x"], n["y"]) for n in nodes}
    for edge in view.edges[:MAX_ITEMS]:
        a, b = where.get(edge["from"]), where.get(edge["to"])
        if a and b:
            (ax, ay), (bx, by) = at(*a).split(","), at(*b).split(",")
            dash = ' stroke-dasharray="3,2"' if edge.get("dashes") else ""
            parts.append(
                f'<line x1="{ax}" y1="{ay}" x2="{bx}" y2="{by}" stroke="{_color(edge, "color")}" '
                f'stroke-width="1" stroke-opacity="0.7"{dash}/>'
            )
    for node in nodes:
        x, y = at(node["x"], node["y"]).split(",")
        radius = max(1.5, min(5.0, node.get("size", 10) * scale * 0.8))
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="{radius:.1f}" fill="{_color(node, "background")}" '
            'stroke="#333" stroke-width="0.4"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
