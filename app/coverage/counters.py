"""Running coverage counts, kept in the same transaction as every shop change.

Coverage sits above merchants and is never called by them: it subscribes to `ShopChanged`
(`app.core.events`) and moves the counters from the shop's coverage key before the change (read from the
event's audited snapshot) to its key after. `register()` is called by `app.api.register_subscribers()`, which
the app, the CLI and the tests all run, so no write path can skip it. Coverage then sums a few hundred counter
rows instead of scanning every shop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.events import ShopChanged, subscribe
from app.coverage.models import CoverageCounter
from app.merchants.enums import MerchantStatus
from app.merchants.models import Merchant

SUBSCRIBER = "coverage.counters"
BATCH = "coverage_batch"


@dataclass(frozen=True, slots=True)
class CoverageKey:
    unit_code: str
    unit_code_2020: str
    street_id: int
    category: str
    has_qr: bool


def key_of(shop: Merchant | Mapping[str, Any] | None) -> CoverageKey | None:
    """The counter a shop counts in (a row, or its audited snapshot); None for a shop that counts nowhere."""
    if shop is None:
        return None
    get: Callable[[str], Any] = shop.get if isinstance(shop, Mapping) else lambda name: getattr(shop, name)
    if get("status") != MerchantStatus.ACTIVE:
        return None  # closed shops leave every denominator
    return CoverageKey(
        get("unit_code"), get("unit_code_2020") or "", get("street_id") or 0, get("category"), bool(get("has_qr"))
    )


def _row(key: tuple[str, str, int, str], shops: int, with_qr: int) -> dict[str, Any]:
    unit_code, unit_code_2020, street_id, category = key
    return {
        "unit_code": unit_code,
        "unit_code_2020": unit_code_2020,
        "street_id": street_id,
        "category": category,
        "shops": shops,
        "with_qr": with_qr,
    }


async def _add(session: AsyncSession, changes: list[tuple[CoverageKey, int]]) -> None:
    """Move the counters by `changes` in ONE statement, rows in primary-key order.

    Every writer locks counter rows in the same order, so two transactions that touch the same rows (two sync
    batches on the same streets, two shops moving between two streets in opposite directions) queue behind
    each other instead of deadlocking.
    """
    totals: dict[tuple[str, str, int, str], list[int]] = {}
    for key, delta in changes:
        row = totals.setdefault((key.unit_code, key.unit_code_2020, key.street_id, key.category), [0, 0])
        row[0] += delta
        row[1] += delta if key.has_qr else 0
    rows = [_row(k, shops, qr) for k, (shops, qr) in sorted(totals.items()) if shops or qr]
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(CoverageCounter).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["unit_code", "unit_code_2020", "street_id", "category"],
        set_={
            "shops": col(CoverageCounter.shops) + stmt.excluded.shops,
            "with_qr": col(CoverageCounter.with_qr) + stmt.excluded.with_qr,
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
    await _add(session, [(k, d) for k, d in ((before, -1), (after, +1)) if k is not None])


async def on_shop_changed(session: AsyncSession, event: ShopChanged) -> None:
    if event.before is not None and "status" not in event.before:
        # not a snapshot of the shop (consent.give/withdraw carry the consent): the shop's own columns, hence its
        # counter, did not move; read as "nothing before" it would count the shop a second time
        return
    await track(session, key_of(event.before), key_of(event.merchant))


def register() -> None:
    subscribe(SUBSCRIBER, on_shop_changed)


class Batch:
    """Deltas of a batch of operations; an operation that fails is cut back off with `rollback(mark)`."""

    def __init__(self) -> None:
        self.changes: list[tuple[CoverageKey, int]] = []

    def mark(self) -> int:
        return len(self.changes)

    def rollback(self, mark: int) -> None:
        del self.changes[mark:]

    async def apply(self, session: AsyncSession) -> None:
        await _add(session, self.changes)
        self.changes.clear()


async def rebuild(session: AsyncSession) -> None:
    """Recount from the merchants table (repair tool, and the reference the tests compare against)."""
    await session.execute(delete(CoverageCounter))
    rows = await session.execute(
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
    session.add_all(
        [
            CoverageCounter(unit_code=u, unit_code_2020=u20, street_id=s, category=c, shops=n, with_qr=int(q or 0))
            for u, u20, s, c, n, q in rows.all()
        ]
    )
    await session.flush()


__all__ = ["Batch", "CoverageKey", "key_of", "on_shop_changed", "rebuild", "register", "track"]
