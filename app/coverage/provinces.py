"""Coverage per province: the communes' counters summed (a grouped read of the counters, then each commune's
province from admin_unit's index), so a province adds up to its communes exactly and no shop is scanned."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.editions import Edition
from app.coverage.repository import CoverageRepository
from app.coverage.schemas import CoverageRow, UnitLabel
from app.coverage.service import UNASSIGNED, make_row, total_of


async def province_rows(
    session: AsyncSession, edition: str, unit: tuple[str, str] | None, category: str | None
) -> list[CoverageRow]:
    repo = CoverageRepository(session)
    only = unit[1] if unit is not None and unit[0] == edition and len(unit[1]) == 2 else None
    provinces = await repo.provinces(edition, only)
    sums = await repo.sums("unit_2025" if edition == Edition.Y2025 else "unit_2020", unit=None, category=category)
    parts: dict[str, list[CoverageRow]] = {}
    for code, province, baseline_count in await repo.commune_provinces(edition):
        if code not in sums and baseline_count is None:
            continue  # no shop and no baseline: adds nothing to its province
        baseline = None if category or edition == Edition.Y2020 else baseline_count
        parts.setdefault(province, []).append(make_row(*sums.get(code, (0, 0)), baseline, None, None))
    rows = [
        total_of(parts.get(p.code, [])).model_copy(
            update={"unit": UnitLabel(edition=edition, code=p.code, name=p.name)}
        )
        for p in provinces
    ]
    if only is None and "" in sums:  # shops whose 2020 ward could not be told (edition 2020 only)
        label = UnitLabel(edition=edition, code="", name=UNASSIGNED)
        rows.append(make_row(*sums[""], None, None, None, unit=label))
    return rows
