"""The bank outbox: every shop change writes the events its bank must hear, in the change's own transaction.

Subscribed to `ShopChanged` (`register()`, called from app.subscribers). For each change:

- the shop's bank (BIN of its current `account`/`card` payment account) gets an event only while the owner's
  consent for that bank is active (`app.bank.records.bank_record` answers both questions). The first time a
  bank may see the shop (or again after a withdrawal) it gets `merchant.created`; afterwards, when its record
  changed: `qr.issued` / `qr.revoked` for QR changes, `merchant.closed` when the shop closed, otherwise
  `merchant.updated`. A change that leaves the bank's record as it was (same `record_hash`) writes nothing.
- a bank that holds the shop (its last event was not a withdrawal) but may no longer see it, because the consent
  was withdrawn or because the account moved to another bank, gets `merchant.consent_withdrawn` carrying only
  `{"merchant_id"}`. The type means "this shop is no longer yours to hold": no personal data, and not even
  which bank the shop went to.

`seq` is gapless per bank: an upsert on `bank_event_counter` in the same transaction (the row lock orders
concurrent writers; a rollback returns the number). Webhook deliveries for the event are fanned out to the
bank's active endpoints here too, so the dispatcher never has to discover events.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.bank.events_models import BankEvent, BankEventCounter, WebhookDelivery, WebhookEndpoint
from app.bank.records import event_record, event_records, iso
from app.bank.withdrawn import stop_copies
from app.core.db import utcnow
from app.core.events import ShopChanged, subscribe

SUBSCRIBER = "bank.outbox"
EVENT_TYPES = (
    "merchant.created",
    "merchant.updated",
    "merchant.closed",
    "merchant.consent_withdrawn",
    "qr.issued",
    "qr.revoked",
)
WITHDRAWN = "merchant.consent_withdrawn"
_QR_TYPES = {"qr.issue": "qr.issued", "qr.existing": "qr.issued", "qr.revoke": "qr.revoked"}


async def next_seq(session: AsyncSession, bank_bin: str) -> int:
    """The bank's next sequence number, taken under the counter row's lock until this transaction ends."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = BankEventCounter.__table__  # type: ignore[attr-defined]  # SQLModel sets __table__; its stubs do not say
    stmt = (
        insert(table)
        .values(bank_bin=bank_bin, last_seq=1)
        .on_conflict_do_update(index_elements=["bank_bin"], set_={"last_seq": table.c.last_seq + 1})
        .returning(table.c.last_seq)
    )
    return int((await session.execute(stmt)).scalar_one())


async def banks_holding(session: AsyncSession, merchant_id: str) -> dict[str, str | None]:
    """BIN -> record_hash last sent, for every bank whose last event about the shop was not a withdrawal."""
    last = (
        select(col(BankEvent.bank_bin), func.max(col(BankEvent.seq)).label("seq"))
        .where(col(BankEvent.merchant_id) == merchant_id)
        .group_by(col(BankEvent.bank_bin))
        .subquery()
    )
    rows = await session.execute(
        select(col(BankEvent.bank_bin), col(BankEvent.type), col(BankEvent.record_hash)).join(
            last, (col(BankEvent.bank_bin) == last.c.bank_bin) & (col(BankEvent.seq) == last.c.seq)
        )
    )
    return {bin_: digest for bin_, type_, digest in rows if type_ != WITHDRAWN}


async def append(session: AsyncSession, bank_bin: str, type_: str, merchant_id: str, data: dict[str, Any]) -> BankEvent:
    """Write one event to the bank's feed and owe it to each of the bank's endpoints that wants this type."""
    now = utcnow()
    event = BankEvent(
        id=str(uuid.uuid4()),
        bank_bin=bank_bin,
        seq=await next_seq(session, bank_bin),
        type=type_,
        merchant_id=merchant_id,
        occurred_at=now,
        data=data,
        record_hash=data.get("record_hash") if type_ != WITHDRAWN else None,
    )
    session.add(event)
    if type_ == WITHDRAWN:  # the bank's earlier copies of the shop stop here (app.bank.withdrawn)
        await stop_copies(session, bank_bin, merchant_id)
    endpoints = await session.execute(
        select(col(WebhookEndpoint.id), col(WebhookEndpoint.event_types)).where(
            col(WebhookEndpoint.bank_bin) == bank_bin, col(WebhookEndpoint.status) == "active"
        )
    )
    for endpoint_id, types in endpoints:
        if type_ in types:
            session.add(
                WebhookDelivery(
                    id=str(uuid.uuid4()),
                    endpoint_id=endpoint_id,
                    event_id=event.id,
                    bank_bin=bank_bin,
                    next_attempt_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
    await session.flush()
    return event


def _change_type(action: str, record: dict[str, Any], before: Any) -> str:
    if action in _QR_TYPES:
        return _QR_TYPES[action]
    was_closed = bool(before) and before.get("status") == "closed"
    if record.get("status") == "closed" and not was_closed:
        return "merchant.closed"
    return "merchant.updated"


async def on_shop_changed(session: AsyncSession, event: ShopChanged) -> None:
    current_bin, record = await event_record(session, event)
    if record is None and event.is_new_shop:
        return  # no bank may see it and none can hold it yet: nothing to send or withdraw
    held = {} if event.is_new_shop else await banks_holding(session, event.merchant_id)
    await _react(session, event, current_bin, record, held)


async def on_shops_changed(session: AsyncSession, events: list[ShopChanged]) -> None:
    """`on_shop_changed` for distinct shops at once (a sync batch): the records and held hashes in bulk."""
    await event_records(session, events)
    old = [e.merchant_id for e in events if not e.is_new_shop]
    held = await banks_holding_many(session, old) if old else {}
    for event in events:
        current_bin, record = await event_record(session, event)  # read in bulk above
        await _react(session, event, current_bin, record, held.get(event.merchant_id, {}))


async def banks_holding_many(session: AsyncSession, merchant_ids: list[str]) -> dict[str, dict[str, str | None]]:
    """`banks_holding` of several shops in one query."""
    last = (
        select(col(BankEvent.merchant_id), col(BankEvent.bank_bin), func.max(col(BankEvent.seq)).label("seq"))
        .where(col(BankEvent.merchant_id).in_(merchant_ids))
        .group_by(col(BankEvent.merchant_id), col(BankEvent.bank_bin))
        .subquery()
    )
    rows = await session.execute(
        select(col(BankEvent.merchant_id), col(BankEvent.bank_bin), col(BankEvent.type), col(BankEvent.record_hash))
        .join(last, (col(BankEvent.bank_bin) == last.c.bank_bin) & (col(BankEvent.seq) == last.c.seq))
        .where(col(BankEvent.merchant_id) == last.c.merchant_id)
    )
    out: dict[str, dict[str, str | None]] = {}
    for merchant_id, bin_, type_, digest in rows:
        if type_ != WITHDRAWN:
            out.setdefault(merchant_id, {})[bin_] = digest
    return out


async def _react(
    session: AsyncSession,
    event: ShopChanged,
    current_bin: str | None,
    record: dict[str, Any] | None,
    held: dict[str, str | None],
) -> None:
    for bank_bin in sorted(held):
        if record is None or bank_bin != current_bin:
            await append(session, bank_bin, WITHDRAWN, event.merchant_id, {"merchant_id": event.merchant_id})
    if record is None or current_bin is None:
        return
    if current_bin not in held:
        await append(session, current_bin, "merchant.created", event.merchant_id, record)
    elif held[current_bin] != record["record_hash"]:
        before = event.before if isinstance(event.before, dict) else None
        await append(session, current_bin, _change_type(event.action, record, before), event.merchant_id, record)


def feed_item(e: BankEvent, *, redacted: bool = False) -> dict[str, Any]:
    """An event as the feed and the webhook body show it; a withdrawn one (app.bank.withdrawn) as its shop id."""
    data = {"merchant_id": e.merchant_id} if redacted else e.data
    return {"id": e.id, "seq": e.seq, "type": e.type, "occurred_at": iso(e.occurred_at), "data": data}


def register() -> None:
    subscribe(SUBSCRIBER, on_shop_changed, many=on_shops_changed)


__all__ = ["EVENT_TYPES", "append", "banks_holding", "feed_item", "next_seq", "on_shop_changed", "register"]
