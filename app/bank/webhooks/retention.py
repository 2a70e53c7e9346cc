"""Retention of webhook deliveries: finished ones (succeeded, given up, cancelled) are history, not work.

A delivery and its attempts stay while they can still matter (the bank asks "what happened to event X?",
`GET /bank/webhooks/{id}/deliveries`, `POST /bank/deliveries/{id}/redeliver`): PHOQR_RETENTION_DELIVERY_DAYS
(default 30) after their last change. Pending deliveries are never pruned. The events themselves
(`bank_event`, the pull feed) are kept: a bank may read its feed from the start.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.bank.webhooks.repository import WebhookRepository

FINISHED = ("succeeded", "failed", "cancelled")


async def prune_deliveries(session: AsyncSession, now: datetime, days: int, batch: int) -> int:
    """Delete up to `batch` finished deliveries older than `days` with their attempts; returns how many."""
    return await WebhookRepository(session).prune_finished(FINISHED, now - timedelta(days=days), batch)
