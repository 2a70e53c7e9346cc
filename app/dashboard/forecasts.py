"""Projected completion dates and on-track flags, from the history service (what `GET /coverage/forecast`
answers for the same unit or street)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.history import service
from app.history.schemas import Forecast


@dataclass(frozen=True, slots=True)
class Outlook:
    rate_per_week: float | None
    projected_date: date | None
    earliest: date | None
    latest: date | None
    on_track: bool | None


def _of(f: Forecast) -> Outlook:
    rng = f.projected_date_range or [None, None]
    return Outlook(f.rate_per_week, f.projected_date, rng[0], rng[1], f.on_track)


async def for_units(session: AsyncSession, codes: list[str], edition: str = "2025") -> dict[str, Outlook]:
    """Per unit of that edition (an old ward's own snapshots in edition 2020)."""
    return {c: _of(f) for c, f in (await service.unit_forecasts(session, edition, codes)).items()}


async def for_streets(session: AsyncSession, ids: list[int], unit: tuple[str, str] | None) -> dict[int, Outlook]:
    if not ids:
        return {}
    return {i: _of(await service.forecast(session, level="street", unit=unit, street_id=i)) for i in ids}
