"""Both database-backed limits hold under concurrent requests through the app (real commits, both databases).

Counting first and inserting after let every concurrent request read the same count: 12 simultaneous wrong
passwords got 8 checks against a limit of 5, and 40 simultaneous verifies all passed a 30/minute limit.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import httpx
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import make_engine
from app.core.ratelimit import RateLimitHit
from app.main import create_app


@pytest.fixture
async def live(db_url, settings):
    """An app on its own engine, as a worker has: every request commits for real (rows cleaned up after)."""
    engine = make_engine(db_url, pool_size=25)
    application = create_app(settings, engine=engine)
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    transport = httpx.ASGITransport(app=application, client=(address, 40000))
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=transport, base_url="http://w") as client,
    ):
        yield client, engine, address
    async with AsyncSession(engine) as s:
        await s.execute(delete(RateLimitHit).where(RateLimitHit.key.contains(address)))
        await s.commit()
    await engine.dispose()


async def _hits(engine, key: str) -> int:
    async with AsyncSession(engine) as s:
        return (await s.execute(select(func.count()).where(RateLimitHit.key == key))).scalar_one()


async def test_concurrent_wrong_passwords_never_pass_the_limit(live, settings):
    client, engine, address = live
    settings.login_max_failures = 5
    username = f"guess-{uuid.uuid4().hex[:10]}"
    try:
        answers = await asyncio.gather(
            *(
                client.post("/api/v1/auth/token", data={"username": username, "password": f"wrong-{i}"})
                for i in range(12)
            )
        )
        codes = Counter(r.status_code for r in answers)
        # exactly five passwords were checked; the other seven were refused before any check
        assert codes == {401: 5, 429: 7}, [(r.status_code, r.text[:80]) for r in answers]
        assert all(r.headers.get("Retry-After") for r in answers if r.status_code == 429)
        assert await _hits(engine, f"login-user:{username}") == 5
        assert await _hits(engine, f"login-ip:{address}") == 5
    finally:
        async with AsyncSession(engine) as s:
            await s.execute(delete(RateLimitHit).where(RateLimitHit.key == f"login-user:{username}"))
            await s.commit()


async def test_concurrent_verifies_never_pass_the_limit(live, settings):
    client, engine, address = live
    settings.verify_rate_per_minute = 30
    answers = await asyncio.gather(
        *(client.post("/api/v1/qr/verify", json={"payload": f"not-a-registered-qr-{i}"}) for i in range(40))
    )
    codes = Counter(r.status_code for r in answers)
    assert codes == {200: 30, 429: 10}, [(r.status_code, r.text[:80]) for r in answers]
    assert await _hits(engine, f"verify:{address}") == 30
    # separate keys: the verify limit did not touch this address's login budget
    assert await _hits(engine, f"login-ip:{address}") == 0
