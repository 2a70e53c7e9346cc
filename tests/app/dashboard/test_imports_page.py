"""The import page as an officer uses it: upload, errors table, error file, the same form sent twice."""

from __future__ import annotations

import io
import re

import httpx
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from tests.app.dashboard.support import csrf_of, sign_in
from tests.app.imports.books import shop, xlsx
from tests.app.imports.test_upload import count


def _key(html: str) -> str:
    return re.search(r'name="key" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


async def test_an_officer_uploads_sees_the_errors_and_gets_the_error_file(
    web: httpx.AsyncClient, session: AsyncSession
) -> None:
    await sign_in(web, "officer.vungtau")
    page = await web.get("/dashboard/imports", params={"lang": "en"})
    assert page.status_code == 200 and "<script" not in page.text
    assert "Template" in page.text and "/dashboard/imports/template.xlsx?unit=2025%3A26506" in page.text
    form = {"csrf_token": csrf_of(page.text), "key": _key(page.text), "unit": "2025:26506", "mode": "valid_rows"}
    data = xlsx([shop(1), shop(2, phone="12"), shop(3)])
    r = await web.post("/dashboard/imports", data=form, files={"file": ("shops.xlsx", data)})
    assert r.status_code == 303
    again = await web.post("/dashboard/imports", data=form, files={"file": ("shops.xlsx", data)})
    assert again.headers["location"] == r.headers["location"]  # the same form twice: one import
    result = await web.get(r.headers["location"])
    assert 'data-status="done"' in result.text and 'data-row="3"' in result.text
    assert "Số điện thoại Việt Nam" in result.text or "số điện thoại" in result.text.lower()
    assert await count(session) == 2
    link = re.search(r'href="(/dashboard/imports/[^"]+/errors.xlsx)"', result.text).group(1)  # type: ignore[union-attr]
    errors = await web.get(link)
    ws = load_workbook(io.BytesIO(errors.content))["Shops"]
    assert ws.cell(row=1, column=ws.max_column).value == "Lỗi (errors)" and ws.cell(row=3, column=ws.max_column).value


async def test_a_bad_file_is_shown_on_the_page_and_the_form_needs_its_token(web: httpx.AsyncClient) -> None:
    await sign_in(web, "officer.vungtau")
    page = await web.get("/dashboard/imports")
    form = {"csrf_token": csrf_of(page.text), "key": _key(page.text), "unit": "2025:26506"}
    bad = await web.post("/dashboard/imports", data=form, files={"file": ("a.pdf", b"%PDF\x00\x01")})
    assert bad.status_code == 422 and "data-problem" in bad.text
    forged = await web.post(
        "/dashboard/imports", data=form | {"csrf_token": "x"}, files={"file": ("a.xlsx", xlsx([shop(1)]))}
    )
    assert forged.status_code == 403


async def test_signed_out_is_sent_to_sign_in(web: httpx.AsyncClient) -> None:
    r = await web.get("/dashboard/imports")
    assert r.status_code == 303 and r.headers["location"].startswith("/dashboard/login")
