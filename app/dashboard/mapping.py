"""The map pages: units coloured by coverage (figures from the coverage service) and shop dots, as SVG.

The map frames the caller's own units: a province (a city admin's area, a province officer's scope) is drawn
with its communes, a commune with its streets' shops and its neighbours around it in grey. Outlines come from
the loaded boundaries (`unit_boundary`: Hồ Chí Minh City's 168 wards ship with `phoqr setup`, any other through
`phoqr units load-boundaries`); a unit with none is listed in the table beside the map instead.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.core.config import get_settings
from app.core.editions import Edition
from app.coverage import service as coverage
from app.coverage.schemas import CoverageRow
from app.dashboard import geo
from app.dashboard.repository import DashboardRepository
from app.dashboard.views import not_found, unit_2025_of
from app.units.boundaries import Outline, outlines
from app.units.repository import UnitRepository

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
    kind: str = ""  # province | commune | units: what the map frames
    title: str = ""
    rows: list[CoverageRow] = field(default_factory=list)  # every unit of the view inside the caller's scope
    unmapped: set[str] = field(default_factory=set)  # of them, those without a loaded outline
    province: str | None = None  # the province to zoom out to, when the caller may see it

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


# drawn paths by (outline row, projection): the same view draws the same 168 paths for every officer of the city
_PATHS: dict[tuple[int, str, tuple[float, ...], geo.Projection], tuple[str, tuple[float, float]]] = {}


def _drawn(proj: geo.Projection, o: Outline) -> tuple[str, tuple[float, float]]:
    """The outline's SVG path and label point in this projection."""
    key = (o.id, o.code, o.box, proj)
    if key not in _PATHS:
        if len(_PATHS) > 5000:
            _PATHS.clear()
        _PATHS[key] = (proj.path(o.polygons), _label_point(proj, o.polygons))
    return _PATHS[key]


@dataclass(frozen=True, slots=True)
class View:
    kind: str
    communes: list[str]
    province: str | None
    title: str


async def _view(session: AsyncSession, principal: Principal, unit: str | None) -> View:
    """What the map frames: the unit asked for (404 outside the caller's scope), else the caller's own units."""
    repo = UnitRepository(session)
    if unit:
        edition, _, code = unit.partition(":")
        if edition != Edition.Y2025 or not code.isdigit():
            raise not_found()
        if len(code) == 2:
            found = await repo.by_code("2025", code)
            if found is None or not (principal.sees_all or code in principal.provinces):
                raise not_found()
            return View("province", await repo.communes_of("2025", [code]), None, found.name)
        await unit_2025_of(session, principal, "2025", code)
        found = await repo.by_code("2025", code)
        if found is None:
            raise not_found()
        up = found.province_code if principal.sees_all or found.province_code in principal.provinces else None
        return View("commune", [code], up, found.name)
    provinces = sorted(get_settings().area_provinces if principal.sees_all else principal.provinces)
    inside = await repo.communes_of("2025", provinces) if provinces else []
    single = [] if principal.sees_all else sorted(principal.units_2025 - set(inside))
    if len(provinces) == 1 and not single:
        name = (await repo.names([("2025", provinces[0])])).get(("2025", provinces[0]), provinces[0])
        return View("province", inside, None, name)
    if not provinces and len(single) == 1:
        return await _view(session, principal, f"2025:{single[0]}")
    return View("units", sorted({*inside, *single}), None, "")


async def _rows(session: AsyncSession, principal: Principal, view: View) -> list[CoverageRow]:
    """The coverage rows of the view's communes: one report per province the caller sees whole (a grouped read
    of the counters), one per other commune."""
    of = {} if view.kind == "commune" else await UnitRepository(session).provinces_of("2025", view.communes)
    whole = set(principal.provinces) | (set(of.values()) if principal.sees_all else set())
    rows: list[CoverageRow] = []
    for p in sorted({p for p in of.values() if p in whole}):
        rows += (await coverage.report(session, level="unit", edition="2025", unit=("2025", p), category=None)).rows
    wanted = set(view.communes)
    rows = [r for r in rows if r.unit and r.unit.code in wanted]
    for code in (c for c in view.communes if of.get(c) not in whole):
        rows += (await coverage.report(session, level="unit", edition="2025", unit=("2025", code), category=None)).rows
    return rows


async def city_map(session: AsyncSession, principal: Principal, unit: str | None = None) -> MapData:
    view = await _view(session, principal, unit)
    rows = [r for r in await _rows(session, principal, view) if r.unit and principal.covers_unit(r.unit.code)]
    by_code = {r.unit.code: r for r in rows if r.unit}
    focus = await outlines(session, "2025", codes=view.communes)
    legend = [(f, f"{lo:g}–{min(hi, 100):g} %") for lo, hi, f, _ in CLASSES]
    data = MapData(600.0, 0.0, [], [], legend, None, coverage.total_of(rows), kind=view.kind, title=view.title)
    data.rows, data.province = rows, view.province
    data.unmapped = set(by_code) - {o.code for o in focus}
    if not focus:  # nothing to draw: the table is the map
        return data
    box = (
        min(o.box[0] for o in focus),
        min(o.box[1] for o in focus),
        max(o.box[2] for o in focus),
        max(o.box[3] for o in focus),
    )
    proj = geo.Projection.around(box, pad=0.03)
    shown = {o.code for o in focus}
    # a commune among its neighbours (grey): the province view is its communes only
    context = [] if view.kind == "province" else await outlines(session, "2025", box=_view_box(proj))
    context = [o for o in context if o.code not in shown]
    names = await UnitRepository(session).names(("2025", o.code) for o in [*focus, *context])
    labelled = view.kind == "commune" or len(focus) <= 8
    for o, in_focus in [*((o, True) for o in focus), *((o, False) for o in context)]:
        row = by_code.get(o.code) if in_focus else None
        fill, text = colour(row.pct) if row else NO_DATA
        path, label = _drawn(proj, o)
        label = label if in_focus and labelled else (0, 0)
        data.areas.append(Area(o.code, names.get(("2025", o.code), o.code), path, fill, text, label, row))
    if view.kind != "province":  # a commune's streets' shops (a province is coloured, not dotted)
        points = await DashboardRepository(session).points(principal, sorted(by_code), MAX_POINTS)
        data.dots = [(*proj.xy(lon, lat), QR_YES if q else QR_NO) for lon, lat, q in points]
        data.capped = MAX_POINTS if len(points) >= MAX_POINTS else None
    data.width, data.height = proj.width, round(proj.height, 1)
    return data


def _view_box(proj: geo.Projection) -> tuple[float, float, float, float]:
    return proj.min_lon, proj.min_lat, proj.max_lon, proj.max_lat


async def street_map(session: AsyncSession, points: list[tuple[float, float, bool]]) -> MapData | None:
    """The street's shops over the loaded outlines around them, zoomed to the shops."""
    if not points:
        return None
    proj = geo.Projection.around(geo.bbox_of([(x, y) for x, y, _ in points]), pad=0.15, width=600)
    around: list[Outline] = await outlines(session, "2025", box=_view_box(proj))
    names = await UnitRepository(session).names(("2025", o.code) for o in around)
    areas = [
        Area(o.code, names.get(("2025", o.code), o.code), _drawn(proj, o)[0], "#f2f2f2", "#1a1a1a", (0, 0), None)
        for o in around
    ]
    dots = [(*proj.xy(lon, lat), QR_YES if q else QR_NO) for lon, lat, q in points]
    return MapData(proj.width, round(proj.height, 1), areas, dots, [], None, None, dot_r=6)
