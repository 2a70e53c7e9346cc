"""The PostgreSQL plan of the statement a piece of app code runs: for tests that hold a query to its indexes.

`await plan_of(session, lambda: repo.holders(...), off=("enable_seqscan",))` runs the call, takes the last
statement it sent, and EXPLAINs it with the given planner methods priced out (in the test's transaction only).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession


async def plan_of(
    session: AsyncSession, call: Callable[[], Awaitable[Any]], *, off: tuple[str, ...] = (), sql_has: str = ""
) -> list[str]:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("query plans: PostgreSQL")
    conn = await session.connection()
    seen: list[tuple[str, Any]] = []

    def capture(_c, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    event.listen(conn.sync_connection, "before_cursor_execute", capture)
    try:
        await call()
    finally:
        event.remove(conn.sync_connection, "before_cursor_execute", capture)
    statement, parameters = [s for s in seen if sql_has in s[0]][-1]
    for setting in off:
        await conn.exec_driver_sql(f"SET LOCAL {setting} = off")
    try:
        return [r[0] for r in (await conn.exec_driver_sql("EXPLAIN " + statement, parameters)).all()]
    finally:
        for setting in off:
            await conn.exec_driver_sql(f"SET LOCAL {setting} = on")
