"""/metrics, request ids and JSON access logs, through the app."""

from __future__ import annotations

import io
import json
import logging
import re
import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.core.config import Settings
from app.main import create_app
from app.observability import configure_logging
from app.observability.logs import accept_request_id

UNIT = {"edition": "2025", "code": "26506"}


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _value(text: str, name: str, **labels: str) -> float:
    return _samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


async def _metrics(client: httpx.AsyncClient) -> str:
    r = await client.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return r.text


async def test_latency_is_labelled_by_route_template_not_raw_path(app, client, auth) -> None:
    headers = await auth("agent.vungtau")
    route = "/api/v1/merchants/{merchant_id}"
    before = _value(
        await _metrics(client),
        "phoqr_http_request_duration_seconds_count",
        method="GET",
        route=route,
        status_class="4xx",
    )
    for _ in range(3):
        r = await client.get(f"/api/v1/merchants/{uuid.uuid4()}", headers=headers)
        assert r.status_code == 404
    await client.get("/no/such/path/" + uuid.uuid4().hex)
    text = await _metrics(client)
    after = _value(text, "phoqr_http_request_duration_seconds_count", method="GET", route=route, status_class="4xx")
    assert after == before + 3
    # no raw id ever becomes a label; unknown paths share one
    assert "/api/v1/merchants/" + "0" not in text
    routes = {dict(k[1]).get("route") for k in _samples(text) if k[0].startswith("phoqr_http_request")}
    # API labels are documented templates; no label (API, /health, dashboard pages) carries a raw id
    api = {r for r in routes if r and r.startswith("/api/") and r != "/api/v1/openapi.json"}
    assert api <= set(app.openapi()["paths"]), api - set(app.openapi()["paths"])
    assert not [r for r in routes if r and re.search(r"/([0-9a-f-]{8,}|\d+)(/|\.|$)", r)]
    assert {route, "<unmatched>"} <= routes


async def test_business_counters_follow_answers(client, auth, session) -> None:
    agent = await auth("agent.vungtau")
    text = await _metrics(client)
    reg0 = _value(text, "phoqr_registrations_total", channel="api")
    fail0 = _value(text, "phoqr_login_failures_total", reason="bad_credentials")
    sync0 = _value(text, "phoqr_sync_operations_total", type="upsert_merchant", status="created")
    body = {"id": str(uuid.uuid4()), "name": "Tạp hóa Số Liệu", "category": "grocery", "unit": UNIT}
    r = await client.post("/api/v1/merchants", json=body, headers=agent)
    assert r.status_code == 201, r.text
    r = await client.post("/api/v1/merchants", json=body, headers=agent)  # a replay is not a registration
    assert r.status_code == 200, r.text
    r = await client.post("/api/v1/auth/token", data={"username": "agent.vungtau", "password": "wrong-" + "x" * 8})
    assert r.status_code == 401
    op = {
        "op_id": uuid.uuid4().hex,
        "type": "upsert_merchant",
        "payload": {"id": str(uuid.uuid4()), "name": "Quán Đồng Bộ", "category": "eatery", "unit": UNIT},
    }
    sync_reg0 = _value(text, "phoqr_registrations_total", channel="sync")
    for _ in range(2):  # the second is the phone sending its batch again: the same answer, nothing registered
        r = await client.post("/api/v1/sync", json={"device_id": "dev-metrics", "operations": [op]}, headers=agent)
        assert r.status_code == 200 and r.json()["results"][0]["status"] == "created", r.text
    text = await _metrics(client)
    assert _value(text, "phoqr_registrations_total", channel="api") == reg0 + 1
    assert _value(text, "phoqr_login_failures_total", reason="bad_credentials") == fail0 + 1
    assert _value(text, "phoqr_sync_operations_total", type="upsert_merchant", status="created") == sync0 + 1
    assert _value(text, "phoqr_registrations_total", channel="sync") == sync_reg0 + 1
    assert ("phoqr_db_pool_in_use", ()) in _samples(text)


async def _get_metrics_as(settings: Settings, engine, client_addr: str, **headers: str) -> httpx.Response:
    application = create_app(settings, engine=engine)
    transport = httpx.ASGITransport(app=application, client=(client_addr, 4242))
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=transport, base_url="http://test") as c,
    ):
        return await c.get("/metrics", headers=headers)


@pytest.mark.parametrize(
    ("environment", "token", "addr", "headers", "status"),
    [
        ("development", "", "127.0.0.1", {}, 200),
        ("development", "", "10.1.2.3", {}, 404),  # not loopback
        ("development", "", "127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}, 404),  # a local proxy's visitor
        ("production", "", "127.0.0.1", {}, 404),  # never open by default in production
        ("production", "s3cret-token-for-prometheus", "10.1.2.3", {}, 401),
        ("production", "s3cret-token-for-prometheus", "10.1.2.3", {"Authorization": "Bearer wrong"}, 401),
        (
            "production",
            "s3cret-token-for-prometheus",
            "10.1.2.3",
            {"Authorization": "Bearer s3cret-token-for-prometheus"},
            200,
        ),
    ],
)
async def test_who_may_scrape(settings, engine, environment, token, addr, headers, status) -> None:
    s = settings.model_copy(update={"environment": environment, "metrics_token": token, "demo_users": False})
    r = await _get_metrics_as(s, engine, addr, **headers)
    assert r.status_code == status, r.text
    if status != 200:
        assert "phoqr_" not in r.text


async def test_request_id_echoed_only_when_plain(client) -> None:
    r = await client.get("/health", headers={"X-Request-ID": "phone-42.abc:1"})
    assert r.headers["X-Request-ID"] == "phone-42.abc:1"
    for bad in ("x" * 65, "a b", "evil\tline", "ümlaut", "-starts-with-dash"):
        r = await client.get("/health", headers={"X-Request-ID": bad.encode("utf-8")})
        echoed = r.headers["X-Request-ID"]
        assert echoed != bad and len(echoed) == 32 and int(echoed, 16) >= 0
    r = await client.get("/health")
    assert len(r.headers["X-Request-ID"]) == 32
    assert accept_request_id(None) != accept_request_id(None)


async def test_one_json_access_line_per_request_without_bodies(client, auth) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    configure_logging("INFO", stream=stream)
    try:
        headers = {**(await auth("agent.vungtau")), "X-Request-ID": "req-log-test-1"}
        account = "0011009988776655"
        body = {
            "id": str(uuid.uuid4()),
            "name": "Tạp hóa Nhật Ký",
            "category": "grocery",
            "unit": UNIT,
            "payment_account": {"bank_bin": "970436", "account_number": account, "account_name": "NGUYEN VAN A"},
        }
        r = await client.post("/api/v1/merchants", json=body, headers=headers)
        assert r.status_code in (200, 201, 409, 422), r.text
    finally:
        for h in [h for h in root.handlers if h not in saved[1]]:
            root.removeHandler(h)
        root.setLevel(saved[0])
    lines = [json.loads(x) for x in stream.getvalue().splitlines() if x.strip()]
    access = [x for x in lines if x["logger"] == "phoqr.access" and x.get("request_id") == "req-log-test-1"]
    assert len(access) == 1, lines
    line = access[0]
    assert line["method"] == "POST" and line["route"] == "/api/v1/merchants" and line["status"] == r.status_code
    assert isinstance(line["duration_ms"], float) and isinstance(line["user_id"], int)
    assert account not in stream.getvalue() and "Nhật Ký" not in stream.getvalue()
