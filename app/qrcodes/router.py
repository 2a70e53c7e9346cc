from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, File, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse

import qr
from app.auth import CurrentUser, Writer
from app.core import ratelimit
from app.core.db import SessionDep
from app.core.deps import SettingsDep
from app.idempotency.service import IdempotencyKey, respond_once
from app.qrcodes import issuing, public, service
from app.qrcodes.presentation import StickerFormat, render_sticker, sticker_info, to_out
from app.qrcodes.schemas import DecodedImageOut, DecodeOut, IssueIn, PayloadIn, QROut, RevokeIn, VerifyOut

router = APIRouter(tags=["qr"])
IMMUTABLE = "private, max-age=31536000, immutable"


@router.post(
    "/merchants/{merchant_id}/qr",
    response_model=QROut,
    status_code=201,
    summary="Issue the shop's QR through its bank adapter (re-issuing revokes the previous one)",
    responses={200: {"model": QROut, "description": "A concurrent request issued the same QR first: that QR"}},
)
async def issue_qr(
    merchant_id: str,
    request: Request,
    session: SessionDep,
    principal: Writer,
    body: Annotated[IssueIn, Body()] = IssueIn(),
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def handler() -> tuple[int, object, dict[str, str]]:
        adapters = request.app.state.adapters
        out, created = await issuing.issue_between_transactions(session, principal, adapters, merchant_id, body.scheme)
        return 201 if created else 200, out, {"Location": f"/api/v1/qr/{out.id}"}

    return await respond_once(request, session, principal, idempotency_key, body.model_dump(), handler)


@router.post(
    "/merchants/{merchant_id}/qr/existing",
    response_model=QROut,
    status_code=201,
    summary="Register the bank QR the shop already shows",
)
async def register_existing(
    merchant_id: str,
    body: PayloadIn,
    request: Request,
    session: SessionDep,
    principal: Writer,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def handler() -> tuple[int, object, dict[str, str]]:
        return 201, await service.register_existing(session, principal, merchant_id, body.payload), {}

    return await respond_once(request, session, principal, idempotency_key, body.model_dump(), handler)


@router.post("/qr/decode", response_model=DecodeOut, summary="Every field of a payload, or the failing field")
async def decode(body: PayloadIn, _: CurrentUser) -> DecodeOut:
    return public.decode(body.payload)


@router.post(
    "/qr/decode/image",
    response_model=DecodedImageOut,
    summary="Read the QR in a photo (JPEG, PNG or WebP), then decode it like /qr/decode",
)
async def decode_image(
    _: CurrentUser,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="a photo of the QR the shop already shows, at most 5 MB")],
) -> DecodedImageOut:
    return await public.decode_photo(settings, await file.read(settings.photo_max_bytes + 1))


@router.post("/qr/verify", response_model=VerifyOut, summary="Public: is this sticker's QR registered here?")
async def verify(body: PayloadIn, request: Request, session: SessionDep, settings: SettingsDep) -> VerifyOut:
    client = request.client.host if request.client else "unknown"
    await ratelimit.hit(session, f"verify:{client}", limit=settings.verify_rate_per_minute, window_seconds=60)
    return await public.verify(session, body.payload)


@router.delete("/qr/{qr_id}", response_model=QROut, summary="Revoke, with a reason (history is kept)")
async def revoke(qr_id: str, body: RevokeIn, session: SessionDep, principal: Writer) -> QROut:
    return await service.revoke(session, principal, qr_id, body.reason)


def _cached(request: Request, content: bytes, media_type: str, etag: str, status: str) -> Response:
    headers = {"ETag": etag, "Cache-Control": IMMUTABLE, "X-QR-Status": status}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=media_type, headers=headers)


@router.get("/qr/{qr_id}.png", response_class=Response, responses={200: {"content": {"image/png": {}}}})
async def png(
    qr_id: str,
    request: Request,
    session: SessionDep,
    principal: CurrentUser,
    scale: Annotated[int, Query(ge=1, le=40)] = 8,
) -> Response:
    code = await service.load_qr(session, principal, qr_id)
    etag = f'"{code.id}-png-{scale}"'
    body = b"" if request.headers.get("if-none-match") == etag else qr.render_png(code.payload, scale=scale)
    return _cached(request, body, "image/png", etag, code.status)


@router.get("/qr/{qr_id}.svg", response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
async def svg(qr_id: str, request: Request, session: SessionDep, principal: CurrentUser) -> Response:
    code = await service.load_qr(session, principal, qr_id)
    return _cached(request, qr.render_svg(code.payload).encode(), "image/svg+xml", f'"{code.id}-svg"', code.status)


async def _sticker(
    request: Request, session: SessionDep, principal: CurrentUser, qr_id: str, kind: StickerFormat
) -> Response:
    code = await service.load_qr(session, principal, qr_id)
    etag = f'"{code.id}-sticker-{kind}"'
    media_type = "application/pdf" if kind == "pdf" else "image/png"
    if request.headers.get("if-none-match") == etag:
        return _cached(request, b"", media_type, etag, code.status)
    content = await render_sticker(kind, await sticker_info(session, code))
    return _cached(request, content, media_type, etag, code.status)


@router.get("/qr/{qr_id}/sticker.pdf", response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
async def sticker_pdf(qr_id: str, request: Request, session: SessionDep, principal: CurrentUser) -> Response:
    return await _sticker(request, session, principal, qr_id, "pdf")


@router.get("/qr/{qr_id}/sticker.png", response_class=Response, responses={200: {"content": {"image/png": {}}}})
async def sticker_png(qr_id: str, request: Request, session: SessionDep, principal: CurrentUser) -> Response:
    return await _sticker(request, session, principal, qr_id, "png")


# after the .png/.svg routes: "{qr_id}" would otherwise swallow "abc.png"
@router.get("/qr/{qr_id}", response_model=QROut)
async def get_qr(qr_id: str, session: SessionDep, principal: CurrentUser) -> QROut:
    return to_out(await service.load_qr(session, principal, qr_id))
