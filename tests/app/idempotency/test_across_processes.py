"""Two app instances with their own engines (as two worker processes would have) on one database, real commits."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.core.db import make_engine
from app.core.security import encode_token
from app.coverage.counters import rebuild
from app.idempotency.models import IdempotencyRecord
from app.main import create_app
from app.merchants.models import Merchant, PaymentAccount


async def test_one_key_one_shop_across_workers(db_url, settings):
    engines = [make_engine(db_url, pool_size=2) for _ in range(2)]
    apps = [create_app(settings, engine=e) for e in engines]
    async with AsyncSession(engines[0]) as s:
        admin = (await s.execute(select(User).where(User.username == "admin"))).scalar_one()
    token, _ = encode_token(settings, str(admin.id), "access", ttl=timedelta(minutes=5))
    key = f"cross-{uuid.uuid4().hex}"
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    body = {
        "id": str(uuid.uuid4()),
        "name": "Idempotency Long Sơn",
        "category": "other",
        "unit": {"edition": "2025", "code": "26545"},
    }
    try:
        async with apps[0].router.lifespan_context(apps[0]), apps[1].router.lifespan_context(apps[1]):
            clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://w") for a in apps]
            # both workers receive the phone's retry at the same moment
            first, second = await asyncio.gather(
                *(c.post("/api/v1/merchants", json=body, headers=headers) for c in clients)
            )
            codes = sorted([first.status_code, second.status_code])
            assert codes in ([201, 201], [201, 409], [200, 201]), (first.text, second.text)
            if 409 in codes:
                loser = first if first.status_code == 409 else second
                assert loser.json()["code"] in ("idempotency_in_progress", "duplicate_account")
            # a later retry on the other worker gets the first answer again
            later = await clients[1].post("/api/v1/merchants", json=body, headers=headers)
            assert later.status_code == 201 and later.headers["Idempotent-Replayed"] == "true"
            assert later.json()["id"] == body["id"]
            for c in clients:
                await c.aclose()
        async with AsyncSession(engines[0]) as s:
            count = (await s.execute(select(Merchant).where(Merchant.id == body["id"]))).scalars().all()
            assert len(count) == 1
    finally:
        async with AsyncSession(engines[0]) as s:
            await s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.key == key))
            await s.execute(delete(PaymentAccount).where(PaymentAccount.merchant_id == body["id"]))
            await s.execute(delete(Merchant).where(Merchant.id == body["id"]))
            await rebuild(s)
            await s.commit()
        for e in engines:
            await e.dispose()
