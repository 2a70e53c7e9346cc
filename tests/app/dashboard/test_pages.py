"""Dashboard pages through the ASGI app on both databases: sign-in, CSRF, scope, and figures equal to the API."""

from __future__ import annotations

import re

import httpx

from tests.app.dashboard.support import csrf_of, sign_in
from tests.factories import make_merchant, street_id

UNIT = "2025:26506"


def cell(html: str, row: str, col: str) -> str:
    block = re.search(rf'data-row="{re.escape(row)}"(.*?)</(tr|dl)>', html, re.S)
    assert block, f"no row {row}"
    value = re.search(rf'data-col="{col}"[^>]*>(.*?)</(td|dd)>', block.group(1), re.S)
    assert value, f"no {col} in {row}"
    return re.sub(r"<[^>]+>", "", value.group(1)).strip()


def vn(value: float | int | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",") + " %"
    return f"{value:,}".replace(",", ".")


async def test_pages_need_a_signed_in_session(web: httpx.AsyncClient) -> None:
    r = await web.get("/dashboard/map")
    assert r.status_code == 303 and r.headers["location"].startswith("/dashboard/login?next=%2Fdashboard%2Fmap")
    bad = await sign_in(web, "officer.vungtau", "wrong")
    assert bad.status_code == 401 and "Sai tên đăng nhập" in bad.text
    assert (await web.get("/dashboard")).status_code == 303


async def test_sign_in_sets_a_strict_cookie_that_is_not_an_api_credential(web: httpx.AsyncClient) -> None:
    r = await sign_in(web, "officer.vungtau")
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"
    header = r.headers["set-cookie"].lower()
    assert all(flag in header for flag in ("httponly", "secure", "samesite=lax", "path=/dashboard"))
    assert (await web.get("/dashboard")).status_code == 200
    value = web.cookies.get("phoqr_dash")
    # even sent by hand to the API, the cookie authenticates nothing there
    api = await web.get("/api/v1/me", headers={"Cookie": f"phoqr_dash={value}"})
    assert api.status_code == 401


async def test_forms_without_their_csrf_token_are_refused(web: httpx.AsyncClient) -> None:
    form = await web.get("/dashboard/login")
    no_token = await web.post("/dashboard/login", data={"username": "officer.vungtau", "password": "phoqr-demo"})
    assert no_token.status_code == 403 and "phoqr_dash" not in no_token.headers.get("set-cookie", "")
    cross_site = await web.post(
        "/dashboard/login",
        data={"username": "officer.vungtau", "password": "phoqr-demo", "csrf_token": csrf_of(form.text)},
        headers={"Origin": "https://evil.example"},
    )
    assert cross_site.status_code == 403
    await sign_in(web, "officer.vungtau")
    assert (await web.post("/dashboard/logout", data={"csrf_token": "nope"})).status_code == 403
    assert (await web.get("/dashboard")).status_code == 200  # still signed in
    page = await web.get("/dashboard")
    out = await web.post("/dashboard/logout", data={"csrf_token": csrf_of(page.text)})
    assert out.status_code == 303 and (await web.get("/dashboard")).status_code == 303


async def test_tampered_cookie_and_open_redirects_go_nowhere(web: httpx.AsyncClient) -> None:
    await sign_in(web, "officer.vungtau")
    value = web.cookies.get("phoqr_dash") or ""
    web.cookies.clear()
    web.cookies.set("phoqr_dash", value[:-3] + "abc", domain="test", path="/dashboard")
    assert (await web.get("/dashboard")).status_code == 303
    form = await web.get("/dashboard/login")
    r = await web.post(
        "/dashboard/login",
        data={
            "username": "officer.vungtau",
            "password": "phoqr-demo",
            "csrf_token": csrf_of(form.text),
            "next": "https://evil.example/x",
        },
    )
    assert r.headers["location"] == "/dashboard"


async def test_overview_unit_and_street_equal_the_api(web, client, session, auth) -> None:  # type: ignore[no-untyped-def]
    street = await street_id(session, "Ba Cu")
    for i in range(5):
        await make_merchant(session, name=f"Shop {i}", street=street, has_qr=i < 3)
    headers = await auth("officer.vungtau")
    await sign_in(web, "officer.vungtau")
    html = (await web.get("/dashboard")).text
    row = (await client.get("/api/v1/coverage", params={"unit": UNIT}, headers=headers)).json()["rows"][0]
    for col in ("shops", "with_qr", "pct"):
        assert cell(html, "unit-2025-26506", col) == vn(row[col])
    assert "Tam Thắng" not in html  # the officer's units only

    html = (await web.get("/dashboard/units/2025/26506")).text
    rows = (await client.get("/api/v1/coverage", params={"unit": UNIT, "level": "street"}, headers=headers)).json()
    for r in rows["rows"]:
        for col in ("shops", "with_qr", "pct"):
            assert cell(html, f"street-{r['street']['id']}", col) == vn(r[col])

    html = (await web.get(f"/dashboard/streets/{street}")).text
    r = next(x for x in rows["rows"] if x["street"]["id"] == street)
    assert (cell(html, f"street-{street}", "shops"), cell(html, f"street-{street}", "with_qr")) == ("5", "3")
    assert cell(html, f"street-{street}", "pct") == vn(r["pct"])
    assert html.count("data-shop=") == 5


async def test_another_units_agent_and_banks_see_nothing(web, session) -> None:  # type: ignore[no-untyped-def]
    street = await street_id(session, "Ba Cu")  # a street of Phường Vũng Tàu only
    await make_merchant(session, name="Tạp hóa Riêng Tư", street=street)
    await sign_in(web, "agent.tamthang")
    assert (await web.get("/dashboard/units/2025/26506")).status_code == 404
    assert (await web.get("/dashboard/units/2020/26509")).status_code in (404,)
    street_page = await web.get(f"/dashboard/streets/{street}")
    assert street_page.status_code == 404 and "Tạp hóa Riêng Tư" not in street_page.text
    assert (await web.get(f"/dashboard/streets/{street}?unit={UNIT}")).status_code == 404
    assert (await web.get(f"/dashboard/trends?street_id={street}")).status_code == 404
    queue = await web.get("/dashboard/queue")
    assert queue.status_code == 200 and "Tạp hóa Riêng Tư" not in queue.text
    web.cookies.clear()
    await sign_in(web, "bank.vcb")
    page = await web.get("/dashboard")
    assert page.status_code == 403 and "Shop" not in page.text


async def test_every_page_answers_with_a_strict_policy(web, session) -> None:  # type: ignore[no-untyped-def]
    await make_merchant(session, name="Cà phê Chính Sách", street=await street_id(session, "Ba Cu"))
    await sign_in(web, "officer.vungtau")
    for path in ("/dashboard", "/dashboard?edition=2020", "/dashboard/units/2025/26506", "/dashboard/map",
                 "/dashboard/trends", "/dashboard/queue", "/dashboard/team", "/dashboard/team?period=month",
                 "/dashboard/units/2025/26506?sort=-pct&lang=en"):  # fmt: skip
        r = await web.get(path)
        assert r.status_code == 200, path
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"
        assert "http://" not in r.text and "https://" not in r.text  # nothing loads from another host
    english = await web.get("/dashboard/map?lang=en")
    assert '<html lang="en">' in english.text and "Legend" in english.text


async def test_sorting_is_server_side(web, session) -> None:  # type: ignore[no-untyped-def]
    for name, qr_share in (("Ba Cu", 1), ("Trần Phú", 0)):
        sid = await street_id(session, name)
        for i in range(2):
            await make_merchant(session, name=f"{name} {i}", street=sid, has_qr=i < qr_share + (qr_share > 0))
    await sign_in(web, "officer.vungtau")
    html = (await web.get("/dashboard/units/2025/26506?sort=-pct")).text
    others = html[html.index('id="others"') :]
    found = re.findall(r'data-col="pct"[^>]*><span class="pctval">([\d,]+) %', others)
    pcts = [float(x.replace(",", ".")) for x in found]
    assert pcts == sorted(pcts, reverse=True) and len(pcts) >= 2


async def test_work_queue_lists_bank_rejections_duplicates_and_waiting_reviews(web, session) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from app.consents.models import BankStatus
    from app.merchants.models import Merchant

    street = await street_id(session, "Ba Cu")
    refused = await make_merchant(session, name="Tạp hóa Bị Từ Chối", street=street, review_state="approved")
    twin = await make_merchant(session, name="Tạp hóa Song Sinh", street=street, review_state="approved")
    waiting = await make_merchant(session, name="Cà phê Chờ Duyệt", street=street)
    session.add(BankStatus(merchant_id=refused.id, bank_bin="970436", state="rejected", reason_code="name_mismatch"))
    await session.execute(update(Merchant).where(Merchant.id == twin.id).values(possible_duplicate_of=refused.id))
    await session.commit()
    await sign_in(web, "officer.vungtau")
    html = (await web.get("/dashboard/queue")).text
    sections = {k: html[html.index(f'data-table="{k}"') :] for k in ("reviews", "bank-rejected", "duplicates")}
    assert waiting.id in sections["reviews"] and refused.id not in sections["reviews"].split("</table>")[0]
    assert refused.id in sections["bank-rejected"].split("</table>")[0] and "name_mismatch" in html
    dup = sections["duplicates"].split("</table>")[0]
    assert twin.id in dup and "Tạp hóa Bị Từ Chối" in dup  # names the shop it may duplicate
    street_page = (await web.get(f"/dashboard/streets/{street}")).text
    assert "Bị từ chối" in street_page  # the bank's answer beside the shop


async def test_team_progress_counts_each_agents_shops_and_qrs(web, session) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from app.auth.models import User

    agent = (await session.execute(select(User.id).where(User.username == "agent.vungtau"))).scalar_one()
    street = await street_id(session, "Ba Cu")
    for i in range(3):
        await make_merchant(session, name=f"Quán {i}", street=street, created_by=agent)
    await sign_in(web, "officer.vungtau")
    html = (await web.get("/dashboard/team")).text
    assert cell(html, "agents-agent.vungtau-26506", "registered") == "3"
    assert cell(html, "agents-agent.vungtau-26506", "qr") == "0"  # factory shops have no QR row
    assert cell(html, "teams-26506-26506", "registered") == "3"
