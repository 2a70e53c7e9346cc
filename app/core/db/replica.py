"""Reads that may be a little behind, from a streaming replica (PHOQR_DATABASE_READ_URL).

Which reads: the ones a user cannot tell from a few seconds ago (dashboard pages, coverage history, forecasts and
reports, the bank's list, files, feed and reconciliation). Writes, and reads that must see the caller's own write
(the API's answers after a change, idempotent replays, sign-in), stay on the primary: their routes keep
`SessionDep`; lag-tolerant routes take `ReadSessionDep` (or `ReadStreamSession` for streamed files).

The replica is used while it answers within the connect timeout and its replay lag is at most
PHOQR_REPLICA_MAX_LAG_SECONDS; otherwise those reads go to the primary and `phoqr_replica_fallbacks_total` says
why. The lag is measured at most once per CHECK_SECONDS per process (a request that finds the measurement stale
takes it; the others use the last one), and a connection error on the replica marks it down at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from prometheus_client import Counter, Gauge
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core.db import get_session, make_sessionmaker
from app.core.errors import database_unavailable

log = logging.getLogger("phoqr.replica")
CHECK_SECONDS = 1.0

REPLICA_READS = Counter("phoqr_replica_reads_total", "Lag-tolerant reads, by where they were served", ["served_by"])
REPLICA_FALLBACKS = Counter(
    "phoqr_replica_fallbacks_total", "Lag-tolerant reads sent to the primary instead, by reason", ["reason"]
)
REPLICA_LAG = Gauge(
    "phoqr_replica_lag_seconds", "Replay lag of the read replica (-1: unreachable)", multiprocess_mode="max"
)

# 0 when the replica has replayed everything it received (an idle primary sends nothing new, so the time since
# the last replayed transaction is not lag); otherwise the age of the last replayed transaction
LAG_SQL = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0.0"
    " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0.0"
    " ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0.0) END"
)


@dataclass
class ReplicaState:
    status: str = "unknown"  # ok | lagging | unreachable | unknown
    lag_seconds: float | None = None
    checked_at: float = 0.0

    @property
    def usable(self) -> bool:
        return self.status == "ok"


class ReadReplica:
    def __init__(self, engine: AsyncEngine, max_lag_seconds: float, connect_timeout: float) -> None:
        self.engine = engine
        self.sessionmaker = make_sessionmaker(engine)
        self.max_lag = max_lag_seconds
        self.timeout = connect_timeout
        self.state = ReplicaState()
        self._lock = asyncio.Lock()

    async def measure(self) -> ReplicaState:
        """Ask the replica its lag now (bounded by the connect timeout) and remember the answer."""
        try:
            async with asyncio.timeout(self.timeout * 2):
                async with self.engine.connect() as conn:
                    lag = float((await conn.execute(LAG_SQL)).scalar_one())
            status = "ok" if lag <= self.max_lag else "lagging"
            self.state = ReplicaState(status, round(lag, 3), time.monotonic())
        except Exception as exc:  # any failure to answer in time means "not now"
            log.warning("read replica unreachable: %s", type(exc).__name__)
            self.state = ReplicaState("unreachable", None, time.monotonic())
        REPLICA_LAG.set(-1 if self.state.lag_seconds is None else self.state.lag_seconds)
        return self.state

    async def current(self) -> ReplicaState:
        if time.monotonic() - self.state.checked_at < CHECK_SECONDS:
            return self.state
        if self._lock.locked():  # someone is measuring: use what we know
            return self.state
        async with self._lock:
            return await self.measure()

    def mark_down(self) -> None:
        self.state = ReplicaState("unreachable", None, time.monotonic())


@asynccontextmanager
async def read_session(request: Request, primary: AsyncSession) -> AsyncIterator[AsyncSession]:
    replica: ReadReplica | None = getattr(request.app.state, "replica", None)
    if replica is None:
        yield primary
        return
    state = await replica.current()
    if not state.usable:
        REPLICA_FALLBACKS.labels(state.status).inc()
        REPLICA_READS.labels("primary").inc()
        yield primary
        return
    REPLICA_READS.labels("replica").inc()
    async with replica.sessionmaker() as session:
        try:
            yield session
        except BaseException as exc:
            if database_unavailable(exc):
                replica.mark_down()  # the next reads go to the primary without waiting for a measurement
            raise
        finally:
            await session.rollback()  # read only: nothing to commit


async def get_read_session(
    request: Request, primary: Annotated[AsyncSession, Depends(get_session, scope="function")]
) -> AsyncIterator[AsyncSession]:
    async with read_session(request, primary) as session:
        yield session


async def get_read_stream_session(
    request: Request, primary: Annotated[AsyncSession, Depends(get_session, scope="request")]
) -> AsyncIterator[AsyncSession]:
    async with read_session(request, primary) as session:
        yield session


# a lag-tolerant read; the streamed files' session lives until the response is sent (scope="request")
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
ReadStreamSession = Annotated[AsyncSession, Depends(get_read_stream_session, scope="request")]


def health_fields(replica: ReadReplica | None) -> dict[str, Any]:
    if replica is None:
        return {}
    s = replica.state
    return {"replica": {"status": s.status, "lag_seconds": s.lag_seconds, "max_lag_seconds": replica.max_lag}}
