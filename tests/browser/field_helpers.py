"""What the field app's browser tests share: a phone context with GPS, sign-in, the shop form, axe-core."""

from __future__ import annotations

import io
import json
import re
import uuid
from pathlib import Path
from typing import Any

from tests.browser.conftest import PASSWORD, SHOTS, Server

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
FIELD_SHOTS = SHOTS / "field"
TABLET = {"width": 768, "height": 1024}
GPS = {"latitude": 10.3466, "longitude": 107.0843, "accuracy": 12}
AGENT = "agent.vungtau"


def new_context(browser: Any, viewport: dict[str, int]) -> Any:
    return browser.new_context(
        viewport=viewport, geolocation=GPS, permissions=["geolocation"], locale="vi-VN", is_mobile=True, has_touch=True
    )


def watch(page: Any, server: Server) -> list[str]:
    """Requests to another host and CSP violations, both of which must never happen."""
    bad: list[str] = []
    page.on("request", lambda r: bad.append(r.url) if not r.url.startswith((server.base, "blob:", "data:")) else None)
    page.on("console", lambda m: bad.append(m.text) if "Content Security Policy" in m.text else None)
    return bad


def sign_in(page: Any, server: Server, username: str = AGENT) -> None:
    page.goto(f"{server.base}/field")
    page.wait_for_selector("input[name=username]")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[data-form=signin] button[type=submit]")
    page.wait_for_selector("[data-action=new-shop]")


def wait_for_service_worker(page: Any) -> None:
    """Until the worker controls the page (its shell cached): evaluate() only, wait_for_function needs eval."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    for _ in range(100):
        if page.evaluate("navigator.serviceWorker.controller !== null"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the service worker never took control of /field")


def pending(page: Any) -> int:
    return int(page.get_attribute("[data-pending]", "data-pending"))


def wait_pending(page: Any, n: int) -> None:
    page.wait_for_selector(f'[data-pending="{n}"]', timeout=30_000)


def shop_body(street_id: int, name: str, bank_bin: str = "970436") -> dict[str, Any]:
    n = uuid.uuid4().int
    return {
        "name": name,
        "category": "grocery",
        "owner_name": "Nguyễn Thị Thử",
        "phone": f"09{n % 10**8:08d}",
        "house_number": str(n % 500 + 1),
        "street_id": street_id,
        "bank_bin": bank_bin,
        "account_number": f"88{n % 10**10:010d}",
        "account_name": "NGUYEN THI THU",
    }


def jpeg(width: int, height: int) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), (200, 180, 120))
    ImageDraw.Draw(img).rectangle([width // 4, height // 4, width // 2, height // 2], fill=(20, 90, 60))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


def fill_shop(page: Any, shop: dict[str, Any], *, photo: bytes | None = None, consent: bool = False) -> None:
    """Opens the form with [data-action=new-shop] and saves one shop; GPS is taken from the context."""
    page.click("[data-action=new-shop]")
    form = page.locator("form[data-form=shop]")
    form.wait_for()
    form.locator("[name=name]").fill(shop["name"])
    form.locator("[name=category]").select_option(shop["category"])
    form.locator("[name=owner_name]").fill(shop["owner_name"])
    form.locator("[name=phone]").fill(shop["phone"])
    form.locator("[name=house_number]").fill(shop["house_number"])
    form.locator("[name=street_id]").select_option(str(shop["street_id"]))
    form.locator("[name='payment_account.bank_bin']").select_option(shop["bank_bin"])
    form.locator("[name='payment_account.account_number']").fill(shop["account_number"])
    form.locator("[name='payment_account.account_name']").fill(shop["account_name"])
    page.wait_for_selector('[data-gps="ok"]')
    if photo is not None:
        form.locator("[name=photo]").set_input_files({"name": "shop.jpg", "mimeType": "image/jpeg", "buffer": photo})
        page.wait_for_selector("[data-photo]")
    if consent:
        form.locator("[name=consent]").check()
        assert form.locator(".consent-text").inner_text().count("91/2025/QH15") == 1  # the text shown in full
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"#/queue$"))


def axe_violations(page: Any) -> list[str]:
    """Serious and critical WCAG 2.1 A/AA violations on the page as it is now (evaluated, so CSP allows it)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {json.dumps([n['target'] for n in v['nodes']])[:300]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def shot(page: Any, name: str, viewport: str) -> None:
    FIELD_SHOTS.mkdir(parents=True, exist_ok=True)
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{name} overflows on {viewport}: {width} > {inner}"
    page.screenshot(path=str(FIELD_SHOTS / f"{name}-{viewport}.png"), full_page=True)


def find_shops(server: Server, name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = server.api("/merchants", AGENT, q=name, limit=50)["items"]
    return [m for m in items if m["name"] == name]
