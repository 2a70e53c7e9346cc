from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest


@pytest.fixture
async def web(app: object) -> AsyncIterator[httpx.AsyncClient]:
    """A browser's view of the dashboard: cookies kept, no bearer token."""
    # https: the session cookie is Secure outside development, and a client keeps it only over https
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as c:
        yield c
