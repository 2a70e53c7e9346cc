"""The bank outbox: every shop change writes the events its bank must hear, in the change's own transaction.

Subscribed to `ShopChanged` (`register()`, called from app.subscribers). For each change:

- the shop's bank (BIN of its current `account`/`card` payment account) gets an event only while the owner's
  consent for that bank is active (`app.bank.handoff.records.bank_record` answers both questions). The first time a
  bank may see the shop (or again after a withdrawal) it gets `merchant.created`; afterwards, when its record
  changed: `qr.issued` / `qr.revoked` for QR changes, `merchant.closed` when the shop closed, otherwise
  `merchant.updated`. A change that leaves the bank's record as it was (same `record_hash`) writes nothing.
- a bank that holds the shop (its last event was not a withdrawal) but may no longer see it, because the consent
  was withdrawn or because the account moved to another bank, gets `merchant.consent_withdrawn` carrying only
  `{"merchant_id"}`. The type means "this shop is no longer yours to hold": no personal data, and not even
  which bank the shop went to.

`seq` is gapless per bank: an upsert on `bank_event_counter` in the same transaction (the row lock orders
concurrent writers; a rollback returns the number). The events are numbered and written when the transaction
commits (a `before_commit` hook), so the counter rows are the LAST locks any writer takes, bank by bank in BIN
order, after the shop, consent and coverage rows: writers never wait for each other in opposite orders.
Webhook deliveries for the event are fanned out to the bank's active endpoints then too, so the dispatcher
never has to discover events.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.bank.handoff import view
from app.bank.handoff.records import bank_records_many, event_record, event_records, iso
from app.bank.handoff.repository import HandoffRepository
from app.bank.outbox.models import BankEvent, WebhookDelivery
from app.bank.outbox.repository import OutboxRepository, active_endpoints, stop_copies, take_seqs
from app.core.db import utcnow
from app.core.events import ShopChanged, StreetRenamed, subscribe, subscribe_street

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
PENDING = "bank_outbox_pending"  # session.info: this transaction's events, numbered at commit
_QR_TYPES = {"qr.issue": "qr.issued", "qr.existing": "qr.issued", "qr.revoke": "qr.revoked"}


async def next_seq(session: AsyncSession, bank_bin: str) -> int:
    """The bank's next sequence number, taken under the counter row's lock until this transaction ends."""
    return await OutboxRepository(session).next_seq(bank_bin)


def _pending(session: AsyncSession | Session) -> list[tuple[BankEvent, Any]]:
    """(event, the innermost transaction it was written in): a rolled-back SAVEPOINT takes its events along."""
    found: list[tuple[BankEvent, Any]] = session.info.setdefault(PENDING, [])
    return found


def _overlay(session: AsyncSession, merchant_id: str, held: dict[str, str | None]) -> dict[str, str | None]:
    """What the bank holds once this transaction's not yet numbered events (`append`) are counted too."""
    for e, _ in _pending(session):
        if e.merchant_id == merchant_id:
            if e.type == WITHDRAWN:
                held.pop(e.bank_bin, None)
            else:
                held[e.bank_bin] = e.record_hash
    return held


async def banks_holding(session: AsyncSession, merchant_id: str) -> dict[str, str | None]:
    """BIN -> record_hash last sent, for every bank whose last event about the shop was not a withdrawal."""
    rows = await OutboxRepository(session).last_events([merchant_id])
    held = {bin_: digest for _, bin_, type_, digest in rows if type_ != WITHDRAWN}
    return _overlay(session, merchant_id, held)


async def append(session: AsyncSession, bank_bin: str, type_: str, merchant_id: str, data: dict[str, Any]) -> BankEvent:
    """Owe the bank this event. It is numbered, written and fanned out to the bank's endpoints when the
    transaction commits (`_write_pending`), after every other lock the transaction takes: see the lock order
    in docs/architecture.md. Its `seq` is 0 until then."""
    event = BankEvent(
        id=str(uuid.uuid4()),
        bank_bin=bank_bin,
        seq=0,
        type=type_,
        merchant_id=merchant_id,
        occurred_at=utcnow(),
        data=data,
        record_hash=data.get("record_hash") if type_ != WITHDRAWN else None,
    )
    sync = session.sync_session
    _pending(session).append((event, sync.get_nested_transaction() or sync.get_transaction()))
    return event


def _write_pending(session: Session) -> None:
    """`before_commit`: number the transaction's events bank by bank in BIN order (the counter rows are the
    last locks it takes), write them and their deliveries, and stop a withdrawn shop's earlier copies."""
    if session.in_nested_transaction():  # a SAVEPOINT released: its events wait for the real commit
        return
    pending = [e for e, _ in session.info.pop(PENDING, [])]
    if not pending:
        return
    dialect = session.get_bind().dialect.name
    by_bank: dict[str, list[BankEvent]] = {}
    for e in pending:
        by_bank.setdefault(e.bank_bin, []).append(e)
    for bank_bin in sorted(by_bank):
        events = by_bank[bank_bin]
        last = take_seqs(session, dialect, bank_bin, len(events))
        for i, e in enumerate(events):
            e.seq = last - len(events) + 1 + i
            session.add(e)
        session.flush()
        for merchant_id in sorted({e.merchant_id for e in events if e.type == WITHDRAWN}):
            stop_copies(session, bank_bin, merchant_id)
        endpoints = active_endpoints(session, bank_bin)
        for e in events:
            for endpoint_id, types in endpoints:
                if e.type in types:
                    session.add(
                        WebhookDelivery(
                            id=str(uuid.uuid4()),
                            endpoint_id=endpoint_id,
                            event_id=e.id,
                            bank_bin=bank_bin,
                            next_attempt_at=e.occurred_at,
                            created_at=e.occurred_at,
                            updated_at=e.occurred_at,
                        )
                    )
    session.flush()


def _discard_rolled_back(session: Session, previous: Any) -> None:
    """`after_soft_rollback`: forget the events written inside the transaction (or SAVEPOINT) rolled back."""
    pending = session.info.get(PENDING)
    if not pending:
        return

    def inside(txn: Any) -> bool:
        while txn is not None:
            if txn is previous:
                return True
            txn = txn.parent
        return False

    session.info[PENDING] = [(e, txn) for e, txn in pending if not inside(txn)]


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
    await _react(session, event.merchant_id, event.action, event.before, current_bin, record, held)
    await view.store(session, {event.merchant_id: (current_bin, record)})  # what the bank sees, stored


async def on_shops_changed(session: AsyncSession, events: list[ShopChanged]) -> None:
    """`on_shop_changed` for distinct shops at once (a sync batch): the records and held hashes in bulk."""
    await event_records(session, events)
    old = [e.merchant_id for e in events if not e.is_new_shop]
    held = await banks_holding_many(session, old) if old else {}
    found: dict[str, tuple[str | None, dict[str, Any] | None]] = {}
    for event in events:
        current_bin, record = await event_record(session, event)  # read in bulk above
        before, holding = event.before, held.get(event.merchant_id, {})
        await _react(session, event.merchant_id, event.action, before, current_bin, record, holding)
        if record is not None or not event.is_new_shop:
            found[event.merchant_id] = (current_bin, record)
    await view.store(session, found)


async def on_street_renamed(session: AsyncSession, event: StreetRenamed) -> None:
    """Every record on the street carries its name: the banks that see them are told (`merchant.updated`), and
    the stored view follows."""
    repo = HandoffRepository(session)
    ids = await repo.visible_on_street(event.street_id)
    if not ids:
        return
    # the shops' locks first (the lock order), so a concurrent edit of one of them is read after it commits
    await repo.lock_merchants(ids)
    found = await bank_records_many(session, ids)
    held = await banks_holding_many(session, ids)
    for merchant_id in ids:
        current_bin, record = found[merchant_id]
        await _react(session, merchant_id, "street.update", None, current_bin, record, held.get(merchant_id, {}))
    await view.store(session, found)


async def banks_holding_many(session: AsyncSession, merchant_ids: list[str]) -> dict[str, dict[str, str | None]]:
    """`banks_holding` of several shops in one query."""
    rows = await OutboxRepository(session).last_events(merchant_ids)
    out: dict[str, dict[str, str | None]] = {}
    for merchant_id, bin_, type_, digest in rows:
        if type_ != WITHDRAWN:
            out.setdefault(merchant_id, {})[bin_] = digest
    for merchant_id in merchant_ids:
        _overlay(session, merchant_id, out.setdefault(merchant_id, {}))
    return out


async def _react(
    session: AsyncSession,
    merchant_id: str,
    action: str,
    before: Any,
    current_bin: str | None,
    record: dict[str, Any] | None,
    held: dict[str, str | None],
) -> None:
    for bank_bin in sorted(held):
        if record is None or bank_bin != current_bin:
            await append(session, bank_bin, WITHDRAWN, merchant_id, {"merchant_id": merchant_id})
    if record is None or current_bin is None:
        return
    if current_bin not in held:
        await append(session, current_bin, "merchant.created", merchant_id, record)
    elif held[current_bin] != record["record_hash"]:
        was = before if isinstance(before, dict) else None
        await append(session, current_bin, _change_type(action, record, was), merchant_id, record)


def feed_item(e: BankEvent, *, redacted: bool = False) -> dict[str, Any]:
    """An event as the feed and the webhook body show it; a withdrawn one (app.bank.outbox.withdrawn) as its shop id."""
    data = {"merchant_id": e.merchant_id} if redacted else e.data
    return {"id": e.id, "seq": e.seq, "type": e.type, "occurred_at": iso(e.occurred_at), "data": data}


def register() -> None:
    subscribe(SUBSCRIBER, on_shop_changed, many=on_shops_changed)
    subscribe_street(SUBSCRIBER, on_street_renamed)
    if not sa_event.contains(Session, "before_commit", _write_pending):
        sa_event.listen(Session, "before_commit", _write_pending)
        sa_event.listen(Session, "after_soft_rollback", _discard_rolled_back)


__all__ = ["EVENT_TYPES", "append", "banks_holding", "feed_item", "next_seq", "on_shop_changed", "register"]
