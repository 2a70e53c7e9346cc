from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from app.audit.models import AuditLog
from app.auth import AuditReader
from app.core.db import SessionDep
from app.core.pagination import CursorQuery, LimitQuery, Page, decode_cursor, encode_cursor

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor_id: int | None
    actor_username: str | None
    actor_role: str | None
    device_id: str | None
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@router.get("", response_model=Page[AuditOut], summary="Who changed what, newest first (auditor, city_admin)")
async def list_audit(
    session: SessionDep,
    _: AuditReader,
    entity: Literal["merchant", "qr", "street", "review"] | None = None,
    id: Annotated[str | None, Query(max_length=64, description="the entity's id")] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[AuditOut]:
    stmt = select(AuditLog)
    if entity:
        stmt = stmt.where(AuditLog.entity_type == entity)
    if id:
        stmt = stmt.where(AuditLog.entity_id == id)
    after = decode_cursor(cursor, 1)
    if after:
        stmt = stmt.where(AuditLog.id < int(after[0]))
    rows = list((await session.execute(stmt.order_by(AuditLog.id.desc()).limit(limit + 1))).scalars())
    more, rows = len(rows) > limit, rows[:limit]
    items = [
        AuditOut(
            id=r.id or 0,
            at=r.at,
            actor_id=r.actor_id,
            actor_username=r.actor_username,
            actor_role=r.actor_role,
            device_id=r.device_id,
            action=r.action,
            entity=r.entity_type,
            entity_id=r.entity_id,
            before=r.before,
            after=r.after,
        )
        for r in rows
    ]
    return Page(items=items, next_cursor=encode_cursor([rows[-1].id]) if more and rows else None)
