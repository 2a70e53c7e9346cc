"""Defects found by trying the API as a newcomer would (issue 7), each once answered wrongly."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditLog
from app.merchants.models import QRCode


async def register(client, headers, body):
    r = await client.post("/api/v1/merchants", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.parametrize("field", ["name", "category"])
async def test_patching_a_required_field_to_null_is_422_naming_it(client, auth, shop, field):
    # once: NOT NULL violated at flush, reported as 409 duplicate_account by a blanket `except IntegrityError`
    h = await auth("agent.vungtau")
    m = await register(client, h, shop())
    r = await client.patch(f"/api/v1/merchants/{m['id']}", json={field: None}, headers=h | {"If-Match": '"1"'})
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [field]
    assert (await client.get(f"/api/v1/merchants/{m['id']}", headers=h)).json()["version"] == 1


async def test_optional_fields_may_still_be_cleared(client, auth, shop):
    h = await auth("agent.vungtau")
    m = await register(client, h, shop())
    r = await client.patch(
        f"/api/v1/merchants/{m['id']}", json={"owner_name": None, "phone": None}, headers=h | {"If-Match": '"1"'}
    )
    assert r.status_code == 200 and (r.json()["owner_name"], r.json()["phone"]) == (None, None)


@pytest.mark.parametrize(("body", "field"), [({"is_model_street": None}, "is_model_street"), ({"name": None}, "name")])
async def test_patching_a_street_field_to_null_is_422_naming_it(client, auth, body, field):
    h = await auth("officer.vungtau")
    created = await client.post(
        "/api/v1/streets",
        json={"name": "Hẻm Kiểm Tra Null", "units": [{"edition": "2025", "code": "26506"}]},
        headers=h,
    )
    assert created.status_code == 201, created.text
    r = await client.patch(f"/api/v1/streets/{created.json()['id']}", json=body, headers=h | {"If-Match": '"1"'})
    assert r.status_code == 422, r.text  # once: 409 duplicate_street
    assert [e["field"] for e in r.json()["errors"]] == [field]


async def test_a_unit_or_street_that_does_not_exist_is_one_rule_422_with_the_field(client, auth, shop):
    h = await auth("officer.vungtau")
    unknown_unit = [{"edition": "2025", "code": "99999"}]
    r = await client.post("/api/v1/streets", json={"name": "Phố Không Có", "units": unknown_unit}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "units.0", r.text  # once: 404
    r = await client.post("/api/v1/merchants", json=shop(street_id=999999), headers=await auth("agent.vungtau"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "street_id", r.text
    r = await client.post(
        "/api/v1/merchants", json=shop(unit={"edition": "2025", "code": "99999"}), headers=await auth("admin")
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "unit", r.text


async def test_closing_a_shop_revokes_its_qr_through_the_audited_path(client, auth, shop, session):
    h = await auth("agent.vungtau")
    m = await register(client, h, shop())
    issued = await client.post(f"/api/v1/merchants/{m['id']}/qr", json={"scheme": "vietqr"}, headers=h)
    assert issued.status_code == 201, issued.text
    r = await client.post(f"/api/v1/merchants/{m['id']}/close", json={"reason": "Ngừng kinh doanh"}, headers=h)
    assert r.status_code == 200 and r.json()["qr"] is None
    code = await session.get(QRCode, issued.json()["id"])
    await session.refresh(code)
    assert (code.status, code.active_for, code.revoke_reason) == ("revoked", None, "merchant closed")
    rows = (
        await session.execute(select(AuditLog).where(AuditLog.entity_type == "qr", AuditLog.entity_id == code.id))
    ).scalars()
    trail = [(a.action, a.after["status"]) for a in rows]
    assert ("qr.revoke", "revoked") in trail  # once: a raw UPDATE, no audit row
