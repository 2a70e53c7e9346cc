"""The bulk loader run again over a seeded database: what drifted from the source is put back, what is missing
is inserted, nothing is duplicated (the statements live in `UnitLoadRepository`)."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlmodel import col

from app.units.loader import load_country_units
from app.units.models import AdminUnit, UnitSuccession
from app.units.reference import links


async def _counts(session) -> tuple[int, int]:
    units = (await session.execute(select(func.count()).select_from(AdminUnit))).scalar_one()
    successions = (await session.execute(select(func.count()).select_from(UnitSuccession))).scalar_one()
    return units, successions


async def test_a_reload_restores_drifted_rows_and_inserts_missing_ones(session) -> None:
    before = await _counts(session)
    link = links()[0]
    unit = AdminUnit.edition == "2025", AdminUnit.code == "26506"
    await session.execute(update(AdminUnit).where(*unit).values(name="Đã sửa", population=1))
    await session.execute(
        update(UnitSuccession)
        .where(col(UnitSuccession.from_code) == link.from_code, col(UnitSuccession.to_code) == link.to_code)
        .values(how="renamed-by-test", is_default=not link.default)
    )
    gone = links()[1]
    await session.execute(
        delete(UnitSuccession).where(
            col(UnitSuccession.from_code) == gone.from_code, col(UnitSuccession.to_code) == gone.to_code
        )
    )
    assert await _counts(session) == (before[0], before[1] - 1)

    assert await load_country_units(session) == before[0]

    assert await _counts(session) == before
    name, population = (await session.execute(select(AdminUnit.name, AdminUnit.population).where(*unit))).one()
    assert (name, population) == ("Phường Vũng Tàu", 117413)
    how, default = (
        await session.execute(
            select(UnitSuccession.how, UnitSuccession.is_default).where(
                col(UnitSuccession.from_code) == link.from_code, col(UnitSuccession.to_code) == link.to_code
            )
        )
    ).one()
    assert (how, bool(default)) == (link.how, link.default)
    back = select(func.count()).where(
        col(UnitSuccession.from_code) == gone.from_code, col(UnitSuccession.to_code) == gone.to_code
    )
    assert (await session.execute(back)).scalar_one() == 1
