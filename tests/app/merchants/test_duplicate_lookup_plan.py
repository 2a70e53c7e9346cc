"""The hard-duplicate lookup that runs on every registration can be served by indexes alone.

`make load` found it scanning both tables whole (an OR across the merchant/account join can use no index):
10-25 ms per registration at 15,000 shops, growing with the city. With sequential scans priced out, the plan of
an indexable query uses the indexes; the old query had no other way than to scan.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.merchants.repository import MerchantRepository
from tests.plans import plan_of


async def test_phone_and_account_holders_are_found_through_their_unique_indexes(session: AsyncSession) -> None:
    repo = MerchantRepository(session)
    holders = lambda: repo.holders("0909123456", "970436:0123456789")  # noqa: E731
    lines = await plan_of(session, holders, off=("enable_seqscan",), sql_has="phone_active")
    plan = "\n".join(lines)
    assert "Seq Scan" not in plan, plan
    assert "uq_merchant_phone_active" in plan and "uq_payment_account_active_key" in plan, plan
