"""Retention of the replay tables: what answers a replay is kept as long as a replay can still come.

- `sync_operation`: one row per offline operation ever carried out (a national year is hundreds of millions).
  A phone resends its queue until the server answered it, i.e. minutes to days; after
  PHOQR_RETENTION_SYNC_DAYS (default 30) the row is deleted. An operation replayed even later is not lost:
  `upsert_merchant` is keyed by the shop's own id, so it answers `unchanged` or `updated`, never a second shop.
- `idempotency_record`: deleted once expired (PHOQR_IDEMPOTENCY_HOURS, 24 h); the service also drops an
  expired key when it is reused.

Deletes go in batches of `batch` rows, each its own transaction, so pruning a backlog never holds long locks.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.idempotency.repository import IdempotencyRepository, SyncOperationRepository


async def prune_sync_operations(session: AsyncSession, now: datetime, days: int, batch: int) -> int:
    """Delete up to `batch` sync operations older than `days`; returns how many (0: nothing left)."""
    return await SyncOperationRepository(session).prune_before(now - timedelta(days=days), batch)


async def prune_idempotency_records(session: AsyncSession, now: datetime, batch: int) -> int:
    return await IdempotencyRepository(session).prune_expired(now, batch)
