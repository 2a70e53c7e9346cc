"""The shipped outlines of Hồ Chí Minh City's 168 wards (scripts/build_hcmc_boundaries.py): loaded by
`phoqr setup`, one per 2025 ward of province 79, valid, small, and neighbours still touching."""

from __future__ import annotations

import json
from pathlib import Path

from shapely.geometry import Point, shape
from sqlalchemy import select

from app.units.models import AdminUnit, UnitBoundary

FILE = Path(__file__).parents[3] / "app/data/boundaries-2025-79.geojson"
SAI_GON, BEN_THANH, CAN_GIO = "26740", "26743", "27664"  # the first two share a border downtown


def test_the_file_is_small_and_its_shapes_valid() -> None:
    assert FILE.stat().st_size <= 1_500_000
    doc = json.loads(FILE.read_text(encoding="utf-8"))
    shapes = {f["properties"]["code"]: shape(f["geometry"]) for f in doc["features"]}
    assert len(shapes) == len(doc["features"]) == 168
    assert all(s.is_valid and not s.is_empty for s in shapes.values())
    assert shapes[SAI_GON].intersection(shapes[BEN_THANH]).length > 0.005  # a shared border, not a point
    assert shapes[SAI_GON].intersection(shapes[BEN_THANH]).area < 1e-9  # and no overlap
    assert not shapes[SAI_GON].intersects(shapes[CAN_GIO])


async def test_setup_loads_one_outline_per_ward_of_the_city(session) -> None:
    """conftest seeds the database as `phoqr setup` does."""
    wards = set(
        (
            await session.execute(
                select(AdminUnit.code).where(
                    AdminUnit.edition == "2025", AdminUnit.level == "commune", AdminUnit.province_code == "79"
                )
            )
        ).scalars()
    )
    loaded = {
        b.code: shape(json.loads(b.geometry))
        for b in (await session.execute(select(UnitBoundary).where(UnitBoundary.edition == "2025"))).scalars()
    }
    assert len(wards) == 168
    assert wards <= set(loaded)
    city = {c: loaded[c] for c in wards}
    assert all(s.is_valid for s in city.values())
    assert city[SAI_GON].intersection(city[BEN_THANH]).length > 0.005
    # a ward's own reference point lies inside its outline (the shapes are matched to the right codes)
    points = (
        await session.execute(
            select(AdminUnit.code, AdminUnit.lon, AdminUnit.lat).where(
                AdminUnit.edition == "2025", AdminUnit.code.in_(sorted(wards))
            )
        )
    ).all()
    outside = [c for c, lon, lat in points if not city[c].buffer(0.002).covers(Point(lon, lat))]
    assert len(outside) <= 3, outside
