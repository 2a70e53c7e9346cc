"""Household-business fields (issue 19, item 6): optional on every shop, checked once (the validator the import
uses), shown in full only to the shop's own unit, never in a log or an audit row."""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.audit.models import AuditLog

TAX = "077185001234"  # Bà Rịa - Vũng Tàu (077), born 1985, century digit 1


async def test_created_patched_and_shown(client, auth, shop, ba_cu):
    h = await auth("agent.vungtau")
    body = shop(street_id=ba_cu, tax_code="0771 8500 1234", business_registration_number="49A8001234")
    r = await client.post("/api/v1/merchants", json=body | {"einvoice_method": "tax_authority_code"}, headers=h)
    assert r.status_code == 201, r.text
    m = r.json()
    assert m["tax_code"] == TAX  # spaces removed
    assert m["business_registration_number"] == "49A8001234" and m["einvoice_method"] == "tax_authority_code"
    p = await client.patch(
        f"/api/v1/merchants/{m['id']}",
        json={"einvoice_method": "cash_register", "tax_code": None},
        headers=h | {"If-Match": '"1"'},
    )
    assert p.status_code == 200, p.text
    assert p.json()["einvoice_method"] == "cash_register" and p.json()["tax_code"] is None
    bare = (await client.post("/api/v1/merchants", json=shop(phone=None, payment_account=None), headers=h)).json()
    assert bare["tax_code"] is None and bare["einvoice_method"] is None  # optional: always sent, null


async def test_masked_outside_the_shops_own_unit(client, auth, shop):
    agent = await auth("agent.vungtau")
    m = (await client.post("/api/v1/merchants", json=shop(tax_code=TAX), headers=agent)).json()
    assert (await client.get(f"/api/v1/merchants/{m['id']}", headers=await auth("officer.vungtau"))).json()[
        "tax_code"
    ] == TAX
    for user in ("admin", "auditor", "officer.hcmc"):  # the city, the inspector, the province: masked
        r = await client.get(f"/api/v1/merchants/{m['id']}", headers=await auth(user))
        assert r.status_code == 200, (user, r.text)
        assert r.json()["tax_code"] == "077*******34", user
        listed = await client.get("/api/v1/merchants", params={"unit": "2025:26506"}, headers=await auth(user))
        assert TAX not in listed.text, user


async def test_bad_tax_code_is_a_problem_naming_the_field(client, auth, shop):
    h = await auth("agent.vungtau")
    for bad, why in [
        ("07718500123", "12"),  # 11 digits
        ("999185001234", "province"),  # no province 999
        ("077485001234", "century"),  # century digit 4: born in the 2100s
        ("077320001234", "century"),  # born 2020: not 15 yet
        ("０７７１８５００１２３４", "12"),  # full-width digits are not ASCII digits
    ]:
        r = await client.post("/api/v1/merchants", json=shop(tax_code=bad), headers=h | {"Accept-Language": "en"})
        assert r.status_code == 422, bad
        assert r.headers["content-type"].startswith("application/problem+json")
        (err,) = r.json()["errors"]
        assert err["field"] == "tax_code" and why in err["message"], (bad, err)
    r = await client.post("/api/v1/merchants", json=shop(einvoice_method="paper"), headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "einvoice_method"


async def test_sync_upserts_carry_them(client, auth, shop):
    h = await auth("agent.vungtau")
    body = shop(tax_code=TAX, einvoice_method="none")
    ops = [{"op_id": "a", "type": "upsert_merchant", "payload": body}]
    r = await client.post("/api/v1/sync", json={"device_id": "phone-1", "operations": ops}, headers=h)
    assert r.json()["results"][0]["status"] == "created", r.text
    patch = body | {"einvoice_method": "cash_register", "base_version": 1}
    bad = shop(tax_code="123")
    ops = [
        {"op_id": "b", "type": "upsert_merchant", "payload": patch},
        {"op_id": "c", "type": "upsert_merchant", "payload": bad},
    ]
    r = await client.post("/api/v1/sync", json={"device_id": "phone-1", "operations": ops}, headers=h)
    updated, invalid = r.json()["results"]
    assert updated["status"] == "updated", updated
    assert invalid["status"] == "invalid" and invalid["errors"][0]["field"] == "tax_code"
    m = (await client.get(f"/api/v1/merchants/{body['id']}", headers=h)).json()
    assert m["tax_code"] == TAX and m["einvoice_method"] == "cash_register"


async def test_never_in_a_log_or_the_audit(client, auth, shop, session, caplog):
    h = await auth("agent.vungtau")
    caplog.set_level(logging.DEBUG)
    m = (await client.post("/api/v1/merchants", json=shop(tax_code=TAX), headers=h)).json()
    await client.patch(
        f"/api/v1/merchants/{m['id']}", json={"tax_code": "079190000001"}, headers=h | {"If-Match": '"1"'}
    )
    await client.post("/api/v1/merchants", json=shop(tax_code="07718500123"), headers=h)  # refused
    logging.getLogger("phoqr.test").warning("shop %s tax %s", m["id"], TAX)  # even one written by mistake
    text = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert TAX not in text and "079190000001" not in text and "07718500123" not in text
    rows = (await session.execute(select(AuditLog).where(AuditLog.entity_id == m["id"]))).scalars().all()
    assert [a.action for a in rows] == ["merchant.create", "merchant.update"]
    assert all(TAX not in repr((a.before, a.after, a.context)) for a in rows)
