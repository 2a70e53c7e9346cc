"""Large imports run in the background of the same process, the way the bank outbox is delivered: the upload
stores the import `queued` in its own transaction; a worker task of the app claims it (FOR UPDATE SKIP LOCKED,
so several workers never take the same one), runs it in a transaction of its own and writes its progress (rows
done) in short separate ones, so `GET /imports/{id}` can follow it. A run whose process died is taken over by
app.imports.recovery, swept when the worker starts and every minute after.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.service import load_principal
from app.core.config import get_settings
from app.core.db import utcnow
from app.imports import recovery, service
from app.imports.repository import ImportRepository

log = logging.getLogger("phoqr.imports")


async def _claim(sessionmaker: async_sessionmaker[AsyncSession]) -> tuple[str, int] | None:
    async with sessionmaker() as session, session.begin():
        job = await ImportRepository(session).next_queued()
        if job is None:
            return None
        job.status, job.attempts = "running", job.attempts + 1
        return job.id, job.attempts


async def _set(sessionmaker: async_sessionmaker[AsyncSession], import_id: str, **values: object) -> None:
    async with sessionmaker() as session, session.begin():
        await ImportRepository(session).set_fields(import_id, **values)


async def run_one(sessionmaker: async_sessionmaker[AsyncSession]) -> str | None:
    """Claim and run the oldest queued import; its id, or None when there was none."""
    claimed = await _claim(sessionmaker)
    if claimed is None:
        return None
    import_id, attempt = claimed
    recovery.RUNNING.add(import_id)
    try:
        await _run(sessionmaker, import_id, attempt)
    finally:
        recovery.RUNNING.discard(import_id)
    return import_id


async def _run(sessionmaker: async_sessionmaker[AsyncSession], import_id: str, attempt: int) -> None:

    async def progress(job_id: str, done: int) -> None:
        await _set(sessionmaker, job_id, rows_done=done)

    try:
        async with sessionmaker() as session, session.begin():
            await recovery.hold(session, import_id)
            job = await recovery.still_mine(session, import_id, attempt)
            if job is None:  # taken over by a sweep between the claim and the lock: its new run does it
                return
            principal = await load_principal(session, get_settings(), job.user_id)
            if principal is None:
                raise PermissionError("the uploader's account is no longer active")
            # SQLite has one writer: the run holds it, so rows done show only at the end there
            sqlite = session.bind is not None and session.bind.dialect.name == "sqlite"
            await service.run(session, principal, job, None if sqlite else progress)
    except Exception as exc:  # the import fails, visibly; the worker goes on with the next one
        log.exception("import %s failed", import_id)
        problem = {"code": "import_failed", "detail": type(exc).__name__}
        await _set(sessionmaker, import_id, status="failed", problem=json.dumps(problem), finished_at=utcnow())


async def _loop(sessionmaker: async_sessionmaker[AsyncSession], stop: asyncio.Event, interval: float) -> None:
    swept = -math.inf  # at start: imports left running by a process that died
    while not stop.is_set():
        try:
            if time.monotonic() - swept >= recovery.RECOVER_SECONDS:
                await recovery.recover(sessionmaker)
                swept = time.monotonic()
            ran = await run_one(sessionmaker)
        except Exception:  # the database is down: try again later
            log.exception("import worker: claim failed")
            ran = None
        if ran is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)


def start_in_background(
    sessionmaker: async_sessionmaker[AsyncSession], *, interval: float = 1.0
) -> Callable[[], Awaitable[None]]:
    """The worker as a task of the running loop (the app's lifespan); returns the coroutine that stops it."""
    stop = asyncio.Event()
    task = asyncio.create_task(_loop(sessionmaker, stop, interval), name="import-worker")

    async def _stop() -> None:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return _stop
