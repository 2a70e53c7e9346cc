"""The hard-duplicate lookup that runs on every registration can be served by indexes alone.

`make load` found it scanning both tables whole (an OR across the merchant/account join can use no index):
10-25 ms per registration at 15,000 shops, growing with the city. With sequential scans priced out, the plan of
an indexable query uses the indexes; the old query had no other way than to scan.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from app.merchants.repository import MerchantRepository


async def test_phone_and_account_holders_are_found_through_their_unique_indexes(session: AsyncSession) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("query plans: PostgreSQL")
    conn = await session.connection()
    seen: list[tuple[str, object]] = []

    def capture(_c, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    event.listen(conn.sync_connection, "before_cursor_execute", capture)
    try:
        await MerchantRepository(session).holders("0909123456", "970436:0123456789")
    finally:
        event.remove(conn.sync_connection, "before_cursor_execute", capture)
    (statement, parameters), *_ = [s for s in seen if "phone_active" in s[0]]
    await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    try:
        plan = "\n".join(
            r[0]
            for r in (await conn.exec_driver_sql("EXPLAIN " + statement, parameters)).all()  # type: ignore[arg-type]
        )
    finally:
        await conn.exec_driver_sql("SET LOCAL enable_seqscan = on")
    assert "Seq Scan" not in plan, plan
    assert "uq_merchant_phone_active" in plan and "uq_payment_account_active_key" in plan, plan
