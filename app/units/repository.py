from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.editions import Edition
from app.core.repository import Repository
from app.units.models import AdminUnit, UnitBoundary, UnitSuccession


class UnitRepository(Repository[AdminUnit]):
    model = AdminUnit

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(self, edition: str | None, level: str | None = "commune") -> list[AdminUnit]:
        stmt = select(AdminUnit).order_by(col(AdminUnit.edition), col(AdminUnit.code))
        if edition:
            stmt = stmt.where(col(AdminUnit.edition) == edition)
        if level:
            stmt = stmt.where(col(AdminUnit.level) == level)
        return list((await self.session.execute(stmt)).scalars())

    async def page(
        self,
        *,
        edition: str,
        level: str | None,
        province: str | None,
        q: str | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[builtins.list[AdminUnit], str | None]:
        """One keyset page in code order, on ix_admin_unit_edition_level_province_code."""
        stmt = select(AdminUnit).where(col(AdminUnit.edition) == edition)
        if level:
            stmt = stmt.where(col(AdminUnit.level) == level)
        if province:
            stmt = stmt.where(col(AdminUnit.province_code) == province)
        if q:
            stmt = stmt.where(col(AdminUnit.name_search).contains(q, autoescape=True))
        return await self.paginate(stmt, order=[col(AdminUnit.code)], cursor=cursor, limit=limit)

    async def by_code(self, edition: str, code: str) -> AdminUnit | None:
        stmt = select(AdminUnit).where(col(AdminUnit.edition) == edition, col(AdminUnit.code) == code)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def names(self, refs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        wanted = set(refs)
        if not wanted:
            return {}
        stmt = select(col(AdminUnit.edition), col(AdminUnit.code), col(AdminUnit.name)).where(
            or_(
                *[
                    (col(AdminUnit.edition) == e) & (col(AdminUnit.code).in_(sorted(c for ed, c in wanted if ed == e)))
                    for e in sorted({e for e, _ in wanted})
                ]
            )
        )
        return {(e, c): n for e, c, n in (await self.session.execute(stmt)).all()}

    async def area_communes(self, edition: str, provinces: Iterable[str]) -> builtins.list[AdminUnit]:
        """The communes of the deployment's provinces (edition 2025), or the 2020 communes whose default successor
        is one of them (edition 2020), in code order."""
        new = select(col(AdminUnit.code)).where(
            col(AdminUnit.edition) == Edition.Y2025,
            col(AdminUnit.level) == "commune",
            col(AdminUnit.province_code).in_(sorted(set(provinces))),
        )
        stmt = select(AdminUnit).where(col(AdminUnit.edition) == edition, col(AdminUnit.level) == "commune")
        if edition == Edition.Y2025:
            stmt = stmt.where(col(AdminUnit.code).in_(new))
        else:
            olds = select(col(UnitSuccession.from_code)).where(
                col(UnitSuccession.from_edition) == Edition.Y2020,
                col(UnitSuccession.to_edition) == Edition.Y2025,
                col(UnitSuccession.is_default).is_(True),
                col(UnitSuccession.to_code).in_(new),
            )
            stmt = stmt.where(col(AdminUnit.code).in_(olds))
        return list((await self.session.execute(stmt.order_by(col(AdminUnit.code)))).scalars())

    async def predecessors(self, code_2025: str, also: set[str]) -> builtins.list[AdminUnit]:
        """2020 communes whose default successor is this 2025 commune, and the `also` ones, in code order."""
        defaults = select(col(UnitSuccession.from_code)).where(
            col(UnitSuccession.to_edition) == Edition.Y2025,
            col(UnitSuccession.to_code) == code_2025,
            col(UnitSuccession.is_default).is_(True),
        )
        stmt = select(AdminUnit).where(
            col(AdminUnit.edition) == Edition.Y2020,
            or_(col(AdminUnit.code).in_(defaults), col(AdminUnit.code).in_(sorted(also))),
        )
        return list((await self.session.execute(stmt.order_by(col(AdminUnit.code)))).scalars())

    async def communes_of(self, edition: str, provinces: Iterable[str]) -> builtins.list[str]:
        stmt = select(col(AdminUnit.code)).where(
            col(AdminUnit.edition) == edition,
            col(AdminUnit.level) == "commune",
            col(AdminUnit.province_code).in_(sorted(set(provinces))),
        )
        return list((await self.session.execute(stmt)).scalars())

    async def provinces_of(self, edition: str, codes: Iterable[str]) -> dict[str, str]:
        """commune code -> its province's code, for the given communes of an edition."""
        codes = sorted(set(codes))
        if not codes:
            return {}
        stmt = select(col(AdminUnit.code), col(AdminUnit.province_code)).where(
            col(AdminUnit.edition) == edition, col(AdminUnit.level) == "commune", col(AdminUnit.code).in_(codes)
        )
        return {c: p for c, p in (await self.session.execute(stmt)).all()}

    async def links(self, edition: str, codes: Iterable[str], *, forward: bool) -> builtins.list[UnitSuccession]:
        """Successions from (forward) or to the given units of an edition."""
        codes = sorted(set(codes))
        if not codes:
            return []
        if forward:
            where = (col(UnitSuccession.from_edition) == edition, col(UnitSuccession.from_code).in_(codes))
        else:
            where = (col(UnitSuccession.to_edition) == edition, col(UnitSuccession.to_code).in_(codes))
        stmt = select(UnitSuccession).where(*where).order_by(col(UnitSuccession.id))
        return list((await self.session.execute(stmt)).scalars())

    async def succession(
        self, from_edition: str, from_code: str, to_edition: str, to_code: str
    ) -> UnitSuccession | None:
        stmt = select(UnitSuccession).where(
            col(UnitSuccession.from_edition) == from_edition,
            col(UnitSuccession.from_code) == from_code,
            col(UnitSuccession.to_edition) == to_edition,
            col(UnitSuccession.to_code) == to_code,
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def successions(self) -> builtins.list[UnitSuccession]:
        return list((await self.session.execute(select(UnitSuccession))).scalars())

    async def successor_map(self) -> dict[str, str]:
        """2020 code -> its default 2025 code (a split commune's default successor).

        Reference data read on every registration: kept for the life of the session (one request or batch).
        """
        cached: dict[str, str] | None = self.session.info.get("successor_map")
        if cached is not None:
            return cached
        rows = await self.session.execute(
            select(col(UnitSuccession.from_code), col(UnitSuccession.to_code)).where(
                col(UnitSuccession.from_edition) == Edition.Y2020,
                col(UnitSuccession.to_edition) == Edition.Y2025,
                col(UnitSuccession.is_default).is_(True),
            )
        )
        self.session.info["successor_map"] = result = dict(rows.all())
        return result

    async def successors_of_codes(
        self, codes_2020: Iterable[str]
    ) -> tuple[dict[str, str], dict[str, builtins.list[str]]]:
        """For these 2020 communes: the default successor of each, and the successors of those that were split."""
        defaults: dict[str, str] = {}
        parts: dict[str, builtins.list[str]] = {}
        for link in await self.links("2020", codes_2020, forward=True):
            if link.to_edition != Edition.Y2025:
                continue
            if link.is_default:
                defaults[link.from_code] = link.to_code
            if link.how == "split":
                parts.setdefault(link.from_code, []).append(link.to_code)
        return defaults, {k: sorted(v) for k, v in parts.items()}

    async def split_map(self) -> dict[str, builtins.list[str]]:
        """2020 code -> its 2025 successors, for the communes that were split (a few hundred); per session."""
        cached: dict[str, builtins.list[str]] | None = self.session.info.get("split_map")
        if cached is not None:
            return cached
        rows = await self.session.execute(
            select(col(UnitSuccession.from_code), col(UnitSuccession.to_code))
            .where(
                col(UnitSuccession.from_edition) == Edition.Y2020,
                col(UnitSuccession.to_edition) == Edition.Y2025,
                col(UnitSuccession.how) == "split",
            )
            .order_by(col(UnitSuccession.from_code), col(UnitSuccession.to_code))
        )
        result: dict[str, builtins.list[str]] = {}
        for a, b in rows.all():
            result.setdefault(a, []).append(b)
        self.session.info["split_map"] = result
        return result

    async def successors_of(self, code_2020: str) -> builtins.list[UnitSuccession]:
        return await self.links("2020", [code_2020], forward=True)


class BoundaryBoxes:
    """Reads of `unit_boundary` for drawing: the boxes of the outlines in view, then the shapes not parsed yet."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def boxes(
        self, edition: str, codes: builtins.list[str] | None, box: tuple[float, float, float, float] | None
    ) -> builtins.list[tuple[Any, ...]]:
        """(id, code, min_lon, min_lat, max_lon, max_lat) of the given units, or of every unit meeting `box`."""
        b = UnitBoundary
        stmt = select(col(b.id), col(b.code), col(b.min_lon), col(b.min_lat), col(b.max_lon), col(b.max_lat)).where(
            col(b.edition) == edition
        )
        if codes is not None:
            stmt = stmt.where(col(b.code).in_(sorted(set(codes))))
        if box is not None:
            min_lon, min_lat, max_lon, max_lat = box
            stmt = stmt.where(
                col(b.min_lat) <= max_lat,
                col(b.max_lat) >= min_lat,
                col(b.min_lon) <= max_lon,
                col(b.max_lon) >= min_lon,
            )
        return [tuple(r) for r in (await self.session.execute(stmt.order_by(col(b.code)))).all()]

    async def geometries(self, ids: Iterable[int]) -> builtins.list[tuple[int, str]]:
        b = UnitBoundary
        rows = await self.session.execute(select(col(b.id), col(b.geometry)).where(col(b.id).in_(sorted(ids))))
        return [(i, str(g)) for i, g in rows.all() if i is not None]
