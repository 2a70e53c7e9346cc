"""Append an audit row in the same transaction as the change it describes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditLog
from app.auth import Principal

PENDING = "audit_pending"


def snapshot(obj: Any, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A JSON-safe copy of a row's columns, taken before and after a change."""
    data = obj.model_dump(include=set(fields) if fields else None)
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


async def record(
    session: AsyncSession,
    principal: Principal | None,
    action: str,
    entity_type: str,
    entity_id: str | int,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    device_id: str | None = None,
) -> None:
    row = AuditLog(
        actor_id=principal.id if principal else None,
        actor_username=principal.username if principal else None,
        actor_role=principal.role if principal else None,
        device_id=device_id or (principal.device_id if principal else None),
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=before,
        after=after,
    )
    pending = session.info.get(PENDING)
    if pending is not None:  # a sync batch writes its audit rows together, once each operation has stood
        pending.append(row)
    else:
        session.add(row)
