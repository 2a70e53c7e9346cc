"""Idempotency-Key for every POST that creates something (API.md).

Same key + same body within the retention window answers the first response again (with
`Idempotent-Replayed: true`); same key + another body is 409 `idempotency_key_reused`. The record is written in
the same transaction as the change, so a crash can't leave one without the other; two workers racing on one
key collide on the (user, key) unique constraint and the loser's whole transaction is rolled back (409
`idempotency_in_progress`, Retry-After: 1): the client's retry then gets the stored first answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.core.db.integrity import violated
from app.core.errors import Conflict
from app.idempotency.models import IdempotencyRecord
from app.idempotency.repository import IdempotencyRepository

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=255, description="Makes retries of this POST harmless"),
]


def encoded(content: Any) -> Any:
    """`jsonable_encoder(content)`: a model's JSON dump as is (what the encoder returns for a model, without its walk
    of the dump: a shop's answer took ~90 recursive calls)."""
    if isinstance(content, BaseModel):
        return content.model_dump(mode="json", by_alias=True)
    return jsonable_encoder(content)


def request_hash(method: str, path: str, body: Any) -> str:
    """Canonical: key order and whitespace of the JSON body do not matter, values do."""
    canonical = body if isinstance(body, bytes) else json.dumps(jsonable_encoder(body), sort_keys=True).encode()
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


async def run_idempotent(
    session: AsyncSession,
    principal: Principal,
    key: str | None,
    *,
    method: str,
    path: str,
    body: Any,
    retention_hours: int,
    handler: Callable[[], Awaitable[tuple[int, Any, dict[str, str]]]],
    redact: Callable[[Any], Any] | None = None,
) -> JSONResponse:
    """Run `handler` (returning status, JSON-able content, headers) at most once per key. `redact` turns the
    answer into what is stored for replays (a one-time password is shown once and never stored)."""
    if key is None:
        status, content, headers = await handler()
        return JSONResponse(encoded(content), status_code=status, headers=headers)
    digest = request_hash(method, path, body)
    now = datetime.now(UTC)
    stored = await IdempotencyRepository(session).by_key(principal.id, key)
    if stored is not None:
        expires = stored.expires_at if stored.expires_at.tzinfo else stored.expires_at.replace(tzinfo=UTC)
        if expires <= now:
            await session.delete(stored)
            await session.flush()
        elif stored.request_hash != digest:
            raise Conflict(
                "Idempotency-Key này đã dùng cho một yêu cầu khác",
                "This Idempotency-Key was used for a different request",
                code="idempotency_key_reused",
            )
        else:
            saved = json.loads(stored.response_body)
            return JSONResponse(
                saved["content"],
                status_code=stored.status_code,
                headers=saved.get("headers", {}) | {"Idempotent-Replayed": "true"},
            )
    status, content, headers = await handler()
    answer = encoded(content)
    if status < 500:
        session.add(
            IdempotencyRecord(
                user_id=principal.id,
                key=key,
                method=method,
                path=path,
                request_hash=digest,
                status_code=status,
                response_body=json.dumps(
                    {"content": redact(answer) if redact else answer, "headers": headers}, ensure_ascii=False
                ),
                created_at=now,
                expires_at=now + timedelta(hours=retention_hours),
            )
        )
        try:
            await session.flush()
        except IntegrityError as exc:
            if violated(exc) != "uq_idempotency_record_user_id_key":
                raise
            raise Conflict(
                "Yêu cầu trùng đang được xử lý, hãy thử lại",
                "The same request is being processed; retry",
                code="idempotency_in_progress",
                headers={"Retry-After": "1"},
            ) from exc
    return JSONResponse(answer, status_code=status, headers=headers)


async def respond_once(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    key: str | None,
    body: Any,
    handler: Callable[[], Awaitable[tuple[int, Any, dict[str, str]]]],
    redact: Callable[[Any], Any] | None = None,
) -> JSONResponse:
    """`run_idempotent` for a router: method, path and retention come from the request and the app's settings."""
    return await run_idempotent(
        session,
        principal,
        key,
        method=request.method,
        path=request.url.path,
        body=body,
        retention_hours=request.app.state.settings.idempotency_hours,
        handler=handler,
        redact=redact,
    )
