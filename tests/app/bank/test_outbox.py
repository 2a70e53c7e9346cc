"""The outbox through HTTP: which shop change reaches which bank's feed, as what, carrying what."""

from __future__ import annotations

import uuid

from tests.app.consents.factories import bank_user, consent_body

VCB, VIETIN = "970436", "970415"


def shop_body(bin_: str = VCB, account: str | None = None, **over: object) -> dict:
    body = {
        "id": str(uuid.uuid4()),
        "name": "Tạp hóa Hương",
        "category": "grocery",
        "owner_name": "Nguyễn Thị Hương",
        "phone": f"09{uuid.uuid4().int % 10**8:08d}",
        "house_number": "12",
        "unit": {"edition": "2025", "code": "26506"},
        "payment_account": {
            "bank_bin": bin_,
            "account_number": account or str(uuid.uuid4().int)[:12],
            "account_name": "NGUYEN THI HUONG",
        },
    }
    body.update(over)
    return body


async def register(client, agent, *, consent: bool = True, **kw) -> dict:
    r = await client.post("/api/v1/merchants", json=shop_body(**kw), headers=agent)
    assert r.status_code == 201, r.text
    shop = r.json()
    if consent:
        c = await client.post(f"/api/v1/merchants/{shop['id']}/consents", json=consent_body(), headers=agent)
        assert c.status_code in (200, 201), c.text
        shop["consent_id"] = c.json()["id"]
    return shop


async def feed(client, headers, after: int = 0) -> list[dict]:
    r = await client.get(f"/api/v1/bank/events?after={after}&limit=500", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def patch(client, agent, shop_id: str, body: dict) -> dict:
    current = (await client.get(f"/api/v1/merchants/{shop_id}", headers=agent)).json()
    r = await client.patch(
        f"/api/v1/merchants/{shop_id}", json=body, headers=agent | {"If-Match": f'"{current["version"]}"'}
    )
    assert r.status_code == 200, r.text
    return r.json()


async def test_only_consented_shops_reach_only_their_bank(client, auth, session):
    agent, vcb = await auth("agent.vungtau"), await auth("bank.vcb")
    vietin = await auth(await bank_user(session))
    with_consent = await register(client, agent)
    without = await register(client, agent, consent=False)
    elsewhere = await register(client, agent, bin_=VIETIN)

    vcb_feed, vietin_feed = await feed(client, vcb), await feed(client, vietin)
    assert [(e["type"], e["data"]["merchant_id"]) for e in vcb_feed] == [("merchant.created", with_consent["id"])]
    assert [(e["type"], e["data"]["merchant_id"]) for e in vietin_feed] == [("merchant.created", elsewhere["id"])]
    assert without["id"] not in {e["data"]["merchant_id"] for e in vcb_feed + vietin_feed}
    # data is the bank record, exactly as the bank's list shows it, record_hash included
    [record] = (await client.get("/api/v1/bank/merchants", headers=vcb)).json()["items"]
    assert vcb_feed[0]["data"] == record and record["consent_id"] == with_consent["consent_id"]


async def test_each_change_is_one_event_of_the_right_type(client, auth):
    agent, officer, vcb = await auth("agent.vungtau"), await auth("officer.vungtau"), await auth("bank.vcb")
    shop = await register(client, agent, account="0011001234567")
    await patch(client, agent, shop["id"], {"name": "Tạp hóa Hương Mới"})
    review = await client.post(f"/api/v1/merchants/{shop['id']}/review", json={"decision": "approve"}, headers=officer)
    assert review.status_code == 200, review.text
    qr = await client.post(f"/api/v1/merchants/{shop['id']}/qr", json={"scheme": "vietqr"}, headers=agent)
    assert qr.status_code in (200, 201), qr.text
    revoked = await client.request("DELETE", f"/api/v1/qr/{qr.json()['id']}", json={"reason": "dán sai"}, headers=agent)
    assert revoked.status_code in (200, 204), revoked.text
    closed = await client.post(f"/api/v1/merchants/{shop['id']}/close", json={"reason": "nghỉ bán"}, headers=agent)
    assert closed.status_code == 200, closed.text

    events = await feed(client, vcb)
    assert [e["type"] for e in events] == [
        "merchant.created",
        "merchant.updated",  # name
        "merchant.updated",  # review
        "qr.issued",
        "qr.revoked",
        "merchant.closed",
    ]
    assert [e["seq"] for e in events] == list(range(events[0]["seq"], events[0]["seq"] + 6))
    assert events[1]["data"]["name"] == "Tạp hóa Hương Mới"
    assert events[3]["data"]["qr"]["payload"] == qr.json()["payload"] and events[4]["data"]["qr"] is None
    assert events[5]["data"]["status"] == "closed"
    versions = [e["data"]["version"] for e in events]
    assert versions == sorted(versions) and len(set(e["id"] for e in events)) == 6


async def test_withdrawal_tells_the_bank_without_personal_data_and_stops_the_feed(client, auth):
    agent, vcb = await auth("agent.vungtau"), await auth("bank.vcb")
    shop = await register(client, agent)
    r = await client.post(
        f"/api/v1/consents/{shop['consent_id']}/withdraw", json={"reason": "chủ đổi ý"}, headers=agent
    )
    assert r.status_code == 200, r.text
    await patch(client, agent, shop["id"], {"name": "Đổi tên sau khi rút"})

    events = await feed(client, vcb)
    assert [e["type"] for e in events] == ["merchant.created", "merchant.consent_withdrawn"]
    assert events[1]["data"] == {"merchant_id": shop["id"]}
    # consent again: the bank hears of the shop anew
    again = await client.post(f"/api/v1/merchants/{shop['id']}/consents", json=consent_body(), headers=agent)
    assert again.status_code in (200, 201), again.text
    events = await feed(client, vcb)
    assert events[-1]["type"] == "merchant.created" and events[-1]["data"]["name"] == "Đổi tên sau khi rút"


async def test_moving_the_account_to_another_bank_tells_the_old_bank_the_shop_left(client, auth, session):
    agent, vcb = await auth("agent.vungtau"), await auth("bank.vcb")
    vietin = await auth(await bank_user(session))
    shop = await register(client, agent)
    await patch(
        client,
        agent,
        shop["id"],
        {"payment_account": {"bank_bin": VIETIN, "account_number": "101874521133", "account_name": "NGUYEN THI HUONG"}},
    )
    assert [e["type"] for e in await feed(client, vcb)] == ["merchant.created", "merchant.consent_withdrawn"]
    assert (await feed(client, vcb))[-1]["data"] == {"merchant_id": shop["id"]}
    assert await feed(client, vietin) == []  # no consent for the new bank yet: silence is not consent
    given = await client.post(f"/api/v1/merchants/{shop['id']}/consents", json=consent_body(), headers=agent)
    assert given.status_code in (200, 201), given.text
    [created] = await feed(client, vietin)
    assert created["type"] == "merchant.created" and created["data"]["payment_account"]["bank_bin"] == VIETIN
