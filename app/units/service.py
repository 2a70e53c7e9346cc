from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.editions import EDITIONS
from app.core.errors import NotFound, ValidationFailed
from app.core.text import fold
from app.units.models import AdminUnit, UnitSuccession
from app.units.repository import UnitRepository
from app.units.schemas import ProvinceRef, UnitDetail, UnitLink, UnitOut


def parse_unit_ref(value: str, field: str = "unit") -> tuple[str, str]:
    """'2025:26506' -> ('2025', '26506'), '2025:79' a province; a bare code is refused because codes are reused
    across editions."""
    edition, sep, code = value.partition(":")
    if not sep or edition not in EDITIONS or not (code.isdigit() and len(code) in (2, 5)):
        raise ValidationFailed(
            field,
            "Đơn vị phải ghi kèm phiên bản, ví dụ 2025:26506",
            "A unit is written edition:code, e.g. 2025:26506",
        )
    return edition, code


async def require_unit(session: AsyncSession, edition: str, code: str, field: str = "unit") -> None:
    """A unit named in a request body that does not exist is a 422 on that field (as an unknown street is):
    404 is for the resource in the URL."""
    if await UnitRepository(session).by_code(edition, code) is None:
        raise ValidationFailed(field, f"Không có đơn vị {edition}:{code}", f"No unit {edition}:{code}")


async def _links(
    repo: UnitRepository, units: list[AdminUnit]
) -> tuple[dict[tuple[str, str], list[UnitLink]], dict[tuple[str, str], list[UnitLink]]]:
    """Successors and predecessors of a page of units: two indexed queries and one for the names."""
    found: list[UnitSuccession] = []
    for edition in EDITIONS:
        codes = [u.code for u in units if u.edition == edition and u.level == "commune"]
        found += await repo.links(edition, codes, forward=True)
        found += await repo.links(edition, codes, forward=False)
    refs = {(s.from_edition, s.from_code) for s in found} | {(s.to_edition, s.to_code) for s in found}
    names = await repo.names(refs)
    succ: dict[tuple[str, str], list[UnitLink]] = {}
    pred: dict[tuple[str, str], list[UnitLink]] = {}
    for s in {s.id: s for s in found}.values():
        succ.setdefault((s.from_edition, s.from_code), []).append(
            UnitLink(
                edition=s.to_edition,
                code=s.to_code,
                name=names.get((s.to_edition, s.to_code), ""),
                how=s.how,
                default=s.is_default,
            )
        )
        pred.setdefault((s.to_edition, s.to_code), []).append(
            UnitLink(
                edition=s.from_edition,
                code=s.from_code,
                name=names.get((s.from_edition, s.from_code), ""),
                how=s.how,
                default=s.is_default,
            )
        )
    return succ, pred


async def list_units(
    session: AsyncSession,
    *,
    edition: str,
    level: str | None,
    province: str | None,
    q: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[UnitOut], str | None]:
    repo = UnitRepository(session)
    if province and level is None:
        level = "commune"  # a province's units are its communes; the province itself is /units/{edition}/{code}
    units, nxt = await repo.page(
        edition=edition, level=level, province=province, q=fold(q) or None, cursor=cursor, limit=limit
    )
    succ, pred = await _links(repo, units)
    out = [
        UnitOut(
            edition=u.edition,
            code=u.code,
            name=u.name,
            kind=u.kind,
            level=u.level,
            province=u.province_name,
            province_code=u.province_code,
            valid_from=u.valid_from,
            valid_to=u.valid_to,
            population=u.population,
            baseline_shop_count=u.baseline_shop_count,
            target_pct=u.target_pct,
            target_date=u.target_date,
            successors=succ.get((u.edition, u.code), []),
            predecessors=pred.get((u.edition, u.code), []),
        )
        for u in units
    ]
    return out, nxt


async def unit_detail(session: AsyncSession, edition: str, code: str) -> UnitDetail:
    repo = UnitRepository(session)
    unit = await repo.by_code(edition, code)
    if unit is None:
        raise NotFound(f"Không có đơn vị {edition}:{code}", f"No unit {edition}:{code}", code="unit_not_found")
    succ, pred = await _links(repo, [unit])
    return UnitDetail(
        edition=unit.edition,
        code=unit.code,
        name=unit.name,
        level=unit.level,
        kind=unit.kind,
        province=None if unit.level == "province" else ProvinceRef(code=unit.province_code, name=unit.province_name),
        district=unit.district_name,
        valid_from=unit.valid_from,
        valid_to=unit.valid_to,
        population=unit.population,
        successors=succ.get((edition, code), []),
        predecessors=pred.get((edition, code), []),
    )
