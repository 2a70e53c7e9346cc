"""The import's own XLSX row reader (app.imports.xlsx_rows) gives what openpyxl's read-only reader gives.

Each workbook is read both ways: openpyxl (`load_workbook(read_only=True)`, `iter_rows(values_only=True)`) and
app.imports.reading (which uses the expat reader); rows are compared with openpyxl's trailing padding removed.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from app.core.errors import ValidationFailed
from app.imports import reading
from app.imports.columns import BY_FIELD, SHOPS_SHEET
from tests.app.imports.books import FIELDS, csv_bytes, libreoffice_xlsx, shop, xlsx


def _trimmed(values: list[Any] | tuple[Any, ...]) -> list[Any]:
    out = list(values)
    while out and out[-1] is None:
        out.pop()
    return out


def openpyxl_rows(data: bytes) -> list[tuple[int, list[Any]]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    ws = book[SHOPS_SHEET] if SHOPS_SHEET in book.sheetnames else book.worksheets[0]
    rows = [(n, _trimmed(r)) for n, r in enumerate(ws.iter_rows(values_only=True), start=1)]
    book.close()
    return [(n, r) for n, r in rows[1:] if r]


def our_rows(data: bytes) -> list[tuple[int, list[Any]]]:
    return [(n, _trimmed(r)) for n, r in reading.read(data).rows]


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_sheet(data: bytes, change: Any) -> bytes:
    """The workbook with its first sheet's XML passed through `change` (text in, text out)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    part = "xl/worksheets/sheet1.xml"
    parts[part] = change(parts[part].decode()).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return out.getvalue()


def _mixed_book(*, date1904: bool = False, write_only: bool = False) -> bytes:
    book = Workbook(write_only=write_only)
    if date1904:
        book.epoch = datetime(1904, 1, 1)  # type: ignore[attr-defined]
    ws = book.create_sheet(SHOPS_SHEET) if write_only else book.active
    assert ws is not None
    if not write_only:
        ws.title = SHOPS_SHEET
    ws.append([BY_FIELD[f].header for f in FIELDS] + ["Ngày (date)", "Giờ", "Cờ", "Số thực"])
    nfd = unicodedata.normalize("NFD", "Tạp hóa Đức Ấn")
    rows: list[list[Any]] = [
        [nfd, "grocery", "Nguyễn Văn A", 912345678, "12/3", "Ba Cu", 970436, 12345678901, "NGUYEN VAN A"],
        ["  spaces kept  ", None, "x", "0912345678", None, "Ba Cu", "VCB", "0001", "@SUM(1) -2+3"],
        ["Row with date", "grocery", "B", 1.5, "7", "Ba Cu", "VCB", 1e20, "B"],
    ]
    extras: list[list[Any]] = [
        [datetime(2026, 12, 3, 8, 30), time(7, 15), True, 3.25],
        [date(1999, 1, 31), timedelta(hours=30), False, -0.001],
        [datetime(1904, 1, 2), None, None, 12345678901234567],
    ]
    for r, e in zip(rows, extras, strict=True):
        ws.append(r + e)
    if not write_only:
        ws.append([])  # a blank row in the middle
        ws.cell(row=10, column=3, value="after a gap")
        ws.cell(row=10, column=1, value="Cửa hàng 10")
    return _save(book)


@pytest.mark.parametrize(
    "make",
    [
        lambda: xlsx([shop(i) for i in range(1, 30)]),
        lambda: _mixed_book(),
        lambda: _mixed_book(write_only=True),
        lambda: _mixed_book(date1904=True),
    ],
    ids=["template-shaped", "mixed-values", "write-only", "1904-calendar"],
)
def test_rows_equal_openpyxl(make: Any) -> None:
    data = make()
    ours = our_rows(data)
    assert ours == openpyxl_rows(data)
    assert ours  # the workbook has rows: the comparison compared something


def test_rich_text_and_inline_strings_read_as_their_plain_text() -> None:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = SHOPS_SHEET
    ws.append([BY_FIELD[f].header for f in FIELDS])
    rich = CellRichText(["Tạp ", TextBlock(InlineFont(b=True), "hóa"), " Bà Năm"])
    ws.append([rich, "grocery", "Bà Năm"])
    data = _save(book)
    assert our_rows(data) == openpyxl_rows(data) == [(2, ["Tạp hóa Bà Năm", "grocery", "Bà Năm"])]
    # C2 as an inline string with runs and a phonetic guide (<c t="inlineStr"><is><r><t>...), as exporters write it
    cell = re.compile(r'<c r="C2"[^>]*>.*?</c>')
    inline = '<c r="C2" t="inlineStr"><is><r><t>Bà </t></r><r><t>Năm</t></r><rPh sb="0" eb="1"><t>x</t></rPh></is></c>'

    def to_inline(sheet: str) -> str:
        assert cell.search(sheet)
        return cell.sub(inline, sheet)

    assert our_rows(_with_sheet(data, to_inline))[0][1][2] == "Bà Năm"


def test_libreoffice_workbook_reads_as_openpyxl_reads_it(tmp_path: Path) -> None:
    data = libreoffice_xlsx(csv_bytes([shop(i) for i in range(1, 6)] + [shop(9, phone="0912000111")]), tmp_path)
    ours = our_rows(data)
    assert len(ours) == 6
    assert ours == openpyxl_rows(data)


def test_a_document_type_declaration_is_refused_as_an_unreadable_file() -> None:
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'

    def with_dtd(sheet: str) -> str:
        head, end, body = sheet.partition("?>") if sheet.startswith("<?xml") else ("", "", sheet)
        return head + end + bomb + body

    data = _with_sheet(xlsx([shop(1)]), with_dtd)
    with pytest.raises(ValidationFailed) as caught:
        list(reading.read(data).rows)
    assert caught.value.errors[0].field == "file"
    assert caught.value.code == "import_file_unreadable"


def test_cells_far_to_the_right_are_not_read() -> None:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = SHOPS_SHEET
    ws.append([BY_FIELD[f].header for f in FIELDS])
    ws.append(["Tạp hóa Xa", "grocery"])
    ws.cell(row=2, column=16384, value="far away")  # XFD2: the last column a sheet has
    ws.cell(row=2, column=256, value="the last read")
    (number, values), *_ = our_rows(_save(book))
    assert number == 2 and len(values) == 256 and values[-1] == "the last read"
