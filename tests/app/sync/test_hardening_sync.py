"""/sync never loses a batch to one operation's unexpected error, and a batch replayed while the first attempt
is still running answers the stored results (it gave 500 on the (user, op_id) unique constraint)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from app.auth.models import User
from app.core.db import make_engine
from app.core.security import encode_token
from app.idempotency.models import SyncOperation as StoredOp
from app.main import create_app
from integrations.base import IssuedQR, QRRequest
from tests.factories import shop_body as shop
from tests.hardening_scratch import scratch_url  # noqa: F401  (fixture)


class CrashingBank:
    """A bank adapter whose SDK has a bug: not an IntegrationError, just a crash."""

    name = "crashing"
    scheme = "vietqr"

    async def issue_qr(self, request: QRRequest) -> IssuedQR:
        raise RuntimeError("bank SDK bug")

    async def verify_account(self, account):
        raise RuntimeError("bank SDK bug")

    async def register_merchant(self, request, *, merchant_id):
        raise RuntimeError("bank SDK bug")

    async def aclose(self) -> None:
        return None


def op(kind, payload):
    return {"op_id": str(uuid.uuid4()), "type": kind, "payload": payload}


async def test_unexpected_error_fails_only_its_operation_and_is_not_stored(app, client, auth, session):
    app.state.adapters.register(CrashingBank(), bank_bin="970436")
    h = await auth("agent.vungtau")
    a, b = shop(), shop()
    ops = [op("upsert_merchant", a), op("issue_qr", {"merchant_id": a["id"]}), op("upsert_merchant", b)]
    r = await client.post("/api/v1/sync", json={"device_id": "p1", "operations": ops}, headers=h)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == ["created", "invalid", "created"]
    assert results[1]["errors"][0]["code"] == "internal_error"
    for s in (a, b):
        assert (await client.get(f"/api/v1/merchants/{s['id']}", headers=h)).status_code == 200
    # not stored: once the bank is fixed, the phone's replay of the same operation can succeed
    stored = await session.execute(select(func.count()).where(StoredOp.op_id == ops[1]["op_id"]))
    assert stored.scalar_one() == 0


async def test_malformed_base_version_is_invalid_for_that_operation(client, auth):
    h = await auth("agent.vungtau")
    a = shop()
    r = await client.post("/api/v1/sync", json={"device_id": "p1", "operations": [op("upsert_merchant", a)]}, headers=h)
    assert r.status_code == 200
    again = op("upsert_merchant", a | {"name": "Tạp hóa Mới", "base_version": "abc"})
    good = op("upsert_merchant", shop())
    r = await client.post("/api/v1/sync", json={"device_id": "p1", "operations": [again, good]}, headers=h)
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()["results"]] == ["invalid", "created"]
    assert r.json()["results"][0]["errors"][0]["field"] == "base_version"


async def test_same_batch_sent_twice_at_once_answers_the_same_results(settings, scratch_url):  # noqa: F811
    """A real app on its own database: the two requests run in two transactions, as on a server."""
    settings = settings.model_copy(update={"database_url": scratch_url})
    engine = make_engine(scratch_url)
    async with engine.connect() as raw:
        conn = await raw.execution_options(read_only=True)
        user_id = (await conn.execute(select(User.id).where(User.username == "agent.vungtau"))).scalar_one()
    await engine.dispose()
    token, _ = encode_token(settings, str(user_id), "access", ttl=timedelta(minutes=5))
    h = {"Authorization": f"Bearer {token}"}
    ops = [op("upsert_merchant", shop()) for _ in range(30)]
    batch = {"device_id": "twice", "operations": ops}
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            first, second = await asyncio.gather(
                c.post("/api/v1/sync", json=batch, headers=h), c.post("/api/v1/sync", json=batch, headers=h)
            )
            assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
            assert first.json()["results"] == second.json()["results"]
            assert {x["status"] for x in first.json()["results"]} == {"created"}
            third = await c.post("/api/v1/sync", json=batch, headers=h)
            assert third.json()["results"] == first.json()["results"]
