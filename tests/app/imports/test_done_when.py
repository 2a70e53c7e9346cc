"""Issue 19's "done when": the template filled with 200 shops and five mistakes; the dry run and the error file
show exactly those five (rows and columns); fixed in that file, imported, 200 shops pending review, each once,
even after sending the upload twice."""

from __future__ import annotations

import io
import unicodedata
import uuid

import httpx
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditLog
from app.imports.columns import COLUMNS, ERRORS_HEADER
from app.merchants.models import Merchant
from tests.app.imports.books import UNIT, shop
from tests.app.imports.test_upload import Auth, count, upload

LETTER = {c.field: chr(ord("A") + i) for i, c in enumerate(COLUMNS)}
MISTAKES = {  # spreadsheet row -> (field, bad value, fixed value)
    12: ("name", None, "Tạp hóa Số 11"),
    40: ("phone", "12345", "0900000039"),
    77: ("street", "Phố Không Có", "ba cu"),
    150: ("payment_account.account_number", "100000000010", "100000000149"),  # the account of row 12... see below
    199: ("payment_account.bank_bin", "NGANHANGX", "Vietcombank"),
}


def fill(template: bytes) -> bytes:
    book = load_workbook(io.BytesIO(template))
    ws = book["Shops"]
    for i in range(1, 201):
        row = i + 1
        values = shop(i)
        values["phone"] = 900000000 + i if i % 3 == 0 else values["phone"]  # a number cell: the leading 0 lost
        if i % 2:
            values["name"] = unicodedata.normalize("NFD", values["name"])  # typed on a Mac
        values["payment_account.account_number"] = f"1{i:011d}"
        if row in MISTAKES:
            field, bad, _ = MISTAKES[row]
            values[field] = bad
        for field, value in values.items():
            ws[f"{LETTER[field]}{row}"] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def fix(error_file: bytes) -> bytes:
    book = load_workbook(io.BytesIO(error_file))
    ws = book["Shops"]
    for row, (field, _, good) in MISTAKES.items():
        ws[f"{LETTER[field]}{row}"] = good
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_two_hundred_shops_five_mistakes(client: httpx.AsyncClient, auth: Auth, session: AsyncSession) -> None:
    h = await auth("officer.vungtau")
    t = await client.get("/api/v1/imports/template.xlsx", params={"unit": UNIT}, headers=h)
    assert t.status_code == 200
    filled = fill(t.content)

    dry = await upload(client, h, filled, dry_run=True)
    assert dry.status_code == 201, dry.text
    found = {(e["row"], e["column"], e["field"]) for e in dry.json()["errors"]}
    expected = {(row, LETTER[field], field) for row, (field, _, _) in MISTAKES.items()}
    assert found == expected, dry.json()["errors"]
    assert dry.json()["errors_total"] == 5 and dry.json()["rows_ok"] == 195
    assert await count(session) == 0

    # a real all_or_nothing run of the same file finds the same five and writes nothing either
    real = await upload(client, h, filled)
    assert real.json()["status"] == "rejected"
    assert {(e["row"], e["column"], e["field"]) for e in real.json()["errors"]} == expected
    assert await count(session) == 0

    errors = await client.get(f"/api/v1/imports/{dry.json()['id']}/errors.xlsx", headers=h)
    assert errors.status_code == 200
    ws = load_workbook(io.BytesIO(errors.content))["Shops"]
    headers = [c.value for c in ws[1]]
    err_col = headers.index(ERRORS_HEADER) + 1
    marked = {r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=err_col).value}
    assert marked == set(MISTAKES)
    for row, (field, _, _) in MISTAKES.items():
        assert ws[f"{LETTER[field]}{row}"].fill.fgColor.rgb.endswith("FFC7CE")
    assert not ws[f"{LETTER['name']}3"].fill.fgColor.rgb.endswith("FFC7CE")

    fixed = fix(errors.content)
    key = str(uuid.uuid4())
    first = await upload(client, h, fixed, key=key)
    assert first.status_code == 201, first.text
    assert (first.json()["status"], first.json()["created"], first.json()["errors_total"]) == ("done", 200, 0)
    again = await upload(client, h, fixed, key=key)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    other_key = await upload(client, h, fixed)  # the same file under a new key: every shop is already there
    assert (other_key.json()["created"], other_key.json()["unchanged"]) == (0, 200)

    shops = (await session.execute(select(Merchant).where(Merchant.name.startswith("Tạp hóa Số")))).scalars().all()  # type: ignore[attr-defined]
    assert len(shops) == 200 and {m.review_state for m in shops} == {"pending"}
    assert len({m.name for m in shops}) == 200
    assert all(unicodedata.is_normalized("NFC", m.name) for m in shops)
    assert {m.phone for m in shops if m.house_number == "3"} == {"0900000003"}  # leading zero put back
    audit = await session.execute(
        select(AuditLog.context).where(
            AuditLog.action == "merchant.create", AuditLog.device_id == f"import:{first.json()['id']}"
        )
    )
    contexts = audit.scalars().all()
    assert len(contexts) == 200
    assert all(c == {"channel": "import", "import_id": first.json()["id"]} for c in contexts)
    # maker-checker: the uploader cannot approve what they imported
    own = await client.post(f"/api/v1/merchants/{shops[0].id}/review", json={"decision": "approve"}, headers=h)
    assert own.status_code == 403 and own.json()["code"] == "self_review"
    cov = await client.get("/api/v1/coverage", params={"level": "unit", "unit": UNIT}, headers=h)
    assert cov.status_code == 200
    assert cov.json()["total"]["shops"] >= 200
