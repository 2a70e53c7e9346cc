"""An uploaded file as rows of the Shops sheet, streamed (expat over the sheet XML, csv reader), or a clear problem.

Every way a file can be wrong before its rows are read is a 422 naming it (`field: "file"`): not a spreadsheet,
an encrypted workbook, formulas, merged header cells, no Shops sheet, no known column, more rows than the limit.
Nothing here touches the database.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from defusedxml import ElementTree  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter

from app.core.errors import PayloadTooLarge, ValidationFailed
from app.imports import xlsx_rows
from app.imports.columns import BY_FIELD, ERRORS_FIELD, SHOPS_SHEET, field_of

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::[A-Z]+(\d+))?"')
# a cell (<c r="B7" ...>) whose first child is a formula (<f>, <f t="shared" .../>)
_FORMULA = re.compile(rb'<(?:\w+:)?c\s[^>]*?r="([A-Z]+\d+)"[^>]*>\s*<(?:\w+:)?f[\s>/]')


def bad_file(code: str, vi: str, en: str) -> ValidationFailed:
    return ValidationFailed("file", vi, en, code=code)


@dataclass(slots=True)
class Sheet:
    """The Shops sheet: its name, the kind of file, which column holds which field, and its data rows."""

    name: str
    kind: str  # "xlsx" | "csv"
    columns: dict[int, str]  # 0-based column index -> API field
    rows: Iterator[tuple[int, list[Any]]]  # (spreadsheet row number, cell values)
    letters: dict[str, str] = field(default_factory=dict)  # API field -> column letter

    def __post_init__(self) -> None:
        self.letters = {f: get_column_letter(i + 1) for i, f in self.columns.items()}


def kind_of(data: bytes) -> str:
    if data.startswith(_ZIP):
        return "xlsx"
    if data.startswith(_OLE):
        if _ENCRYPTED in data:
            raise bad_file(
                "import_file_encrypted",
                "Tệp được đặt mật khẩu: hãy bỏ mật khẩu rồi gửi lại",
                "The workbook is password-protected: remove the password and upload again",
            )
        raise bad_file(
            "import_file_unreadable",
            "Tệp Excel cũ (.xls): hãy lưu thành .xlsx",
            "An old Excel file (.xls): save it as .xlsx",
        )
    if b"\x00" in data[:4096]:
        raise bad_file("import_file_unreadable", "Không phải tệp XLSX hay CSV", "Neither an XLSX nor a CSV file")
    return "csv"


def _columns(header: list[Any]) -> dict[int, str]:
    found: dict[int, str] = {}
    for i, cell in enumerate(header):
        name = field_of(cell)
        if name is not None and name != ERRORS_FIELD and name not in found.values():
            found[i] = name
    missing = [f for f, c in BY_FIELD.items() if c.required and f not in found.values()]
    if missing:
        raise bad_file(
            "import_header_missing",
            f"Dòng tiêu đề thiếu cột: {', '.join(missing)} (dùng tệp mẫu)",
            f"The header row lacks the columns: {', '.join(missing)} (use the template)",
        )
    return found


def _blank(values: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _limited(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    count = 0
    for number, values in rows:
        if _blank(values):
            continue
        count += 1
        if count > MAX_ROWS:
            raise bad_file(
                "import_too_many_rows",
                f"Tệp có hơn {MAX_ROWS:,} dòng: hãy chia thành nhiều tệp",
                f"More than {MAX_ROWS:,} rows: split the file",
            )
        yield number, values


def read_csv(data: bytes) -> Sheet:
    text = codecs.iterdecode(iter([data]), "utf-8-sig")
    try:
        reader = csv.reader(_lines(text))
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise bad_file("import_file_unreadable", "CSV phải là UTF-8", "The CSV must be UTF-8") from exc
    if header is None:
        raise bad_file("import_header_missing", "Tệp trống", "The file is empty")
    columns = _columns(header)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for values in reader:
                yield reader.line_num, [v if v != "" else None for v in values]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise bad_file("import_file_unreadable", "CSV phải là UTF-8", "The CSV must be UTF-8") from exc

    return Sheet(SHOPS_SHEET, "csv", columns, _limited(rows()))


def _lines(chunks: Iterator[str]) -> Iterator[str]:
    for chunk in chunks:
        yield from io.StringIO(chunk, newline="")


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@dataclass(slots=True)
class _Book:
    sheets: dict[str, str | None]  # sheet name -> its part's path in the archive
    strings: str | None  # the shared strings part
    epoch: datetime


def _target(target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _book(archive: zipfile.ZipFile) -> _Book:
    """The workbook's sheets (by name, in order), its shared strings part and its calendar."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = {
        r.get("Id"): (r.get("Type") or "", r.get("Target") or "")
        for r in ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    }
    sheets: dict[str, str | None] = {}
    for node in book.iter(f"{_MAIN}sheet"):
        rel = rels.get(node.get(_REL_ID))
        sheets[node.get("name") or ""] = _target(rel[1]) if rel else None
    strings = next((_target(t) for kind, t in rels.values() if kind.endswith("/sharedStrings")), None)
    return _Book(sheets, strings, xlsx_rows.epoch(book))


def _scan(archive: zipfile.ZipFile, path: str | None) -> tuple[bool, str | None]:
    """(a merged range touches row 1, the first cell holding a formula), streamed over the sheet XML in C-speed
    regex passes, so the rows are then read as plain values."""
    if path is None or path not in archive.namelist():
        return False, None
    tail, merged, formula = b"", False, None
    with archive.open(path) as stream:
        while chunk := stream.read(1 << 20):
            window = tail + chunk
            merged = merged or any(int(m.group(2)) <= 1 for m in _MERGE.finditer(window))
            if formula is None and (f := _FORMULA.search(window)):
                formula = f.group(1).decode()
            tail = window[-300:]
    return merged, formula


def read_xlsx(data: bytes) -> Sheet:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        book = _book(archive)
        dates, durations = xlsx_rows.date_styles(archive)
    except Exception as exc:  # a broken archive or part fails in many ways; every one is a bad file
        raise bad_file("import_file_unreadable", "Không đọc được tệp XLSX", "The XLSX file cannot be read") from exc
    names = list(book.sheets)
    name = SHOPS_SHEET if SHOPS_SHEET in names else (names[0] if len(names) == 1 else None)
    if name is None:
        raise bad_file(
            "import_sheet_missing",
            f"Không có trang '{SHOPS_SHEET}' (dùng tệp mẫu)",
            f"No '{SHOPS_SHEET}' sheet (use the template)",
        )
    path = book.sheets[name]
    merged, formula = _scan(archive, path)
    if merged:
        raise bad_file("import_header_merged", "Dòng tiêu đề có ô gộp: hãy bỏ gộp ô", "The header row has merged cells")
    if formula is not None:
        raise bad_file(
            "import_file_formulas",
            f"Ô {formula} chứa công thức: hãy dán giá trị (Paste Values) rồi gửi lại",
            f"Cell {formula} holds a formula: paste values instead and upload again",
        )

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            if path is None or path not in archive.namelist():
                raise KeyError(path)
            strings = xlsx_rows.shared_strings(archive, book.strings)
            yield from xlsx_rows.rows(archive, path, strings, dates, durations, book.epoch)
        except (xlsx_rows.XlsxRefused, ValueError, IndexError, KeyError, zipfile.BadZipFile, EOFError) as exc:
            raise bad_file("import_file_unreadable", "Không đọc được tệp XLSX", "The XLSX file cannot be read") from exc

    cells = rows()
    first = next(cells, None)
    if first is None:
        raise bad_file("import_header_missing", "Trang Shops trống", "The Shops sheet is empty")
    columns = _columns(first[1])
    return Sheet(name, "xlsx", columns, _limited(cells))


def read(data: bytes) -> Sheet:
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge("Tệp lớn hơn 10 MB", "The file is larger than 10 MB")
    if not data:
        raise bad_file("import_header_missing", "Tệp trống", "The file is empty")
    return read_xlsx(data) if kind_of(data) == "xlsx" else read_csv(data)
