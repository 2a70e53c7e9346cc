"""`GET /bank/events` (the pull feed) and the webhook endpoints of API.md, "Bank hand-off".

Reads: the bank partner for its own BIN; city_admin and auditor name a bank with `?bin=`. Writes (register,
delete, rotate, redeliver): the bank partner only. Another bank's endpoint or delivery is 404.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from app.auth import BankPartner, Principal, Role, require_roles
from app.bank.handoff.scope import acting_bin
from app.bank.outbox.feed import list_events
from app.bank.webhooks import crypto
from app.bank.webhooks import service as webhooks
from app.bank.webhooks.schemas import DeliveryOut, DeliveryPage, EventPage, WebhookIn, WebhookOut, WebhookWithSecret
from app.core.db import SessionDep
from app.core.db.replica import ReadSessionDep
from app.core.deps import SettingsDep
from app.core.pagination import CursorQuery, LimitQuery
from app.idempotency.service import IdempotencyKey, respond_once

router = APIRouter(prefix="/bank", tags=["bank"])
BankReader = Annotated[Principal, Depends(require_roles(Role.BANK_PARTNER, Role.CITY_ADMIN, Role.AUDITOR))]
BinQuery = Annotated[str | None, Query(description="city_admin/auditor: the bank's BIN", max_length=6)]
_404 = {"description": "Not found", "x-problem-codes": ["webhook_not_found"]}


@router.get("/events", response_model=EventPage, summary="The bank's gapless, ordered event feed")
async def list_bank_events(
    session: ReadSessionDep,
    principal: BankReader,
    after: Annotated[int, Query(ge=0, description="Last `seq` already processed (0: from the start)")] = 0,
    limit: LimitQuery = 50,
    bin: BinQuery = None,
) -> EventPage:
    return EventPage.model_validate(await list_events(session, acting_bin(principal, bin), after, limit))


@router.post(
    "/webhooks",
    response_model=WebhookWithSecret,
    status_code=201,
    responses={
        409: {"description": "Conflict", "x-problem-codes": ["too_many_webhooks"]},
        422: {"description": "Invalid", "x-problem-codes": ["webhook_url_not_allowed"]},
    },
)
async def create_webhook(
    body: WebhookIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: BankPartner,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    resolver = getattr(request.app.state, "webhook_resolver", None)
    fresh = False

    async def handler() -> tuple[int, object, dict[str, str]]:
        nonlocal fresh
        fresh = True
        out = await webhooks.create(session, settings, principal, acting_bin(principal, None), body, resolver)
        # what the idempotency store keeps (to answer a replay) holds the secret encrypted, never in clear
        sealed = out.model_copy(update={"secret": crypto.encrypt(settings, out.secret)})
        return 201, sealed, {"Location": f"/api/v1/bank/webhooks/{out.id}"}

    answer = await respond_once(request, session, principal, idempotency_key, body.model_dump(mode="json"), handler)
    content = json.loads(bytes(answer.body))
    if answer.status_code == 201 and fresh:
        content["secret"] = crypto.decrypt(settings, content["secret"])
    elif answer.status_code == 201:  # a replay answers the endpoint, never its secret again (rotate for a new one)
        content.pop("secret", None)
    headers = {k: v for k, v in answer.headers.items() if k.lower() not in ("content-length", "content-type")}
    return JSONResponse(content, status_code=answer.status_code, headers=headers)


@router.get("/webhooks", response_model=list[WebhookOut])
async def list_webhooks(session: SessionDep, principal: BankReader, bin: BinQuery = None) -> list[WebhookOut]:
    return await webhooks.list_endpoints(session, acting_bin(principal, bin))


@router.delete("/webhooks/{webhook_id}", status_code=204, responses={404: _404})
async def delete_webhook(webhook_id: str, session: SessionDep, principal: BankPartner) -> Response:
    await webhooks.delete(session, acting_bin(principal, None), webhook_id)
    return Response(status_code=204)


@router.post(
    "/webhooks/{webhook_id}/rotate-secret",
    response_model=WebhookWithSecret,
    responses={404: _404},
    description="A new secret; the one it replaces keeps signing beside it for 24 h. A second rotation within "
    "those 24 h ends the first old secret at once (one old secret at a time).",
)
async def rotate_webhook_secret(
    webhook_id: str, session: SessionDep, settings: SettingsDep, principal: BankPartner
) -> WebhookWithSecret:
    return await webhooks.rotate(session, settings, acting_bin(principal, None), webhook_id)


@router.get("/webhooks/{webhook_id}/deliveries", response_model=DeliveryPage, responses={404: _404})
async def list_webhook_deliveries(
    webhook_id: str,
    session: SessionDep,
    principal: BankReader,
    status: Literal["pending", "succeeded", "failed", "cancelled", "cancelled_consent_withdrawn"] | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
    bin: BinQuery = None,
) -> DeliveryPage:
    return await webhooks.deliveries(
        session,
        acting_bin(principal, bin),
        webhook_id,
        status=status,
        cursor=cursor,
        limit=limit,
        deleted_too=principal.role in (Role.CITY_ADMIN, Role.AUDITOR),
    )


@router.post(
    "/deliveries/{delivery_id}/redeliver",
    response_model=DeliveryOut,
    status_code=202,
    responses={
        404: {"description": "Not found", "x-problem-codes": ["delivery_not_found"]},
        409: {
            "description": "Endpoint disabled, or the owner withdrew consent",
            "x-problem-codes": ["invalid_state", "consent_withdrawn"],
        },
    },
)
async def redeliver_delivery(delivery_id: str, session: SessionDep, principal: BankPartner) -> DeliveryOut:
    return await webhooks.redeliver(session, acting_bin(principal, None), delivery_id)
