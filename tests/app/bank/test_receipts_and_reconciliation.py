"""Receipts answered record by record, bank_status following them; XOR digests that name the group that differs."""

from __future__ import annotations

import hashlib
from functools import reduce

from sqlalchemy import select, update

from app.audit.models import AuditLog
from app.bank.handoff.records import record_hash
from app.consents.models import BankReceipt
from app.merchants.models import Merchant
from tests.app.consents.factories import bank_user, make_consent
from tests.factories import make_merchant, street_id


async def _shop(session, **kw):
    m = await make_merchant(session, **kw)
    await make_consent(session, m.id, kw.get("bank_bin", "970436"))
    return m


def _receipt(m, **over):
    return {"merchant_id": m.id, "version": 1, "result": "accepted", "bank_merchant_id": "VCB-M-1"} | over


async def test_receipts_per_record(client, auth, session):
    ok = await _shop(session)
    bad = await _shop(session, name="Quán sai tên")
    stale = await _shop(session, name="Đã sửa")
    await session.execute(update(Merchant).where(Merchant.id == stale.id).values(version=2))
    unseen = await make_merchant(session, name="Chưa đồng ý")
    other_bank = await _shop(session, name="Ngân hàng khác", bank_bin="970415")
    body = {
        "receipts": [
            _receipt(ok, bank_terminal_id="T1"),
            _receipt(
                bad, result="rejected", reason_code="name_mismatch", reason="Tên chủ TK khác", bank_merchant_id=None
            ),
            _receipt(stale),
            _receipt(unseen),
            _receipt(other_bank),
            {"merchant_id": "nope", "version": 1, "result": "accepted"},
            _receipt(ok, version=5),
            _receipt(bad, result="rejected"),  # no reason_code
            _receipt(bad, result="maybe"),
            "not an object",
        ]
    }
    h = await auth("bank.vcb")
    r = await client.post("/api/v1/bank/receipts", json=body, headers=h)
    assert r.status_code == 200, r.text
    statuses = [x["status"] for x in r.json()["results"]]
    assert statuses == [
        "recorded",
        "recorded",
        "stale_version",
        "unknown_merchant",
        "unknown_merchant",
        "unknown_merchant",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
    ]
    results = r.json()["results"]
    assert results[7]["errors"][0]["field"] == "receipts[7].reason_code"
    assert results[8]["errors"][0]["field"] == "receipts[8].result"

    # replaying the whole batch changes nothing
    again = await client.post("/api/v1/bank/receipts", json=body, headers=h)
    assert [x["status"] for x in again.json()["results"]] == statuses
    stored = (await session.execute(select(BankReceipt))).scalars().all()
    assert sorted(x.merchant_id for x in stored) == sorted([ok.id, bad.id])

    officer = await auth("officer.vungtau")
    shop_ok = (await client.get(f"/api/v1/merchants/{ok.id}", headers=officer)).json()
    assert shop_ok["bank_status"]["state"] == "accepted"
    assert shop_ok["bank_status"]["bank_merchant_id"] == "VCB-M-1"
    assert shop_ok["bank_status"]["bank_terminal_id"] == "T1"
    shop_bad = (await client.get(f"/api/v1/merchants/{bad.id}", headers=officer)).json()
    assert shop_bad["bank_status"]["state"] == "rejected" and shop_bad["bank_status"]["reason_code"] == "name_mismatch"
    todo = (await client.get("/api/v1/merchants?bank_state=rejected", headers=officer)).json()["items"]
    assert [x["id"] for x in todo] == [bad.id]
    accepted = (await client.get("/api/v1/merchants?bank_state=accepted", headers=officer)).json()["items"]
    assert [x["id"] for x in accepted] == [ok.id]
    not_sent = (await client.get("/api/v1/merchants?bank_state=not_sent", headers=officer)).json()["items"]
    assert unseen.id in {x["id"] for x in not_sent} and ok.id not in {x["id"] for x in not_sent}
    bad_state = await client.get("/api/v1/merchants?bank_state=lost", headers=officer)
    assert bad_state.status_code == 422

    audit = (await session.execute(select(AuditLog).where(AuditLog.action == "bank.receipt"))).scalars().all()
    assert sorted(a.entity_id for a in audit) == sorted([ok.id, bad.id])


async def test_receipts_limits_and_forbidden(client, auth, session):
    m = await _shop(session)
    too_many = {"receipts": [_receipt(m)] * 1001}
    r = await client.post("/api/v1/bank/receipts", json=too_many, headers=await auth("bank.vcb"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "receipts"
    for user in ("auditor", "admin", "agent.vungtau", "officer.vungtau"):
        r = await client.post("/api/v1/bank/receipts", json={"receipts": [_receipt(m)]}, headers=await auth(user))
        assert r.status_code == 403, user
    other = await auth(await bank_user(session))
    r = await client.post("/api/v1/bank/receipts", json={"receipts": [_receipt(m)]}, headers=other)
    assert r.json()["results"] == [{"merchant_id": m.id, "status": "unknown_merchant", "errors": []}]
    assert (await session.execute(select(BankReceipt))).scalars().all() == []


def _xor(hashes):
    return f"{reduce(lambda a, b: a ^ b, (int(h, 16) for h in hashes), 0):064x}"


async def test_reconciliation_digests_and_mismatch(client, auth, session):
    ba_cu = await street_id(session, "Ba Cu")
    h = await auth("bank.vcb")
    empty = (await client.get("/api/v1/bank/reconciliation", headers=h)).json()
    assert empty["count"] == 0 and empty["digest"] == "0" * 64 and empty["groups"] == []

    for i in range(3):
        await _shop(session, name=f"Quán {i}", street=ba_cu)
    await _shop(session, name="Tam Thắng", unit_code="26526", unit_code_2020=None)
    await _shop(session, name="Ngân hàng khác", bank_bin="970415")
    # what the bank stored: the list, each record_hash recomputed from the record itself
    listed = (await client.get("/api/v1/bank/merchants?limit=500", headers=h)).json()["items"]
    mine = [record_hash(r) for r in listed]
    assert mine == [r["record_hash"] for r in listed]

    units = (await client.get("/api/v1/bank/reconciliation?group=unit", headers=h)).json()
    assert units["count"] == 4 and units["digest"] == _xor(mine)
    by_key = {g["key"]: g for g in units["groups"]}
    assert set(by_key) == {"2025:26506", "2025:26526"}
    assert by_key["2025:26506"]["count"] == 3
    assert by_key["2025:26506"]["digest"] == _xor(
        record_hash(r) for r in listed if r["address"]["unit_2025"]["code"] == "26506"
    )
    streets = (await client.get("/api/v1/bank/reconciliation?group=street", headers=h)).json()
    assert {g["key"]: g["count"] for g in streets["groups"]} == {str(ba_cu): 3, "none": 1}

    agree = await client.post("/api/v1/bank/reconciliation", json=units, headers=h)
    assert agree.json() == {"match": True, "mismatched": []}

    # the bank's copy of one Ba Cu shop is corrupted: the unit, then the street, are named
    corrupted = [dict(r) for r in listed]
    victim = next(r for r in corrupted if r["address"]["street_id"] == ba_cu)
    victim["phone"] = "0999999999"
    bank_hashes = {r["merchant_id"]: record_hash(r) for r in corrupted}

    def groups(key_of):
        out = {}
        for r in corrupted:
            out.setdefault(key_of(r), []).append(bank_hashes[r["merchant_id"]])
        return [{"key": k, "count": len(v), "digest": _xor(v)} for k, v in out.items()]

    claim = {"count": 4, "digest": _xor(bank_hashes.values())}
    by_unit = await client.post(
        "/api/v1/bank/reconciliation",
        json=claim | {"groups": groups(lambda r: "2025:" + r["address"]["unit_2025"]["code"])},
        headers=h,
    )
    assert by_unit.json() == {"match": False, "mismatched": ["2025:26506"]}
    by_street = await client.post(
        "/api/v1/bank/reconciliation",
        json=claim | {"groups": groups(lambda r: str(r["address"]["street_id"] or "none"))},
        headers=h,
    )
    assert by_street.json() == {"match": False, "mismatched": [str(ba_cu)]}
    totals_only = await client.post("/api/v1/bank/reconciliation", json=claim, headers=h)
    assert totals_only.json() == {"match": False, "mismatched": []}
    # a group the bank holds and we don't (a withdrawn consent it missed) is named too
    unknown = {"key": "2025:26526x", "count": 1, "digest": hashlib.sha256(b"x").hexdigest()}
    extra = [*groups(lambda r: "2025:" + r["address"]["unit_2025"]["code"]), unknown]
    r = await client.post("/api/v1/bank/reconciliation", json=claim | {"groups": extra}, headers=h)
    assert "2025:26526x" in r.json()["mismatched"]
    bad = await client.post("/api/v1/bank/reconciliation", json={"count": -1, "digest": "zz"}, headers=h)
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"count", "digest"}
    assert (
        await client.post("/api/v1/bank/reconciliation", json=claim, headers=await auth("agent.vungtau"))
    ).status_code == 403
