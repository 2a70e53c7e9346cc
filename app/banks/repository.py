from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from app.banks.models import Bank, BankStatus
from app.core.repository import Repository


class BankRepository(Repository[Bank]):
    model = Bank

    async def list(self, status: str | None = None) -> list[Bank]:
        stmt = select(Bank).order_by(col(Bank.bin), col(Bank.status))
        if status:
            stmt = stmt.where(col(Bank.status) == status)
        return await self.get_all(stmt)

    async def active_by_bin(self, bin_: str) -> Bank | None:
        return await self.get_first(select(Bank).where(col(Bank.bin) == bin_, col(Bank.status) == BankStatus.ACTIVE))

    async def active_bins(self) -> frozenset[str]:
        rows = await self.session.execute(select(col(Bank.bin)).where(col(Bank.status) == BankStatus.ACTIVE))
        return frozenset(rows.scalars())

    async def by_natural_key(self, bin_: str, short_name: str, status: str) -> Bank | None:
        return await self.get_one_or_none(
            select(Bank).where(col(Bank.bin) == bin_, col(Bank.short_name) == short_name, col(Bank.status) == status)
        )
