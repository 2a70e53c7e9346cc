"""The report as CSV: UTF-8 with a BOM (Excel opens it in Vietnamese), ONE table whose first row is its header,
so a loader (`pandas.read_csv`, `COPY ... CSV HEADER`) reads it unchanged: the first column names the report's
table a row belongs to (units, streets, categories), the others are the union of the tables' columns, empty
where a table has no such column. When the data was taken goes in the response headers (`data_headers`) and the
file name (`csv_filename`), not in the file; the XLSX keeps its title lines. Percentages are numbers (0-100) in
columns headed with %; text cells are formula-safe."""

from __future__ import annotations

import csv
import io
from typing import Any

from app.core.spreadsheet import safe_row
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


TABLE_HEADING = "Bảng (table)"


def render_csv(report: Report) -> str:
    headings: list[str] = []
    for table in report.tables:
        headings += [h for h in (_heading(c) for c in table.columns) if h not in headings]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([TABLE_HEADING, *headings])
    for table in report.tables:
        for row in table.rows:
            cells = {_heading(c): _cell(c, row.get(c.key)) for c in table.columns}
            writer.writerow(safe_row([table.title, *(cells.get(h, "") for h in headings)]))
    return "\ufeff" + out.getvalue()


def data_headers(report: Report) -> dict[str, str]:
    """When the report's data was taken (the snapshot) and made, for the response beside the file."""
    return {
        "X-Data-As-Of": report.snapshot_taken_at.isoformat(timespec="seconds"),
        "X-Generated-At": report.generated_at.isoformat(timespec="seconds"),
        "X-Snapshot-Id": str(report.snapshot_id),
    }


def csv_filename(stem: str, report: Report) -> str:
    """`stem` with the day the data was taken: bao-cao-qr-2026-H2-as-of-2026-12-01-snapshot-7.csv."""
    head, _, tail = stem.rpartition(f"-snapshot-{report.snapshot_id}")
    return f"{head}-as-of-{report.snapshot_day.isoformat()}-snapshot-{report.snapshot_id}{tail}.csv"
