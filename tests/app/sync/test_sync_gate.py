"""A worker runs one /sync batch at a time (PHOQR_SYNC_CONCURRENCY); the others wait their turn without a
database connection, and past PHOQR_SYNC_QUEUE_SECONDS answer 503 sync_busy with Retry-After."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from app.auth.models import User
from app.core.config import Settings
from app.core.db import make_engine
from app.core.security import encode_token
from app.main import create_app
from app.sync.gate import _gate
from tests.app.sync.test_sync import op, shop
from tests.hardening_scratch import scratch_url  # noqa: F401  (fixture)


def _batch() -> dict:
    return {"device_id": "gate-test", "operations": [op("upsert_merchant", shop())]}


async def test_a_batch_that_waits_too_long_is_503_sync_busy_and_the_same_batch_goes_through_later(app, client, auth):
    app.state.settings = app.state.settings.model_copy(update={"sync_queue_seconds": 0.2})
    h = await auth("agent.vungtau")
    body = _batch()

    class _Req:  # the gate belongs to the app: take its only turn, as a running batch would
        def __init__(self) -> None:
            self.app = app

    gate = _gate(_Req())  # type: ignore[arg-type]
    await gate.acquire()
    try:
        r = await client.post("/api/v1/sync", json=body, headers=h)
    finally:
        gate.release()
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "sync_busy" and int(r.headers["Retry-After"]) >= 1
    again = await client.post("/api/v1/sync", json=body, headers=h)
    assert again.status_code == 200 and [x["status"] for x in again.json()["results"]] == ["created"]


async def test_waiting_batches_hold_no_database_connection(scratch_url: str) -> None:  # noqa: F811
    """Two connections in the pool, two batches waiting: a registration still gets a connection at once.
    Its requests really commit, so it runs on a scratch database (the shared one must stay as the seed left it)."""
    db_url = scratch_url
    if not db_url.startswith("postgresql"):
        pytest.skip("a connection pool: PostgreSQL")
    settings = Settings(
        environment="test",
        database_url=db_url,
        jwt_secret="test-secret-" + "x" * 40,
        database_pool_size=1,  # one connection plus one overflow
        database_connect_timeout=0.5,  # so a request that found no free connection would fail within a second
        webhook_dispatcher=False,
    )
    engine = make_engine(db_url, pool_size=1, connect_timeout=0.5)
    app = create_app(settings, engine=engine)
    try:
        async with app.router.lifespan_context(app):
            async with engine.connect() as conn:
                uid = (await conn.execute(select(User.id).where(User.username == "agent.vungtau"))).scalar_one()
            token, _ = encode_token(settings, str(uid), "access", ttl=timedelta(minutes=5))
            h = {"Authorization": f"Bearer {token}"}

            class _Req:
                def __init__(self) -> None:
                    self.app = app

            gate = _gate(_Req())  # type: ignore[arg-type]
            await gate.acquire()
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=30) as c:
                waiting = [asyncio.create_task(c.post("/api/v1/sync", json=_batch(), headers=h)) for _ in range(2)]
                await asyncio.sleep(0.3)
                assert not any(t.done() for t in waiting)
                single = await c.post(
                    "/api/v1/merchants", json=shop(phone=f"09{uuid.uuid4().int % 10**8:08d}"), headers=h
                )
                assert single.status_code == 201, single.text
                gate.release()
                answers = await asyncio.gather(*waiting)
            assert [a.status_code for a in answers] == [200, 200]
    finally:
        await engine.dispose()
