"""How far each unit and street is from 100 %: shops with an active QR over an honest denominator.

denominator = max(baseline_shop_count, active shops registered): a ward that has registered only half its
shops does not look finished. Closed shops never count. pct never exceeds 100 and is null when there is
nothing to divide by. With a category filter the baseline (counted over all categories) no longer applies,
so the denominator is the shops of that category. In edition 2020, shops whose 2020 ward could not be told
from their street are reported in an explicit "chưa xác định" row per 2025 unit, so both editions add up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import get_settings
from app.core.db import utcnow
from app.core.editions import Edition
from app.coverage.repository import CoverageRepository
from app.coverage.schemas import CoverageReport, CoverageRow, StreetLabel, UnitLabel
from app.units.models import AdminUnit
from app.units.repository import UnitRepository

UNASSIGNED = "chưa xác định phường cũ"


@dataclass(frozen=True, slots=True)
class EinvoiceShare:
    shops: int  # active shops with an e-invoice method
    pct: float | None  # of the active shops registered; None when there are none

    @classmethod
    def of(cls, einvoicing: int, shops: int) -> EinvoiceShare:
        return cls(einvoicing, min(100.0, round(einvoicing * 100 / shops, 1)) if shops else None)


def make_row(
    shops: int, with_qr: int, baseline: int | None, target_pct: int | None, target_date: date | None, **label: object
) -> CoverageRow:
    denominator = max(baseline or 0, shops)
    pct = min(100.0, round(with_qr * 100 / denominator, 1)) if denominator else None
    gap = max(0, math.ceil(target_pct * denominator / 100) - with_qr) if target_pct is not None else None
    return CoverageRow(
        shops=shops,
        with_qr=with_qr,
        pct=pct,
        baseline_shop_count=baseline,
        denominator=denominator,
        target_pct=target_pct,
        target_date=target_date,
        gap_to_target=gap,
        **label,
    )


async def einvoice_shares(session: AsyncSession, edition: str, rows: list[CoverageRow]) -> dict[str, EinvoiceShare]:
    """Per unit row (by code): its active shops with an e-invoice method (`tax_authority_code`, `cash_register`)
    and their share of the unit's active shops registered; "" is the total of the rows given."""
    codes = [r.unit.code for r in rows if r.unit is not None and r.unit.code]
    counts = await CoverageRepository(session).einvoicing(edition, codes) if codes else {}
    out = {code: EinvoiceShare.of(counts.get(code, 0), r.shops) for r in rows if r.unit and (code := r.unit.code)}
    out[""] = EinvoiceShare.of(sum(s.shops for s in out.values()), sum(r.shops for r in rows))
    return out


def total_of(rows: list[CoverageRow]) -> CoverageRow:
    shops, with_qr = sum(r.shops for r in rows), sum(r.with_qr for r in rows)
    denominator = sum(r.denominator for r in rows)
    baselines = [r.baseline_shop_count for r in rows if r.baseline_shop_count is not None]
    pct = min(100.0, round(with_qr * 100 / denominator, 1)) if denominator else None
    return CoverageRow(
        shops=shops,
        with_qr=with_qr,
        pct=pct,
        baseline_shop_count=sum(baselines) if baselines else None,
        denominator=denominator,
        target_pct=None,
        target_date=None,
        gap_to_target=None,
    )


async def _units_2025(session: AsyncSession, unit: tuple[str, str] | None, succ: dict[str, str]) -> list[AdminUnit]:
    """The 2025 communes a unit report lists: the one asked for (or an old ward's successor), a province's, or
    those of the deployment's area (PHOQR_AREA)."""
    units = UnitRepository(session)
    if unit is None or len(unit[1]) == 2:
        return await units.area_communes("2025", [unit[1]] if unit else get_settings().area_provinces)
    found = await units.by_code("2025", succ.get(unit[1], "") if unit[0] == Edition.Y2020 else unit[1])
    return [found] if found is not None else []


async def unit_rows(
    session: AsyncSession, edition: str, unit: tuple[str, str] | None, category: str | None
) -> list[CoverageRow]:
    repo, units = CoverageRepository(session), UnitRepository(session)
    succ = await units.successor_map()
    if edition == Edition.Y2025:
        wanted = await _units_2025(session, unit, succ)
        # filtered by an old ward, a 2025 row holds only that ward's shops, so the unit's baseline does not apply
        by_old_ward = unit is not None and unit[0] == Edition.Y2020
        sums = await repo.sums("unit_2025", unit=unit if unit and len(unit[1]) == 5 else None, category=category)
        return [
            make_row(
                *sums.get(u.code, (0, 0)),
                None if category or by_old_ward else u.baseline_shop_count,
                u.target_pct,
                u.target_date,
                unit=UnitLabel(edition="2025", code=u.code, name=u.name),
            )
            for u in wanted
        ]
    only_new = unit[1] if unit is not None and unit[0] == Edition.Y2025 and len(unit[1]) == 5 else None
    pairs = await repo.pair_sums(unit_2025=only_new, category=category)
    if unit is not None and unit[0] == Edition.Y2020:
        olds, news = [u for u in [await units.by_code("2020", unit[1])] if u is not None], []
    elif only_new is not None:
        olds = await units.predecessors(only_new, {o for _, o in pairs if o})
        news = [only_new]
    else:
        provinces = [unit[1]] if unit else list(get_settings().area_provinces)
        olds = await units.area_communes("2020", provinces)
        news = [u.code for u in await units.area_communes("2025", provinces)]
    by_old: dict[str, tuple[int, int]] = {}
    for (_, old), (shops, with_qr) in pairs.items():
        before = by_old.get(old, (0, 0))
        by_old[old] = (before[0] + shops, before[1] + with_qr)
    groups: dict[str, list[AdminUnit]] = {}
    for u in olds:
        groups.setdefault(succ.get(u.code, ""), []).append(u)
    names_2025 = await units.names(("2025", c) for c in news)
    rows: list[CoverageRow] = []
    for new_code in [*news, *sorted(set(groups) - set(news))]:
        for u in groups.get(new_code, []):
            label = UnitLabel(edition="2020", code=u.code, name=u.name)
            rows.append(make_row(*by_old.get(u.code, (0, 0)), None, None, None, unit=label))
        if new_code in news and (new_code, "") in pairs:
            label = UnitLabel(edition="2020", code="", name=f"{UNASSIGNED} ({names_2025.get(('2025', new_code), '')})")
            rows.append(make_row(*pairs[(new_code, "")], None, None, None, unit=label))
    return rows


async def street_rows(
    session: AsyncSession, unit: tuple[str, str] | None, category: str | None, model_only: bool
) -> list[CoverageRow]:
    repo = CoverageRepository(session)
    sums = await repo.sums("street", unit=unit, category=category)
    streets = await repo.streets({int(k) for k in sums if k}, unit, model_only)
    return [
        make_row(
            *sums.get(s.id or 0, (0, 0)),
            None if category else s.baseline_shop_count,
            s.target_pct,
            s.target_date,
            street=StreetLabel(
                id=s.id or 0, name=s.name, kind=s.kind, segment=s.segment, is_model_street=s.is_model_street
            ),
        )
        for s in streets
    ]


async def report(
    session: AsyncSession,
    *,
    level: str,
    edition: str,
    unit: tuple[str, str] | None,
    category: str | None,
    model_only: bool = False,
) -> CoverageReport:
    if level == "province":
        from app.coverage.provinces import province_rows  # it builds on this module's rows

        rows = await province_rows(session, edition, unit, category)
    elif level == "unit":
        rows = await unit_rows(session, edition, unit, category)
    else:
        rows = await street_rows(session, unit, category, model_only)
    return CoverageReport(
        level=level, edition=edition, category=category, generated_at=utcnow(), rows=rows, total=total_of(rows)
    )
