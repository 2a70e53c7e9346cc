"""Webhooks really delivered: the dispatcher posts to the sandbox bank over HTTP, and the sandbox verifies each
delivery with `standardwebhooks.Webhook(secret).verify(body, headers)`. Retries, Retry-After, 410, rotation,
redelivery, two dispatchers at once, and the address guard at delivery time. Both databases."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from app.bank.outbox import service as outbox
from app.bank.outbox.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.bank.webhooks import crypto
from app.bank.webhooks.dispatcher import Dispatcher
from app.core.db import utcnow
from tests.conftest import BACKENDS
from tests.webhook_receiver import LiveBank, Receiver, live_client, live_database, live_engine, live_settings, receiver
from tests.webhook_receiver import wait_for as wait


@pytest.fixture(scope="module", params=BACKENDS)
def live_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from live_database(request.param, tmp_path_factory.mktemp("live"))


@pytest.fixture
async def bank(live_url: str, tmp_path: Path) -> AsyncIterator[LiveBank]:
    async with live_engine(live_url) as engine:
        live = LiveBank(engine, live_settings(live_url, tmp_path))
        yield live
        await live.quiesce()


@pytest.fixture
async def sandbox() -> AsyncIterator[Receiver]:
    async with receiver() as r:
        yield r


async def register(bank: LiveBank, headers: dict[str, str], url: str, **kw: object) -> dict:
    async with live_client(bank.settings, bank.engine) as c:
        r = await c.post("/api/v1/bank/webhooks", json={"url": url, **kw}, headers=headers)
        assert r.status_code == 201, r.text
        return r.json()


async def emit(bank: LiveBank, bin_: str, n: int = 1, type_: str = "merchant.updated") -> list[str]:
    """Events written exactly as a shop change writes them (outbox.append), committed."""
    ids = []
    async with bank.sessionmaker() as s:
        for i in range(n):
            mid = str(uuid.uuid4())
            event = await outbox.append(s, bin_, type_, mid, {"merchant_id": mid, "version": i + 1})
            ids.append(event.id)
        await s.commit()
    return ids


async def drain(bank: LiveBank, until, **kw) -> Dispatcher:
    dispatcher = Dispatcher(bank.sessionmaker, bank.settings, **kw)
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    try:
        await wait(until, within=20)
    finally:
        stop.set()
        await task
        await dispatcher.aclose()
    return dispatcher


async def deliveries(bank: LiveBank, endpoint_id: str) -> list[WebhookDelivery]:
    async with bank.sessionmaker() as s:
        rows = await s.execute(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id))
        return list(rows.scalars())


async def attempts(bank: LiveBank, delivery_id: str) -> list[WebhookAttempt]:
    async with bank.sessionmaker() as s:
        rows = await s.execute(
            select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id).order_by(WebhookAttempt.attempt_no)
        )
        return list(rows.scalars())


async def test_fails_twice_then_arrives_once_signed_and_retried_on_schedule(bank, sandbox, tmp_path):
    bank.settings = live_settings(bank.settings.database_url, tmp_path, webhook_retry_schedule="0.2,1.5,1")
    bin_, headers = await bank.new_bank()
    hook = await register(bank, headers, sandbox.url)
    await sandbox.configure(secrets=[hook["secret"]], fail=[500, 503])
    [event_id] = await emit(bank, bin_)

    await drain(bank, lambda: _accepted(sandbox, event_id))

    inbox = await sandbox.inbox()
    assert inbox["accepted"] == {event_id: 1}
    seen = [a for a in inbox["attempts"] if a["id"] == event_id]
    assert [a["answer"] for a in seen] == [500, 503, 200]
    assert all(a["verified_by"] == [0] for a in seen)  # standardwebhooks accepted every one
    assert inbox["events"][event_id]["id"] == event_id and inbox["events"][event_id]["type"] == "merchant.updated"
    [d] = await deliveries(bank, hook["id"])
    assert (d.status, d.attempts, d.last_status_code) == ("succeeded", 3, 200)
    log = await attempts(bank, d.id)
    assert [a.status_code for a in log] == [500, 503, 200]
    # the schedule (0.2 s, then 1.5 s) decided when each retry was due, counted from the recorded answer;
    # 503 without Retry-After follows it too
    gaps = [(a.next_attempt_at - a.finished_at).total_seconds() for a in log[:2]]
    assert gaps == [0.2, 1.5]
    assert all(a.started_at <= a.finished_at for a in log) and log[1].started_at >= log[0].next_attempt_at
    assert log[2].next_attempt_at is None


async def _accepted(sandbox: Receiver, *ids: str) -> bool:
    accepted = (await sandbox.inbox())["accepted"]
    return all(accepted.get(i) for i in ids)


async def test_retry_after_is_honoured_over_the_schedule(bank, sandbox, tmp_path):
    bank.settings = live_settings(bank.settings.database_url, tmp_path, webhook_retry_schedule="3600")
    bin_, headers = await bank.new_bank()
    hook = await register(bank, headers, sandbox.url)
    await sandbox.configure(secrets=[hook["secret"]], fail=[{"status": 429, "retry_after": "1"}])
    [event_id] = await emit(bank, bin_)

    await drain(bank, lambda: _accepted(sandbox, event_id))

    [d] = await deliveries(bank, hook["id"])
    first, second = await attempts(bank, d.id)
    assert first.status_code == 429 and second.status_code == 200
    # due after Retry-After's 1 s, not after the schedule's hour
    assert (first.next_attempt_at - first.finished_at).total_seconds() == 1.0


async def test_410_disables_the_endpoint_and_stops_its_deliveries(bank, sandbox):
    bin_, headers = await bank.new_bank()
    hook = await register(bank, headers, sandbox.url)
    await sandbox.configure(secrets=[hook["secret"]], fail=[410])
    first = (await emit(bank, bin_))[0]
    dispatcher = Dispatcher(bank.sessionmaker, bank.settings)
    try:
        assert await dispatcher.run_once() >= 1
        later = (await emit(bank, bin_))[0]
        assert await dispatcher.run_once() == 0  # nothing is claimed for a disabled endpoint
    finally:
        await dispatcher.aclose()

    async with live_client(bank.settings, bank.engine) as c:
        listed = (await c.get("/api/v1/bank/webhooks", headers=headers)).json()
        redo = await c.post(
            f"/api/v1/bank/deliveries/{(await deliveries(bank, hook['id']))[0].id}/redeliver", headers=headers
        )
    assert listed[0]["status"] == "disabled" and "410" in listed[0]["disabled_reason"]
    assert redo.status_code == 409 and redo.json()["code"] == "invalid_state"
    by_event = {d.event_id: d for d in await deliveries(bank, hook["id"])}
    assert by_event[first].status == "failed" and by_event[first].last_status_code == 410
    assert later not in by_event  # a disabled endpoint is owed nothing new
    assert [a["answer"] for a in (await sandbox.inbox())["attempts"]] == [410]


async def test_rotation_both_secrets_sign_during_the_overlap_then_only_the_new(bank, sandbox):
    bin_, headers = await bank.new_bank()
    hook = await register(bank, headers, sandbox.url)
    async with live_client(bank.settings, bank.engine) as c:
        rotated = (await c.post(f"/api/v1/bank/webhooks/{hook['id']}/rotate-secret", headers=headers)).json()
        listed = (await c.get("/api/v1/bank/webhooks", headers=headers)).json()
    assert rotated["secret"] != hook["secret"] and rotated["secret"].startswith("whsec_")
    assert "secret" not in listed[0]
    await sandbox.configure(secrets=[hook["secret"], rotated["secret"]])
    [during] = await emit(bank, bin_)
    await drain(bank, lambda: _accepted(sandbox, during))

    async with bank.sessionmaker() as s:  # 24 h later
        await s.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == hook["id"])
            .values(previous_secret_until=utcnow() - timedelta(seconds=1))
        )
        await s.commit()
    [after] = await emit(bank, bin_)
    await drain(bank, lambda: _accepted(sandbox, after))

    seen = {a["id"]: a for a in (await sandbox.inbox())["attempts"]}
    assert seen[during]["verified_by"] == [0, 1] and seen[during]["signatures"] == 2
    assert seen[after]["verified_by"] == [1] and seen[after]["signatures"] == 1


async def test_secret_is_stored_encrypted(bank, sandbox):
    _, headers = await bank.new_bank()
    hook = await register(bank, headers, sandbox.url)
    async with bank.sessionmaker() as s:
        row = await s.get(WebhookEndpoint, hook["id"])
    raw = hook["secret"].removeprefix("whsec_")
    assert raw not in row.secret_enc and hook["secret"] not in row.secret_enc
    assert crypto.decrypt(bank.settings, row.secret_enc) == hook["secret"]
    other_key = live_settings(bank.settings.database_url, Path("/tmp"), jwt_secret="another-" + "y" * 40)
    with pytest.raises(RuntimeError):
        crypto.decrypt(other_key, row.secret_enc)


async def test_redeliver_sends_the_same_id_again(bank, sandbox):
    bin_, headers = await bank.new_bank()
    hook = await register(bank, headers, sandbox.url)
    await sandbox.configure(secrets=[hook["secret"]])
    [event_id] = await emit(bank, bin_)
    await drain(bank, lambda: _accepted(sandbox, event_id))
    async with live_client(bank.settings, bank.engine) as c:
        page = (await c.get(f"/api/v1/bank/webhooks/{hook['id']}/deliveries", headers=headers)).json()
        [item] = page["items"]
        assert item["status"] == "succeeded" and item["event_id"] == event_id and len(item["attempt_log"]) == 1
        r = await c.post(f"/api/v1/bank/deliveries/{item['id']}/redeliver", headers=headers)
        assert r.status_code == 202 and r.json()["status"] == "pending"
    await drain(bank, lambda: _count(sandbox, event_id, 2))
    assert (await sandbox.inbox())["accepted"][event_id] == 2  # at least once: receivers dedupe on webhook-id


async def _count(sandbox: Receiver, event_id: str, n: int) -> bool:
    return (await sandbox.inbox())["accepted"].get(event_id) == n


@pytest.mark.skipif("postgres" not in BACKENDS, reason="several dispatchers run on PostgreSQL")
async def test_two_dispatchers_on_postgresql_never_send_an_attempt_twice(bank, sandbox, live_url):
    if not live_url.startswith("postgresql"):
        pytest.skip("several dispatchers at once is the PostgreSQL set-up; SQLite runs one")
    # a send's time limit far above any stall of a loaded CI machine: a timed-out send is rightly tried again
    # (at least once), and this test is about claims, which must never overlap
    bank.settings = live_settings(
        live_url, Path("/tmp"), webhook_batch_size=5, webhook_concurrency=4, webhook_timeout_seconds=60.0
    )
    bin_, headers = await bank.new_bank()
    hook = await register(bank, headers, sandbox.url)
    await sandbox.configure(secrets=[hook["secret"]])
    ids = await emit(bank, bin_, 120)

    async with live_engine(live_url) as second_engine:
        from app.core.db import make_sessionmaker

        one = Dispatcher(bank.sessionmaker, bank.settings, name="one")
        two = Dispatcher(make_sessionmaker(second_engine), bank.settings, name="two")
        stop = asyncio.Event()
        tasks = [asyncio.create_task(d.run(stop)) for d in (one, two)]
        try:
            await wait(lambda: _accepted(sandbox, *ids), within=60)
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            await one.aclose()
            await two.aclose()

    inbox = await sandbox.inbox()
    assert sorted(inbox["accepted"]) == sorted(ids) and set(inbox["accepted"].values()) == {1}
    assert len(inbox["attempts"]) == len(ids)
    async with bank.sessionmaker() as s:
        rows = (
            await s.execute(
                select(WebhookAttempt.dispatcher, func.count())
                .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
                .where(WebhookDelivery.endpoint_id == hook["id"])
                .group_by(WebhookAttempt.dispatcher)
            )
        ).all()
    counts = dict(rows)
    assert sum(counts.values()) == len(ids) and set(counts) == {"one", "two"}  # both worked, none twice


async def test_a_name_that_turns_private_at_delivery_time_is_refused(bank, sandbox, tmp_path):
    """DNS rebinding: public when registered, loopback when the dispatcher connects."""
    prod = live_settings(
        bank.settings.database_url, tmp_path, environment="production", demo_users=False, jwt_secret="p" * 48
    )
    bin_, _ = await bank.new_bank()
    from app.auth import Principal, Role
    from app.bank.webhooks import service as webhooks
    from app.bank.webhooks.schemas import WebhookIn

    async def public(host: str, port: int) -> list[str]:
        return ["93.184.215.14"]

    async def rebound(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    principal = Principal(id=bank.user_ids[bin_], username="x", full_name="x", role=Role.BANK_PARTNER, bank_bin=bin_)
    async with bank.sessionmaker() as s:
        hook = await webhooks.create(
            s, prod, principal, bin_, WebhookIn(url="https://hooks.bank.example/phoqr"), resolver=public
        )
        await s.commit()
    [event_id] = await emit(bank, bin_)
    dispatcher = Dispatcher(bank.sessionmaker, prod, resolver=rebound)
    try:
        assert await dispatcher.run_once() == 1
    finally:
        await dispatcher.aclose()
    [d] = await deliveries(bank, hook.id)
    [attempt] = await attempts(bank, d.id)
    assert d.status == "pending" and attempt.status_code is None and "non-public" in (attempt.error or "")
    assert d.event_id == event_id and (await sandbox.inbox())["attempts"] == []


async def test_a_receiver_that_does_not_answer_in_time_is_retried(bank, sandbox, tmp_path):
    bank.settings = live_settings(bank.settings.database_url, tmp_path, webhook_timeout_seconds=0.3)
    bin_, headers = await bank.new_bank()
    hook = await register(bank, headers, sandbox.url)
    await sandbox.configure(secrets=[hook["secret"]], fail=[{"status": 200, "delay": 2}])
    [event_id] = await emit(bank, bin_)

    await drain(bank, lambda: _accepted(sandbox, event_id))

    [d] = await deliveries(bank, hook["id"])
    first, second = await attempts(bank, d.id)
    assert first.status_code is None and "Timeout" in (first.error or "") and second.status_code == 200
    assert (await sandbox.inbox())["accepted"] == {event_id: 1}
