"""A sliding-window limit kept in the database, so every worker process counts the same requests.

Check-and-count is atomic: a request first records its hit, then counts the hits in the window, both under a
lock per key held until its transaction ends (PostgreSQL: `pg_advisory_xact_lock(hashtext(key))`; SQLite:
`BEGIN IMMEDIATE` already serialises writers). Counting first and inserting after would let every concurrent
request see the same count and pass together. A refused request rolls back with its transaction, so only
requests that got through count. Keys are namespaced by their user: `login-user:...`, `login-ip:...`,
`verify:...`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Index, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from app.core.db import utcnow
from app.core.errors import RateLimited

TOO_MANY = ("Quá nhiều yêu cầu, vui lòng thử lại sau", "Too many requests, try again later")


class RateLimitHit(SQLModel, table=True):
    """One counted request (or failed login) for a key; rows older than the window are deleted as keys are hit."""

    __tablename__ = "rate_limit_hit"
    __table_args__ = (Index("ix_rate_limit_hit_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200)
    at: datetime = Field(default_factory=utcnow)


async def lock_key(session: AsyncSession, key: str) -> None:
    """Serialise every transaction that counts `key` until the holder commits or rolls back."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
    # SQLite: the connection began with BEGIN IMMEDIATE (app.core.db), so writers are already one at a time


async def hit(
    session: AsyncSession,
    key: str,
    *,
    limit: int,
    window_seconds: int,
    detail: tuple[str, str] = TOO_MANY,
) -> int:
    """Count one request for `key` and return the id of its row; past `limit` in the window, 429 + Retry-After."""
    now = datetime.now(UTC)
    since = now - timedelta(seconds=window_seconds)
    await lock_key(session, key)
    await session.execute(delete(RateLimitHit).where(col(RateLimitHit.key) == key, col(RateLimitHit.at) < since))
    row = RateLimitHit(key=key, at=now)
    session.add(row)
    await session.flush()
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(col(RateLimitHit.at))).where(
                col(RateLimitHit.key) == key, col(RateLimitHit.at) >= since
            )
        )
    ).one()
    if count > limit:
        oldest = oldest if oldest is None or oldest.tzinfo else oldest.replace(tzinfo=UTC)
        retry = int(((oldest or now) + timedelta(seconds=window_seconds) - now).total_seconds()) + 1
        raise RateLimited(retry, *detail)
    return row.id or 0


async def clear(session: AsyncSession, key: str) -> None:
    """Forget every hit of `key` (a successful login wipes its username's failures)."""
    await session.execute(delete(RateLimitHit).where(col(RateLimitHit.key) == key))


async def forget(session: AsyncSession, hit_id: int) -> None:
    """Take back one counted hit (the attempt turned out not to be a failure)."""
    await session.execute(delete(RateLimitHit).where(col(RateLimitHit.id) == hit_id))
