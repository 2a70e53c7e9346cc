"""Real workbooks and CSVs of shops for the import tests: made with openpyxl, the csv module or LibreOffice."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from app.imports.columns import BY_FIELD, SHOPS_SHEET

UNIT = "2025:26506"
FIELDS = [
    "name",
    "category",
    "owner_name",
    "phone",
    "house_number",
    "street",
    "payment_account.bank_bin",
    "payment_account.account_number",
    "payment_account.account_name",
]


def shop(i: int, **over: Any) -> dict[str, Any]:
    """Row i of a ward's list: a distinct phone and account each."""
    row: dict[str, Any] = {
        "name": f"Tạp hóa Số {i}",
        "category": "grocery",
        "owner_name": f"Nguyễn Văn {i}",
        "phone": f"09{i:08d}",
        "house_number": str(i),
        "street": "Ba Cu",
        "payment_account.bank_bin": "970436",
        "payment_account.account_number": f"1{i:011d}",
        "payment_account.account_name": f"NGUYEN VAN {i}",
    }
    return row | over


def headers(fields: list[str], *, bare: bool = False) -> list[str]:
    return [f if bare else BY_FIELD[f].header for f in fields]


def xlsx(rows: list[dict[str, Any]], fields: list[str] | None = None, *, sheet: str = SHOPS_SHEET) -> bytes:
    fields = fields or FIELDS
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    ws.append(headers(fields))
    for r in rows:
        ws.append([r.get(f) for f in fields])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[dict[str, Any]], fields: list[str] | None = None, *, bare: bool = False) -> bytes:
    fields = fields or FIELDS
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(headers(fields, bare=bare))
    for r in rows:
        w.writerow(["" if r.get(f) is None else r.get(f) for f in fields])
    return out.getvalue().encode("utf-8")


def libreoffice_xlsx(data: bytes, tmp: Path) -> bytes:
    """The CSV converted by LibreOffice (`soffice --headless --convert-to xlsx`), as a ward's PC would."""
    soffice = shutil.which("soffice")
    assert soffice is not None, "LibreOffice (soffice) is needed for this test"
    src = tmp / f"shops-{uuid.uuid4().hex[:8]}.csv"
    src.write_bytes(data)
    profile = tmp / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML:UTF8",
            "--infilter=CSV:44,34,76,1",
            "--outdir",
            str(tmp),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return src.with_suffix(".xlsx").read_bytes()


def sheet_rows(data: bytes, sheet: str = SHOPS_SHEET) -> list[list[Any]]:
    ws = load_workbook(io.BytesIO(data))[sheet]
    return [list(r) for r in ws.iter_rows(values_only=True)]
