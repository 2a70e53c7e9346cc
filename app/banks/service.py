"""The banks reference list (NAPAS BINs), read-only through the API; loaded by `phoqr seed`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.banks.repository import BankRepository
from app.banks.schemas import BankOut


async def list_banks(session: AsyncSession, status: str | None) -> list[BankOut]:
    return [BankOut.model_validate(b, from_attributes=True) for b in await BankRepository(session).list(status)]
