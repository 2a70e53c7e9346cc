"""Files as wards have them: bad ones get a clear problem (never a 500), odd but honest ones import."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.consents.models import Consent
from app.imports import reading
from app.merchants.models import Merchant
from tests.app.imports.books import FIELDS, csv_bytes, libreoffice_xlsx, shop, xlsx
from tests.app.imports.test_upload import XLSX, Auth, count, upload


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _formula() -> bytes:
    book = load_workbook(io.BytesIO(xlsx([shop(1)])))
    book["Shops"]["A2"] = '=CONCAT("Tạp"," hóa")'
    return _save(book)


def _merged() -> bytes:
    book = load_workbook(io.BytesIO(xlsx([shop(1)])))
    book["Shops"].merge_cells("A1:B1")
    return _save(book)


def _two_sheets() -> bytes:
    book = load_workbook(io.BytesIO(xlsx([shop(1)], sheet="Danh sách")))
    book.create_sheet("Khác")
    return _save(book)


def _encrypted() -> bytes:
    """What Excel writes for a password-protected workbook: an OLE compound file holding EncryptionInfo."""
    return reading._OLE + b"\x00" * 500 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 500


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"%PDF-1.7\n\x00\x01binary", 422, "import_file_unreadable"),
        (b"PK\x03\x04 not really a zip", 422, "import_file_unreadable"),
        (reading._OLE + b"\x00" * 600, 422, "import_file_unreadable"),
        (_encrypted(), 422, "import_file_encrypted"),
        (_formula(), 422, "import_file_formulas"),
        (_merged(), 422, "import_header_merged"),
        (_two_sheets(), 422, "import_sheet_missing"),
        (xlsx([shop(1)], ["owner_name", "phone"]), 422, "import_header_missing"),
        (b"", 422, "import_header_missing"),
        ("tên,loại\n".encode("cp1258", "replace") + b"\xff\xfe\xfa", 422, "import_file_unreadable"),
    ],
    ids=[
        "pdf",
        "broken-zip",
        "xls",
        "encrypted",
        "formula",
        "merged-header",
        "no-shops-sheet",
        "no-columns",
        "empty",
        "not-utf8",
    ],
)
async def test_a_bad_file_is_a_clear_problem(
    client: httpx.AsyncClient, auth: Auth, session: AsyncSession, data: bytes, status: int, code: str
) -> None:
    r = await upload(client, await auth("officer.vungtau"), data)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code and r.json()["errors"][0]["field"] == "file"


async def test_more_rows_than_the_limit_is_refused_before_anything_is_written(
    client: httpx.AsyncClient, auth: Auth, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    r = await upload(client, await auth("officer.vungtau"), csv_bytes([shop(i) for i in range(1, 5)]), name="a.csv")
    assert r.status_code == 422 and r.json()["code"] == "import_too_many_rows"
    assert await count(session) == 0


async def test_a_file_over_10_mb_is_413(client: httpx.AsyncClient, auth: Auth) -> None:
    r = await upload(client, await auth("officer.vungtau"), b"name\n" + b"x" * (10 * 1024 * 1024 + 10), name="a.csv")
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


async def test_libreoffice_workbook_of_a_csv_imports(
    client: httpx.AsyncClient, auth: Auth, session: AsyncSession, tmp_path: Path
) -> None:
    rows = [shop(i, name=unicodedata.normalize("NFD", f"Cà phê Đức {i}"), category="cafe") for i in range(1, 4)]
    data = libreoffice_xlsx(csv_bytes(rows), tmp_path)
    assert zipfile.is_zipfile(io.BytesIO(data))
    r = await upload(client, await auth("officer.vungtau"), data)
    assert r.status_code == 201, r.text
    assert (r.json()["created"], r.json()["errors_total"]) == (3, 0), r.json()["errors"]
    names = (await session.execute(select(Merchant.name).where(Merchant.name.startswith("Cà phê Đức")))).scalars().all()  # type: ignore[attr-defined]
    assert sorted(names) == [f"Cà phê Đức {i}" for i in range(1, 4)]  # NFC, though sent NFD


async def test_libreoffice_turns_a_formula_looking_name_into_a_formula_and_the_file_is_refused(
    client: httpx.AsyncClient, auth: Auth, tmp_path: Path
) -> None:
    data = libreoffice_xlsx(csv_bytes([shop(1, name="=1+2")]), tmp_path)
    r = await upload(client, await auth("officer.vungtau"), data)
    assert r.status_code == 422 and r.json()["code"] == "import_file_formulas"


async def test_formula_injection_in_a_csv_name_stays_text_in_the_error_file(
    client: httpx.AsyncClient, auth: Auth, session: AsyncSession
) -> None:
    h = await auth("officer.vungtau")
    evil = '=HYPERLINK("http://evil.example","Tạp hóa")'
    data = csv_bytes([shop(1, name=evil, phone="123"), shop(2)])
    r = await upload(client, h, data, name="a.csv", dry_run=True)
    assert r.json()["errors_total"] == 1
    errors = await client.get(f"/api/v1/imports/{r.json()['id']}/errors.xlsx", headers=h)
    assert errors.headers["content-type"] == XLSX
    cell = load_workbook(io.BytesIO(errors.content))["Shops"]["A2"]
    assert cell.data_type == "s" and cell.value == evil  # a literal string, never evaluated


async def test_excel_dates_numbers_and_bare_headers(
    client: httpx.AsyncClient, auth: Auth, session: AsyncSession
) -> None:
    """Phone and account stored as numbers, consent given on an Excel date cell; headers are bare field names."""
    fields = [*FIELDS, "consent.agreed", "consent.text_version", "consent.given_at", "tax_code", "einvoice_method"]
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "Shops"
    ws.append(fields)
    values = shop(1, phone=901234567, **{"payment_account.account_number": 19036512345678})
    values |= {"consent.agreed": "Có", "consent.text_version": 1, "consent.given_at": datetime(2026, 11, 30, 9, 0)}
    values |= {"tax_code": 77185001234, "einvoice_method": "cash_register"}
    ws.append([values.get(f) for f in fields])
    r = await upload(client, await auth("officer.vungtau"), _save(book))
    assert r.status_code == 201 and r.json()["created"] == 1, (
        r.json()["errors"][0]["message_en"],
        r.json()["errors"][0]["code"],
    )
    m = (await session.execute(select(Merchant).where(Merchant.name == "Tạp hóa Số 1"))).scalar_one()
    assert (m.phone, m.tax_code, m.einvoice_method) == ("0901234567", "077185001234", "cash_register")
    consent = (await session.execute(select(Consent).where(Consent.merchant_id == m.id))).scalar_one()
    assert consent.text_version == 1 and consent.channel == "paper_form"
    assert consent.given_by_name == "Nguyễn Văn 1"
    assert consent.given_at.date().isoformat() == "2026-11-30"


async def test_no_consent_unless_the_file_says_the_owner_agreed(
    client: httpx.AsyncClient, auth: Auth, session: AsyncSession
) -> None:
    fields = [*FIELDS, "consent.agreed", "consent.text_version"]
    rows = [shop(1, **{"consent.agreed": "không", "consent.text_version": 1}), shop(2, **{"consent.text_version": 1})]
    rows.append(shop(3, **{"consent.agreed": "có"}))  # agreed, but to which text?
    r = await upload(client, await auth("officer.vungtau"), xlsx(rows, fields), mode="valid_rows")
    assert r.json()["created"] == 2
    assert [(e["row"], e["field"], e["code"]) for e in r.json()["errors"]] == [
        (4, "consent.text_version", "consent_text_required")
    ]
    assert (await session.execute(select(Consent))).scalars().all() == []
