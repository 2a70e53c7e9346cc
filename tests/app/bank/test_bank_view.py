"""The bank's list and files: only consented shops at its BIN, paginated, filtered, and the files hold the list."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl

from app.bank.handoff.exports import COLUMNS, flat_row
from app.core.spreadsheet import safe_cell
from tests.app.consents.factories import bank_user, make_consent
from tests.factories import make_merchant, street_id


async def _consented(session, n, **kw):
    out = []
    for i in range(n):
        m = await make_merchant(session, name=kw.pop("name", None) or f"Quán {i}", **kw)
        await make_consent(session, m.id, kw.get("bank_bin", "970436"))
        out.append(m.id)
    return out


async def _all(client, url, headers, **params):
    items, cursor = [], None
    while True:
        query = params | {"limit": 2} | ({"cursor": cursor} if cursor else {})
        r = await client.get(url, params=query, headers=headers)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


async def test_list_scope_pagination_and_filters(client, auth, session):
    ba_cu = await street_id(session, "Ba Cu")
    on_ba_cu = await _consented(session, 3, street=ba_cu)
    elsewhere = await _consented(session, 2, unit_code="26526", unit_code_2020=None)
    await make_merchant(session, name="Chưa đồng ý")  # silence is not consent
    await _consented(session, 1, bank_bin="970415")
    h = await auth("bank.vcb")
    items = await _all(client, "/api/v1/bank/merchants", h)
    assert [i["merchant_id"] for i in items] == sorted(on_ba_cu + elsewhere)
    by_street = await _all(client, "/api/v1/bank/merchants", h, street_id=ba_cu)
    assert sorted(i["merchant_id"] for i in by_street) == sorted(on_ba_cu)
    by_unit = await _all(client, "/api/v1/bank/merchants", h, unit="2025:26526")
    assert sorted(i["merchant_id"] for i in by_unit) == sorted(elsewhere)
    bad = await client.get("/api/v1/bank/merchants?unit=26526", headers=h)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "unit"
    bad = await client.get("/api/v1/bank/merchants?cursor=!!", headers=h)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
    # GET /merchants for a bank: the same consented shops, nothing else
    listed = (await client.get("/api/v1/merchants?limit=500", headers=h)).json()["items"]
    assert sorted(m["id"] for m in listed) == sorted(on_ba_cu + elsewhere)


async def test_forbidden_cases(client, auth, session):
    ids = await _consented(session, 1)
    other = await bank_user(session)
    h_other = await auth(other)
    assert (await client.get("/api/v1/bank/merchants", headers=h_other)).json()["items"] == []
    r = await client.get("/api/v1/bank/merchants?bin=970436", headers=h_other)
    assert r.status_code == 403
    assert (await client.get(f"/api/v1/merchants/{ids[0]}", headers=h_other)).status_code == 404
    for path in ("/bank/merchants", "/bank/merchants.csv", "/bank/merchants.xlsx", "/bank/reconciliation"):
        for user in ("agent.vungtau", "officer.vungtau"):
            r = await client.get(f"/api/v1{path}", headers=await auth(user))
            assert r.status_code == 403, (path, user)
        r = await client.get(f"/api/v1{path}", headers=await auth("auditor"))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "bin", path
        r = await client.get(f"/api/v1{path}?bin=970436", headers=await auth("auditor"))
        assert r.status_code == 200, path
        assert (await client.get(f"/api/v1{path}")).status_code == 401
    admin = await client.get("/api/v1/bank/merchants?bin=970436", headers=await auth("admin"))
    assert [i["merchant_id"] for i in admin.json()["items"]] == ids


async def test_csv_and_xlsx_hold_exactly_the_list(client, auth, session):
    ba_cu = await street_id(session, "Ba Cu")
    await _consented(session, 2, street=ba_cu)
    await _consented(session, 1, name='=HYPERLINK("http://x")', street=ba_cu)
    await _consented(session, 1, name="@SUM(1)", unit_code="26526", unit_code_2020=None)
    h = await auth("bank.vcb")
    listed = await _all(client, "/api/v1/bank/merchants", h)
    expected = [[("" if v is None else str(v)) for v in flat_row(r)] for r in listed]
    assert any(row[2].startswith("'=") for row in expected) and any(row[2].startswith("'@") for row in expected)

    r = await client.get("/api/v1/bank/merchants.csv", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == list(COLUMNS)  # the header is row 1 (issue 16); when the data was taken is in the headers
    assert rows[1:] == expected
    taken = datetime.fromisoformat(r.headers["x-as-of"])
    assert taken.strftime("%Y%m%dT%H%M%SZ") in r.headers["content-disposition"]

    r = await client.get("/api/v1/bank/merchants.xlsx", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    sheet = wb.worksheets[0]
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert str(cells[0][0]).startswith("Số liệu lấy lúc (as of): ")
    assert tuple(cells[1]) == COLUMNS
    got = [
        [("" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))) for v in row]
        for row in cells[2:]
    ]
    assert got == expected
    # account numbers stay text, leading zeros and all
    acc = COLUMNS.index("account_number")
    assert all(isinstance(row[acc], str) for row in cells[2:])
    # and no cell would run as a formula
    assert all(not (isinstance(v, str) and v[:1] in "=+-@") for row in cells[2:] for v in row)
    assert safe_cell("=1") == "'=1"


async def test_filtered_and_empty_files(client, auth, session):
    await _consented(session, 2, unit_code="26526", unit_code_2020=None)
    h = await auth("bank.vcb")
    r = await client.get("/api/v1/bank/merchants.csv?unit=2025:26506", headers=h)
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8")[1:])))
    assert rows == [list(COLUMNS)]
    r = await client.get("/api/v1/bank/merchants.xlsx?unit=2025:26526", headers=h)
    cells = list(
        openpyxl.load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0].iter_rows(values_only=True)
    )
    assert len(cells) == 2 + 2
