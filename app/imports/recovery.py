"""Imports whose process died mid-run: taken over, or after MAX_ATTEMPTS marked failed with the reason.

A background run (app.imports.jobs) writes every row in ONE transaction, so a process that dies mid-run leaves
nothing half-written: its transaction is rolled back by the database, only the `running` status and the progress
(rows done) were committed. Running it again from the start is therefore exact. How a dead run is told from a
live one:

- PostgreSQL: a run holds `pg_advisory_xact_lock(IMPORT_LOCK, hashtext(id))` for its whole transaction; the lock
  dies with the process's connection. A `running` import whose lock can be taken has no live run.
- SQLite (one process per database file): a `running` import that this process is not running.

The sweep runs when the import worker starts (so at every start of `phoqr serve`) and then every RECOVER_SECONDS.
Between the claim (committed `running`, `attempts` + 1) and the run taking its lock, the sweep may take an import
over; the run then finds another status or attempt and leaves it to whoever holds it now (`still_mine`).
"""

from __future__ import annotations

import json
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.db import utcnow
from app.imports.models import ImportJob
from app.imports.repository import ImportRepository

log = logging.getLogger("phoqr.imports")
IMPORT_LOCK = 0x1A0F  # advisory lock namespace of import runs (sync batches and snapshots use others)
MAX_ATTEMPTS = 3  # a file that kills the process every time stops being retried
RECOVER_SECONDS = 60.0
# imports this process is running now (the SQLite rule; on PostgreSQL the lock says it)
RUNNING: set[str] = set()
INTERRUPTED = {
    "code": "import_interrupted",
    "detail": "Lần nhập bị gián đoạn nhiều lần (tiến trình dừng giữa chừng); không dòng nào được ghi. "
    "Hãy tải tệp lên lại với Idempotency-Key mới.",
    "detail_en": "The import was interrupted repeatedly (its process stopped mid-run); no row was written. "
    "Upload the file again with a new Idempotency-Key.",
}


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def hold(session: AsyncSession, import_id: str) -> None:
    """Taken by a run at the start of its transaction, held until it ends (PostgreSQL)."""
    if _postgres(session):
        await ImportRepository(session).hold_run_lock(IMPORT_LOCK, import_id)


async def still_mine(session: AsyncSession, import_id: str, attempt: int) -> ImportJob | None:
    """The import, when the claim of `attempt` still stands (not taken over by a sweep in between)."""
    job = await session.get(ImportJob, import_id, populate_existing=True)
    if job is None or job.status != "running" or job.attempts != attempt:
        return None
    return job


async def _dead(session: AsyncSession, import_id: str) -> bool:
    if import_id in RUNNING:
        return False
    if not _postgres(session):
        return True
    return await ImportRepository(session).run_lock_free(IMPORT_LOCK, import_id)


async def recover(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    """Queue again (or fail, after MAX_ATTEMPTS) every `running` import with no live run; {id: new status}."""
    moved: dict[str, str] = {}
    async with sessionmaker() as session, session.begin():
        for job in await ImportRepository(session).running_for_update():
            if not await _dead(session, job.id):
                continue
            if job.attempts >= MAX_ATTEMPTS:
                job.status, job.problem, job.finished_at = "failed", json.dumps(INTERRUPTED), utcnow()
            else:
                job.status, job.rows_done = "queued", 0  # its transaction never committed: start again
            moved[job.id] = job.status
    for import_id, status in moved.items():
        log.warning("import %s was interrupted (its process stopped): %s", import_id, status)
    return moved
