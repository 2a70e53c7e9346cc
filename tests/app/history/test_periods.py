"""Period labels and bounds at the calendar's awkward places; the last day of a period represents it."""

from __future__ import annotations

from datetime import date

from app.history import periods


def test_iso_weeks_cross_the_new_year():
    # 2026 has 53 ISO weeks: Friday 1 January 2027 still belongs to 2026-W53, Monday 4 January starts 2027-W01
    assert periods.label("week", date(2027, 1, 1)) == "2026-W53"
    assert periods.label("week", date(2027, 1, 4)) == "2027-W01"
    assert periods.bounds("week", date(2027, 1, 1)) == (date(2026, 12, 28), date(2027, 1, 3))


def test_months_half_years_years():
    assert periods.bounds("month", date(2028, 2, 10)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert periods.bounds("month", date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert [periods.label("half_year", d) for d in (date(2026, 6, 30), date(2026, 7, 1))] == ["2026-H1", "2026-H2"]
    assert periods.bounds("half_year", date(2026, 7, 1)) == (date(2026, 7, 1), date(2026, 12, 31))
    assert periods.previous("half_year", date(2026, 7, 1)) == (date(2026, 1, 1), date(2026, 6, 30))
    assert periods.previous("year", date(2026, 3, 1)) == (date(2025, 1, 1), date(2025, 12, 31))
    assert periods.label("year", date(2026, 12, 31)) == "2026"


def test_last_snapshot_of_each_period():
    days = [date(2026, 6, 29), date(2026, 7, 1), date(2026, 6, 30), date(2026, 7, 5), date(2026, 7, 6)]
    assert periods.last_per_period("half_year", days) == [("2026-H1", date(2026, 6, 30)), ("2026-H2", date(2026, 7, 6))]
    assert periods.last_per_period("week", days) == [("2026-W27", date(2026, 7, 5)), ("2026-W28", date(2026, 7, 6))]
    assert periods.last_per_period("day", days[:2]) == [
        ("2026-06-29", date(2026, 6, 29)),
        ("2026-07-01", date(2026, 7, 1)),
    ]
