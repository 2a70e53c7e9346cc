"""Issue 15 §3, deadlocks under consent: every writer takes its locks in one order (docs/architecture.md, "Lock
order"), so concurrent consent gives/withdrawals, sync batches and registrations with consent never answer
503 `database_busy`. Real PostgreSQL, real commits, concurrent requests on their own connections."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.app.bank.test_outbox import shop_body
from tests.app.consents.factories import consent_body
from tests.conftest import BACKENDS
from tests.webhook_receiver import LiveBank, live_client, live_database, live_engine, live_settings

pytestmark = pytest.mark.skipif("postgres" not in BACKENDS, reason="lock order is a PostgreSQL matter")


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from live_database("postgres", tmp_path_factory.mktemp("live"))


@pytest.fixture
async def bank(live_url: str, tmp_path: Path) -> AsyncIterator[LiveBank]:
    async with live_engine(live_url) as engine:
        yield LiveBank(engine, live_settings(live_url, tmp_path, rate_limit_enabled=False))


async def test_concurrent_gives_and_withdrawals_never_deadlock(bank):
    bin_, _ = await bank.new_bank()
    agent = await bank.user_headers("agent.vungtau")
    async with live_client(bank.settings, bank.engine) as c:
        consents = []
        for _ in range(12):
            r = await c.post("/api/v1/merchants", json=shop_body(bin_=bin_, consent=consent_body()), headers=agent)
            assert r.status_code == 201, r.text
            shop_id = r.json()["id"]
            listed = (await c.get(f"/api/v1/merchants/{shop_id}/consents", headers=agent)).json()
            consents.append((shop_id, listed[0]["id"]))

        async def withdraw(consent_id: str) -> int:
            r = await c.post(f"/api/v1/consents/{consent_id}/withdraw", json={"reason": "đổi ý"}, headers=agent)
            return r.status_code

        async def give(shop_id: str) -> int:  # another channel: supersedes the consent in force (locks it)
            body = consent_body(channel="witnessed_verbal")
            return (await c.post(f"/api/v1/merchants/{shop_id}/consents", json=body, headers=agent)).status_code

        for _ in range(2):
            calls = [f for shop_id, consent_id in consents for f in (withdraw(consent_id), give(shop_id))]
            answers = Counter(await asyncio.gather(*calls))
            assert answers[503] == 0, answers
            assert set(answers) <= {200, 201}, answers


async def test_sync_batches_and_registrations_with_consent_never_deadlock(bank):
    bin_, _ = await bank.new_bank()
    agents = [await bank.user_headers("agent.vungtau") for _ in range(2)]

    def op(payload: dict) -> dict:
        return {"op_id": str(uuid.uuid4()), "type": "upsert_merchant", "payload": payload}

    async with live_client(bank.settings, bank.engine) as c:

        async def batch(h: dict) -> list[str]:
            ops = [op(shop_body(bin_=bin_, consent=consent_body())) for _ in range(20)]
            body = {"device_id": f"p-{uuid.uuid4().hex[:6]}", "operations": ops}
            r = await c.post("/api/v1/sync", json=body, headers=h)
            if r.status_code != 200:
                return [f"{r.status_code} {r.json().get('code')}"]
            return [
                f"{res['status']} {','.join(e['code'] for e in res['errors'])}".strip() for res in r.json()["results"]
            ]

        async def register(h: dict) -> list[str]:
            r = await c.post("/api/v1/merchants", json=shop_body(bin_=bin_, consent=consent_body()), headers=h)
            return [str(r.status_code) if r.status_code == 201 else f"{r.status_code} {r.json().get('code')}"]

        for _ in range(2):
            calls = [batch(agents[0]), batch(agents[1])] + [register(agents[i % 2]) for i in range(16)]
            answers = Counter(code for codes in await asyncio.gather(*calls) for code in codes)
            assert answers == {"created": 40, "201": 16}, answers


async def test_receipts_for_an_old_version_never_move_bank_status_back(bank):
    """Three receipts for version 1 race a PATCH to version 2: the status ends about version 2, every round."""

    from app.consents.models import BankStatus

    bin_, bank_headers = await bank.new_bank()
    agent = await bank.user_headers("agent.vungtau")
    async with live_client(bank.settings, bank.engine) as c:

        async def receipt() -> int:
            body = {
                "receipts": [
                    {"merchant_id": shop["id"], "version": 1, "result": "rejected", "reason_code": "name_mismatch"}
                ]
            }
            h = bank_headers | {"Idempotency-Key": str(uuid.uuid4())}
            return (await c.post("/api/v1/bank/receipts", json=body, headers=h)).status_code

        async def patch() -> int:
            body = {"name": f"Tạp hóa {uuid.uuid4().hex[:4]}"}
            r = await c.patch(f"/api/v1/merchants/{shop['id']}", json=body, headers=agent | {"If-Match": '"1"'})
            return r.status_code

        for _ in range(8):
            r = await c.post("/api/v1/merchants", json=shop_body(bin_=bin_, consent=consent_body()), headers=agent)
            assert r.status_code == 201, r.text
            shop = r.json()
            answers = await asyncio.gather(receipt(), patch(), receipt(), receipt())
            assert set(answers) == {200}, answers
            async with bank.sessionmaker() as s:
                status = await s.get(BankStatus, (shop["id"], bin_))
                version = (await c.get(f"/api/v1/merchants/{shop['id']}", headers=agent)).json()["version"]
            assert version == 2
            assert (status.state, status.version) == ("sent", 2), (status.state, status.version)
