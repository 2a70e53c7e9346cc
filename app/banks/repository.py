from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.banks.models import Bank


class BankRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(self, status: str | None = None) -> list[Bank]:
        stmt = select(Bank).order_by(Bank.bin, Bank.status)
        if status:
            stmt = stmt.where(Bank.status == status)
        return list((await self.session.execute(stmt)).scalars())

    async def active_by_bin(self, bin_: str) -> Bank | None:
        stmt = select(Bank).where(Bank.bin == bin_, Bank.status == "active")
        return (await self.session.execute(stmt)).scalars().first()
