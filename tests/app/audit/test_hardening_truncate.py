"""The audit trail refuses TRUNCATE on PostgreSQL too (the row triggers never fire for it)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.audit.models import AuditLog


async def test_truncate_of_the_audit_table_is_refused(session, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has no TRUNCATE; its DELETE is refused by the row triggers")
    session.add(AuditLog(action="test", entity_type="merchant", entity_id="x"))
    await session.flush()
    before = (await session.execute(select(func.count()).select_from(AuditLog))).scalar_one()
    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin_nested():
            await session.execute(text("TRUNCATE audit_log"))
    assert (await session.execute(select(func.count()).select_from(AuditLog))).scalar_one() == before
