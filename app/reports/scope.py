"""Which rows a report covers: the whole area, a commune, an old ward, or a province (2025:79, or a 2020
province such as 2020:77, whose old communes are its rows); and, at level=province, the unit rows summed per
province (a province is exactly the sum of its communes: counts and denominators summed, never percentages)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.editions import Edition
from app.units.repository import UnitRepository


@dataclass(frozen=True, slots=True)
class Scope:
    unit: tuple[str, str] | None
    edition: str
    units_2025: list[str]  # the 2025 communes whose streets and categories the report lists
    old_codes: frozenset[str] | None  # a 2020 commune or province: exactly these old communes' rows

    def wants(self, row: Any) -> bool:
        """Is this snapshot unit row one of the report's unit rows?"""
        if self.old_codes is not None:
            return bool(row.edition == Edition.Y2020 and row.code in self.old_codes)
        return bool(row.edition == self.edition and row.unit_code in self.units_2025)


def is_province(unit: tuple[str, str] | None) -> bool:
    return unit is not None and len(unit[1]) == 2


async def scope_of(
    session: AsyncSession, unit: tuple[str, str] | None, edition: str, names: dict[tuple[str, str], str]
) -> Scope:
    """`names` holds every unit the snapshot rows mention; units absent from it have no rows."""
    present = sorted(c for e, c in names if e == Edition.Y2025)
    if unit is None:
        return Scope(None, edition, present, None)
    repo = UnitRepository(session)
    if unit[0] == Edition.Y2020:  # streets and categories are kept per 2025 unit, not per old ward
        olds = await repo.communes_of("2020", [unit[1]]) if is_province(unit) else [unit[1]]
        return Scope(unit, edition, [], frozenset(olds))
    if is_province(unit):
        communes = set(await repo.communes_of("2025", [unit[1]]))
        return Scope(unit, edition, [c for c in present if c in communes], None)
    return Scope(unit, edition, [unit[1]], None)


async def by_province(
    session: AsyncSession, rows: list[tuple[Any, dict[str, Any]]], summed: Any, unknown: str
) -> list[dict[str, Any]]:
    """(snapshot row, report row) pairs to one report row per province, in code order. A 2020 row is placed by
    its old commune's 2020 province, a 2025 row by its commune's; shops whose old ward is not known (edition
    2020) make a row of their own, so the rows still add up to the total."""
    repo = UnitRepository(session)
    provinces: dict[tuple[str, str], str] = {}
    for edition in ("2025", "2020"):
        codes = [
            r.code if edition == Edition.Y2020 else r.unit_code for r, _ in rows if r.edition == edition and r.code
        ]
        for code, province in (await repo.provinces_of(edition, codes)).items():
            provinces[(edition, code)] = province
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r, out in rows:
        code = r.code if r.edition == Edition.Y2020 else r.unit_code
        province = provinces.get((r.edition, code), "")
        groups.setdefault((r.edition, province), []).append(out)
    names = await repo.names(k for k in groups if k[1])
    return [
        summed(parts, code=f"{e}:{p}" if p else "", name=names.get((e, p), unknown) if p else unknown, _style="")
        for (e, p), parts in sorted(groups.items(), key=lambda kv: (kv[0][1] == "", kv[0][1]))
    ]
