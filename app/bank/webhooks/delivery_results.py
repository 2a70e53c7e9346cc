"""What one webhook send was (`Claim`, `Outcome`) and how its answer is written: one delivery per transaction.

Recording a delivery on its own means a receiver's bad answer (an unreadable `Retry-After`, a database error
while writing it) can neither roll back nor repeat another bank's delivery that was recorded already. The answer
is written only while the claim's lease is still the delivery's: a delivery redelivered, cancelled or stopped by
a withdrawal meanwhile keeps its new state, and the attempt is logged either way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.bank.outbox.models import WebhookDelivery
from app.bank.outbox.withdrawn import cancel
from app.bank.webhooks.repository import WebhookRepository
from app.bank.webhooks.retry_after import retry_after_seconds
from app.core.db import utcnow

log = logging.getLogger("phoqr.webhooks")


@dataclass(frozen=True, slots=True)
class Claim:
    delivery_id: str
    token: str
    attempt_no: int
    url: str
    secrets: tuple[str, ...]
    event_id: str
    body: bytes
    attempt_id: int
    endpoint_id: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    claim: Claim
    code: int | None
    retry_after: str | None
    error: str | None
    ms: int
    sent: bool = True  # False: the check just before sending stopped it (cancelled or withdrawn since the claim)


async def record_one(
    sessionmaker: async_sessionmaker[AsyncSession], schedule: tuple[float, ...], o: Outcome
) -> datetime | None:
    """Write one answer (and its attempt row) in a transaction of its own; returns when the next try is due."""
    now = utcnow()
    async with sessionmaker() as session, session.begin():
        repo = WebhookRepository(session)
        d = await repo.delivery_for_update(o.claim.delivery_id)
        next_at = None
        if d is not None and d.lease_token == o.claim.token:  # else redelivered/cancelled meanwhile
            if o.sent:
                next_at = await _settle(session, schedule, d, o, now)
            else:  # still ours yet stopped before sending: only a withdrawal does that (app.bank.outbox.withdrawn)
                await cancel(session, [d.id])
        await repo.finish_attempt(
            o.claim.attempt_id, finished_at=now, duration_ms=o.ms, status_code=o.code, error=o.error, next_at=next_at
        )
    log.info(
        "webhook delivery %s attempt %d: %s in %d ms%s",
        o.claim.delivery_id,
        o.claim.attempt_no,
        o.code if o.code is not None else o.error,
        o.ms,
        f", next at {next_at.isoformat()}" if next_at else "",
    )
    return next_at


async def _settle(
    session: AsyncSession, schedule: tuple[float, ...], d: WebhookDelivery, o: Outcome, now: datetime
) -> datetime | None:
    code = o.code
    d.last_status_code, d.last_error, d.updated_at = code, o.error, now
    d.lease_token = d.lease_until = None
    if code is not None and 200 <= code < 300:
        d.status, d.delivered_at, d.next_attempt_at, d.failures = "succeeded", now, None, 0
        return None
    if code == 410:  # the receiver says this endpoint is gone for good
        d.status, d.next_attempt_at = "failed", None
        repo = WebhookRepository(session)
        await repo.disable(d.endpoint_id, "410 Gone from the receiver", now)
        await repo.cancel_pending(d.endpoint_id, now, except_id=d.id)
        return None
    d.failures += 1
    if d.failures > len(schedule):
        d.status, d.next_attempt_at = "failed", None
        return None
    delay = retry_after_seconds(o.retry_after, now) if code in (429, 503) else None
    d.next_attempt_at = now + timedelta(seconds=schedule[d.failures - 1] if delay is None else delay)
    return d.next_attempt_at


__all__ = ["Claim", "Outcome", "record_one"]
