"""What each coverage page shows, assembled from the same service functions the JSON API calls.

No figure is computed here: rows come from `app.coverage.service` (what `GET /coverage` answers), projections
from the history service (what `GET /coverage/forecast` answers). This module only picks the caller's units,
checks scope the way the API does (a unit or street outside it is 404) and sorts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.core.config import get_settings
from app.core.editions import Edition
from app.core.errors import NotFound
from app.coverage import service as coverage
from app.coverage.schemas import CoverageRow
from app.dashboard import forecasts
from app.dashboard.forecasts import Outlook
from app.dashboard.repository import DashboardRepository, ShopLine
from app.history.runs import run_for_period
from app.history.snapshot import local_today
from app.units.repository import UnitRepository

SORT_KEYS = ("name", "shops", "with_qr", "pct", "gap", "target_date", "projected")
SHOPS_PER_PAGE = 100


@dataclass
class Line:
    """A coverage row with its outlook (projection and on-track flag) beside it."""

    row: CoverageRow
    outlook: Outlook | None = None

    @property
    def name(self) -> str:
        label = self.row.unit or self.row.street
        return label.name if label else ""


@dataclass
class Table:
    lines: list[Line]
    total: CoverageRow
    sort: str = "name"
    extra: dict[str, Any] = field(default_factory=dict)  # what one page adds (the snapshot, other streets)


def not_found() -> NotFound:
    return NotFound("Không tìm thấy hoặc ngoài phạm vi của bạn", "Not found or outside your scope")


async def scope_units(session: AsyncSession, principal: Principal) -> list[str]:
    """The 2025 units the caller's dashboard covers (every unit for city admin and auditors)."""
    if principal.sees_all:  # the deployment's area first (PHOQR_AREA); any other unit is a link away
        return [u.code for u in await UnitRepository(session).area_communes("2025", get_settings().area_provinces)]
    return sorted(principal.units_2025)


async def unit_2025_of(session: AsyncSession, principal: Principal, edition: str, code: str) -> str:
    """The 2025 unit a unit reference falls in, when the caller may see it; otherwise 404."""
    if await UnitRepository(session).by_code(edition, code) is None:
        raise not_found()
    new = code if edition == Edition.Y2025 else (await UnitRepository(session).successor_map()).get(code)
    if not principal.covers_unit(new):
        raise not_found()
    return new or ""


def sort_lines(lines: list[Line], sort: str) -> list[Line]:
    key_name = sort.lstrip("-")
    if key_name not in SORT_KEYS:
        key_name, sort = "name", "name"

    def key(line: Line) -> tuple[bool, Any]:
        r, o = line.row, line.outlook
        value = {
            "name": line.name.lower(),
            "shops": r.shops,
            "with_qr": r.with_qr,
            "pct": r.pct,
            "gap": r.gap_to_target,
            "target_date": r.target_date,
            "projected": o.projected_date if o else None,
        }[key_name]
        return (value is None, value if value is not None else 0)

    out = sorted(lines, key=key)
    if sort.startswith("-"):  # descending, but rows without a value stay at the bottom
        present = [x for x in out if key(x)[0] is False]
        out = list(reversed(present)) + [x for x in out if key(x)[0] is True]
    return out


async def overview(session: AsyncSession, principal: Principal, edition: str) -> Table:
    """The caller's units: the whole report for city-wide roles, one `unit=` report per unit otherwise."""
    if principal.sees_all:
        report = await coverage.report(session, level="unit", edition=edition, unit=None, category=None)
        rows, total = report.rows, report.total
    else:
        rows, done = [], set()
        for province in sorted(principal.provinces):  # a province officer: one report for all its communes
            report = await coverage.report(
                session, level="unit", edition=edition, unit=("2025", province), category=None
            )
            rows += report.rows
            done |= set(await UnitRepository(session).communes_of("2025", [province]))
        for code in sorted(principal.units_2025 - done):
            report = await coverage.report(session, level="unit", edition=edition, unit=("2025", code), category=None)
            rows += report.rows
        total = coverage.total_of(rows)
    outlooks = await forecasts.for_units(session, [r.unit.code for r in rows if r.unit and r.unit.code], edition)
    lines = [Line(r, outlooks.get(r.unit.code) if r.unit else None) for r in rows]
    # the snapshot this half-year's periodic report (GET /reports/coverage.xlsx) is built from
    run, _ = await run_for_period(session, "half_year", local_today())
    # beside QR coverage: the share of each unit's shops that issue e-invoices (household businesses, 2026)
    einvoice = await coverage.einvoice_shares(session, edition, rows)
    return Table(lines, total, extra={"snapshot": run, "einvoice": einvoice})


async def unit_page(session: AsyncSession, principal: Principal, edition: str, code: str, sort: str) -> Table:
    await unit_2025_of(session, principal, edition, code)
    unit_report = await coverage.report(session, level="unit", edition=edition, unit=(edition, code), category=None)
    street_report = await coverage.report(session, level="street", edition="2025", unit=(edition, code), category=None)
    # projections for model streets only: the others have no target to be on track for
    ids = [r.street.id for r in street_report.rows if r.street and r.street.is_model_street]
    outlooks = await forecasts.for_streets(session, ids, (edition, code))
    lines = [Line(r, outlooks.get(r.street.id) if r.street else None) for r in street_report.rows]
    model = sort_lines([x for x in lines if x.row.street and x.row.street.is_model_street], sort)
    others = sort_lines([x for x in lines if not (x.row.street and x.row.street.is_model_street)], sort)
    unit_line = Line(unit_report.rows[0], None) if unit_report.rows else None
    if unit_line:
        unit_line.outlook = (await forecasts.for_units(session, [code], edition)).get(code)
    return Table(model, street_report.total, sort, {"others": others, "unit": unit_line, "edition": edition})


@dataclass
class StreetPage:
    line: Line
    unit: tuple[str, str] | None
    kind: str
    segment: str | None
    shops: list[ShopLine]
    points: list[tuple[float, float, bool]]
    page: int
    more: bool
    units: list[tuple[str, str]]
    unit_name: str | None = None


async def street_page(
    session: AsyncSession, principal: Principal, street_id: int, unit: tuple[str, str] | None, page: int
) -> StreetPage:
    repo = DashboardRepository(session)
    found = await repo.street(street_id)
    if found is None:
        raise not_found()
    street, units = found
    if unit is not None:
        await unit_2025_of(session, principal, *unit)
    elif not principal.sees_all:
        # an officer reads the street within their own unit, as `GET /coverage?level=street&unit=` answers it
        mine = [c for e, c in units if e == Edition.Y2025 and c in principal.units_2025]
        if not mine:
            raise not_found()
        unit = ("2025", mine[0])
    report = await coverage.report(session, level="street", edition="2025", unit=unit, category=None)
    row = next((r for r in report.rows if r.street and r.street.id == street_id), None)
    if row is None:  # a street of the unit with no shop and no model status: nothing registered yet
        row = coverage.make_row(0, 0, street.baseline_shop_count, street.target_pct, street.target_date)
    outlook = (await forecasts.for_streets(session, [street_id], unit)).get(street_id)
    shops = await repo.street_shops(
        principal, street_id, unit, limit=SHOPS_PER_PAGE + 1, offset=(page - 1) * SHOPS_PER_PAGE
    )
    points = await repo.street_points(principal, street_id, unit, 1000)
    named = await UnitRepository(session).by_code(*unit) if unit else None
    return StreetPage(
        line=Line(row, outlook),
        unit=unit,
        kind=street.kind,
        segment=street.segment,
        shops=shops[:SHOPS_PER_PAGE],
        points=points,
        page=page,
        more=len(shops) > SHOPS_PER_PAGE,
        units=units,
        unit_name=named.name if named else None,
    )


def days_late(line: Line) -> int | None:
    o, target = line.outlook, line.row.target_date
    if o is None or o.projected_date is None or target is None:
        return None
    return (o.projected_date - target).days


async def behind_streets(session: AsyncSession, principal: Principal, limit: int = 15) -> list[Line]:
    """Model streets short of their target, the latest (by projection) first; no projection = most urgent."""
    lines: list[Line] = []
    for code in await scope_units(session, principal):
        report = await coverage.report(
            session, level="street", edition="2025", unit=("2025", code), category=None, model_only=True
        )
        outlooks = await forecasts.for_streets(session, [r.street.id for r in report.rows if r.street], ("2025", code))
        lines += [
            Line(r, outlooks.get(r.street.id))
            for r in report.rows
            if r.street and r.target_date is not None and (r.gap_to_target or 0) > 0
        ]

    def urgency(line: Line) -> tuple[int, int, date]:
        late = days_late(line)
        stalled = line.outlook is not None and line.outlook.projected_date is None
        return (0 if stalled else 1, -(late if late is not None else -(10**6)), line.row.target_date or date.max)

    return sorted(lines, key=urgency)[:limit]
