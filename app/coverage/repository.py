from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, case, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped
from sqlmodel import col

from app.core.editions import Edition
from app.core.repository import Repository
from app.coverage.models import CoverageCounter
from app.merchants.enums import MerchantStatus
from app.merchants.models import EINVOICING, Merchant
from app.streets.models import Street, StreetUnit
from app.units.models import AdminUnit

_COUNTERS: Table = CoverageCounter.__table__  # type: ignore[attr-defined]
_KEY = ["unit_code", "unit_code_2020", "street_id", "category", "shard"]


def _add_counts(insert: Any) -> Any:
    """INSERT a counter row or add its shops and with_qr to the existing one (each row is a parameter set)."""
    stmt = insert(_COUNTERS)
    return stmt.on_conflict_do_update(
        index_elements=_KEY,
        set_={"shops": _COUNTERS.c.shops + stmt.excluded.shops, "with_qr": _COUNTERS.c.with_qr + stmt.excluded.with_qr},
    )


_ADD_COUNTS = {"postgresql": _add_counts(pg_insert), "sqlite": _add_counts(sqlite_insert)}


class CoverageRepository(Repository[CoverageCounter]):
    model = CoverageCounter

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
                (col(CoverageCounter.unit_code) if unit[0] == Edition.Y2025 else col(CoverageCounter.unit_code_2020))
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
        column = col(Merchant.unit_code) if edition == Edition.Y2025 else col(Merchant.unit_code_2020)
        stmt = select(column, func.count()).where(EINVOICING, column.in_(sorted(set(codes)))).group_by(column)
        return {str(code): int(n) for code, n in (await self.session.execute(stmt)).all()}

    async def commune_provinces(self, edition: str) -> list[tuple[str, str, int | None]]:
        """(code, province, baseline) of every commune of the edition: three columns, no ORM row (a country
        has 3,321; with the given codes as an IN list and whole rows, the province figures took 50 ms)."""
        stmt = select(col(AdminUnit.code), col(AdminUnit.province_code), col(AdminUnit.baseline_shop_count)).where(
            col(AdminUnit.edition) == edition, col(AdminUnit.level) == "commune"
        )
        return [(c, p, b) for c, p, b in (await self.session.execute(stmt)).all()]

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

    # the running counters' own writes and the full recount (app.coverage.counters says when and in which order)

    async def add_counts(self, rows: list[dict[str, Any]]) -> None:
        """Add each row's shops and with_qr to its (key, shard) counter, creating it; rows in the order given (the
        caller sorts them: the lock order)."""
        # built once per dialect (its construction cost as much as a registration's run of it); many rows go
        # as one executemany, in the caller's order
        await self.session.execute(_ADD_COUNTS[self.session.get_bind().dialect.name], rows)

    async def summed(self) -> list[tuple[str, str, int, str, int, int]]:
        """(unit, 2020 unit, street, category, shops, with_qr) per key, shards summed; zero keys left out."""
        shops, with_qr = func.sum(col(CoverageCounter.shops)), func.sum(col(CoverageCounter.with_qr))
        key = (
            col(CoverageCounter.unit_code),
            col(CoverageCounter.unit_code_2020),
            col(CoverageCounter.street_id),
            col(CoverageCounter.category),
        )
        rows = await self.session.execute(
            select(*key, shops, with_qr).group_by(*key).having((shops != 0) | (with_qr != 0)).order_by(*key)
        )
        return [(u, u20, s, c, int(n), int(q)) for u, u20, s, c, n, q in rows.all()]

    async def recount(self) -> list[tuple[str, str, int, str, int, int]]:
        """Drop every counter; (unit, 2020 unit or "", street or 0, category, shops, with_qr) of the active shops."""
        await self.session.execute(delete(CoverageCounter))
        rows = await self.session.execute(
            select(
                col(Merchant.unit_code),
                func.coalesce(col(Merchant.unit_code_2020), ""),
                func.coalesce(col(Merchant.street_id), 0),
                col(Merchant.category),
                func.count(),
                func.sum(case((col(Merchant.has_qr), 1), else_=0)),
            )
            .where(col(Merchant.status) == MerchantStatus.ACTIVE)
            .group_by(
                col(Merchant.unit_code), col(Merchant.unit_code_2020), col(Merchant.street_id), col(Merchant.category)
            )
        )
        return [(u, u20, s, c, int(n), int(q or 0)) for u, u20, s, c, n, q in rows.all()]
