from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.merchants.models import Merchant
from tests.app.imports.books import UNIT, csv_bytes, shop, xlsx

Auth = Callable[[str], Awaitable[dict[str, str]]]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def upload(
    client: httpx.AsyncClient,
    h: dict[str, str],
    data: bytes,
    *,
    name: str = "shops.xlsx",
    key: str | None = None,
    **params: object,
) -> httpx.Response:
    headers = h | {"Idempotency-Key": key or str(uuid.uuid4())}
    q = {"unit": UNIT} | {k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()}
    return await client.post("/api/v1/imports", params=q, files={"file": (name, data)}, headers=headers)


async def count(session: AsyncSession, prefix: str = "Tạp hóa Số") -> int:
    stmt = select(func.count()).select_from(Merchant).where(Merchant.name.startswith(prefix))  # type: ignore[attr-defined]
    return int((await session.execute(stmt)).scalar_one())


async def test_an_xlsx_imports_every_row_pending_review(
    client: httpx.AsyncClient, auth: Auth, session: AsyncSession
) -> None:
    h = await auth("officer.vungtau")
    r = await upload(client, h, xlsx([shop(i) for i in range(1, 6)]))
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["status"], body["rows_total"], body["rows_ok"], body["created"], body["errors_total"]) == (
        "done",
        5,
        5,
        5,
        0,
    )
    assert await count(session) == 5


async def test_a_dry_run_writes_nothing(client: httpx.AsyncClient, auth: Auth, session: AsyncSession) -> None:
    h = await auth("officer.vungtau")
    r = await upload(client, h, csv_bytes([shop(i) for i in range(1, 4)]), name="shops.csv", dry_run=True)
    assert r.status_code == 201, r.text
    assert (r.json()["rows_ok"], r.json()["created"]) == (3, 0)
    assert await count(session) == 0
