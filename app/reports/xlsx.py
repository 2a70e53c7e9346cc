"""The report as an XLSX workbook formatted for printing: one sheet per table, A4 landscape, fit to width,
heading row frozen and repeated on every printed page, percentages as numbers formatted as %, and every
cell that holds text passed through `safe_cell` (no shop or street name is ever read as a formula)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.core.spreadsheet import safe_cell, taken_at_line
from app.reports.model import Column, Report, Table

# a change of percentage points is a fraction too: +5.0% reads "five points more"
FORMATS = {"int": "#,##0", "pct": "0.0%", "change_pct": "+0.0%;-0.0%;0.0%", "date": "DD/MM/YYYY"}
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DDE7F0")
STYLE_FILL = {"subtotal": PatternFill("solid", fgColor="F2F2F2"), "total": PatternFill("solid", fgColor="E2EFDA")}


def _preamble(ws: Worksheet, report: Report, table: Table) -> int:
    lines = [*report.preamble(), f"Bảng: {table.title}", taken_at_line(report.generated_at)]
    for i, line in enumerate(lines, start=1):
        cell = ws.cell(row=i, column=1, value=safe_cell(line))
        cell.font = Font(bold=i == 1, size=14 if i == 1 else 10)
    return len(lines) + 2  # a blank row, then the heading row


def _write_table(ws: Worksheet, report: Report, table: Table) -> None:
    head = _preamble(ws, report, table)
    for j, col in enumerate(table.columns, start=1):
        cell = ws.cell(row=head, column=j, value=col.heading)
        cell.font, cell.fill, cell.border = Font(bold=True), HEAD_FILL, BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[get_column_letter(j)].width = col.width
    ws.row_dimensions[head].height = 45
    for i, row in enumerate(table.rows, start=head + 1):
        style = row.get("_style", "")
        for j, col in enumerate(table.columns, start=1):
            cell = ws.cell(row=i, column=j, value=_value(col, row.get(col.key)))
            cell.border = BOX
            if col.kind in FORMATS:
                cell.number_format = FORMATS[col.kind]
            if style in ("subtotal", "total"):
                cell.font, cell.fill = Font(bold=True), STYLE_FILL[style]
            elif style == "note":
                cell.font = Font(italic=True)
            if col.kind == "text":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(row=head + 1, column=1)  # type: ignore[assignment]  # a Cell: the setter takes one
    ws.print_title_rows = f"{head}:{head}"
    ws.auto_filter.ref = f"A{head}:{get_column_letter(len(table.columns))}{head + len(table.rows)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[union-attr]  # always set on a new workbook; stubs say optional
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = f"Bản chụp số {report.snapshot_id} - trang &P/&N"  # type: ignore[union-attr]  # always set on a new workbook; stubs say optional
    ws.oddHeader.right.text = f"{report.period_title} ({report.period_label})"  # type: ignore[union-attr]  # always set on a new workbook; stubs say optional


def _value(col: Column, value: Any) -> Any:
    if value is None or value == "":
        return None
    return safe_cell(value) if col.kind == "text" else value


def render_xlsx(report: Report) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]  # always set on a new workbook; stubs say optional
    for table in report.tables:
        _write_table(wb.create_sheet(table.name), report, table)
    wb.properties.title = f"Báo cáo QR {report.period_label}"
    wb.properties.subject = f"snapshot {report.snapshot_id}"
    wb.properties.creator = "PhoQR"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
