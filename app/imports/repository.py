from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app.core.db.integrity import violated
from app.core.errors import Conflict
from app.core.repository import Repository
from app.imports.models import ImportJob


class ImportRepository(Repository[ImportJob]):
    model = ImportJob

    async def get(self, import_id: str, *, for_update: bool = False) -> ImportJob | None:
        return await self.get_by_id(import_id, for_update=for_update)

    async def by_key_hash(self, key_hash: str) -> ImportJob | None:
        return await self.get_one_or_none(select(ImportJob).where(col(ImportJob.key_hash) == key_hash))

    async def flush_claim(self) -> None:
        """Write the new import; a concurrent upload with the same key won the unique index: retry later."""
        try:
            await self.session.flush()
        except IntegrityError as exc:
            if violated(exc) != "uq_import_job_key_hash":
                raise
            raise Conflict(
                "Yêu cầu trùng đang được xử lý, hãy thử lại",
                "The same request is being processed; retry",
                code="idempotency_in_progress",
                headers={"Retry-After": "1"},
            ) from exc

    async def next_queued(self) -> ImportJob | None:
        """The oldest queued import, locked so two workers never take the same one (SKIP LOCKED on PostgreSQL)."""
        stmt = (
            select(ImportJob)
            .where(col(ImportJob.status) == "queued")
            .order_by(col(ImportJob.created_at))
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return await self.get_one_or_none(stmt)
