"""Registrations racing each other, as phones on a bad network do: the same id and body 20 times at once is one
201 and 19 × 200 with the stored shop; different shops with one phone are one 201 and duplicate_phone."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import httpx
from sqlalchemy import select

from app.auth.models import User
from app.core.db import make_engine
from app.core.security import encode_token
from app.main import create_app
from tests.factories import shop_body as shop
from tests.hardening_scratch import scratch_url  # noqa: F401  (fixture)


async def _race(settings, url, bodies):
    settings = settings.model_copy(update={"database_url": url})
    engine = make_engine(url)
    async with engine.connect() as raw:
        conn = await raw.execution_options(read_only=True)
        user_id = (await conn.execute(select(User.id).where(User.username == "agent.vungtau"))).scalar_one()
    await engine.dispose()
    token, _ = encode_token(settings, str(user_id), "access", ttl=timedelta(minutes=5))
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            h = {"Authorization": f"Bearer {token}"}
            return await asyncio.gather(*(c.post("/api/v1/merchants", json=b, headers=h) for b in bodies))


async def test_same_id_and_body_twenty_times_at_once(settings, scratch_url):  # noqa: F811
    body = shop()
    answers = await _race(settings, scratch_url, [body] * 20)
    assert Counter(r.status_code for r in answers) == {201: 1, 200: 19}, [
        r.text for r in answers if r.status_code >= 300
    ]
    assert {r.json()["id"] for r in answers} == {body["id"]}
    assert len({r.json()["version"] for r in answers}) == 1


async def test_one_phone_racing_for_two_shops_is_duplicate_phone(settings, scratch_url):  # noqa: F811
    answers = await _race(settings, scratch_url, [shop(phone="0907770001") for _ in range(8)])
    assert Counter(r.status_code for r in answers) == {201: 1, 409: 7}, [r.text for r in answers]
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"duplicate_phone"}


async def test_one_account_racing_for_two_shops_is_duplicate_account(settings, scratch_url):  # noqa: F811
    account = {"bank_bin": "970436", "account_number": "0011007770001"}
    answers = await _race(settings, scratch_url, [shop(payment_account=account) for _ in range(8)])
    assert Counter(r.status_code for r in answers) == {201: 1, 409: 7}, [r.text for r in answers]
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"duplicate_account"}
