"""`phoqr demo-data` backfills 90 days that rise, add up, never exceed the denominator and end at today."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from app.demo import generate
from app.demo.history import backfill_history
from app.history.models import CoverageSnapshot, SnapshotRun
from app.history.snapshot import local_today


async def test_ninety_plausible_days_that_end_at_todays_counters(session, client, auth):
    await generate(session, 400, seed=5)
    assert await backfill_history(session, days=90, seed=5) == {"history_days": 90}
    await session.commit()
    runs = (await session.execute(select(SnapshotRun).order_by(SnapshotRun.day))).scalars().all()
    today = local_today()
    assert len(runs) == 90 and runs[-1].day == today and (today - runs[0].day).days == 89
    rows = (await session.execute(select(CoverageSnapshot))).scalars().all()
    by_day: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for r in rows:
        assert 0 <= r.with_qr <= r.shops <= max(r.shops, r.baseline_shop_count or 0)
        if r.level == "street" or r.level == "category" or (r.level == "unit" and r.edition == "2025"):
            key = (r.level if r.level != "unit" else "unit", r.unit_code)
            by_day[r.day][key][0] += r.shops
            by_day[r.day][key][1] += r.with_qr
    for day, sums in by_day.items():  # streets and categories of each unit add up to the unit, every day
        for (level, unit), value in sums.items():
            assert value == sums[("unit", unit)], (day, level, unit)
    # rising: the city's pct 90 days ago is well below today's
    h = await auth("admin")
    first = (
        await client.get(
            "/api/v1/coverage/history",
            params={"period": "day", "from": runs[0].day.isoformat(), "to": runs[0].day.isoformat()},
            headers=h,
        )
    ).json()["points"][0]
    last = (
        await client.get("/api/v1/coverage/history", params={"period": "day", "from": today.isoformat()}, headers=h)
    ).json()["points"][0]
    coverage = (await client.get("/api/v1/coverage", headers=h)).json()["total"]
    assert [last[k] for k in ("shops", "with_qr", "pct")] == [coverage[k] for k in ("shops", "with_qr", "pct")]
    assert first["pct"] < last["pct"] - 10
    weekly = (await client.get("/api/v1/coverage/history", params={"period": "week"}, headers=h)).json()["points"]
    assert len(weekly) >= 13
    # a second run redraws the synthetic days (never duplicates) and still ends at today's counters
    await backfill_history(session, days=90, seed=6)
    await session.commit()
    assert (await session.execute(select(func.count()).select_from(SnapshotRun))).scalar_one() == 90
