"""A day of a field agent, through HTTP only, on both databases (issue 4's acceptance test).

The ward officer marks a model street; the agent logs in, lists the model streets of the ward, registers
shops from an offline batch (with a replay and a duplicate in it), issues their QRs, scans every sticker image
back to the registered account, and watches the street's coverage move; the officer reviews; an agent of
another ward is refused at every door.
"""

from __future__ import annotations

import uuid

import qr

PASSWORD = "phoqr-demo"
SHOPS = [
    ("Tạp hóa Cô Ba", "grocery", "Trần Thị Ba", "0901234561", "12", "970436", "0011001234561", "TRAN THI BA"),
    ("Cơm tấm Bảy Hiền", "eatery", "Lê Văn Bảy", "0901234562", "14A", "970415", "101874521133", "LE VAN BAY"),
    ("Cà phê Biển Xanh", "cafe", "Phạm Thu Hà", "0901234563", "3/2", "970418", "21510000112233", "PHAM THU HA"),
]


async def login(client, username):
    r = await client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}", "X-Device-Id": f"phone-{username}"}


def street_row(coverage, street_id):
    return next(r for r in coverage["rows"] if r["street"]["id"] == street_id)


async def test_a_day_in_the_field(client):
    officer = await login(client, "officer.vungtau")
    agent = await login(client, "agent.vungtau")
    outsider = await login(client, "agent.tamthang")

    # the ward makes Ba Cu a model street: 4 shops counted by the ward, target 100 %
    found = (await client.get("/api/v1/streets", params={"q": "ba cu", "unit": "2025:26506"}, headers=officer)).json()
    street = found["items"][0]
    assert street["name"] == "Ba Cu"
    got = await client.get(f"/api/v1/streets/{street['id']}", headers=officer)
    r = await client.patch(
        f"/api/v1/streets/{street['id']}",
        json={"is_model_street": True, "target_pct": 100, "target_date": "2026-12-31", "baseline_shop_count": 4},
        headers=officer | {"If-Match": got.headers["ETag"]},
    )
    assert r.status_code == 200, r.text

    # the agent sees it among the ward's model streets
    model = (await client.get("/api/v1/streets", params={"unit": "2025:26506", "model": "true"}, headers=agent)).json()
    assert street["id"] in [s["id"] for s in model["items"]]
    cov = (await client.get("/api/v1/coverage", params={"level": "street", "unit": "2025:26506"}, headers=agent)).json()
    before = street_row(cov, street["id"])
    assert (before["shops"], before["with_qr"], before["denominator"]) == (0, 0, 4)

    # an offline batch: three shops and a fourth that reuses the first one's bank account
    ids = [str(uuid.uuid4()) for _ in SHOPS]
    ops = []
    for mid, (name, cat, owner, phone, house, bank_bin, account, holder) in zip(ids, SHOPS, strict=True):
        ops.append(
            {
                "op_id": str(uuid.uuid4()),
                "type": "upsert_merchant",
                "payload": {
                    "id": mid,
                    "name": name,
                    "category": cat,
                    "owner_name": owner,
                    "phone": phone,
                    "house_number": house,
                    "street_id": street["id"],
                    "unit": {"edition": "2025", "code": "26506"},
                    "location": {"lat": 10.3462, "lon": 107.0768, "accuracy_m": 8},
                    "payment_account": {
                        "bank_bin": bank_bin,
                        "account_number": account,
                        "account_name": holder,
                        "kind": "account",
                    },
                },
            }
        )
    dup = dict(ops[0]["payload"], id=str(uuid.uuid4()), name="Tạp hóa Cô Ba 2", phone="0901234569")
    ops.append({"op_id": str(uuid.uuid4()), "type": "upsert_merchant", "payload": dup})
    batch = {"device_id": "phone-agent.vungtau", "operations": ops}
    first = await client.post("/api/v1/sync", json=batch, headers=agent)
    assert first.status_code == 200, first.text
    statuses = [res["status"] for res in first.json()["results"]]
    assert statuses == ["created", "created", "created", "duplicate"]

    replay = await client.post("/api/v1/sync", json=batch, headers=agent)  # the phone retries the whole batch
    assert [res["status"] for res in replay.json()["results"]] == statuses
    listed = (await client.get("/api/v1/merchants", params={"street_id": street["id"]}, headers=agent)).json()
    assert sorted(m["id"] for m in listed["items"]) == sorted(ids)

    # QR for each shop; every rendered image scans back to exactly the registered account
    qr_ids = []
    for mid, shop in zip(ids, SHOPS, strict=True):
        issued = await client.post(f"/api/v1/merchants/{mid}/qr", json={"scheme": "vietqr"}, headers=agent)
        assert issued.status_code == 201, issued.text
        body = issued.json()
        qr_ids.append(body["id"])
        for url in (f"/api/v1/qr/{body['id']}.png", f"/api/v1/qr/{body['id']}/sticker.png"):
            image = await client.get(url, headers=agent)
            assert image.status_code == 200, url
            assert qr.decode_image(image.content) == [body["payload"]]
        decoded = qr.parse(body["payload"])
        assert (decoded.bank_bin, decoded.account) == (shop[5], shop[6])
        pdf = await client.get(f"/api/v1/qr/{body['id']}/sticker.pdf", headers=agent)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    cov = (await client.get("/api/v1/coverage", params={"level": "street", "unit": "2025:26506"}, headers=agent)).json()
    after = street_row(cov, street["id"])
    assert (after["shops"], after["with_qr"], after["denominator"], after["pct"]) == (3, 3, 4, 75.0)

    # maker-checker: the agent cannot review, the officer can
    r = await client.post(f"/api/v1/merchants/{ids[0]}/review", json={"decision": "approve"}, headers=agent)
    assert r.status_code == 403
    for mid in ids[:2]:
        r = await client.post(f"/api/v1/merchants/{mid}/review", json={"decision": "approve"}, headers=officer)
        assert r.status_code == 200 and r.json()["review"]["state"] == "approved"
    r = await client.post(
        f"/api/v1/merchants/{ids[2]}/review",
        json={"decision": "reject", "reason": "Ảnh không rõ biển hiệu"},
        headers=officer,
    )
    assert r.json()["review"] == r.json()["review"] | {"state": "rejected", "reason": "Ảnh không rõ biển hiệu"}

    # the agent of Tam Thắng is refused everywhere in Vũng Tàu
    mid = ids[0]
    assert (await client.get(f"/api/v1/merchants/{mid}", headers=outsider)).status_code == 404
    assert (
        await client.patch(f"/api/v1/merchants/{mid}", json={"name": "X"}, headers=outsider | {"If-Match": '"1"'})
    ).status_code == 404
    assert (
        await client.post(f"/api/v1/merchants/{mid}/qr", json={"scheme": "vietqr"}, headers=outsider)
    ).status_code == 404
    assert (
        await client.post(f"/api/v1/merchants/{mid}/close", json={"reason": "x"}, headers=outsider)
    ).status_code == 404
    assert (await client.get(f"/api/v1/qr/{qr_ids[0]}.png", headers=outsider)).status_code == 404
    # a well-formed revoke of a QR outside the caller's scope: 404, as if it did not exist
    r = await client.request("DELETE", f"/api/v1/qr/{qr_ids[0]}", json={"reason": "thử thu hồi"}, headers=outsider)
    assert r.status_code == 404 and r.json()["code"] == "qr_not_found", r.text
    assert (
        await client.post(f"/api/v1/merchants/{mid}/review", json={"decision": "approve"}, headers=outsider)
    ).status_code == 403
    theirs = (await client.get("/api/v1/merchants", params={"street_id": street["id"]}, headers=outsider)).json()
    assert theirs["items"] == []
    hijack = dict(ops[0]["payload"], name="Đổi tên")
    r = await client.post(
        "/api/v1/sync",
        headers=outsider,
        json={
            "device_id": "phone-tt",
            "operations": [{"op_id": str(uuid.uuid4()), "type": "upsert_merchant", "payload": hijack}],
        },
    )
    # the batch is accepted (the agent may sync), the operation names a shop the agent cannot see
    assert r.status_code == 200, r.text
    result = r.json()["results"][0]
    assert (result["status"], result["errors"][0]["code"]) == ("invalid", "merchant_not_found"), result
    still = (await client.get(f"/api/v1/merchants/{mid}", headers=agent)).json()
    assert still["name"] == "Tạp hóa Cô Ba"
