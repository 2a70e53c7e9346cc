"""Reference data a request checks but no request writes (the active banks' BINs, a unit's level, the 2020
communes' successions), kept per database engine in this process, so a registration does not read them again
every time.

Only `phoqr setup` and `phoqr units ...` write these tables, from another process: a worker sees a bank list
changed there within `ttl` seconds (BANKS_TTL). A unit's level does not change once loaded, so a found level is
kept (a unit loaded later is looked up, since "not found" is not kept). One cache per engine, so tests and
tools that open several databases in one process never see each other's data.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
MAX_ENTRIES = 20_000  # a country's units of both editions (about 14,000) fit
_CACHES: WeakKeyDictionary[Engine, dict[Hashable, tuple[float, Any]]] = WeakKeyDictionary()


def _engine(session: AsyncSession) -> Engine:
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


async def cached(
    session: AsyncSession, key: Hashable, ttl: float | None, load: Callable[[], Awaitable[T | None]]
) -> T | None:
    """`load()`'s answer for `key`, read again after `ttl` seconds (None: kept); a None answer is not kept."""
    entries = _CACHES.setdefault(_engine(session), {})
    now = time.monotonic()
    hit = entries.get(key)
    if hit is not None and (ttl is None or now - hit[0] < ttl):
        value: T = hit[1]
        return value
    found = await load()
    if found is not None:
        if len(entries) >= MAX_ENTRIES:
            entries.clear()
        entries[key] = (now, found)
    return found


async def cached_many(
    session: AsyncSession,
    kind: str,
    keys: Iterable[K],
    ttl: float,
    load: Callable[[list[K]], Awaitable[dict[K, T]]],
) -> dict[K, T]:
    """`cached` for several keys of one kind at once: those not kept (or older than `ttl`) are read with one
    `load(missing)`, which answers for every key it is given (an empty answer is kept too)."""
    entries = _CACHES.setdefault(_engine(session), {})
    now = time.monotonic()
    out: dict[K, T] = {}
    missing: list[K] = []
    for key in keys:
        hit = entries.get((kind, key))
        if hit is not None and now - hit[0] < ttl:
            out[key] = hit[1]
        else:
            missing.append(key)
    if missing:
        found = await load(missing)
        if len(entries) + len(found) >= MAX_ENTRIES:
            entries.clear()
        for key, value in found.items():
            entries[(kind, key)] = (now, value)
            out[key] = value
    return out


def forget(session: AsyncSession) -> None:
    """Drop what is kept for this session's database (after this process changed reference data)."""
    _CACHES.pop(_engine(session), None)
