"""A withdrawn consent (or an account moved to another bank) stops every copy of the shop at that bank.

When the outbox tells a bank `merchant.consent_withdrawn`, every earlier event of that shop for that bank is
"withdrawn": it carried the shop's data, and the owner's withdrawal (Law 91/2025/QH15) must stop further
processing by the recipient we control. Three exits, one rule, decided on `bank_event` alone (the outbox writes
the withdrawal in the very transaction that withdraws the consent or moves the account):

- webhooks: the event's pending deliveries are cancelled as `cancelled_consent_withdrawn` in the withdrawal's
  own transaction (app.bank.outbox.service writes it at commit with `copies_to_stop`), the dispatcher re-checks when
  it claims and again just before it sends, and redelivery is refused (409 `consent_withdrawn`);
- the pull feed serves such an event as `{"merchant_id"}` alone (`redacted_in`); its `seq` stays, so the feed
  stays gapless.

A withdrawal event itself carries only the shop's id and is always delivered. A later consent starts a new
`merchant.created`; the events from before the withdrawal stay withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from app.bank.outbox.models import BankEvent, WebhookDelivery
from app.core.db import utcnow

WITHDRAWN = "merchant.consent_withdrawn"
CANCELLED = "cancelled_consent_withdrawn"
REASON = "not sent: the owner withdrew consent for this bank (or the shop left it)"


def is_withdrawn(event: type[BankEvent] = BankEvent) -> ColumnElement[bool]:
    """SQL: a later withdrawal of the same shop exists in the same bank's feed (the event is not a withdrawal)."""
    later = aliased(BankEvent)
    return and_(
        col(event.type) != WITHDRAWN,
        exists(
            select(col(later.id)).where(
                col(later.bank_bin) == col(event.bank_bin),
                col(later.merchant_id) == col(event.merchant_id),
                col(later.type) == WITHDRAWN,
                col(later.seq) > col(event.seq),
            )
        ),
    )


def copies_to_stop(bank_bin: str, merchant_id: str) -> Any:
    """The pending deliveries of the shop's earlier events to that bank, locked in id order (the order the
    dispatcher uses, so the two never deadlock)."""
    events = select(col(BankEvent.id)).where(
        col(BankEvent.bank_bin) == bank_bin, col(BankEvent.merchant_id) == merchant_id, col(BankEvent.type) != WITHDRAWN
    )
    return (
        select(col(WebhookDelivery.id))
        .where(
            col(WebhookDelivery.bank_bin) == bank_bin,
            col(WebhookDelivery.status) == "pending",
            col(WebhookDelivery.event_id).in_(events),
        )
        .order_by(col(WebhookDelivery.id))
        .with_for_update()
    )


def cancel_statement(delivery_ids: Iterable[str]) -> Any:
    """Cancel as `cancelled_consent_withdrawn` (a claimed one too: its lease is dropped, so the dispatcher
    neither sends it again nor records over it)."""
    return (
        update(WebhookDelivery)
        .where(col(WebhookDelivery.id).in_(list(delivery_ids)), col(WebhookDelivery.status) == "pending")
        .values(
            status=CANCELLED,
            next_attempt_at=None,
            lease_token=None,
            lease_until=None,
            last_error=REASON,
            updated_at=utcnow(),
        )
    )


async def cancel(session: AsyncSession, delivery_ids: Iterable[str]) -> None:
    await session.execute(cancel_statement(delivery_ids))


async def redacted_in(session: AsyncSession, bank_bin: str, events: list[BankEvent]) -> set[str]:
    """Ids of those events (all of one bank) that a later withdrawal of their shop has withdrawn."""
    shops = {e.merchant_id for e in events if e.type != WITHDRAWN}
    if not shops:
        return set()
    rows = await session.execute(
        select(col(BankEvent.merchant_id), func.max(col(BankEvent.seq)))
        .where(
            col(BankEvent.bank_bin) == bank_bin,
            col(BankEvent.type) == WITHDRAWN,
            col(BankEvent.merchant_id).in_(shops),
        )
        .group_by(col(BankEvent.merchant_id))
    )
    last_withdrawal: dict[str, int] = {m: s for m, s in rows}
    return {e.id for e in events if e.type != WITHDRAWN and last_withdrawal.get(e.merchant_id, -1) > e.seq}


def redacted_data(merchant_id: str) -> dict[str, str]:
    return {"merchant_id": merchant_id}


__all__ = [
    "CANCELLED",
    "WITHDRAWN",
    "cancel",
    "cancel_statement",
    "copies_to_stop",
    "is_withdrawn",
    "redacted_data",
    "redacted_in",
]
