"""A province on the dashboard: its trend is one line that adds up to its communes, its report is one file,
and both stay inside the caller's scope (a ward officer cannot read the city's; a province officer of Hồ Chí
Minh City cannot read Hà Nội's)."""

from __future__ import annotations

import io
import re

import openpyxl

from tests.app.dashboard.support import sign_in
from tests.app.dashboard.test_report_downloads import XLSX, Q, population
from tests.app.history.support import shops, snap


def series(html: str, name: str) -> dict[str, tuple[int, int, int]]:
    """period -> (shops, with_qr, denominator) of one table of the trends page."""
    table = html.split(f'data-series="{name}"', 1)[1].split("</table>", 1)[0]
    out = {}
    for period, row in re.findall(r'<tr data-period="([^"]+)">(.*?)</tr>', table, re.S):
        cols = dict(re.findall(r'data-col="(\w+)"[^>]*>([^<]*)<', row))
        out[period] = tuple(int(cols[k].replace(".", "")) for k in ("shops", "with_qr", "denominator"))
    return out


async def test_a_province_officer_sees_the_province_trend(web, client, auth, session) -> None:  # type: ignore[no-untyped-def]
    current = await population(session)
    await shops(session, 3, unit="00073", old="00073", qr=3)  # Hà Nội
    await snap(session, current.day)
    await sign_in(web, "officer.hcmc")
    page = await web.get("/dashboard/trends", params={"period": "half_year"})
    assert page.status_code == 200, page.text
    shown = series(page.text, "Thành phố Hồ Chí Minh")
    api = await client.get(
        "/api/v1/coverage/history",
        params={"level": "province", "unit": "2025:79", "period": "half_year", "from": "2026-01-01"},
        headers=await auth("officer.hcmc"),
    )
    expected = {p["period"]: (p["shops"], p["with_qr"], p["denominator"]) for p in api.json()["points"]}
    assert shown["2026-H2"] == expected["2026-H2"] == (14, 8, 40 + 7)  # Vũng Tàu's baseline 40, Tam Thắng 7
    assert "Phường Cửa Nam" not in page.text
    # the forbidden cases: another province, and a province for an officer of one ward
    assert (await web.get("/dashboard/trends", params={"unit": "2025:01"})).status_code == 404
    web.cookies.clear()
    await sign_in(web, "officer.vungtau")
    assert (await web.get("/dashboard/trends", params={"unit": "2025:79"})).status_code == 404
    assert (await web.get("/dashboard/trends")).status_code == 200


async def test_the_province_report_from_the_dashboard(web, session) -> None:  # type: ignore[no-untyped-def]
    await population(session)
    await sign_in(web, "officer.hcmc")
    overview = await web.get("/dashboard")
    assert 'value="2025:79"' in overview.text and 'name="level"' in overview.text
    r = await web.get(XLSX, params=Q | {"unit": "2025:79", "level": "province"})
    assert r.status_code == 200, r.text
    assert "thanh-pho-ho-chi-minh-2025-79-theo-tinh" in r.headers["content-disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(r.content))["Đơn vị"]
    rows = [row for row in ws.iter_rows(values_only=True) if row[0] in ("2025:79", "")]
    assert rows[0][:4] == ("2025:79", "Thành phố Hồ Chí Minh", 14, 8)
    wards = await web.get(XLSX, params=Q | {"unit": "2025:79"})
    assert wards.status_code == 200
    assert (await web.get(XLSX, params=Q | {"unit": "2025:01", "level": "province"})).status_code == 404
    assert (await web.get(XLSX, params=Q | {"level": "province"})).status_code == 403  # the whole country
    web.cookies.clear()
    await sign_in(web, "officer.vungtau")
    assert (await web.get(XLSX, params=Q | {"unit": "2025:79", "level": "province"})).status_code == 404
    overview = await web.get("/dashboard")
    assert 'value="2025:79"' not in overview.text and 'name="level"' not in overview.text
