"""Every query of the bank outbox's events and of what a withdrawal stops (app.bank.outbox.withdrawn says why).

The statement builders (`is_withdrawn`, `copies_to_stop`, `cancel_statement`) are shared with the outbox's
commit hook and the dispatcher, which run them on their own connections.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select, update
from sqlalchemy.orm import aliased
from sqlmodel import col

from app.bank.outbox.models import CANCELLED, WITHDRAWN, BankEvent, WebhookDelivery
from app.core.db import utcnow
from app.core.repository import Repository

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


class OutboxRepository(Repository[BankEvent]):
    model = BankEvent

    async def events_after(self, bank_bin: str, after: int, limit: int) -> list[BankEvent]:
        """The bank's events after `after`, in `seq` order."""
        return await self.get_all(
            select(BankEvent)
            .where(col(BankEvent.bank_bin) == bank_bin, col(BankEvent.seq) > after)
            .order_by(col(BankEvent.seq))
            .limit(limit)
        )

    async def last_withdrawals(self, bank_bin: str, shops: Iterable[str]) -> dict[str, int]:
        """Shop id -> `seq` of its last withdrawal in the bank's feed (shops never withdrawn are absent)."""
        rows = await self.session.execute(
            select(col(BankEvent.merchant_id), func.max(col(BankEvent.seq)))
            .where(
                col(BankEvent.bank_bin) == bank_bin,
                col(BankEvent.type) == WITHDRAWN,
                col(BankEvent.merchant_id).in_(list(shops)),
            )
            .group_by(col(BankEvent.merchant_id))
        )
        return {m: s for m, s in rows}

    async def cancel(self, delivery_ids: Iterable[str]) -> None:
        await self.session.execute(cancel_statement(delivery_ids))
