"""Every query of the bank outbox's events and of what a withdrawal stops (app.bank.outbox.withdrawn says why).

The statement builders (`is_withdrawn`, `copies_to_stop`, `cancel_statement`, `counter_upsert`) are shared with
the dispatcher; `take_seqs`, `stop_copies` and `active_endpoints` run on the synchronous session of the outbox's
`before_commit` hook (app.bank.outbox.service), the rest on a request's or a batch's async session.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from app.bank.outbox.models import CANCELLED, WITHDRAWN, BankEvent, BankEventCounter, WebhookDelivery, WebhookEndpoint
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


def counter_upsert(dialect: str, bank_bin: str, n: int) -> Any:
    """Take `n` numbers of the bank's gapless counter; returns the last one (the row stays locked)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = BankEventCounter.__table__  # type: ignore[attr-defined]  # SQLModel sets __table__; its stubs do not say
    return (
        insert(table)
        .values(bank_bin=bank_bin, last_seq=n)
        .on_conflict_do_update(index_elements=["bank_bin"], set_={"last_seq": table.c.last_seq + n})
        .returning(table.c.last_seq)
    )


def take_seqs(session: Session, dialect: str, bank_bin: str, n: int) -> int:
    return int(session.execute(counter_upsert(dialect, bank_bin, n)).scalar_one())


def stop_copies(session: Session, bank_bin: str, merchant_id: str) -> None:
    """Cancel the pending deliveries of the shop's earlier events to that bank (a withdrawal's commit)."""
    ids = list(session.execute(copies_to_stop(bank_bin, merchant_id)).scalars())
    if ids:
        session.execute(cancel_statement(ids))


def active_endpoints(session: Session, bank_bin: str) -> list[tuple[str, list[str]]]:
    """(endpoint id, event types) of the bank's active endpoints."""
    rows = session.execute(
        select(col(WebhookEndpoint.id), col(WebhookEndpoint.event_types)).where(
            col(WebhookEndpoint.bank_bin) == bank_bin, col(WebhookEndpoint.status) == "active"
        )
    )
    return [(i, list(types)) for i, types in rows]


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

    async def next_seq(self, bank_bin: str) -> int:
        """The bank's next sequence number, taken under the counter row's lock until this transaction ends."""
        stmt = counter_upsert(self.session.get_bind().dialect.name, bank_bin, 1)
        return int((await self.session.execute(stmt)).scalar_one())

    async def last_events(self, merchant_ids: Sequence[str]) -> list[tuple[str, str, str, str | None]]:
        """(shop, BIN, type, record_hash) of the last event of each shop at each bank that heard of it."""
        last = (
            select(col(BankEvent.merchant_id), col(BankEvent.bank_bin), func.max(col(BankEvent.seq)).label("seq"))
            .where(col(BankEvent.merchant_id).in_(merchant_ids))
            .group_by(col(BankEvent.merchant_id), col(BankEvent.bank_bin))
            .subquery()
        )
        rows = await self.session.execute(
            select(col(BankEvent.merchant_id), col(BankEvent.bank_bin), col(BankEvent.type), col(BankEvent.record_hash))
            .join(last, (col(BankEvent.bank_bin) == last.c.bank_bin) & (col(BankEvent.seq) == last.c.seq))
            .where(col(BankEvent.merchant_id) == last.c.merchant_id)
        )
        return [(m, b, t, h) for m, b, t, h in rows]
