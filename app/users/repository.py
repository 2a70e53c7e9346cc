"""Every query of the accounts domain (the principal's own lookups stay in app.auth.repository)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlmodel import col

from app.auth.models import User, UserUnit
from app.core.repository import Repository
from app.core.text import fold


def _unit_key() -> object:
    return col(UserUnit.edition) + ":" + col(UserUnit.code)


class AccountRepository(Repository[User]):
    model = User

    async def by_username(self, username: str) -> User | None:
        return await self.get_one_or_none(select(User).where(col(User.username) == username))

    async def existing_usernames(self, usernames: list[str]) -> set[str]:
        if not usernames:
            return set()
        rows = await self.session.execute(select(col(User.username)).where(col(User.username).in_(usernames)))
        return set(rows.scalars())

    async def units_of(self, user_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
        out: dict[int, list[tuple[str, str]]] = defaultdict(list)
        if not user_ids:
            return out
        rows = await self.session.execute(
            select(col(UserUnit.user_id), col(UserUnit.edition), col(UserUnit.code))
            .where(col(UserUnit.user_id).in_(user_ids))
            .order_by(col(UserUnit.user_id), col(UserUnit.edition), col(UserUnit.code))
        )
        for uid, edition, code in rows.all():
            out[uid].append((edition, code))
        return out

    def listing(
        self,
        *,
        within: frozenset[str] | None,
        only_role: str | None,
        role: str | None,
        unit: str | None,
        active: bool | None,
        q: str | None,
    ) -> Select[Any]:
        """Accounts matching the filters. `within` (edition:code keys) keeps accounts whose units all lie in it
        (and have at least one); `only_role` is the one role the caller may see (a ward officer's agents)."""
        stmt = select(User)
        if only_role is not None:
            stmt = stmt.where(col(User.role) == only_role)
        if within is not None:
            mine = select(UserUnit).where(col(UserUnit.user_id) == col(User.id))
            stmt = stmt.where(
                exists(mine.where(_unit_key().in_(within))),  # type: ignore[attr-defined]
                ~exists(mine.where(~_unit_key().in_(within))),  # type: ignore[attr-defined]
            )
        if role is not None:
            stmt = stmt.where(col(User.role) == role)
        if unit is not None:
            stmt = stmt.where(
                exists(select(UserUnit).where(col(UserUnit.user_id) == col(User.id), _unit_key() == unit))  # type: ignore[arg-type]
            )
        if active is not None:
            stmt = stmt.where(col(User.is_active) == active)
        if q:
            pattern = f"%{fold(q)}%"
            stmt = stmt.where(
                or_(
                    func.lower(col(User.username)).like(pattern),
                    col(User.name_search).like(pattern),
                    col(User.phone).like(f"%{q}%"),
                )
            )
        return stmt
