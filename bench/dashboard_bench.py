"""Server time of every dashboard page at 100,000 shops on PostgreSQL (target <= 150 ms each), beside a naive
baseline from the same run: the page's figures computed by a GROUP BY over the merchants table (query only).

A scratch database (PHOQR_BENCH_POSTGRES_URL, default the local server) is filled with what the pages read:
shops spread over the seeded streets with locations, registering agents, review states and a year of dates,
QR rows, model streets with targets, and 180 days of history snapshots. Pages are requested in-process (ASGI)
with a signed session cookie, so the figure is the app's time (queries, services, templates), not the network's.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time

import httpx
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.auth.models import User
from app.core.config import Settings
from app.coverage.counters import rebuild
from app.demo.history import backfill_history
from app.main import create_app
from app.streets.models import StreetUnit
from bench.common import Row
from bench.service_bench import SECRET, scratch_database

N = 100_000
TARGET_MS = 150.0
FILL = """
INSERT INTO merchant (id, name, name_search, category, status, review_state, search_text, has_qr, version,
                      unit_code, street_id, lat, lon, created_by, created_at, updated_at, possible_duplicate_of)
SELECT md5(g::text || random()::text)::uuid::text, 'Shop ' || g, 'shop ' || g,
       (ARRAY['grocery','cafe','eatery','restaurant','market_stall'])[1 + g % 5],
       CASE WHEN g % 33 = 0 THEN 'closed' ELSE 'active' END,
       (ARRAY['pending','approved','approved','rejected'])[1 + g % 4], 'shop ' || g,
       (g % 7) < (g % 5 + 2), 1, (CAST(:codes AS text[]))[1 + g % :k], (CAST(:streets AS int[]))[1 + g % :k],
       10.33 + (g % 997) / 20000.0, 107.07 + (g % 991) / 20000.0,
       CASE WHEN g % 3 = 0 THEN CAST(:agent AS integer) END, now() - make_interval(days => g % 365, secs => g % 86400),
       now(), NULL
FROM generate_series(1, :n) AS g
"""
QRS = """
INSERT INTO qr_code (id, merchant_id, scheme, source, payload, payload_hash, sticker_code, status, active_for,
                     issued_at, issued_by)
SELECT md5(id || 'qr')::uuid::text, id, 'vietqr', 'issued', 'bench', md5(id), 'BN-' || substr(md5(id), 1, 16),
       'active', id, created_at, created_by
FROM merchant WHERE has_qr AND status = 'active'
"""
MODEL = """
UPDATE street SET is_model_street = true, target_pct = 100, target_date = DATE '2026-12-31',
       baseline_shop_count = 1200 WHERE id % 3 = 0
"""
# what each page's figures would cost read straight from the shops (no counters, no snapshots)
NAIVE = {
    "overview": "SELECT unit_code, count(*), sum(CASE WHEN has_qr THEN 1 ELSE 0 END) FROM merchant "
    "WHERE status = 'active' AND unit_code = '26506' GROUP BY unit_code",
    "overview 2020": "SELECT unit_code_2020, count(*), sum(CASE WHEN has_qr THEN 1 ELSE 0 END) FROM merchant "
    "WHERE status = 'active' AND unit_code = '26506' GROUP BY unit_code_2020",
    "unit": "SELECT street_id, count(*), sum(CASE WHEN has_qr THEN 1 ELSE 0 END) FROM merchant "
    "WHERE status = 'active' AND unit_code = '26506' GROUP BY street_id",
    "street": "SELECT count(*), sum(CASE WHEN has_qr THEN 1 ELSE 0 END) FROM merchant "
    "WHERE status = 'active' AND unit_code = '26506' AND street_id = :street",
    "map": "SELECT unit_code, count(*), sum(CASE WHEN has_qr THEN 1 ELSE 0 END) FROM merchant "
    "WHERE status = 'active' GROUP BY unit_code",
    "trends": "SELECT date_trunc('week', created_at) AS w, count(*), sum(CASE WHEN has_qr THEN 1 ELSE 0 END) "
    "FROM merchant WHERE status = 'active' AND unit_code = '26506' GROUP BY w ORDER BY w",
    "queue": "SELECT street_id, count(*), sum(CASE WHEN has_qr THEN 1 ELSE 0 END), "
    "sum(CASE WHEN review_state = 'pending' THEN 1 ELSE 0 END) FROM merchant "
    "WHERE status = 'active' AND unit_code = '26506' GROUP BY street_id",
    "team": "SELECT created_by, date_trunc('week', created_at), count(*), sum(CASE WHEN has_qr THEN 1 ELSE 0 END) "
    "FROM merchant WHERE unit_code = '26506' GROUP BY 1, 2",
}


async def _fill(url: str) -> int:
    # no statement timeout here: filling 100,000 shops is not a request
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        agent = (await conn.execute(select(User.id).where(User.username == "agent.vungtau"))).scalar_one()
        pairs = (
            await conn.execute(select(StreetUnit.street_id, StreetUnit.code).where(StreetUnit.edition == "2025"))
        ).all()
        await conn.execute(
            text(FILL),
            {"n": N, "k": len(pairs), "codes": [c for _, c in pairs], "streets": [s for s, _ in pairs], "agent": agent},
        )
        await conn.execute(text(QRS))
        await conn.execute(text(MODEL))
        street = (
            await conn.execute(
                text(
                    "SELECT street_id FROM merchant WHERE unit_code = '26506' AND street_id IS NOT NULL "
                    "GROUP BY street_id ORDER BY count(*) DESC LIMIT 1"
                )
            )
        ).scalar_one()
    async with AsyncSession(engine) as s:
        await rebuild(s)
        await s.commit()
    async with AsyncSession(engine) as s:
        await backfill_history(s, days=180, seed=11)
        await s.commit()
    async with engine.connect() as conn:
        await (await conn.execution_options(isolation_level="AUTOCOMMIT")).exec_driver_sql("VACUUM ANALYZE")
    await engine.dispose()
    return int(street)


async def _measure(url: str, street: int) -> list[Row]:
    settings = Settings(environment="test", database_url=url, jwt_secret=SECRET)
    application = create_app(settings)
    pages = {
        "overview": "/dashboard",
        "overview 2020": "/dashboard?edition=2020",
        "unit": "/dashboard/units/2025/26506",
        "street": f"/dashboard/streets/{street}",
        "map": "/dashboard/map",
        "trends": "/dashboard/trends",
        "queue": "/dashboard/queue",
        "team": "/dashboard/team",
    }
    rows: list[Row] = []
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="https://b", timeout=120) as client:
            # signed in as a browser is (the session is a row the server can revoke): the form, then its post
            form = await client.get("/dashboard/login")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert csrf is not None, form.text[:300]
            login = {"username": "officer.vungtau", "password": "bench", "csrf_token": csrf.group(1)}
            signed = await client.post("/dashboard/login", data=login | {"next": "/dashboard"})
            assert signed.status_code in (200, 303), signed.text[:300]
            statements: list[str] = []
            event.listen(
                application.state.engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2])
            )
            for name, path in pages.items():
                ours, naive = [], []
                for _ in range(7):
                    start = time.perf_counter()
                    r = await client.get(path)
                    ours.append(time.perf_counter() - start)
                    assert r.status_code == 200, (path, r.status_code, r.text[:300])
                statements.clear()
                await client.get(path)
                per_page = len(statements)
                async with application.state.engine.connect() as conn:
                    for _ in range(5):
                        start = time.perf_counter()
                        (await conn.execute(text(NAIVE[name]), {"street": street})).all()
                        naive.append(time.perf_counter() - start)
                rows.append(
                    Row(
                        f"postgresql: dashboard {name} @ {N:,} shops (ms)",
                        statistics.median(ours[1:]) * 1e3,
                        "ms",
                        "naive GROUP BY (query only)",
                        statistics.median(naive) * 1e3,
                        TARGET_MS,
                        note=f"{per_page} SQL statements per page",
                    )
                )
    return rows


async def _run() -> list[Row]:
    async with scratch_database("dashboard") as url:
        if url is None:
            return []
        street = await _fill(url)
        return await _measure(url, street)


def run() -> list[Row]:
    return asyncio.run(_run())


if __name__ == "__main__":
    from bench.common import print_table

    print_table(run())
