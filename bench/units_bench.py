"""The whole country: units list and search (target <= 20 ms) and a city's coverage, its 168 wards and the 34
provinces (target <= 150 ms), with PHOQR_BENCH_UNIT_SHOPS shops (default 200,000; the issue's figure is
1,000,000) spread over Hồ Chí Minh City's wards. Baseline: the naive answer, counting the merchants table grouped
by ward. PostgreSQL from PHOQR_BENCH_POSTGRES_URL (a scratch database is created and dropped).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

import app.models  # noqa: F401
from app.core.db import make_engine
from app.coverage.counters import rebuild
from app.units.models import AdminUnit
from bench.common import Row
from bench.service_bench import _client, scratch_database

SHOPS = int(os.environ.get("PHOQR_BENCH_UNIT_SHOPS", "200000"))
FILL = """
INSERT INTO merchant (id, name, name_search, category, status, review_state, search_text, has_qr,
                      version, unit_code, created_at, updated_at)
SELECT md5(g::text || random()::text)::uuid::text, 'Shop ' || g, 'shop ' || g,
       (ARRAY['grocery','cafe','eatery','restaurant','market_stall'])[1 + g % 5],
       CASE WHEN g % 33 = 0 THEN 'closed' ELSE 'active' END, 'pending', 'shop ' || g,
       (g % 7) < (g % 5 + 2), 1, (CAST(:codes AS text[]))[1 + g % :k], now(), now()
FROM generate_series(1, :n) AS g
"""
NAIVE = (
    "SELECT unit_code, count(*), sum(CASE WHEN has_qr THEN 1 ELSE 0 END) FROM merchant "
    "WHERE status = 'active' AND unit_code = ANY(:codes) GROUP BY unit_code"
)
CALLS = {
    "GET /units?province=79&limit=200": ("/api/v1/units", {"edition": "2025", "province": "79", "limit": 200}, 20.0),
    "GET /units?q=phuong tan (search)": ("/api/v1/units", {"edition": "2020", "q": "phuong tan"}, 20.0),
    "GET /units/2020/26506 (successors)": ("/api/v1/units/2020/26506", {}, 20.0),
    "GET /coverage?unit=2025:79 (168 wards)": ("/api/v1/coverage", {"level": "unit", "unit": "2025:79"}, 150.0),
    "GET /coverage?level=province (34)": ("/api/v1/coverage", {"level": "province"}, 150.0),
}


async def _fill(url: str) -> list[str]:
    engine = make_engine(url, statement_timeout=600)
    async with engine.begin() as conn:
        codes = list(
            (
                await conn.execute(
                    select(AdminUnit.code).where(
                        AdminUnit.edition == "2025", AdminUnit.level == "commune", AdminUnit.province_code == "79"
                    )
                )
            ).scalars()
        )
        await conn.execute(text(FILL), {"n": SHOPS, "k": len(codes), "codes": codes})
    async with AsyncSession(engine) as s:
        await rebuild(s)
        await s.commit()
    async with engine.connect() as conn:
        await (await conn.execution_options(isolation_level="AUTOCOMMIT")).exec_driver_sql("VACUUM ANALYZE")
    await engine.dispose()
    return codes


async def unit_rows(url: str) -> list[Row]:
    codes = await _fill(url)
    agen = _client(url)
    client, application = await agen.__anext__()
    rows = []
    async with application.state.engine.connect() as conn:
        naive = []
        for _ in range(5):
            start = time.perf_counter()
            (await conn.execute(text(NAIVE), {"codes": codes})).all()
            naive.append(time.perf_counter() - start)
    for figure, (path, params, target) in CALLS.items():
        samples = []
        for _ in range(15):
            start = time.perf_counter()
            r = await client.get(path, params=params)
            samples.append(time.perf_counter() - start)
            assert r.status_code == 200, r.text[:300]
        coverage = path.endswith("coverage")
        rows.append(
            Row(
                f"postgresql: {figure} @ {SHOPS:,} shops (ms)",
                statistics.median(samples) * 1e3,
                "ms",
                "naive: count merchants by ward (query only)" if coverage else "-",
                statistics.median(naive) * 1e3 if coverage else None,
                target,
            )
        )
    await agen.aclose()
    return rows


async def _run() -> list[Row]:
    async with scratch_database("units") as url:
        return [] if url is None else await unit_rows(url)


def run() -> list[Row]:
    return asyncio.run(_run())


if __name__ == "__main__":
    from bench.common import print_table

    print_table(run())
