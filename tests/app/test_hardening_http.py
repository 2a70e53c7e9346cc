"""Request size limits (413 before the body is read), authentication before big bodies, security headers,
and the docs page served from this process."""

from __future__ import annotations

import pytest


async def _chunks(total: int, size: int = 64 * 1024, sent: list[int] | None = None):
    sent = sent if sent is not None else [0]
    while sent[0] < total:
        n = min(size, total - sent[0])
        sent[0] += n
        yield b"x" * n


async def test_declared_content_length_over_the_limit_is_413_without_reading(client, auth):
    h = await auth("agent.vungtau") | {"Content-Type": "application/json", "Content-Length": str(100 * 1024 * 1024)}
    r = await client.post("/api/v1/sync", content=b"{}", headers=h)
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "payload_too_large"


async def test_streamed_body_over_the_limit_is_413(client, auth, settings):
    h = await auth("agent.vungtau") | {"Content-Type": "application/json"}
    r = await client.post("/api/v1/merchants", content=_chunks(settings.request_max_bytes + 1), headers=h)
    assert r.status_code == 413, r.text
    assert r.json()["code"] == "payload_too_large"


async def test_anonymous_big_body_on_sync_and_photos_is_401_before_reading(client):
    for url in ("/api/v1/sync", "/api/v1/merchants/x/photos"):
        pulled = [0]
        body = _chunks(2 * 1024 * 1024, sent=pulled)
        r = await client.post(url, content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 401, r.text
        assert pulled[0] <= 64 * 1024  # refused before the body was read
        assert r.headers["content-type"].startswith("application/problem+json")
        bad = {"Authorization": "Bearer not-a-token"}
        assert (await client.post(url, content=b"{}", headers=bad)).status_code == 401


async def test_a_normal_sync_still_works(client, auth):
    h = await auth("agent.vungtau")
    r = await client.post("/api/v1/sync", json={"device_id": "p", "operations": []}, headers=h)
    assert r.status_code == 422  # empty batch: validated after the guard let it through


@pytest.mark.parametrize("path", ["/health", "/api/v1/openapi.json", "/api/v1/nowhere"])
async def test_nosniff_and_api_csp_everywhere(client, path):
    r = await client.get(path)
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]


async def test_token_responses_are_not_stored(client):
    r = await client.post("/api/v1/auth/token", data={"username": "agent.vungtau", "password": "phoqr-demo"})
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"


async def test_docs_page_loads_its_assets_from_this_server_under_a_strict_csp(client):
    r = await client.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "cdn" not in r.text and "http://" not in r.text and "https://" not in r.text
    for asset in ("/docs/static/swagger-ui-bundle.js", "/docs/static/swagger-ui.css"):
        got = await client.get(asset)
        assert got.status_code == 200 and len(got.content) > 10_000
        assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert (await client.get("/redoc")).status_code == 404  # ReDoc would load from a CDN


async def test_content_language_follows_accept_language_on_every_answer(client, auth):
    """Routes, the guard's own refusals and the dashboard all say which language their messages are in."""
    h = await auth("agent.vungtau")
    ok = await client.get("/api/v1/units", headers=h | {"Accept-Language": "en-GB,en;q=0.9"})
    assert ok.status_code == 200 and ok.headers["Content-Language"] == "en"
    default = await client.get("/api/v1/units", headers=h)
    assert default.headers["Content-Language"] == "vi"
    refused = await client.get("/api/v1/merchants", params={"q": "a\u202eb"}, headers={"Accept-Language": "en"})
    assert refused.status_code == 422 and refused.headers["Content-Language"] == "en"
    assert refused.json()["detail"].isascii()  # the English text, as the header says
    page = await client.get("/dashboard/login", headers={"Accept-Language": "vi"})
    assert page.headers["Content-Language"] == "vi" and page.headers["X-Frame-Options"] == "DENY"
    assert "default-src" in page.headers["Content-Security-Policy"]


async def test_malformed_json_names_the_body_not_a_character_offset(client, auth):
    h = await auth("agent.vungtau") | {"Content-Type": "application/json"}
    for url in ("/api/v1/merchants", "/api/v1/auth/refresh", "/api/v1/qr/verify"):
        r = await client.post(url, content=b'{"name": ', headers=h)
        assert r.status_code == 422, (url, r.text)
        assert [e["field"] for e in r.json()["errors"]] == ["body"], (url, r.text)
