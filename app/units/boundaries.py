"""Unit outlines: loaded from any GeoJSON of provinces or communes, repaired and simplified on the way in, and
asked which unit holds a point (a shop in a split 2020 commune gets its 2025 commune from its GPS point).

Topology: all shapes of one file are simplified together through shapely's coverage simplification, which moves
a border shared by two neighbours once, so they still touch and never overlap; a file that is not a clean
coverage falls back to simplifying each shape on its own (topology kept inside each shape).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import ValidationFailed
from app.core.text import fold
from app.units.repository import BoundaryRepository

# about 20 m at Vietnam's latitudes: invisible at ward scale on a phone, and it keeps the files small
TOLERANCE_DEGREES = 0.0002
# thanglequoc/vietnamese-provinces-database's files carry names, not codes: matched by province and name
NAME_KEYS, PROVINCE_KEYS = ("a03_ten", "ten", "name"), ("a04_tentinh", "tentinh", "province")
CODE_KEYS = ("code", "ma", "ward_code", "province_code", "maXa", "ma_xa", "MA_XA", "maTinh", "ma_tinh", "MA_TINH")


@dataclass(frozen=True, slots=True)
class Loaded:
    shapes: int
    repaired: int
    unknown: list[str]


def _code_of(properties: dict[str, Any]) -> str | None:
    for key in CODE_KEYS:
        value = properties.get(key)
        if value not in (None, ""):
            text = str(value).strip()
            if text.isdigit():
                return text.zfill(5) if len(text) > 2 else text.zfill(2)
    return None


def repair(geometry: BaseGeometry) -> tuple[BaseGeometry, bool]:
    """A valid (multi)polygon: self-intersections are split where they cross (make_valid), stray lines dropped."""
    if geometry.is_valid:
        return geometry, False
    fixed = shapely.make_valid(geometry)
    if fixed.geom_type == "GeometryCollection":
        fixed = shapely.union_all([g for g in fixed.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    return fixed, True


def simplify(shapes: list[BaseGeometry], tolerance: float = TOLERANCE_DEGREES) -> list[BaseGeometry]:
    try:
        return list(shapely.coverage_simplify(shapes, tolerance))
    except Exception:  # not a coverage, or a GEOS without it: each shape on its own
        return [s.simplify(tolerance, preserve_topology=True) for s in shapes]


def _by_name(properties: dict[str, Any], names: dict[tuple[str, str], str]) -> str | None:
    name = next((str(properties[k]) for k in NAME_KEYS if properties.get(k)), "")
    province = next((str(properties[k]) for k in PROVINCE_KEYS if properties.get(k)), "")
    return names.get((fold(province), fold(name))) if name else None


def read_features(path: Path) -> list[tuple[str | None, BaseGeometry, dict[str, Any]]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationFailed("path", f"Không đọc được GeoJSON: {exc}", f"Not readable GeoJSON: {exc}") from exc
    features = doc.get("features", [doc] if doc.get("type") == "Feature" else [])
    out = []
    for f in features:
        if not f.get("geometry"):
            continue
        properties = f.get("properties") or {}
        out.append((_code_of(properties), shape(f["geometry"]), properties))
    return out


async def load_boundaries(session: AsyncSession, path: Path, edition: str = "2025") -> Loaded:
    """Replace the outlines of the units named in `path` (matched by code; unknown codes are reported)."""
    found = read_features(path)
    repo = BoundaryRepository(session)
    if any(code is None for code, _, _ in found):
        names = {(fold(p), fold(n)): c for p, n, c in await repo.names_by_province(edition)}
        found = [(code or _by_name(props, names), g, props) for code, g, props in found]
    features = [(code, g) for code, g, _ in found]
    known = await repo.known_codes(edition, {c for c, _ in features if c})
    unknown = sorted({c or "?" for c, _ in features if c not in known})
    kept = [(c, *repair(g)) for c, g in features if c in known]
    simplified = simplify([g for _, g, _ in kept])
    rows: list[dict[str, Any]] = []
    for (code, _, _), geometry in zip(kept, simplified, strict=True):
        min_lon, min_lat, max_lon, max_lat = geometry.bounds
        rows.append(
            {
                "edition": edition,
                "code": code,
                "geometry": json.dumps(mapping(geometry), separators=(",", ":")),
                "min_lat": min_lat,
                "max_lat": max_lat,
                "min_lon": min_lon,
                "max_lon": max_lon,
            }
        )
    await repo.replace(edition, rows)
    return Loaded(shapes=len(rows), repaired=sum(1 for _, _, r in kept if r), unknown=unknown)


async def unit_at(session: AsyncSession, edition: str, codes: list[str], lat: float, lon: float) -> str | None:
    """The one of `codes` whose loaded outline holds the point (boxes first, then the shapes); None if none."""
    point = Point(lon, lat)
    for b in await BoundaryRepository(session).boxes_holding(edition, codes, lat, lon):
        if shape(json.loads(b.geometry)).covers(point):
            return b.code
    return None


@dataclass(frozen=True, slots=True)
class Outline:
    id: int  # the row (with code and box: what a cache of drawn shapes is keyed by)
    code: str
    polygons: list[Any]  # [[ring, ...], ...] in lon/lat, as GeoJSON's MultiPolygon
    box: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat


# parsed shapes by (row id, code, box): a province's 168 outlines are about 1 MB of JSON, read and parsed once per
# process. A reload writes new rows; SQLite may hand a deleted row's id to a new one, so the code and the box are
# part of the key (a reloaded shape that kept id, code and box to the last digit is the same file's shape)
_PARSED: dict[tuple[int, str, tuple[float, float, float, float]], list[Any]] = {}
_PARSED_MAX = 20_000


def _polygons(text: str) -> list[Any]:
    geometry = json.loads(text)
    coords = geometry.get("coordinates") or []
    return [coords] if geometry.get("type") == "Polygon" else list(coords)


async def outlines(
    session: AsyncSession,
    edition: str,
    *,
    codes: list[str] | None = None,
    box: tuple[float, float, float, float] | None = None,
) -> list[Outline]:
    """Loaded outlines of the given units, or of every unit whose box meets `box` (the neighbours in view).
    Boxes are read every time; a shape's text only the first time this process meets its row."""
    repo = BoundaryRepository(session)
    found = {
        (i, code, (x0, y0, x1, y1)): i
        for i, code, x0, y0, x1, y1 in await repo.boxes(edition, codes, box)
        if i is not None
    }
    missing = {i: key for key, i in found.items() if key not in _PARSED}
    if missing:
        if len(_PARSED) + len(missing) > _PARSED_MAX:
            _PARSED.clear()
        for row_id, text in await repo.geometries(missing):
            if row_id in missing:
                _PARSED[missing[row_id]] = _polygons(text)
    return [Outline(i, key[1], _PARSED[key], key[2]) for key, i in found.items() if key in _PARSED]
