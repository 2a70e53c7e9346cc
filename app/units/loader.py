"""Loads the country's units and their succession in bulk: one read of what is there, one multi-row insert of
what is missing, updates only for rows whose source changed. Running it again changes nothing."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession

from app.units import reference
from app.units.repository import UnitLoadRepository

SOURCE_FIELDS = (
    "name",
    "kind",
    "level",
    "province_code",
    "province_name",
    "district_code",
    "district_name",
    "valid_from",
    "valid_to",
    "lat",
    "lon",
    "name_search",
    "population",
)


def _populations() -> dict[tuple[str, str], int]:
    """Vũng Tàu's file carries the 2024 population of its five 2025 wards (the packages have none)."""
    doc = json.loads((reference.DATA / "vung-tau-admin-units.json").read_text(encoding="utf-8"))
    return {
        (ed["edition"], u["code"]): u["population_2024"]
        for ed in doc["editions"]
        for u in ed["units"]
        if u.get("population_2024") is not None
    }


async def load_country_units(session: AsyncSession) -> int:
    repo = UnitLoadRepository(session)
    populations = _populations()
    wanted = [row for ed in ("2020", "2025") for row in reference.unit_rows(ed)]
    for row in wanted:
        row["population"] = populations.get((row["edition"], row["code"]))
    have = await repo.units(SOURCE_FIELDS)
    new, changed = [], []
    for row in wanted:
        old = have.get((row["edition"], row["code"]))
        if old is None:
            new.append(row)
        elif tuple(old[3:]) != tuple(row[f] for f in SOURCE_FIELDS):
            changed.append({"row_id": old[0], **{f: row[f] for f in SOURCE_FIELDS}})
    await repo.add_units(new)
    await repo.update_units(SOURCE_FIELDS, changed)
    await load_succession(session)
    session.info.pop("successor_map", None)
    if (new or changed) and session.get_bind().dialect.name == "postgresql":
        # a fresh load of 13,000 units and 10,000 links, never analysed: the planner took both tables for one row
        # each and nested its loops, so the 2020 communes of an area took minutes instead of milliseconds
        await repo.analyze()
    return len(wanted)


async def load_succession(session: AsyncSession) -> int:
    repo = UnitLoadRepository(session)
    have = await repo.links()
    new, changed = [], []
    for link in reference.links():
        old = have.get((link.from_code, link.to_code))
        if old is None:
            new.append(
                {
                    "from_edition": "2020",
                    "from_code": link.from_code,
                    "to_edition": "2025",
                    "to_code": link.to_code,
                    "how": link.how,
                    "is_default": link.default,
                }
            )
        elif (old[3], bool(old[4])) != (link.how, link.default):
            changed.append({"row_id": old[0], "how": link.how, "is_default": link.default})
    await repo.add_links(new)
    await repo.update_links(changed)
    return len(reference.links())
