"""Spreadsheet import of 5,000 shops on PostgreSQL (goals: dry run <= 5 s, import <= 10 s), beside the same
number of shops sent as 10 POST /sync batches of 500 in the same run; and the reader's peak memory for 5,000
and 20,000 rows (flat: read-only openpyxl streams the rows).

PostgreSQL: PHOQR_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres); a scratch
database is created and dropped.
"""

from __future__ import annotations

import asyncio
import io
import time
import tracemalloc
import uuid
from datetime import timedelta

import httpx
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.core.config import Settings
from app.core.security import encode_token
from app.imports import reading
from app.imports.columns import BY_FIELD
from app.main import create_app
from bench.common import Row
from bench.service_bench import SECRET, _shop, scratch_database

DRY_TARGET_S, IMPORT_TARGET_S = 5.0, 10.0
ROWS = 5_000
FIELDS = [
    "name",
    "category",
    "owner_name",
    "phone",
    "house_number",
    "street",
    "payment_account.bank_bin",
    "payment_account.account_number",
    "payment_account.account_name",
]


def workbook(n: int, offset: int = 0) -> bytes:
    book = Workbook(write_only=True)
    ws = book.create_sheet("Shops")
    ws.append([BY_FIELD[f].header for f in FIELDS])
    for i in range(offset, offset + n):
        ws.append(
            [
                f"Tạp hóa Nhập {i}",
                "grocery",
                f"Trần Thị {i}",
                300000000 + i,
                str(i % 300),
                "Ba Cu",
                "VCB",
                f"2{i:011d}",
                f"TRAN THI {i}",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def reader_peak_mb(n: int) -> float:
    data = workbook(n)
    tracemalloc.start()
    for _ in reading.read(data).rows:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


async def _timed(url: str) -> list[Row]:
    settings = Settings(environment="test", database_url=url, jwt_secret=SECRET, import_background_rows=10**9)
    application = create_app(settings)
    rows: list[Row] = []
    async with application.router.lifespan_context(application):
        async with AsyncSession(application.state.engine) as s:
            users = dict((await s.execute(select(User.username, User.id))).tuples().all())

        def headers(user: str) -> dict[str, str]:
            token, _ = encode_token(settings, str(users[user]), "access", ttl=timedelta(hours=1))
            return {"Authorization": f"Bearer {token}"}

        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://b", timeout=600) as c:
            data = workbook(ROWS)
            timings = {}
            for dry in (True, False):
                start = time.perf_counter()
                r = await c.post(
                    "/api/v1/imports",
                    params={"unit": "2025:26506", "dry_run": str(dry).lower()},
                    files={"file": ("shops.xlsx", data)},
                    headers=headers("officer.vungtau") | {"Idempotency-Key": str(uuid.uuid4())},
                )
                timings[dry] = time.perf_counter() - start
                body = r.json()
                assert r.status_code == 201 and body["errors_total"] == 0, (r.status_code, body.get("errors", body)[:3])
                assert body["created"] == (0 if dry else ROWS)
            start = time.perf_counter()
            for batch in range(10):
                ops = [
                    {"op_id": str(uuid.uuid4()), "type": "upsert_merchant", "payload": _shop(10_000 + batch * 500 + i)}
                    for i in range(500)
                ]
                r = await c.post(
                    "/api/v1/sync", json={"device_id": "bench", "operations": ops}, headers=headers("agent.vungtau")
                )
                assert r.status_code == 200
            sync = time.perf_counter() - start
    rows.append(
        Row(
            f"postgresql: import dry run, {ROWS:,} rows (s)",
            timings[True],
            "s",
            "10 x /sync of 500",
            sync,
            DRY_TARGET_S,
        )
    )
    rows.append(
        Row(f"postgresql: import, {ROWS:,} rows (s)", timings[False], "s", "10 x /sync of 500", sync, IMPORT_TARGET_S)
    )
    return rows


async def _run() -> list[Row]:
    small, large = reader_peak_mb(ROWS), reader_peak_mb(4 * ROWS)
    rows = [
        Row(
            "import reader peak memory, 20,000 rows (MB)",
            large,
            "MB",
            "the same at 5,000 rows",
            small,
            None,
            "(goal: flat in the file size)",
        )
    ]
    async with scratch_database("import") as url:
        if url is not None:
            rows += await _timed(url)
    return rows


def run() -> list[Row]:
    return asyncio.run(_run())


if __name__ == "__main__":
    from bench.common import print_table

    print_table(run())
