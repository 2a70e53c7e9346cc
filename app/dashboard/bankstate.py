"""A shop's standing with the bank its account is at (`bank_status`, once banks answer; no row = not sent).

The queries are `DashboardRepository.bank_states` and `.bank_rejected`; these are the pages' names for them.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.dashboard.repository import BankState, DashboardRepository, ShopLine

__all__ = ["NOT_SENT", "BankState", "rejected", "states"]

NOT_SENT = BankState("not_sent")


async def states(session: AsyncSession, merchant_ids: list[str]) -> dict[str, BankState]:
    return await DashboardRepository(session).bank_states(merchant_ids)


async def rejected(
    session: AsyncSession, principal: Principal, units: list[str], limit: int
) -> list[tuple[ShopLine, BankState]]:
    """Shops whose bank refused them, newest answer first: the ward's to-do list (`?bank_state=rejected`)."""
    return await DashboardRepository(session).bank_rejected(principal, units, limit)
