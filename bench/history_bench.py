"""GET /coverage/history: a year of weekly points for a unit at 100,000 shops, answered from daily snapshots
(target <= 50 ms on PostgreSQL), beside a naive baseline that recomputes each week's level from the merchants
table (53 counts of the unit's active shops and shops with QR registered by the end of each week).

The year of snapshots is the demo backfill (365 synthetic days ending at the real counters). PostgreSQL from
PHOQR_BENCH_POSTGRES_URL (a scratch database is created and dropped). The target is PostgreSQL's: SQLite is
not measured here (filling it with 100,000 shops alone takes minutes).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import datetime, timedelta
from datetime import time as day_time

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

import app.models  # noqa: F401
from app.core.db import make_engine
from app.coverage.counters import rebuild
from app.demo.history import backfill_history
from app.history import periods, service
from app.history.snapshot import VIETNAM, local_today
from app.streets.models import StreetUnit
from bench.common import Row
from bench.service_bench import _client, scratch_database

SHOPS = 100_000
UNIT = "26506"
NAIVE = (
    "SELECT count(*), sum(CASE WHEN has_qr THEN 1 ELSE 0 END) FROM merchant "
    "WHERE unit_code = :unit AND status = 'active' AND created_at < :until"
)


async def _year_of_snapshots(url: str) -> None:
    engine = make_engine(url, statement_timeout=600)
    async with AsyncSession(engine) as s:
        await backfill_history(s, days=365, seed=1)
        await s.commit()
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).exec_driver_sql("VACUUM ANALYZE")
    await engine.dispose()


FILL = """
INSERT INTO merchant (id, name, name_search, category, status, review_state, search_text, has_qr,
                      version, unit_code, street_id, created_at, updated_at)
SELECT md5(g::text || random()::text)::uuid::text, 'Shop ' || g, 'shop ' || g,
       (ARRAY['grocery','cafe','eatery','restaurant','market_stall'])[1 + g % 5],
       CASE WHEN g % 33 = 0 THEN 'closed' ELSE 'active' END, 'pending', 'shop ' || g,
       (g % 7) < (g % 5 + 2), 1, (CAST(:codes AS text[]))[1 + g % :k],
       (CAST(:streets AS int[]))[1 + g % :k], now() - make_interval(days => g % 365), now()
FROM generate_series(1, :n) AS g
"""


async def _fill(url: str, n: int) -> None:
    """n shops registered over the past year, spread over the seeded streets (PostgreSQL)."""
    engine = make_engine(url, statement_timeout=600)
    async with engine.begin() as conn:
        pairs = (
            await conn.execute(select(StreetUnit.street_id, StreetUnit.code).where(StreetUnit.edition == "2025"))
        ).all()
        await conn.execute(
            text(FILL),
            {"n": n, "k": len(pairs), "codes": [c for _, c in pairs], "streets": [s for s, _ in pairs]},
        )
    async with AsyncSession(engine) as s:
        await rebuild(s)
        await s.commit()
    await engine.dispose()


async def history_rows(url: str, label: str) -> list[Row]:
    await _fill(url, SHOPS)
    await _year_of_snapshots(url)
    today = local_today()
    first = today - timedelta(days=364)
    params = {"level": "unit", "unit": f"2025:{UNIT}", "period": "week", "from": first.isoformat()}
    week_ends = [d for _, d in periods.last_per_period("week", [first + timedelta(days=i) for i in range(365)])]
    agen = _client(url)
    client, application = await agen.__anext__()
    ours, naive = [], []
    for _ in range(15):
        start = time.perf_counter()
        r = await client.get("/api/v1/coverage/history", params=params)
        ours.append(time.perf_counter() - start)
        assert r.status_code == 200 and len(r.json()["points"]) >= 52, r.text[:300]
    service_only = []
    async with AsyncSession(application.state.engine) as session:
        for _ in range(15):
            start = time.perf_counter()
            await service.history(session, level="unit", unit=("2025", UNIT), period="week", from_=first)
            service_only.append(time.perf_counter() - start)
    async with application.state.engine.connect() as conn:
        for _ in range(5):
            start = time.perf_counter()
            for day in week_ends:
                until = datetime.combine(day + timedelta(days=1), day_time(0), tzinfo=VIETNAM)
                (await conn.execute(text(NAIVE), {"unit": UNIT, "until": until})).one()
            naive.append(time.perf_counter() - start)
    await agen.aclose()
    return [
        Row(
            f"{label}: GET /coverage/history 52 weeks @ {SHOPS:,} (ms)",
            statistics.median(ours) * 1e3,
            "ms",
            f"naive: {len(week_ends)} counts over merchants (query only)",
            statistics.median(naive) * 1e3,
            50.0 if label == "postgresql" else None,
        ),
        Row(
            f"{label}: history service call alone, same query (ms)",
            statistics.median(service_only) * 1e3,
            "ms",
            "the same naive recount",
            statistics.median(naive) * 1e3,
            note="without HTTP, token check and middleware",
        ),
    ]


async def _run() -> list[Row]:
    async with scratch_database("history") as url:
        return [] if url is None else await history_rows(url, "postgresql")


def run() -> list[Row]:
    return asyncio.run(_run())


if __name__ == "__main__":
    from bench.common import print_table

    print_table(run())
