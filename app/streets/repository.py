from __future__ import annotations

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.streets.models import Street, StreetUnit


class StreetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, street_id: int) -> Street | None:
        return await self.session.get(Street, street_id)

    async def by_natural_key(self, key: str) -> Street | None:
        stmt = select(Street).where(Street.natural_key == key)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def units_of(self, street_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
        out: dict[int, list[tuple[str, str]]] = {i: [] for i in street_ids}
        if not street_ids:
            return out
        rows = await self.session.execute(
            select(StreetUnit.street_id, StreetUnit.edition, StreetUnit.code)
            .where(StreetUnit.street_id.in_(street_ids))
            .order_by(StreetUnit.edition, StreetUnit.code)
        )
        for sid, edition, code in rows.all():
            out[sid].append((edition, code))
        return out

    async def set_units(self, street_id: int, units: set[tuple[str, str]]) -> None:
        await self.session.execute(delete(StreetUnit).where(StreetUnit.street_id == street_id))
        self.session.add_all([StreetUnit(street_id=street_id, edition=e, code=c) for e, c in sorted(units)])
        await self.session.flush()

    async def search(
        self,
        *,
        unit: tuple[str, str] | None,
        model: bool | None,
        kind: str | None,
        q: str | None,
        after: tuple[str, int] | None,
        limit: int,
    ) -> list[Street]:
        stmt = select(Street)
        if unit:
            stmt = stmt.where(
                Street.id.in_(
                    select(StreetUnit.street_id).where(StreetUnit.edition == unit[0], StreetUnit.code == unit[1])
                )
            )
        if model is not None:
            stmt = stmt.where(Street.is_model_street == model)
        if kind:
            stmt = stmt.where(Street.kind == kind)
        if q:
            stmt = stmt.where(Street.name_search.contains(q, autoescape=True))
        if after:
            stmt = stmt.where(
                or_(Street.name_search > after[0], and_(Street.name_search == after[0], Street.id > after[1]))
            )
        stmt = stmt.order_by(Street.name_search, Street.id).limit(limit)
        return list((await self.session.execute(stmt)).scalars())
