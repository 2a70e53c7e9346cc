from __future__ import annotations

from sqlalchemy import bindparam, delete, select
from sqlmodel import col

from app.core.repository import Repository
from app.streets.models import Street, StreetUnit

_STREET_UNITS = (
    select(col(Street.id), col(StreetUnit.edition), col(StreetUnit.code))
    .outerjoin(StreetUnit, col(StreetUnit.street_id) == col(Street.id))
    .where(col(Street.id) == bindparam("street_id"))
    .order_by(col(StreetUnit.edition), col(StreetUnit.code))
)


class StreetRepository(Repository[Street]):
    model = Street

    async def by_natural_key(self, key: str) -> Street | None:
        return await self.get_one_or_none(select(Street).where(col(Street.natural_key) == key))

    async def units_with_streets(self, edition: str) -> list[str]:
        """The codes of the units of an edition that at least one street or market runs through."""
        rows = await self.session.execute(
            select(col(StreetUnit.code))
            .where(col(StreetUnit.edition) == edition)
            .distinct()
            .order_by(col(StreetUnit.code))
        )
        return list(rows.scalars())

    async def units_of(self, street_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
        out: dict[int, list[tuple[str, str]]] = {i: [] for i in street_ids}
        if not street_ids:
            return out
        rows = await self.session.execute(
            select(col(StreetUnit.street_id), col(StreetUnit.edition), col(StreetUnit.code))
            .where(col(StreetUnit.street_id).in_(street_ids))
            .order_by(col(StreetUnit.edition), col(StreetUnit.code))
        )
        for sid, edition, code in rows.all():
            out[sid].append((edition, code))
        return out

    async def units_if_exists(self, street_id: int) -> list[tuple[str, str]] | None:
        """The street's (edition, code) units; None when the street does not exist. One round trip (it runs on
        every registration): the street outer-joined to its units, no ORM row."""
        rows = (await self.session.execute(_STREET_UNITS, {"street_id": street_id})).all()
        return [(e, c) for _, e, c in rows if e is not None] if rows else None

    async def set_units(self, street_id: int, units: set[tuple[str, str]]) -> None:
        await self.session.execute(delete(StreetUnit).where(col(StreetUnit.street_id) == street_id))
        self.session.add_all([StreetUnit(street_id=street_id, edition=e, code=c) for e, c in sorted(units)])
        await self.session.flush()

    async def all_ordered(self) -> list[Street]:
        return await self.get_all(select(Street).order_by(col(Street.id)))

    async def search(
        self,
        *,
        unit: tuple[str, str] | None,
        model: bool | None,
        kind: str | None,
        q: str | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[Street], str | None]:
        """By folded name, keyset-paged on (name_search, id)."""
        stmt = select(Street)
        if unit:
            stmt = stmt.where(
                col(Street.id).in_(
                    select(col(StreetUnit.street_id)).where(
                        col(StreetUnit.edition) == unit[0], col(StreetUnit.code) == unit[1]
                    )
                )
            )
        if model is not None:
            stmt = stmt.where(col(Street.is_model_street) == model)
        if kind:
            stmt = stmt.where(col(Street.kind) == kind)
        if q:
            stmt = stmt.where(col(Street.name_search).contains(q, autoescape=True))
        return await self.paginate(stmt, order=[col(Street.name_search), col(Street.id)], cursor=cursor, limit=limit)
