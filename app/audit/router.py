from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.audit import service
from app.audit.schemas import AuditEntity, AuditOut
from app.auth import AuditReader
from app.core.db import SessionDep
from app.core.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=Page[AuditOut], summary="Who changed what, newest first (auditor, city_admin)")
async def list_audit(
    session: SessionDep,
    _: AuditReader,
    entity: AuditEntity | None = None,
    id: Annotated[str | None, Query(max_length=64, description="the entity's id")] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[AuditOut]:
    items, nxt = await service.trail(session, entity=entity, entity_id=id, cursor=cursor, limit=limit)
    return Page(items=items, next_cursor=nxt)
