"""The periodic report from the dashboard (cookie session) on both databases: the API's file for the same
period and unit, cell for cell, named for its unit and period in ASCII; only inside the caller's scope."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import httpx
import openpyxl
import pytest

from app.dashboard.downloads import slug
from tests.app.dashboard.support import sign_in
from tests.app.history.support import set_street, set_unit, shops, snap
from tests.factories import street_id

Q = {"period": "half_year", "as_of": "2026-07-10"}
EVIL = '=HYPERLINK("http://evil","x")'
AS_OF_LINE = "Số liệu lấy lúc (as of): "
XLSX = "/dashboard/reports/coverage.xlsx"
CSV = "/dashboard/reports/coverage.csv"


async def population(session):  # type: ignore[no-untyped-def]
    """Two half-years of snapshots over two units, with a street named like a spreadsheet formula."""
    ba_cu, tcd = await street_id(session, "Ba Cu"), await street_id(session, "Trương Công Định")
    await set_street(session, ba_cu, is_model_street=True, baseline_shop_count=12, target_pct=100)
    await set_unit(session, "26506", baseline_shop_count=40, target_pct=100, target_date=date(2026, 12, 31))
    await shops(session, 4, street=ba_cu, qr=2)
    await shops(session, 2, unit="26526", old="26527", category="cafe", qr=1)
    await snap(session, date(2026, 6, 30))
    await shops(session, 3, street=tcd, category="restaurant", qr=1)
    await shops(session, 5, street=tcd, unit="26526", old="26527", category="eatery", qr=4)
    await set_street(session, tcd, name=EVIL)
    return await snap(session, date(2026, 7, 5))


def sheets(content: bytes) -> dict[str, list[tuple]]:
    """Every sheet's rows, without the line saying when the file was generated (the one thing that differs)."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return {
        ws.title: [r for r in ws.iter_rows(values_only=True) if not str(r[0] or "").startswith(AS_OF_LINE)]
        for ws in wb.worksheets
    }


def assert_an_attachment(r: httpx.Response, name: str) -> None:
    assert r.status_code == 200, r.text[:500]
    disposition = r.headers["content-disposition"]
    assert disposition == f'attachment; filename="{name}"'
    assert re.fullmatch(
        r'attachment; filename="[a-z0-9-]+(-[0-9H]+)*(-as-of-\d{4}-\d\d-\d\d)?-snapshot-\d+\.(xlsx|csv)"', disposition
    )
    assert r.headers["cache-control"] == "no-store"  # a report never stays in a shared cache


async def test_an_officer_downloads_the_api_workbook_for_their_unit(web, client, auth, session) -> None:  # type: ignore[no-untyped-def]
    current = await population(session)
    await sign_in(web, "officer.vungtau")
    page = (await web.get("/dashboard/units/2025/26506")).text
    assert 'action="/dashboard/reports/coverage.xlsx"' in page and "Tải báo cáo (XLSX)" in page
    assert 'name="unit" value="2025:26506"' in page and 'formaction="/dashboard/reports/coverage.csv"' in page

    r = await web.get(XLSX, params={"unit": "2025:26506", **Q})
    stem = f"bao-cao-qr-phuong-vung-tau-2025-26506-2026-H2-snapshot-{current.snapshot_id}"
    assert_an_attachment(r, f"{stem}.xlsx")
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert r.headers["x-snapshot-id"] == str(current.snapshot_id)
    api = await client.get(
        "/api/v1/reports/coverage.xlsx", params={"unit": "2025:26506", **Q}, headers=await auth("officer.vungtau")
    )
    assert api.status_code == 200
    mine, theirs = sheets(r.content), sheets(api.content)
    assert mine == theirs and list(mine) == ["Đơn vị", "Tuyến phố", "Ngành hàng"]
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    first = [c.value for c in wb["Đơn vị"]["A"][:9]]
    assert any(str(v).startswith(AS_OF_LINE) for v in first)  # the "as of" line is there
    names = [row[2] for row in mine["Tuyến phố"]]
    assert "'" + EVIL in names and EVIL not in names  # text, never a formula
    assert not any(c.data_type == "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)


async def test_the_csv_is_the_apis_with_its_bom_header_row_and_as_of_header(web, client, auth, session) -> None:  # type: ignore[no-untyped-def]
    current = await population(session)
    await sign_in(web, "officer.vungtau")
    r = await web.get(CSV, params={"unit": "2025:26506", **Q, "lang": "en"})
    day = current.day.isoformat()
    assert_an_attachment(
        r, f"bao-cao-qr-phuong-vung-tau-2025-26506-2026-H2-as-of-{day}-snapshot-{current.snapshot_id}.csv"
    )
    assert r.headers["content-type"] == "text/csv; charset=utf-8" and r.content.startswith(b"\xef\xbb\xbf")
    api = await client.get(
        "/api/v1/reports/coverage.csv", params={"unit": "2025:26506", **Q}, headers=await auth("officer.vungtau")
    )
    mine = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    theirs = list(csv.reader(io.StringIO(api.content.decode("utf-8-sig"))))
    assert mine[0][0] == "Bảng (table)" and mine == theirs  # the header row first; "as of" in the headers
    assert r.headers["x-data-as-of"] == api.headers["x-data-as-of"] == current.taken_at.isoformat(timespec="seconds")
    cells = [c for line in mine for c in line]
    assert "'" + EVIL in cells and not any(c.startswith(("=", "+", "@")) for c in cells)


async def test_a_city_admin_gets_the_whole_city_or_any_unit(web, client, auth, session) -> None:  # type: ignore[no-untyped-def]
    current = await population(session)
    await sign_in(web, "admin")
    overview = (await web.get("/dashboard")).text
    assert '<option value="">Toàn thành phố</option>' in overview and '<option value="2025:26526">' in overview
    city = await web.get(XLSX, params=Q)
    assert_an_attachment(city, f"bao-cao-qr-toan-thanh-pho-2025-2026-H2-snapshot-{current.snapshot_id}.xlsx")
    api = await client.get("/api/v1/reports/coverage.xlsx", params=Q, headers=await auth("admin"))
    assert sheets(city.content) == sheets(api.content)
    old_wards = await web.get(CSV, params={"edition": "2020", "unit": "", **Q})
    assert old_wards.headers["content-disposition"].startswith('attachment; filename="bao-cao-qr-toan-thanh-pho-2020-')
    # an old ward from the 2020 overview, whose form sends edition=2020
    ward = {"unit": "2020:26527", "edition": "2020", **Q}
    other = await web.get(XLSX, params=ward)
    assert other.status_code == 200 and "-2020-26527-2026-H2-" in other.headers["content-disposition"]
    api_old = await client.get("/api/v1/reports/coverage.xlsx", params=ward, headers=await auth("admin"))
    assert sheets(other.content) == sheets(api_old.content)


@pytest.mark.parametrize(
    ("username", "params", "status"),
    [
        ("officer.vungtau", {"unit": "2025:26526"}, 404),  # another unit: 404 like its page
        ("officer.vungtau", {"unit": "2020:26527"}, 404),  # an old ward now in another unit
        ("officer.vungtau", {}, 403),  # the whole city is for city-wide roles
        ("officer.vungtau", {"edition": "2020"}, 403),
        ("agent.tamthang", {"unit": "2025:26506"}, 404),
        ("officer.vungtau", {"unit": "2025:99999"}, 404),
    ],
)
@pytest.mark.parametrize("path", [XLSX, CSV])
async def test_another_units_report_is_refused(web, session, username, params, status, path) -> None:  # type: ignore[no-untyped-def]
    await population(session)
    await sign_in(web, username)
    r = await web.get(path, params={**params, **Q})
    assert r.status_code == status
    assert "content-disposition" not in r.headers and r.headers["content-type"].startswith("text/html")


async def test_banks_and_strangers_get_no_file(web, session) -> None:  # type: ignore[no-untyped-def]
    await population(session)
    r = await web.get(XLSX, params={"unit": "2025:26506", **Q})
    assert r.status_code == 303 and r.headers["location"].startswith("/dashboard/login?next=%2Fdashboard%2Freports")
    await sign_in(web, "bank.vcb")
    r = await web.get(XLSX, params={"unit": "2025:26506", **Q})
    assert r.status_code == 403 and "content-disposition" not in r.headers


@pytest.mark.parametrize(
    ("params", "status", "text"),
    [
        ({"period": "year", "as_of": "2020-06-01"}, 404, "chưa có ảnh chụp số liệu"),
        ({"as_of": "2999-01-01"}, 422, "không được ở tương lai"),
        ({"as_of": "10/07/2026"}, 422, "không hợp lệ"),
        ({"period": "decade"}, 422, "không hợp lệ"),
        ({"unit": "26506"}, 422, "không hợp lệ"),
    ],
)
async def test_a_report_that_cannot_be_made_says_why_on_a_page(web, session, params, status, text) -> None:  # type: ignore[no-untyped-def]
    await population(session)
    await sign_in(web, "officer.vungtau")
    r = await web.get(XLSX, params={"unit": "2025:26506", **params})
    assert r.status_code == status and r.headers["content-type"].startswith("text/html")
    assert text in r.text and "content-disposition" not in r.headers


async def test_the_control_is_on_the_overview_in_both_languages(web, session) -> None:  # type: ignore[no-untyped-def]
    await sign_in(web, "officer.vungtau")
    vi = (await web.get("/dashboard")).text
    assert 'name="unit" value="2025:26506"' in vi and '<select name="unit">' not in vi  # one unit: no choice
    assert "Tải báo cáo (XLSX)" in vi and 'aria-label="Tải báo cáo dạng CSV"' in vi
    en = (await web.get("/dashboard?lang=en")).text
    assert "Download report (XLSX)" in en and '<input type="hidden" name="lang" value="en">' in en
    old = (await web.get("/dashboard?edition=2020")).text
    assert '<select name="unit">' in old and '<option value="2020:26506">' in old
    assert '<option value="2025:26506">Phường Vũng Tàu (theo phường, xã cũ)</option>' in old
    assert '<option value="">' not in old and '<option value="2020:26527">' not in old  # outside the scope


async def test_an_officers_unit_by_old_ward_is_the_apis_edition_2020_report(web, client, auth, session) -> None:  # type: ignore[no-untyped-def]
    await population(session)
    await sign_in(web, "officer.vungtau")
    params = {"unit": "2025:26506", "edition": "2020", **Q}
    r = await web.get(XLSX, params=params)
    api = await client.get("/api/v1/reports/coverage.xlsx", params=params, headers=await auth("officer.vungtau"))
    assert r.status_code == 200 and sheets(r.content) == sheets(api.content)
    assert "phuong-vung-tau-2025-26506-theo-phuong-cu-2026-H2-" in r.headers["content-disposition"]
    codes = [row[0] for row in sheets(r.content)["Đơn vị"] if str(row[0] or "").startswith("2020:")]
    assert codes and "2020:26527" not in codes  # the old wards of the officer's unit only


def test_file_names_are_ascii_whatever_the_unit_is_called() -> None:
    assert slug("Phường Vũng Tàu") == "phuong-vung-tau"
    assert slug("Đặc khu Côn Đảo") == "dac-khu-con-dao"
    assert slug('Xã "Long Sơn" / 1') == "xa-long-son-1"
    assert slug("Ấp\u00a0Bến Đình;\r\n") == "ap-ben-dinh"


async def test_a_report_in_another_format_is_the_dashboard_not_found_page(web):
    await sign_in(web, "officer.vungtau")
    r = await web.get("/dashboard/reports/coverage.pdf")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
