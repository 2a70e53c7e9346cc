"""Append an audit row in the same transaction as the change it describes, and read the trail back."""

from __future__ import annotations

from typing import Any, TypedDict

from sqlalchemy.ext.asyncio import AsyncSession
from typing_extensions import Unpack

from app.audit.models import AuditLog
from app.audit.repository import AuditRepository
from app.audit.schemas import AuditOut
from app.auth import Principal
from app.core.db import utcnow
from app.observability.logs import request_id_var

PENDING = "audit_pending"


def snapshot(obj: Any, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A JSON-safe copy of a row's columns, taken before and after a change."""
    data = obj.model_dump(include=set(fields) if fields else None)
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


class Details(TypedDict, total=False):
    """What an audit row may carry beside who did what to which entity."""

    before: dict[str, Any] | None
    after: dict[str, Any] | None
    device_id: str | None
    context: dict[str, Any] | None


async def record(
    session: AsyncSession,
    principal: Principal | None,
    action: str,
    entity_type: str,
    entity_id: str | int,
    **details: Unpack[Details],
) -> None:
    """`principal` None: a change made by the system (the CLI's demo data), not by a user. `context`: how the change
    came (e.g. {"channel": "import", "import_id": ...}), stored beside the snapshots."""
    row = audit_row(principal, action, entity_type, entity_id, **details)
    pending = session.info.get(PENDING)
    if pending is not None:
        # a batch (/sync, an import chunk) writes its audit rows together in one executemany, once each operation
        # has stood: plain rows, no ORM object (building 5,000 of them was a sixth of an import's time)
        pending.append(row)
    else:
        session.add(AuditLog(**row))


async def record_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Audit rows built with `audit_row`, written now in one core statement (a batch's go with the batch's), for
    changes written as core rows themselves (new shops): no ORM object to build and flush."""
    pending = session.info.get(PENDING)
    if pending is not None:
        pending.extend(rows)
    else:
        await AuditRepository(session).insert_many(rows)


def audit_row(
    principal: Principal | None,
    action: str,
    entity_type: str,
    entity_id: str | int,
    **details: Unpack[Details],
) -> dict[str, Any]:
    """The audit row `record` writes, as columns."""
    return {
        "at": utcnow(),
        "actor_id": principal.id if principal else None,
        "actor_username": principal.username if principal else None,
        "actor_role": principal.role if principal else None,
        "device_id": details.get("device_id") or (principal.device_id if principal else None),
        "action": action,
        "entity_type": entity_type,
        "entity_id": str(entity_id),
        "before": details.get("before"),
        "after": details.get("after"),
        "context": details.get("context"),
        # the request that made the change (X-Request-ID, echoed to the caller and written in every log line)
        "request_id": request_id_var.get(),
    }


def to_out(row: AuditLog) -> AuditOut:
    return AuditOut(
        id=row.id or 0,
        at=row.at,
        actor_id=row.actor_id,
        actor_username=row.actor_username,
        actor_role=row.actor_role,
        device_id=row.device_id,
        request_id=row.request_id,
        action=row.action,
        entity=row.entity_type,
        entity_id=row.entity_id,
        before=row.before,
        after=row.after,
    )


async def trail(
    session: AsyncSession, *, entity: str | None, entity_id: str | None, cursor: str | None, limit: int
) -> tuple[list[AuditOut], str | None]:
    rows, nxt = await AuditRepository(session).page(entity=entity, entity_id=entity_id, cursor=cursor, limit=limit)
    return [to_out(r) for r in rows], nxt
