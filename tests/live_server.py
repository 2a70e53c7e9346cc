"""A real uvicorn server on a free loopback port, in a background thread, over a fresh migrated database.

For tests that must talk HTTP like an outside client does (the guide's examples, generated clients).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from app.core.config import Settings
from app.core.migrate import upgrade
from app.main import create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(db_url: str, media_dir: Path, **overrides: object) -> Iterator[str]:
    """Serve a fresh app on db_url (migrated here; seed it before or after) and yield its base URL."""
    upgrade(db_url)
    settings = Settings(
        environment="test",
        database_url=db_url,
        jwt_secret="live-server-secret-" + "x" * 40,
        media_dir=media_dir,
        **overrides,  # type: ignore[arg-type]
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
