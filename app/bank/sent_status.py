"""`bank_status` becomes `sent` when the bank's record of a shop reaches a new version.

Subscribed to `ShopChanged` (registered from app.subscribers) beside the outbox: a record the bank may see at a
version it has not been sent is exactly when the outbox writes an event for it (the version is part of the
record, so its hash changed). Runs in the change's transaction; `mark_sent` is idempotent.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.bank.records import bank_record, bank_records_many
from app.consents.bank_status import mark_sent
from app.core.events import ShopChanged, subscribe

SUBSCRIBER = "bank.sent_status"


async def on_shop_changed(session: AsyncSession, event: ShopChanged) -> None:
    if event.action == "bank.receipt":
        return  # the bank's own answer changes nothing it holds
    bank_bin, record = await bank_record(session, event.merchant_id)
    if bank_bin is not None and record is not None:
        await mark_sent(session, event.merchant_id, bank_bin, record["version"])


async def on_shops_changed(session: AsyncSession, events: list[ShopChanged]) -> None:
    """`on_shop_changed` for distinct shops at once (a sync batch): their records read in bulk."""
    events = [e for e in events if e.action != "bank.receipt"]
    records = await bank_records_many(session, [e.merchant_id for e in events]) if events else {}
    for bank_bin, record in records.values():
        if bank_bin is not None and record is not None:
            await mark_sent(session, record["merchant_id"], bank_bin, record["version"])


def register() -> None:
    subscribe(SUBSCRIBER, on_shop_changed, many=on_shops_changed)
