"""A page of the bank's export starts where the last one ended in every table it reads.

The bench at 1,000,000 shops found each page merging accounts and consents from their first row (the planner
does not carry `merchant.id > after` across the join): 1.4 s a page, the export quadratic. With the bound on
each table, each index scan starts at the cursor. Checked on the plan, with whole-table scans priced out.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.bank.handoff.records import load_bank_records
from tests.plans import plan_of


async def test_each_table_of_an_export_page_is_read_from_the_cursor_on(session: AsyncSession) -> None:
    plan = await plan_of(
        session,
        lambda: load_bank_records(session, "970436", after="80000000", limit=1000),
        off=("enable_seqscan", "enable_hashjoin", "enable_bitmapscan"),
    )
    for table in ("merchant", "payment_account", "consent"):
        at = next((i for i, line in enumerate(plan) if f" on {table} " in f"{line} " and "Scan" in line), None)
        assert at is not None, (table, "\n".join(plan))
        conditions = [line for line in plan[at + 1 : at + 4] if "Cond:" in line or "Filter:" in line]
        # the cursor bounds this table's own rows (Index Cond when its index can start there)
        assert any("> '80000000'" in line for line in conditions), (table, "\n".join(plan))
