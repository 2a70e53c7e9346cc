"""Running coverage counts, kept in the same transaction as every shop change.

Coverage sits above merchants and is never called by them: it subscribes to `ShopChanged`
(`app.core.events`) and moves the counters from the shop's coverage key before the change (read from the
event's audited snapshot) to its key after. `register()` is called by `app.api.register_subscribers()`, which
the app, the CLI and the tests all run, so no write path can skip it. Coverage then sums a few hundred counter
rows instead of scanning every shop.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.events import ShopChanged, ShopState, subscribe
from app.coverage.models import CoverageCounter
from app.coverage.repository import CoverageRepository
from app.merchants.enums import MerchantStatus

SUBSCRIBER = "coverage.counters"
BATCH = "coverage_batch"
# Rows per counter key. Each transaction moves the row of one shard (picked at random, kept for the whole
# transaction), so 64 agents registering on the same street mostly lock different rows: with one row per key they
# queued behind each other's commits (`make load`: lock waits up to 1.5 s). Readers sum the shards.
SHARDS = 8
SHARD = "coverage_shard"


@dataclass(frozen=True, slots=True)
class CoverageKey:
    unit_code: str
    unit_code_2020: str
    street_id: int
    category: str
    has_qr: bool


def key_of(shop: ShopState | Mapping[str, Any] | None) -> CoverageKey | None:
    """The counter a shop counts in (a row, or its audited snapshot); None for a shop that counts nowhere."""
    if shop is None:
        return None
    get: Callable[[str], Any] = shop.get if isinstance(shop, Mapping) else lambda name: getattr(shop, name)
    if get("status") != MerchantStatus.ACTIVE:
        return None  # closed shops leave every denominator
    return CoverageKey(
        get("unit_code"), get("unit_code_2020") or "", get("street_id") or 0, get("category"), bool(get("has_qr"))
    )


def _row(key: tuple[str, str, int, str], shard: int, shops: int, with_qr: int) -> dict[str, Any]:
    unit_code, unit_code_2020, street_id, category = key
    return {
        "unit_code": unit_code,
        "unit_code_2020": unit_code_2020,
        "street_id": street_id,
        "category": category,
        "shard": shard,
        "shops": shops,
        "with_qr": with_qr,
    }


def shard_of(session: AsyncSession) -> int:
    """The shard this session's transaction writes (one per session: its rows are locked in one key order)."""
    shard: int = session.info.setdefault(SHARD, random.randrange(SHARDS))  # noqa: S311 (spreading, not secrecy)
    return shard


async def _add(session: AsyncSession, changes: list[tuple[CoverageKey, int]]) -> None:
    """Move the counters by `changes` in ONE statement, rows in primary-key order, in this session's shard.

    Every writer locks counter rows in the same order, so two transactions that touch the same rows (two sync
    batches on the same streets, two shops moving between two streets in opposite directions) queue behind
    each other instead of deadlocking; and most concurrent writers are in other shards, so they do not meet.
    """
    totals: dict[tuple[str, str, int, str], list[int]] = {}
    for key, delta in changes:
        row = totals.setdefault((key.unit_code, key.unit_code_2020, key.street_id, key.category), [0, 0])
        row[0] += delta
        row[1] += delta if key.has_qr else 0
    shard = shard_of(session)
    rows = [_row(k, shard, shops, qr) for k, (shops, qr) in sorted(totals.items()) if shops or qr]
    if not rows:
        return
    await CoverageRepository(session).add_counts(rows)


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


async def totals(session: AsyncSession) -> list[tuple[str, str, int, str, int, int]]:
    """(unit, 2020 unit, street, category, shops, with_qr) per key, shards summed; keys that count nothing left out."""
    return await CoverageRepository(session).summed()


async def rebuild(session: AsyncSession) -> None:
    """Recount from the merchants table into shard 0 (repair tool, and the reference the tests compare against)."""
    rows = await CoverageRepository(session).recount()
    session.add_all(
        [
            CoverageCounter(unit_code=u, unit_code_2020=u20, street_id=s, category=c, shops=n, with_qr=q)
            for u, u20, s, c, n, q in rows
        ]
    )
    await session.flush()


__all__ = ["SHARDS", "Batch", "CoverageKey", "key_of", "on_shop_changed", "rebuild", "register", "totals", "track"]
