"""Engine, session dependency and the metadata naming convention every table is defined under."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import MetaData, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel

from app.core.db import sqlite

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# Must run before any table=True model is imported, so constraint names are stable across databases.
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # let SQLAlchemy, not the driver, open transactions: SAVEPOINT and transactional DDL then work
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # read-only work (health checks) opts out with execution_options(read_only=True)
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("read_only") else "BEGIN IMMEDIATE")


def make_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 10,
    connect_timeout: float | None = None,
    statement_timeout: float | None = None,
    pooler: str = "none",
) -> AsyncEngine:
    """hide_parameters: a failing statement's log line never carries its values (account numbers, names).

    pooler="transaction": the URL is a PgBouncer in transaction mode (see `pooler_connect_args`)."""
    if url.startswith("sqlite"):
        # SQLite has no server to wait for; its timeout is how long a writer queues for the lock
        # one thread hand-off per statement instead of aiosqlite's four (app.core.db.sqlite)
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": 30, "async_creator_fn": sqlite.connect}, hide_parameters=True
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        # IMMEDIATE: take the write lock up front, so two writers queue (busy_timeout) instead of one failing
        # with "database is locked" when both try to upgrade a read lock
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    # A server that accepts connections and never answers must cost seconds, not minutes: asyncpg's connect
    # timeout, its client-side command timeout, and the server's own statement_timeout (which also frees the
    # server). A connection idle in the pool longer than PING_IDLE_SECONDS is pinged when taken (`_ping_if_idle`), so
    # one that died while the database was away is replaced: recovery needs no restart.
    # The app passes its settings; batch jobs (migrations, demo data, benchmarks) keep asyncpg's defaults.
    connect_args: dict[str, Any] = {}
    if connect_timeout is not None:
        connect_args["timeout"] = connect_timeout
    if statement_timeout is not None:
        connect_args["command_timeout"] = statement_timeout
        connect_args["server_settings"] = {"statement_timeout": str(int(statement_timeout * 1000))}
    if pooler == "transaction":
        connect_args = pooler_connect_args(connect_args)
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=max(connect_timeout or 15.0, 1.0) * 2,
        hide_parameters=True,
        connect_args=connect_args,
    )
    event.listen(engine.sync_engine, "connect", _checked_in)  # a connection just made needs no ping
    event.listen(engine.sync_engine, "checkin", _checked_in)
    event.listen(engine.sync_engine, "checkout", _ping_if_idle)
    return engine


# SQLAlchemy's pool_pre_ping pings on every checkout: on asyncpg a BEGIN and a ROLLBACK, two round trips and about
# a sixth of a small request's CPU. A connection given back moments ago was working then; one that sat idle is
# pinged. One that died since it was given back fails its statement instead: SQLAlchemy then invalidates it and
# every older connection of the pool (a disconnect error), and the request answers 503 (app.core.errors).
PING_IDLE_SECONDS = 2.0


def _checked_in(_dbapi_connection: Any, record: Any) -> None:
    record.info["phoqr_idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    since = record.info.get("phoqr_idle_since")
    if since is not None and time.monotonic() - since < PING_IDLE_SECONDS:
        return
    try:
        dbapi_connection.ping()
    except Exception as exc:  # any failure: the pool discards this one and takes another (or connects anew)
        raise DisconnectionError("the pooled connection did not answer its ping") from exc


def pooler_connect_args(connect_args: dict[str, Any]) -> dict[str, Any]:
    """asyncpg behind PgBouncer in transaction mode (PgBouncer < 1.21, or max_prepared_statements = 0).

    Consecutive transactions of one client run on different server connections, so nothing may outlive a
    transaction on the server: no statement cache in asyncpg (statement_cache_size=0: it then sends every
    statement unnamed, parsed again each time) nor in SQLAlchemy's dialect (prepared_statement_cache_size=0), and
    no startup parameters PgBouncer does not know (it refuses `statement_timeout` at connect: set it on the role,
    `ALTER ROLE phoqr SET statement_timeout = '10s'`; asyncpg's command_timeout still cancels from the client).
    """
    args = {k: v for k, v in connect_args.items() if k != "server_settings"}
    return args | {"statement_cache_size": 0, "prepared_statement_cache_size": 0}


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Commit only here, at the request edge; services flush."""
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function": commit before the response leaves, so a failed commit is never reported as success.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
