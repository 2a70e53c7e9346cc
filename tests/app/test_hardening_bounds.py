"""Integers beyond a column's range, malformed cursors and a signed token whose subject is not a user id are
422 or 401, never 500."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import pytest

from app.core.security import encode_token

HUGE = [99999999999, 2**40, 2**63, -(2**40)]


def cursor_of(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize("number", HUGE)
async def test_street_id_beyond_the_column_is_422(client, auth, number):
    h = await auth("officer.vungtau")
    r = await client.get(f"/api/v1/streets/{number}", headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "street_id"
    r = await client.patch(f"/api/v1/streets/{number}", json={"note": "x"}, headers=h | {"If-Match": '"1"'})
    assert r.status_code == 422, r.text
    r = await client.get("/api/v1/merchants", params={"street_id": number}, headers=h)
    assert r.status_code == 422, r.text
    body = {
        "id": str(uuid.uuid4()),
        "name": "Tạp hóa",
        "category": "grocery",
        "street_id": number,
        "unit": {"edition": "2025", "code": "26506"},
    }
    r = await client.post("/api/v1/merchants", json=body, headers=await auth("agent.vungtau"))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "street_id"


BAD_CURSORS = [
    "!!!",
    "%%%",
    cursor_of({"a": 1}),
    cursor_of([99999999999]),
    cursor_of([2**70]),
    cursor_of(["x"]),
    cursor_of([None]),
    cursor_of([1.5]),
    cursor_of(["a", 99999999999]),
    cursor_of(["a", "b"]),
    cursor_of([1, 2]),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
@pytest.mark.parametrize(("path", "user"), [("/api/v1/audit", "auditor"), ("/api/v1/streets", "agent.vungtau")])
async def test_malformed_cursor_is_422_invalid_cursor(client, auth, path, user, cursor):
    r = await client.get(path, params={"cursor": cursor}, headers=await auth(user))
    if r.status_code == 200:  # a cursor that decodes to a valid position is a position, not an error
        return
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_cursor"
    assert r.json()["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("cursor", [cursor_of([99999999999]), cursor_of(["x"]), "!!!"])
async def test_audit_cursor_that_cannot_be_a_position_is_refused(client, auth, cursor):
    r = await client.get("/api/v1/audit", params={"cursor": cursor}, headers=await auth("auditor"))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("subject", ["abc", "99999999999", "1.5", "", " 1", "-1", str(2**70)])
async def test_signed_token_whose_subject_is_not_a_user_is_401(client, settings, subject):
    token, _ = encode_token(settings, subject, "access", ttl=timedelta(minutes=5))
    r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
