"""Issue 15 §3: one bank's receiver never harms another's deliveries. A bad `Retry-After` is ignored (never
raises) and every delivery is recorded on its own; a receiver that trickles bytes is cut off by a bound on the
whole send while the other banks' deliveries are recorded as they finish. Real HTTP, real commits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from app.bank.outbox.models import WebhookAttempt, WebhookDelivery
from app.bank.webhooks.dispatcher import Dispatcher
from app.bank.webhooks.retry_after import MAX_RETRY_AFTER, retry_after_seconds
from tests.app.bank.test_webhooks_delivery import _accepted, emit, register
from tests.conftest import BACKENDS
from tests.webhook_receiver import (
    LiveBank,
    live_database,
    live_engine,
    live_settings,
    receiver,
    trickling_receiver,
    wait_for,
)

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    ["²", "³", "٣", "1²", "1e3", "-5", "+5", "1.5", "0x10", " ", "", "Thu", "Thu, 99 Foo 2026 99:99:99 GMT", "\x00"],
)
def test_an_unreadable_retry_after_is_ignored_and_never_raises(value):
    assert retry_after_seconds(value, NOW) is None


def test_retry_after_reads_seconds_and_http_dates_strictly():
    assert retry_after_seconds("120", NOW) == 120.0
    assert retry_after_seconds(" 7 ", NOW) == 7.0
    assert retry_after_seconds("9" * 5000, NOW) == MAX_RETRY_AFTER  # never int()'s digit limit
    assert retry_after_seconds("Thu, 03 Dec 2026 09:01:00 GMT", NOW) == 60.0
    assert retry_after_seconds("Thursday, 03-Dec-26 09:00:30 GMT", NOW) == 30.0
    assert retry_after_seconds("Thu, 01 Jan 1970 00:00:00 GMT", NOW) == 0.0
    assert retry_after_seconds(None, NOW) is None


@pytest.fixture(scope="module", params=BACKENDS)
def live_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from live_database(request.param, tmp_path_factory.mktemp("live"))


@pytest.fixture
async def bank(live_url: str, tmp_path: Path) -> AsyncIterator[LiveBank]:
    async with live_engine(live_url) as engine:
        live = LiveBank(engine, live_settings(live_url, tmp_path, webhook_retry_schedule="30,30"))
        yield live
        await live.quiesce()


async def _delivery(bank: LiveBank, event_id: str) -> WebhookDelivery:
    async with bank.sessionmaker() as s:
        return (await s.execute(select(WebhookDelivery).where(WebhookDelivery.event_id == event_id))).scalar_one()


async def _attempts(bank: LiveBank, delivery_id: str) -> list[WebhookAttempt]:
    async with bank.sessionmaker() as s:
        rows = await s.execute(
            select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id).order_by(WebhookAttempt.attempt_no)
        )
        return list(rows.scalars())


async def test_one_banks_bad_retry_after_neither_breaks_nor_repeats_another_banks_delivery(bank):
    async with receiver() as bad, receiver() as good:
        bin_a, headers_a = await bank.new_bank()
        bin_b, headers_b = await bank.new_bank()
        hook_a = await register(bank, headers_a, bad.url)
        hook_b = await register(bank, headers_b, good.url)
        await bad.configure(secrets=[hook_a["secret"]], fail=[{"status": 503, "retry_after": "²"}])
        await good.configure(secrets=[hook_b["secret"]])
        [event_a] = await emit(bank, bin_a)
        [event_b] = await emit(bank, bin_b)

        dispatcher = Dispatcher(bank.sessionmaker, bank.settings)
        try:
            assert await dispatcher.run_once() == 2  # no ValueError out of the header
            assert await dispatcher.run_once() == 0  # nothing left half-settled to send again
        finally:
            await dispatcher.aclose()

        a, b = await _delivery(bank, event_a), await _delivery(bank, event_b)
        assert (b.status, b.attempts, b.last_status_code) == ("succeeded", 1, 200)
        assert (await good.inbox())["accepted"] == {event_b: 1}
        assert (a.status, a.last_status_code, a.lease_token) == ("pending", 503, None)
        [attempt] = await _attempts(bank, a.id)
        # the schedule (30 s) decided, the header was ignored
        assert (attempt.next_attempt_at - attempt.finished_at).total_seconds() == 30.0


async def test_a_trickling_receiver_is_cut_off_and_never_holds_another_banks_delivery(bank, tmp_path):
    bank.settings = live_settings(
        bank.settings.database_url, tmp_path, webhook_retry_schedule="30,30", webhook_timeout_seconds=3.0
    )
    async with trickling_receiver(every=0.2) as slow_url, receiver() as good:
        bin_slow, headers_slow = await bank.new_bank()
        bin_good, headers_good = await bank.new_bank()
        await register(bank, headers_slow, slow_url)
        hook_good = await register(bank, headers_good, good.url)
        await good.configure(secrets=[hook_good["secret"]])
        [slow_event] = await emit(bank, bin_slow)
        [good_event] = await emit(bank, bin_good)

        dispatcher = Dispatcher(bank.sessionmaker, bank.settings)
        stop = asyncio.Event()
        task = asyncio.create_task(dispatcher.run(stop))
        try:
            await wait_for(lambda: _accepted(good, good_event), within=30)
            good_d = await wait_for(lambda: _succeeded(bank, good_event), within=30)
            slow_d = await _delivery(bank, slow_event)
            [slow_attempt] = await _attempts(bank, slow_d.id)
            # the good bank's answer is recorded while the slow receiver is still dripping its headers
            assert good_d.status == "succeeded" and slow_attempt.finished_at is None
            # a later event of the good bank goes out while the slow send is still on its way, too
            [later] = await emit(bank, bin_good)
            await wait_for(lambda: _accepted(good, later), within=30)
            assert (await _attempts(bank, slow_d.id))[0].finished_at is None
            # the slow send ends at the bound on its whole time, inside its lease, and is retried later
            slow_attempt = (await wait_for(lambda: _finished(bank, slow_d.id), within=30))[0]
        finally:
            stop.set()
            await task
            await dispatcher.aclose()
    assert slow_attempt.status_code is None and "TimeoutError" in (slow_attempt.error or "")
    assert slow_attempt.finished_at - slow_attempt.started_at < dispatcher.lease
    slow_d = await _delivery(bank, slow_event)
    assert slow_d.status == "pending" and slow_d.lease_token is None


async def _succeeded(bank: LiveBank, event_id: str) -> WebhookDelivery | None:
    d = await _delivery(bank, event_id)
    return d if d.status == "succeeded" else None


async def _finished(bank: LiveBank, delivery_id: str) -> list[WebhookAttempt] | None:
    found = await _attempts(bank, delivery_id)
    return found if found and found[0].finished_at is not None else None


async def test_a_webhook_urls_query_secret_never_reaches_the_logs(bank, caplog):
    caplog.set_level(logging.INFO)
    async with receiver() as sandbox:
        bin_, headers = await bank.new_bank()
        hook = await register(bank, headers, f"{sandbox.url}?api_key=s3cr3t-KEY-4711")
        await sandbox.configure(secrets=[hook["secret"]])
        [event_id] = await emit(bank, bin_)
        dispatcher = Dispatcher(bank.sessionmaker, bank.settings)
        try:
            assert await dispatcher.run_once() == 1
        finally:
            await dispatcher.aclose()
        assert (await sandbox.inbox())["accepted"] == {event_id: 1}
    sent = [r.getMessage() for r in caplog.records if r.name == "httpx" and "/v1/phoqr/webhooks" in r.getMessage()]
    assert any("POST" in line for line in sent)  # the line is there, without its query
    leaked = [(r.name, r.getMessage()) for r in caplog.records if "s3cr3t-KEY-4711" in r.getMessage()]
    assert not leaked, leaked
    assert "s3cr3t-KEY-4711" not in caplog.text
