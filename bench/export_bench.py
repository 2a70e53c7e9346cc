"""The bank's CSV and XLSX exports at 100,000 (and 1,000,000) consented shops: seconds and peak memory, each
beside the naive way measured in the same run (load every record, build the whole file in memory).

Each figure runs in a child process of its own, which reports its wall time and how far its peak RSS rose above
what it used just before the export started: "flat memory" means that number does not grow with the count.
The exporters are driven exactly as the HTTP endpoints drive them (the CSV and XLSX generators, chunk by chunk),
with every byte consumed and counted. The naive XLSX is xlsxwriter building the whole workbook in memory.

Databases: a scratch SQLite file (100,000) and a scratch PostgreSQL database (PHOQR_BENCH_POSTGRES_URL, default
the local server; created and dropped). 1,000,000 runs on PostgreSQL only, and only with PHOQR_BENCH_EXPORT_1M=1
(the fill and the two exports take several minutes); the naive XLSX is not attempted at 1,000,000 (it needs
gigabytes), the naive CSV is.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bench.common import Row

ACCOUNT_BIN = "970436"
MODES = ("csv", "xlsx", "naive_csv", "naive_xlsx")


_PG_FILL = (
    """
    INSERT INTO merchant (id, name, name_search, category, owner_name, house_number, status, review_state,
                          search_text, has_qr, version, unit_code, street_id, lat, lon, created_at, updated_at)
    SELECT md5('m' || g::text)::uuid::text, 'Tạp hóa số ' || g, 'tap hoa so ' || g,
           (ARRAY['grocery','cafe','eatery','restaurant','market_stall'])[1 + g % 5],
           'Nguyễn Thị ' || g, (g % 300)::text, 'active', 'pending', 'tap hoa so ' || g, false, 1,
           (CAST(:codes AS text[]))[1 + g % :k], (CAST(:streets AS int[]))[1 + g % :k],
           10.34 + (g % 1000) / 100000.0, 107.08 + (g % 997) / 100000.0, now(), now()
    FROM generate_series(CAST(:a AS int), CAST(:b AS int)) AS g
    """,
    """
    INSERT INTO payment_account (merchant_id, kind, bank_bin, account_number, account_name, active_key, updated_at)
    SELECT md5('m' || g::text)::uuid::text, 'account', CAST(:bin AS text), lpad(g::text, 13, '0'), 'NGUYEN THI ' || g,
           CAST(:bin AS text) || ':' || lpad(g::text, 13, '0'), now()
    FROM generate_series(CAST(:a AS int), CAST(:b AS int)) AS g
    """,
    """
    INSERT INTO consent (id, merchant_id, bank_bin, purpose, text_version, text_sha256, channel, given_by_name,
                         given_at, recorded_at, active_key)
    SELECT md5('c' || g::text)::uuid::text, md5('m' || g::text)::uuid::text, CAST(:bin AS text),
           'bank_onboarding', 1, :sha, 'paper_form', 'Nguyễn Thị ' || g, now(), now(),
           md5('m' || g::text)::uuid::text || ':' || CAST(:bin AS text) || '\\:bank_onboarding'
    FROM generate_series(CAST(:a AS int), CAST(:b AS int)) AS g
    """,
)


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> float:
    """Start counting the peak from now (Linux: writing 5 to clear_refs resets VmHWM); returns the RSS now."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    return _status_mb("VmRSS")


async def _fill(url: str, n: int, start: int) -> None:
    """n more shops at ACCOUNT_BIN, each with an account and an active consent (numbered from `start`)."""
    from app.consents.texts import TEXTS
    from app.core.db import make_engine
    from app.streets.models import StreetUnit

    sha = TEXTS[-1].sha256
    engine = make_engine(url, statement_timeout=3600)  # the fill and a million-row read take long
    async with engine.begin() as conn:
        pairs = (
            await conn.execute(select(StreetUnit.street_id, StreetUnit.code).where(StreetUnit.edition == "2025"))
        ).all()
        if engine.dialect.name == "postgresql":
            for sql in _PG_FILL:
                await conn.execute(
                    text(sql),
                    {
                        "a": start + 1,
                        "b": start + n,
                        "k": len(pairs),
                        "codes": [c for _, c in pairs],
                        "streets": [s for s, _ in pairs],
                        "bin": ACCOUNT_BIN,
                        "sha": sha,
                    },
                )
        else:
            shops, accounts, consents = [], [], []
            for g in range(start + 1, start + n + 1):
                sid, code = pairs[g % len(pairs)]
                mid, number = str(uuid.uuid4()), f"{g:013d}"
                shops.append(
                    {
                        "id": mid,
                        "name": f"Tạp hóa số {g}",
                        "ns": f"tap hoa so {g}",
                        "c": "grocery",
                        "o": f"Nguyễn Thị {g}",
                        "h": str(g % 300),
                        "u": code,
                        "s": sid,
                        "lat": 10.34 + (g % 1000) / 1e5,
                        "lon": 107.08 + (g % 997) / 1e5,
                    }
                )
                accounts.append({"m": mid, "n": number, "an": f"NGUYEN THI {g}", "k": f"{ACCOUNT_BIN}:{number}"})
                consents.append(
                    {
                        "id": str(uuid.uuid4()),
                        "m": mid,
                        "o": f"Nguyễn Thị {g}",
                        "k": f"{mid}:{ACCOUNT_BIN}:bank_onboarding",
                    }
                )
            await conn.execute(
                text(
                    "INSERT INTO merchant (id, name, name_search, category, owner_name, house_number, status, "
                    "review_state, search_text, has_qr, version, unit_code, street_id, lat, lon, created_at, "
                    "updated_at) "
                    "VALUES (:id, :name, :ns, :c, :o, :h, 'active', 'pending', :ns, 0, 1, :u, :s, :lat, :lon, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                shops,
            )
            await conn.execute(
                text(
                    "INSERT INTO payment_account (merchant_id, kind, bank_bin, account_number, account_name, "
                    f"active_key, updated_at) VALUES (:m, 'account', '{ACCOUNT_BIN}', :n, :an, :k, CURRENT_TIMESTAMP)"
                ),
                accounts,
            )
            await conn.execute(
                text(
                    "INSERT INTO consent (id, merchant_id, bank_bin, purpose, text_version, text_sha256, channel, "
                    f"given_by_name, given_at, recorded_at, active_key) VALUES (:id, :m, '{ACCOUNT_BIN}', "
                    f"'bank_onboarding', 1, '{sha}', 'paper_form', :o, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :k)"
                ),
                consents,
            )
    # bulk rows skip ShopChanged, hence the outbox's stored view (app.bank.handoff.view): rebuilt from the shops
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.bank.handoff import view

    async with AsyncSession(engine) as session:
        await view.rebuild(session)
        await session.commit()
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).exec_driver_sql("VACUUM ANALYZE")
    await engine.dispose()


async def _child(url: str, mode: str) -> dict[str, float]:
    """One export in this (fresh) process: seconds, bytes, and the rise of peak RSS during the export."""
    from sqlalchemy.ext.asyncio import AsyncSession

    import app.models  # noqa: F401
    from app.bank.handoff import exports
    from app.bank.handoff.reconciliation import digests
    from app.bank.handoff.records import load_bank_records
    from app.core.db import make_engine

    engine = make_engine(url, statement_timeout=3600)  # the fill and a million-row read take long
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await session.execute(text("SELECT 1"))
        await session.commit()
        before, size, start = _reset_peak(), 0, time.perf_counter()
        if mode == "csv":  # as the endpoint: one snapshot, then the stream
            await exports.open_snapshot(session)
            async for chunk in exports.csv_stream(session, ACCOUNT_BIN, None, None):
                size += len(chunk)
        elif mode == "xlsx":
            as_of = await exports.open_snapshot(session)
            async for chunk in exports.xlsx_stream(session, ACCOUNT_BIN, as_of, None, None):
                size += len(chunk)
        elif mode == "reconciliation":  # GET /bank/reconciliation's digests
            count, _, _groups = await digests(session, ACCOUNT_BIN, "unit")
            size = count
        else:  # naive: every record in memory, then the whole file in memory
            records = await load_bank_records(session, ACCOUNT_BIN)
            if mode == "naive_csv":
                out = io.StringIO()
                writer = csv.writer(out)
                writer.writerow(exports.COLUMNS)
                writer.writerows(exports.flat_row(r) for r in records)
                size = len(out.getvalue().encode())
            else:
                import xlsxwriter

                buf = io.BytesIO()
                wb = xlsxwriter.Workbook(buf, {"in_memory": True})
                sheet = wb.add_worksheet()
                sheet.write_row(0, 0, exports.COLUMNS)
                for i, r in enumerate(records, start=1):
                    sheet.write_row(i, 0, exports.flat_row(r))
                wb.close()
                size = len(buf.getvalue())
        seconds = time.perf_counter() - start
    await engine.dispose()
    return {"seconds": seconds, "bytes": size, "peak_rise_mb": _status_mb("VmHWM") - before}


def _measure(url: str, mode: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.export_bench", "child", url, mode],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"PHOQR_LOG_LEVEL": "WARNING"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


GOALS = {"csv": 10.0, "xlsx": 30.0}  # seconds at 1,000,000 shops (issue 20)
NAIVE = os.environ.get("PHOQR_BENCH_EXPORT_NAIVE", "1") != "0"  # 0: skip the naive baselines (minutes, GBs)


def _rows(url: str, label: str, n: int, naive_xlsx: bool) -> list[Row]:
    rows: list[Row] = []
    for kind in ("csv", "xlsx"):
        ours = _measure(url, kind)
        naive = _measure(url, f"naive_{kind}") if NAIVE and (kind == "csv" or naive_xlsx) else None
        base_name = f"naive: all records + whole {kind.upper()} in memory"
        note = f"{ours['bytes'] / 1e6:.0f} MB file"
        rows.append(
            Row(
                f"{label}: {kind.upper()} export @ {n:,} shops (s)",
                ours["seconds"],
                "s",
                base_name,
                naive["seconds"] if naive else None,
                target=GOALS[kind] if n >= 1_000_000 else None,
                note=note,
            )
        )
        rows.append(
            Row(
                f"{label}: {kind.upper()} export @ {n:,}, peak RSS rise (MB)",
                ours["peak_rise_mb"],
                "MB",
                base_name,
                naive["peak_rise_mb"] if naive else None,
                note="" if naive else "naive not measured (PHOQR_BENCH_EXPORT_NAIVE=0, or gigabytes at this size)",
            )
        )
    digest = _measure(url, "reconciliation")
    rows.append(
        Row(
            f"{label}: reconciliation digests @ {n:,} (s)",
            digest["seconds"],
            "s",
            "-",
            None,
            target=2.0 if n >= 1_000_000 else None,
        )
    )
    return rows


def _pg_admin() -> str:
    url = os.environ.get("PHOQR_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    url = url.replace("postgresql://", "postgresql+asyncpg://", 1)
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


async def _pg_exec(sql: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(_pg_admin(), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.exec_driver_sql(sql)
    await engine.dispose()


async def _prepare(url: str) -> None:
    """A migrated database with the reference data (streets, banks, consent texts)."""
    from sqlalchemy.ext.asyncio import AsyncSession

    import app.models  # noqa: F401
    from app.core.db import make_engine
    from app.core.migrate import upgrade
    from app.seed import seed_reference

    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url, statement_timeout=3600)  # the fill and a million-row read take long
    async with AsyncSession(engine) as s:
        await seed_reference(s)
        await s.commit()
    await engine.dispose()


def _run() -> list[Row]:
    rows: list[Row] = []
    if os.environ.get("PHOQR_BENCH_EXPORT_SQLITE", "1") != "0":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/export.db"
            asyncio.run(_prepare(url))
            asyncio.run(_fill(url, 100_000, 0))
            rows += _rows(url, "sqlite", 100_000, naive_xlsx=True)
    try:
        asyncio.run(_pg_exec("SELECT 1"))
    except Exception as exc:  # no PostgreSQL here: say so, don't pretend
        print(f"PostgreSQL not reachable ({exc.__class__.__name__}): PostgreSQL export figures skipped")
        return rows
    name = f"phoqr_bench_export_{uuid.uuid4().hex[:6]}"
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
    url = make_url(_pg_admin()).set(database=name).render_as_string(hide_password=False)
    try:
        asyncio.run(_prepare(url))
        asyncio.run(_fill(url, 100_000, 0))
        rows += _rows(url, "postgresql", 100_000, naive_xlsx=True)
        if os.environ.get("PHOQR_BENCH_EXPORT_1M") == "1":
            asyncio.run(_fill(url, 900_000, 100_000))
            rows += _rows(url, "postgresql", 1_000_000, naive_xlsx=False)
        else:
            print("1,000,000-shop export figures skipped (set PHOQR_BENCH_EXPORT_1M=1; takes several minutes)")
    finally:
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return rows


def run() -> list[Row]:
    return _run()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "child":
        print(json.dumps(asyncio.run(_child(sys.argv[2], sys.argv[3]))))
    else:
        from bench.common import print_table

        print_table(run())
