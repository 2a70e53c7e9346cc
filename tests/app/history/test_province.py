"""level=province in history and forecast: a province is the sum of its communes, in both editions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.app.history.support import get, set_unit, shops, snap

D1, D2 = date(2026, 6, 29), date(2026, 6, 30)
DAY = {"period": "day", "from": "2026-06-29", "to": "2026-06-30"}
VUNG_TAU, TAM_THANG, CUA_NAM = "26506", "26526", "00073"  # two wards of Hồ Chí Minh City, one of Hà Nội


def counts(points):
    return [(p["period"], p["shops"], p["with_qr"], p["denominator"], p["pct"]) for p in points]


async def _two_days(session):
    await set_unit(session, VUNG_TAU, baseline_shop_count=20)
    await set_unit(session, TAM_THANG, baseline_shop_count=None)
    await shops(session, 4, unit=VUNG_TAU, old="26506", qr=1)
    await shops(session, 6, unit=TAM_THANG, old="26527", qr=3)
    await shops(session, 5, unit=CUA_NAM, old="00073", qr=5)  # Hà Nội: never in province 79
    await snap(session, D1)
    await shops(session, 2, unit=TAM_THANG, old="26527", qr=2)
    await snap(session, D2)


async def test_a_province_adds_up_to_its_communes(client, auth, session):
    h = await auth("officer.hcmc")
    await _two_days(session)
    province = await get(client, h, "history", level="province", unit="2025:79", **DAY)
    assert province["level"] == "province" and province["unit"] == "2025:79"
    # Vũng Tàu: baseline 20 (denominator 20); Tam Thắng: its shops; Cửa Nam is in Hà Nội
    assert counts(province["points"]) == [("2026-06-29", 10, 4, 26, 15.4), ("2026-06-30", 12, 6, 28, 21.4)]
    parts = [(await get(client, h, "history", unit=f"2025:{c}", **DAY))["points"] for c in (VUNG_TAU, TAM_THANG)]
    for i, point in enumerate(province["points"]):
        for key in ("shops", "with_qr", "denominator"):
            assert point[key] == sum(p[i][key] for p in parts)
    # the same figures as GET /coverage?level=province on the day of the last snapshot (the counters now)
    live = (await client.get("/api/v1/coverage", params={"level": "province", "unit": "2025:79"}, headers=h)).json()
    row = live["rows"][0]
    assert (row["shops"], row["with_qr"], row["denominator"]) == (12, 6, 28)
    # a province asked for at level=unit is the same series (its own row would be empty)
    assert counts((await get(client, h, "history", unit="2025:79", **DAY))["points"]) == counts(province["points"])
    hanoi = await get(client, h, "history", level="province", unit="2025:01", **DAY)
    assert counts(hanoi["points"]) == [("2026-06-29", 5, 5, 5, 100.0), ("2026-06-30", 5, 5, 5, 100.0)]


async def test_edition_2020_province_is_its_old_communes(client, auth, session):
    h = await auth("admin")
    await _two_days(session)
    # a 2025 province seen through its old wards: the same shops (baselines are the 2025 units')
    old_view = await get(client, h, "history", level="province", edition="2020", unit="2025:79", **DAY)
    assert [(p["shops"], p["with_qr"]) for p in old_view["points"]] == [(10, 4), (12, 6)]
    # Bà Rịa - Vũng Tàu (2020:77) is its own old communes, whichever edition is asked for
    for edition in ("2020", "2025"):
        brvt = await get(client, h, "history", level="province", edition=edition, unit="2020:77", **DAY)
        assert [(p["shops"], p["with_qr"]) for p in brvt["points"]] == [(10, 4), (12, 6)]
    ha_noi_2020 = await get(client, h, "history", level="province", edition="2020", unit="2020:01", **DAY)
    assert [(p["shops"], p["with_qr"]) for p in ha_noi_2020["points"]] == [(5, 5), (5, 5)]


async def test_province_forecast_from_the_sum_of_its_communes(client, auth, session):
    h = await auth("officer.hcmc")
    await set_unit(session, VUNG_TAU, target_pct=100, target_date=date(2026, 12, 31))
    today = date.today()
    start = today - timedelta(days=3)
    # a snapshot can only be taken for today or yesterday: days before are written through `snap(day)`,
    # which takes each day as if it were today
    for i in range(4):
        await shops(session, 10, unit=TAM_THANG, old="26527", qr=5)
        await snap(session, start + timedelta(days=i))
    f = await get(client, h, "forecast", level="province", unit="2025:79")
    assert f["points"] == 4 and f["rate_per_week"] is not None and f["rate_per_week"] >= 0
    # a province has no target of its own: 100 %, no date, so no on-track flag
    assert (f["target_pct"], f["target_date"], f["on_track"]) == (100, None, None)
    unit = await get(client, h, "forecast", level="unit", unit=f"2025:{TAM_THANG}")
    assert unit["pct"] is not None and f["pct"] is not None


@pytest.mark.parametrize("path", ["history", "forecast"])
async def test_province_level_refusals(client, auth, path):
    url = f"/api/v1/coverage/{path}"
    # banks never read coverage, a province's neither
    r = await client.get(url, params={"level": "province", "unit": "2025:79"}, headers=await auth("bank.vcb"))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    admin = await auth("admin")
    for params in ({"level": "province"}, {"level": "province", "unit": f"2025:{VUNG_TAU}"}):
        r = await client.get(url, params=params, headers=admin)
        assert r.status_code == 422 and r.json()["errors"][0]["field"].endswith("unit"), r.text
    r = await client.get(url, params={"level": "province", "unit": "2025:98"}, headers=admin)
    assert r.status_code == 422, r.text  # no such province


async def test_many_units_forecast_at_once_as_each_alone(session):
    """The overview's forecasts in one read equal GET /coverage/forecast's for each unit."""
    from app.history import service

    await set_unit(session, VUNG_TAU, target_pct=100, target_date=date(2026, 12, 31))
    start = date.today() - timedelta(days=5)
    for i in range(5):
        await shops(session, 3, unit=TAM_THANG, old="26527", qr=i)
        await shops(session, 2, unit=VUNG_TAU, old="26506", qr=2)
        await snap(session, start + timedelta(days=i))
    codes = [VUNG_TAU, TAM_THANG, "26740", CUA_NAM]
    together = await service.unit_forecasts(session, "2025", codes)
    for code in codes:
        alone = await service.forecast(session, level="unit", unit=("2025", code))
        assert together[code] == alone, code
    assert together[VUNG_TAU].on_track is not None and together[TAM_THANG].rate_per_week is not None
