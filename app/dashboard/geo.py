"""Unit boundaries drawn as server-side SVG: no tile server, no request to another host.

Outlines come repaired and simplified from `unit_boundary` (app/units/boundaries.py); `Projection` maps lon/lat
into an SVG viewBox (equirectangular with the latitude's cosine, plenty for a city or a province).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

Point = tuple[float, float]
Polygon = list[list[list[float]]]  # rings of [lon, lat], as GeoJSON holds them


def bbox_of(points: list[Point]) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


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

    def path(self, polygons: list[Polygon]) -> str:
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
