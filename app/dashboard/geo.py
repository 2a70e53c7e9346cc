"""Unit boundaries drawn as server-side SVG: no tile server, no request to another host.

`simplify_file` (run once, `python -m app.dashboard.geo SRC DST`) thins the boundaries with Douglas–Peucker;
the simplified file ships in `app/dashboard/data/`. At run time `Projection` maps lon/lat into an SVG viewBox
(equirectangular with the latitude's cosine, plenty for a city a few km across).
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

BOUNDARIES = Path(__file__).parent / "data" / "wards-2025.geojson"
Point = tuple[float, float]


def _dist(p: Point, a: Point, b: Point) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return math.hypot(x - x1, y - y1)
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - (x1 + t * dx), y - (y1 + t * dy))


def douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    """Iterative (no recursion limit on long rings); keeps both ends."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = 0.0, -1
        for i in range(first + 1, last):
            d = _dist(points[i], points[first], points[last])
            if d > best:
                best, index = d, i
        if index >= 0 and best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_ring(ring: list[Point], tolerance: float) -> list[Point] | None:
    """A closed ring thinned; None when it collapses (a speck of an island at this scale)."""
    out = douglas_peucker(ring, tolerance)
    if len(out) < 4:
        return None
    return [(round(x, 5), round(y, 5)) for x, y in out]


def simplify_file(src: Path, dst: Path, tolerance: float = 0.00025) -> None:
    data = json.loads(src.read_text(encoding="utf-8"))
    for feature in data["features"]:
        polys = []
        for poly in feature["geometry"]["coordinates"]:
            rings = [simplify_ring([tuple(p) for p in ring], tolerance) for ring in poly]
            if rings[0] is not None:
                polys.append([r for r in rings if r is not None])
        feature["geometry"]["coordinates"] = polys
    dst.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


@lru_cache(maxsize=1)
def boundaries() -> dict[str, dict]:
    """code -> {"name", "nameEn", "polygons": [[ring, ...], ...]}."""
    data = json.loads(BOUNDARIES.read_text(encoding="utf-8"))
    return {
        f["properties"]["code"]: {
            "name": f["properties"]["name"],
            "nameEn": f["properties"]["nameEn"],
            "polygons": f["geometry"]["coordinates"],
        }
        for f in data["features"]
    }


def bbox_of(points: list[Point]) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def city_bbox() -> tuple[float, float, float, float]:
    pts = [tuple(p) for b in boundaries().values() for poly in b["polygons"] for ring in poly for p in ring]
    return bbox_of(pts)


@dataclass(frozen=True)
class Projection:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    width: float = 600.0

    @classmethod
    def around(cls, box: tuple[float, float, float, float], pad: float = 0.08, width: float = 600.0) -> Projection:
        """A projection showing the box with a margin; never narrower than ~200 m so one shop isn't a blur."""
        x0, y0, x1, y1 = box
        span = max(x1 - x0, y1 - y0, 0.002)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        half = span * (0.5 + pad)
        return cls(cx - half, cy - half, cx + half, cy + half, width)

    @cached_property
    def height(self) -> float:
        kx = math.cos(math.radians((self.min_lat + self.max_lat) / 2))
        return self.width * (self.max_lat - self.min_lat) / ((self.max_lon - self.min_lon) * kx)

    @cached_property
    def _scale(self) -> tuple[float, float]:
        return self.width / (self.max_lon - self.min_lon), self.height / (self.max_lat - self.min_lat)

    def xy(self, lon: float, lat: float) -> Point:
        sx, sy = self._scale
        return round((lon - self.min_lon) * sx, 1), round((self.max_lat - lat) * sy, 1)

    def path(self, polygons: list) -> str:
        """SVG path data; points that land on the same tenth of a pixel are written once (a province's 168
        wards in 600 px would otherwise repeat most of their vertices)."""
        parts = []
        for poly in polygons:
            for ring in poly:
                pts: list[Point] = []
                for lon, lat in ring:
                    p = self.xy(lon, lat)
                    if not pts or p != pts[-1]:
                        pts.append(p)
                if len(pts) >= 3:
                    parts.append("M" + " L".join(f"{x:g} {y:g}" for x, y in pts) + " Z")
        return " ".join(parts)


if __name__ == "__main__":
    simplify_file(Path(sys.argv[1]), Path(sys.argv[2]))
