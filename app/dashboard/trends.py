"""The trends page: coverage per period from the history service (what `GET /coverage/history` answers)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.core.config import get_settings
from app.core.editions import Edition
from app.coverage import service as coverage
from app.dashboard import i18n
from app.dashboard.charts import Chart, line_chart
from app.dashboard.repository import DashboardRepository
from app.dashboard.views import not_found, unit_2025_of
from app.history import service as history
from app.history.schemas import Point
from app.units.repository import UnitRepository

PERIODS = ("week", "month", "half_year", "year")
MAX_LINES = 7


@dataclass
class SeriesTable:
    name: str
    points: list[Point]  # history Points


@dataclass
class Trends:
    period: str
    unit: tuple[str, str] | None
    units: list[tuple[str, str]]  # (unit ref, name) the caller may pick: provinces, then communes
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


async def choices(session: AsyncSession, principal: Principal) -> list[tuple[str, str]]:
    """What the caller may pick, as (unit ref, name): provinces first (a city admin's area, a province officer's
    own), then communes the caller holds outside them. A province is one line, not one per commune."""
    repo = UnitRepository(session)
    if principal.sees_all:
        provinces = sorted(get_settings().area_provinces)
        communes: list[str] = []
    else:
        provinces = sorted(principal.provinces)
        inside = set(await repo.communes_of("2025", provinces)) if provinces else set()
        communes = sorted(principal.units_2025 - inside)
    refs = [("2025", c) for c in [*provinces, *communes]]
    names = await repo.names(refs)
    return [(f"{e}:{c}", names.get((e, c), c)) for e, c in refs]


async def _chosen(session: AsyncSession, principal: Principal, unit: str | None) -> tuple[str, str] | None:
    """The unit asked for, when the caller may see it (404 otherwise, as its page)."""
    if not unit:
        return None
    edition, _, code = unit.partition(":")
    if edition != Edition.Y2025 or not code.isdigit():
        raise not_found()
    if len(code) == 2:  # a province: its officers, and city-wide roles
        if not (principal.sees_all or code in principal.provinces):
            raise not_found()
        if await UnitRepository(session).by_code(edition, code) is None:
            raise not_found()
    else:
        await unit_2025_of(session, principal, edition, code)
    return edition, code


async def _series(session: AsyncSession, ref: tuple[str, str], period: str) -> list[Point]:
    level = "province" if len(ref[1]) == 2 else "unit"
    return (await history.history(session, level=level, unit=ref, period=period)).points


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
    picks = await choices(session, principal)
    chosen = await _chosen(session, principal, unit)
    data = Trends(period, chosen, picks)
    if street_id is not None:
        found = await DashboardRepository(session).street(street_id)
        if found is None:
            raise not_found()
        street, street_units = found
        if chosen is not None and len(chosen[1]) == 2:
            raise not_found()  # a street is read within one of its communes
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
    names = dict(picks)
    if chosen is not None:
        shown = [(f"{chosen[0]}:{chosen[1]}", names.get(f"{chosen[0]}:{chosen[1]}"))]
        if shown[0][1] is None:
            shown = [(shown[0][0], (await UnitRepository(session).names([chosen])).get(chosen, chosen[1]))]
    else:
        shown = list(picks)
    unit_tables = []
    for ref, name in shown:
        edition, _, code = ref.partition(":")
        unit_tables.append(SeriesTable(name or code, await _series(session, (edition, code), period)))
    data.tables = unit_tables
    data.charts.append(("units", _chart(unit_tables[:MAX_LINES], lang)))
    only = picks[0][0].partition(":")[2] if len(picks) == 1 else None
    focus = chosen or (("2025", only) if only else None)
    if focus is not None and len(focus[1]) != 2:  # a commune: its model streets (a province has too many)
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
