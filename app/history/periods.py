"""Calendar periods a day belongs to: ISO weeks (Monday first), months, half-years and years.

Coverage is a level, not a flow: a period is represented by its last snapshot, never by a sum of days.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

Period = Literal["day", "week", "month", "half_year", "year"]
PERIODS: tuple[str, ...] = ("day", "week", "month", "half_year", "year")
# how far back a history goes when `from` is not given
DEFAULT_SPAN_DAYS = {"day": 90, "week": 365, "month": 730, "half_year": 1826, "year": 3652}


def label(period: str, day: date) -> str:
    """'2026-11-23', '2026-W48', '2026-11', '2026-H2', '2026'."""
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    if period == "half_year":
        return f"{day.year}-H{1 if day.month <= 6 else 2}"
    if period == "year":
        return str(day.year)
    raise ValueError(period)


def bounds(period: str, day: date) -> tuple[date, date]:
    """First and last day of the period that contains `day`."""
    if period == "day":
        return day, day
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if period == "month":
        start = day.replace(day=1)
        nxt = (start + timedelta(days=32)).replace(day=1)
        return start, nxt - timedelta(days=1)
    if period == "half_year":
        if day.month <= 6:
            return date(day.year, 1, 1), date(day.year, 6, 30)
        return date(day.year, 7, 1), date(day.year, 12, 31)
    if period == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    raise ValueError(period)


def previous(period: str, day: date) -> tuple[date, date]:
    """Bounds of the period just before the one containing `day`."""
    start, _ = bounds(period, day)
    return bounds(period, start - timedelta(days=1))


def last_per_period(period: str, days: list[date]) -> list[tuple[str, date]]:
    """(label, last day) for each period that has at least one of `days`, in order."""
    last: dict[str, date] = {}
    for d in sorted(days):
        last[label(period, d)] = d
    return list(last.items())


def title_vi(period: str, day: date) -> str:
    """How a report names its period in Vietnamese."""
    if period == "half_year":
        return f"6 tháng {'đầu' if day.month <= 6 else 'cuối'} năm {day.year}"
    if period == "year":
        return f"năm {day.year}"
    if period == "month":
        return f"tháng {day.month:02d}/{day.year}"
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"tuần {week:02d}/{year}"
    return day.strftime("ngày %d/%m/%Y")
