"""`make bench-national`: PhoQR's user-facing figures at national size on PostgreSQL, each beside its goal.

Fills a scratch database (PHOQR_BENCH_POSTGRES_URL, default the local server; created and dropped) with
PHOQR_NATIONAL_SHOPS shops (default 5,000,000) in a few set-based statements: every fifth shop banks at BIN
970436 with the owner's consent (at 5,000,000: a bank of 1,000,000), the others at 970415; a QR for two in
seven; counters rebuilt from the shops; a year of daily coverage snapshots. The units are Vũng Tàu's (the
whole-country unit list of issue 18 lands separately), so "per commune" is per ward of Vũng Tàu here and every
ward holds about a fifth of the country: coverage by unit and street are read over far more shops per key than
a real commune has, which makes these figures pessimistic.

Then it measures, in this process through the ASGI app (so "latency" includes the in-process client): a single
registration (median of 30, and the process CPU per registration), a /sync of 500, GET /coverage by unit and by
street, GET /coverage/history over 52 weeks, the dashboard pages (dashboard_bench), the bank's CSV and XLSX and
reconciliation digests (export_bench, child processes: seconds and peak memory), and table and index sizes.
Timings taken while other work shares the machine are noisy: the output says the load average before and after.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid

from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from bench.common import Row

SHOPS = int(os.environ.get("PHOQR_NATIONAL_SHOPS", "5000000"))
BANK_EVERY = 5
GOALS_MS = {"coverage": 50.0, "history": 50.0, "dashboard": 150.0}
SIZES = (
    "merchant",
    "payment_account",
    "consent",
    "qr_code",
    "coverage_counter",
    "coverage_snapshot",
    "audit_log",
    "bank_event",
    "sync_operation",
    "bank_view",
    "webhook_delivery",
)


async def _fill(url: str, n: int) -> int:
    from app.bank.handoff import view
    from app.consents.texts import TEXTS
    from app.coverage.counters import rebuild
    from app.demo.history import backfill_history
    from app.streets.models import StreetUnit
    from bench.dashboard_bench import MODEL, QRS
    from bench.export_bench import _PG_FILL

    engine = create_async_engine(url)  # no statement timeout: a fill is not a request
    began = time.perf_counter()
    async with engine.begin() as conn:
        streets_of = (
            await conn.execute(select(StreetUnit.street_id, StreetUnit.code).where(StreetUnit.edition == "2025"))
        ).all()
        # every commune of the country (edition 2025); those with streets (Vũng Tàu's) once per street
        with_streets = {c for _, c in streets_of}
        communes = (
            await conn.execute(
                text("SELECT code FROM admin_unit WHERE edition = '2025' AND level = 'commune' ORDER BY code")
            )
        ).scalars()
        pairs = [*streets_of, *((None, c) for c in communes if c not in with_streets)]
        codes, streets = [c for _, c in pairs], [s for s, _ in pairs]
        step = 500_000
        for a in range(0, n, step):
            b = min(n, a + step)
            for sql in _PG_FILL:
                # shops g with g % BANK_EVERY == 0 bank at 970436, the rest at 970415
                for bank_bin, rule in (("970436", "g % 5 = 0"), ("970415", "g % 5 <> 0")):
                    stmt = sql.replace("FROM generate_series(CAST(:a AS int), CAST(:b AS int)) AS g", "")
                    stmt = stmt + f" FROM generate_series(CAST(:a AS int), CAST(:b AS int)) AS g WHERE {rule}"
                    await conn.execute(
                        text(stmt),
                        {"a": a + 1, "b": b, "k": len(pairs), "codes": codes, "streets": streets, "bin": bank_bin}
                        | {"sha": TEXTS[-1].sha256},
                    )
            print(f"  filled {b:,} shops ({time.perf_counter() - began:.0f} s)", flush=True)
        await conn.execute(text("UPDATE merchant SET has_qr = (hashtext(id) % 7) IN (0, 1)"))
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
    # bulk rows skip ShopChanged, hence the outbox's stored view of each bank's records: rebuilt from the shops
    async with AsyncSession(engine) as s:
        await view.rebuild(s)
        await s.commit()
    print(f"  counters and the banks' stored view rebuilt ({time.perf_counter() - began:.0f} s)", flush=True)
    async with AsyncSession(engine) as s:
        await backfill_history(s, days=365, seed=11)
        await s.commit()
    print(f"  365 days of coverage history ({time.perf_counter() - began:.0f} s)", flush=True)
    async with engine.connect() as conn:
        await (await conn.execution_options(isolation_level="AUTOCOMMIT")).exec_driver_sql("VACUUM ANALYZE")
    await engine.dispose()
    return int(street)


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1e3


async def _api(url: str, n: int, street: int) -> list[Row]:
    from bench.service_bench import _client, _shop

    rows: list[Row] = []
    agen = _client(url)
    client, _ = await agen.__anext__()
    lat, cpu0 = [], time.process_time()
    for i in range(30):
        start = time.perf_counter()
        r = await client.post("/api/v1/merchants", json=_shop(900_000 + i))
        lat.append(time.perf_counter() - start)
        assert r.status_code == 201, r.text[:300]
    cpu_ms = (time.process_time() - cpu0) / 30 * 1e3
    rows.append(Row(f"POST /merchants @ {n:,} (ms, median of 30)", _median_ms(lat), "ms", "-", None, 100.0))
    rows.append(Row("  process CPU per registration (ms; client included)", cpu_ms, "ms", "-", None))
    ops = [{"op_id": str(uuid.uuid4()), "type": "upsert_merchant", "payload": _shop(910_000 + i)} for i in range(500)]
    start = time.perf_counter()
    r = await client.post("/api/v1/sync", json={"device_id": "national", "operations": ops})
    assert r.status_code == 200, r.text[:300]
    rows.append(Row(f"POST /sync of 500 @ {n:,} (s)", time.perf_counter() - start, "s", "-", None))
    reads = {
        "GET /coverage by unit": ("/api/v1/coverage", {"level": "unit", "edition": "2025"}, "coverage"),
        "GET /coverage by province": ("/api/v1/coverage", {"level": "province", "edition": "2025"}, "coverage"),
        "GET /coverage by street (a ward)": (
            "/api/v1/coverage",
            {"level": "street", "unit": "2025:26506"},
            "coverage",
        ),
        "GET /coverage/history 52 weeks": (
            "/api/v1/coverage/history",
            {"level": "street", "street_id": street, "period": "week"},
            "history",
        ),
    }
    for name, (path, params, goal) in reads.items():
        samples = []
        for _ in range(7):
            start = time.perf_counter()
            r = await client.get(path, params=params)
            samples.append(time.perf_counter() - start)
            assert r.status_code == 200, (path, r.text[:300])
        rows.append(Row(f"{name} @ {n:,} (ms)", _median_ms(samples[1:]), "ms", "-", None, GOALS_MS[goal]))
    await agen.aclose()
    return rows


async def _outbox(url: str) -> list[Row]:
    """Outbox throughput beside 5,000,000 shops (bench.outbox_bench's one dispatcher, its sandbox receiver)."""
    from app.bank.webhooks import crypto as webhooks_crypto
    from bench import outbox_bench

    secret = webhooks_crypto.new_secret()
    proc, receiver = outbox_bench._start_receiver(secret)
    try:
        per_event = await outbox_bench._dispatchers(url, outbox_bench.bench_settings(url), receiver, secret, 1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    note = f"{1e3 / per_event:.0f} events/s, {outbox_bench.EVENTS} events to the sandbox bank (signatures verified)"
    return [Row("outbox: 1 dispatcher, ms per delivered event", per_event, "ms", "-", None, note=note)]


async def _sizes(url: str) -> list[Row]:
    engine = create_async_engine(url)
    rows = []
    async with engine.connect() as conn:
        for table in SIZES:
            size = (
                await conn.execute(
                    text("SELECT pg_table_size(CAST(:t AS regclass)), pg_indexes_size(CAST(:t AS regclass))"),
                    {"t": table},
                )
            ).one()
            rows.append(
                Row(
                    f"size of {table} (MB, table)",
                    size[0] / 1e6,
                    "MB",
                    "-",
                    None,
                    note=f"indexes {size[1] / 1e6:.0f} MB",
                )
            )
    await engine.dispose()
    return rows


def _run() -> list[Row]:
    from bench import dashboard_bench, export_bench
    from bench.service_bench import _pg_admin, _pg_exec, _prepare

    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores here; above 2 the figures are slowed)")
    name = f"phoqr_bench_national_{uuid.uuid4().hex[:6]}"
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
    url = make_url(_pg_admin()).set(database=name).render_as_string(hide_password=False)
    rows: list[Row] = []
    try:
        asyncio.run(_prepare(url))
        start = time.perf_counter()
        street = asyncio.run(_fill(url, SHOPS))
        rows.append(
            Row(
                f"fill {SHOPS:,} shops + counters + 365 days of history (s)",
                time.perf_counter() - start,
                "s",
                "-",
                None,
            )
        )
        rows += asyncio.run(_api(url, SHOPS, street))
        dashboard_bench.N = SHOPS
        rows += asyncio.run(dashboard_bench._measure(url, street))
        os.environ["PHOQR_BENCH_EXPORT_NAIVE"] = "0"
        export_bench.NAIVE = False
        rows += export_bench._rows(url, "postgresql", SHOPS // BANK_EVERY, naive_xlsx=False)
        rows += asyncio.run(_outbox(url))
        rows += asyncio.run(_sizes(url))
    finally:
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return rows


def run() -> list[Row]:
    return _run()


if __name__ == "__main__":
    from bench.common import print_table

    print_table(run())
