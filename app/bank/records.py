"""The bank record: what a bank receives about one of its merchants, and its `record_hash`.

A bank sees a shop only when the shop's payment account (kind `account` or `card`) is at the bank's BIN and
the owner has an active `bank_onboarding` consent for that BIN. Closed shops stay visible (status `closed`).

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
        # (RFC 8785 by app.bank.jcs: checked byte for byte against the `rfc8785` package, which it falls back to)

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
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.bank import jcs
from app.consents.models import PURPOSE_BANK_ONBOARDING, Consent
from app.core.events import ShopChanged
from app.merchants.models import Merchant, PaymentAccount
from app.qrcodes.models import QRCode
from app.streets.models import Street

BANK_KINDS = ("account", "card")
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


def visible_records_query(bank_bin: str) -> Select[*tuple[Any, ...]]:
    """Shops the bank may see, with everything its record needs, in one query."""
    return (
        select(
            col(Merchant.id),
            col(Merchant.version),
            col(Merchant.name),
            col(Merchant.category),
            col(Merchant.owner_name),
            col(Merchant.phone),
            col(Merchant.house_number),
            col(Merchant.street_id),
            col(Merchant.unit_code),
            col(Merchant.unit_code_2020),
            col(Merchant.lat),
            col(Merchant.lon),
            col(Merchant.accuracy_m),
            col(Merchant.status),
            col(Merchant.tax_code),
            col(Merchant.business_registration_number),
            col(Merchant.einvoice_method),
            col(PaymentAccount.bank_bin),
            col(PaymentAccount.account_number),
            col(PaymentAccount.account_name),
            col(PaymentAccount.kind),
            col(Consent.id).label("consent_id"),
            col(Street.name).label("street_name"),
            col(QRCode.payload).label("qr_payload"),
            col(QRCode.sticker_code).label("qr_sticker_code"),
            col(QRCode.issued_at).label("qr_issued_at"),
        )
        .join(PaymentAccount, col(PaymentAccount.merchant_id) == col(Merchant.id))
        .join(
            Consent,
            and_(
                col(Consent.merchant_id) == col(Merchant.id),
                col(Consent.bank_bin) == col(PaymentAccount.bank_bin),
                col(Consent.purpose) == PURPOSE_BANK_ONBOARDING,
                col(Consent.active_key).is_not(None),
            ),
        )
        .outerjoin(Street, col(Street.id) == col(Merchant.street_id))
        .outerjoin(QRCode, col(QRCode.active_for) == col(Merchant.id))
        .where(
            col(PaymentAccount.bank_bin) == bank_bin,
            col(PaymentAccount.kind).in_(BANK_KINDS),
            col(PaymentAccount.account_number).is_not(None),
        )
    )


def visible_ids_query(bank_bin: str) -> Select[Any]:
    """Ids of the shops a bank may see (for scope filters elsewhere, e.g. GET /merchants)."""
    return (
        select(col(PaymentAccount.merchant_id))
        .join(
            Consent,
            and_(
                col(Consent.merchant_id) == col(PaymentAccount.merchant_id),
                col(Consent.bank_bin) == col(PaymentAccount.bank_bin),
                col(Consent.purpose) == PURPOSE_BANK_ONBOARDING,
                col(Consent.active_key).is_not(None),
            ),
        )
        .where(
            col(PaymentAccount.bank_bin) == bank_bin,
            col(PaymentAccount.kind).in_(BANK_KINDS),
            col(PaymentAccount.account_number).is_not(None),
        )
    )


def narrowed(stmt: Select[Any], unit: tuple[str, str] | None, street_id: int | None) -> Select[Any]:
    """`visible_records_query` limited to one unit (either edition) and/or one street."""
    if unit is not None:
        column = col(Merchant.unit_code) if unit[0] == "2025" else col(Merchant.unit_code_2020)
        stmt = stmt.where(column == unit[1])
    if street_id is not None:
        stmt = stmt.where(col(Merchant.street_id) == street_id)
    return stmt


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
    stmt = visible_records_query(bank_bin)
    if merchant_ids is not None:
        ids = sorted(set(merchant_ids))
        if not ids:
            return []
        # the ids drive every join (the merchant, account and consent primary or merchant indexes), whatever the
        # planner believes of the bank's size: with stale statistics it scanned merchants once per account
        stmt = stmt.where(
            col(Merchant.id).in_(ids), col(PaymentAccount.merchant_id).in_(ids), col(Consent.merchant_id).in_(ids)
        )
    stmt = narrowed(stmt, unit, street_id)
    if after is not None:
        # the bound on every joined table too: the planner merges the three by merchant id but does not carry
        # `merchant.id > after` over the join, so each page read the accounts and consents from the start
        # (1.4 s a page at 1,000,000 shops, the whole export quadratic); bounded, 15 ms a page
        stmt = stmt.where(
            col(Merchant.id) > after, col(PaymentAccount.merchant_id) > after, col(Consent.merchant_id) > after
        )
    stmt = stmt.order_by(col(Merchant.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [build_record(row) for row in (await session.execute(stmt)).all()]


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
    session: AsyncSession, merchant_id: str, bank_bin: str | None = None
) -> tuple[str | None, dict[str, Any] | None]:
    account = await session.get(PaymentAccount, merchant_id)
    current_bin = account.bank_bin if account is not None and account.kind in BANK_KINDS else None
    wanted = bank_bin or current_bin
    if wanted is None:
        return current_bin, None
    records = await load_bank_records(session, wanted, [merchant_id])
    return current_bin, (records[0] if records else None)


_RECORD = "bank.record"


async def event_record(session: AsyncSession, event: ShopChanged) -> tuple[str | None, dict[str, Any] | None]:
    """`bank_record` of the shop as `event` left it, read once whichever subscriber asks first."""
    if _RECORD not in event.memo:
        event.memo[_RECORD] = await bank_record(session, event.merchant_id)
    found: tuple[str | None, dict[str, Any] | None] = event.memo[_RECORD]
    return found


async def event_records(session: AsyncSession, events: list[ShopChanged]) -> None:
    """`event_record` of several events of distinct shops, the missing ones read in bulk into each event's memo."""
    missing = [e for e in events if _RECORD not in e.memo]
    if missing:
        records = await bank_records_many(session, [e.merchant_id for e in missing])
        for e in missing:
            e.memo[_RECORD] = records[e.merchant_id]


async def bank_records_many(
    session: AsyncSession, merchant_ids: list[str]
) -> dict[str, tuple[str | None, dict[str, Any] | None]]:
    """`bank_record(session, id)` of several shops: one account query, one record query per bank involved."""
    rows = await session.execute(select(PaymentAccount).where(col(PaymentAccount.merchant_id).in_(merchant_ids)))
    accounts = {a.merchant_id: a for a in rows.scalars()}
    bins = {
        i: (a.bank_bin if a is not None and a.kind in BANK_KINDS else None)
        for i, a in ((i, accounts.get(i)) for i in merchant_ids)
    }
    found: dict[str, dict[str, Any]] = {}
    for bank_bin in sorted({b for b in bins.values() if b}):
        for record in await load_bank_records(session, bank_bin, [i for i, b in bins.items() if b == bank_bin]):
            found[record["merchant_id"]] = record
    return {i: (bins[i], found.get(i) if bins[i] else None) for i in merchant_ids}
