from __future__ import annotations

import io

import httpx
import pypdfium2
import pytest

import qr
from app.core.config import Settings
from integrations import build_registry
from integrations.sandbox import run_sandbox_in_thread
from tests.app.consents.factories import make_consent
from tests.factories import make_merchant, street_id


async def vcb_shop(session, **kw):
    return await make_merchant(
        session, bank_bin="970436", account_number="0011001234567", street=await street_id(session, "Ba Cu"), **kw
    )


async def issue(client, headers, merchant_id, scheme="vietqr"):
    return await client.post(f"/api/v1/merchants/{merchant_id}/qr", json={"scheme": scheme}, headers=headers)


async def test_issue_vietqr_scans_back_to_the_account(client, auth, session):
    shop = await vcb_shop(session)
    h = await auth("agent.vungtau")
    r = await issue(client, h, shop.id)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "active" and body["sticker_code"].startswith("VT-")
    parsed = qr.parse(body["payload"])
    assert (parsed.bank_bin, parsed.account, parsed.initiation) == ("970436", "0011001234567", "static")
    for url in (body["image_url"], f"{body['image_url']}?scale=3", f"/api/v1/qr/{body['id']}/sticker.png"):
        image = await client.get(url, headers=h)
        assert image.status_code == 200 and image.headers["content-type"] == "image/png"
        assert qr.decode_image(image.content) == [body["payload"]]
    pdf = await client.get(body["sticker_url"], headers=h)
    page = pypdfium2.PdfDocument(pdf.content)[0]
    assert "Tạp hóa Hương" in page.get_textpage().get_text_range()
    out = io.BytesIO()
    page.render(scale=3).to_pil().save(out, "PNG")
    assert qr.decode_image(out.getvalue()) == [body["payload"]]
    svg = await client.get(f"/api/v1/qr/{body['id']}.svg", headers=h)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    merchant = (await client.get(f"/api/v1/merchants/{shop.id}", headers=h)).json()
    assert merchant["qr"]["id"] == body["id"]


async def test_images_are_cacheable(client, auth, session):
    shop = await vcb_shop(session)
    h = await auth("agent.vungtau")
    body = (await issue(client, h, shop.id)).json()
    first = await client.get(body["image_url"], headers=h)
    assert "immutable" in first.headers["Cache-Control"]
    again = await client.get(body["image_url"], headers=h | {"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    other_scale = await client.get(body["image_url"] + "?scale=4", headers=h)
    assert other_scale.headers["ETag"] != first.headers["ETag"]


async def test_reissue_revokes_and_keeps_history(client, auth, session):
    shop = await vcb_shop(session)
    h = await auth("agent.vungtau")
    first = (await issue(client, h, shop.id)).json()
    second = (await issue(client, h, shop.id)).json()
    assert first["id"] != second["id"] and first["sticker_code"] != second["sticker_code"]
    old = (await client.get(f"/api/v1/qr/{first['id']}", headers=h)).json()
    assert old["status"] == "revoked" and old["revoke_reason"] == "reissued"
    image = await client.get(first["image_url"], headers=h)
    assert image.headers["X-QR-Status"] == "revoked"
    revoked = await client.request(
        "DELETE", f"/api/v1/qr/{second['id']}", json={"reason": "Cửa hàng đổi tài khoản"}, headers=h
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    again = await client.request("DELETE", f"/api/v1/qr/{second['id']}", json={"reason": "x"}, headers=h)
    assert again.status_code == 200
    no_reason = await client.request("DELETE", f"/api/v1/qr/{second['id']}", json={}, headers=h)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    merchant = (await client.get(f"/api/v1/merchants/{shop.id}", headers=h)).json()
    assert merchant["qr"] is None


async def test_vnpay_and_missing_accounts(client, auth, session):
    h = await auth("agent.vungtau")
    shop = await make_merchant(session, bank_bin=None)
    r = await issue(client, h, shop.id)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "payment_account"
    r = await issue(client, h, shop.id, "vnpay")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "vnpay.merchant_id"
    m = (await client.get(f"/api/v1/merchants/{shop.id}", headers=h)).json()
    patched = await client.patch(
        f"/api/v1/merchants/{shop.id}",
        json={"vnpay": {"merchant_id": "0108799042", "terminal_id": "T01"}},
        headers=h | {"If-Match": f'"{m["version"]}"'},
    )
    assert patched.status_code == 200, patched.text
    r = await issue(client, h, shop.id, "vnpay")
    assert r.status_code == 201, r.text
    parsed = qr.parse(r.json()["payload"])
    assert (parsed.scheme, parsed.merchant_id, parsed.terminal_label) == ("vnpay", "0108799042", "T01")
    image = await client.get(r.json()["image_url"], headers=h)
    assert qr.decode_image(image.content) == [r.json()["payload"]]


async def test_existing_qr_registration(client, auth, session):
    h = await auth("agent.vungtau")
    shop = await vcb_shop(session)
    good = qr.build_vietqr("970436", "0011001234567")
    r = await client.post(f"/api/v1/merchants/{shop.id}/qr/existing", json={"payload": good}, headers=h)
    assert r.status_code == 201 and r.json()["source"] == "existing"
    wrong = qr.build_vietqr("970436", "999")
    r = await client.post(f"/api/v1/merchants/{shop.id}/qr/existing", json={"payload": wrong}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "qr_account_mismatch"
    bad_crc = good[:-4] + ("0000" if good[-4:] != "0000" else "1111")
    r = await client.post(f"/api/v1/merchants/{shop.id}/qr/existing", json={"payload": bad_crc}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "qr_invalid_crc" and r.json()["tag"] == "63"
    assert r.json()["errors"][0]["field"] == "payload"
    r = await client.post(f"/api/v1/merchants/{shop.id}/qr/existing", json={"payload": good[:30]}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "qr_truncated"
    with_amount = qr.build_vietqr("970436", "0011001234567", amount=50000)
    r = await client.post(f"/api/v1/merchants/{shop.id}/qr/existing", json={"payload": with_amount}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "qr_dynamic_amount"
    # a shop without an account takes it from the QR, unless another active shop already has it
    bare = await make_merchant(session, bank_bin=None)
    r = await client.post(f"/api/v1/merchants/{bare.id}/qr/existing", json={"payload": good}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "duplicate_account"
    fresh = qr.build_vietqr("970418", "21510000112233")
    r = await client.post(f"/api/v1/merchants/{bare.id}/qr/existing", json={"payload": fresh}, headers=h)
    assert r.status_code == 201
    m = (await client.get(f"/api/v1/merchants/{bare.id}", headers=h)).json()
    assert m["payment_account"]["bank_bin"] == "970418" and m["payment_account"]["account_number"] == "21510000112233"


async def test_decode_and_verify(client, auth, session, settings):
    h = await auth("agent.vungtau")
    shop = await vcb_shop(session)
    body = (await issue(client, h, shop.id)).json()
    decoded = await client.post("/api/v1/qr/decode", json={"payload": body["payload"]}, headers=h)
    assert decoded.json()["bank_short_name"] == "VCB" and decoded.json()["account"] == "0011001234567"
    wrong_crc = body["payload"][:-1] + ("0" if body["payload"][-1] != "0" else "1")
    broken = await client.post("/api/v1/qr/decode", json={"payload": wrong_crc}, headers=h)
    assert broken.status_code == 422 and broken.json()["code"] == "qr_invalid_crc" and broken.json()["tag"] == "63"
    assert (await client.post("/api/v1/qr/decode", json={"payload": body["payload"]})).status_code == 401

    lower_crc = body["payload"][:-4] + body["payload"][-4:].lower()
    verified = (await client.post("/api/v1/qr/verify", json={"payload": lower_crc})).json()
    assert lower_crc != body["payload"]  # this shop's CRC (E8DB) has letters
    assert verified["status"] == "active"  # the same QR, as some scanners report it
    all_lower = body["payload"].lower()  # "A000000727" -> "a000000727": another payload, with a wrong CRC
    verified = (await client.post("/api/v1/qr/verify", json={"payload": all_lower})).json()
    assert verified == {"registered": False, "merchant": None, "status": "unknown"}
    verified = (await client.post("/api/v1/qr/verify", json={"payload": f" {body['payload']} "})).json()
    assert verified == {
        "registered": True,
        "status": "active",
        "merchant": {"name": "Tạp hóa Hương", "street": "Ba Cu", "unit": "Phường Vũng Tàu"},
    }
    assert "0011001234567" not in str(verified)
    unknown = (await client.post("/api/v1/qr/verify", json={"payload": qr.build_vietqr("970436", "1")})).json()
    assert unknown == {"registered": False, "merchant": None, "status": "unknown"}
    await client.request("DELETE", f"/api/v1/qr/{body['id']}", json={"reason": "lost"}, headers=h)
    assert (await client.post("/api/v1/qr/verify", json={"payload": body["payload"]})).json()["status"] == "revoked"
    settings.verify_rate_per_minute = 4
    codes = [(await client.post("/api/v1/qr/verify", json={"payload": "x"})).status_code for _ in range(3)]
    assert codes[-1] == 429
    limited = await client.post("/api/v1/qr/verify", json={"payload": "x"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1


async def test_scope(client, auth, session):
    shop = await vcb_shop(session)
    ctg = await make_merchant(session, bank_bin="970415", phone="0902222222")
    h = await auth("agent.vungtau")
    body = (await issue(client, h, shop.id)).json()
    ctg_qr = (await issue(client, h, ctg.id)).json()
    outsider = await auth("agent.tamthang")
    assert (await issue(client, outsider, shop.id)).status_code == 404
    assert (await client.get(body["image_url"], headers=outsider)).status_code == 404
    assert (
        await client.request("DELETE", f"/api/v1/qr/{body['id']}", json={"reason": "x"}, headers=outsider)
    ).status_code == 404
    auditor = await auth("auditor")
    assert (await issue(client, auditor, shop.id)).status_code == 403
    assert (await client.get(body["image_url"], headers=auditor)).status_code == 200
    bank = await auth("bank.vcb")
    # a bank sees a shop at its BIN only with the owner's consent (Law 91/2025), its QR likewise
    assert (await client.get(body["image_url"], headers=bank)).status_code == 404
    await make_consent(session, shop.id, "970436")
    assert (await client.get(body["image_url"], headers=bank)).status_code == 200
    assert (await client.get(ctg_qr["image_url"], headers=bank)).status_code == 404
    assert (
        await client.request("DELETE", f"/api/v1/qr/{body['id']}", json={"reason": "x"}, headers=bank)
    ).status_code == 403


async def test_http_bank_through_configuration_only(client, auth, session, app):
    shop = await vcb_shop(session)
    h = await auth("agent.vungtau")
    with run_sandbox_in_thread(api_key="vcb-sandbox-key") as url:
        env = {
            "PHOQR_BANKS__970436__ADAPTER": "sandbox",
            "PHOQR_BANKS__970436__BASE_URL": url,
            "PHOQR_BANKS__970436__API_KEY": "vcb-sandbox-key",
        }
        with pytest.MonkeyPatch.context() as mp:
            for name, value in env.items():
                mp.setenv(name, value)
            configured = Settings(_env_file=None)
        await app.state.adapters.aclose()
        app.state.adapters = build_registry(configured.bank_configs)  # what app.main does at start
        r = await issue(client, h, shop.id)
        assert r.status_code == 201, r.text
        assert r.json()["account_name"] == "NGUYEN THI HUONG"  # the holder name as the bank knows it
        await app.state.adapters.aclose()

    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"code": "MAINTENANCE"})

    app.state.adapters = build_registry("970436=sandbox@http://bank.test", transport=httpx.MockTransport(down))
    r = await issue(client, h, shop.id)
    assert r.status_code == 503 and r.json()["code"] == "bank_unavailable" and r.headers["Retry-After"] == "30"


@pytest.mark.parametrize("scheme", ["momo", ""])
async def test_unknown_scheme(client, auth, session, scheme):
    shop = await vcb_shop(session)
    r = await issue(client, await auth("agent.vungtau"), shop.id, scheme)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "scheme"
