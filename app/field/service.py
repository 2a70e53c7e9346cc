"""The agent's work list: its units and their streets (model streets first) with coverage, plus the reference
data the shop form needs, read in one request so the phone can cache it for a day without network."""

from __future__ import annotations

import hashlib

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.banks import service as banks
from app.consents import service as consents
from app.consents.schemas import ConsentTextOut
from app.coverage import service as coverage
from app.coverage.schemas import CoverageRow
from app.field.schemas import WorkBank, WorkList, WorkStreet, WorkUnit, WorkUser
from app.merchants.enums import Category
from app.streets import service as streets_service
from app.streets.repository import StreetRepository
from app.streets.schemas import StreetOut


def _figures(row: CoverageRow) -> dict[str, object]:
    return {
        "shops": row.shops,
        "with_qr": row.with_qr,
        "without_qr": max(0, row.shops - row.with_qr),
        "pct": row.pct,
        "denominator": row.denominator,
        "target_pct": row.target_pct,
        "target_date": row.target_date,
    }


async def _unit_codes(session: AsyncSession, principal: Principal) -> list[str]:
    if principal.sees_all:
        # the whole country is 3,321 communes: a city-wide day of work is the units that have streets to walk
        return await StreetRepository(session).units_with_streets("2025")
    return sorted(principal.units_2025)


async def _streets_of(session: AsyncSession, code: str) -> list[StreetOut]:
    """Every street and market of the unit (also those with no shop yet: the form offers them all)."""
    found: list[StreetOut] = []
    cursor: str | None = None
    while True:
        page, cursor = await streets_service.list_streets(
            session, unit=("2025", code), model=None, kind=None, q=None, cursor=cursor, limit=500
        )
        found += page
        if cursor is None:
            return found


async def work_list(session: AsyncSession, principal: Principal) -> WorkList:
    units: list[WorkUnit] = []
    streets: list[WorkStreet] = []
    seen: set[int] = set()
    for code in await _unit_codes(session, principal):
        for row in await coverage.unit_rows(session, "2025", ("2025", code), None):
            assert row.unit is not None
            units.append(WorkUnit(edition="2025", code=row.unit.code, name=row.unit.name, **_figures(row)))
        figures = {
            row.street.id: row
            for row in await coverage.street_rows(session, ("2025", code), None, model_only=False)
            if row.street is not None
        }
        for street in await _streets_of(session, code):
            if street.id in seen:  # a street on a unit boundary is listed once, under the first unit
                continue
            seen.add(street.id)
            row = figures.get(street.id) or coverage.make_row(
                0, 0, street.baseline_shop_count, street.target_pct, street.target_date
            )
            streets.append(
                WorkStreet(
                    id=street.id,
                    kind=street.kind,
                    name=street.name,
                    segment=street.segment,
                    unit=code,
                    is_model_street=street.is_model_street,
                    **_figures(row),
                )
            )
    streets.sort(key=lambda s: (not s.is_model_street, s.name, s.id))
    bank_rows = await banks.list_banks(session, "active")
    return WorkList(
        user=WorkUser(id=principal.id, username=principal.username, full_name=principal.full_name, role=principal.role),
        units=units,
        streets=streets,
        categories=[c.value for c in Category],
        banks=sorted(
            (WorkBank(bin=b.bin, short_name=b.short_name, name=b.name) for b in bank_rows),
            key=lambda b: b.short_name.casefold(),
        ),
        consent_texts=[ConsentTextOut.model_validate(t, from_attributes=True) for t in await consents.texts(session)],
    )


def entity_tag(body: bytes) -> str:
    """A strong ETag over the exact bytes sent: equal answers share a tag, whatever changed to make them differ."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """RFC 9110 If-None-Match: a list of tags (weak comparison) or `*`."""
    if not if_none_match:
        return False
    wanted = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in wanted or tag in wanted
