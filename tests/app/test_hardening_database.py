"""A database that is down or hangs answers 503 problem+json with Retry-After, quickly, and the same app
recovers by itself when the database is back (no restart)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.core.security import encode_token
from app.main import create_app
from tests.conftest import PG_URL, _asyncpg_url

SECRET = "test-secret-" + "x" * 40


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """Accepts TCP connections and never says a word: a database that hangs."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for w in held:
            w.close()
        server.close()


class Switch:
    """A TCP forwarder to the real PostgreSQL that can be cut (connections refused) and restored."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, _free_port()
        self.server: asyncio.Server | None = None
        self.links: list[asyncio.StreamWriter] = []

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.links += [writer, up_writer]
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def up(self) -> None:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def down(self) -> None:
        if self.server is not None:
            self.server.close()
            for w in self.links:
                w.close()
            self.links.clear()
            await self.server.wait_closed()
            self.server = None


def _settings(url: str) -> Settings:
    return Settings(
        environment="test",
        database_url=url,
        jwt_secret=SECRET,
        database_connect_timeout=0.5,
        database_statement_timeout=1.0,
    )


async def _get(app, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        return await c.get(path, headers=headers)


def _token(settings: Settings) -> dict[str, str]:
    token, _ = encode_token(settings, "1", "access", ttl=timedelta(minutes=5))
    return {"Authorization": f"Bearer {token}"}


def _assert_503(r: httpx.Response) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "database_unavailable"
    assert int(r.headers["Retry-After"]) >= 1


@pytest.mark.parametrize("kind", ["hangs", "refuses"])
async def test_unreachable_postgres_is_503_problem(kind):
    async with contextlib.AsyncExitStack() as stack:
        if kind == "hangs":
            port = await stack.enter_async_context(silent_server())
        else:
            port = _free_port()  # nobody listens there
        settings = _settings(f"postgresql+asyncpg://phoqr@127.0.0.1:{port}/phoqr")
        app = create_app(settings)
        await stack.enter_async_context(app.router.lifespan_context(app))
        health = await asyncio.wait_for(_get(app, "/health"), 30)
        _assert_503(health)
        assert health.json()["database"] == "unreachable"
        _assert_503(await asyncio.wait_for(_get(app, "/api/v1/me", _token(settings)), 30))


async def test_unreachable_sqlite_is_503_problem(tmp_path):
    app = create_app(_settings(f"sqlite+aiosqlite:///{tmp_path}/missing/dir/x.db"))
    async with app.router.lifespan_context(app):
        _assert_503(await _get(app, "/health"))
        _assert_503(await _get(app, "/api/v1/me", _token(app.state.settings)))


@pytest.mark.skipif(not PG_URL, reason="needs PHOQR_TEST_POSTGRES_URL")
async def test_postgres_outage_then_recovery_without_restart(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL half")
    real = make_url(_asyncpg_url(db_url))
    switch = Switch((real.host or "127.0.0.1", real.port or 5432))
    await switch.up()
    url = real.set(host="127.0.0.1", port=switch.port).render_as_string(hide_password=False)
    app = create_app(_settings(url))
    try:
        async with app.router.lifespan_context(app):
            assert (await _get(app, "/health")).status_code == 200
            await switch.down()
            _assert_503(await _get(app, "/health"))
            _assert_503(await _get(app, "/api/v1/units?edition=2025", _token(app.state.settings)))
            await switch.up()
            assert (await _get(app, "/health")).status_code == 200
            r = await _get(app, "/api/v1/units?edition=2025", _token(app.state.settings))
            assert r.status_code in (200, 401), r.text  # the database answers again (user 1 may not exist)
    finally:
        await switch.down()
