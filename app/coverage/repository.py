from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped
from sqlmodel import col

from app.coverage.models import CoverageCounter
from app.merchants.models import EINVOICING, Merchant
from app.streets.models import Street, StreetUnit
from app.units.models import AdminUnit


class CoverageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sums(
        self, group: str, *, unit: tuple[str, str] | None, category: str | None
    ) -> dict[str | int, tuple[int, int]]:
        """(shops, with_qr) per group key from the running counters: a few hundred rows at most."""
        columns: dict[str, Mapped[Any]] = {
            "unit_2025": col(CoverageCounter.unit_code),
            "unit_2020": col(CoverageCounter.unit_code_2020),
            "street": col(CoverageCounter.street_id),
        }
        column = columns[group]
        stmt = select(column, func.sum(col(CoverageCounter.shops)), func.sum(col(CoverageCounter.with_qr))).group_by(
            column
        )
        if unit is not None:
            stmt = stmt.where(
                (col(CoverageCounter.unit_code) if unit[0] == "2025" else col(CoverageCounter.unit_code_2020))
                == unit[1]
            )
        if category:
            stmt = stmt.where(col(CoverageCounter.category) == category)
        rows = await self.session.execute(stmt)
        return {key: (int(s or 0), int(q or 0)) for key, s, q in rows.all()}

    async def pair_sums(self, *, unit_2025: str | None, category: str | None) -> dict[tuple[str, str], tuple[int, int]]:
        """(shops, with_qr) per (2025 unit, 2020 unit) in one grouped read of the counters."""
        new, old = col(CoverageCounter.unit_code), col(CoverageCounter.unit_code_2020)
        stmt = select(new, old, func.sum(col(CoverageCounter.shops)), func.sum(col(CoverageCounter.with_qr)))
        stmt = stmt.group_by(new, old)
        if unit_2025 is not None:
            stmt = stmt.where(new == unit_2025)
        if category:
            stmt = stmt.where(col(CoverageCounter.category) == category)
        rows = await self.session.execute(stmt)
        return {(a, b): (int(s or 0), int(q or 0)) for a, b, s, q in rows.all()}

    async def einvoicing(self, edition: str, codes: list[str]) -> dict[str, int]:
        """Active shops with an e-invoice method per unit of `edition`, read from their partial index only
        (`ix_merchant_einvoicing`: its predicate repeated word for word, so SQLite and PostgreSQL both use it)."""
        column = col(Merchant.unit_code) if edition == "2025" else col(Merchant.unit_code_2020)
        stmt = select(column, func.count()).where(EINVOICING, column.in_(sorted(set(codes)))).group_by(column)
        return {str(code): int(n) for code, n in (await self.session.execute(stmt)).all()}

    async def communes(self, edition: str, codes: set[str]) -> list[AdminUnit]:
        """The given communes, or every commune with a baseline or a target (they count even with no shop)."""
        stmt = select(AdminUnit).where(
            col(AdminUnit.edition) == edition,
            col(AdminUnit.level) == "commune",
            or_(
                col(AdminUnit.code).in_(sorted(codes)),
                col(AdminUnit.baseline_shop_count).is_not(None),
                col(AdminUnit.target_pct).is_not(None),
            ),
        )
        return list((await self.session.execute(stmt)).scalars())

    async def provinces(self, edition: str, code: str | None) -> list[AdminUnit]:
        stmt = select(AdminUnit).where(col(AdminUnit.edition) == edition, col(AdminUnit.level) == "province")
        if code is not None:
            stmt = stmt.where(col(AdminUnit.code) == code)
        return list((await self.session.execute(stmt.order_by(col(AdminUnit.code)))).scalars())

    async def streets(self, ids: set[int], unit: tuple[str, str] | None, model_only: bool) -> list[Street]:
        """Streets with shops, plus the model streets of the unit (which count even before a shop registers)."""
        model: ColumnElement[bool] = col(Street.is_model_street).is_(True)
        if unit is not None:
            model = model & col(Street.id).in_(
                select(col(StreetUnit.street_id)).where(
                    col(StreetUnit.edition) == unit[0], col(StreetUnit.code) == unit[1]
                )
            )
        condition = model if model_only else or_(col(Street.id).in_(sorted(ids)), model)
        stmt = select(Street).where(condition).order_by(col(Street.name_search), col(Street.id))
        return list((await self.session.execute(stmt)).scalars())
