"""Issue 15 §1: after the owner withdraws consent (or the account moves to another bank) the bank gets no further
copy of the shop's data by any exit: retries, redelivery, the pull feed. Real HTTP to the sandbox bank, real
commits, both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.bank.outbox.models import BankEvent, WebhookDelivery
from app.bank.webhooks.dispatcher import Dispatcher
from app.core.db import utcnow
from tests.app.bank.test_outbox import shop_body
from tests.app.consents.factories import consent_body
from tests.conftest import BACKENDS
from tests.webhook_receiver import LiveBank, Receiver, live_client, live_database, live_engine, live_settings, receiver

WITHDRAWN = "merchant.consent_withdrawn"


@pytest.fixture(scope="module", params=BACKENDS)
def live_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from live_database(request.param, tmp_path_factory.mktemp("live"))


@pytest.fixture
async def bank(live_url: str, tmp_path: Path) -> AsyncIterator[LiveBank]:
    async with live_engine(live_url) as engine:
        live = LiveBank(engine, live_settings(live_url, tmp_path, webhook_retry_schedule="30,30,30"))
        yield live
        await live.quiesce()


@pytest.fixture
async def sandbox() -> AsyncIterator[Receiver]:
    async with receiver() as r:
        yield r


async def _setup(bank: LiveBank, sandbox: Receiver, fail: list) -> tuple[str, dict, dict, dict, dict]:
    """A fresh bank with a webhook on the sandbox, and a consented shop at that bank."""
    bin_, bank_headers = await bank.new_bank()
    agent = await bank.user_headers("agent.vungtau")
    async with live_client(bank.settings, bank.engine) as c:
        r = await c.post("/api/v1/bank/webhooks", json={"url": sandbox.url}, headers=bank_headers)
        assert r.status_code == 201, r.text
        hook = r.json()
        await sandbox.configure(secrets=[hook["secret"]], fail=fail)
        r = await c.post("/api/v1/merchants", json=shop_body(bin_=bin_), headers=agent)
        assert r.status_code == 201, r.text
        shop = r.json()
        r = await c.post(f"/api/v1/merchants/{shop['id']}/consents", json=consent_body(), headers=agent)
        assert r.status_code == 201, r.text
        shop["consent_id"] = r.json()["id"]
    return bin_, bank_headers, agent, hook, shop


async def _withdraw(bank: LiveBank, agent: dict, shop: dict) -> None:
    async with live_client(bank.settings, bank.engine) as c:
        r = await c.post(f"/api/v1/consents/{shop['consent_id']}/withdraw", json={"reason": "chủ đổi ý"}, headers=agent)
        assert r.status_code == 200, r.text


async def _move_account(bank: LiveBank, agent: dict, shop: dict, other_bin: str) -> None:
    async with live_client(bank.settings, bank.engine) as c:
        current = (await c.get(f"/api/v1/merchants/{shop['id']}", headers=agent)).json()
        r = await c.patch(
            f"/api/v1/merchants/{shop['id']}",
            json={"payment_account": {"bank_bin": other_bin, "account_number": "2151000011", "account_name": "HUONG"}},
            headers=agent | {"If-Match": f'"{current["version"]}"'},
        )
        assert r.status_code == 200, r.text


async def _events(bank: LiveBank, bin_: str, shop: dict) -> list[BankEvent]:
    """The shop's events in that bank's feed (tests of one module share its database)."""
    async with bank.sessionmaker() as s:
        stmt = select(BankEvent).where(BankEvent.bank_bin == bin_, BankEvent.merchant_id == shop["id"])
        return list((await s.execute(stmt.order_by(BankEvent.seq))).scalars())


async def _feed(c, headers: dict, shop: dict) -> list[dict]:
    r = await c.get("/api/v1/bank/events?after=0&limit=500", headers=headers)
    assert r.status_code == 200, r.text
    return [e for e in r.json()["items"] if e["data"]["merchant_id"] == shop["id"]]


async def _deliveries(bank: LiveBank, hook_id: str) -> dict[str, WebhookDelivery]:
    async with bank.sessionmaker() as s:
        rows = await s.execute(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == hook_id))
        return {d.event_id: d for d in rows.scalars()}


async def _all_due_now(bank: LiveBank) -> None:
    """Time passes: whatever is still pending is due (a retry the schedule put 30 s away)."""
    async with bank.sessionmaker() as s:
        past = utcnow() - timedelta(seconds=1)
        await s.execute(update(WebhookDelivery).where(WebhookDelivery.status == "pending").values(next_attempt_at=past))
        await s.commit()


async def _run(bank: LiveBank, times: int = 3) -> None:
    dispatcher = Dispatcher(bank.sessionmaker, bank.settings)
    try:
        for _ in range(times):
            await dispatcher.run_once()
    finally:
        await dispatcher.aclose()


async def _sent(sandbox: Receiver, event_id: str) -> int:
    return sum(1 for a in (await sandbox.inbox())["attempts"] if a["id"] == event_id)


async def test_a_failing_delivery_is_not_retried_after_the_withdrawal(bank, sandbox):
    bin_, bank_headers, agent, hook, shop = await _setup(bank, sandbox, fail=[500])
    await _run(bank, 1)  # merchant.created: 500, a retry is scheduled
    [created] = await _events(bank, bin_, shop)
    assert await _sent(sandbox, created.id) == 1

    await _withdraw(bank, agent, shop)
    await _all_due_now(bank)
    await _run(bank)

    assert await _sent(sandbox, created.id) == 1  # never again
    created_d = (await _deliveries(bank, hook["id"]))[created.id]
    assert (created_d.status, created_d.next_attempt_at, created_d.lease_token) == (
        "cancelled_consent_withdrawn",
        None,
        None,
    )
    [_, withdrawal] = await _events(bank, bin_, shop)
    assert withdrawal.type == WITHDRAWN and (await sandbox.inbox())["accepted"] == {withdrawal.id: 1}
    # visible in the delivery log, and filterable by that state
    async with live_client(bank.settings, bank.engine) as c:
        page = await c.get(
            f"/api/v1/bank/webhooks/{hook['id']}/deliveries?status=cancelled_consent_withdrawn", headers=bank_headers
        )
    assert page.status_code == 200, page.text
    [item] = page.json()["items"]
    assert item["event_id"] == created.id and item["status"] == "cancelled_consent_withdrawn"
    assert "withdrew consent" in item["last_error"] and len(item["attempt_log"]) == 1


async def test_a_delivery_claimed_before_the_withdrawal_is_not_sent_after_it(bank, sandbox):
    """The race: the dispatcher claimed the event, the withdrawal commits, then the send would start."""
    _, _, agent, hook, shop = await _setup(bank, sandbox, fail=[])
    dispatcher = Dispatcher(bank.sessionmaker, bank.settings)
    try:
        [claim] = await dispatcher.claim()
        await _withdraw(bank, agent, shop)
        outcome = await dispatcher.deliver(claim)
        await dispatcher.record([outcome])
    finally:
        await dispatcher.aclose()
    assert await _sent(sandbox, claim.event_id) == 0
    assert (await _deliveries(bank, hook["id"]))[claim.event_id].status == "cancelled_consent_withdrawn"


async def test_a_claim_never_takes_an_event_a_withdrawal_followed(bank, sandbox):
    """Even a delivery left pending (written before this rule existed) is cancelled when claimed, not sent."""
    bin_, _, agent, hook, shop = await _setup(bank, sandbox, fail=[])
    await _withdraw(bank, agent, shop)
    [created, _] = await _events(bank, bin_, shop)
    async with bank.sessionmaker() as s:  # as a database from before the upgrade would hold it
        await s.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.event_id == created.id)
            .values(status="pending", last_error=None, next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        await s.commit()
    await _run(bank)
    assert await _sent(sandbox, created.id) == 0
    assert (await _deliveries(bank, hook["id"]))[created.id].status == "cancelled_consent_withdrawn"


async def test_redelivering_a_withdrawn_shops_event_is_refused(bank, sandbox):
    bin_, bank_headers, agent, hook, shop = await _setup(bank, sandbox, fail=[])
    await _run(bank, 1)
    [created] = await _events(bank, bin_, shop)
    assert (await sandbox.inbox())["accepted"] == {created.id: 1}
    await _withdraw(bank, agent, shop)
    delivery = (await _deliveries(bank, hook["id"]))[created.id]

    async with live_client(bank.settings, bank.engine) as c:
        r = await c.post(f"/api/v1/bank/deliveries/{delivery.id}/redeliver", headers=bank_headers)
        en = await c.post(
            f"/api/v1/bank/deliveries/{delivery.id}/redeliver", headers=bank_headers | {"Accept-Language": "en"}
        )
    assert r.status_code == 409 and r.json()["code"] == "consent_withdrawn", r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "rút lại sự đồng ý" in r.json()["title"] and "withdrew consent" in en.json()["title"]
    assert "withdrew consent" in en.json()["detail"]
    await _all_due_now(bank)
    await _run(bank)
    assert await _sent(sandbox, created.id) == 1  # only the one before the withdrawal
    assert (await _deliveries(bank, hook["id"]))[created.id].status == "succeeded"  # what happened stays


async def test_the_feed_serves_earlier_events_as_the_shop_id_only(bank, sandbox):
    _, bank_headers, agent, _, shop = await _setup(bank, sandbox, fail=[])
    await _withdraw(bank, agent, shop)
    async with live_client(bank.settings, bank.engine) as c:
        page = await _feed(c, bank_headers, shop)
        # the owner consents again: the new copy is whole, the one from before the withdrawal stays withdrawn
        again = await c.post(f"/api/v1/merchants/{shop['id']}/consents", json=consent_body(), headers=agent)
        assert again.status_code == 201, again.text
        later = await _feed(c, bank_headers, shop)
    created, withdrawn = page
    assert (created["type"], created["data"]) == ("merchant.created", {"merchant_id": shop["id"]})
    assert withdrawn["data"] == {"merchant_id": shop["id"]} and withdrawn["seq"] == created["seq"] + 1
    assert [e["seq"] for e in later] == [created["seq"], created["seq"] + 1, created["seq"] + 2]
    assert later[0]["data"] == {"merchant_id": shop["id"]}
    assert later[2]["type"] == "merchant.created" and later[2]["data"]["name"] == shop["name"]


async def test_moving_the_account_stops_the_old_banks_copies_the_same_way(bank, sandbox):
    bin_, bank_headers, agent, hook, shop = await _setup(bank, sandbox, fail=[500])
    other_bin, _ = await bank.new_bank()
    await _run(bank, 1)  # merchant.created fails once
    [created] = await _events(bank, bin_, shop)

    await _move_account(bank, agent, shop, other_bin)
    await _all_due_now(bank)
    await _run(bank)

    assert await _sent(sandbox, created.id) == 1
    assert (await _deliveries(bank, hook["id"]))[created.id].status == "cancelled_consent_withdrawn"
    async with live_client(bank.settings, bank.engine) as c:
        items = await _feed(c, bank_headers, shop)
        d = (await _deliveries(bank, hook["id"]))[created.id]
        redo = await c.post(f"/api/v1/bank/deliveries/{d.id}/redeliver", headers=bank_headers)
    assert [(e["type"], e["data"]) for e in items] == [
        ("merchant.created", {"merchant_id": shop["id"]}),
        (WITHDRAWN, {"merchant_id": shop["id"]}),
    ]
    assert redo.status_code == 409 and redo.json()["code"] == "consent_withdrawn"
