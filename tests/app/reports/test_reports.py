"""The periodic report: opened with openpyxl, it adds up, names its snapshot, and is safe to open."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest

from tests.app.history.support import set_street, set_unit, shops, snap
from tests.factories import street_id

PREVIOUS, CURRENT = date(2026, 6, 30), date(2026, 7, 5)
Q = {"period": "half_year", "as_of": "2026-07-10"}


async def population(session):
    ba_cu, tcd = await street_id(session, "Ba Cu"), await street_id(session, "Trương Công Định")
    await set_street(session, ba_cu, is_model_street=True, baseline_shop_count=12, target_pct=100)
    await set_unit(session, "26506", baseline_shop_count=40, target_pct=100, target_date=date(2026, 12, 31))
    await shops(session, 4, street=ba_cu, qr=2)
    await shops(session, 3, street=tcd, category="restaurant", qr=1)
    await shops(session, 2, unit="26526", old="26527", category="cafe", qr=1)
    await snap(session, PREVIOUS)
    await shops(session, 3, street=ba_cu, qr=3)
    await shops(session, 2, street=None, category="supermarket", qr=1)
    await shops(session, 5, street=tcd, unit="26526", old="26527", category="eatery", qr=4)
    # a street whose name a spreadsheet would run as a formula
    await set_street(session, tcd, name='=HYPERLINK("http://evil","x")')
    current = await snap(session, CURRENT)
    return ba_cu, tcd, current


def table(ws, first_heading):
    """Heading row and data rows (as dicts by heading) of a sheet."""
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == first_heading)
    names = rows[head]
    return head + 1, [dict(zip(names, r, strict=True)) for r in rows[head + 1 :]]


def counts(row):
    return row["Số cửa hàng"], row["Có QR"]


async def test_xlsx_adds_up_and_names_its_snapshot(client, auth, session):
    *_, current = await population(session)
    r = await client.get("/api/v1/reports/coverage.xlsx", params=Q, headers=await auth("officer.vungtau"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert r.headers["x-snapshot-id"] == str(current.snapshot_id)
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["Đơn vị", "Tuyến phố", "Ngành hàng"]

    ws = wb["Đơn vị"]
    preamble = " ".join(str(c.value) for c in ws["A"][:8] if c.value)
    assert f"snapshot id) {current.snapshot_id}," in preamble and "6 tháng cuối năm 2026" in preamble
    assert "Kỳ trước: 6 tháng đầu năm 2026, bản chụp số" in preamble and "Số liệu lấy lúc" in preamble
    head, units = table(ws, "Mã đơn vị")
    assert ws.freeze_panes == f"A{head + 1}" and ws.print_title_rows == f"${head}:${head}"
    assert ws.page_setup.orientation == "landscape" and ws.column_dimensions["B"].width > 20
    body, total = units[:-1], units[-1]
    assert total["Đơn vị"] == "Tổng cộng" and len(body) == 168  # every ward of the area (PHOQR_AREA=79)
    for key in ("Số cửa hàng", "Có QR", "Mẫu số (max gốc, hiện có)", "Có QR kỳ trước", "Tăng/giảm QR"):
        assert sum(u[key] or 0 for u in body) == total[key], key
    vt = next(u for u in body if u["Mã đơn vị"] == "2025:26506")
    # 12 shops (baseline 40), 7 with QR; 6 months earlier 7 shops, 3 with QR
    assert (counts(vt), vt["Mẫu số (max gốc, hiện có)"], vt["Tỷ lệ có QR"]) == ((12, 7), 40, 0.175)
    assert (vt["Có QR kỳ trước"], vt["Tăng/giảm QR"], vt["Còn thiếu (cửa hàng)"]) == (3, 4, 33)
    assert vt["Tăng/giảm tỷ lệ"] == pytest.approx(0.175 - 0.075)
    pct_cell = ws.cell(row=head + 1 + body.index(vt), column=6)
    assert pct_cell.number_format == "0.0%" and isinstance(pct_cell.value, float)
    assert total["Tỷ lệ có QR"] == pytest.approx(round(total["Có QR"] / total["Mẫu số (max gốc, hiện có)"], 3))

    _, streets = table(wb["Tuyến phố"], "Đơn vị")
    _, categories = table(wb["Ngành hàng"], "Đơn vị")
    for unit in body:
        name = unit["Đơn vị"]
        part = [s for s in streets if s["Đơn vị"] == name and s["Tuyến phố / chợ"] != "Cộng đơn vị"]
        subtotal = next(s for s in streets if s["Đơn vị"] == name and s["Tuyến phố / chợ"] == "Cộng đơn vị")
        assert (sum(s["Số cửa hàng"] for s in part), sum(s["Có QR"] for s in part)) == counts(subtotal)
        assert counts(subtotal) == counts(unit)
        cats = [c for c in categories if c["Đơn vị"] == name and c["Ngành hàng"] != "Cộng đơn vị"]
        cat_total = next(c for c in categories if c["Đơn vị"] == name and c["Ngành hàng"] == "Cộng đơn vị")
        assert (sum(c["Số cửa hàng"] for c in cats), sum(c["Có QR"] for c in cats)) == counts(cat_total)
        assert counts(cat_total) == counts(unit)
    assert counts(streets[-1]) == counts(total) == counts(categories[-1])
    # model streets first, with their target; the formula-like name is text, not a formula
    vt_streets = [s for s in streets if s["Đơn vị"] == "Phường Vũng Tàu"]
    assert vt_streets[0]["Tuyến phố / chợ"] == "Ba Cu" and vt_streets[0]["Tuyến mẫu"] == "Tuyến mẫu"
    assert any(s["Tuyến phố / chợ"] == '\'=HYPERLINK("http://evil","x")' for s in streets)
    plan = [c for c in categories if c["Đơn vị"] == "Phường Vũng Tàu" and c["Chỉ tiêu KH 774"] == "100%"]
    assert {c["Ngành hàng"] for c in plan} >= {"Tạp hóa", "Nhà hàng", "Siêu thị"}


async def test_edition_2020_report_adds_up_to_the_same_city(client, auth, session):
    await population(session)
    h = await auth("admin")
    r = await client.get("/api/v1/reports/coverage.xlsx", params=Q | {"edition": "2020"}, headers=h)
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    _, units = table(wb["Đơn vị"], "Mã đơn vị")
    assert sum(u["Số cửa hàng"] for u in units[:-1]) == units[-1]["Số cửa hàng"] == 19
    assert any(u["Đơn vị"].startswith("Chưa xác định phường cũ") for u in units) is False  # every ward known here
    old = await client.get("/api/v1/reports/coverage.xlsx", params=Q | {"unit": "2020:26527"}, headers=h)
    _, only = table(openpyxl.load_workbook(io.BytesIO(old.content))["Đơn vị"], "Mã đơn vị")
    assert [(u["Mã đơn vị"], u["Số cửa hàng"]) for u in only] == [("2020:26527", 7), (None, 7)]


async def test_csv_is_utf8_with_bom_and_formula_safe(client, auth, session):
    _, _, current = await population(session)
    r = await client.get("/api/v1/reports/coverage.csv", params=Q, headers=await auth("auditor"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    cells = [c for line in lines for c in line]
    assert '\'=HYPERLINK("http://evil","x")' in cells and not any(c.startswith("=") for c in cells)
    day = current.day.isoformat()
    assert r.headers["content-disposition"].endswith(f'-as-of-{day}-snapshot-{current.snapshot_id}.csv"')


async def test_the_csv_starts_with_its_header_row_and_says_when_in_its_headers(client, auth, session):
    """A bank's or a ward's loader (pandas.read_csv, COPY ... CSV HEADER) takes the first row as the header."""
    _, _, current = await population(session)
    r = await client.get("/api/v1/reports/coverage.csv", params=Q, headers=await auth("auditor"))
    reader = csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))
    assert reader.fieldnames is not None and reader.fieldnames[0] == "Bảng (table)"
    assert {"Mã đơn vị", "Số cửa hàng", "Có QR", "Tỷ lệ có QR (%)", "Tuyến phố / chợ", "Ngành hàng"} <= set(
        reader.fieldnames
    )
    rows = list(reader)
    assert rows and all(None not in row and len(row) == len(reader.fieldnames) for row in rows)  # no ragged row
    assert not any("as of" in (name or "") for name in reader.fieldnames)
    units = [row for row in rows if row["Mã đơn vị"]]
    assert units and all(row["Số cửa hàng"].isdigit() for row in units)
    assert r.headers["x-snapshot-id"] == str(current.snapshot_id)
    taken = datetime.fromisoformat(r.headers["x-data-as-of"])
    assert taken.date() >= current.day and datetime.fromisoformat(r.headers["x-generated-at"]) >= taken


async def test_no_snapshot_in_the_period_is_404_and_the_future_is_refused(client, auth, session):
    h = await auth("admin")
    r = await client.get("/api/v1/reports/coverage.xlsx", params={"period": "year", "as_of": "2020-06-01"}, headers=h)
    assert r.status_code == 404 and r.json()["code"] == "snapshot_not_found"
    r = await client.get("/api/v1/reports/coverage.csv", params={"as_of": "2999-01-01"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"].endswith("as_of")
    r = await client.get("/api/v1/reports/coverage.csv", params={"period": "decade"}, headers=h)
    assert r.status_code == 422


@pytest.mark.parametrize("path", ["/api/v1/reports/coverage.xlsx", "/api/v1/reports/coverage.csv"])
async def test_banks_are_forbidden_and_agents_read_like_get_coverage(client, auth, session, path):
    await population(session)
    r = await client.get(path, params=Q, headers=await auth("bank.vcb"))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    h = await auth("agent.tamthang")
    coverage = await client.get("/api/v1/coverage", params={"unit": "2025:26506"}, headers=h)
    report = await client.get(path, params=Q | {"unit": "2025:26506"}, headers=h)
    assert report.status_code == coverage.status_code
