"""aiosqlite with one thread hand-off per statement instead of four.

aiosqlite runs every call on the connection's own thread: SQLAlchemy's adapter makes four of them per statement
(create the cursor, execute, fetch the rows, close the cursor), each a queue put, a wake-up of that thread and a
wake-up of the event loop, ~25 us of CPU each on our 2-core machine (a registration's ~15 statements spent ~4 ms
of its ~15 ms there). Here the cursor is created and closed on the event loop's thread (cheap calls that touch
no table: `check_same_thread=False`, SQLite itself is built serialized, `sqlite3.threadsafety == 3`), and the
execute hop also fetches the first rows (up to `_PREFETCH`), so a statement is one hop. A bigger result is read
on in further hops, `_PREFETCH` rows at a time, so a streamed export still holds one chunk in memory.

Used through `create_async_engine(..., connect_args={"async_creator_fn": connect})`: SQLAlchemy's aiosqlite
dialect calls it with the arguments it would give `aiosqlite.connect`.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite
from aiosqlite.context import contextmanager

_PREFETCH = 1000


def _execute(cursor: sqlite3.Cursor, sql: str, parameters: Any) -> tuple[list[Any], bool]:
    """On the connection's thread: run the statement and fetch its first rows; (rows, more may follow)."""
    cursor.execute(sql, parameters)
    if cursor.description is None:
        return [], False
    rows = cursor.fetchmany(_PREFETCH)
    return rows, len(rows) == _PREFETCH


class Cursor(aiosqlite.Cursor):
    """An aiosqlite cursor whose `execute` brings back the first rows; the fetches read them without a hop."""

    def __init__(self, conn: aiosqlite.Connection, cursor: sqlite3.Cursor) -> None:
        super().__init__(conn, cursor)
        self._rows: deque[Any] = deque()
        self._more = False

    async def _hop(self, fn: Any, *args: Any) -> Any:
        """`fn(*args)` on the connection's thread."""
        return await self._conn._execute(fn, *args)  # type: ignore[no-untyped-call]

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> Cursor:
        rows, self._more = await self._hop(_execute, self._cursor, sql, () if parameters is None else parameters)
        self._rows = deque(rows)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> Cursor:
        self._rows, self._more = deque(), False
        await self._hop(self._cursor.executemany, sql, parameters)
        return self

    async def fetchone(self) -> Any:
        if not self._rows and self._more:
            await self._refill()
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        size = size or self._cursor.arraysize
        if len(self._rows) < size and self._more:
            await self._refill()
        return [self._rows.popleft() for _ in range(min(size, len(self._rows)))]

    async def fetchall(self) -> Sequence[Any]:
        rows = list(self._rows)
        self._rows.clear()
        if self._more:
            self._more = False
            rows += await self._hop(self._cursor.fetchall)
        return rows

    async def _refill(self) -> None:
        more = await self._hop(self._cursor.fetchmany, _PREFETCH)
        self._more = len(more) == _PREFETCH
        self._rows.extend(more)

    async def close(self) -> None:
        self._rows, self._more = deque(), False
        self._cursor.close()


class Connection(aiosqlite.Connection):
    @contextmanager
    async def cursor(self) -> aiosqlite.Cursor:
        return Cursor(self, self._conn.cursor())

    # a request that wrote nothing has no transaction open (SQLite begins one before the first write): its commit
    # and the pool's rollback need no hop to the connection's thread (two of a read-only request's four)
    async def commit(self) -> None:
        if self._conn.in_transaction:
            await super().commit()

    async def rollback(self) -> None:
        if self._conn.in_transaction:
            await super().rollback()


def connect(database: str, *, iter_chunk_size: int = 64, **kwargs: Any) -> Connection:
    """`aiosqlite.connect` with the cursor above; the connection's thread is a daemon, as SQLAlchemy makes it."""
    kwargs["check_same_thread"] = False

    def connector() -> sqlite3.Connection:
        db: sqlite3.Connection = sqlite3.connect(database, **kwargs)
        return db

    conn: Connection = Connection(connector, iter_chunk_size)
    conn._thread.daemon = True
    return conn
