from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.auth import CoverageReader
from app.core.db.replica import ReadSessionDep
from app.history import service
from app.history.schemas import Forecast, History
from app.units.service import parse_unit_ref

router = APIRouter(tags=["coverage"])

UnitQuery = Annotated[
    str | None,
    Query(description="edition:code, e.g. 2025:26506, or a province (level=province), 2025:79; none = the whole city"),
]
StreetQuery = Annotated[int | None, Query(ge=1, description="one street (level=street)")]


@router.get(
    "/coverage/history",
    response_model=History,
    response_model_by_alias=True,
    summary="Coverage per period from daily snapshots (each period takes its last snapshot)",
)
async def coverage_history(
    session: ReadSessionDep,
    _: CoverageReader,
    level: Literal["unit", "street", "province"] = "unit",
    edition: Literal["2025", "2020"] = "2025",
    unit: UnitQuery = None,
    street_id: StreetQuery = None,
    period: Literal["day", "week", "month", "half_year", "year"] = "week",
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
) -> History:
    return await service.history(
        session,
        level=level,
        edition=edition,
        unit=parse_unit_ref(unit) if unit else None,
        street_id=street_id,
        period=period,
        from_=from_,
        to=to,
    )


@router.get(
    "/coverage/forecast",
    response_model=Forecast,
    summary="Rate over the trailing 28 days and the projected date of reaching the target",
)
async def coverage_forecast(
    session: ReadSessionDep,
    _: CoverageReader,
    level: Literal["unit", "street", "province"] = "unit",
    edition: Literal["2025", "2020"] = "2025",
    unit: UnitQuery = None,
    street_id: StreetQuery = None,
) -> Forecast:
    return await service.forecast(
        session,
        level=level,
        edition=edition,
        unit=parse_unit_ref(unit) if unit else None,
        street_id=street_id,
    )
