"""GET /coverage/forecast over the trailing 28 days: no date when flat, a date and a range when rising."""

from __future__ import annotations

from datetime import date, timedelta

from app.history.snapshot import local_today
from tests.app.history.support import get, set_street, set_unit, shops, snap
from tests.factories import street_id

TODAY = date(2026, 11, 20)


async def days_back(session, n, today=TODAY):
    for i in range(n - 1, -1, -1):
        yield today - timedelta(days=i)


async def test_flat_progress_gives_no_date(client, auth, session):
    from app.history import service

    await set_unit(session, "26506", baseline_shop_count=100, target_pct=100, target_date=date(2027, 6, 30))
    await shops(session, 30, qr=30)
    async for day in days_back(session, 28):
        await snap(session, day)
    f = await service.forecast(session, level="unit", unit=("2025", "26506"), today=TODAY)
    assert f.rate_per_week == 0.0 and f.points == 28 and f.pct == 30.0
    assert f.projected_date is None and f.projected_date_range is None
    assert f.on_track is False  # a target date, and nothing moving towards it


async def test_rising_progress_gives_a_date_and_a_range(client, auth, session):
    from app.history import service

    await set_unit(session, "26506", baseline_shop_count=100, target_pct=90, target_date=date(2027, 1, 31))
    await shops(session, 20, qr=20)
    async for day in days_back(session, 28):
        await shops(session, 1, qr=1)  # one more shop with QR a day, out of a baseline of 100: +1 point a day
        await snap(session, day)
    f = await service.forecast(session, level="unit", unit=("2025", "26506"), today=TODAY)
    assert f.rate_per_week == 7.0 and f.with_qr_per_week == 7.0 and f.pct == 48.0
    assert f.projected_date == TODAY + timedelta(days=42)  # 42 points to go at 1 a day
    assert f.projected_date_range == [f.projected_date, f.projected_date]  # an exact line: no uncertainty
    assert f.on_track is True  # 1 January 2027, before the target date of 31 January
    assert f.target_pct == 90 and f.window == [TODAY - timedelta(days=27), TODAY]
    # the ward brings its deadline forward: the last snapshot carries the new target date
    await set_unit(session, "26506", target_date=date(2026, 12, 15))
    await snap(session, TODAY)
    f = await service.forecast(session, level="unit", unit=("2025", "26506"), today=TODAY)
    assert f.projected_date == date(2027, 1, 1) and f.on_track is False


async def test_noisy_progress_widens_the_range_and_compares_with_the_target_date(client, auth, session):
    from app.history import service

    today = local_today()
    ba_cu = await street_id(session, "Ba Cu")
    deadline = today + timedelta(days=7)
    await set_street(session, ba_cu, is_model_street=True, baseline_shop_count=200, target_pct=100)
    await set_street(session, ba_cu, target_date=deadline)
    steps = [3, 0, 2, 1, 4, 0, 2] * 4  # 12 a week, unevenly
    async for day in days_back(session, 28, today):
        await shops(session, steps.pop(), street=ba_cu, qr=99)
        await snap(session, day)
    f = await service.forecast(session, level="street", street_id=ba_cu, today=today)
    earliest, latest = f.projected_date_range
    assert f.rate_per_week > 0 and earliest < f.projected_date < latest
    assert f.on_track is False and f.target_date == deadline  # months of work left, a week to go
    body = await get(client, await auth("officer.vungtau"), "forecast", level="street", street_id=ba_cu)
    assert body == f.model_dump(mode="json")
