from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class SnapshotResult(BaseModel):
    """What `take_snapshot` did: `created`, `replaced` (today retaken: a new id) or `kept` (a past day)."""

    snapshot_id: int
    day: date
    taken_at: datetime
    source: str
    status: str
    rows: int
    shops: int
    with_qr: int

    @classmethod
    def of(cls, run: Any, *, status: str, rows: int) -> SnapshotResult:
        return cls(
            snapshot_id=run.id,
            day=run.day,
            taken_at=run.taken_at,
            source=run.source,
            status=status,
            rows=rows,
            shops=run.shops,
            with_qr=run.with_qr,
        )


class Point(BaseModel):
    period: str = Field(description="2026-11-23, 2026-W48, 2026-11, 2026-H2 or 2026")
    shops: int
    with_qr: int
    pct: float | None
    denominator: int
    day: date = Field(description="the snapshot the period took (its last one)")
    snapshot_id: int


class History(BaseModel):
    level: str
    edition: str
    unit: str | None
    street_id: int | None
    period: str
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    points: list[Point]

    model_config = {"populate_by_name": True}


class Forecast(BaseModel):
    """Where the trailing 28 days lead. Rates are percentage points of coverage per week."""

    rate_per_week: float | None
    projected_date: date | None
    projected_date_range: list[date | None] | None = Field(
        description="[earliest, latest] from the 95 % interval of the fitted slope; latest is null when the "
        "slower end of the interval is flat or falling"
    )
    on_track: bool | None = Field(description="projected date on or before the target date; null without one")
    pct: float | None = Field(description="coverage on the last snapshot of the window")
    with_qr_per_week: float | None
    target_pct: int
    target_date: date | None
    window: list[date] | None = Field(description="first and last snapshot day the fit used")
    points: int
    method: str = "least-squares line of daily pct over the trailing 28 days; range from the slope's 95 % interval"
