"""Where a window of daily coverage levels leads: the least-squares line of the day's pct, the projected date of
reaching the target and its range from the slope's 95 % interval (see `service.forecast`)."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from app.history.fit import fit
from app.history.schemas import Forecast

NEVER_DAYS = 100 * 365  # a rate this slow never gets there: no date rather than one in the next century


def project(by_day: dict[date, Any], first: date) -> Forecast:
    """The forecast from a window's daily levels (`service.Level`s by day; `first` is the window's first day)."""
    points = [lv for lv in by_day.values() if lv.exact_pct is not None]
    last = points[-1] if points else None
    target_pct = (last.target_pct if last else None) or 100
    target_date = last.target_date if last else None
    empty = Forecast(
        rate_per_week=None,
        projected_date=None,
        projected_date_range=None,
        on_track=None,
        pct=last.pct if last else None,
        with_qr_per_week=None,
        target_pct=target_pct,
        target_date=target_date,
        window=[points[0].day, last.day] if last else None,
        points=len(points),
    )
    xs = [float((p.day - first).days) for p in points]
    line = fit(xs, [p.exact_pct or 0.0 for p in points])
    if last is None or line is None:
        return empty
    qr_line = fit(xs, [float(p.with_qr) for p in points])
    out = empty.model_copy(
        update={
            "rate_per_week": round(line.slope * 7, 2),
            "with_qr_per_week": round(qr_line.slope * 7, 2) if qr_line else None,
        }
    )
    remaining = target_pct - (last.exact_pct or 0.0)
    last_day: date = last.day

    def arrival(rate: float) -> date | None:
        if remaining <= 0:
            return last_day
        if rate <= 0 or remaining / rate > NEVER_DAYS:
            return None
        return last_day + timedelta(days=math.ceil(remaining / rate))

    projected = arrival(line.slope)
    if projected is None:
        on_track = None if target_date is None else False
        return out.model_copy(update={"on_track": on_track})
    earliest = arrival(line.slope + line.slope_halfwidth)
    latest = arrival(line.slope - line.slope_halfwidth)
    return out.model_copy(
        update={
            "projected_date": projected,
            "projected_date_range": [earliest, latest],
            "on_track": None if target_date is None else projected <= target_date,
        }
    )
