"""The sandbox bank: a real local HTTP server standing in for a bank's API in development and tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from integrations.sandbox.adapter import SandboxBankAdapter
from integrations.sandbox.server import ACCOUNTS, create_sandbox

__all__ = ["ACCOUNTS", "SandboxBankAdapter", "create_sandbox", "run_sandbox_in_thread"]


@contextmanager
def run_sandbox_in_thread(**kw: object) -> Iterator[str]:
    """Serve the sandbox on a free loopback port for the duration of the block; yields its base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_sandbox(**kw), host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("sandbox bank did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
