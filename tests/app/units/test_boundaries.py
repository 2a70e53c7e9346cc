"""Outlines loaded from GeoJSON (repaired, simplified with neighbours still touching) and a shop in a split 2020
commune placed by its GPS point, else by the default successor, saying which."""

from __future__ import annotations

import json
from pathlib import Path

from shapely.geometry import shape
from sqlalchemy import select

from app.units.boundaries import load_boundaries, simplify
from app.units.models import UnitBoundary
from tests.factories import shop_body

SPLIT, DEFAULT, OTHER = "09619", "09661", "09619"  # Thị trấn Tây Đằng -> Xã Minh Châu (default) | Xã Quảng Oai
DASHBOARD_WARDS = Path(__file__).parents[3] / "app/dashboard/data/wards-2025.geojson"


def _edge(lat0: float, lat1: float, lon: float, n: int = 40) -> list[list[float]]:
    """A wiggly shared border: many points a simplification will move (once, for both sides)."""
    return [[lon + (0.00005 if i % 2 else 0), lat0 + (lat1 - lat0) * i / n] for i in range(n + 1)]


def _geojson(tmp_path: Path) -> Path:
    border = _edge(21.10, 21.20, 105.40)
    west = [[105.30, 21.10], *border, [105.30, 21.20], [105.30, 21.10]]
    east = [[105.50, 21.10], [105.50, 21.20], *reversed(border), [105.50, 21.10]]
    east = [east[0], east[1], *east[2:-1], east[0]]
    bowtie = [[105.30, 21.10], [105.50, 21.30], [105.50, 21.10], [105.30, 21.30], [105.30, 21.10]]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": OTHER}, "geometry": {"type": "Polygon", "coordinates": [west]}},
            {
                "type": "Feature",
                "properties": {"ma": int(DEFAULT)},
                "geometry": {"type": "Polygon", "coordinates": [east]},
            },
            {
                "type": "Feature",
                "properties": {"code": "99999"},
                "geometry": {"type": "Polygon", "coordinates": [bowtie]},
            },
        ],
    }
    path = tmp_path / "wards.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_simplified_neighbours_still_touch_and_do_not_overlap(tmp_path) -> None:
    doc = json.loads(_geojson(tmp_path).read_text())
    west, east = (shape(f["geometry"]) for f in doc["features"][:2])
    a, b = simplify([west, east], tolerance=0.001)
    assert len(a.exterior.coords) < len(west.exterior.coords)  # simplified ...
    assert a.intersection(b).length > 0.09 and a.intersection(b).area < 1e-12  # ... still sharing the border


async def test_load_boundaries_repairs_and_reports_unknown_codes(session, tmp_path) -> None:
    path = tmp_path / "bowtie.geojson"
    bowtie = [[106.60, 10.70], [106.70, 10.80], [106.70, 10.70], [106.60, 10.80], [106.60, 10.70]]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "26740"}, "geometry": {"type": "Polygon", "coordinates": [bowtie]}},
        {"type": "Feature", "properties": {"code": "00000"}, "geometry": {"type": "Polygon", "coordinates": [bowtie]}},
        # the shape of thanglequoc/vietnamese-provinces-database: names, no code
        {"type": "Feature", "properties": {"a03_ten": "Phường Bến Thành", "a04_tentinh": "Thành phố Hồ Chí Minh"},
         "geometry": {"type": "Polygon", "coordinates": [bowtie]}},
    ]}))  # fmt: skip
    loaded = await load_boundaries(session, path)
    assert (loaded.shapes, loaded.repaired, loaded.unknown) == (2, 2, ["00000"])
    row = (await session.execute(select(UnitBoundary).where(UnitBoundary.code == "26740"))).scalar_one()
    assert shape(json.loads(row.geometry)).is_valid
    again = await load_boundaries(session, path)  # loading again replaces, never duplicates
    mine = select(UnitBoundary).where(UnitBoundary.code.in_(["26740", "26743"]))  # setup ships the city's 168
    assert again.shapes == 2 and len((await session.execute(mine)).scalars().all()) == 2


async def test_vung_tau_outlines_load(session) -> None:
    loaded = await load_boundaries(session, DASHBOARD_WARDS)
    assert loaded.shapes == 5 and loaded.unknown == []


async def test_a_shop_in_a_split_commune_lands_by_gps_else_default(client, auth, session, tmp_path) -> None:
    h = await auth("admin")
    no_outline = shop_body(unit={"edition": "2020", "code": SPLIT}, location={"lat": 21.15, "lon": 105.35})
    r = await client.post("/api/v1/merchants", json=no_outline, headers=h)
    assert r.status_code == 201, r.text
    assert (r.json()["unit"]["code"], r.json()["unit_source"]) == (DEFAULT, "default_successor")

    await load_boundaries(session, _geojson(tmp_path))
    west = shop_body(unit={"edition": "2020", "code": SPLIT}, location={"lat": 21.15, "lon": 105.35})
    r = await client.post("/api/v1/merchants", json=west, headers=h)
    assert (r.json()["unit"]["code"], r.json()["unit_2020"]["code"], r.json()["unit_source"]) == (OTHER, SPLIT, "gps")
    east = shop_body(unit={"edition": "2020", "code": SPLIT}, location={"lat": 21.15, "lon": 105.45})
    r = await client.post("/api/v1/merchants", json=east, headers=h)
    assert (r.json()["unit"]["code"], r.json()["unit_source"]) == (DEFAULT, "gps")
    far = shop_body(unit={"edition": "2020", "code": SPLIT}, location={"lat": 20.5, "lon": 105.35})
    r = await client.post("/api/v1/merchants", json=far, headers=h)
    assert (r.json()["unit"]["code"], r.json()["unit_source"]) == (DEFAULT, "default_successor")
    # naming a 2025 commune that is not one of the old commune's successors is refused on unit_2020
    wrong = shop_body(unit={"edition": "2025", "code": "26506"}, unit_2020={"edition": "2020", "code": SPLIT})
    r = await client.post("/api/v1/merchants", json=wrong, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "unit_2020"
    # the same shop through /sync lands in the same place
    synced = shop_body(unit={"edition": "2020", "code": SPLIT}, location={"lat": 21.15, "lon": 105.35})
    r = await client.post("/api/v1/sync", json={"device_id": "dev-split", "operations": [
        {"op_id": "op-1", "type": "upsert_merchant", "payload": synced}]}, headers=h)  # fmt: skip
    assert r.json()["results"][0]["status"] == "created", r.text
    shop = (await client.get(f"/api/v1/merchants/{synced['id']}", headers=h)).json()
    assert (shop["unit"]["code"], shop["unit_source"]) == (OTHER, "gps")
