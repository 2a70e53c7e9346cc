"""The error file: the uploaded workbook itself, plus a `Lỗi (errors)` column and the bad cells highlighted.

The officer fixes the cells in this file and uploads it again: the error column is ignored on upload, and an
error file of an error file reuses its column. A CSV upload comes back as a workbook of the same rows.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections import defaultdict
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet.worksheet import Worksheet

from app.core.errors import AppError
from app.imports.columns import ERRORS_FIELD, ERRORS_HEADER, SHOPS_SHEET, field_of
from app.imports.models import ImportJob
from app.imports.reading import kind_of

BAD = PatternFill("solid", fgColor="FFC7CE")
NONE = PatternFill(fill_type=None)


def _text_cell(cell: Cell | MergedCell, value: Any) -> None:
    """A literal value, never a formula, whatever the uploaded text starts with."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def _from_csv(content: bytes) -> Workbook:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = SHOPS_SHEET
    text = "".join(codecs.iterdecode(iter([content]), "utf-8-sig"))
    for r, values in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        for c, value in enumerate(values, start=1):
            _text_cell(ws.cell(row=r, column=c), value if value != "" else None)
    return book


def _sheet(book: Workbook, name: str) -> Worksheet:
    if name in book.sheetnames:
        return book[name]
    ws = book.worksheets[0]
    return ws


def _error_column(ws: Worksheet) -> int:
    for cell in ws[1]:
        if field_of(cell.value) == ERRORS_FIELD:
            return int(cell.column or 0)
    return int(ws.max_column) + 1


class ImportFilePruned(AppError):
    status, code = 410, "import_file_pruned"


def build(job: ImportJob) -> bytes:
    if job.pruned_at is not None:  # app.imports.retention
        raise ImportFilePruned(
            "Tệp đã tải lên và lỗi của nó đã được xóa sau thời hạn lưu giữ",
            "The uploaded file and its errors were deleted after the retention period",
        )
    errors: list[dict[str, Any]] = json.loads(job.errors)
    book = load_workbook(io.BytesIO(job.content)) if kind_of(job.content) == "xlsx" else _from_csv(job.content)
    ws = _sheet(book, errors[0]["sheet"] if errors else SHOPS_SHEET)
    column = _error_column(ws)
    header = ws.cell(row=1, column=column)
    _text_cell(header, ERRORS_HEADER)
    header.font = Font(bold=True, color="9C0006")
    header.fill = BAD
    for row in range(2, ws.max_row + 1):  # an error file uploaded again: last round's marks go
        ws.cell(row=row, column=column).value = None
        for cell in ws[row]:
            if cell.fill == BAD:
                cell.fill = NONE
    by_row: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in errors:
        by_row[int(e["row"])].append(e)
    for row, found in by_row.items():
        lines = []
        for e in found:
            where = f"{e['column']}: " if e.get("column") else ""
            lines.append(f"{where}{e['message']} / {e['message_en']} ({e['field']})")
            if e.get("column"):
                cell = ws.cell(row=row, column=column_index_from_string(e["column"]))
                cell.fill = BAD
                cell.comment = Comment(f"{e['message']} / {e['message_en']}", "PhoQR")
        _text_cell(ws.cell(row=row, column=column), "\n".join(lines))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
