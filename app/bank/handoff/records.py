"""The bank record: what a bank receives about one of its merchants, and its `record_hash`.

A bank sees a shop only when the shop's payment account (kind `account` or `card`) is at the bank's BIN and
the owner has an active `bank_onboarding` consent for that BIN (`repository.visible_records_query`, the one
definition). Closed shops stay visible (status `closed`).

Interfaces (other modules build webhook payloads, the feed, files and reconciliation with these):

    async def load_bank_records(
        session, bank_bin: str, merchant_ids: Iterable[str] | None = None, *,
        unit: tuple[str, str] | None = None,        # ("2025", "26506") or ("2020", "26509")
        street_id: int | None = None,
        after: str | None = None,                   # keyset: merchant ids greater than this
        limit: int | None = None,
    ) -> list[dict]                                 # records ordered by merchant_id, each with record_hash

    async def iter_bank_records(session, bank_bin, *, unit=None, street_id=None, page=2000) -> AsyncIterator[dict]
        # every record, fetched page by page (flat memory), ordered by merchant_id

    async def bank_record(session, merchant_id: str, bank_bin: str | None = None) -> tuple[str | None, dict | None]
        # (BIN of the shop's current bank account or None, the record that bank sees or None when not visible);
        # with bank_bin: the record as that bank sees it (None when the shop is not visible to it)

    def record_hash(record: Mapping) -> str     # lowercase hex SHA-256 of RFC 8785 JSON, without record_hash
        # (RFC 8785 by handoff.jcs: checked byte for byte against the `rfc8785` package, which it falls back to)

Record shape (API.md, "What a bank reads"); times are UTC `YYYY-MM-DDTHH:MM:SSZ`, units `{"edition","code"}`:
    {"merchant_id","version","name","category","owner_name","phone",
     "address":{"house_number","street","street_id","unit_2025","unit_2020"},
     "location":{"lat","lon","accuracy_m"}|null,
     "payment_account":{"bank_bin","account_number","account_name","kind"},
     "qr":{"payload","sticker_code","issued_at"}|null, "status","consent_id",
     "tax_code"?,"business_registration_number"?,"einvoice_method"?, "record_hash"}
The household-business fields (HOUSEHOLD) are in the record only when the shop has them: a record without
them hashes as it did before they existed, so no bank's stored record_hash changes under it. The tax code
leaves PhoQR nowhere else (not in the ward's files, logs or audit).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.bank.handoff import jcs
from app.bank.handoff.repository import BANK_KINDS, HandoffRepository
from app.core.events import ShopChanged

HOUSEHOLD = ("tax_code", "business_registration_number", "einvoice_method")


def iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:  # stored as UTC; some drivers hand it back naive
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def record_hash(record: Mapping[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k != "record_hash"}
    return hashlib.sha256(jcs.dumps_record(body)).hexdigest()


def build_record(row: Any) -> dict[str, Any]:
    """One row of `visible_records_query` (plain columns, so long exports never fill the identity map)."""
    record: dict[str, Any] = {
        "merchant_id": row.id,
        "version": row.version,
        "name": row.name,
        "category": row.category,
        "owner_name": row.owner_name,
        "phone": row.phone,
        "address": {
            "house_number": row.house_number,
            "street": row.street_name,
            "street_id": row.street_id,
            "unit_2025": {"edition": "2025", "code": row.unit_code},
            "unit_2020": {"edition": "2020", "code": row.unit_code_2020} if row.unit_code_2020 else None,
        },
        "location": {"lat": row.lat, "lon": row.lon, "accuracy_m": row.accuracy_m}
        if row.lat is not None and row.lon is not None
        else None,
        "payment_account": {
            "bank_bin": row.bank_bin,
            "account_number": row.account_number,
            "account_name": row.account_name,
            "kind": row.kind,
        },
        "qr": {"payload": row.qr_payload, "sticker_code": row.qr_sticker_code, "issued_at": iso(row.qr_issued_at)}
        if row.qr_payload is not None
        else None,
        "status": row.status,
        "consent_id": row.consent_id,
    }
    record.update((name, getattr(row, name)) for name in HOUSEHOLD if getattr(row, name) is not None)
    record["record_hash"] = record_hash(record)
    return record


async def load_bank_records(
    session: AsyncSession,
    bank_bin: str,
    merchant_ids: Iterable[str] | None = None,
    *,
    unit: tuple[str, str] | None = None,
    street_id: int | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    ids = None if merchant_ids is None else sorted(set(merchant_ids))
    if ids == []:
        return []
    rows = await HandoffRepository(session).record_rows(
        bank_bin, ids, unit=unit, street_id=street_id, after=after, limit=limit
    )
    return [build_record(row) for row in rows]


async def iter_bank_records(
    session: AsyncSession,
    bank_bin: str,
    *,
    unit: tuple[str, str] | None = None,
    street_id: int | None = None,
    page: int = 2000,
) -> AsyncIterator[dict[str, Any]]:
    after: str | None = None
    while True:
        batch = await load_bank_records(session, bank_bin, unit=unit, street_id=street_id, after=after, limit=page)
        for record in batch:
            yield record
        if len(batch) < page:
            return
        after = batch[-1]["merchant_id"]


async def bank_record(
    session: AsyncSession, merchant_id: str, bank_bin: str | None = None, *, new_shop: bool = False
) -> tuple[str | None, dict[str, Any] | None]:
    """The shop's current bank (a bank account's BIN) and the record `bank_bin` (default: that bank) may see.

    `new_shop`: registered in this transaction and announced before any consent was given (`finish_creates` runs
    before `consents.give`): no bank may see it yet, so the record is None without the query."""
    account = await HandoffRepository(session).account(merchant_id)
    current_bin = account.bank_bin if account is not None and account.kind in BANK_KINDS else None
    wanted = bank_bin or current_bin
    if wanted is None or new_shop:
        return current_bin, None
    records = await load_bank_records(session, wanted, [merchant_id])
    return current_bin, (records[0] if records else None)


_RECORD = "bank.record"


async def event_record(session: AsyncSession, event: ShopChanged) -> tuple[str | None, dict[str, Any] | None]:
    """`bank_record` of the shop as `event` left it, read once whichever subscriber asks first."""
    if _RECORD not in event.memo:
        event.memo[_RECORD] = await bank_record(session, event.merchant_id, new_shop=event.is_new_shop)
    found: tuple[str | None, dict[str, Any] | None] = event.memo[_RECORD]
    return found


async def event_records(session: AsyncSession, events: list[ShopChanged]) -> None:
    """`event_record` of several events of distinct shops, the missing ones read in bulk into each event's memo."""
    missing = [e for e in events if _RECORD not in e.memo]
    if missing:
        new = {e.merchant_id for e in missing if e.is_new_shop}
        records = await bank_records_many(session, [e.merchant_id for e in missing], new_shops=new)
        for e in missing:
            e.memo[_RECORD] = records[e.merchant_id]


async def bank_records_many(
    session: AsyncSession, merchant_ids: list[str], *, new_shops: Collection[str] = ()
) -> dict[str, tuple[str | None, dict[str, Any] | None]]:
    """`bank_record(session, id, new_shop=id in new_shops)` of several shops: one account query, one record query
    per bank involved."""
    accounts = {a.merchant_id: a for a in await HandoffRepository(session).accounts(merchant_ids)}
    bins = {
        i: (a.bank_bin if a is not None and a.kind in BANK_KINDS else None)
        for i, a in ((i, accounts.get(i)) for i in merchant_ids)
    }
    found: dict[str, dict[str, Any]] = {}
    for bank_bin in sorted({b for b in bins.values() if b}):
        ids = [i for i, b in bins.items() if b == bank_bin and i not in new_shops]
        for record in await load_bank_records(session, bank_bin, ids):
            found[record["merchant_id"]] = record
    return {i: (bins[i], found.get(i) if bins[i] else None) for i in merchant_ids}
