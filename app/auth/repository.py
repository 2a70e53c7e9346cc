from __future__ import annotations

import contextlib
import sqlite3
from datetime import datetime
from typing import Any, NamedTuple, cast

import asyncpg
from sqlalchemy import CursorResult, String, bindparam, column, delete, or_, select, table, update
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as sqlite_dialect
from sqlmodel import col

from app.auth.models import DashboardSession, RefreshToken, User, UserUnit
from app.core.editions import Edition
from app.core.repository import Repository

# auth sits below the domains, so it reads the succession table (owned by app.units) through a Core construct
_succession = table(
    "unit_succession",
    column("from_edition", String),
    column("from_code", String),
    column("to_edition", String),
    column("to_code", String),
)
# ... and the communes of a province from admin_unit (owned by app.units) the same way
_unit = table(
    "admin_unit",
    column("edition", String),
    column("code", String),
    column("level", String),
    column("province_code", String),
)

# built once (every request runs it): no per-request construction, and its cache key is computed once
_PRINCIPAL = (
    select(
        col(User.id),
        col(User.username),
        col(User.full_name),
        col(User.role),
        col(User.bank_bin),
        col(User.is_active),
        col(User.is_demo),
        col(UserUnit.edition),
        col(UserUnit.code),
    )
    .outerjoin(UserUnit, col(UserUnit.user_id) == col(User.id))
    .where(col(User.id) == bindparam("user_id"))
    .order_by(col(UserUnit.code))
)


# its text for asyncpg ($1) and for SQLite (?): principal_rows sends it through the driver itself
_PRINCIPAL_PG = str(_PRINCIPAL.compile(dialect=asyncpg_dialect()))  # type: ignore[no-untyped-call]  # unannotated
_PRINCIPAL_SQLITE = str(_PRINCIPAL.compile(dialect=sqlite_dialect()))


class PrincipalRow(NamedTuple):
    """One row of `_PRINCIPAL`: the account, and one of its units (None, None when it has none)."""

    id: int
    username: str
    full_name: str
    role: str
    bank_bin: str | None
    is_active: bool
    is_demo: bool
    edition: str | None
    code: str | None


class UserRepository(Repository[User]):
    model = User

    async def by_username(self, username: str) -> User | None:
        return (await self.session.execute(select(User).where(col(User.username) == username))).scalar_one_or_none()

    async def by_id(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def principal_rows(self, user_id: int, *, pooled: bool = False) -> list[PrincipalRow]:
        """The account a request runs as and its units, in one query (user LEFT JOIN units): one row per unit, or
        one row with no unit, or none for an unknown id. Core columns, no ORM instance: every request asks.

        Unless `pooled` (PgBouncer in transaction mode), it is sent on the session's connection by the driver
        itself (asyncpg; aiosqlite, one hop), before the session's transaction has begun: on PostgreSQL it runs as
        its own statement, with no BEGIN before it nor COMMIT after it when the request reads nothing else (a GET
        of the caller's own account was three round trips and a quarter of its CPU in SQLAlchemy's execution
        path). It is the request's first statement, so what it reads is what the transaction would have read. Any
        failure (a connection that died) goes the usual way, through SQLAlchemy, which invalidates the pool and
        answers 503."""
        dialect = self.session.get_bind().dialect.name
        if not pooled and dialect in ("postgresql", "sqlite"):
            connection = await self.session.connection()
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None  # a checked-out connection has its driver's connection
            if dialect == "postgresql":
                with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError):
                    return [PrincipalRow._make(r) for r in await driver.fetch(_PRINCIPAL_PG, user_id)]
            else:  # SQLite (aiosqlite): one hop to the connection's thread, without SQLAlchemy's execution path
                with contextlib.suppress(sqlite3.Error, ValueError):
                    return [PrincipalRow._make(r) for r in await driver.execute_fetchall(_PRINCIPAL_SQLITE, (user_id,))]
        return [PrincipalRow._make(r) for r in (await self.session.execute(_PRINCIPAL, {"user_id": user_id})).all()]

    async def successors_2025(self, codes_2020: list[str]) -> set[str]:
        if not codes_2020:
            return set()
        rows = await self.session.execute(
            select(_succession.c.to_code).where(
                _succession.c.from_edition == Edition.Y2020,
                _succession.c.to_edition == Edition.Y2025,
                _succession.c.from_code.in_(codes_2020),
            )
        )
        return set(rows.scalars())

    async def communes_of_provinces(self, edition: str, provinces: list[str]) -> set[str]:
        """Every commune of these provinces (one indexed read: ix_admin_unit_edition_level_province_code)."""
        if not provinces:
            return set()
        rows = await self.session.execute(
            select(_unit.c.code).where(
                _unit.c.edition == edition, _unit.c.level == "commune", _unit.c.province_code.in_(sorted(provinces))
            )
        )
        return set(rows.scalars())

    async def set_units(self, user_id: int, units: list[tuple[str, str]]) -> None:
        await self.session.execute(delete(UserUnit).where(col(UserUnit.user_id) == user_id))
        self.session.add_all([UserUnit(user_id=user_id, edition=e, code=c) for e, c in units])

    # refresh tokens
    async def add_refresh(self, token: RefreshToken) -> None:
        self.session.add(token)
        await self.session.flush()

    async def get_refresh(self, jti: str) -> RefreshToken | None:
        return await self.session.get(RefreshToken, jti)

    async def mark_refresh_used(self, jti: str, at: datetime) -> bool:
        """Atomic: only one of two concurrent uses of the same token wins."""
        result = await self.session.execute(
            update(RefreshToken)
            .where(
                col(RefreshToken.jti) == jti,
                col(RefreshToken.used_at).is_(None),
                col(RefreshToken.revoked_at).is_(None),
            )
            .values(used_at=at)
        )
        return cast("CursorResult[Any]", result).rowcount == 1  # an UPDATE answers a CursorResult

    async def revoke_family(self, family: str, at: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(col(RefreshToken.family) == family, col(RefreshToken.revoked_at).is_(None))
            .values(revoked_at=at)
        )


class SessionRepository(Repository[DashboardSession]):
    """Dashboard sessions (by the hash of their cookie's id) and, for ending them all, refresh tokens."""

    model = DashboardSession

    async def drop_ended(self, user_id: int, now: datetime) -> None:
        """The user's expired or revoked dashboard sessions."""
        await self.session.execute(
            delete(DashboardSession).where(
                col(DashboardSession.user_id) == user_id,
                or_(col(DashboardSession.expires_at) <= now, col(DashboardSession.revoked_at).is_not(None)),
            )
        )

    async def revoke(self, id_hash: str, now: datetime) -> None:
        await self.session.execute(
            update(DashboardSession)
            .where(col(DashboardSession.id_hash) == id_hash, col(DashboardSession.revoked_at).is_(None))
            .values(revoked_at=now)
        )

    async def revoke_all(self, user_id: int, now: datetime) -> None:
        """Every refresh token and every dashboard session of the user."""
        await self.session.execute(
            update(RefreshToken)
            .where(col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None))
            .values(revoked_at=now)
        )
        await self.session.execute(
            update(DashboardSession)
            .where(col(DashboardSession.user_id) == user_id, col(DashboardSession.revoked_at).is_(None))
            .values(revoked_at=now)
        )
