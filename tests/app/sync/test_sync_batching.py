"""/sync registers sure new shops in bulk (app.sync.bulk) and every other operation one by one: the outcomes,
counters, audit rows and bank events are exactly those of operations applied one after the other."""

from __future__ import annotations

import uuid

from sqlalchemy import event, func, select

from app.audit.models import AuditLog
from app.bank.outbox.models import BankEvent
from app.coverage.counters import rebuild
from tests.app.consents.factories import consent_body
from tests.app.sync.test_sync import counter_rows, op, shop


async def _sync(client, h, ops):
    r = await client.post("/api/v1/sync", json={"device_id": "phone-b", "operations": ops}, headers=h)
    assert r.status_code == 200, r.text
    return r.json()["results"]


async def _counters_equal_recount(session):
    running = await counter_rows(session)
    await rebuild(session)
    assert await counter_rows(session) == running


async def test_two_ops_on_the_same_shop_in_one_batch_apply_in_order(client, auth, session):
    h = await auth("agent.vungtau")
    a, b = shop(phone="0903000001"), shop(phone="0903000002")
    ops = [
        op("upsert_merchant", a),
        op("upsert_merchant", a | {"base_version": 1, "name": "Tạp hóa Hương Mới"}),
        op("upsert_merchant", b),
        op("close_merchant", {"merchant_id": b["id"], "reason": "Chuyển đi"}),
        op("upsert_merchant", shop(phone="0903000002")),  # b's phone, free again once b is closed
    ]
    results = await _sync(client, h, ops)
    assert [x["status"] for x in results] == ["created", "updated", "created", "updated", "created"]
    got = (await client.get(f"/api/v1/merchants/{a['id']}", headers=h)).json()
    assert (got["name"], got["version"]) == ("Tạp hóa Hương Mới", 2)
    assert (await client.get(f"/api/v1/merchants/{b['id']}", headers=h)).json()["status"] == "closed"
    await _counters_equal_recount(session)
    assert await _sync(client, h, ops) == results  # the replay answers the same and changes nothing
    await _counters_equal_recount(session)


async def test_an_op_duplicating_another_ops_phone_or_account_in_the_batch(client, auth, session):
    h = await auth("agent.vungtau")
    first = shop(phone="0904000001")
    same_phone = shop(phone="0904000001")
    same_account = shop(payment_account=first["payment_account"])
    results = await _sync(client, h, [op("upsert_merchant", x) for x in (first, same_phone, same_account)])
    assert [x["status"] for x in results] == ["created", "duplicate", "duplicate"]
    assert [x["errors"][0]["code"] for x in results[1:]] == ["duplicate_phone", "duplicate_account"]
    ids = {m["id"] for m in (await client.get("/api/v1/merchants", headers=h)).json()["items"]}
    assert ids == {first["id"]}
    await _counters_equal_recount(session)


async def test_a_batch_mixing_creates_updates_invalid_ops_and_closes(client, auth, session):
    h = await auth("agent.vungtau")
    old = shop(phone="0905000001")
    assert (await _sync(client, h, [op("upsert_merchant", old)]))[0]["status"] == "created"
    new = [shop(phone=f"09050001{i:02d}", name=f"Quán {i}") for i in range(30)]
    with_consent = shop(consent=consent_body())
    ops = [op("upsert_merchant", x) for x in new[:10]]
    ops += [
        op("upsert_merchant", old | {"base_version": 1, "category": "cafe"}),
        op("upsert_merchant", shop(unit={"edition": "2025", "code": "99999"})),  # no such unit
        op("upsert_merchant", shop(name="\u202e")),  # refused by the schema
        op("upsert_merchant", with_consent),
        op("close_merchant", {"merchant_id": new[0]["id"], "reason": "Chuyển đi"}),
        op("upsert_merchant", old | {"base_version": 1, "name": "stale"}),  # version 2 by now
    ]
    ops += [op("upsert_merchant", x) for x in new[10:]]
    results = await _sync(client, h, ops)
    statuses = [x["status"] for x in results]
    assert (
        statuses
        == ["created"] * 10 + ["updated", "invalid", "invalid", "created", "updated", "conflict"] + ["created"] * 20
    )
    assert results[15]["server_copy"]["category"] == "cafe"
    await _counters_equal_recount(session)
    created = {x["id"] for x in new} | {old["id"], with_consent["id"]}
    audited = select(AuditLog.entity_id).where(AuditLog.action == "merchant.create")
    assert set((await session.execute(audited)).scalars()) >= created
    # the bank outbox: one event for the consented shop, none for shops no bank may see
    events = (await session.execute(select(BankEvent.merchant_id, BankEvent.type))).all()
    assert events == [(with_consent["id"], "merchant.created")]
    replay = await _sync(client, h, ops)
    assert replay == results
    assert (await session.execute(select(func.count()).select_from(BankEvent))).scalar_one() == 1


async def test_near_duplicates_within_the_batch_and_against_stored_shops(client, auth):
    h = await auth("agent.vungtau")
    streets = (await client.get("/api/v1/streets", params={"unit": "2025:26506", "limit": 500}, headers=h)).json()
    street = next(s for s in streets["items"] if [u["code"] for u in s["units"] if u["edition"] == "2025"] == ["26506"])
    on_street = {"street_id": street["id"], "unit": {"edition": "2025", "code": "26506"}}
    stored = shop(name="Cà phê Gió", **on_street)
    assert (await _sync(client, h, [op("upsert_merchant", stored)]))[0]["status"] == "created"
    twin, first, second = (
        shop(name="CA PHE  gio", **on_street),
        shop(name="Bánh mì Ba Lẹ", **on_street),
        shop(name="banh mi ba le", **on_street),
    )
    near = shop(name="Tiệm khác", location={"lat": 10.3460, "lon": 107.0843}, **on_street)
    close_by = shop(name="Tiệm nữa", location={"lat": 10.3461, "lon": 107.0843}, **on_street)
    results = await _sync(client, h, [op("upsert_merchant", x) for x in (twin, first, second, near, close_by)])
    assert {x["status"] for x in results} == {"created"}
    dup = {
        x["id"]: (await client.get(f"/api/v1/merchants/{x['id']}", headers=h)).json()["possible_duplicate_of"]
        for x in (twin, first, second, near, close_by)
    }
    assert dup == {
        twin["id"]: stored["id"],
        first["id"]: None,
        second["id"]: first["id"],
        near["id"]: None,
        close_by["id"]: near["id"],  # about 11 m apart
    }


async def test_new_shops_are_written_with_a_bounded_number_of_statements(client, auth, session):
    h = await auth("agent.vungtau")
    statements: list[str] = []
    bind = session.sync_session.bind
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(bind, "before_cursor_execute", listener)
    try:
        results = await _sync(client, h, [op("upsert_merchant", shop(phone=f"0906{i:06d}")) for i in range(100)])
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    assert {x["status"] for x in results} == {"created"}
    # one by one this was ~14 statements per shop; in bulk it does not grow with the batch
    assert len(statements) < 60, len(statements)
    assert uuid.UUID(results[0]["merchant_id"])
