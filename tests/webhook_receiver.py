"""For tests where webhooks really leave: a committed database (the dispatcher reads it from its own
connections, so the rolled-back `session` fixture cannot be used), the app driven over ASGI against it, and the
sandbox bank as the real HTTP receiver that verifies every delivery with the `standardwebhooks` library.

Tests stay apart inside one module's database by each taking a bank BIN of its own (`LiveBank.new_bank`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth.models import User
from app.bank.outbox.models import WebhookDelivery, WebhookEndpoint
from app.banks.models import Bank
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.core.migrate import upgrade
from app.core.security import encode_token
from app.main import create_app
from integrations.sandbox import run_sandbox_in_thread
from tests.conftest import DEMO_PASSWORD, _seed, create_database

JWT = "test-secret-" + "x" * 40


def live_settings(url: str, tmp: Path, **kw: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": url,
        "jwt_secret": JWT,
        "media_dir": tmp / "media",
        "demo_password": DEMO_PASSWORD,
        "webhook_dispatcher": False,
        "webhook_retry_schedule": "0.2,0.4,0.8,1,1,1,1",
        "webhook_poll_seconds": 0.05,
        "webhook_timeout_seconds": 5.0,
    }
    values.update(kw)
    return Settings(**values)


def live_database(backend: str, tmp: Path) -> Iterator[str]:
    """A migrated, seeded database whose commits are real (for a module-scoped fixture)."""
    url, drop = create_database(backend, tmp)
    upgrade(url)
    asyncio.run(_seed(url))
    try:
        yield url
    finally:
        drop()


@dataclass
class LiveBank:
    engine: AsyncEngine
    settings: Settings
    used: set[str] = field(default_factory=set)
    user_ids: dict[str, int] = field(default_factory=dict)

    @property
    def sessionmaker(self):
        return make_sessionmaker(self.engine)

    async def new_bank(self) -> tuple[str, dict[str, str]]:
        """A BIN no other test of this database uses, and the headers of a fresh bank_partner for it."""
        async with self.sessionmaker() as s:
            bins = sorted(set((await s.execute(select(Bank.bin).where(Bank.status == "active"))).scalars()))
            bin_ = next(b for b in bins if b not in self.used and b != "970436")
            self.used.add(bin_)
            user = User(
                username=f"bank.{bin_}.{uuid.uuid4().hex[:6]}",
                full_name=f"Bank {bin_}",
                password_hash="!",
                role="bank_partner",
                bank_bin=bin_,
            )
            s.add(user)
            await s.commit()
            self.user_ids[bin_] = user.id or 0
            return bin_, self.headers(user.id)

    async def quiesce(self) -> None:
        """After a test: its endpoints gone and nothing left due, so the next test's dispatcher starts clean."""
        async with self.sessionmaker() as s:
            await s.execute(
                update(WebhookDelivery).where(WebhookDelivery.status == "pending").values(status="cancelled")
            )
            await s.execute(update(WebhookEndpoint).values(status="deleted"))
            await s.commit()

    def headers(self, user_id: int | None) -> dict[str, str]:
        token, _ = encode_token(self.settings, str(user_id), "access", ttl=timedelta(minutes=30))
        return {"Authorization": f"Bearer {token}"}

    async def user_headers(self, username: str) -> dict[str, str]:
        async with self.sessionmaker() as s:
            return self.headers((await s.execute(select(User.id).where(User.username == username))).scalar_one())


@asynccontextmanager
async def live_client(settings: Settings, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """The app (its lifespan too, so a dispatcher starts when the settings say so) with real commits."""
    application = create_app(settings, engine=engine)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@asynccontextmanager
async def live_engine(url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(url, pool_size=10)
    try:
        yield engine
    finally:
        await engine.dispose()


class Receiver:
    """The sandbox bank's webhook receiver on a free port, driven over its own HTTP API."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.url = f"{base}/v1/phoqr/webhooks"

    async def configure(self, **body: Any) -> None:
        async with httpx.AsyncClient() as c:
            (await c.post(f"{self.url}/config", json=body)).raise_for_status()

    async def inbox(self) -> dict[str, Any]:
        async with httpx.AsyncClient() as c:
            return (await c.get(f"{self.url}/inbox")).json()


@asynccontextmanager
async def receiver() -> AsyncIterator[Receiver]:
    with run_sandbox_in_thread() as base:
        yield Receiver(base)


async def wait_for(check: Callable[[], Any], within: float = 15.0, every: float = 0.05) -> Any:
    """Poll an async or sync check until it returns something truthy; fail the test after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(every)


@asynccontextmanager
async def trickling_receiver(every: float = 0.2) -> AsyncIterator[str]:
    """A receiver that reads the request, then sends its status line and headers one byte every `every`
    seconds and never finishes: each read gets a byte within any per-read timeout, only a bound on the whole
    exchange ends it. Yields its URL."""
    writers: set[asyncio.StreamWriter] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.add(writer)
        try:
            await reader.readuntil(b"\r\n\r\n")
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100_000:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(every)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writers.discard(writer)
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/hooks"
    finally:
        server.close()
        for w in list(writers):
            w.close()
