from __future__ import annotations

import httpx

from app.core.config import Settings
from app.core.migrate import head_revision
from app.main import create_app


async def test_health_reports_revision(client):
    r = await client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok", "schema_revision": head_revision()}


async def test_health_503_when_database_is_unreachable(tmp_path):
    dead = Settings(environment="test", database_url=f"sqlite+aiosqlite:///{tmp_path}/missing/dir/x.db")
    app = create_app(dead)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.get("/health")
    assert r.status_code == 503
    assert r.json()["database"] == "unreachable"


async def test_openapi_and_unknown_route(client):
    spec = (await client.get("/api/v1/openapi.json")).json()
    assert "/api/v1/auth/token" in spec["paths"]
    r = await client.get("/api/v1/nowhere")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
