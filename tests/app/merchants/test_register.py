from __future__ import annotations

import uuid

from sqlalchemy import select

from app.audit.models import AuditLog
from app.coverage.counters import rebuild, totals


async def counters(session):
    return await totals(session)  # shards summed


async def test_register_replay_and_conflicting_id(client, auth, shop, ba_cu, session):
    h = await auth("agent.vungtau")
    body = shop(street_id=ba_cu)
    r = await client.post("/api/v1/merchants", json=body, headers=h)
    assert r.status_code == 201, r.text
    m = r.json()
    assert m["phone"] == "0901234567" and m["unit"] == {"edition": "2025", "code": "26506"}
    assert m["unit_2020"] is None  # Ba Cu runs through three 2020 wards: not derivable
    assert m["payment_account"]["bank_short_name"] == "VCB" and m["review"]["state"] == "pending"
    assert r.headers["ETag"] == '"1"'
    again = await client.post("/api/v1/merchants", json=body, headers=h)
    assert again.status_code == 200 and again.json()["id"] == m["id"]
    other = await client.post("/api/v1/merchants", json=body | {"name": "Khác"}, headers=h)
    assert other.status_code == 409 and other.json()["code"] == "duplicate_id"
    audit = (await session.execute(select(AuditLog).where(AuditLog.entity_id == m["id"]))).scalars().all()
    assert [a.action for a in audit] == ["merchant.create"]
    # the running counters equal a recount from scratch
    incremental = await counters(session)
    await rebuild(session)
    assert await counters(session) == incremental


async def test_unit_2020_and_unit_derived_from_street(client, auth, shop, session):
    from tests.factories import street_id

    h = await auth("agent.tamthang")
    thong_nhat = await street_id(session, "Thống Nhất")  # only in 2020:26527 -> 2025:26526
    body = shop(street_id=thong_nhat, phone=None, payment_account=None)
    del body["unit"]
    r = await client.post("/api/v1/merchants", json=body, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["unit"]["code"] == "26526" and r.json()["unit_2020"] == {"edition": "2020", "code": "26527"}


async def test_validation_names_each_field(client, auth, shop):
    h = await auth("agent.vungtau")
    bad = shop(
        name="  ",
        category="bar",
        phone="12345",
        location={"lat": 48.8, "lon": 2.3},
        payment_account={"bank_bin": "97043", "account_number": "12 34-5!"},
    )
    r = await client.post("/api/v1/merchants", json=bad, headers=h)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in r.json()["errors"]}
    assert {
        "name",
        "category",
        "phone",
        "location.lat",
        "location.lon",
        "payment_account.bank_bin",
        "payment_account.account_number",
    } <= fields
    r = await client.post(
        "/api/v1/merchants", json=shop(payment_account={"bank_bin": "999999", "account_number": "1"}), headers=h
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "payment_account.bank_bin"
    en = await client.post("/api/v1/merchants", json=shop(street_id=999999), headers=h | {"Accept-Language": "en"})
    assert en.json()["errors"][0] == {"field": "street_id", "message": "No street 999999"}


async def test_hard_duplicates_refused_and_freed_on_close(client, auth, shop):
    h = await auth("agent.vungtau")
    first = (await client.post("/api/v1/merchants", json=shop(), headers=h)).json()
    same_account = shop(phone="0907777777")
    r = await client.post("/api/v1/merchants", json=same_account, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "duplicate_account"
    assert r.json()["existing_merchant_id"] == first["id"]
    assert r.json()["errors"][0]["field"] == "payment_account.account_number"
    same_phone = shop(payment_account={"bank_bin": "970415", "account_number": "1018"})
    r = await client.post("/api/v1/merchants", json=same_phone, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "duplicate_phone"
    closed = await client.post(f"/api/v1/merchants/{first['id']}/close", json={"reason": "Đóng cửa"}, headers=h)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert (await client.post("/api/v1/merchants", json=same_account, headers=h)).status_code == 201


async def test_near_duplicate_flagged_not_refused(client, auth, shop, ba_cu):
    h = await auth("agent.vungtau")
    first = (await client.post("/api/v1/merchants", json=shop(street_id=ba_cu), headers=h)).json()
    twin = shop(
        street_id=ba_cu,
        name="TAP HOA  huong",
        phone="0908888888",
        payment_account={"bank_bin": "970415", "account_number": "55"},
    )
    r = await client.post("/api/v1/merchants", json=twin, headers=h)
    assert r.status_code == 201 and r.json()["possible_duplicate_of"] == first["id"]

    async def at(name, phone, lat):
        body = shop(
            street_id=ba_cu, name=name, phone=phone, location={"lat": lat, "lon": 107.0770}, payment_account=None
        )
        return (await client.post("/api/v1/merchants", json=body, headers=h)).json()

    base = await at("Cà phê Sáng", "0908888889", 10.3460)
    ten_metres = await at("Quán Nhậu", "0908888810", 10.3461)  # 0.0001° of latitude is about 11 m
    hundred_metres = await at("Nhà thuốc An", "0908888811", 10.3470)
    assert base["possible_duplicate_of"] is None
    assert ten_metres["possible_duplicate_of"] == base["id"]
    assert hundred_metres["possible_duplicate_of"] is None


async def test_search_ignores_diacritics(client, auth, shop):
    h = await auth("agent.vungtau")
    for i, name in enumerate(["Tạp hóa Hương", "Tạp hóa Đức", "Cơm tấm Bảy"]):
        body = shop(name=name, phone=f"090100000{i}", payment_account=None, house_number=f"{i + 40}B")
        assert (await client.post("/api/v1/merchants", json=body, headers=h)).status_code == 201

    async def names(q):
        r = await client.get("/api/v1/merchants", params={"q": q}, headers=h)
        return sorted(m["name"] for m in r.json()["items"])

    assert await names("tap hoa") == ["Tạp hóa Hương", "Tạp hóa Đức"]
    assert await names("đức") == await names("duc") == ["Tạp hóa Đức"]
    assert await names("0901000002") == ["Cơm tấm Bảy"]
    assert await names("41b") == ["Tạp hóa Đức"]
    assert await names("100%_x") == []
    page1 = (await client.get("/api/v1/merchants", params={"limit": 2}, headers=h)).json()
    page2 = (
        await client.get("/api/v1/merchants", params={"limit": 2, "cursor": page1["next_cursor"]}, headers=h)
    ).json()
    assert len(page1["items"]) == 2 and len(page2["items"]) == 1 and page2["next_cursor"] is None
    ids = {m["id"] for m in page1["items"] + page2["items"]}
    assert len(ids) == 3
    bad = await client.get("/api/v1/merchants", params={"cursor": "!!"}, headers=h)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


async def test_idempotency_key(client, auth, shop):
    h = await auth("agent.vungtau") | {"Idempotency-Key": "k-" + uuid.uuid4().hex}
    body = shop()
    first = await client.post("/api/v1/merchants", json=body, headers=h)
    replay = await client.post("/api/v1/merchants", json=body, headers=h)
    assert (replay.status_code, replay.json()) == (first.status_code, first.json())
    assert replay.headers["Idempotent-Replayed"] == "true"
    other = await client.post("/api/v1/merchants", json=shop(), headers=h)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
