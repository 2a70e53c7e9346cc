"""A known population, every cell checked."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import update

from app.coverage.counters import rebuild, totals
from app.streets.models import Street
from app.units.models import AdminUnit
from tests.factories import make_merchant, street_id

N = 0
VUNG_TAU = json.loads((Path(__file__).parents[3] / "app/data/vung-tau-admin-units.json").read_text("utf-8"))


async def shops(session, count, *, street, unit="26506", old="26506", category="grocery", qr=0, status="active"):
    global N
    for i in range(count):
        N += 1
        await make_merchant(
            session,
            name=f"Shop {N}",
            street=street,
            unit_code=unit,
            unit_code_2020=old,
            category=category,
            has_qr=i < qr,
            status=status,
            bank_bin=None,
        )


async def population(session):
    ba_cu, tcd, thong_nhat = [await street_id(session, n) for n in ("Ba Cu", "Trương Công Định", "Thống Nhất")]
    await session.execute(
        update(Street)
        .where(Street.id == ba_cu)
        .values(is_model_street=True, baseline_shop_count=10, target_pct=100, target_date=date(2026, 12, 31))
    )
    await session.execute(update(Street).where(Street.id == tcd).values(baseline_shop_count=2))
    await session.execute(
        update(AdminUnit)
        .where(AdminUnit.edition == "2025", AdminUnit.code == "26506")
        .values(baseline_shop_count=20, target_pct=90)
    )
    await session.commit()
    await shops(session, 4, street=ba_cu, old="26512", qr=3)  # 4 shops, 3 with QR
    await shops(session, 2, street=ba_cu, old="26515", category="cafe", qr=2)  # +2 cafes with QR
    await shops(session, 1, street=ba_cu, old=None, qr=1)  # old ward unknown
    await shops(session, 3, street=ba_cu, old="26512", status="closed", qr=0)  # never counted
    await shops(session, 5, street=tcd, unit="26526", old="26527", qr=5)  # more shops than baseline
    await shops(session, 2, street=thong_nhat, unit="26526", old="26527", category="cafe", qr=0)
    return ba_cu, tcd, thong_nhat


def cells(row):
    return (
        row["shops"],
        row["with_qr"],
        row["denominator"],
        row["pct"],
        row["baseline_shop_count"],
        row["target_pct"],
        row["gap_to_target"],
    )


async def test_every_cell(client, auth, session):
    ba_cu, tcd, thong_nhat = await population(session)
    h = await auth("officer.vungtau")

    async def get(**params):
        r = await client.get("/api/v1/coverage", params=params, headers=h)
        assert r.status_code == 200, r.text
        return r.json()

    units = await get(level="unit", edition="2025")
    by_code = {r["unit"]["code"]: r for r in units["rows"]}
    # every ward of the deployment's area (PHOQR_AREA, default 79: Hồ Chí Minh City), Vũng Tàu's five among them
    assert len(by_code) == 168 and {"26506", "26526", "26536", "26542", "26545"} <= set(by_code)
    assert cells(by_code["26506"]) == (7, 6, 20, 30.0, 20, 90, 12)  # ceil(0.9*20)=18-6
    assert cells(by_code["26526"]) == (7, 5, 7, 71.4, None, None, None)
    assert cells(by_code["26545"]) == (0, 0, 0, None, None, None, None)
    assert cells(units["total"])[:4] == (14, 11, 27, 40.7)

    old = await get(level="unit", edition="2020")
    by_old = {(r["unit"]["code"] or r["unit"]["name"]): r for r in old["rows"]}
    vung_tau_2020 = {u["code"] for u in VUNG_TAU["editions"][0]["units"]}
    assert vung_tau_2020 <= {r["unit"]["code"] for r in old["rows"] if r["unit"]["code"]}
    assert cells(by_old["26512"])[:4] == (4, 3, 4, 75.0)
    assert cells(by_old["26515"])[:4] == (2, 2, 2, 100.0)
    assert cells(by_old["26527"])[:4] == (7, 5, 7, 71.4)
    unassigned = [r for r in old["rows"] if not r["unit"]["code"]]
    assert [cells(r)[:2] for r in unassigned] == [(1, 1)] and "Phường Vũng Tàu" in unassigned[0]["unit"]["name"]
    assert old["total"]["shops"] == units["total"]["shops"] == 14  # both editions add up

    streets = await get(level="street", unit="2025:26506")
    by_street = {r["street"]["id"]: r for r in streets["rows"]}
    assert set(by_street) == {ba_cu}
    assert cells(by_street[ba_cu]) == (7, 6, 10, 60.0, 10, 100, 4)
    all_streets = {r["street"]["id"]: r for r in (await get(level="street"))["rows"]}
    assert cells(all_streets[tcd])[:5] == (5, 5, 5, 100.0, 2)  # shops > baseline: the shops are the denominator
    assert cells(all_streets[thong_nhat])[:4] == (2, 0, 2, 0.0)

    cafes = await get(level="street", category="cafe")
    by_cafe = {r["street"]["id"]: r for r in cafes["rows"]}
    assert cells(by_cafe[ba_cu])[:5] == (2, 2, 2, 100.0, None)  # the baseline counts every category: not used
    old_ward = await get(level="unit", edition="2025", unit="2020:26512")
    assert [cells(r)[:4] for r in old_ward["rows"]] == [(4, 3, 4, 75.0)]

    # the incrementally kept counters equal a recount from scratch
    before = [t for t in await totals(session) if t[4]]
    await rebuild(session)
    after = [t for t in await totals(session) if t[4]]
    assert before == after


async def test_model_street_without_shops_and_csv(client, auth, session):
    ba_cu = await street_id(session, "Ba Cu")
    await session.execute(update(Street).where(Street.id == ba_cu).values(is_model_street=True, baseline_shop_count=8))
    await session.commit()
    h = await auth("agent.vungtau")
    r = (
        await client.get(
            "/api/v1/coverage", params={"level": "street", "unit": "2025:26506", "model": "true"}, headers=h
        )
    ).json()
    assert [(x["street"]["name"], x["shops"], x["denominator"], x["pct"]) for x in r["rows"]] == [("Ba Cu", 0, 8, 0.0)]
    csv = await client.get("/api/v1/coverage.csv", params={"level": "street", "model": "true"}, headers=h)
    assert csv.headers["content-type"].startswith("text/csv")
    text = csv.content.decode("utf-8")
    assert text.startswith("\ufeff") and "Ba Cu" in text and "Tổng" in text


async def test_coverage_scope(client, auth):
    assert (await client.get("/api/v1/coverage", headers=await auth("bank.vcb"))).status_code == 403
    assert (await client.get("/api/v1/coverage", headers=await auth("auditor"))).status_code == 200
    assert (await client.get("/api/v1/coverage")).status_code == 401
    bad = await client.get("/api/v1/coverage", params={"unit": "26506"}, headers=await auth("auditor"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "unit"
