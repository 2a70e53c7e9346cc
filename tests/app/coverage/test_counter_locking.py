"""Counter rows are locked in one order by every writer, so writers that share rows queue instead of deadlocking.

`make load` found it: two 500-operation sync batches on the same streets applied their counter deltas in the
order they met them, locked each other's rows in opposite orders, and PostgreSQL aborted one batch (a 500).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import col

from app.core.db import make_engine
from app.coverage.counters import SHARD, Batch, CoverageKey, totals, track
from app.coverage.models import CoverageCounter

UNIT = "LOCKT"
FIRST = CoverageKey(UNIT, "", 1, "grocery", False)
SECOND = CoverageKey(UNIT, "", 2, "grocery", True)


@pytest.fixture
async def pg_engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine of its own (sessions that really run side by side), on PostgreSQL; the test unit's rows go after."""
    if not db_url.startswith("postgresql"):
        pytest.skip("row locks and deadlock detection: PostgreSQL (SQLite runs one writer at a time)")
    engine = make_engine(db_url, pool_size=4)
    try:
        yield engine
    finally:
        async with AsyncSession(engine) as clean:
            await clean.execute(delete(CoverageCounter).where(col(CoverageCounter.unit_code) == UNIT))
            await clean.commit()
        await engine.dispose()


def _batch(*keys: CoverageKey) -> Batch:
    batch = Batch()
    batch.changes += [(k, +1) for k in keys]
    return batch


async def test_batches_sharing_counter_rows_in_opposite_orders_both_commit(pg_engine: AsyncEngine) -> None:
    async with AsyncSession(pg_engine) as one, AsyncSession(pg_engine) as two:
        one.info[SHARD] = two.info[SHARD] = 0  # the same rows: sharding would let them pass each other
        await _batch(FIRST).apply(one)  # `one` holds the FIRST row
        # `two` meets SECOND before FIRST; applied in that order it would hold SECOND while waiting for FIRST
        second = asyncio.create_task(_apply_and_commit(two, _batch(SECOND, FIRST)))
        await asyncio.sleep(0.5)  # `two` is now waiting for `one`
        await _batch(SECOND).apply(one)  # the old order: deadlock detected here or in `two`
        await one.commit()
        await asyncio.wait_for(second, 10)
    async with AsyncSession(pg_engine) as check:
        assert await _ours(check) == [(1, 2, 0), (2, 2, 2)]


async def _apply_and_commit(session: AsyncSession, batch: Batch) -> None:
    await batch.apply(session)
    await session.commit()


async def test_a_shop_moving_streets_moves_both_counters_in_one_statement(session: AsyncSession) -> None:
    """before -1 and after +1 merge per row: gaining a QR on the same street changes only `with_qr`."""
    await track(session, None, FIRST)
    await track(session, FIRST, CoverageKey(UNIT, "", 1, "grocery", True))  # the shop's QR became active
    await track(session, CoverageKey(UNIT, "", 1, "grocery", True), SECOND)  # it moved to street 2
    rows = (
        await session.execute(
            select(col(CoverageCounter.street_id), col(CoverageCounter.shops), col(CoverageCounter.with_qr))
            .where(col(CoverageCounter.unit_code) == UNIT)
            .order_by(col(CoverageCounter.street_id))
        )
    ).all()
    assert [tuple(r) for r in rows] == [(1, 0, 0), (2, 1, 1)]  # one session, one shard: one row per key


async def _ours(session: AsyncSession) -> list[tuple[int, int, int]]:
    return [(street, shops, qr) for unit, _, street, _, shops, qr in await totals(session) if unit == UNIT]


async def test_writers_in_different_shards_do_not_wait_for_each_other_and_readers_sum_them(
    pg_engine: AsyncEngine,
) -> None:
    """64 agents on one street: each transaction moves its own shard's row, so one open transaction does not
    hold the others (with one row per key, `two` waited for `one` to commit: lock waits up to 1.5 s)."""
    async with AsyncSession(pg_engine) as one, AsyncSession(pg_engine) as two:
        one.info[SHARD], two.info[SHARD] = 0, 1
        await _batch(FIRST).apply(one)  # `one` holds its shard of FIRST and stays open
        await asyncio.wait_for(_apply_and_commit(two, _batch(FIRST, SECOND)), 5)  # not blocked by `one`
        await one.commit()
    async with AsyncSession(pg_engine) as check:
        assert await _ours(check) == [(1, 2, 0), (2, 1, 1)]


async def test_a_deadlock_the_database_settles_answers_503_busy_with_retry_after(pg_engine: AsyncEngine) -> None:
    """The safety net for any other lock cycle: the aborted request is a 503 the phone retries, never a 500."""
    import httpx
    from fastapi import FastAPI

    from app.core.errors import database_busy, install_error_handlers

    caught: list[BaseException] = []
    async with AsyncSession(pg_engine) as one, AsyncSession(pg_engine) as two:
        await _add_raw(one, 1)
        await _add_raw(two, 2)

        async def cross(session: AsyncSession, street: int) -> None:
            try:
                await _add_raw(session, street)
            except Exception as exc:  # the one PostgreSQL picks as the victim
                caught.append(exc)
                await session.rollback()

        await asyncio.gather(cross(one, 2), cross(two, 1))
    assert len(caught) == 1 and database_busy(caught[0])

    app = FastAPI()
    install_error_handlers(app)

    @app.get("/x")
    async def _x() -> None:
        raise caught[0]

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get("/x")
    assert r.status_code == 503 and r.json()["code"] == "database_busy", r.text
    assert r.headers["content-type"].startswith("application/problem+json") and r.headers["Retry-After"] == "1"


async def _add_raw(session: AsyncSession, street: int) -> None:
    """Lock one counter row the way any writer would (no ordering: this is the cycle the database breaks)."""
    from sqlalchemy import text

    await session.execute(
        text(
            "INSERT INTO coverage_counter (unit_code, unit_code_2020, street_id, category, shops, with_qr) "
            "VALUES (:u, '', :s, 'grocery', 1, 0) ON CONFLICT ON CONSTRAINT pk_coverage_counter "
            "DO UPDATE SET shops = coverage_counter.shops + 1"
        ),
        {"u": UNIT, "s": street},
    )
