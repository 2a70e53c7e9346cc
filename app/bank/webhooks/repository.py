"""Every query of a bank's webhook endpoints and their delivery log (the dispatcher's claims excepted)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlmodel import col

from app.bank.outbox.models import BankEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint
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

    async def cancel_pending(self, endpoint_id: str, now: datetime) -> None:
        await self.session.execute(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.endpoint_id) == endpoint_id, col(WebhookDelivery.status) == "pending")
            .values(status="cancelled", next_attempt_at=None, updated_at=now)
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
