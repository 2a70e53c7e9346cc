"""Sessions a user holds, ended together: refresh-token families (the API) and dashboard sessions.

A dashboard session is a row keyed by the SHA-256 of the random id its cookie carries: the cookie alone no
longer signs anyone in once the row is revoked (sign-out, deactivation, password change, password reset).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import DashboardSession
from app.auth.repository import SessionRepository
from app.core.db import utcnow


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


async def open_dashboard_session(session: AsyncSession, session_id: str, user_id: int, seconds: int) -> None:
    now = utcnow()
    # the user's ended sessions go as a new one starts, so the table holds about one row per signed-in user
    await SessionRepository(session).drop_ended(user_id, now)
    session.add(
        DashboardSession(
            id_hash=_hash(session_id), user_id=user_id, created_at=now, expires_at=now + timedelta(seconds=seconds)
        )
    )
    await session.flush()


async def dashboard_session_user(session: AsyncSession, session_id: str) -> int | None:
    """The user a dashboard session id signs in, or None when it is unknown, revoked or expired."""
    row = await SessionRepository(session).get(_hash(session_id))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row.user_id


async def close_dashboard_session(session: AsyncSession, session_id: str) -> None:
    await SessionRepository(session).revoke(_hash(session_id), utcnow())


async def end_all_sessions(session: AsyncSession, user_id: int) -> datetime:
    """Revokes every refresh token and every dashboard session of the user (a deactivated user's access tokens
    stop at once too: every request reloads the user, app.auth.service.load_principal)."""
    now = utcnow()
    await SessionRepository(session).revoke_all(user_id, now)
    return now
