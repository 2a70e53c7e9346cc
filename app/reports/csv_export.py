"""The report as CSV: UTF-8 with a BOM (Excel opens it in Vietnamese), the taken-at line first, then each
table under its title. Percentages are numbers (0-100) in columns headed with %; text cells are formula-safe."""

from __future__ import annotations

import csv
import io
from typing import Any

from app.core.spreadsheet import safe_row, taken_at_line
from app.reports.model import Column, Report


def _cell(col: Column, value: Any) -> Any:
    if value is None:
        return ""
    if col.kind in ("pct", "change_pct"):
        return round(value * 100, 1)
    if col.kind == "date":
        return value.isoformat()
    return value


def _heading(col: Column) -> str:
    return f"{col.heading} (%)" if col.kind in ("pct", "change_pct") else col.heading


def render_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(safe_row([taken_at_line(report.generated_at)]))
    for line in report.preamble():
        writer.writerow(safe_row([line]))
    for table in report.tables:
        writer.writerow([])
        writer.writerow(safe_row([table.title]))
        writer.writerow([_heading(c) for c in table.columns])
        for row in table.rows:
            writer.writerow(safe_row([_cell(c, row.get(c.key)) for c in table.columns]))
    return "\ufeff" + out.getvalue()
