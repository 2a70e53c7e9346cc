"""A field agent on a 390×844 phone with GPS, in Debian's Chromium: signs in, loses the network, reloads (the
shell opens from the service worker), registers three shops (one with a photo) and sees each reach the server
exactly once, with location and photo, when the network returns; a duplicate phone comes back as a duplicate
naming the shop it duplicates and the field; a QR issued on the spot scans to the shop's account; an access
token that stops working in the middle of a queued batch, or a refresh token revoked, loses nothing.
axe-core (serious/critical WCAG 2.1 AA) on every screen; screenshots of every screen at 390×844 and 768×1024 in
var/screenshots/field/."""

from __future__ import annotations

import io

import pytest

import qr
from tests.browser.conftest import PHONE, REASON, Server
from tests.browser.field_helpers import (
    AGENT,
    TABLET,
    axe_violations,
    fill_shop,
    find_shops,
    jpeg,
    new_context,
    pending,
    shop_body,
    shot,
    sign_in,
    wait_for_service_worker,
    wait_pending,
    watch,
)

pytestmark = pytest.mark.skipif(REASON is not None, reason=f"browser tests skipped: {REASON}")
UNIT = "2025:26506"


def model_street(server: Server) -> int:
    work = server.api("/field/work", AGENT)
    assert work["streets"][0]["is_model_street"]  # model streets first
    return int(work["streets"][0]["id"])


def test_offline_registrations_reach_the_server_exactly_once(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    context = new_context(browser, PHONE)
    page = context.new_page()
    bad = watch(page, server)
    sign_in(page, server)
    wait_for_service_worker(page)
    street = model_street(server)
    page.click(f"[data-street-id='{street}']")  # the street's shops are read once while online
    page.wait_for_selector("[data-shop-id]")

    context.set_offline(True)
    assert page.evaluate("fetch('/health').then(() => 'reached', () => 'unreachable')") == "unreachable"
    page.goto(page.url.split("#")[0] + "#/work")
    page.reload()
    page.wait_for_selector("[data-action=new-shop]")  # the shell and the work list, from this phone
    assert page.locator("[data-street-id]").count() > 0

    shops = [shop_body(street, f"Tạp hóa Ngoại Tuyến {i}") for i in range(3)]
    fill_shop(page, shops[0], photo=jpeg(2400, 1800), consent=True)
    fill_shop(page, shops[1])
    fill_shop(page, shops[2], consent=True)
    assert pending(page) == 4  # three shops and one photo, none acknowledged
    shot(page, "queue-offline", "phone")
    page.reload()  # nothing queued is lost on reload
    page.wait_for_selector("[data-op-id]")
    assert pending(page) == 4
    assert page.locator('[data-op-status="pending"]').count() == 4

    context.set_offline(False)
    wait_pending(page, 0)
    page.wait_for_selector('[data-op-status="uploaded"]')
    assert page.locator('[data-op-status="created"]').count() == 3
    shot(page, "queue-synced", "phone")

    for shop in shops:
        found = find_shops(server, shop["name"])
        assert len(found) == 1, found  # exactly once
        m = found[0]
        assert m["location"]["lat"] == pytest.approx(10.3466, abs=1e-4)
        assert m["location"]["accuracy_m"] == 12
        assert m["phone"] == shop["phone"] and m["payment_account"]["account_number"] == shop["account_number"]
    with_photo = find_shops(server, shops[0]["name"])[0]
    assert [p["content_type"] for p in with_photo["photos"]] == ["image/jpeg"]
    r = server.http.get(with_photo["photos"][0]["url"], headers=server.token(AGENT))
    from PIL import Image

    assert max(Image.open(io.BytesIO(r.content)).size) == 1600  # resized on the phone before it was queued
    assert find_shops(server, shops[1]["name"])[0]["photos"] == []
    consents = server.http.get(f"/api/v1/merchants/{with_photo['id']}/consents", headers=server.token(AGENT)).json()
    assert [(c["given_by_name"], c["channel"]) for c in consents] == [("Nguyễn Thị Thử", "app_signature")]
    assert bad == []
    context.close()


def test_duplicate_phone_and_qr_on_the_spot(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    context = new_context(browser, PHONE)
    page = context.new_page()
    bad = watch(page, server)
    sign_in(page, server)
    street = model_street(server)
    existing = server.api("/merchants", AGENT, street_id=street, status="active", limit=5)["items"][0]

    twin = shop_body(street, "Cà phê Trùng Số")
    twin["phone"] = existing["phone"]
    fill_shop(page, twin)
    item = page.locator('[data-op-status="duplicate"]')
    item.wait_for(timeout=30_000)
    assert item.locator("[data-duplicate-of]").get_attribute("data-duplicate-of") == existing["id"]
    assert item.locator("[data-error]").get_attribute("data-error") == "phone"
    assert find_shops(server, "Cà phê Trùng Số") == []
    assert axe_violations(page) == []
    shot(page, "queue-duplicate", "phone")
    page.click('[data-op-status="duplicate"] a[href^="#/edit/"]')  # the form again, the error on its field
    page.locator('form[data-form=shop] [data-field=phone] [data-error="phone"]').wait_for()
    assert page.locator("form[data-form=shop] [name=phone]").input_value() == existing["phone"]
    assert axe_violations(page) == []
    shot(page, "shop-form-refused", "phone")

    shop = shop_body(street, "Tạp hóa Cấp Mã")
    page.goto(f"{server.base}/field#/work")
    fill_shop(page, shop)
    wait_pending(page, 0)
    merchant = find_shops(server, "Tạp hóa Cấp Mã")[0]
    page.goto(f"{server.base}/field#/shop/{merchant['id']}")
    page.click("[data-action=issue-qr]")
    image = page.locator("img[data-qr]")
    image.wait_for()
    page.wait_for_timeout(200)  # the blob image painted
    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.screenshot())).convert("L"))
    assert len(found) == 1
    parsed = qr.parse(found[0].text)
    assert (parsed.bank_bin, parsed.account) == (shop["bank_bin"], shop["account_number"])
    assert server.api(f"/merchants/{merchant['id']}", AGENT)["qr"]["payload"] == found[0].text
    with page.expect_download() as download:
        page.click("a[data-sticker]")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert download.value.suggested_filename.endswith(".pdf")
    page.click("[data-action=close-qr]")

    # a shop that already shows its bank's QR: a photo of it is read (by the server where the browser has no
    # BarcodeDetector) and registered as the shop's QR
    owned = shop_body(street, "Tạp hóa Mã Sẵn")
    page.goto(f"{server.base}/field#/work")
    fill_shop(page, owned)
    wait_pending(page, 0)
    merchant = find_shops(server, "Tạp hóa Mã Sẵn")[0]
    page.goto(f"{server.base}/field#/shop/{merchant['id']}")
    payload = qr.build_vietqr(owned["bank_bin"], owned["account_number"])
    page.set_input_files("#scan-photo", {"name": "qr.png", "mimeType": "image/png", "buffer": qr.render_png(payload)})
    page.click("[data-action=register-qr]")
    page.wait_for_selector("[data-action=issue-qr]")
    for _ in range(50):
        shown = server.api(f"/merchants/{merchant['id']}", AGENT)["qr"]
        if shown:
            break
        page.wait_for_timeout(100)
    assert shown is not None and shown["payload"] == payload
    assert bad == []
    context.close()


def test_a_token_failing_mid_batch_or_a_revoked_login_loses_nothing(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    context = new_context(browser, PHONE)
    page = context.new_page()
    sign_in(page, server)
    street = model_street(server)
    context.set_offline(True)
    shops = [shop_body(street, f"Quán Hết Hạn {i}") for i in range(2)]
    for shop in shops:
        fill_shop(page, shop)
    # the access token stops working while the batch waits (it still looks fresh to the phone): the first
    # /sync answers 401, the app refreshes once and sends the same operations with the same op_ids
    tamper = """async (change) => {
        const store = await import('/field/static/store.js');
        const tokens = await store.kvGet('tokens');
        await store.kvSet('tokens', {...tokens, ...change});
    }"""
    page.evaluate(tamper, {"access_token": "expired.during.batch"})
    syncs: list[int] = []
    refused: list[str] = []  # API requests answered 401 (the stale token really was sent)
    refreshes: list[int] = []
    page.on("response", lambda r: syncs.append(r.status) if r.url.endswith("/api/v1/sync") else None)
    page.on("response", lambda r: refused.append(r.url) if r.status == 401 and "/api/v1/" in r.url else None)
    page.on("response", lambda r: refreshes.append(r.status) if r.url.endswith("/auth/refresh") else None)
    context.set_offline(False)
    wait_pending(page, 0)
    # whichever request met the stale token first (the batch, or the work list reloaded on `online`), the app
    # refreshed once and the batch went through with the same op_ids: no shop twice, none lost
    assert refused and refreshes == [200]
    assert syncs in ([401, 200], [200])
    for shop in shops:
        assert len(find_shops(server, shop["name"])) == 1

    # a revoked refresh token: back to sign-in, the queue kept, sent once after signing in again
    context.set_offline(True)
    late = shop_body(street, "Quán Đăng Nhập Lại")
    fill_shop(page, late)
    page.evaluate(tamper, {"access_token": "expired", "expires_at": 0, "refresh_token": "revoked-refresh-token"})
    context.set_offline(False)
    page.wait_for_selector("input[name=username]")
    assert page.locator("#signin-error").inner_text() != ""
    assert pending(page) == 1
    page.fill("input[name=username]", AGENT)
    page.fill("input[name=password]", "phoqr-demo")
    page.click("form[data-form=signin] button[type=submit]")
    wait_pending(page, 0)
    assert len(find_shops(server, late["name"])) == 1
    context.close()


def test_fifty_queued_shops_go_in_one_batch(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    context = new_context(browser, PHONE)
    page = context.new_page()
    sign_in(page, server)
    street = model_street(server)
    context.set_offline(True)
    shops = [shop_body(street, f"Sạp Hàng Loạt {i:02d}") for i in range(50)]
    page.evaluate(
        """async (shops) => {
        const sync = await import('/field/static/sync.js');
        const store = await import('/field/static/store.js');
        for (const s of shops) {
          const id = store.uuid();
          await sync.enqueue({op_id: store.uuid(), seq: store.nextSeq(), type: 'upsert_merchant', merchant_id: id,
            label: s.name, payload: {id, name: s.name, category: s.category, phone: s.phone, street_id: s.street_id,
            payment_account: {bank_bin: s.bank_bin, account_number: s.account_number}}});
        }
        }""",
        shops,
    )
    page.reload()
    wait_pending(page, 50)
    answered: list[int] = []  # operations in each /sync request the server answered
    page.on(
        "response",
        lambda r: answered.append(len(r.request.post_data_json["operations"])) if r.url.endswith("/sync") else None,
    )
    context.set_offline(False)
    wait_pending(page, 0)
    assert answered == [50]  # one batch (a request cut off while the network came back would have no answer)
    assert server.api("/merchants", AGENT, q="Sạp Hàng Loạt", limit=100)["items"].__len__() == 50
    context.close()


def test_every_screen_passes_axe_and_is_photographed(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    street = model_street(server)
    shop = server.api("/merchants", AGENT, street_id=street, has_qr="true", limit=1)["items"][0]
    screens = [
        ("work", "#/work", "[data-street-id]"),
        ("street", f"#/street/{street}", "[data-shop-id]"),
        ("shop-form", f"#/new?street={street}", "form[data-form=shop]"),
        ("queue", "#/queue", "[data-action=sync]"),
        ("shop", f"#/shop/{shop['id']}", "[data-action=issue-qr]"),
    ]
    for viewport_name, viewport in (("phone", PHONE), ("tablet", TABLET)):
        context = new_context(browser, viewport)
        page = context.new_page()
        bad = watch(page, server)
        page.goto(f"{server.base}/field")
        page.wait_for_selector("input[name=username]")
        problems = {"sign-in": axe_violations(page)}
        shot(page, "sign-in", viewport_name)
        sign_in(page, server)
        for lang in ("vi", "en"):
            for name, hash_, ready in screens:
                page.goto(f"{server.base}/field{hash_}")
                page.wait_for_selector(ready)
                page.wait_for_timeout(150)
                problems[f"{name}-{lang}"] = axe_violations(page)
                shot(page, f"{name}-{lang}", viewport_name)
            page.click("#lang")
            page.wait_for_selector(f"html[lang={'en' if lang == 'vi' else 'vi'}] [data-action=issue-qr]")
        page.goto(f"{server.base}/field#/work")  # a real route change: the shop page is drawn afresh
        page.wait_for_selector("[data-street-id]")
        page.goto(f"{server.base}/field#/shop/{shop['id']}")
        page.click("[data-action=issue-qr]:not([disabled])")
        page.wait_for_selector("img[data-qr]")
        problems["qr"] = axe_violations(page)
        shot(page, "qr-full-screen", viewport_name)
        assert {k: v for k, v in problems.items() if v} == {}
        assert bad == []
        context.close()
