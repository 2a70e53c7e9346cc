"""The field app's one extra read: GET /api/v1/field/work (everything else it does uses the existing API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from app.auth import Writer
from app.core.db import SessionDep
from app.field import service
from app.field.schemas import WorkList

router = APIRouter(prefix="/field", tags=["field"])


@router.get(
    "/work",
    response_model=WorkList,
    summary="The agent's units and streets with coverage, and the form's reference data, in one request",
    description=(
        "Model streets first. Answers carry a strong `ETag`; send it back in `If-None-Match` and an unchanged "
        "list answers `304 Not Modified` with no body, so the phone revalidates its cached copy cheaply."
    ),
    responses={304: {"description": "the copy named by If-None-Match is still current"}},
)
async def work(
    session: SessionDep,
    principal: Writer,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    body = (await service.work_list(session, principal)).model_dump_json().encode()
    tag = service.entity_tag(body)
    headers = {"ETag": tag, "Cache-Control": "private, no-cache", "Vary": "Authorization"}
    if service.matches(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
