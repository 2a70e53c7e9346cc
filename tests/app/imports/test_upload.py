from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditLog
from app.bank.outbox.models import BankEvent
from app.core import events
from app.core.events import ShopChanged
from app.coverage.models import CoverageCounter
from app.merchants.models import Merchant
from tests.app.imports.books import FIELDS, UNIT, csv_bytes, shop, xlsx

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


async def _told(session: AsyncSession) -> tuple[int, int, int]:
    """(bank events, audit rows, shops counted by coverage): what a change tells the rest of the service."""
    events = (await session.execute(select(func.count()).select_from(BankEvent))).scalar_one()
    audits = (await session.execute(select(func.count()).select_from(AuditLog))).scalar_one()
    counted = (await session.execute(select(func.coalesce(func.sum(CoverageCounter.shops), 0)))).scalar_one()
    return int(events), int(audits), int(counted)


async def test_a_dry_run_finds_what_the_real_run_finds_and_publishes_no_change(
    client: httpx.AsyncClient, auth: Auth, session: AsyncSession
) -> None:
    """The dry run is a rehearsal: the same rows written and rolled back, so the same errors, but no `ShopChanged`
    reaches a subscriber (bank outbox, coverage, account-name checks) and nothing is left behind."""
    seen: list[str] = []

    async def spy(_session: AsyncSession, event: ShopChanged) -> None:
        seen.append(event.merchant_id)

    async def spy_many(_session: AsyncSession, batch: list[ShopChanged]) -> None:
        seen.extend(e.merchant_id for e in batch)

    events.subscribe("test.spy", spy, many=spy_many)
    try:
        h = await auth("officer.vungtau")
        fields = [*FIELDS, "consent.agreed", "consent.text_version"]
        rows = [shop(i) | {"consent.agreed": "Có", "consent.text_version": 1} for i in range(1, 4)]
        rows.append(shop(9, phone=shop(2)["phone"]))  # the phone of row 3 again
        data = xlsx(rows, fields)
        before = await _told(session)
        dry = await upload(client, h, data, dry_run=True, mode="valid_rows")
        assert dry.status_code == 201, dry.text
        assert seen == []
        assert await _told(session) == before  # no bank event, no audit row, no coverage delta
        real = await upload(client, h, data, mode="valid_rows")
        assert real.status_code == 201, real.text
        assert len(set(seen)) == 3
    finally:
        events.unsubscribe("test.spy")

    def found(r: httpx.Response) -> list[tuple[int, str, str]]:
        return [(e["row"], e["field"], e["code"]) for e in r.json()["errors"]]

    assert found(dry) == found(real) == [(5, "phone", "duplicate_in_file")]
    assert dry.json()["rows_ok"] == real.json()["rows_ok"] == 3
    events_n, audits, counted = await _told(session)
    # the real run told the bank (consent on every shop), wrote the audit rows and counted the shops
    assert events_n >= before[0] + 3 and audits >= before[1] + 3 and counted == before[2] + 3


async def test_every_problem_of_a_row_is_shown_at_once(client: httpx.AsyncClient, auth: Auth) -> None:
    """A street not found does not hide the phone that is not a phone, nor the bank not found its account."""
    h = await auth("officer.vungtau")
    row = shop(1, street="Phố Không Có", phone="12345")
    row2 = shop(2, **{"payment_account.bank_bin": "NGANHANGX"})
    r = await upload(client, h, csv_bytes([row, row2]), name="shops.csv", dry_run=True, mode="valid_rows")
    assert r.status_code == 201, r.text
    found = sorted((e["row"], e["field"], e["code"]) for e in r.json()["errors"])
    assert [f[:2] for f in found] == [(2, "phone"), (2, "street"), (3, "payment_account.bank_bin")]
    assert (found[1][2], found[2][2]) == ("street_not_found", "bank_not_found")
