from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Header, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse, JSONResponse

from app.auth import CurrentUser, Reviewer, Writer
from app.core.concurrency import expected_version, set_etag
from app.core.db import SessionDep
from app.core.deps import SettingsDep
from app.core.pagination import CursorQuery, LimitQuery, Page
from app.core.types import DbId
from app.idempotency.service import IdempotencyKey, respond_once
from app.merchants import lifecycle, photos, service
from app.merchants.enums import MerchantStatus, ReviewState
from app.merchants.presentation import shown_to
from app.merchants.schemas import CloseIn, MerchantCreate, MerchantOut, MerchantPatch, PhotoOut, ReviewIn
from app.units.service import parse_unit_ref

router = APIRouter(prefix="/merchants", tags=["merchants"])


@router.post(
    "",
    response_model=MerchantOut,
    status_code=201,
    responses={200: {"model": MerchantOut, "description": "replay of the same id and body"}},
)
async def create_merchant(
    body: MerchantCreate,
    request: Request,
    session: SessionDep,
    principal: Writer,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def handler() -> tuple[int, object, dict[str, str]]:
        status, out = await service.create(session, principal, body)
        out = shown_to(principal, out)
        return status, out, {"ETag": f'"{out.version}"', "Location": f"/api/v1/merchants/{out.id}"}

    return await respond_once(request, session, principal, idempotency_key, body.model_dump(mode="json"), handler)


@router.get("", response_model=Page[MerchantOut], summary="Shops the caller may see; q ignores diacritics")
async def list_merchants(
    session: SessionDep,
    principal: CurrentUser,
    street_id: DbId | None = None,
    unit: Annotated[str | None, Query(description="edition:code, e.g. 2025:26506 or 2020:26509")] = None,
    status: MerchantStatus | None = None,
    review: ReviewState | None = None,
    has_qr: bool | None = None,
    q: Annotated[str | None, Query(max_length=100, description="name, owner, phone or house number")] = None,
    bank_state: Annotated[
        Literal["not_sent", "sent", "accepted", "rejected"] | None,
        Query(description="bank_status.state with the shop's bank; rejected is the ward's to-do list"),
    ] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[MerchantOut]:
    items, nxt = await service.search(
        session,
        principal,
        cursor=cursor,
        limit=limit,
        q=q,
        street_id=street_id,
        unit=parse_unit_ref(unit) if unit else None,
        status=status,
        review=review,
        has_qr=has_qr,
        bank_state=bank_state,
    )
    return Page(items=[shown_to(principal, o) for o in items], next_cursor=nxt)


@router.get("/{merchant_id}", response_model=MerchantOut)
async def get_merchant(
    merchant_id: str, session: SessionDep, principal: CurrentUser, response: Response
) -> MerchantOut:
    out = shown_to(principal, await service.get(session, principal, merchant_id))
    set_etag(response, out.version)
    return out


@router.patch("/{merchant_id}", response_model=MerchantOut)
async def patch_merchant(
    merchant_id: str,
    body: MerchantPatch,
    session: SessionDep,
    principal: Writer,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> MerchantOut:
    out = shown_to(principal, await service.update(session, principal, merchant_id, body, expected_version(if_match)))
    set_etag(response, out.version)
    return out


@router.post("/{merchant_id}/review", response_model=MerchantOut, summary="Approve or reject (maker-checker)")
async def review_merchant(
    merchant_id: str, body: ReviewIn, session: SessionDep, principal: Reviewer, response: Response
) -> MerchantOut:
    out = shown_to(principal, await lifecycle.review(session, principal, merchant_id, body))
    set_etag(response, out.version)
    return out


@router.post("/{merchant_id}/close", response_model=MerchantOut, summary="The shop is gone")
async def close_merchant(
    merchant_id: str, body: CloseIn, session: SessionDep, principal: Writer, response: Response
) -> MerchantOut:
    out = shown_to(principal, await lifecycle.close(session, principal, merchant_id, body))
    set_etag(response, out.version)
    return out


@router.post("/{merchant_id}/photos", response_model=PhotoOut, status_code=201)
async def upload_photo(
    merchant_id: str,
    request: Request,
    session: SessionDep,
    principal: Writer,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="JPEG, PNG or WebP, at most 5 MB")],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    data = await file.read(settings.photo_max_bytes + 1)

    async def handler() -> tuple[int, object, dict[str, str]]:
        status, out = await photos.add_photo(session, principal, settings, merchant_id, data)
        return status, out, {}

    return await respond_once(request, session, principal, idempotency_key, data, handler)


@router.get("/{merchant_id}/photos/{photo_id}", response_class=FileResponse)
async def get_photo(merchant_id: str, photo_id: str, session: SessionDep, principal: CurrentUser) -> FileResponse:
    photo = await photos.get_photo(session, principal, merchant_id, photo_id)
    return FileResponse(
        photo.storage_path,
        media_type=photo.content_type,
        headers={"Cache-Control": "private, max-age=86400", "ETag": f'"{photo.sha256}"'},
    )
