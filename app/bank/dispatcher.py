"""Delivers bank events to webhooks per Standard Webhooks, with retries, from `phoqr serve` or `phoqr worker`.

Claiming: one short transaction picks due deliveries with `SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL;
SQLite's `BEGIN IMMEDIATE` serialises writers instead), writes a lease (token + expiry) and the next attempt's
row, and commits. The HTTP call happens outside any transaction; its result is written only if the lease is
still ours. Several dispatchers therefore never take the same attempt (the attempt row is unique per delivery
and number, too), and a dispatcher that dies mid-call only delays its deliveries until the lease expires.

Chosen over procrastinate/pgqueuer: the work item is already a row written by the outbox in the change's own
transaction, on both SQLite and PostgreSQL; a queue library would be a second copy of that row, PostgreSQL only.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.bank import webhooks_crypto as crypto
from app.bank.events_models import BankEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.bank.outbox import feed_item
from app.bank.ssrf import Resolver, webhook_client
from app.core.config import Settings
from app.core.db import utcnow

log = logging.getLogger("phoqr.webhooks")
MAX_RETRY_AFTER = 24 * 3600.0


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


@dataclass(frozen=True, slots=True)
class Outcome:
    claim: Claim
    code: int | None
    retry_after: str | None
    error: str | None
    ms: int


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """`Retry-After` as seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - now).total_seconds()), MAX_RETRY_AFTER)


def body_of(event: BankEvent) -> bytes:
    """The event as the feed shows it, plus Standard Webhooks' `timestamp`; the same bytes on every attempt."""
    item = feed_item(event)
    item["timestamp"] = item["occurred_at"]
    return json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode()


def _aware(dt: datetime | None) -> datetime | None:
    return dt.replace(tzinfo=UTC) if dt is not None and dt.tzinfo is None else dt


class Dispatcher:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        client: httpx.AsyncClient | None = None,
        *,
        name: str | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.sessionmaker, self.settings = sessionmaker, settings
        self.client = client or webhook_client(settings, resolver)
        self._own_client = client is None
        self.name = (name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}")[:80]
        self.schedule = settings.retry_schedule
        self.lease = timedelta(seconds=settings.webhook_timeout_seconds * 3 + 30)
        self._sem = asyncio.Semaphore(settings.webhook_concurrency)

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()

    async def _nothing_due(self, now: datetime) -> bool:
        """A read-only look first, so an idle dispatcher never takes SQLite's write lock just to find nothing."""
        async with self.sessionmaker() as session:
            await session.connection(execution_options={"read_only": True})
            due = await session.execute(
                select(col(WebhookDelivery.id))
                .where(col(WebhookDelivery.status) == "pending", col(WebhookDelivery.next_attempt_at) <= now)
                .limit(1)
            )
            return due.first() is None

    async def claim(self) -> list[Claim]:
        now = utcnow()
        if await self._nothing_due(now):
            return []
        async with self.sessionmaker() as session, session.begin():
            due = (
                select(col(WebhookDelivery.id))
                .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
                .where(
                    col(WebhookDelivery.status) == "pending",
                    col(WebhookDelivery.next_attempt_at) <= now,
                    or_(col(WebhookDelivery.lease_until).is_(None), col(WebhookDelivery.lease_until) < now),
                    col(WebhookEndpoint.status) == "active",
                )
                .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
                .limit(self.settings.webhook_batch_size)
                .with_for_update(of=WebhookDelivery, skip_locked=True)
            )
            ids = list((await session.execute(due)).scalars())
            if not ids:
                return []
            rows = await session.execute(
                select(WebhookDelivery, WebhookEndpoint, BankEvent)
                .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
                .join(BankEvent, col(BankEvent.id) == col(WebhookDelivery.event_id))
                .where(col(WebhookDelivery.id).in_(ids))
            )
            pending = []
            for delivery, endpoint, event in rows:
                token = str(uuid.uuid4())
                delivery.attempts += 1
                delivery.lease_token, delivery.lease_until, delivery.updated_at = token, now + self.lease, now
                attempt = WebhookAttempt(
                    delivery_id=delivery.id, attempt_no=delivery.attempts, dispatcher=self.name, started_at=now
                )
                session.add(attempt)
                pending.append((delivery, endpoint, event, token, attempt))
            await session.flush()  # the attempt rows get their ids (and unique (delivery, number) is checked)
            return [
                Claim(d.id, token, d.attempts, e.url, self._secrets(e, now), ev.id, body_of(ev), a.id or 0)
                for d, e, ev, token, a in pending
            ]

    def _secrets(self, endpoint: WebhookEndpoint, now: datetime) -> tuple[str, ...]:
        out = [crypto.decrypt(self.settings, endpoint.secret_enc)]
        until = _aware(endpoint.previous_secret_until)
        if endpoint.previous_secret_enc and until is not None and until > now:
            out.append(crypto.decrypt(self.settings, endpoint.previous_secret_enc))
        return tuple(out)

    async def send(self, claim: Claim) -> tuple[int | None, str | None, str | None, int]:
        """(status code, Retry-After, error, milliseconds). The response body is never read or logged."""
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": claim.event_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": crypto.signature_header(list(claim.secrets), claim.event_id, timestamp, claim.body),
        }
        started = time.perf_counter()
        try:
            # httpx's timeouts are per phase; a receiver dripping bytes must not outlive the lease either
            async with asyncio.timeout(self.settings.webhook_timeout_seconds * 2):
                async with self.client.stream("POST", claim.url, content=claim.body, headers=headers) as response:
                    code, retry_after, error = response.status_code, response.headers.get("retry-after"), None
        except httpx.HTTPError as exc:
            code, retry_after, error = None, None, f"{type(exc).__name__}: {exc}"[:300]
        except TimeoutError:
            code, retry_after, error = None, None, "TimeoutError: no answer in time"
        return code, retry_after, error, int((time.perf_counter() - started) * 1000)

    async def deliver(self, claim: Claim) -> Outcome:
        async with self._sem:
            return Outcome(claim, *await self.send(claim))

    async def record(self, outcomes: list[Outcome]) -> None:
        """Every answer of a batch in one transaction: one connection whatever the batch's size."""
        now = utcnow()
        async with self.sessionmaker() as session, session.begin():
            ids = sorted(o.claim.delivery_id for o in outcomes)  # one lock order for every dispatcher
            rows = await session.execute(
                select(WebhookDelivery).where(col(WebhookDelivery.id).in_(ids)).with_for_update()
            )
            held = {d.id: d for d in rows.scalars()}
            log_rows = []
            for o in sorted(outcomes, key=lambda o: o.claim.delivery_id):
                d, next_at = held.get(o.claim.delivery_id), None
                if d is not None and d.lease_token == o.claim.token:  # else redelivered/cancelled meanwhile
                    next_at = await self._settle(session, d, o.code, o.retry_after, o.error, now)
                log_rows.append(
                    {
                        "id": o.claim.attempt_id,
                        "finished_at": now,
                        "duration_ms": o.ms,
                        "status_code": o.code,
                        "error": o.error,
                        "next_attempt_at": next_at,
                    }
                )
                log.info(
                    "webhook delivery %s attempt %d: %s in %d ms%s",
                    o.claim.delivery_id,
                    o.claim.attempt_no,
                    o.code if o.code is not None else o.error,
                    o.ms,
                    f", next at {next_at.isoformat()}" if next_at else "",
                )
            await session.flush()
            await session.execute(update(WebhookAttempt), log_rows)

    async def _settle(
        self,
        session: AsyncSession,
        d: WebhookDelivery,
        code: int | None,
        retry_after: str | None,
        error: str | None,
        now: datetime,
    ) -> datetime | None:
        d.last_status_code, d.last_error, d.updated_at = code, error, now
        d.lease_token = d.lease_until = None
        if code is not None and 200 <= code < 300:
            d.status, d.delivered_at, d.next_attempt_at, d.failures = "succeeded", now, None, 0
            return None
        if code == 410:  # the receiver says this endpoint is gone for good
            d.status, d.next_attempt_at = "failed", None
            await session.execute(
                update(WebhookEndpoint)
                .where(col(WebhookEndpoint.id) == d.endpoint_id)
                .values(status="disabled", disabled_reason="410 Gone from the receiver", updated_at=now)
            )
            await session.execute(
                update(WebhookDelivery)
                .where(
                    col(WebhookDelivery.endpoint_id) == d.endpoint_id,
                    col(WebhookDelivery.status) == "pending",
                    col(WebhookDelivery.id) != d.id,
                )
                .values(status="cancelled", next_attempt_at=None, updated_at=now)
            )
            return None
        d.failures += 1
        if d.failures > len(self.schedule):
            d.status, d.next_attempt_at = "failed", None
            return None
        delay = retry_after_seconds(retry_after, now) if code in (429, 503) else None
        d.next_attempt_at = now + timedelta(seconds=self.schedule[d.failures - 1] if delay is None else delay)
        return d.next_attempt_at

    async def run_once(self) -> int:
        claims = await self.claim()
        if claims:
            await self.record(list(await asyncio.gather(*(self.deliver(c) for c in claims))))
        return len(claims)

    async def run(self, stop: asyncio.Event) -> None:
        log.info("webhook dispatcher %s started", self.name)
        while not stop.is_set():
            try:
                busy = await self.run_once()
            except Exception:  # the database may be restarting: keep the loop alive, try again shortly
                log.exception("webhook dispatcher %s: claim or record failed", self.name)
                busy = 0
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.webhook_poll_seconds)
        log.info("webhook dispatcher %s stopped", self.name)


def start_in_background(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, **kw: Any
) -> Callable[[], Awaitable[None]]:
    """Run a dispatcher as a task of the running loop (the app's lifespan); returns the coroutine that stops it."""
    dispatcher = Dispatcher(sessionmaker, settings, **kw)
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop), name=f"webhook-dispatcher {dispatcher.name}")

    async def _stop() -> None:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await dispatcher.aclose()

    return _stop


async def run_worker(settings: Settings, *, dispatchers: int = 1) -> None:
    """`phoqr worker`: dispatchers alone, until SIGINT/SIGTERM (several per process only make sense on
    PostgreSQL; more processes work too, each claiming its own deliveries)."""
    import signal

    from app.core.db import make_engine, make_sessionmaker
    from app.observability import configure_logging

    configure_logging(settings.log_level, json_format=settings.log_json)
    engine = make_engine(settings.database_url, pool_size=max(2, dispatchers * 2), pooler=settings.database_pooler)
    sessionmaker = make_sessionmaker(engine)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    workers = [Dispatcher(sessionmaker, settings) for _ in range(dispatchers)]
    try:
        await asyncio.gather(*(w.run(stop) for w in workers))
    finally:
        for w in workers:
            await w.aclose()
        await engine.dispose()
