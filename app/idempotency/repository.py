from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, select
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


# stored outcomes are written as plain rows in one executemany (SQLModel sets __table__; its stubs do not say)
_STORED_OP: Table = SyncOperation.__table__  # type: ignore[attr-defined]


class SyncOperationRepository(Repository[SyncOperation]):
    model = SyncOperation

    async def lock_user(self, namespace: int, user_id: int) -> None:
        """PostgreSQL: one batch of a user at a time, until the transaction ends (an advisory lock)."""
        await self.session.execute(select(func.pg_advisory_xact_lock(namespace, user_id)))

    async def insert_many(self, records: list[dict[str, Any]]) -> None:
        """Stored outcomes in one executemany."""
        if records:
            await self.session.execute(insert(_STORED_OP), records)

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
