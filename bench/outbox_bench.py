"""Outbox throughput on PostgreSQL: bank events delivered to a local receiver, per event, beside a naive baseline.

The receiver is the sandbox bank in its own process (`python -m integrations.sandbox`), which verifies every
delivery with the `standardwebhooks` library. Figures (milliseconds per delivered event, lower is better):
- one dispatcher (claims batches with SKIP LOCKED, one shared httpx client, concurrent sends)
- two dispatchers at once (two engines in one process), claiming from the same table
- baseline: the naive loop, one delivery at a time, a fresh database connection and a fresh HTTP connection each
PostgreSQL: PHOQR_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres); a scratch
database is created and dropped.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

import app.models  # noqa: F401
from app.bank.outbox import service as outbox
from app.bank.outbox.models import BankEvent, WebhookDelivery, WebhookEndpoint
from app.bank.webhooks import crypto as webhooks_crypto
from app.bank.webhooks.dispatcher import Dispatcher, body_of
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker, utcnow
from app.core.migrate import upgrade
from bench.common import Row

PG = os.environ.get("PHOQR_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
EVENTS = int(os.environ.get("PHOQR_BENCH_OUTBOX_EVENTS", "1000"))
NAIVE_EVENTS = max(50, EVENTS // 10)
BIN = "970436"


def _url(database: str) -> str:
    url = make_url(PG.replace("postgresql://", "postgresql+asyncpg://", 1)).set(database=database)
    return url.render_as_string(hide_password=False)


async def _admin(sql: str) -> None:
    engine = create_async_engine(_url("postgres"), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.exec_driver_sql(sql)
    await engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_receiver(secret: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = os.environ | {"PHOQR_SANDBOX_PORT": str(port), "PHOQR_SANDBOX_WEBHOOK_SECRET": secret}
    proc = subprocess.Popen(
        [sys.executable, "-m", "integrations.sandbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/v1/phoqr/webhooks/inbox", timeout=1).raise_for_status()
            return proc, f"{base}/v1/phoqr/webhooks"
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("sandbox receiver did not start")


async def _endpoint(sm, settings: Settings, url: str, secret: str, n: int) -> str:
    """A fresh endpoint (older ones retired) owed `n` new events, written as shop changes write them."""
    async with sm() as s:
        await s.execute(update(WebhookEndpoint).values(status="deleted"))
        endpoint = WebhookEndpoint(
            id=str(uuid.uuid4()),
            bank_bin=BIN,
            url=url,
            event_types=list(outbox.EVENT_TYPES),
            secret_enc=webhooks_crypto.encrypt(settings, secret),
        )
        s.add(endpoint)
        await s.commit()
        for i in range(n):
            mid = str(uuid.uuid4())
            data = {"merchant_id": mid, "version": 1, "name": f"Tạp hóa {i}", "record_hash": "0" * 64}
            await outbox.append(s, BIN, "merchant.created", mid, data)
            if i % 200 == 199:
                await s.commit()
        await s.commit()
        return endpoint.id


async def _delivered(sm, endpoint_id: str) -> int:
    async with sm() as s:
        stmt = select(func.count()).where(
            WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "succeeded"
        )
        return (await s.execute(stmt)).scalar_one()


async def _dispatchers(url: str, settings: Settings, receiver: str, secret: str, count: int) -> float:
    engines = [make_engine(url, pool_size=10) for _ in range(count)]
    sms = [make_sessionmaker(e) for e in engines]
    endpoint_id = await _endpoint(sms[0], settings, receiver, secret, EVENTS)
    dispatchers = [Dispatcher(sm, settings, name=f"bench-{i}") for i, sm in enumerate(sms)]
    stop = asyncio.Event()
    start = time.perf_counter()
    tasks = [asyncio.create_task(d.run(stop)) for d in dispatchers]
    while await _delivered(sms[0], endpoint_id) < EVENTS:  # noqa: ASYNC110  (polling the database, not an event)
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - start
    stop.set()
    await asyncio.gather(*tasks)
    for d, e in zip(dispatchers, engines, strict=True):
        await d.aclose()
        await e.dispose()
    return elapsed / EVENTS * 1e3


async def _naive(url: str, settings: Settings, receiver: str, secret: str) -> float:
    """One at a time; every delivery opens its own database connection and its own HTTP connection."""
    setup = make_engine(url)
    endpoint_id = await _endpoint(make_sessionmaker(setup), settings, receiver, secret, NAIVE_EVENTS)
    await setup.dispose()
    engine = create_async_engine(url, poolclass=NullPool)
    start = time.perf_counter()
    for _ in range(NAIVE_EVENTS):
        async with AsyncSession(engine) as s:
            row = (
                await s.execute(
                    select(WebhookDelivery, BankEvent, WebhookEndpoint)
                    .join(BankEvent, BankEvent.id == WebhookDelivery.event_id)
                    .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                    .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending")
                    .order_by(BankEvent.seq)
                    .limit(1)
                )
            ).one()
            delivery, event, endpoint = row
            body, ts = body_of(event), int(time.time())
            key = webhooks_crypto.decrypt(settings, endpoint.secret_enc)
            headers = {
                "content-type": "application/json",
                "webhook-id": event.id,
                "webhook-timestamp": str(ts),
                "webhook-signature": webhooks_crypto.sign(key, event.id, ts, body),
            }
            async with httpx.AsyncClient(timeout=10) as client:
                r = await client.post(endpoint.url, content=body, headers=headers)
            delivery.status = "succeeded" if r.is_success else "failed"
            delivery.attempts, delivery.delivered_at = 1, utcnow()
            await s.commit()
    elapsed = time.perf_counter() - start
    await engine.dispose()
    return elapsed / NAIVE_EVENTS * 1e3


def bench_settings(url: str) -> Settings:
    """The dispatcher's settings of every outbox figure: quick polls, batches of 100, 32 sends at once."""
    return Settings(
        environment="test",
        database_url=url,
        jwt_secret="bench-" + "s" * 40,
        webhook_poll_seconds=0.01,
        webhook_batch_size=100,
        webhook_concurrency=32,
    )


async def _run() -> list[Row]:
    name = f"phoqr_bench_outbox_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}"')
    url = _url(name)
    secret = webhooks_crypto.new_secret()
    proc, receiver = _start_receiver(secret)
    try:
        await asyncio.to_thread(upgrade, url)
        settings = bench_settings(url)
        naive = await _naive(url, settings, receiver, secret)
        one = await _dispatchers(url, settings, receiver, secret, 1)
        two = await _dispatchers(url, settings, receiver, secret, 2)
        async with httpx.AsyncClient(timeout=30) as client:
            inbox = (await client.get(receiver + "/inbox")).json()
        unverified = sum(1 for a in inbox["attempts"] if not a["verified_by"])
        twice = sum(1 for n in inbox["accepted"].values() if n > 1)
        note = f"{EVENTS} events; receiver: {unverified} unverified, {twice} twice"
        naive_note = f"naive loop, fresh DB + HTTP connection per event ({NAIVE_EVENTS} events)"
        return [
            Row(
                "outbox: 1 dispatcher, ms per delivered event (PG)",
                one,
                "ms",
                naive_note,
                naive,
                note=f"{1e3 / one:.0f} events/s; {note}",
            ),
            Row(
                "outbox: 2 dispatchers, ms per delivered event (PG)",
                two,
                "ms",
                naive_note,
                naive,
                note=f"{1e3 / two:.0f} events/s; {note}",
            ),
        ]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run() -> list[Row]:
    return asyncio.run(_run())


if __name__ == "__main__":
    from bench.common import print_table

    print_table(run())
    print(json.dumps({"events": EVENTS}))
