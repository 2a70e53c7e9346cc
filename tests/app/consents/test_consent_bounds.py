"""Consent times outside [2024-01-01, now + 5 min] and hostile text in the consent and receipt fields are 422
naming the field, at every entry point (never a 500 or an `internal_error` in /sync)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.app.consents.factories import consent_body, make_consent
from tests.factories import make_merchant, shop_body

# year 1 at +14:00 is year 0 in UTC: converting it overflowed (500); the others are plainly out of range
BAD_TIMES = [
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00Z",
    "2023-12-31T23:59:59+00:00",
    "9999-12-31T23:59:59-14:00",
]
# right-to-left override, first-strong isolate, only zero-width, ESC, NEL
BAD_TEXT = ["Nguyễn\u202eThị", "Nguyễn \u2068Thị", "\u200b\u200b", "Nguyễn\x1b[31mThị", "Nguyễn\u0085Thị"]


def _future() -> str:
    return (datetime.now(UTC) + timedelta(minutes=30)).isoformat()


@pytest.mark.parametrize("given_at", [*BAD_TIMES, "future"])
async def test_consent_endpoint_bounds_given_at(client, auth, session, given_at):
    m = await make_merchant(session)
    value = _future() if given_at == "future" else given_at
    r = await client.post(
        f"/api/v1/merchants/{m.id}/consents", json=consent_body(given_at=value), headers=await auth("agent.vungtau")
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "given_at"


async def test_consent_endpoint_accepts_times_inside_the_bounds(client, auth, session):
    m = await make_merchant(session)
    h = await auth("agent.vungtau")
    for value in ("2024-01-01T07:00:00+07:00", (datetime.now(UTC) + timedelta(minutes=2)).isoformat()):
        r = await client.post(f"/api/v1/merchants/{m.id}/consents", json=consent_body(given_at=value), headers=h)
        assert r.status_code in (200, 201), r.text


@pytest.mark.parametrize("given_at", BAD_TIMES)
async def test_inline_consent_in_create_and_patch_bounds_given_at(client, auth, given_at):
    h = await auth("agent.vungtau")
    r = await client.post("/api/v1/merchants", json=shop_body(consent=consent_body(given_at=given_at)), headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "consent.given_at"
    created = await client.post("/api/v1/merchants", json=shop_body(), headers=h)
    assert created.status_code == 201, created.text
    shop = created.json()
    r = await client.patch(
        f"/api/v1/merchants/{shop['id']}",
        json={"consent": consent_body(given_at=given_at)},
        headers=h | {"If-Match": f'"{shop["version"]}"'},
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "consent.given_at"


@pytest.mark.parametrize("given_at", BAD_TIMES)
async def test_sync_operation_names_given_at(client, auth, given_at):
    body = shop_body(consent=consent_body(given_at=given_at))
    r = await client.post(
        "/api/v1/sync",
        json={
            "device_id": "phone-bounds",
            "operations": [{"op_id": f"op-{uuid.uuid4().hex[:8]}", "type": "upsert_merchant", "payload": body}],
        },
        headers=await auth("agent.vungtau"),
    )
    assert r.status_code == 200, r.text
    result = r.json()["results"][0]
    assert result["status"] == "invalid", result
    assert [e["field"] for e in result["errors"]] == ["consent.given_at"], result


@pytest.mark.parametrize("text", BAD_TEXT)
async def test_consent_and_withdrawal_text_follow_the_text_rules(client, auth, session, text):
    m = await make_merchant(session)
    h = await auth("agent.vungtau")
    r = await client.post(f"/api/v1/merchants/{m.id}/consents", json=consent_body(given_by_name=text), headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "given_by_name"
    given = await client.post(f"/api/v1/merchants/{m.id}/consents", json=consent_body(), headers=h)
    assert given.status_code == 201, given.text
    r = await client.post(f"/api/v1/consents/{given.json()['id']}/withdraw", json={"reason": text}, headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "reason"


@pytest.mark.parametrize("field", ["reason", "bank_merchant_id", "bank_terminal_id"])
@pytest.mark.parametrize("text", BAD_TEXT)
async def test_receipt_text_fields_follow_the_text_rules(client, auth, session, field, text):
    m = await make_merchant(session)
    await make_consent(session, m.id)
    receipt = {"merchant_id": m.id, "version": 1, "result": "rejected", "reason_code": "other", field: text}
    r = await client.post("/api/v1/bank/receipts", json={"receipts": [receipt]}, headers=await auth("bank.vcb"))
    assert r.status_code == 200, r.text
    result = r.json()["results"][0]
    assert result["status"] == "invalid", result
    assert result["errors"][0]["field"] == f"receipts[0].{field}"
