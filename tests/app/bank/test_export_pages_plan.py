"""A page of the bank's export starts where the last one ended in every table it reads.

The bench at 1,000,000 shops found each page merging accounts and consents from their first row (the planner
does not carry `merchant.id > after` across the join): 1.4 s a page, the export quadratic. With the bound on
each table, each index scan starts at the cursor. Checked on the plan, with whole-table scans priced out.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from app.bank.records import load_bank_records


async def test_each_table_of_an_export_page_is_read_from_the_cursor_on(session: AsyncSession) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("query plans: PostgreSQL")
    conn = await session.connection()
    seen: list[tuple[str, object]] = []

    def capture(_c, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    event.listen(conn.sync_connection, "before_cursor_execute", capture)
    try:
        await load_bank_records(session, "970436", after="80000000", limit=1000)
    finally:
        event.remove(conn.sync_connection, "before_cursor_execute", capture)
    statement, parameters = seen[-1]
    for setting in ("enable_seqscan", "enable_hashjoin", "enable_bitmapscan"):
        await conn.exec_driver_sql(f"SET LOCAL {setting} = off")
    try:
        rows = (await conn.exec_driver_sql("EXPLAIN " + statement, parameters)).all()  # type: ignore[arg-type]
    finally:
        for setting in ("enable_seqscan", "enable_hashjoin", "enable_bitmapscan"):
            await conn.exec_driver_sql(f"SET LOCAL {setting} = on")
    plan = [r[0] for r in rows]
    for table in ("merchant", "payment_account", "consent"):
        at = next((i for i, line in enumerate(plan) if f" on {table} " in f"{line} " and "Scan" in line), None)
        assert at is not None, (table, "\n".join(plan))
        conditions = [line for line in plan[at + 1 : at + 4] if "Cond:" in line or "Filter:" in line]
        # the cursor bounds this table's own rows (Index Cond when its index can start there)
        assert any("> '80000000'" in line for line in conditions), (table, "\n".join(plan))
