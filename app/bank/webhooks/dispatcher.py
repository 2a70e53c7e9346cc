"""Delivers bank events to webhooks per Standard Webhooks, with retries, from `phoqr serve` or `phoqr worker`.

Claiming: one short transaction picks due deliveries with `SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL;
SQLite's `BEGIN IMMEDIATE` serialises writers instead), writes a lease (token + expiry) and the next attempt's
row, and commits. The HTTP call happens outside any transaction; its result is written only if the lease is
still ours. Several dispatchers therefore never take the same attempt (the attempt row is unique per delivery
and number, too; the claim's conditions are repeated on the locked rows, which is what PostgreSQL re-checks
when another dispatcher's claim committed in between: `WebhookRepository.claimable`), and a dispatcher that dies
mid-call only delays its deliveries until the lease expires.

Sending: every claimed delivery is sent on its own task and recorded in its own transaction as soon as it
finishes, so one endpoint's bad answer or slow drip never holds, rolls back or repeats another's. A send's whole
time (connect, headers, body) is bounded by `webhook_timeout_seconds`, well inside the lease; an endpoint has at
most `webhook_concurrency` deliveries in flight per dispatcher, and `run` claims again while slow ones are still
out, so a slow receiver uses its own slots only. Before each send the delivery is read again: a withdrawal that
committed since the claim stops it (app.bank.outbox.withdrawn).

Chosen over procrastinate/pgqueuer: the work item is already a row written by the outbox in the change's own
transaction, on both SQLite and PostgreSQL; a queue library would be a second copy of that row, PostgreSQL only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.bank.outbox.models import BankEvent, WebhookAttempt, WebhookEndpoint
from app.bank.outbox.service import feed_item
from app.bank.outbox.withdrawn import cancel
from app.bank.webhooks import crypto
from app.bank.webhooks.delivery_results import Claim, Outcome, record_one
from app.bank.webhooks.repository import WebhookRepository
from app.bank.webhooks.ssrf import Resolver, webhook_client
from app.core.config import Settings
from app.core.db import utcnow

log = logging.getLogger("phoqr.webhooks")


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
        self.send_limit = settings.webhook_timeout_seconds  # a send's whole time, not per phase
        self.lease = timedelta(seconds=settings.webhook_timeout_seconds * 3 + 30)
        self.in_flight: Counter[str] = Counter()  # endpoint id -> deliveries being sent now

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()

    async def _nothing_due(self, now: datetime) -> bool:
        """A read-only look first, so an idle dispatcher never takes SQLite's write lock just to find nothing."""
        async with self.sessionmaker() as session:
            await session.connection(execution_options={"read_only": True})
            return not await WebhookRepository(session).any_due(now)

    async def claim(self, limit: int | None = None) -> list[Claim]:
        now = utcnow()
        if await self._nothing_due(now):
            return []
        async with self.sessionmaker() as session, session.begin():
            repo = WebhookRepository(session)
            per_endpoint = self.settings.webhook_concurrency
            full = [e for e, n in self.in_flight.items() if n >= per_endpoint]
            found = await repo.claimable(now, limit or self.settings.webhook_batch_size, per_endpoint, full)
            stopped = sorted(i for i, withdrawn in found if withdrawn)
            if stopped:  # the shop left this bank after the event: never send it (app.bank.outbox.withdrawn)
                await cancel(session, stopped)
            ids = [i for i, withdrawn in found if not withdrawn]
            if not ids:
                return []
            pending = []
            for delivery, endpoint, event in await repo.with_endpoints_and_events(ids):
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
                Claim(d.id, token, d.attempts, e.url, self._secrets(e, now), ev.id, body_of(ev), a.id or 0, e.id)
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
            # httpx's timeouts are per phase; this bounds the whole exchange (a receiver dripping header bytes)
            async with asyncio.timeout(self.send_limit):
                async with self.client.stream("POST", claim.url, content=claim.body, headers=headers) as response:
                    code, retry_after, error = response.status_code, response.headers.get("retry-after"), None
        except httpx.HTTPError as exc:
            code, retry_after, error = None, None, f"{type(exc).__name__}: {exc}"[:300]
        except TimeoutError:
            code, retry_after, error = None, None, f"TimeoutError: no whole answer within {self.send_limit:g} s"
        return code, retry_after, error, int((time.perf_counter() - started) * 1000)

    async def still_ours(self, claim: Claim) -> bool:
        """Just before sending: the lease is still ours and no withdrawal has stopped the event since the claim
        (a withdrawal that commits after this read can only meet a request already on its way)."""
        async with self.sessionmaker() as session:
            await session.connection(execution_options={"read_only": True})
            return await WebhookRepository(session).still_leased(claim.delivery_id, claim.token)

    async def deliver(self, claim: Claim) -> Outcome:
        if not await self.still_ours(claim):
            return Outcome(claim, None, None, "not sent: cancelled or withdrawn before sending", 0, sent=False)
        return Outcome(claim, *await self.send(claim))

    async def record(self, outcomes: list[Outcome]) -> None:
        """Each answer in its own transaction: one that cannot be written never undoes another's."""
        for outcome in outcomes:
            await self._record(outcome)

    async def _record(self, outcome: Outcome) -> None:
        try:
            await record_one(self.sessionmaker, self.schedule, outcome)
        except Exception:  # the lease runs out and the delivery is tried again: at least once, never lost
            log.exception(
                "webhook delivery %s: recording attempt %d failed", outcome.claim.delivery_id, outcome.claim.attempt_no
            )

    async def handle(self, claim: Claim) -> None:
        """Send one claimed delivery and record its answer at once, whatever the other deliveries do."""
        self.in_flight[claim.endpoint_id] += 1
        try:
            await self._record(await self.deliver(claim))
        finally:
            self.in_flight[claim.endpoint_id] -= 1
            if self.in_flight[claim.endpoint_id] <= 0:
                del self.in_flight[claim.endpoint_id]

    async def run_once(self) -> int:
        """Claim one batch and see every delivery of it through (tests, and the CLI's single pass)."""
        claims = await self.claim()
        if claims:
            await asyncio.gather(*(self.handle(c) for c in claims))
        return len(claims)

    async def run(self, stop: asyncio.Event) -> None:
        """Claim while there is room (`webhook_batch_size` in flight at most); never wait for a slow send."""
        log.info("webhook dispatcher %s started", self.name)
        tasks: set[asyncio.Task[None]] = set()
        stopping = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                room, claims = self.settings.webhook_batch_size - len(tasks), []
                if room > 0:
                    try:
                        claims = await self.claim(room)
                    except Exception:  # the database may be restarting: keep the loop alive, try again shortly
                        log.exception("webhook dispatcher %s: claim failed", self.name)
                for c in claims:
                    task = asyncio.create_task(self.handle(c))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                if not claims:  # idle or full: wait for a send to finish, the poll interval, or the stop
                    await asyncio.wait(
                        {stopping, *tasks}, timeout=self.settings.webhook_poll_seconds, return_when="FIRST_COMPLETED"
                    )
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            stopping.cancel()
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
