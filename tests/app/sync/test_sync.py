from __future__ import annotations

import uuid

from sqlalchemy import select

import qr
from app.audit.models import AuditLog
from app.coverage.counters import rebuild, totals
from tests.factories import shop_body as shop


def op(kind, payload, op_id=None):
    return {"op_id": op_id or str(uuid.uuid4()), "type": kind, "payload": payload}


async def counter_rows(session):
    return [t for t in await totals(session) if t[4]]  # shards summed


async def test_mixed_batch_each_op_stands_alone_and_replay_changes_nothing(client, auth, session):
    h = await auth("agent.vungtau")
    a, b = shop(phone="0901111111"), shop(phone="0902222222")
    ops = [
        op("upsert_merchant", a),
        op("upsert_merchant", shop(name="")),  # invalid
        op("upsert_merchant", b),
        op("upsert_merchant", shop(phone="0901111111")),  # duplicate phone
        op("issue_qr", {"merchant_id": a["id"], "scheme": "vietqr"}),
        op("close_merchant", {"merchant_id": b["id"], "reason": "Chuyển đi"}),
        op("upsert_merchant", a),  # same shop again: unchanged
    ]
    batch = {"device_id": "phone-1", "operations": ops}
    r = await client.post("/api/v1/sync", json=batch, headers=h)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == [
        "created",
        "invalid",
        "created",
        "duplicate",
        "created",
        "updated",
        "unchanged",
    ]
    assert results[1]["errors"][0]["field"] == "name"
    assert results[3]["errors"][0]["code"] == "duplicate_phone"
    payload = results[4]["qr"]["payload"]
    assert qr.parse(payload).account == a["payment_account"]["account_number"]
    replay = await client.post("/api/v1/sync", json=batch, headers=h)
    assert replay.json()["results"] == results
    listed = (await client.get("/api/v1/merchants", headers=h)).json()["items"]
    assert sorted(m["id"] for m in listed) == sorted([a["id"], b["id"]])
    assert next(m for m in listed if m["id"] == a["id"])["qr"]["payload"] == payload  # no second QR on replay
    # the failed operations left nothing behind: the running counters equal a recount
    before = await counter_rows(session)
    await rebuild(session)
    assert await counter_rows(session) == before
    audited = (await session.execute(select(AuditLog.entity_id).where(AuditLog.action == "merchant.create"))).scalars()
    assert set(audited) >= {a["id"], b["id"]}
    reused = await client.post(
        "/api/v1/sync",
        headers=h,
        json={"device_id": "phone-1", "operations": [op("upsert_merchant", shop(), op_id=ops[0]["op_id"])]},
    )
    assert reused.json()["results"][0]["status"] == "invalid"


async def test_conflict_returns_server_copy(client, auth):
    h = await auth("agent.vungtau")
    a = shop()
    await client.post("/api/v1/sync", headers=h, json={"device_id": "p", "operations": [op("upsert_merchant", a)]})
    update = a | {"name": "Tạp hóa Hương Mới", "base_version": 1}
    ok = await client.post(
        "/api/v1/sync", headers=h, json={"device_id": "p", "operations": [op("upsert_merchant", update)]}
    )
    assert ok.json()["results"][0]["status"] == "updated"
    stale = a | {"name": "Tên khác", "base_version": 1}
    res = (
        await client.post(
            "/api/v1/sync", headers=h, json={"device_id": "p", "operations": [op("upsert_merchant", stale)]}
        )
    ).json()["results"][0]
    assert res["status"] == "conflict" and res["server_copy"]["name"] == "Tạp hóa Hương Mới"
    assert res["server_copy"]["version"] == 2


async def test_limits_and_scope(client, auth):
    h = await auth("agent.vungtau")
    too_many = {"device_id": "p", "operations": [op("upsert_merchant", shop()) for _ in range(501)]}
    r = await client.post("/api/v1/sync", json=too_many, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "operations"
    a = shop()
    await client.post("/api/v1/sync", headers=h, json={"device_id": "p", "operations": [op("upsert_merchant", a)]})
    outsider = await auth("agent.tamthang")
    res = (
        await client.post(
            "/api/v1/sync",
            headers=outsider,
            json={
                "device_id": "q",
                "operations": [
                    op("upsert_merchant", a | {"name": "Hijack", "base_version": 1}),
                    op("close_merchant", {"merchant_id": a["id"], "reason": "x"}),
                    op("issue_qr", {"merchant_id": a["id"]}),
                    op("upsert_merchant", shop()),  # a new shop in a unit that is not theirs
                ],
            },
        )
    ).json()["results"]
    assert [x["status"] for x in res] == ["invalid"] * 4
    assert (
        await client.post(
            "/api/v1/sync",
            headers=await auth("auditor"),
            json={"device_id": "p", "operations": [op("upsert_merchant", shop())]},
        )
    ).status_code == 403
