"""Issuing a QR through a slow HTTP bank: no transaction (no SQLite write lock) is held while the bank thinks,
and concurrent or retried issues leave exactly one active QR.

These tests run the app as in production (a session per request, real commits) on a database of their own,
on SQLite and on PostgreSQL; the bank is an httpx.MockTransport that answers only when the test says so.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import qr
from app.audit.models import AuditLog
from app.auth.models import User
from app.core.config import Settings
from app.core.migrate import upgrade
from app.core.security import encode_token
from app.main import create_app
from app.qrcodes.models import QRCode
from integrations import build_registry
from tests.conftest import BACKENDS, DEMO_PASSWORD, _seed, create_database
from tests.factories import make_merchant, street_id

GUARD = 60  # seconds: only ever reached if a request deadlocks, never a measure of speed


class SlowBank:
    """The sandbox adapter's HTTP side; every call waits until `release()`."""

    def __init__(self) -> None:
        self.arrived: list[httpx.Request] = []
        self._arrival = asyncio.Condition()
        self._gate = asyncio.Event()

    async def handler(self, request: httpx.Request) -> httpx.Response:
        async with self._arrival:
            self.arrived.append(request)
            self._arrival.notify_all()
        await self._gate.wait()
        asked = json.loads(request.content)
        return httpx.Response(
            200,
            json={
                "payload": qr.build_vietqr(asked["bin"], asked["account_number"]),
                "account_name": "NGUYEN THI HUONG",
                "reference": f"QR-{uuid.uuid4().hex[:8]}",
            },
        )

    async def wait_for_calls(self, n: int) -> None:
        async with self._arrival:
            await asyncio.wait_for(self._arrival.wait_for(lambda: len(self.arrived) >= n), GUARD)

    def release(self) -> None:
        self._gate.set()

    @property
    def released(self) -> bool:
        return self._gate.is_set()


@pytest.fixture(scope="module", params=BACKENDS)
def live_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of this module's own: these tests commit for real."""
    url, drop = create_database(request.param, Path(tmp_path_factory.mktemp("live")))
    upgrade(url)
    asyncio.run(_seed(url))
    yield url
    drop()


@pytest.fixture
async def live(live_url: str, tmp_path: Path) -> AsyncIterator[tuple[object, httpx.AsyncClient, SlowBank]]:
    settings = Settings(
        _env_file=None,
        environment="test",
        database_url=live_url,
        jwt_secret="test-secret-" + "x" * 40,
        media_dir=tmp_path / "media",
        demo_password=DEMO_PASSWORD,
        webhook_dispatcher=False,
        account_checks=False,
    )
    app = create_app(settings)
    bank = SlowBank()
    async with app.router.lifespan_context(app):
        await app.state.adapters.aclose()
        slow = {"970436": {"adapter": "sandbox", "base_url": "http://bank.test"}}
        app.state.adapters = build_registry(slow, transport=httpx.MockTransport(bank.handler))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            client.app = app  # type: ignore[attr-defined]
            yield app, client, bank
        bank.release()


def _db(app: object) -> AsyncSession:
    return AsyncSession(app.state.engine, expire_on_commit=False)  # type: ignore[attr-defined]


async def headers(app: object, username: str) -> dict[str, str]:
    async with _db(app) as s:
        user = (await s.execute(select(User).where(User.username == username))).scalar_one()
    token, _ = encode_token(app.state.settings, str(user.id), "access", ttl=timedelta(minutes=5))  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {token}"}


async def vcb_shop(app: object) -> tuple[str, str]:
    """A shop with its own Vietcombank account (this module's database is shared by its tests)."""
    account = str(uuid.uuid4().int)[:13]
    async with _db(app) as s:
        shop = await make_merchant(s, account_number=account, street=await street_id(s, "Ba Cu"))
    return shop.id, account


async def qr_rows(app: object, merchant_id: str) -> tuple[int, int, int]:
    """(QR records, active QR records, qr.issue audit rows) of a shop."""
    async with _db(app) as s:
        ids = (await s.execute(select(QRCode.id).where(QRCode.merchant_id == merchant_id))).scalars().all()
        active = await s.scalar(select(func.count()).where(QRCode.active_for == merchant_id))
        audited = await s.scalar(
            select(func.count()).where(AuditLog.action == "qr.issue", AuditLog.entity_id.in_(ids or [""]))
        )
    return len(ids), active or 0, audited or 0


async def test_other_writers_go_on_while_the_bank_thinks(live):
    app, client, bank = live
    shop, account = await vcb_shop(app)
    h = await headers(app, "agent.vungtau")
    issuing = asyncio.create_task(client.post(f"/api/v1/merchants/{shop}/qr", json={"scheme": "vietqr"}, headers=h))
    await bank.wait_for_calls(1)
    # a field agent registers another shop while the bank has not answered: it must not wait for the bank
    body = {
        "id": str(uuid.uuid4()),
        "name": "Cà phê Biển",
        "category": "cafe",
        "phone": "0907 777 888",
        "unit": {"edition": "2025", "code": "26506"},
        "payment_account": {"bank_bin": "970418", "account_number": str(uuid.uuid4().int)[:14]},
    }
    registered = await asyncio.wait_for(client.post("/api/v1/merchants", json=body, headers=h), GUARD)
    assert registered.status_code == 201, registered.text
    assert not bank.released and not issuing.done()  # the QR is still with the bank
    bank.release()
    issued = await issuing
    assert issued.status_code == 201, issued.text
    assert qr.parse(issued.json()["payload"]).account == account
    assert await qr_rows(app, shop) == (1, 1, 1)


async def test_two_concurrent_issues_leave_one_active_qr(live):
    app, client, bank = live
    shop, _ = await vcb_shop(app)
    h = await headers(app, "agent.vungtau")
    url = f"/api/v1/merchants/{shop}/qr"
    first = asyncio.create_task(client.post(url, json={"scheme": "vietqr"}, headers=h))
    second = asyncio.create_task(client.post(url, json={"scheme": "vietqr"}, headers=h))
    await bank.wait_for_calls(2)  # both are with the bank at once: neither holds a lock meanwhile
    bank.release()
    answers = sorted(await asyncio.gather(first, second), key=lambda r: r.status_code)
    assert [r.status_code for r in answers] == [200, 201], [r.text for r in answers]
    assert answers[0].json() == answers[1].json()  # the loser is told the winner's QR
    assert await qr_rows(app, shop) == (1, 1, 1)
    # issuing again later is a re-issue: the first QR is revoked, one stays active
    bank_again = await client.post(url, json={"scheme": "vietqr"}, headers=h)
    assert bank_again.status_code == 201 and bank_again.json()["id"] != answers[1].json()["id"]
    assert await qr_rows(app, shop) == (2, 1, 2)


async def test_a_retry_with_the_same_idempotency_key_gets_the_first_answer(live):
    app, client, bank = live
    shop, _ = await vcb_shop(app)
    h = await headers(app, "agent.vungtau") | {"Idempotency-Key": f"issue-{shop}"}
    url = f"/api/v1/merchants/{shop}/qr"
    first = asyncio.create_task(client.post(url, json={"scheme": "vietqr"}, headers=h))
    retry = asyncio.create_task(client.post(url, json={"scheme": "vietqr"}, headers=h))  # the phone gave up, retried
    await bank.wait_for_calls(2)
    bank.release()
    answers = sorted(await asyncio.gather(first, retry), key=lambda r: r.status_code)
    assert [r.status_code for r in answers] == [201, 409]
    assert answers[1].json()["code"] == "idempotency_in_progress" and answers[1].headers["Retry-After"] == "1"
    replay = await client.post(url, json={"scheme": "vietqr"}, headers=h)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == answers[0].json()
    assert await qr_rows(app, shop) == (1, 1, 1)


async def test_an_account_changed_during_the_bank_call_is_a_clean_conflict(live):
    app, client, bank = live
    shop, _ = await vcb_shop(app)
    h = await headers(app, "agent.vungtau")
    issuing = asyncio.create_task(client.post(f"/api/v1/merchants/{shop}/qr", json={"scheme": "vietqr"}, headers=h))
    await bank.wait_for_calls(1)
    m = (await client.get(f"/api/v1/merchants/{shop}", headers=h)).json()
    patched = await client.patch(
        f"/api/v1/merchants/{shop}",
        json={"payment_account": {"bank_bin": "970415", "account_number": str(uuid.uuid4().int)[:12]}},
        headers=h | {"If-Match": f'"{m["version"]}"'},
    )
    assert patched.status_code == 200, patched.text
    bank.release()
    answer = await issuing
    assert answer.status_code == 409 and answer.json()["code"] == "qr_changed_concurrently"
    assert await qr_rows(app, shop) == (0, 0, 0)  # a QR for the old account was never written
