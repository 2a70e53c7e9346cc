from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app.banks.models import Bank, BankStatus
from app.consents.models import ConsentText
from app.core.db.integrity import violated
from app.core.errors import Conflict
from app.core.repository import Repository
from app.imports.models import ImportJob
from app.streets.models import Street, StreetUnit


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

    async def hold_run_lock(self, namespace: int, import_id: str) -> None:
        """PostgreSQL: an advisory lock held by a run until its transaction ends (app.imports.recovery)."""
        await self.session.execute(select(func.pg_advisory_xact_lock(namespace, func.hashtext(import_id))))

    async def run_lock_free(self, namespace: int, import_id: str) -> bool:
        """PostgreSQL: True when no live run holds the import's lock (taking it until this transaction ends)."""
        got = await self.session.execute(select(func.pg_try_advisory_xact_lock(namespace, func.hashtext(import_id))))
        return bool(got.scalar_one())

    async def running_for_update(self) -> list[ImportJob]:
        """Imports marked `running`, oldest first, locked (those another sweep holds are skipped)."""
        stmt = select(ImportJob).where(col(ImportJob.status) == "running").order_by(col(ImportJob.created_at))
        return list((await self.session.execute(stmt.with_for_update(skip_locked=True))).scalars())

    async def prune_files(self, statuses: tuple[str, ...], before: datetime, now: datetime, batch: int) -> int:
        """Empty the file and errors of up to `batch` imports in `statuses` that ended before `before`."""
        ended = func.coalesce(col(ImportJob.finished_at), col(ImportJob.created_at))
        found = await self.session.execute(
            select(col(ImportJob.id))
            .where(col(ImportJob.status).in_(statuses), col(ImportJob.pruned_at).is_(None), ended < before)
            .order_by(col(ImportJob.id))
            .limit(batch)
        )
        ids = list(found.scalars())
        if ids:
            await self.session.execute(
                update(ImportJob).where(col(ImportJob.id).in_(ids)).values(content=b"", errors="[]", pruned_at=now)
            )
        return len(ids)

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

    async def set_fields(self, import_id: str, **values: Any) -> None:
        await self.session.execute(update(ImportJob).where(col(ImportJob.id) == import_id).values(**values))

    # what a workbook's rows are checked against (app.imports.refs)

    async def streets_of_unit(self, unit: tuple[str, str]) -> list[tuple[int, str, str, str | None]]:
        """(id, kind, name, segment) of the unit's streets, by name."""
        in_unit = select(col(StreetUnit.street_id)).where(
            col(StreetUnit.edition) == unit[0], col(StreetUnit.code) == unit[1]
        )
        rows = await self.session.execute(
            select(col(Street.id), col(Street.kind), col(Street.name), col(Street.segment))
            .where(col(Street.id).in_(in_unit))
            .order_by(col(Street.name_search), col(Street.id))
        )
        return [(int(i or 0), k, n, s) for i, k, n, s in rows.all()]

    async def active_banks(self) -> list[tuple[str, str, str]]:
        """(BIN, short name, name) of the active banks."""
        banks = await self.session.execute(
            select(col(Bank.bin), col(Bank.short_name), col(Bank.name))
            .where(col(Bank.status) == BankStatus.ACTIVE)
            .order_by(col(Bank.short_name))
        )
        return [(b, s, n) for b, s, n in banks.all()]

    async def consent_texts(self) -> list[tuple[int, str, str]]:
        """(version, purpose, sha256) of the published consent texts."""
        texts = await self.session.execute(
            select(col(ConsentText.version), col(ConsentText.purpose), col(ConsentText.sha256)).order_by(
                col(ConsentText.version)
            )
        )
        return [(int(v), p, h) for v, p, h in texts.all()]
