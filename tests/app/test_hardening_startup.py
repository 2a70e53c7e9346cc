"""The service refuses to start without PHOQR_ENVIRONMENT, and believes X-Forwarded-For only from the proxies
named in PHOQR_TRUSTED_PROXIES (uvicorn's default trusted any proxy on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import httpx
import pytest
import uvicorn

from app.cli import main as phoqr
from app.cli import proxy_options
from app.core.config import Settings, get_settings
from app.main import create_app


def test_phoqr_serve_refuses_to_start_without_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("PHOQR_ENVIRONMENT", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here either
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as exited:
            phoqr(["serve"])
        assert "PHOQR_ENVIRONMENT" in str(exited.value.code)
    finally:
        get_settings.cache_clear()


async def test_app_refuses_to_start_without_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("PHOQR_ENVIRONMENT", raising=False)
    undeclared = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db", _env_file=None)
    app = create_app(undeclared)
    with pytest.raises(ValueError, match="PHOQR_ENVIRONMENT"):
        async with app.router.lifespan_context(app):
            pass
    declared = Settings(environment="development", database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db")
    app = create_app(declared)
    async with app.router.lifespan_context(app):
        pass


async def _echo_client(scope, receive, send):
    """An ASGI app that answers with the client address uvicorn gave it."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": scope["client"][0].encode()})


def _seen_client(trusted: str) -> str:
    settings = Settings(environment="test", trusted_proxies=trusted)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(_echo_client, host="127.0.0.1", port=port, log_level="warning", **proxy_options(settings))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.02)
        r = httpx.get(f"http://127.0.0.1:{port}/", headers={"X-Forwarded-For": "203.0.113.9"})
        return r.text
    finally:
        server.should_exit = True
        thread.join(10)


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted():
    assert _seen_client("") == "127.0.0.1"  # a local process cannot pick its address by a header
    assert _seen_client("10.0.0.5") == "127.0.0.1"  # a proxy elsewhere is not this caller
    assert _seen_client("127.0.0.1") == "203.0.113.9"  # the configured proxy is believed
