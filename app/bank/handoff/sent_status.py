"""`bank_status` becomes `sent` when the bank's record of a shop reaches a new version.

Subscribed to `ShopChanged` (registered from app.subscribers) beside the outbox: a record the bank may see at a
version it has not been sent is exactly when the outbox writes an event for it (the version is part of the
record, so its hash changed). Runs in the change's transaction; `mark_sent` is idempotent.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.bank.handoff.records import event_record, event_records
from app.consents.bank_status import mark_sent
from app.core.events import ShopChanged, subscribe

SUBSCRIBER = "bank.sent_status"


async def on_shop_changed(session: AsyncSession, event: ShopChanged) -> None:
    if event.action == "bank.receipt":
        return  # the bank's own answer changes nothing it holds
    bank_bin, record = await event_record(session, event)  # the outbox read it for this change already
    if bank_bin is not None and record is not None:
        await mark_sent(session, event.merchant_id, bank_bin, record["version"])


async def on_shops_changed(session: AsyncSession, events: list[ShopChanged]) -> None:
    """`on_shop_changed` for distinct shops at once (a sync batch): their records read in bulk."""
    events = [e for e in events if e.action != "bank.receipt"]
    await event_records(session, events)
    for event in events:
        bank_bin, record = await event_record(session, event)
        if bank_bin is not None and record is not None:
            await mark_sent(session, record["merchant_id"], bank_bin, record["version"])


def register() -> None:
    subscribe(SUBSCRIBER, on_shop_changed, many=on_shops_changed)
