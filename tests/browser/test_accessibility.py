"""Every dashboard page, on a desktop and on a phone, has no serious or critical WCAG 2.1 AA violation (nor a
target too small, WCAG 2.2 2.5.8) found by
axe-core (vendored from npm as a test asset: tests/browser/vendor/axe-core, MPL-2.0, its licence beside it).

The pages forbid inline scripts (CSP); the test's browser context bypasses the CSP to inject axe, the page's own
policy is tested in test_dashboard_browser.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, PHONE, REASON, Server
from tests.browser.test_dashboard_browser import UNIT, sign_in

pytestmark = pytest.mark.skipif(REASON is not None, reason=f"browser tests skipped: {REASON}")
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.1 A/AA, and 2.2's target size (a thumb on a phone must hit the trends page's period links)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")


def violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe's serious and critical WCAG 2.1 A/AA findings on the page as loaded: 'rule: target (impact)'."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [
        f"{v['id']}: {', '.join(str(n['target']) for n in v['nodes'])} ({v['impact']})"
        for v in found["violations"]
        if v["impact"] in BLOCKING
    ]


def test_the_checker_sees_a_serious_violation(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    """A page with a button whose accessible name misses its visible text: axe must report it, or the test
    below could never fail."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_content('<html lang="vi"><title>t</title><main><button aria-label="Tải">CSV</button></main></html>')
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("() => axe.run(document, {runOnly: {type: 'rule', values: ['label-content-name-mismatch']}})")
    assert [v["id"] for v in found["violations"]] == ["label-content-name-mismatch"]
    page.set_content('<html lang="vi"><title>t</title><main><img src="x.png"></main></html>')
    assert any(v.startswith("image-alt") for v in violations(page))
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_dashboard_page_has_no_serious_violation(server: Server, browser, viewport) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server.base}/dashboard/login")
    found = {"login": violations(page)}
    sign_in(page, server, "officer.vungtau")
    street = server.api("/coverage", "officer.vungtau", level="street", unit=UNIT, model="true")["rows"][0]
    pages = {
        "overview": "/dashboard",
        "overview-en": "/dashboard?lang=en",
        "unit": "/dashboard/units/2025/26506",
        "street": f"/dashboard/streets/{street['street']['id']}?unit={UNIT}",
        "map": "/dashboard/map",
        "trends": "/dashboard/trends",
        "queue": "/dashboard/queue",
        "team": "/dashboard/team",
    }
    for name, path in pages.items():
        response = page.goto(f"{server.base}{path}")
        assert response is not None and response.status == 200, name
        found[name] = violations(page)
    context.close()
    assert {name: v for name, v in found.items() if v} == {}


def test_the_trends_page_has_thumb_sized_targets_on_a_phone(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    """Lighthouse's tap targets: every link, button and summary of the trends page is at least 44 px high."""
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    sign_in(page, server, "officer.vungtau")
    page.goto(f"{server.base}/dashboard/trends")
    targets = page.locator("main a, main button, main summary")
    assert targets.count() > 5
    small = []
    for i in range(targets.count()):
        box = targets.nth(i).bounding_box()
        if box is not None and box["height"] < 44:
            small.append((targets.nth(i).inner_text()[:30], round(box["height"])))
    context.close()
    assert small == []
