"""A sliding-window limit kept in the database, so every worker process counts the same requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import LoginFailure
from app.core.errors import RateLimited


async def hit(session: AsyncSession, key: str, *, limit: int, window_seconds: int) -> None:
    """Count one request for `key`; past `limit` in the window, 429 with Retry-After."""
    now = datetime.now(UTC)
    since = now - timedelta(seconds=window_seconds)
    await session.execute(delete(LoginFailure).where(LoginFailure.key == key, LoginFailure.at < since))
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(LoginFailure.key == key, LoginFailure.at >= since)
        )
    ).one()
    if count >= limit:
        oldest = oldest if oldest is None or oldest.tzinfo else oldest.replace(tzinfo=UTC)
        retry = int(((oldest or now) + timedelta(seconds=window_seconds) - now).total_seconds()) + 1
        raise RateLimited(retry, "Quá nhiều yêu cầu, vui lòng thử lại sau", "Too many requests, try again later")
    session.add(LoginFailure(key=key, at=now))
    await session.flush()
