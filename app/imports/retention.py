"""Retention of uploaded spreadsheets: a finished import's file and its errors (which quote the file's cells, and
from which its error file is built) are dropped PHOQR_RETENTION_IMPORT_DAYS (default 30) after it finished.

The import itself stays: its status, counts and hashes, so a replay with the same Idempotency-Key and file still
answers the stored outcome and the shops keep the import id in their audit. `GET /imports/{id}/errors.xlsx` of
a pruned import is 410 `import_file_pruned`. Queued and running imports are never pruned (their file is the work).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.imports.repository import ImportRepository

FINISHED = ("done", "rejected", "failed")


async def prune_import_files(session: AsyncSession, now: datetime, days: int, batch: int) -> int:
    """Empty the file and errors of up to `batch` imports finished more than `days` ago; returns how many."""
    return await ImportRepository(session).prune_files(FINISHED, now - timedelta(days=days), now, batch)
