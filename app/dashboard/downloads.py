"""The periodic report as a file from the dashboard: the workbook and CSV `GET /reports/coverage.xlsx|csv`
serve, built by the same `app.reports` functions, for a unit of the signed-in user's scope.

The scope is the dashboard's: a unit outside it is 404 like its page; the whole city is for city-wide roles
only (403 for the others). Every cell is the API's but the line saying when the file was generated; only the
file name differs, naming the unit and the period in ASCII so every phone and mail client keeps it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.core.config import get_settings
from app.core.editions import EDITIONS, Edition
from app.core.errors import AppError, Forbidden, ValidationFailed
from app.core.text import fold
from app.dashboard.views import not_found, unit_2025_of
from app.reports.csv_export import csv_filename, data_headers, render_csv
from app.reports.model import Report
from app.reports.service import build_report
from app.reports.xlsx import render_xlsx
from app.units.repository import UnitRepository

PERIODS = ("month", "half_year", "year")
LEVELS = ("unit", "province")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8"}


@dataclass(frozen=True, slots=True)
class ReportFile:
    body: bytes
    media_type: str
    filename: str
    snapshot_id: int
    headers: dict[str, str]


def slug(text: str) -> str:
    """'Phường Vũng Tàu' -> 'phuong-vung-tau': ASCII letters, digits and single hyphens only."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def filename(report: Report, scope: str, ext: str) -> str:
    stem = f"bao-cao-qr-{scope}-{report.period_label}-snapshot-{report.snapshot_id}"
    return csv_filename(stem, report) if ext == "csv" else f"{stem}.{ext}"


def parse_unit(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    edition, _, code = value.partition(":")
    if edition not in EDITIONS or not code.isdigit() or len(code) > 10:
        raise ValidationFailed("unit", "Đơn vị phải có dạng phiên bản:mã", "unit must be edition:code")
    return edition, code


def parse_day(value: str | None) -> date | None:
    if not value:
        return None  # the form's empty date field: today
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed("as_of", "Ngày báo cáo không hợp lệ", "as_of is not a date") from exc


async def report_file(
    session: AsyncSession,
    principal: Principal,
    *,
    ext: str,
    unit: str | None,
    edition: str,
    period: str,
    as_of: str | None,
    level: str = "unit",
) -> ReportFile:
    """Raises AppError: outside the scope (403/404), no snapshot in the period (404), bad or future input (422)."""
    if ext not in MEDIA or period not in PERIODS or edition not in EDITIONS:
        raise ValidationFailed("period", "Kỳ báo cáo không hợp lệ", "Unknown report period or format")
    if level not in LEVELS:
        raise ValidationFailed("level", "Cấp báo cáo không hợp lệ", "Unknown report level")
    ref, day = parse_unit(unit), parse_day(as_of)
    if ref is None:
        if not principal.sees_all:
            raise Forbidden("Chỉ cấp thành phố tải báo cáo toàn thành phố", "Only city-wide roles get the city report")
        scope = f"toan-thanh-pho-{edition}"
    else:
        if len(ref[1]) == 2:  # a province: city-wide roles, and the officers whose scope names it (2025)
            if not (principal.sees_all or (ref[0] == Edition.Y2025 and ref[1] in principal.provinces)):
                raise not_found()
        else:
            await unit_2025_of(session, principal, *ref)  # 404 outside the caller's units, as the unit's page
        found = await UnitRepository(session).by_code(*ref)
        if found is None:
            raise not_found()
        scope = f"{slug(found.name) if found else 'don-vi'}-{ref[0]}-{ref[1]}"
        if ref[0] != edition:  # a 2025 unit broken down by its old wards
            scope += "-theo-phuong-cu"
    if level == "province":
        scope += "-theo-tinh"
    report = await build_report(session, edition=edition, unit=ref, period=period, as_of=day, level=level)
    body = render_xlsx(report) if ext == "xlsx" else render_csv(report).encode("utf-8")
    headers = data_headers(report) if ext == "csv" else {}
    return ReportFile(body, MEDIA[ext], filename(report, scope, ext), report.snapshot_id, headers)


async def choices(session: AsyncSession, principal: Principal, edition: str) -> list[tuple[str, str, str]]:
    """What the overview's report form offers, as (unit parameter, unit name, note key): the city and the area's
    provinces for city-wide roles, a province officer's province, then the caller's communes; in edition 2020
    an officer's 2025 unit (its old wards side by side) first."""
    repo = UnitRepository(session)
    if principal.sees_all:  # the deployment's area (PHOQR_AREA), as the overview shows it; any unit via the API
        provinces = await repo.names(("2025", p) for p in get_settings().area_provinces)
        area = await repo.area_communes(edition, get_settings().area_provinces)
        return (
            [("", "", "city")]
            + [(f"2025:{c}", n, "province_unit") for (_, c), n in sorted(provinces.items())]
            + [(f"{edition}:{u.code}", u.name, "") for u in area]
        )
    own = await repo.names(("2025", p) for p in principal.provinces)
    mine_provinces = [(f"2025:{c}", n, "province_unit") for (_, c), n in sorted(own.items())]
    # the caller's communes by name lookup: listing the country's 3,321 to keep 168 cost more than the page
    mine = sorted((await repo.names(("2025", c) for c in principal.units_2025)).items())
    if edition == Edition.Y2025:
        return mine_provinces + [(f"2025:{c}", n, "") for (_, c), n in mine]
    successor = await repo.successor_map()
    wards = [u for u in await repo.list("2020") if successor.get(u.code) in principal.units_2025]
    by_old = [(f"2025:{c}", n, "by_old_ward") for (_, c), n in mine]
    return mine_provinces + by_old + [(f"2020:{u.code}", u.name, "") for u in wards]


def error_key(exc: AppError) -> str:
    """Which dashboard message explains a report the service refused."""
    if exc.code == "snapshot_not_found":
        return "report_no_snapshot"
    if exc.status == 422:
        return "report_bad_request"
    return "forbidden" if exc.status == 403 else "not_found"
