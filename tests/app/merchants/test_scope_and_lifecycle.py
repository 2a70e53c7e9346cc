from __future__ import annotations

import io

from PIL import Image

from tests.app.consents.factories import make_consent
from tests.factories import make_merchant


async def register(client, headers, body):
    r = await client.post("/api/v1/merchants", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def test_other_unit_agent_is_refused_everywhere(client, auth, shop):
    mine = await register(client, await auth("agent.vungtau"), shop())
    other = await auth("agent.tamthang")
    url = f"/api/v1/merchants/{mine['id']}"
    assert (await client.get(url, headers=other)).status_code == 404
    assert (await client.patch(url, json={"name": "X"}, headers=other | {"If-Match": '"1"'})).status_code == 404
    assert (await client.post(f"{url}/close", json={"reason": "x"}, headers=other)).status_code == 404
    assert (await client.post(f"{url}/photos", files={"file": ("a.png", b"x")}, headers=other)).status_code == 404
    assert (await client.get("/api/v1/merchants", headers=other)).json()["items"] == []
    # and may not register a shop in a unit that is not theirs
    r = await client.post("/api/v1/merchants", json=shop(phone=None, payment_account=None), headers=other)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


async def test_auditor_reads_everything_changes_nothing(client, auth, shop):
    mine = await register(client, await auth("agent.vungtau"), shop())
    a = await auth("auditor")
    url = f"/api/v1/merchants/{mine['id']}"
    assert (await client.get(url, headers=a)).status_code == 200
    assert (await client.patch(url, json={"name": "X"}, headers=a | {"If-Match": '"1"'})).status_code == 403
    assert (await client.post(f"{url}/close", json={"reason": "x"}, headers=a)).status_code == 403
    assert (
        await client.post("/api/v1/merchants", json=shop(phone=None, payment_account=None), headers=a)
    ).status_code == 403


async def test_bank_sees_only_its_bin(client, auth, session):
    vcb = await make_merchant(session, bank_bin="970436")
    ctg = await make_merchant(session, bank_bin="970415", phone="0903333333")
    silent = await make_merchant(session, bank_bin="970436", phone="0904444444")  # no consent: not handed over
    for m in (vcb, ctg):
        await make_consent(session, m.id, "970436")  # ctg's consent names VCB, but its account is elsewhere
    b = await auth("bank.vcb")
    ids = {m["id"] for m in (await client.get("/api/v1/merchants", headers=b)).json()["items"]}
    assert vcb.id in ids and ctg.id not in ids and silent.id not in ids
    assert (await client.get(f"/api/v1/merchants/{silent.id}", headers=b)).status_code == 404
    assert (await client.get(f"/api/v1/merchants/{ctg.id}", headers=b)).status_code == 404
    assert (await client.get(f"/api/v1/merchants/{vcb.id}", headers=b)).status_code == 200
    assert (await client.post(f"/api/v1/merchants/{vcb.id}/close", json={"reason": "x"}, headers=b)).status_code == 403


async def test_patch_needs_current_version(client, auth, shop):
    h = await auth("agent.vungtau")
    m = await register(client, h, shop())
    url = f"/api/v1/merchants/{m['id']}"
    assert (await client.patch(url, json={"name": "Tạp hóa Hương 2"}, headers=h)).status_code == 428
    ok = await client.patch(
        url, json={"name": "Tạp hóa Hương 2", "phone": "+84 902 000 111"}, headers=h | {"If-Match": '"1"'}
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok.json()["phone"] == "0902000111"
    assert ok.headers["ETag"] == '"2"'
    stale = await client.patch(url, json={"name": "Y"}, headers=h | {"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json()["code"] == "version_conflict"
    assert (await client.get(url, headers=h)).json()["name"] == "Tạp hóa Hương 2"


async def test_review_is_maker_checker(client, auth, shop, session):
    officer = await auth("officer.vungtau")
    by_agent = await register(client, await auth("agent.vungtau"), shop())
    by_officer = await register(client, officer, shop(phone="0905555555", payment_account=None))
    url = f"/api/v1/merchants/{by_agent['id']}/review"
    assert (
        await client.post(url, json={"decision": "approve"}, headers=await auth("agent.vungtau"))
    ).status_code == 403
    no_reason = await client.post(url, json={"decision": "reject"}, headers=officer)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    ok = await client.post(url, json={"decision": "approve"}, headers=officer)
    assert ok.status_code == 200 and ok.json()["review"]["state"] == "approved"
    own = await client.post(
        f"/api/v1/merchants/{by_officer['id']}/review", json={"decision": "approve"}, headers=officer
    )
    assert own.status_code == 403 and own.json()["code"] == "self_review"
    elsewhere = await make_merchant(session, unit_code="26526", unit_code_2020="26527")
    r = await client.post(f"/api/v1/merchants/{elsewhere.id}/review", json={"decision": "approve"}, headers=officer)
    assert r.status_code == 404


def png_bytes(color="red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(out, "PNG")
    return out.getvalue()


async def test_photos_checked_by_content(client, auth, shop, settings):
    h = await auth("agent.vungtau")
    m = await register(client, h, shop())
    url = f"/api/v1/merchants/{m['id']}/photos"
    r = await client.post(url, files={"file": ("shop.jpg", png_bytes(), "image/jpeg")}, headers=h)
    assert r.status_code == 201 and r.json()["content_type"] == "image/png"  # the bytes decide, not the name
    again = await client.post(url, files={"file": ("other.png", png_bytes(), "image/png")}, headers=h)
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]
    fake = await client.post(url, files={"file": ("evil.png", b"\x89PNG\r\n\x1a\nnot really", "image/png")}, headers=h)
    assert fake.status_code == 415
    text = await client.post(url, files={"file": ("a.jpg", b"hello", "image/jpeg")}, headers=h)
    assert text.status_code == 415
    settings.photo_max_bytes = 100
    big = await client.post(url, files={"file": ("b.png", png_bytes("blue") + b"\0" * 200, "image/png")}, headers=h)
    assert big.status_code == 413
    served = await client.get(r.json()["url"], headers=h)
    assert served.status_code == 200 and served.content == png_bytes()
    assert (await client.get(r.json()["url"], headers=await auth("agent.tamthang"))).status_code == 404
