"""The running service's daily snapshot: one at start-up, then every day at `snapshot_at` (Vietnam time).

Every worker runs it; that is harmless because a day has one run (unique) and concurrent takes queue on a lock.
A failure is logged and retried at the next slot: coverage itself never depends on snapshots.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.history.snapshot import VIETNAM, take_snapshot

log = logging.getLogger("phoqr.history")


def seconds_until(at: time, now: datetime | None = None) -> float:
    """Seconds from `now` to the next `at` o'clock in Vietnam (tomorrow's when today's has passed)."""
    local = (now or datetime.now(UTC)).astimezone(VIETNAM)
    slot = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if slot <= local:
        slot += timedelta(days=1)
    return (slot - local).total_seconds()


async def snapshot_once(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    try:
        async with sessionmaker() as session:
            result = await take_snapshot(session, source="service")
            await session.commit()
        log.info("coverage snapshot %s for %s: %s", result.snapshot_id, result.day, result.status)
    except Exception:  # the next slot tries again; the API keeps serving
        log.exception("coverage snapshot failed")


async def run_daily(sessionmaker: async_sessionmaker[AsyncSession], at: time) -> None:
    while True:
        await snapshot_once(sessionmaker)
        await asyncio.sleep(seconds_until(at))


def start_daily_snapshots(
    sessionmaker: async_sessionmaker[AsyncSession], settings: object
) -> asyncio.Task[None] | None:
    """Started by the app's lifespan when `snapshot_daily` is on (off in tests unless a test turns it on)."""
    enabled = getattr(settings, "snapshot_daily", None)
    if enabled is None:
        enabled = getattr(settings, "environment", "") != "test"
    if not enabled:
        return None
    at = getattr(settings, "snapshot_at", time(23, 55))
    return asyncio.create_task(run_daily(sessionmaker, at), name="coverage-snapshots")


async def stop_daily_snapshots(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
