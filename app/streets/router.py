from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response

from app.auth import CurrentUser, StreetManager
from app.core.concurrency import expected_version, set_etag
from app.core.db import SessionDep
from app.core.pagination import CursorQuery, LimitQuery, Page
from app.core.types import DbId
from app.streets import service
from app.streets.schemas import StreetCreate, StreetOut, StreetPatch
from app.units.service import parse_unit_ref

router = APIRouter(prefix="/streets", tags=["streets"])


@router.get("", response_model=Page[StreetOut], summary="Streets and markets, filterable by unit and model flag")
async def list_streets(
    session: SessionDep,
    _: CurrentUser,
    unit: Annotated[str | None, Query(description="edition:code, e.g. 2025:26506")] = None,
    model: bool | None = None,
    kind: Literal["street", "market"] | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[StreetOut]:
    unit_ref = parse_unit_ref(unit) if unit else None
    items, nxt = await service.list_streets(
        session, unit=unit_ref, model=model, kind=kind, q=q, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=nxt)


@router.get("/{street_id}", response_model=StreetOut)
async def get_street(street_id: DbId, session: SessionDep, _: CurrentUser, response: Response) -> StreetOut:
    street, units = await service.get_street(session, street_id)
    set_etag(response, street.version)
    return service.to_out(street, units)


@router.post("", response_model=StreetOut, status_code=201)
async def create_street(
    body: StreetCreate, session: SessionDep, principal: StreetManager, response: Response
) -> StreetOut:
    out = await service.create_street(session, principal, body)
    set_etag(response, out.version)
    return out


@router.patch("/{street_id}", response_model=StreetOut)
async def patch_street(
    street_id: DbId,
    body: StreetPatch,
    session: SessionDep,
    principal: StreetManager,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> StreetOut:
    out = await service.patch_street(session, principal, street_id, body, expected_version(if_match))
    set_etag(response, out.version)
    return out
