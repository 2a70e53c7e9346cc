"""The trends page: coverage per period from the history service (what `GET /coverage/history` answers)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.core.editions import Edition
from app.coverage import service as coverage
from app.dashboard import i18n
from app.dashboard.charts import Chart, line_chart
from app.dashboard.repository import DashboardRepository
from app.dashboard.views import not_found, scope_units, unit_2025_of
from app.history import service as history
from app.history.schemas import Point
from app.units.repository import UnitRepository

PERIODS = ("week", "month", "half_year", "year")
MAX_LINES = 7


@dataclass
class SeriesTable:
    name: str
    points: list[Point]


@dataclass
class Trends:
    period: str
    unit: tuple[str, str] | None
    units: list[tuple[str, str]]  # (code, name) the caller may pick
    charts: list[tuple[str, Chart]] = field(default_factory=list)
    tables: list[SeriesTable] = field(default_factory=list)
    streets: list[tuple[int, str]] = field(default_factory=list)
    street_id: int | None = None


def _chart(series: list[SeriesTable], lang: str) -> Chart:
    labels = sorted({p.period for s in series for p in s.points})
    values = []
    for s in series:
        by = {p.period: p for p in s.points}
        values.append(
            (
                s.name,
                [by[x].pct if x in by else None for x in labels],
                [
                    f"{s.name} · {x}: {i18n.fmt_pct(by[x].pct, lang)} "
                    f"({i18n.fmt_int(by[x].with_qr, lang)}/{i18n.fmt_int(by[x].denominator, lang)})"
                    if x in by
                    else ""
                    for x in labels
                ],
            )
        )
    return line_chart(labels, values, y_max=100.0, y_format=lambda v: f"{v:g} %")


async def page(
    session: AsyncSession,
    principal: Principal,
    period: str,
    street_id: int | None,
    unit: str | None,
    lang: str | None,
) -> Trends:
    lang = i18n.pick(lang)
    period = period if period in PERIODS else "week"
    names = {u.code: u.name for u in await UnitRepository(session).list("2025")}
    mine = await scope_units(session, principal)
    chosen = None
    if unit:
        edition, _, code = unit.partition(":")
        if edition != Edition.Y2025:
            raise not_found()
        await unit_2025_of(session, principal, edition, code)
        chosen = (edition, code)
    data = Trends(period, chosen, [(c, names.get(c, c)) for c in mine])
    if street_id is not None:
        found = await DashboardRepository(session).street(street_id)
        if found is None:
            raise not_found()
        street, street_units = found
        if chosen is None:
            inside = [c for e, c in street_units if e == Edition.Y2025 and principal.covers_unit(c)]
            if not inside:
                raise not_found()
            chosen = None if principal.sees_all else ("2025", inside[0])
        h = await history.history(session, level="street", unit=chosen, street_id=street_id, period=period)
        table = SeriesTable(street.name, h.points)
        data.tables, data.charts, data.street_id = [table], [(street.name, _chart([table], lang))], street_id
        data.unit = chosen
        return data
    unit_tables = [
        SeriesTable(
            names.get(c, c),
            (await history.history(session, level="unit", unit=("2025", c), period=period)).points,
        )
        for c in ([chosen[1]] if chosen else mine)
    ]
    data.tables = unit_tables
    data.charts.append(("units", _chart(unit_tables[:MAX_LINES], lang)))
    focus = chosen or (("2025", mine[0]) if len(mine) == 1 else None)
    if focus is not None:
        report = await coverage.report(
            session, level="street", edition="2025", unit=focus, category=None, model_only=True
        )
        streets = [(r.street.id, r.street.name) for r in report.rows if r.street]
        data.streets = streets
        street_tables = [
            SeriesTable(
                name,
                (await history.history(session, level="street", unit=focus, street_id=sid, period=period)).points,
            )
            for sid, name in streets[:MAX_LINES]
        ]
        if street_tables:
            data.charts.append(("streets", _chart(street_tables, lang)))
    return data
