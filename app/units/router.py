from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.auth import CurrentUser
from app.core.db import SessionDep
from app.core.pagination import Page
from app.units import service
from app.units.schemas import UnitOut

router = APIRouter(tags=["reference"])


@router.get("/units", response_model=Page[UnitOut], summary="Wards/communes in either edition, with succession")
async def list_units(
    session: SessionDep,
    _: CurrentUser,
    edition: Annotated[Literal["2020", "2025"] | None, Query()] = None,
) -> Page[UnitOut]:
    return Page(items=await service.list_units(session, edition))
