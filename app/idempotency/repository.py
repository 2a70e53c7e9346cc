from __future__ import annotations

from sqlalchemy import select
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


class SyncOperationRepository(Repository[SyncOperation]):
    model = SyncOperation

    async def stored(self, user_id: int, op_ids: list[str]) -> dict[str, SyncOperation]:
        """The stored outcome of each of these operations the user already sent, by op_id."""
        stmt = select(SyncOperation).where(col(SyncOperation.user_id) == user_id, col(SyncOperation.op_id).in_(op_ids))
        return {s.op_id: s for s in await self.get_all(stmt)}
