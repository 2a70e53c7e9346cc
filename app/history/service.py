"""Coverage history and forecast, read only from daily snapshots.

- A period (day, ISO week, month, half-year, year) takes its last snapshot: coverage is a level, not a sum.
- Units and the city roll up by summing shops, shops with QR and denominators (each unit's or street's own
  max(baseline, shops) that day), never by averaging percentages.
- level=street with `street_id`: that street (within `unit` when given, like GET /coverage?level=street);
  without `street_id`: the model streets of the unit (or the city) as they were on each day.
- level=province with `unit` a province (2025:79, or a 2020 province such as 2020:77): the sum of its
  communes' rows, so a province adds up to its communes exactly. A 2025 province in edition 2020 is its
  communes' old wards (they sum to it); a 2020 province is its own old communes whichever edition is asked for.
- Scope is GET /coverage's: every public-service role reads every unit (the router checks the role); the
  dashboard narrows to the caller's units.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.editions import Edition
from app.core.errors import NotFound, ValidationFailed
from app.history import periods
from app.history.projection import project
from app.history.repository import HistoryRepository
from app.history.schemas import Forecast, History, Point
from app.history.snapshot import local_today
from app.streets.models import Street
from app.units.repository import UnitRepository
from app.units.service import require_unit

FORECAST_DAYS = 28
MAX_SPAN_DAYS = 20 * 366


@dataclass(frozen=True, slots=True)
class Level:
    """Coverage on one day: sums over the rows that make up the unit, street or roll-up."""

    day: date
    shops: int
    with_qr: int
    denominator: int
    target_pct: int | None = None
    target_date: date | None = None

    @property
    def pct(self) -> float | None:
        return min(100.0, round(self.with_qr * 100 / self.denominator, 1)) if self.denominator else None

    @property
    def exact_pct(self) -> float | None:
        return min(100.0, self.with_qr * 100 / self.denominator) if self.denominator else None


def pct_of(with_qr: int, denominator: int) -> float | None:
    return min(100.0, round(with_qr * 100 / denominator, 1)) if denominator else None


def levels(rows: Iterable[Any], level: str) -> dict[date, Level]:
    """Per day: a unit row is whole; a street's rows (one per 2025 unit it crosses) merge before its
    denominator is taken, then streets sum."""
    parts: dict[tuple[date, str, str], list[Any]] = {}
    for r in rows:
        key = (r.day, r.code, r.unit_code if level == "unit" else "")
        p = parts.get(key)
        if p is None:
            parts[key] = [r.shops, r.with_qr, r.baseline_shop_count, r.target_pct, r.target_date]
        else:
            p[0] += r.shops
            p[1] += r.with_qr
            if r.baseline_shop_count is not None:
                p[2] = max(p[2] or 0, r.baseline_shop_count)
    days: dict[date, list[Any]] = {}
    for (day, _, _), (shops, with_qr, baseline, target_pct, target_date) in parts.items():
        denominator = max(baseline or 0, shops)
        d = days.get(day)
        if d is None:
            days[day] = [shops, with_qr, denominator, 1, target_pct, target_date]
        else:
            d[0] += shops
            d[1] += with_qr
            d[2] += denominator
            d[3] += 1
    # a target belongs to one unit or street, never to a roll-up
    return {
        day: Level(day, s, q, den, tp if n == 1 else None, td if n == 1 else None)
        for day, (s, q, den, n, tp, td) in sorted(days.items())
    }


async def _validate(
    session: AsyncSession, level: str, unit: tuple[str, str] | None, street_id: int | None, *, exists: bool = True
) -> None:
    """Input that cannot be answered; `exists=False` leaves the unit's existence to the caller."""
    if unit is not None and exists:
        await require_unit(session, *unit)
    if level == "province" and (unit is None or not is_province(unit)):
        raise ValidationFailed(
            "unit",
            "level=province cần một tỉnh, thành phố, ví dụ unit=2025:79",
            "level=province needs a province, e.g. unit=2025:79",
        )
    if level != "street" and street_id is not None:
        raise ValidationFailed("street_id", "street_id chỉ dùng với level=street", "street_id needs level=street")
    if level == "street" and unit is not None and unit[0] == Edition.Y2020:
        raise ValidationFailed(
            "unit",
            "Lịch sử theo tuyến phố được lưu theo đơn vị 2025",
            "Street history is kept per 2025 unit",
        )
    if street_id is not None and await session.get(Street, street_id) is None:
        raise NotFound(f"Không có tuyến phố {street_id}", f"No street {street_id}", code="street_not_found")


def is_province(unit: tuple[str, str]) -> bool:
    return len(unit[1]) == 2  # provinces have 2-digit codes, communes 5


async def _filters(
    session: AsyncSession, level: str, edition: str, unit: tuple[str, str] | None, street_id: int | None
) -> dict[str, Any]:
    if level == "province" and unit is not None:
        communes = await UnitRepository(session).communes_of(unit[0], [unit[1]])
        if unit[0] == Edition.Y2020:  # a 2020 province is its old communes' own rows
            return {"level": "unit", "edition": "2020", "codes": communes}
        return {"level": "unit", "edition": edition, "unit_codes": communes}
    if level == "street":
        return {
            "level": "street",
            "unit_code": unit[1] if unit else None,
            "code": str(street_id) if street_id is not None else None,
            "model_only": street_id is None,
        }
    if unit is None:
        return {"level": "unit", "edition": edition}
    if unit[0] == Edition.Y2020:  # an old ward is its own row, whichever edition is asked for
        return {"level": "unit", "edition": "2020", "code": unit[1]}
    if edition == Edition.Y2020:  # a 2025 unit seen as its old wards: they sum to it
        return {"level": "unit", "edition": "2020", "unit_code": unit[1]}
    return {"level": "unit", "edition": "2025", "code": unit[1]}


async def history(
    session: AsyncSession,
    *,
    level: str = "unit",
    edition: str = "2025",
    unit: tuple[str, str] | None = None,
    street_id: int | None = None,
    period: str = "week",
    from_: date | None = None,
    to: date | None = None,
) -> History:
    """Points per period from `from_` to `to` (defaults: today in Vietnam, and a span that suits the period)."""
    if level == "unit" and unit is not None and is_province(unit):
        level = "province"  # a province's own row would be empty: it is its communes
    await _validate(session, level, unit, street_id, exists=level != "unit")
    to = to or local_today()
    from_ = from_ or to - timedelta(days=periods.DEFAULT_SPAN_DAYS[period] - 1)
    if from_ > to:
        raise ValidationFailed("from", "`from` phải trước hoặc bằng `to`", "`from` must not be after `to`")
    if (to - from_).days > MAX_SPAN_DAYS:
        raise ValidationFailed("from", "Khoảng thời gian tối đa 20 năm", "At most 20 years at a time")
    repo = HistoryRepository(session)
    filters = await _filters(session, level, edition, unit, street_id)
    if level == "unit":  # every run has a row for every unit: one read of the range, no second query
        rows = await repo.series(days=(from_, to), **filters)
        if not rows and unit is not None:  # rows name their unit, so only an empty answer needs the check
            await require_unit(session, *unit)
        runs = {r.day: r.run_id for r in rows}
        chosen = periods.last_per_period(period, list(runs))
        wanted = {d for _, d in chosen}
        rows = [r for r in rows if r.day in wanted]
    else:  # a street (or a province's communes) may be missing from a run: the runs say which days exist
        runs = await repo.run_ids_between(from_, to)
        chosen = periods.last_per_period(period, list(runs))
        rows = await repo.series(days=(from_, to) if period == "day" else [d for _, d in chosen], **filters)
    by_day = levels(rows, "street" if level == "street" else "unit")
    points = []
    for label, day in chosen:
        lv = by_day.get(day) or Level(day, 0, 0, 0)
        points.append(
            Point(
                period=label,
                shops=lv.shops,
                with_qr=lv.with_qr,
                pct=lv.pct,
                denominator=lv.denominator,
                day=day,
                snapshot_id=runs[day] or 0,
            )
        )
    return History(
        level=level,
        edition=edition,
        unit=f"{unit[0]}:{unit[1]}" if unit else None,
        street_id=street_id,
        period=period,
        from_=from_,
        to=to,
        points=points,
    )


async def forecast(
    session: AsyncSession,
    *,
    level: str = "unit",
    unit: tuple[str, str] | None = None,
    street_id: int | None = None,
    edition: str = "2025",
    today: date | None = None,
) -> Forecast:
    """Where the trailing 28 days of daily snapshots (up to `today`) lead.

    Fit: least squares of the day's pct (shops with QR over that day's denominator) against the day. The
    projection starts from the last snapshot's pct at the fitted rate; the range uses the slope's 95 %
    interval (Student t): the faster end gives the earliest date, the slower the latest (null when the
    slower end is flat). No date when the rate is zero or negative. on_track compares the projected date
    with the target date of the unit or street as it stood on the last snapshot (null without one). A
    roll-up (the city, a unit's model streets) has no target date of its own, and its target is 100 %.
    """
    if level == "unit" and unit is not None and is_province(unit):
        level = "province"
    await _validate(session, level, unit, street_id)
    today = today or local_today()
    first = today - timedelta(days=FORECAST_DAYS - 1)
    repo = HistoryRepository(session)
    filters = await _filters(session, level, edition, unit, street_id)
    by_day = levels(await repo.series(days=(first, today), **filters), "street" if level == "street" else "unit")
    if level == "province":  # a province has no target of its own, even when one commune has rows
        by_day = {d: replace(lv, target_pct=None, target_date=None) for d, lv in by_day.items()}
    return project(by_day, first)


async def unit_forecasts(
    session: AsyncSession, edition: str, codes: list[str], today: date | None = None
) -> dict[str, Forecast]:
    """`forecast(level="unit", unit=(edition, code))` for many units in one read of the window (a province's
    168 wards on the overview were 336 queries); units that are not there get the empty forecast."""
    today = today or local_today()
    first = today - timedelta(days=FORECAST_DAYS - 1)
    rows = await HistoryRepository(session).series(level="unit", days=(first, today), edition=edition, codes=codes)
    per_unit: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        per_unit[r.code].append(r)
    return {code: project(levels(per_unit.get(code, []), "unit"), first) for code in codes}
