from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from app.auth import CoverageReader
from app.core.db.replica import ReadSessionDep
from app.reports.csv_export import csv_filename, data_headers, render_csv
from app.reports.model import Report
from app.reports.service import build_report
from app.reports.xlsx import render_xlsx
from app.units.service import parse_unit_ref

router = APIRouter(tags=["reports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _report(
    session: ReadSessionDep,
    _: CoverageReader,
    edition: Literal["2025", "2020"] = "2025",
    unit: Annotated[
        str | None, Query(description="edition:code, e.g. 2025:26506, or a province, 2025:79; none = the whole city")
    ] = None,
    level: Annotated[
        Literal["unit", "province"], Query(description="unit rows per commune, or per province (summed communes)")
    ] = "unit",
    period: Literal["month", "half_year", "year"] = "half_year",
    as_of: Annotated[date | None, Query(description="a day of the period; default today (Vietnam)")] = None,
) -> Report:
    return await build_report(
        session,
        edition=edition,
        unit=parse_unit_ref(unit) if unit else None,
        period=period,
        as_of=as_of,
        level=level,
    )


def _headers(report: Report, ext: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{report.filename_stem}.{ext}"',
        "X-Snapshot-Id": str(report.snapshot_id),
        "Cache-Control": "private, no-store",
    }


@router.get(
    "/reports/coverage.xlsx",
    response_class=Response,
    summary="The periodic coverage report (per unit, street, category; change since the previous period)",
    responses={200: {"content": {XLSX: {}}}},
)
async def coverage_xlsx(report: Annotated[Report, Depends(_report)]) -> Response:
    return Response(render_xlsx(report), media_type=XLSX, headers=_headers(report, "xlsx"))


@router.get(
    "/reports/coverage.csv",
    response_class=Response,
    summary="The same report as CSV (UTF-8 with BOM)",
    responses={200: {"content": {"text/csv": {}}}},
)
async def coverage_csv(report: Annotated[Report, Depends(_report)]) -> Response:
    headers = _headers(report, "csv") | data_headers(report)
    headers["Content-Disposition"] = f'attachment; filename="{csv_filename(report.filename_stem, report)}"'
    return Response(render_csv(report), media_type="text/csv; charset=utf-8", headers=headers)
