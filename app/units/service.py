from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import ValidationFailed
from app.units.repository import UnitRepository
from app.units.schemas import UnitLink, UnitOut

EDITIONS = ("2020", "2025")


def parse_unit_ref(value: str, field: str = "unit") -> tuple[str, str]:
    """'2025:26506' -> ('2025', '26506'); a bare code is refused because codes are reused across editions."""
    edition, sep, code = value.partition(":")
    if not sep or edition not in EDITIONS or not (code.isdigit() and len(code) == 5):
        raise ValidationFailed(
            field,
            "Đơn vị phải ghi kèm phiên bản, ví dụ 2025:26506",
            "A unit is written edition:code, e.g. 2025:26506",
        )
    return edition, code


async def require_unit(session: AsyncSession, edition: str, code: str, field: str = "unit") -> None:
    """A unit named in a request body that does not exist is a 422 on that field (as an unknown street is):
    404 is for the resource in the URL."""
    if await UnitRepository(session).get(edition, code) is None:
        raise ValidationFailed(field, f"Không có đơn vị {edition}:{code}", f"No unit {edition}:{code}")


async def list_units(session: AsyncSession, edition: str | None) -> list[UnitOut]:
    repo = UnitRepository(session)
    units = await repo.list(None)
    names = {(u.edition, u.code): u.name for u in units}
    links = await repo.successions()
    out = []
    for u in units:
        if edition and u.edition != edition:
            continue
        succ = [
            UnitLink(edition=s.to_edition, code=s.to_code, name=names.get((s.to_edition, s.to_code), ""), how=s.how)
            for s in links
            if (s.from_edition, s.from_code) == (u.edition, u.code)
        ]
        pred = [
            UnitLink(
                edition=s.from_edition,
                code=s.from_code,
                name=names.get((s.from_edition, s.from_code), ""),
                how=s.how,
            )
            for s in links
            if (s.to_edition, s.to_code) == (u.edition, u.code)
        ]
        out.append(
            UnitOut(
                edition=u.edition,
                code=u.code,
                name=u.name,
                kind=u.kind,
                province=u.province_name,
                valid_from=u.valid_from,
                valid_to=u.valid_to,
                population=u.population,
                baseline_shop_count=u.baseline_shop_count,
                target_pct=u.target_pct,
                target_date=u.target_date,
                successors=succ,
                predecessors=pred,
            )
        )
    return out
