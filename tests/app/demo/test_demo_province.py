"""`phoqr demo-data --province 79`: shops across the city's wards; province coverage adds up to its communes."""

from __future__ import annotations

from sqlalchemy import select

from app.demo import generate
from app.merchants.models import Merchant
from app.units.models import AdminUnit


async def test_a_city_demo_spreads_over_its_wards_and_adds_up(session, client, auth):
    counts = await generate(session, 600, seed=5, province="79")
    assert counts["merchants"] > 580
    await session.commit()
    hcmc = set(
        (
            await session.execute(
                select(AdminUnit.code).where(
                    AdminUnit.edition == "2025", AdminUnit.level == "commune", AdminUnit.province_code == "79"
                )
            )
        ).scalars()
    )
    shops = (await session.execute(select(Merchant).where(Merchant.device_id == "demo-data"))).scalars().all()
    assert {m.unit_code for m in shops} <= hcmc and len({m.unit_code for m in shops}) > 120
    assert all(8.0 < (m.lat or 0) < 12.0 and 105.0 < (m.lon or 0) < 108.0 for m in shops)

    h = await auth("admin")
    wards = (await client.get("/api/v1/coverage", params={"level": "unit", "unit": "2025:79"}, headers=h)).json()
    assert len(wards["rows"]) == 168
    provinces = (await client.get("/api/v1/coverage", params={"level": "province"}, headers=h)).json()
    assert len(provinces["rows"]) == 34
    city = next(r for r in provinces["rows"] if r["unit"]["code"] == "79")
    for key in ("shops", "with_qr", "denominator"):  # a province is the sum of its communes, never an average
        assert city[key] == sum(r[key] for r in wards["rows"]) == wards["total"][key], key
    assert city["shops"] == sum(1 for m in shops if m.status == "active")
    hanoi = next(r for r in provinces["rows"] if r["unit"]["code"] == "01")
    assert (hanoi["shops"], hanoi["with_qr"]) == (0, 0)
    only = (await client.get("/api/v1/coverage", params={"level": "province", "unit": "2025:79"}, headers=h)).json()
    assert [r["unit"]["code"] for r in only["rows"]] == ["79"] and only["total"]["shops"] == city["shops"]
    old = (await client.get("/api/v1/coverage", params={"level": "province", "edition": "2020"}, headers=h)).json()
    assert old["total"]["shops"] == city["shops"]  # the 2020 provinces (and the unknown old ward) add up too

    # a province officer's overview is the city's 168 wards
    officer = await auth("officer.hcmc")
    mine = (await client.get("/api/v1/merchants", params={"limit": 500}, headers=officer)).json()["items"]
    assert len(mine) == min(500, len(shops))
