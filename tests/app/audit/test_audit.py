from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError


async def test_trail_of_a_shop(client, auth):
    agent = await auth("agent.vungtau") | {"X-Device-Id": "phone-42"}
    body = {
        "id": str(uuid.uuid4()),
        "name": "Cà phê Sáng",
        "category": "cafe",
        "unit": {"edition": "2025", "code": "26506"},
    }
    m = (await client.post("/api/v1/merchants", json=body, headers=agent)).json()
    await client.patch(
        f"/api/v1/merchants/{m['id']}", json={"name": "Cà phê Chiều"}, headers=agent | {"If-Match": '"1"'}
    )
    await client.post(
        f"/api/v1/merchants/{m['id']}/review",
        json={"decision": "reject", "reason": "Thiếu ảnh"},
        headers=await auth("officer.vungtau"),
    )
    trail = (await client.get("/api/v1/audit", params={"id": m["id"]}, headers=await auth("auditor"))).json()
    actions = [e["action"] for e in trail["items"]]
    assert actions == ["review.reject", "merchant.update", "merchant.create"]
    update = trail["items"][1]
    assert (update["before"]["name"], update["after"]["name"]) == ("Cà phê Sáng", "Cà phê Chiều")
    assert update["actor_username"] == "agent.vungtau" and update["device_id"] == "phone-42"
    only_reviews = (
        await client.get("/api/v1/audit", params={"entity": "review", "id": m["id"]}, headers=await auth("admin"))
    ).json()
    assert [e["action"] for e in only_reviews["items"]] == ["review.reject"]
    page = (await client.get("/api/v1/audit", params={"id": m["id"], "limit": 2}, headers=await auth("admin"))).json()
    rest = (
        await client.get(
            "/api/v1/audit", params={"id": m["id"], "cursor": page["next_cursor"]}, headers=await auth("admin")
        )
    ).json()
    assert [e["action"] for e in page["items"] + rest["items"]] == actions


@pytest.mark.parametrize("user", ["agent.vungtau", "officer.vungtau", "bank.vcb"])
async def test_only_auditors_and_admins_read_it(client, auth, user):
    assert (await client.get("/api/v1/audit", headers=await auth(user))).status_code == 403


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"])
async def test_audit_log_is_append_only_in_the_database(session, statement):
    await session.execute(
        text(
            "INSERT INTO audit_log (at, action, entity_type, entity_id) "
            "VALUES (CURRENT_TIMESTAMP, 'a', 'merchant', '1')"
        )
    )
    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin_nested():
            await session.execute(text(statement))


async def test_each_row_names_the_request_that_made_it(client, auth):
    agent = await auth("agent.vungtau") | {"X-Request-ID": "req-audit-7f3a"}
    body = {
        "id": str(uuid.uuid4()),
        "name": "Tiệm Ghi Vết",
        "category": "other",
        "unit": {"edition": "2025", "code": "26506"},
    }
    r = await client.post("/api/v1/merchants", json=body, headers=agent)
    assert r.status_code == 201 and r.headers["X-Request-ID"] == "req-audit-7f3a"
    trail = (await client.get("/api/v1/audit", params={"id": body["id"]}, headers=await auth("auditor"))).json()
    assert [(e["action"], e["request_id"]) for e in trail["items"]] == [("merchant.create", "req-audit-7f3a")]


@pytest.mark.parametrize(
    "cursor", ["WyJ4Il0", "WzEuNV0", "W10", "bm90LWpzb24", "WzFlNDBd", "WzE4NDQ2NzQ0MDczNzA5NTUxNjE2XQ"]
)
async def test_a_malformed_cursor_is_422_naming_it(client, auth, cursor):
    # ["x"], [1.5], [], not json, [1e40], [2**64]: each once answered 500
    r = await client.get("/api/v1/audit", params={"cursor": cursor}, headers=await auth("auditor"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor", r.text
