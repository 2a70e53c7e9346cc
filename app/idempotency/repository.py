from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import col

from app.core.repository import Repository
from app.idempotency.models import IdempotencyRecord, SyncOperation


class IdempotencyRepository(Repository[IdempotencyRecord]):
    model = IdempotencyRecord

    async def by_key(self, user_id: int, key: str) -> IdempotencyRecord | None:
        stmt = select(IdempotencyRecord).where(
            col(IdempotencyRecord.user_id) == user_id, col(IdempotencyRecord.key) == key
        )
        return await self.get_one_or_none(stmt)

    async def prune_expired(self, now: datetime, batch: int) -> int:
        """Delete up to `batch` records expired at `now`; returns how many."""
        old = select(col(IdempotencyRecord.id)).where(col(IdempotencyRecord.expires_at) <= now).limit(batch)
        result = await self.session.execute(
            delete(IdempotencyRecord).where(col(IdempotencyRecord.id).in_(old.scalar_subquery()))
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


class SyncOperationRepository(Repository[SyncOperation]):
    model = SyncOperation

    async def stored(self, user_id: int, op_ids: list[str]) -> dict[str, SyncOperation]:
        """The stored outcome of each of these operations the user already sent, by op_id."""
        stmt = select(SyncOperation).where(col(SyncOperation.user_id) == user_id, col(SyncOperation.op_id).in_(op_ids))
        return {s.op_id: s for s in await self.get_all(stmt)}

    async def prune_before(self, before: datetime, batch: int) -> int:
        """Delete up to `batch` operations carried out before `before`; returns how many."""
        old = select(col(SyncOperation.id)).where(col(SyncOperation.created_at) < before).limit(batch)
        result = await self.session.execute(
            delete(SyncOperation).where(col(SyncOperation.id).in_(old.scalar_subquery()))
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
