"""Service figures on SQLite and PostgreSQL, each beside a naive baseline measured in the same run.

- POST /sync with 500 new shops (median of 3 batches; goal: <= 0.5 s on PostgreSQL and >= 10x on both)
  vs 500 other shops as 500 POST /merchants in the same app.
- GET /coverage?level=street|unit at 100,000 shops (both databases) and 1,000,000 (PostgreSQL; target
  <= 50 ms) vs a naive GROUP BY over the merchants table.
PostgreSQL: PHOQR_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres); a scratch
database is created and dropped. 1,000,000 shops on SQLite are skipped (the fill alone takes minutes).
PHOQR_BENCH_ONLY=sync (or coverage) runs only that part: the /sync figures take seconds, the coverage fill minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

import app.models  # noqa: F401
from app.auth.models import User
from app.core.config import Settings
from app.core.db import make_engine
from app.core.migrate import upgrade
from app.core.security import encode_token
from app.coverage.counters import rebuild
from app.main import create_app
from app.seed import load_demo_users, seed_reference
from app.streets.models import StreetUnit
from bench.common import Row

PG = os.environ.get("PHOQR_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-" + "s" * 40
SYNC_TARGET_S = 0.5  # a 500-shop batch on PostgreSQL
SYNC_RATIO_GOAL = 10.0  # and at least this many times faster than the same shops as single POSTs
NAIVE = {
    "street": "SELECT street_id, count(*), sum(CASE WHEN has_qr THEN 1 ELSE 0 END) FROM merchant "
    "WHERE status = 'active' GROUP BY street_id",
    "unit": "SELECT unit_code, count(*), sum(CASE WHEN has_qr THEN 1 ELSE 0 END) FROM merchant "
    "WHERE status = 'active' GROUP BY unit_code",
}


def _pg_admin() -> str:
    return (
        make_url(PG.replace("postgresql://", "postgresql+asyncpg://", 1))
        .set(database="postgres")
        .render_as_string(hide_password=False)
    )


async def _pg_exec(sql: str) -> None:
    engine = create_async_engine(_pg_admin(), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.exec_driver_sql(sql)
    await engine.dispose()


@contextlib.asynccontextmanager
async def scratch_database(purpose: str) -> AsyncIterator[str | None]:
    """A scratch PostgreSQL database, migrated and seeded, dropped afterwards; None (and a line saying the
    figures were skipped) when PostgreSQL is not reachable: a benchmark never pretends."""
    try:
        await _pg_exec("SELECT 1")
    except Exception as exc:
        print(f"PostgreSQL not reachable ({exc.__class__.__name__}): {purpose} figures skipped")
        yield None
        return
    name = f"phoqr_bench_{purpose}_{uuid.uuid4().hex[:6]}"
    await _pg_exec(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(_pg_admin()).set(database=name).render_as_string(hide_password=False)
        await _prepare(url)
        yield url
    finally:
        await _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _prepare(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    async with AsyncSession(engine) as s:
        await seed_reference(s)
        await load_demo_users(s, "bench")
        await s.commit()
    await engine.dispose()


def _shop(i: int) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "name": f"Tạp hóa Bench {i}",
        "category": "grocery",
        "phone": f"09{i:08d}",
        "house_number": str(i),
        "unit": {"edition": "2025", "code": "26506"},
        "payment_account": {"bank_bin": "970436", "account_number": f"{10**11 + i}"},
    }


async def _client(url: str):
    settings = Settings(environment="test", database_url=url, jwt_secret=SECRET)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        async with AsyncSession(application.state.engine) as s:
            uid = (await s.execute(select(User.id).where(User.username == "agent.vungtau"))).scalar_one()
        token, _ = encode_token(settings, str(uid), "access", ttl=timedelta(hours=1))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application),
            base_url="http://b",
            headers={"Authorization": f"Bearer {token}"},
            timeout=600,
        ) as c:
            yield c, application


async def sync_rows(url: str, label: str) -> list[Row]:
    """Three POST /sync batches of 500 new shops (median) beside 500 single POST /merchants, same app and run."""
    agen = _client(url)
    client, _ = await agen.__anext__()
    batches = []
    for round_ in range(3):
        shops = range(round_ * 500, (round_ + 1) * 500)
        ops = [{"op_id": str(uuid.uuid4()), "type": "upsert_merchant", "payload": _shop(i)} for i in shops]
        start = time.perf_counter()
        r = await client.post("/api/v1/sync", json={"device_id": "bench", "operations": ops})
        batches.append(time.perf_counter() - start)
        assert r.status_code == 200 and all(x["status"] == "created" for x in r.json()["results"]), r.text[:300]
    start = time.perf_counter()
    for i in range(1500, 2000):
        assert (await client.post("/api/v1/merchants", json=_shop(i))).status_code == 201
    naive = time.perf_counter() - start
    await agen.aclose()
    batch = statistics.median(batches)
    ratio_met = "yes" if naive / batch >= SYNC_RATIO_GOAL else "NO"
    note = f"(goal: ratio >= {SYNC_RATIO_GOAL:.0f}x: {ratio_met}; batches {', '.join(f'{b:.2f}' for b in batches)} s)"
    target = SYNC_TARGET_S if label == "postgresql" else None
    return [Row(f"{label}: POST /sync, 500 new shops (s)", batch, "s", "500 x POST /merchants", naive, target, note)]


async def _fill(url: str, n: int) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM coverage_counter"))
        pairs = (
            await conn.execute(select(StreetUnit.street_id, StreetUnit.code).where(StreetUnit.edition == "2025"))
        ).all()
        if engine.dialect.name == "postgresql":
            await conn.execute(
                text("""
                INSERT INTO merchant (id, name, name_search, category, status, review_state, search_text, has_qr,
                                      version, unit_code, street_id, created_at, updated_at)
                SELECT md5(g::text || random()::text)::uuid::text, 'Shop ' || g, 'shop ' || g,
                       (ARRAY['grocery','cafe','eatery','restaurant','market_stall'])[1 + g % 5],
                       CASE WHEN g % 33 = 0 THEN 'closed' ELSE 'active' END, 'pending', 'shop ' || g,
                       (g % 7) < (g % 5 + 2), 1, (CAST(:codes AS text[]))[1 + g % :k],
                       (CAST(:streets AS int[]))[1 + g % :k], now(), now()
                FROM generate_series(1, :n) AS g
            """),
                {"n": n, "k": len(pairs), "codes": [c for _, c in pairs], "streets": [s for s, _ in pairs]},
            )
        else:
            rows = []
            for g in range(n):
                sid, code = pairs[g % len(pairs)]
                rows.append(
                    {
                        "id": str(uuid.uuid4()),
                        "name": f"Shop {g}",
                        "ns": f"shop {g}",
                        "st": "active" if g % 33 else "closed",
                        "q": (g % 7) < (g % 5 + 2),
                        "u": code,
                        "s": sid,
                        "c": ("grocery", "cafe", "eatery", "restaurant", "market_stall")[g % 5],
                    }
                )
            await conn.execute(
                text(
                    "INSERT INTO merchant (id, name, name_search, category, status, review_state, search_text, has_qr, "
                    "version, unit_code, street_id, created_at, updated_at) VALUES (:id, :name, :ns, :c, :st, "
                    "'pending', :ns, :q, 1, :u, :s, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                rows,
            )
    async with AsyncSession(engine) as s:
        await rebuild(s)
        await s.commit()
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).exec_driver_sql("VACUUM ANALYZE")
    await engine.dispose()


async def coverage_rows(url: str, label: str, sizes: list[int]) -> list[Row]:
    out: list[Row] = []
    filled = 0
    for n in sizes:
        await _fill(url, n - filled)
        filled = n
        agen = _client(url)
        client, application = await agen.__anext__()
        for level in ("street", "unit"):
            ours, naive = [], []
            for _ in range(7):
                start = time.perf_counter()
                r = await client.get("/api/v1/coverage", params={"level": level})
                ours.append(time.perf_counter() - start)
                assert r.status_code == 200
            async with application.state.engine.connect() as conn:
                for _ in range(5):
                    start = time.perf_counter()
                    (await conn.execute(text(NAIVE[level]))).all()
                    naive.append(time.perf_counter() - start)
            target = 50.0 if n >= 1_000_000 and label == "postgresql" else None
            out.append(
                Row(
                    f"{label}: GET /coverage?level={level} @ {n:,} shops (ms)",
                    statistics.median(ours) * 1e3,
                    "ms",
                    "naive GROUP BY (query only)",
                    statistics.median(naive) * 1e3,
                    target,
                )
            )
        await agen.aclose()
    return out


async def _run() -> list[Row]:
    only = os.environ.get("PHOQR_BENCH_ONLY", "")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        if only in ("", "sync"):
            url = f"sqlite+aiosqlite:///{tmp}/sync.db"
            await _prepare(url)
            rows += await sync_rows(url, "sqlite")
        if only in ("", "coverage"):
            url = f"sqlite+aiosqlite:///{tmp}/coverage.db"
            await _prepare(url)
            rows += await coverage_rows(url, "sqlite", [100_000])
    try:
        await _pg_exec("SELECT 1")
    except Exception as exc:  # no PostgreSQL here: say so, don't pretend
        print(f"PostgreSQL not reachable ({exc.__class__.__name__}): PostgreSQL figures skipped")
        return rows
    for purpose, sizes in (("sync", None), ("coverage", [100_000, 1_000_000])):
        if only not in ("", purpose):
            continue
        name = f"phoqr_bench_{purpose}_{uuid.uuid4().hex[:6]}"
        await _pg_exec(f'CREATE DATABASE "{name}"')
        url = make_url(_pg_admin()).set(database=name).render_as_string(hide_password=False)
        try:
            await _prepare(url)
            rows += await (sync_rows(url, "postgresql") if sizes is None else coverage_rows(url, "postgresql", sizes))
        finally:
            await _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return rows


def run() -> list[Row]:
    return asyncio.run(_run())


if __name__ == "__main__":
    from bench.common import print_table

    print_table(run())
