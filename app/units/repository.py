from __future__ import annotations

import builtins

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.units.models import AdminUnit, UnitSuccession


class UnitRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(self, edition: str | None) -> list[AdminUnit]:
        stmt = select(AdminUnit).order_by(col(AdminUnit.edition), col(AdminUnit.code))
        if edition:
            stmt = stmt.where(col(AdminUnit.edition) == edition)
        return list((await self.session.execute(stmt)).scalars())

    async def get(self, edition: str, code: str) -> AdminUnit | None:
        stmt = select(AdminUnit).where(col(AdminUnit.edition) == edition, col(AdminUnit.code) == code)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def succession(
        self, from_edition: str, from_code: str, to_edition: str, to_code: str
    ) -> UnitSuccession | None:
        stmt = select(UnitSuccession).where(
            col(UnitSuccession.from_edition) == from_edition,
            col(UnitSuccession.from_code) == from_code,
            col(UnitSuccession.to_edition) == to_edition,
            col(UnitSuccession.to_code) == to_code,
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def successions(self) -> builtins.list[UnitSuccession]:
        return list((await self.session.execute(select(UnitSuccession))).scalars())

    async def successor_map(self) -> dict[str, str]:
        """2020 code -> its default 2025 code (a split commune's default successor).

        Reference data read on every registration: kept for the life of the session (one request or batch).
        """
        cached = self.session.info.get("successor_map")
        if cached is not None:
            return cached
        rows = await self.session.execute(
            select(col(UnitSuccession.from_code), col(UnitSuccession.to_code)).where(
                col(UnitSuccession.from_edition) == "2020",
                col(UnitSuccession.to_edition) == "2025",
                col(UnitSuccession.is_default).is_(True),
            )
        )
        self.session.info["successor_map"] = result = dict(rows.all())
        return result
