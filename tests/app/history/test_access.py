"""Who may read history and forecasts (GET /coverage's rules), and input refused with the field named."""

from __future__ import annotations

import pytest

PATHS = ["/api/v1/coverage/history", "/api/v1/coverage/forecast"]


@pytest.mark.parametrize("path", PATHS)
async def test_banks_are_forbidden_and_strangers_unauthenticated(client, auth, path):
    r = await client.get(path, headers=await auth("bank.vcb"))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert (await client.get(path)).status_code == 401


@pytest.mark.parametrize("user", ["agent.tamthang", "agent.vungtau", "officer.vungtau", "auditor", "admin"])
async def test_scope_is_get_coverage_scope(client, auth, user):
    """Whatever GET /coverage answers a caller for a unit, history and forecast answer the same way."""
    h = await auth(user)
    for unit in ("2025:26506", "2025:26526"):
        coverage = await client.get("/api/v1/coverage", params={"unit": unit}, headers=h)
        for path in PATHS:
            r = await client.get(path, params={"unit": unit}, headers=h)
            assert r.status_code == coverage.status_code, (user, unit, path, r.text)


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"unit": "26506"}, 422, "unit"),
        ({"unit": "2025:99999"}, 422, "unit"),  # a unit that does not exist is bad input, as everywhere
        ({"period": "quarter"}, 422, "period"),
        ({"from": "2026-07-01", "to": "2026-06-30"}, 422, "from"),
        ({"from": "2000-01-01", "to": "2026-06-30"}, 422, "from"),
        ({"to": "30/06/2026"}, 422, "to"),
        ({"level": "unit", "street_id": 1}, 422, "street_id"),
        ({"level": "street", "unit": "2020:26512"}, 422, "unit"),
        ({"level": "street", "street_id": 999999}, 404, None),
        ({"level": "district"}, 422, "level"),
    ],
)
async def test_bad_input_names_the_field(client, auth, params, status, field):
    r = await client.get("/api/v1/coverage/history", params=params, headers=await auth("admin"))
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    if field:
        fields = [e["field"] for e in r.json().get("errors", [])] or [r.json().get("field")]
        assert any(f and f.endswith(field) for f in fields), r.json()
