from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from app.auth import CurrentUser
from app.core.db import SessionDep
from app.core.pagination import CursorQuery, LimitQuery, Page
from app.units import service
from app.units.schemas import UnitDetail, UnitOut

router = APIRouter(tags=["reference"])
EditionQuery = Literal["2020", "2025"]


@router.get("/units", response_model=Page[UnitOut], summary="Provinces and communes of either edition, by page")
async def list_units(
    session: SessionDep,
    _: CurrentUser,
    edition: EditionQuery = "2025",
    level: Literal["province", "commune"] | None = None,
    province: Annotated[str | None, Query(pattern=r"^\d{2}$", description="province code, e.g. 79")] = None,
    q: Annotated[str | None, Query(max_length=100, description="name, with or without diacritics")] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[UnitOut]:
    items, nxt = await service.list_units(
        session, edition=edition, level=level, province=province, q=q, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=nxt)


@router.get("/units/{edition}/{code}", response_model=UnitDetail, summary="One unit, its province and succession")
async def get_unit(
    session: SessionDep,
    _: CurrentUser,
    edition: EditionQuery,
    code: Annotated[str, Path(pattern=r"^\d{2}$|^\d{5}$")],
) -> UnitDetail:
    return await service.unit_detail(session, edition, code)
