# Over 300 lines: every query of the units domain (units, succession, outlines, the bulk loads) in one module
from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.db import refcache
from app.core.editions import Edition
from app.core.repository import Repository
from app.units.models import AdminUnit, UnitBoundary, UnitSuccession

# the tables themselves, for core executemany of plain rows (SQLModel sets __table__; its stubs do not say)
_UNIT: Table = AdminUnit.__table__  # type: ignore[attr-defined]
_LINK: Table = UnitSuccession.__table__  # type: ignore[attr-defined]
CHUNK = 2000  # rows per multi-row INSERT of a bulk load
# the 2020 -> 2025 successions a registration checks: only `phoqr setup` / `phoqr units` write them (another
# process), so a running worker reads a change within this many seconds
LINKS_TTL = 300.0
_LEVEL = select(_UNIT.c.level).where(_UNIT.c.edition == bindparam("edition"), _UNIT.c.code == bindparam("code"))


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

    async def level_of(self, edition: str, code: str) -> str | None:
        """The unit's level (commune, province), None when there is no such unit: one column, no ORM row (asked on
        every registration)."""

        async def load() -> str | None:
            return (await self.session.execute(_LEVEL, {"edition": edition, "code": code})).scalar_one_or_none()

        return await refcache.cached(self.session, ("unit_level", edition, code), None, load)

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
        codes = sorted(set(codes_2020))
        kept = await refcache.cached_many(self.session, "succession_2020", codes, LINKS_TTL, self._forward)
        for code, links in kept.items():
            for to_code, how, is_default in links:
                if is_default:
                    defaults[code] = to_code
                if how == "split":
                    parts.setdefault(code, []).append(to_code)
        return defaults, {k: sorted(v) for k, v in parts.items()}

    async def _forward(self, codes_2020: builtins.list[str]) -> dict[str, tuple[tuple[str, str, bool], ...]]:
        """code -> its (2025 code, how, is_default) links, in id order, for every code asked (none: empty)."""
        found: dict[str, builtins.list[tuple[str, str, bool]]] = {c: [] for c in codes_2020}
        for link in await self.links("2020", codes_2020, forward=True):
            if link.to_edition == Edition.Y2025:
                found[link.from_code].append((link.to_code, link.how, link.is_default))
        return {c: tuple(v) for c, v in found.items()}

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


class BoundaryRepository(Repository[UnitBoundary]):
    """`unit_boundary`: for drawing, the boxes of the outlines in view, then the shapes not parsed yet; for a point,
    the outlines whose box holds it; for a file, which units it names and their outlines replaced."""

    model = UnitBoundary

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

    async def names_by_province(self, edition: str) -> builtins.list[tuple[str, str, str]]:
        """(province name, unit name, code) of every unit of an edition: a file of names matched to codes."""
        stmt = select(col(AdminUnit.province_name), col(AdminUnit.name), col(AdminUnit.code)).where(
            col(AdminUnit.edition) == edition
        )
        return [(p, n, c) for p, n, c in (await self.session.execute(stmt)).all()]

    async def known_codes(self, edition: str, codes: Iterable[str]) -> set[str]:
        stmt = select(col(AdminUnit.code)).where(
            col(AdminUnit.edition) == edition, col(AdminUnit.code).in_(sorted(set(codes)))
        )
        return set((await self.session.execute(stmt)).scalars())

    async def replace(self, edition: str, rows: builtins.list[dict[str, Any]]) -> None:
        """These units' outlines instead of the ones they had (one DELETE, one multi-row INSERT)."""
        codes = [r["code"] for r in rows]
        await self.session.execute(
            delete(UnitBoundary).where(col(UnitBoundary.edition) == edition, col(UnitBoundary.code).in_(codes))
        )
        if rows:
            await self.session.execute(insert(UnitBoundary), rows)

    async def boxes_holding(
        self, edition: str, codes: Iterable[str], lat: float, lon: float
    ) -> builtins.list[UnitBoundary]:
        """The outlines of `codes` whose box holds the point, in code order (the shapes are tested by the caller)."""
        stmt = select(UnitBoundary).where(
            col(UnitBoundary.edition) == edition,
            col(UnitBoundary.code).in_(sorted(codes)),
            col(UnitBoundary.min_lat) <= lat,
            col(UnitBoundary.max_lat) >= lat,
            col(UnitBoundary.min_lon) <= lon,
            col(UnitBoundary.max_lon) >= lon,
        )
        return list((await self.session.execute(stmt.order_by(col(UnitBoundary.code)))).scalars())


class UnitLoadRepository(Repository[AdminUnit]):
    """The bulk load of the country's units and their succession (app.units.loader): one read of what is there,
    multi-row INSERTs of what is missing, executemany UPDATEs of what changed. Nothing is committed here."""

    model = AdminUnit

    async def units(self, fields: Iterable[str]) -> dict[tuple[str, str], tuple[Any, ...]]:
        """(edition, code) -> (id, edition, code, *fields) of every unit there is."""
        columns = [col(AdminUnit.id), col(AdminUnit.edition), col(AdminUnit.code)] + [
            getattr(AdminUnit, f) for f in fields
        ]
        return {(r[1], r[2]): tuple(r) for r in (await self.session.execute(select(*columns))).all()}

    async def links(self) -> dict[tuple[str, str], tuple[Any, ...]]:
        """(2020 code, 2025 code) -> (id, from, to, how, is_default) of every 2020 -> 2025 link there is."""
        stmt = select(
            col(UnitSuccession.id),
            col(UnitSuccession.from_code),
            col(UnitSuccession.to_code),
            col(UnitSuccession.how),
            col(UnitSuccession.is_default),
        ).where(col(UnitSuccession.from_edition) == Edition.Y2020, col(UnitSuccession.to_edition) == Edition.Y2025)
        return {(r[1], r[2]): tuple(r) for r in (await self.session.execute(stmt)).all()}

    async def _insert(self, table: Table, rows: builtins.list[dict[str, Any]]) -> None:
        for i in range(0, len(rows), CHUNK):
            await self.session.execute(insert(table), rows[i : i + CHUNK])

    async def _update(self, table: Table, fields: Iterable[str], rows: builtins.list[dict[str, Any]]) -> None:
        """Each row's `fields` set on the row whose id is its `row_id` (one executemany)."""
        if rows:
            stmt = update(table).where(table.c.id == bindparam("row_id")).values({f: bindparam(f) for f in fields})
            await self.session.execute(stmt, rows)

    async def add_units(self, rows: builtins.list[dict[str, Any]]) -> None:
        await self._insert(_UNIT, rows)

    async def update_units(self, fields: Iterable[str], rows: builtins.list[dict[str, Any]]) -> None:
        await self._update(_UNIT, fields, rows)

    async def add_links(self, rows: builtins.list[dict[str, Any]]) -> None:
        await self._insert(_LINK, rows)

    async def update_links(self, rows: builtins.list[dict[str, Any]]) -> None:
        await self._update(_LINK, ("how", "is_default"), rows)

    async def analyze(self) -> None:
        """PostgreSQL's statistics of both tables brought up to date (a fresh load was never analysed)."""
        await self.session.execute(text("ANALYZE admin_unit, unit_succession"))
