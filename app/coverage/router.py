from __future__ import annotations

import csv
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from app.auth import CoverageReader
from app.core.db import SessionDep
from app.core.spreadsheet import safe_row
from app.coverage import service
from app.coverage.schemas import CoverageReport
from app.merchants.enums import Category
from app.units.service import parse_unit_ref

router = APIRouter(tags=["coverage"])


async def _report(
    session: SessionDep,
    _: CoverageReader,
    level: Literal["unit", "street", "province"] = "unit",
    edition: Literal["2025", "2020"] = "2025",
    unit: Annotated[str | None, Query(description="edition:code, e.g. 2025:26506, or a province, 2025:79")] = None,
    category: Category | None = None,
    model: Annotated[bool, Query(description="only model streets (level=street)")] = False,
) -> CoverageReport:
    return await service.report(
        session,
        level=level,
        edition=edition,
        unit=parse_unit_ref(unit) if unit else None,
        category=category,
        model_only=model,
    )


@router.get("/coverage", response_model=CoverageReport, summary="Shops with QR over the honest denominator")
async def coverage(report: Annotated[CoverageReport, Depends(_report)]) -> CoverageReport:
    return report


@router.get(
    "/coverage.csv",
    response_class=Response,
    summary="The same figures for a spreadsheet (UTF-8 BOM)",
    responses={200: {"content": {"text/csv": {}}}},
)
async def coverage_csv(report: Annotated[CoverageReport, Depends(_report)]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        safe_row(
            [
                "cấp",
                "phiên bản",
                "mã",
                "tên",
                "số cửa hàng",
                "có QR",
                "tỷ lệ %",
                "số cửa hàng gốc",
                "mẫu số",
                "mục tiêu %",
                "hạn",
                "còn thiếu",
            ]
        )
    )
    for row in [*report.rows, report.total]:
        label = row.unit or row.street
        code = row.unit.code if row.unit else str(row.street.id) if row.street else ""
        name = label.name if label else "Tổng"
        writer.writerow(  # every cell: a street or unit named "=HYPERLINK(...)" must stay text
            safe_row(
                [
                    report.level,
                    report.edition,
                    code,
                    name,
                    row.shops,
                    row.with_qr,
                    "" if row.pct is None else row.pct,
                    row.baseline_shop_count or "",
                    row.denominator,
                    row.target_pct or "",
                    row.target_date or "",
                    "" if row.gap_to_target is None else row.gap_to_target,
                ]
            )
        )
    filename = f"coverage-{report.level}-{report.edition}.csv"
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
