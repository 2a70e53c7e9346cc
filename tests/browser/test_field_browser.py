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
    page.reload()  # nothing queued is lost on reload
    page.wait_for_selector("[data-op-id]")
    assert pending(page) == 4
    assert page.locator('[data-op-status="pending"]').count() == 4

    context.set_offline(False)
    wait_pending(page, 0)
    page.wait_for_selector('[data-op-status="uploaded"]')
    assert page.locator('[data-op-status="created"]').count() == 3

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
