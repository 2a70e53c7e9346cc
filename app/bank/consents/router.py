"""Consent texts and the owner's consents (Law 91/2025/QH15, Decree 356/2025/ND-CP)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.auth import CurrentUser, Writer
from app.bank.consents import service as consenting
from app.consents import service as consents
from app.consents.schemas import ConsentIn, ConsentOut, ConsentTextOut, WithdrawIn
from app.core.db import SessionDep
from app.idempotency.service import IdempotencyKey, respond_once

router = APIRouter(tags=["consents"])


@router.get("/consent-texts", response_model=list[ConsentTextOut], summary="What an owner agrees to, by version")
async def list_consent_texts(session: SessionDep, principal: CurrentUser) -> list[ConsentTextOut]:
    return [ConsentTextOut.model_validate(t, from_attributes=True) for t in await consents.texts(session)]


@router.post(
    "/merchants/{merchant_id}/consents",
    response_model=ConsentOut,
    status_code=201,
    responses={200: {"model": ConsentOut, "description": "the same consent is already in force"}},
    summary="Record the owner's consent to hand the shop to a bank",
)
async def give_consent(
    merchant_id: str,
    body: ConsentIn,
    request: Request,
    session: SessionDep,
    principal: Writer,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def handler() -> tuple[int, object, dict[str, str]]:
        status, out = await consenting.give(session, principal, merchant_id, body)
        return status, out, {"Location": f"/api/v1/merchants/{merchant_id}/consents"}

    return await respond_once(request, session, principal, idempotency_key, body.model_dump(mode="json"), handler)


@router.get("/merchants/{merchant_id}/consents", response_model=list[ConsentOut])
async def list_consents(merchant_id: str, session: SessionDep, principal: CurrentUser) -> list[ConsentOut]:
    return await consenting.list_for(session, principal, merchant_id)


@router.post("/consents/{consent_id}/withdraw", response_model=ConsentOut, summary="The owner takes consent back")
async def withdraw_consent(consent_id: str, body: WithdrawIn, session: SessionDep, principal: Writer) -> ConsentOut:
    return await consenting.withdraw(session, principal, consent_id, body.reason)
