"""A province on the dashboard: server time of the overview (168 rows), the map (168 shapes) and the trends page
of Hồ Chí Minh City's province officer, at PHOQR_BENCH_PROVINCE_SHOPS shops (default 20,000, a small run; the
issue's goal, <= 150 ms, is stated at 1,000,000) spread over the city's 168 wards, with 30 days of snapshots.
PostgreSQL from PHOQR_BENCH_POSTGRES_URL (a scratch database is created and dropped). Pages are requested
in-process (ASGI) with a real dashboard session, so the figure is the app's time, not the network's.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time

import httpx
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import sessions as auth_sessions
from app.auth.models import User
from app.core.config import Settings
from app.core.db import make_engine
from app.coverage.counters import rebuild
from app.dashboard import session as dash_session
from app.demo.history import backfill_history
from app.main import create_app
from app.units.models import AdminUnit
from bench.common import Row
from bench.service_bench import SECRET, scratch_database

SHOPS = int(os.environ.get("PHOQR_BENCH_PROVINCE_SHOPS", "20000"))
TARGET_MS = 150.0
FILL = """
INSERT INTO merchant (id, name, name_search, category, status, review_state, search_text, has_qr,
                      version, unit_code, created_at, updated_at)
SELECT md5(g::text || random()::text)::uuid::text, 'Shop ' || g, 'shop ' || g,
       (ARRAY['grocery','cafe','eatery','restaurant','market_stall'])[1 + g % 5],
       CASE WHEN g % 33 = 0 THEN 'closed' ELSE 'active' END, 'pending', 'shop ' || g,
       (g % 7) < (g % 5 + 2), 1, (CAST(:codes AS text[]))[1 + g % :k], now(), now()
FROM generate_series(1, :n) AS g
"""
PAGES = {"overview": "/dashboard", "map": "/dashboard/map", "trends": "/dashboard/trends"}


async def _fill(url: str) -> None:
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
        await backfill_history(s, days=30, seed=7)
        await s.commit()
    async with engine.connect() as conn:
        await (await conn.execution_options(isolation_level="AUTOCOMMIT")).exec_driver_sql("VACUUM ANALYZE")
    await engine.dispose()


async def _measure(url: str) -> list[Row]:
    settings = Settings(environment="test", database_url=url, jwt_secret=SECRET)
    application = create_app(settings)
    rows: list[Row] = []
    async with application.router.lifespan_context(application):
        async with AsyncSession(application.state.engine) as s:
            uid = (await s.execute(select(User.id).where(User.username == "officer.hcmc"))).scalar_one()
            sid = auth_sessions.new_session_id()
            await auth_sessions.open_dashboard_session(s, sid, uid, dash_session.SESSION_SECONDS)
            await s.commit()
        cookie = dash_session.encode(settings, dash_session.signed_in(uid, sid))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application),
            base_url="https://b",
            cookies={dash_session.COOKIE: cookie},
            timeout=120,
        ) as client:
            statements: list[str] = []
            event.listen(
                application.state.engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2])
            )
            for name, path in PAGES.items():
                samples = []
                for _ in range(5):
                    start = time.perf_counter()
                    r = await client.get(path)
                    samples.append(time.perf_counter() - start)
                    assert r.status_code == 200, (path, r.status_code, r.text[:300])
                statements.clear()
                r = await client.get(path)
                rows.append(
                    Row(
                        f"postgresql: province officer's {name} (168 wards) @ {SHOPS:,} shops (ms)",
                        statistics.median(samples[1:]) * 1e3,
                        "ms",
                        "-",
                        None,
                        TARGET_MS,
                        note=f"{len(statements)} SQL statements, {len(r.content) // 1024} KiB",
                    )
                )
    return rows


async def _run() -> list[Row]:
    async with scratch_database("province") as url:
        if url is None:
            return []
        await _fill(url)
        return await _measure(url)


def run() -> list[Row]:
    return asyncio.run(_run())


if __name__ == "__main__":
    from bench.common import print_table

    print_table(run())
