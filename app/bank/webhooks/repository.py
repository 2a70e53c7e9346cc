"""Every query of a bank's webhook endpoints, their delivery log and the dispatcher's claims."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlmodel import col

from app.bank.outbox.models import BankEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.bank.outbox.repository import is_withdrawn
from app.core.repository import Repository


class WebhookRepository(Repository[WebhookEndpoint]):
    model = WebhookEndpoint

    async def endpoint(
        self, bank_bin: str, endpoint_id: str, *, lock: bool = False, deleted_too: bool = False
    ) -> WebhookEndpoint | None:
        """The bank's endpoint by id (another bank's is None, like a missing one); `lock` holds it for the
        transaction."""
        stmt = select(WebhookEndpoint).where(
            col(WebhookEndpoint.id) == endpoint_id,
            col(WebhookEndpoint.bank_bin) == bank_bin,
        )
        if not deleted_too:
            stmt = stmt.where(col(WebhookEndpoint.status) != "deleted")
        return await self.get_one_or_none(stmt.with_for_update() if lock else stmt)

    async def count_live(self, bank_bin: str) -> int:
        stmt = (
            select(func.count())
            .select_from(WebhookEndpoint)
            .where(col(WebhookEndpoint.bank_bin) == bank_bin, col(WebhookEndpoint.status) != "deleted")
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def live_endpoints(self, bank_bin: str) -> list[WebhookEndpoint]:
        return await self.get_all(
            select(WebhookEndpoint)
            .where(col(WebhookEndpoint.bank_bin) == bank_bin, col(WebhookEndpoint.status) != "deleted")
            .order_by(col(WebhookEndpoint.created_at), col(WebhookEndpoint.id))
        )

    async def cancel_pending(self, endpoint_id: str, now: datetime, *, except_id: str | None = None) -> None:
        """The endpoint's pending deliveries (but `except_id`) are cancelled."""
        stmt = update(WebhookDelivery).where(
            col(WebhookDelivery.endpoint_id) == endpoint_id, col(WebhookDelivery.status) == "pending"
        )
        if except_id is not None:
            stmt = stmt.where(col(WebhookDelivery.id) != except_id)
        await self.session.execute(stmt.values(status="cancelled", next_attempt_at=None, updated_at=now))

    async def disable(self, endpoint_id: str, reason: str, now: datetime) -> None:
        await self.session.execute(
            update(WebhookEndpoint)
            .where(col(WebhookEndpoint.id) == endpoint_id)
            .values(status="disabled", disabled_reason=reason, updated_at=now)
        )

    async def delivery_for_update(self, delivery_id: str) -> WebhookDelivery | None:
        return await self.get_one_or_none(
            select(WebhookDelivery).where(col(WebhookDelivery.id) == delivery_id).with_for_update()
        )

    async def finish_attempt(
        self,
        attempt_id: int,
        *,
        finished_at: datetime,
        duration_ms: int,
        status_code: int | None,
        error: str | None,
        next_at: datetime | None,
    ) -> None:
        await self.session.execute(
            update(WebhookAttempt)
            .where(col(WebhookAttempt.id) == attempt_id)
            .values(
                finished_at=finished_at,
                duration_ms=duration_ms,
                status_code=status_code,
                error=error,
                next_attempt_at=next_at,
            )
        )

    async def attempts(self, delivery_ids: Sequence[str]) -> list[WebhookAttempt]:
        return await self.get_all(
            select(WebhookAttempt)
            .where(col(WebhookAttempt.delivery_id).in_(delivery_ids))
            .order_by(col(WebhookAttempt.attempt_no))
        )

    async def deliveries(
        self, bank_bin: str, endpoint_id: str, *, status: str | None, before_seq: int | None, limit: int
    ) -> list[tuple[WebhookDelivery, BankEvent]]:
        """Up to `limit` deliveries of the endpoint with their events, newest event (seq) first."""
        stmt = (
            select(WebhookDelivery, BankEvent)
            .join(BankEvent, col(BankEvent.id) == col(WebhookDelivery.event_id))
            .where(col(WebhookDelivery.endpoint_id) == endpoint_id, col(WebhookDelivery.bank_bin) == bank_bin)
        )
        if status:
            stmt = stmt.where(col(WebhookDelivery.status) == status)
        if before_seq is not None:
            stmt = stmt.where(col(BankEvent.seq) < before_seq)
        rows = await self.session.execute(stmt.order_by(col(BankEvent.seq).desc()).limit(limit))
        return [(d, e) for d, e in rows]

    async def delivery_locked(
        self, bank_bin: str, delivery_id: str
    ) -> tuple[WebhookDelivery, BankEvent, WebhookEndpoint] | None:
        """The bank's delivery with its event and endpoint, the delivery locked for the transaction."""
        row = (
            await self.session.execute(
                select(WebhookDelivery, BankEvent, WebhookEndpoint)
                .join(BankEvent, col(BankEvent.id) == col(WebhookDelivery.event_id))
                .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
                .where(col(WebhookDelivery.id) == delivery_id, col(WebhookDelivery.bank_bin) == bank_bin)
                .with_for_update(of=WebhookDelivery)
            )
        ).one_or_none()
        return None if row is None else (row[0], row[1], row[2])

    async def prune_finished(self, statuses: Sequence[str], before: datetime, batch: int) -> int:
        """Delete up to `batch` deliveries in `statuses` last changed before `before`, with their attempts."""
        ids = list(
            (
                await self.session.execute(
                    select(col(WebhookDelivery.id))
                    .where(col(WebhookDelivery.status).in_(statuses), col(WebhookDelivery.updated_at) < before)
                    .limit(batch)
                )
            ).scalars()
        )
        if not ids:
            return 0
        await self.session.execute(delete(WebhookAttempt).where(col(WebhookAttempt.delivery_id).in_(ids)))
        await self.session.execute(delete(WebhookDelivery).where(col(WebhookDelivery.id).in_(ids)))
        return len(ids)

    # the dispatcher's claims (app.bank.webhooks.dispatcher says how they are shared between workers)

    async def any_due(self, now: datetime) -> bool:
        due = await self.session.execute(
            select(col(WebhookDelivery.id))
            .where(col(WebhookDelivery.status) == "pending", col(WebhookDelivery.next_attempt_at) <= now)
            .limit(1)
        )
        return due.first() is not None

    async def claimable(
        self, now: datetime, limit: int, per_endpoint: int, full: Sequence[str]
    ) -> list[tuple[str, bool]]:
        """(delivery id, withdrawn since) of due deliveries, at most `per_endpoint` per endpoint, none of the
        `full` endpoints (as many in flight already); locked with SKIP LOCKED so workers never claim the same."""
        window = (
            select(col(WebhookDelivery.id), col(WebhookDelivery.endpoint_id), col(WebhookDelivery.next_attempt_at))
            .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
            .where(
                col(WebhookDelivery.status) == "pending",
                col(WebhookDelivery.next_attempt_at) <= now,
                or_(col(WebhookDelivery.lease_until).is_(None), col(WebhookDelivery.lease_until) < now),
                col(WebhookEndpoint.status) == "active",
                col(WebhookDelivery.endpoint_id).not_in(full),
            )
            .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
            .limit(limit * 4)
            .subquery()
        )
        order = (window.c.next_attempt_at, window.c.id)
        ranked = select(
            window.c.id, func.row_number().over(partition_by=window.c.endpoint_id, order_by=order).label("rank")
        ).subquery()
        # the claimable conditions again on the locked rows themselves: a row another worker claimed and committed
        # after this statement's snapshot was taken is locked here all the same (it is no longer locked), and
        # PostgreSQL re-checks only the outer query's conditions on its newest version (EvalPlanQual), never the
        # subquery's; without them that delivery was claimed, and sent, a second time
        stmt = (
            select(col(WebhookDelivery.id), is_withdrawn())
            .join(BankEvent, col(BankEvent.id) == col(WebhookDelivery.event_id))
            .where(
                col(WebhookDelivery.id).in_(select(ranked.c.id).where(ranked.c.rank <= per_endpoint)),
                col(WebhookDelivery.status) == "pending",
                col(WebhookDelivery.next_attempt_at) <= now,
                or_(col(WebhookDelivery.lease_until).is_(None), col(WebhookDelivery.lease_until) < now),
            )
            .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
            .limit(limit)
            .with_for_update(of=WebhookDelivery, skip_locked=True)
        )
        return [(i, bool(withdrawn)) for i, withdrawn in (await self.session.execute(stmt)).all()]

    async def with_endpoints_and_events(
        self, delivery_ids: Sequence[str]
    ) -> list[tuple[WebhookDelivery, WebhookEndpoint, BankEvent]]:
        rows = await self.session.execute(
            select(WebhookDelivery, WebhookEndpoint, BankEvent)
            .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
            .join(BankEvent, col(BankEvent.id) == col(WebhookDelivery.event_id))
            .where(col(WebhookDelivery.id).in_(delivery_ids))
        )
        return [(d, e, ev) for d, e, ev in rows]

    async def still_leased(self, delivery_id: str, token: str) -> bool:
        """The delivery is pending under this lease and no withdrawal has stopped its event."""
        row = await self.session.execute(
            select(col(WebhookDelivery.id))
            .join(BankEvent, col(BankEvent.id) == col(WebhookDelivery.event_id))
            .where(
                col(WebhookDelivery.id) == delivery_id,
                col(WebhookDelivery.status) == "pending",
                col(WebhookDelivery.lease_token) == token,
                ~is_withdrawn(),
            )
        )
        return row.first() is not None
