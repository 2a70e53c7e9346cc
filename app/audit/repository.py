from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlmodel import col

from app.audit.models import AuditLog
from app.core.repository import Repository

_INSERT = insert(AuditLog.__table__)  # type: ignore[attr-defined]  # SQLModel sets __table__; its stubs do not say


class AuditRepository(Repository[AuditLog]):
    model = AuditLog

    async def page(
        self, *, entity: str | None, entity_id: str | None, cursor: str | None, limit: int
    ) -> tuple[list[AuditLog], str | None]:
        """Newest first."""
        stmt = select(AuditLog)
        if entity:
            stmt = stmt.where(col(AuditLog.entity_type) == entity)
        if entity_id:
            stmt = stmt.where(col(AuditLog.entity_id) == entity_id)
        return await self.paginate(stmt, order=[col(AuditLog.id)], cursor=cursor, limit=limit, descending=True)

    async def insert_many(self, rows: list[dict[str, Any]]) -> None:
        """Audit rows in one core executemany (built by the caller; the ORM's bulk path cost more than the rows)."""
        if rows:
            await self.session.execute(_INSERT, rows)
