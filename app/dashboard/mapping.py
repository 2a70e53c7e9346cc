"""The map pages: units coloured by coverage (figures from the coverage service) and shop dots, as SVG."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.coverage.schemas import CoverageRow
from app.dashboard import geo
from app.dashboard.repository import DashboardRepository
from app.dashboard.views import overview

MAX_POINTS = 2000
# sequential blues, light to dark; the text on each keeps 4.5:1 contrast (dark text on the light ones)
CLASSES = [
    (0.0, 20.0, "#eff3ff", "#0b1f33"),
    (20.0, 40.0, "#bdd7e7", "#0b1f33"),
    (40.0, 60.0, "#6baed6", "#0b1f33"),
    (60.0, 80.0, "#2171b5", "#ffffff"),
    (80.0, 100.1, "#08306b", "#ffffff"),
]
NO_DATA = ("#d9d9d9", "#1a1a1a")
QR_YES, QR_NO = "#1b7837", "#c51b7d"


@dataclass
class Area:
    code: str
    name: str
    path: str
    fill: str
    text: str
    label_xy: tuple[float, float]
    row: CoverageRow | None  # None: outside the caller's scope (drawn grey, no figures)


@dataclass
class MapData:
    width: float
    height: float
    areas: list[Area]
    dots: list[tuple[float, float, str]]
    classes: list[tuple[str, str]]
    capped: int | None
    total: CoverageRow | None
    dot_r: float = 2.5

    @property
    def dots_svg(self) -> Markup:
        """Thousands of dots as one string: a template loop over them costs more than the queries."""
        r = self.dot_r
        return Markup(  # noqa: S704 - only numbers and our own colour constants go in
            "".join(f'<circle class="dot" cx="{x}" cy="{y}" r="{r}" fill="{c}"/>' for x, y, c in self.dots)
        )


def colour(pct: float | None) -> tuple[str, str]:
    if pct is None:
        return NO_DATA
    for low, high, fill, text in CLASSES:
        if low <= pct < high:
            return fill, text
    return CLASSES[-1][2], CLASSES[-1][3]


def _label_point(proj: geo.Projection, polygons: list[geo.Polygon]) -> tuple[float, float]:
    """Middle of the widest stretch of the largest ring along the horizontal line through its centre, so the
    label sits inside even a crescent-shaped ward."""
    ring = max((poly[0] for poly in polygons), key=len)
    x0, y0, x1, y1 = geo.bbox_of([(p[0], p[1]) for p in ring])
    y = (y0 + y1) / 2
    xs = sorted(
        ax + (y - ay) * (bx - ax) / (by - ay)
        for (ax, ay), (bx, by) in itertools.pairwise(ring)
        if (ay <= y < by) or (by <= y < ay)
    )
    spans = [(xs[i], xs[i + 1]) for i in range(0, len(xs) - 1, 2)]
    if not spans:
        return proj.xy((x0 + x1) / 2, y)
    left, right = max(spans, key=lambda s: s[1] - s[0])
    return proj.xy((left + right) / 2, y)


async def city_map(session: AsyncSession, principal: Principal, english: bool) -> MapData:
    table = await overview(session, principal, "2025")
    rows = {line.row.unit.code: line.row for line in table.lines if line.row.unit}
    proj = geo.Projection.around(geo.city_bbox(), pad=0.02)
    areas = []
    for code, b in sorted(geo.boundaries().items()):
        row = rows.get(code)
        fill, text = colour(row.pct) if row else NO_DATA
        areas.append(
            Area(
                code,
                b["nameEn"] if english else b["name"],
                proj.path(b["polygons"]),
                fill,
                text,
                _label_point(proj, b["polygons"]),
                row,
            )
        )
    points = await DashboardRepository(session).points(principal, sorted(rows), MAX_POINTS)
    dots = [(*proj.xy(lon, lat), QR_YES if q else QR_NO) for lon, lat, q in points]
    legend = [(f, f"{lo:g}–{min(hi, 100):g} %") for lo, hi, f, _ in CLASSES]
    return MapData(
        proj.width,
        round(proj.height, 1),
        areas,
        dots,
        legend,
        MAX_POINTS if len(points) >= MAX_POINTS else None,
        table.total,
    )


def street_map(points: list[tuple[float, float, bool]]) -> MapData | None:
    """The street's shops over the ward boundaries, zoomed to the shops."""
    if not points:
        return None
    proj = geo.Projection.around(geo.bbox_of([(x, y) for x, y, _ in points]), pad=0.15, width=600)
    areas = [
        Area(code, b["name"], proj.path(b["polygons"]), "#f2f2f2", "#1a1a1a", (0, 0), None)
        for code, b in sorted(geo.boundaries().items())
    ]
    dots = [(*proj.xy(lon, lat), QR_YES if q else QR_NO) for lon, lat, q in points]
    return MapData(proj.width, round(proj.height, 1), areas, dots, [], None, None, dot_r=6)
