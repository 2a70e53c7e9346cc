"""Consent: texts by hash, given and withdrawn by the shop's own unit, audited, and what a bank then sees."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.audit.models import AuditLog
from app.consents.texts import TEXTS
from tests.app.consents.factories import bank_user, consent_body
from tests.factories import make_merchant


async def test_texts_are_versioned_and_hashed_over_the_vietnamese(client, auth):
    r = await client.get("/api/v1/consent-texts", headers=await auth("agent.vungtau"))
    assert r.status_code == 200
    texts = r.json()
    assert [t["version"] for t in texts][:1] == [1]
    for t in texts:
        assert t["sha256"] == hashlib.sha256(t["text_vi"].encode("utf-8")).hexdigest()
        assert "91/2025/QH15" in t["text_vi"] and "91/2025/QH15" in t["text_en"]
        assert t["purpose"] == "bank_onboarding"


async def test_give_list_withdraw_and_audit(client, auth, session):
    m = await make_merchant(session, account_number="0011001234567")
    h = await auth("agent.vungtau")
    r = await client.post(f"/api/v1/merchants/{m.id}/consents", json=consent_body(), headers=h)
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["bank_bin"] == "970436"  # the shop's account's bank when not named
    assert c["text_version"] == TEXTS[-1].version and c["text_sha256"] == TEXTS[-1].sha256
    assert c["purpose"] == "bank_onboarding" and c["active"] is True and c["recorded_by"] is not None
    again = await client.post(f"/api/v1/merchants/{m.id}/consents", json=consent_body(), headers=h)
    assert again.status_code == 200 and again.json()["id"] == c["id"]

    bank = await auth("bank.vcb")
    seen = await client.get("/api/v1/bank/merchants", headers=bank)
    assert [x["merchant_id"] for x in seen.json()["items"]] == [m.id]
    assert seen.json()["items"][0]["consent_id"] == c["id"]

    listed = await client.get(f"/api/v1/merchants/{m.id}/consents", headers=h)
    assert [x["id"] for x in listed.json()] == [c["id"]]

    w = await client.post(f"/api/v1/consents/{c['id']}/withdraw", json={"reason": "chủ không muốn nữa"}, headers=h)
    assert w.status_code == 200, w.text
    assert w.json()["active"] is False and w.json()["withdrawal_reason"] == "chủ không muốn nữa"
    assert w.json()["withdrawn_at"] is not None
    twice = await client.post(f"/api/v1/consents/{c['id']}/withdraw", json={"reason": "lần nữa"}, headers=h)
    assert twice.status_code == 200 and twice.json()["withdrawal_reason"] == "chủ không muốn nữa"
    assert (await client.get("/api/v1/bank/merchants", headers=bank)).json()["items"] == []

    audit = (await session.execute(select(AuditLog).where(AuditLog.entity_id == c["id"]))).scalars().all()
    assert [a.action for a in audit] == ["consent.give", "consent.withdraw"]
    assert audit[1].before["active_key"] is not None and audit[1].after["active_key"] is None


async def test_a_new_text_version_supersedes_and_bank_can_be_named(client, auth, session):
    m = await make_merchant(session, bank_bin=None)  # no bank account yet
    h = await auth("officer.vungtau")
    no_bank = await client.post(f"/api/v1/merchants/{m.id}/consents", json=consent_body(), headers=h)
    assert no_bank.status_code == 422 and no_bank.json()["errors"][0]["field"] == "bank_bin"
    first = await client.post(f"/api/v1/merchants/{m.id}/consents", json=consent_body(bank_bin="970415"), headers=h)
    assert first.status_code == 201 and first.json()["bank_bin"] == "970415"
    other = consent_body(bank_bin="970415", channel="witnessed_verbal", given_by_name="Trần Văn Nam")
    second = await client.post(f"/api/v1/merchants/{m.id}/consents", json=other, headers=h)
    assert second.status_code == 201 and second.json()["id"] != first.json()["id"]
    listed = {x["id"]: x for x in (await client.get(f"/api/v1/merchants/{m.id}/consents", headers=h)).json()}
    assert listed[first.json()["id"]]["active"] is False
    assert listed[first.json()["id"]]["withdrawal_reason"] == "superseded"
    assert listed[second.json()["id"]]["active"] is True


async def test_validation_names_each_field(client, auth, session):
    m = await make_merchant(session)
    h = await auth("agent.vungtau")
    url = f"/api/v1/merchants/{m.id}/consents"
    cases = [
        ({"channel": "telepathy"}, "channel"),
        ({"text_sha256": "0" * 64}, "text_sha256"),
        ({"text_sha256": None}, "text_sha256"),  # neither hash nor version: which words were agreed?
        ({"text_version": 99, "text_sha256": None}, "text_version"),
        ({"text_version": 2, "text_sha256": TEXTS[0].sha256}, "text_version"),
        ({"given_by_name": "   "}, "given_by_name"),
        ({"bank_bin": "999999"}, "bank_bin"),
        ({"given_at": (datetime.now(UTC) + timedelta(days=2)).isoformat()}, "given_at"),
        ({"given_at": "2026-11-23T08:00:00"}, "given_at"),
        ({"evidence_photo_id": "no-such-photo"}, "evidence_photo_id"),
        ({"surprise": 1}, "surprise"),
    ]
    for over, field in cases:
        r = await client.post(url, json=consent_body(**over), headers=h)
        assert r.status_code == 422, (over, r.text)
        assert r.json()["errors"][0]["field"] == field, (over, r.json())
    closed = await make_merchant(session, status="closed")
    r = await client.post(f"/api/v1/merchants/{closed.id}/consents", json=consent_body(), headers=h)
    assert r.status_code == 409 and r.json()["code"] == "merchant_closed"


async def test_forbidden_cases(client, auth, session):
    m = await make_merchant(session)
    url = f"/api/v1/merchants/{m.id}/consents"
    # an agent of another unit: the shop does not exist for them
    r = await client.post(url, json=consent_body(), headers=await auth("agent.tamthang"))
    assert r.status_code == 404 and r.json()["code"] == "merchant_not_found"
    for reader in ("auditor", "bank.vcb"):
        r = await client.post(url, json=consent_body(), headers=await auth(reader))
        assert r.status_code == 403, reader
    given = await client.post(url, json=consent_body(), headers=await auth("agent.vungtau"))
    cid = given.json()["id"]
    withdraw = f"/api/v1/consents/{cid}/withdraw"
    r = await client.post(withdraw, json={"reason": "x"}, headers=await auth("agent.tamthang"))
    assert r.status_code == 404 and r.json()["code"] == "consent_not_found"
    for reader in ("auditor", "bank.vcb"):
        assert (await client.post(withdraw, json={"reason": "x"}, headers=await auth(reader))).status_code == 403
    assert (await client.get(url, headers=await auth("agent.tamthang"))).status_code == 404
    # a bank of another BIN sees neither the shop nor its consents
    other_bank = await bank_user(session)
    assert (await client.get(url, headers=await auth(other_bank))).status_code == 404
    assert len((await client.get(url, headers=await auth("auditor"))).json()) == 1
    assert (await client.get("/api/v1/consent-texts")).status_code == 401


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


async def test_evidence_photo_of_this_shop(client, auth, session):
    m = await make_merchant(session)
    other = await make_merchant(session, name="Quán khác")
    h = await auth("agent.vungtau")
    files = {"file": ("form.png", _png(), "image/png")}
    theirs = await client.post(f"/api/v1/merchants/{other.id}/photos", files=files, headers=h)
    assert theirs.status_code == 201, theirs.text
    url = f"/api/v1/merchants/{m.id}/consents"
    r = await client.post(url, json=consent_body(evidence_photo_id=theirs.json()["id"]), headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "evidence_photo_id"
    ours = await client.post(f"/api/v1/merchants/{m.id}/photos", files=files, headers=h)
    r = await client.post(url, json=consent_body(evidence_photo_id=ours.json()["id"]), headers=h)
    assert r.status_code == 201 and r.json()["evidence_photo_id"] == ours.json()["id"]
