"""Running coverage counts, kept in the same transaction as every merchant change.

Every write path that changes a merchant's status, unit, street, category or QR calls `track(before, after)`
with the merchant's coverage key before and after the change. Coverage then sums a few hundred counter rows
instead of scanning every shop.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.merchants.models import CoverageCounter, Merchant


@dataclass(frozen=True, slots=True)
class CoverageKey:
    unit_code: str
    unit_code_2020: str
    street_id: int
    category: str
    has_qr: bool


def key_of(merchant: Merchant) -> CoverageKey | None:
    """None for a shop that counts nowhere (closed shops leave every denominator)."""
    if merchant.status != "active":
        return None
    return CoverageKey(
        merchant.unit_code, merchant.unit_code_2020 or "", merchant.street_id or 0, merchant.category, merchant.has_qr
    )


async def _add(session: AsyncSession, key: CoverageKey, delta: int) -> None:
    values = {
        "unit_code": key.unit_code,
        "unit_code_2020": key.unit_code_2020,
        "street_id": key.street_id,
        "category": key.category,
        "shops": delta,
        "with_qr": delta if key.has_qr else 0,
    }
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(CoverageCounter).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["unit_code", "unit_code_2020", "street_id", "category"],
        set_={
            "shops": CoverageCounter.shops + stmt.excluded.shops,
            "with_qr": CoverageCounter.with_qr + stmt.excluded.with_qr,
        },
    )
    await session.execute(stmt)


async def track(session: AsyncSession, before: CoverageKey | None, after: CoverageKey | None) -> None:
    if before == after:
        return
    batch = session.info.get(BATCH)
    if batch is not None:  # a sync batch applies its deltas once, at its end
        batch.changes += [(k, d) for k, d in ((before, -1), (after, +1)) if k is not None]
        return
    if before is not None:
        await _add(session, before, -1)
    if after is not None:
        await _add(session, after, +1)


BATCH = "coverage_batch"


class Batch:
    """Deltas of a batch of operations; an operation that fails is cut back off with `rollback(mark)`."""

    def __init__(self) -> None:
        self.changes: list[tuple[CoverageKey, int]] = []

    def mark(self) -> int:
        return len(self.changes)

    def rollback(self, mark: int) -> None:
        del self.changes[mark:]

    async def apply(self, session: AsyncSession) -> None:
        totals: dict[CoverageKey, int] = {}
        for key, delta in self.changes:
            totals[key] = totals.get(key, 0) + delta
        for key, delta in totals.items():
            if delta:
                await _add(session, key, delta)
        self.changes.clear()


async def rebuild(session: AsyncSession) -> None:
    """Recount from the merchants table (repair tool, and the reference the tests compare against)."""
    from sqlalchemy import case, delete, func, select

    await session.execute(delete(CoverageCounter))
    rows = await session.execute(
        select(
            Merchant.unit_code,
            func.coalesce(Merchant.unit_code_2020, ""),
            func.coalesce(Merchant.street_id, 0),
            Merchant.category,
            func.count(),
            func.sum(case((Merchant.has_qr, 1), else_=0)),
        )
        .where(Merchant.status == "active")
        .group_by(Merchant.unit_code, Merchant.unit_code_2020, Merchant.street_id, Merchant.category)
    )
    session.add_all(
        [
            CoverageCounter(unit_code=u, unit_code_2020=u20, street_id=s, category=c, shops=n, with_qr=int(q or 0))
            for u, u20, s, c, n, q in rows.all()
        ]
    )
    await session.flush()


__all__ = ["CoverageKey", "key_of", "rebuild", "track"]
