"""An officer reads the dashboard in Chromium (desktop and a 390×844 phone) and every number matches the JSON
API for the same user; the periodic report downloads and opens as the API's workbook; another unit's agent sees
none of it; a form without its CSRF token is refused.
Screenshots of every page land in var/screenshots/ (gitignored; PHOQR_SCREENSHOTS=/tmp/shots puts them there)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

import openpyxl
import pytest

from tests.browser.conftest import DESKTOP, PASSWORD, PHONE, REASON, SHOTS, Server

pytestmark = pytest.mark.skipif(REASON is not None, reason=f"browser tests skipped: {REASON}")
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
UNIT = "2025:26506"


def number(text: str) -> float | None:
    """'1.234' -> 1234, '72,7 %' -> 72.7, '—' -> None (Vietnamese formats)."""
    text = text.strip().replace("%", "").strip()
    if text in ("—", ""):
        return None
    return float(text.replace(".", "").replace(",", "."))


def vn_date(iso: str | None) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else "—"


def sign_in(page, server: Server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.base}/dashboard")
    assert "/dashboard/login" in page.url
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    follow(page, "form button[type=submit]")


def follow(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    """Click a link or a form's button and wait until the page it leads to has loaded.

    click() returns once the navigation has started, so a count read right after it can still read the old
    page, or the new one before its body is parsed (CI once saw 0 shapes on a ward's map this way)."""
    with page.expect_navigation():
        page.click(selector)


def cells(page, row: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    loc = page.locator(f'[data-row="{row}"] [data-col]')
    return {loc.nth(i).get_attribute("data-col"): loc.nth(i).inner_text() for i in range(loc.count())}


def check_page(page, name: str, viewport: str) -> None:  # type: ignore[no-untyped-def]
    """No sideways scrolling on any screen, and a screenshot to look at."""
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{name} overflows on {viewport}: {width} > {inner}"
    page.screenshot(path=str(SHOTS / f"{name}-{viewport}.png"), full_page=True)


@pytest.fixture(scope="module", params=list(VIEWPORTS))
def officer(request, server: Server, browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=VIEWPORTS[request.param], locale="vi-VN")
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server.base) else None)
    sign_in(page, server, "officer.vungtau")
    yield page, request.param
    assert outside == [], f"requests left for another host: {outside}"
    context.close()


def test_overview_equals_the_api(officer, server: Server) -> None:  # type: ignore[no-untyped-def]
    page, vp = officer
    page.goto(f"{server.base}/dashboard")
    row = server.api("/coverage", "officer.vungtau", unit=UNIT)["rows"][0]
    shown = cells(page, "unit-2025-26506")
    assert number(shown["shops"]) == row["shops"] and number(shown["with_qr"]) == row["with_qr"]
    assert number(shown["pct"]) == row["pct"]
    forecast = server.api("/coverage/forecast", "officer.vungtau", unit=UNIT)
    assert shown["projected"].split("(")[0].strip() == vn_date(forecast["projected_date"])
    assert page.locator("table[data-table=overview] tbody tr").count() == 1  # only the officer's unit
    # the snapshot this half-year's report is built from: the half-year's last snapshot in the history
    half = server.api("/coverage/history", "officer.vungtau", unit=UNIT, period="half_year")["points"][-1]
    assert page.locator("[data-snapshot]").get_attribute("data-snapshot") == str(half["snapshot_id"])
    check_page(page, "overview", vp)

    follow(page, "a[href*='edition=2020']")
    api = server.api("/coverage", "officer.vungtau", edition="2020", unit=UNIT)["rows"]
    assert page.locator("table[data-table=overview] tbody tr").count() == len(api) >= 2
    for r in api:
        shown = cells(page, f"unit-2020-{r['unit']['code'] or 'unassigned'}")
        assert (number(shown["shops"]), number(shown["with_qr"]), number(shown["pct"])) == (
            r["shops"],
            r["with_qr"],
            r["pct"],
        )
        if r["unit"]["code"]:  # an old ward's own projection, as the API answers it
            ref = f"2020:{r['unit']['code']}"
            forecast = server.api("/coverage/forecast", "officer.vungtau", edition="2020", unit=ref)
            assert shown["projected"].split("(")[0].strip() == vn_date(forecast["projected_date"])
    check_page(page, "overview-2020", vp)


def test_unit_and_street_pages_equal_the_api(officer, server: Server) -> None:  # type: ignore[no-untyped-def]
    page, vp = officer
    page.goto(f"{server.base}/dashboard")
    follow(page, '[data-row="unit-2025-26506"] a')
    api = server.api("/coverage", "officer.vungtau", level="street", unit=UNIT)["rows"]
    model = [r for r in api if r["street"]["is_model_street"]]
    assert page.locator("table[data-table=model] tbody tr").count() == len(model) > 0
    for r in api:
        shown = cells(page, f"street-{r['street']['id']}")
        assert (number(shown["shops"]), number(shown["with_qr"]), number(shown["pct"])) == (
            r["shops"],
            r["with_qr"],
            r["pct"],
        )
        assert number(shown["gap"]) == r["gap_to_target"]
    check_page(page, "unit", vp)

    # sorting works without JavaScript: a plain link with ?sort=
    page.goto(page.url.split("?")[0] + "?sort=-pct")
    shown = [number(x) for x in page.locator("table[data-table=model] tbody [data-col=pct]").all_inner_texts()]
    assert shown == sorted(shown, reverse=True)

    street = max(model, key=lambda r: r["shops"])
    follow(page, f'[data-row="street-{street["street"]["id"]}"] th a')
    shown = cells(page, f"street-{street['street']['id']}")
    assert (number(shown["shops"]), number(shown["with_qr"]), number(shown["pct"])) == (
        street["shops"],
        street["with_qr"],
        street["pct"],
    )
    assert number(shown["denominator"]) == street["denominator"]
    sid = street["street"]["id"]
    forecast = server.api("/coverage/forecast", "officer.vungtau", level="street", unit=UNIT, street_id=sid)
    assert shown["projected"] == vn_date(forecast["projected_date"])
    listed = page.locator("table[data-table=shops] tbody tr[data-shop]")
    assert listed.count() == min(street["shops"], 100)
    with_qr = page.locator("table[data-table=shops] [data-col=qr] .badge.ok").count()
    assert with_qr <= street["with_qr"]
    assert page.locator(".map svg circle.dot").count() > 0
    check_page(page, "street", vp)


def test_map_colours_the_units(officer, server: Server) -> None:  # type: ignore[no-untyped-def]
    page, vp = officer
    page.goto(f"{server.base}/dashboard/map")
    fills = {p.get_attribute("data-unit"): p.get_attribute("fill") for p in page.locator("svg.map-svg path.area").all()}
    assert fills["26506"] != "#d9d9d9"  # the officer's unit, coloured by its coverage
    assert {fills[c] for c in fills if c != "26506"} <= {"#d9d9d9"}  # neighbours in view are outside the scope
    assert len(fills) < 20  # the ward and its neighbours, not the city's 168
    # the ward fills the map: its outline spans most of the drawing, on a phone too
    share = page.evaluate(
        """() => { const svg = document.querySelector('svg.map-svg');
                   const b = svg.querySelector('path.area[data-unit="26506"]').getBoundingClientRect();
                   const s = svg.getBoundingClientRect();
                   return Math.max(b.width / s.width, b.height / s.height); }"""
    )
    assert share > 0.7, share
    assert page.locator("svg.map-svg circle.dot").count() > 0
    check_page(page, "map", vp)


def test_a_province_officer_sees_the_city_and_zooms_to_a_ward(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    """The map of a province with its 168 wards, then one ward with its shops; axe finds nothing serious."""
    from tests.browser.test_accessibility import violations

    for vp, size in VIEWPORTS.items():
        context = browser.new_context(viewport=size, locale="vi-VN", bypass_csp=True)
        page = context.new_page()
        sign_in(page, server, "officer.hcmc")
        page.goto(f"{server.base}/dashboard/map")
        assert page.locator("svg.map-svg path.area").count() == 168
        assert page.locator("table[data-table=map] tbody tr").count() == 168
        assert violations(page) == []
        check_page(page, "map-province", vp)
        follow(page, 'table[data-table=map] tr[data-row="unit-2025-26506"] a[href*="map?unit="]')
        assert page.locator('svg.map-svg path.area[data-unit="26506"]').count() == 1
        assert page.locator("svg.map-svg circle.dot").count() > 0
        assert page.locator("a[data-zoom=out]").count() == 1
        assert violations(page) == []
        check_page(page, "map-ward-of-province", vp)
        page.goto(f"{server.base}/dashboard/trends")
        assert page.locator("svg.chart-svg circle.pt").count() >= 10
        assert page.locator("table[data-table=history]").count() == 1  # the city as one line, not 168
        assert violations(page) == []
        context.close()


def test_trends_draw_the_history(officer, server: Server) -> None:  # type: ignore[no-untyped-def]
    page, vp = officer
    page.goto(f"{server.base}/dashboard/trends")
    assert page.locator("svg.chart-svg circle.pt").count() >= 10  # weeks of backfilled history
    history = server.api("/coverage/history", "officer.vungtau", unit=UNIT, period="week")["points"]
    table = page.locator("table[data-table=history]").first
    for p in history:
        row = table.locator(f'tr[data-period="{p["period"]}"] [data-col]')
        values = {row.nth(i).get_attribute("data-col"): number(row.nth(i).inner_text()) for i in range(row.count())}
        assert values == {k: p[k] for k in ("shops", "with_qr", "denominator", "pct")}
    check_page(page, "trends", vp)
    follow(page, "a[href*='period=month']")
    assert page.locator("svg.chart-svg circle.pt").count() >= 3
    check_page(page, "trends-month", vp)


def test_work_queue_and_team(officer, server: Server) -> None:  # type: ignore[no-untyped-def]
    page, vp = officer
    page.goto(f"{server.base}/dashboard/queue")
    assert page.locator("#behind").is_visible() and page.locator("#reviews").is_visible()
    pending, cursor = [], None
    while True:  # every shop of the unit still waiting, as the API lists them
        params = {"unit": UNIT, "review": "pending", "status": "active", "limit": 500}
        body = server.api("/merchants", "officer.vungtau", **params, **({"cursor": cursor} if cursor else {}))
        pending += body["items"]
        if not (cursor := body["next_cursor"]):
            break
    shown = page.locator("table[data-table=reviews] tbody tr").evaluate_all("rs => rs.map(r => r.dataset.shop)")
    oldest = sorted(pending, key=lambda m: (datetime.fromisoformat(m["created_at"]), m["id"]))[: len(shown)]
    assert len(shown) == min(20, len(pending)) and set(shown) == {m["id"] for m in oldest}
    check_page(page, "queue", vp)
    page.goto(f"{server.base}/dashboard/team")
    agent = cells(page, "agents-agent.vungtau-26506")
    assert number(agent["registered"]) == 2 and number(agent["qr"]) == 1
    check_page(page, "team", vp)
    page.goto(f"{server.base}/dashboard?lang=en")
    assert page.locator("html").get_attribute("lang") == "en" and "Overview" in page.inner_text("h1")
    check_page(page, "overview-en", vp)


def workbook_rows(content: bytes) -> dict[str, list[tuple]]:
    """Every sheet's rows but the line saying when the file was generated (two downloads differ only there)."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return {
        ws.title: [r for r in ws.iter_rows(values_only=True) if not str(r[0] or "").startswith("Số liệu lấy lúc")]
        for ws in wb.worksheets
    }


def test_the_report_downloads_from_the_unit_page(officer, server: Server) -> None:  # type: ignore[no-untyped-def]
    page, vp = officer
    page.goto(f"{server.base}/dashboard/units/2025/26506")
    button = page.locator("[data-report] button[data-download=xlsx]")
    assert button.is_visible() and button.inner_text() == "Tải báo cáo (XLSX)"
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44  # a thumb-sized target on a phone
    check_page(page, "unit-report", vp)
    page.locator("[data-report]").screenshot(path=str(SHOTS / f"report-control-{vp}.png"))

    with page.expect_download() as info:
        button.click()
    download = info.value
    name = download.suggested_filename
    assert re.fullmatch(r"bao-cao-qr-phuong-vung-tau-2025-26506-\d{4}-H[12]-snapshot-\d+\.xlsx", name), name
    with open(download.path(), "rb") as f:
        mine = f.read()
    wb = openpyxl.load_workbook(io.BytesIO(mine))
    assert wb.sheetnames == ["Đơn vị", "Tuyến phố", "Ngành hàng"]
    preamble = " ".join(str(c.value) for c in wb["Đơn vị"]["A"][:8] if c.value)
    snapshot = name.rsplit("-", 1)[1].removesuffix(".xlsx")
    assert f"(snapshot id) {snapshot}," in preamble and "Số liệu lấy lúc (as of): " in preamble
    # the officer's figures at the half-year's last snapshot, as GET /coverage/history answers them
    half = server.api("/coverage/history", "officer.vungtau", unit=UNIT, period="half_year")["points"][-1]
    unit_row = next(r for r in wb["Đơn vị"].iter_rows(values_only=True) if r[0] == UNIT)
    assert (unit_row[2], unit_row[3], str(half["snapshot_id"])) == (half["shops"], half["with_qr"], snapshot)
    # and the very workbook the API serves the same officer
    officer_token = server.token("officer.vungtau")
    api = server.http.get("/api/v1/reports/coverage.xlsx", params={"unit": UNIT}, headers=officer_token)
    assert api.status_code == 200 and workbook_rows(mine) == workbook_rows(api.content)

    with page.expect_download() as info:
        page.click("[data-report] button[data-download=csv]")
    csv_name = info.value.suggested_filename  # the XLSX's name with the day the data was taken
    assert re.fullmatch(
        name.replace(".xlsx", "").replace("-snapshot-", r"-as-of-\d{4}-\d\d-\d\d-snapshot-") + r"\.csv", csv_name
    )
    with open(info.value.path(), "rb") as f:
        text = f.read()
    assert text.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert lines[0][0] == "Bảng (table)"  # the header row first, as a loader expects
    assert not any(c.startswith(("=", "+", "-", "@")) for line in lines for c in line if c)


def test_a_city_admin_picks_the_city_or_a_unit(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    for vp, size in VIEWPORTS.items():
        context = browser.new_context(viewport=size, locale="vi-VN")
        page = context.new_page()
        sign_in(page, server, "admin")
        options = page.locator("[data-report] select[name=unit] option")
        assert (
            options.first.get_attribute("value") == "" and options.count() == 1 + 1 + 168
        )  # the city, the area's province (PHOQR_AREA=79), then its 168 wards
        assert options.nth(1).get_attribute("value") == "2025:79"
        page.select_option("[data-report] select[name=unit]", "2025:26526")
        page.select_option("[data-report] select[name=period]", "year")
        with page.expect_download() as info:
            page.click("[data-report] button[data-download=xlsx]")
        assert re.fullmatch(r"bao-cao-qr-[a-z-]+-2025-26526-\d{4}-snapshot-\d+\.xlsx", info.value.suggested_filename)
        with open(info.value.path(), "rb") as f:
            units = [r for r in openpyxl.load_workbook(f)["Đơn vị"].iter_rows(values_only=True) if r[0]]
        assert [r[0] for r in units if str(r[0]).startswith("2025:")] == ["2025:26526"]
        check_page(page, "overview-admin", vp)
        context.close()


def test_another_units_agent_sees_nothing_of_it(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, server, "agent.tamthang")
    assert "Vũng Tàu" not in page.inner_text("table[data-table=overview]")
    response = page.goto(f"{server.base}/dashboard/units/2025/26506")
    assert response.status == 404
    street = server.api("/coverage", "officer.vungtau", level="street", unit=UNIT, model="true")["rows"][0]
    response = page.goto(f"{server.base}/dashboard/streets/{street['street']['id']}?unit={UNIT}")
    assert response.status == 404
    for ext in ("xlsx", "csv"):  # nor the unit's report, however the link is typed
        refused = context.request.get(f"{server.base}/dashboard/reports/coverage.{ext}?unit={UNIT}")
        assert refused.status == 404 and "content-disposition" not in refused.headers
    assert context.request.get(f"{server.base}/dashboard/reports/coverage.xlsx").status == 403  # the city
    page.goto(f"{server.base}/dashboard/map")
    fills = page.locator('path.area[data-unit="26506"]').evaluate_all("ps => ps.map(p => p.getAttribute('fill'))")
    assert fills in ([], ["#d9d9d9"])  # drawn only as a grey neighbour, if at all
    assert "Vũng Tàu" not in page.inner_text("table[data-table=map]")
    check_page(page, "other-unit-agent-map", "phone")
    context.close()


def test_forms_need_their_csrf_token_and_the_cookie_is_not_an_api_key(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, server, "officer.vungtau")
    cookie = next(c for c in context.cookies() if c["name"] == "phoqr_dash")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/dashboard"
    refused = context.request.post(f"{server.base}/dashboard/logout", form={"csrf_token": "forged"})
    assert refused.status == 403
    assert context.request.get(f"{server.base}/api/v1/coverage").status == 401
    assert page.goto(f"{server.base}/dashboard").status == 200  # still signed in: the forged logout did nothing
    csp = page.goto(f"{server.base}/dashboard").headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    follow(page, "form[action^='/dashboard/logout'] button")
    assert "/dashboard/login" in page.url
    assert re.search(r"/dashboard/login", page.goto(f"{server.base}/dashboard").url)
    check_page(page, "login", "desktop")
    context.close()
