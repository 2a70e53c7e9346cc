"""GET /coverage/history: periods take their last snapshot, roll-ups sum counts, the past never moves."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.history.models import CoverageSnapshot, SnapshotRun
from tests.app.history.support import get, set_street, set_unit, shops, snap
from tests.factories import street_id

D1, D2, D3, D4 = date(2026, 6, 29), date(2026, 6, 30), date(2026, 7, 1), date(2026, 7, 6)


def cells(points):
    return [(p["period"], p["shops"], p["with_qr"], p["denominator"], p["pct"]) for p in points]


async def test_each_period_takes_its_last_snapshot(client, auth, session):
    h = await auth("officer.vungtau")
    await shops(session, 4, qr=1)
    await snap(session, D1)  # Mon 29 June: 1/4
    await shops(session, 1, qr=1)
    await snap(session, D2)  # Tue 30 June: 2/5 (last of June, of H1, not of its week)
    await shops(session, 5, qr=5)
    await snap(session, D3)  # Wed 1 July: 7/10 (same ISO week as D1, D2)
    await shops(session, 10, qr=1)
    await snap(session, D4)  # Mon 6 July: 8/20 (next week)
    q = {"level": "unit", "unit": "2025:26506", "from": "2026-06-01", "to": "2026-12-31"}
    assert cells((await get(client, h, "history", period="day", **q))["points"]) == [
        ("2026-06-29", 4, 1, 4, 25.0),
        ("2026-06-30", 5, 2, 5, 40.0),
        ("2026-07-01", 10, 7, 10, 70.0),
        ("2026-07-06", 20, 8, 20, 40.0),
    ]
    assert cells((await get(client, h, "history", period="week", **q))["points"]) == [
        ("2026-W27", 10, 7, 10, 70.0),
        ("2026-W28", 20, 8, 20, 40.0),
    ]
    assert cells((await get(client, h, "history", period="month", **q))["points"]) == [
        ("2026-06", 5, 2, 5, 40.0),
        ("2026-07", 20, 8, 20, 40.0),
    ]
    half = (await get(client, h, "history", period="half_year", **q))["points"]
    assert cells(half) == [("2026-H1", 5, 2, 5, 40.0), ("2026-H2", 20, 8, 20, 40.0)]
    assert [p["day"] for p in half] == ["2026-06-30", "2026-07-06"]
    assert cells((await get(client, h, "history", period="year", **q))["points"]) == [("2026", 20, 8, 20, 40.0)]
    # `to` cuts inside a period: the period then takes its last snapshot up to `to`
    cut = await get(client, h, "history", period="year", level="unit", unit="2025:26506", to="2026-06-30")
    assert cells(cut["points"]) == [("2026", 5, 2, 5, 40.0)]


async def test_city_sums_counts_never_averages_percentages(client, auth, session):
    h = await auth("admin")
    await set_unit(session, "26506", baseline_shop_count=None)
    await set_unit(session, "26526", baseline_shop_count=None)
    await shops(session, 10, unit="26506", old="26506", qr=10)  # 100 %
    await shops(session, 90, unit="26526", old="26527", qr=0)  # 0 %
    await snap(session, D1)
    q = {"period": "day", "from": "2026-06-29", "to": "2026-06-29"}
    units = {
        u: (await get(client, h, "history", unit=f"2025:{u}", **q))["points"][0]["pct"] for u in ("26506", "26526")
    }
    assert units == {"26506": 100.0, "26526": 0.0}
    city = (await get(client, h, "history", **q))["points"][0]
    assert (city["shops"], city["with_qr"], city["denominator"], city["pct"]) == (100, 10, 100, 10.0)
    assert city["pct"] != sum(units.values()) / len(units)  # the average of percentages would say 50 %
    # edition 2020: the old wards of a unit sum to it; the whole city is the same shops either way
    old = (await get(client, h, "history", edition="2020", unit="2025:26526", **q))["points"][0]
    assert (old["shops"], old["with_qr"]) == (90, 0)
    city_2020 = (await get(client, h, "history", edition="2020", **q))["points"][0]
    assert (city_2020["shops"], city_2020["with_qr"]) == (100, 10)
    ward = (await get(client, h, "history", unit="2020:26527", **q))["points"][0]
    assert (ward["shops"], ward["with_qr"]) == (90, 0)


async def test_unit_denominators_use_the_baseline_of_that_day(client, auth, session):
    h = await auth("admin")
    await set_unit(session, "26506", baseline_shop_count=40, target_pct=100, target_date=date(2026, 12, 31))
    await shops(session, 10, qr=10)
    await snap(session, D1)
    await set_unit(session, "26506", baseline_shop_count=200)  # the ward recounts its shops later
    await snap(session, D2)
    q = {"period": "day", "unit": "2025:26506", "from": "2026-06-01", "to": "2026-06-30"}
    points = (await get(client, h, "history", **q))["points"]
    assert cells(points) == [("2026-06-29", 10, 10, 40, 25.0), ("2026-06-30", 10, 10, 200, 5.0)]


async def test_past_points_survive_retargeting_and_new_model_streets(client, auth, session):
    h = await auth("officer.vungtau")
    ba_cu, tcd = await street_id(session, "Ba Cu"), await street_id(session, "Trương Công Định")
    await set_street(session, ba_cu, is_model_street=True, baseline_shop_count=10, target_pct=100)
    await shops(session, 4, street=ba_cu, qr=2)
    await shops(session, 3, street=tcd, qr=3)
    await snap(session, D1)
    q = {"level": "street", "period": "day", "from": "2026-06-29", "to": "2026-06-30"}
    before_street = (await get(client, h, "history", street_id=ba_cu, **q))["points"]
    before_model = (await get(client, h, "history", unit="2025:26506", **q))["points"]
    assert cells(before_street) == [("2026-06-29", 4, 2, 10, 20.0)]
    assert cells(before_model) == [("2026-06-29", 4, 2, 10, 20.0)]  # only Ba Cu was a model street then
    # later: Ba Cu is retargeted with a bigger baseline, Trương Công Định becomes a model street
    await set_street(session, ba_cu, baseline_shop_count=40)
    await set_street(session, tcd, is_model_street=True, baseline_shop_count=5, target_pct=100)
    await snap(session, D2)
    after_street = (await get(client, h, "history", street_id=ba_cu, **q))["points"]
    after_model = (await get(client, h, "history", unit="2025:26506", **q))["points"]
    assert after_street[0] == before_street[0]
    assert after_model[0] == before_model[0]
    assert cells(after_street)[1] == ("2026-06-30", 4, 2, 40, 5.0)
    assert cells(after_model)[1] == ("2026-06-30", 7, 5, 45, 11.1)  # 40 + 5: each street's own denominator


async def test_a_day_equals_get_coverage(client, auth, session):
    h = await auth("officer.vungtau")
    ba_cu = await street_id(session, "Ba Cu")
    await set_unit(session, "26506", baseline_shop_count=30)
    await set_street(session, ba_cu, is_model_street=True, baseline_shop_count=8)
    await shops(session, 5, street=ba_cu, qr=3)
    await shops(session, 2, street=ba_cu, old=None, category="cafe", qr=1)
    today = (await snap(session, None)).day
    q = {"period": "day", "from": today.isoformat(), "to": today.isoformat()}
    for level, key, params in (("unit", "unit", {"unit": "2025:26506"}), ("street", "street", {"street_id": ba_cu})):
        coverage = (await client.get("/api/v1/coverage", params={"level": level, **params}, headers=h)).json()
        row = next(r for r in coverage["rows"] if (r[key].get("code") or r[key].get("id")) in ("26506", ba_cu))
        point = (await get(client, h, "history", level=level, **params, **q))["points"][0]
        assert [point[k] for k in ("shops", "with_qr", "pct", "denominator")] == [
            row[k] for k in ("shops", "with_qr", "pct", "denominator")
        ]


async def test_snapshot_is_idempotent_per_day(session):
    await shops(session, 2, qr=1)
    first = await snap(session, None)
    await shops(session, 1, qr=1)
    again = await snap(session, None)  # today retaken: replaced, under a new id
    assert (first.status, again.status) == ("created", "replaced")
    assert again.snapshot_id != first.snapshot_id and (again.shops, again.with_qr) == (3, 2)
    runs = (await session.execute(select(func.count()).where(SnapshotRun.day == first.day))).scalar_one()
    rows = (await session.execute(select(func.count()).where(CoverageSnapshot.day == first.day))).scalar_one()
    assert runs == 1 and rows == again.rows


async def test_history_is_empty_without_snapshots(client, auth):
    body = await get(client, await auth("admin"), "history", period="week", to="2026-06-30")
    assert body["points"] == [] and body["level"] == "unit"
    assert (body["from"], body["to"]) == ("2025-07-01", "2026-06-30")  # a year of weeks by default


async def test_past_days_are_kept_and_never_invented(session):
    from datetime import timedelta

    import pytest
    from sqlalchemy.exc import IntegrityError

    from app.core.errors import ValidationFailed
    from app.history.models import SnapshotRun as Run
    from app.history.snapshot import take_snapshot
    from tests.app.history.support import noon

    today = date(2026, 8, 10)
    await shops(session, 3, qr=1)
    with pytest.raises(ValidationFailed) as future:
        await take_snapshot(session, today + timedelta(days=1), now=noon(today))
    with pytest.raises(ValidationFailed) as old:  # the counters hold the present, not 3 days ago
        await take_snapshot(session, today - timedelta(days=3), now=noon(today))
    assert (future.value.code, old.value.code) == ("snapshot_future_day", "snapshot_past_day")
    late = await take_snapshot(session, today - timedelta(days=1), now=noon(today))  # closing yesterday after midnight
    await shops(session, 2, qr=2)
    kept = await take_snapshot(session, today - timedelta(days=1), now=noon(today))
    assert (late.status, kept.status, kept.snapshot_id, kept.with_qr) == ("created", "kept", late.snapshot_id, 1)
    await session.commit()
    with pytest.raises(IntegrityError):  # and the database itself holds one run per day
        async with session.begin_nested():
            session.add(Run(day=late.day, source="cli"))
            await session.flush()
